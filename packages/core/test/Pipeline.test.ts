import { Models, OpenAiClient } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"

// Rules of the client record (internal/openAiClient.ts) and of the response listener (internal/listener.ts) that the
// other suites leave unchecked.

describe("the base URL", () => {
  it.effect("every trailing slash is dropped, not only the last one", () =>
    Effect.gen(function*() {
      const client = yield* OpenAiClient.OpenAiClient
      expect(client.baseURL).toBe("https://proxy.example.com/v1")
      yield* Models.list()
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe("https://proxy.example.com/v1/models")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { baseURL: "https://proxy.example.com/v1///" } }))))
})

describe("withResponse", () => {
  it.effect("an effect that completes without calling the API is a defect that says so", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(OpenAiClient.withResponse(Effect.succeed(1)))
      if (Exit.isSuccess(exit)) return expect.fail("succeeded without a response")
      const defects = [...Cause.defects(exit.cause)]
      expect(defects).toHaveLength(1)
      expect(Cause.pretty(exit.cause)).toContain(
        "OpenAiClient.withResponse: the effect completed without an OpenAI response"
      )
    }))
})
