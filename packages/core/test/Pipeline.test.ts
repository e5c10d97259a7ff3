import { Models, OpenAiClient } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"

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
  it.effect("an effect that makes no successful call fails with NoSuchElementException, in the error channel", () =>
    Effect.gen(function*() {
      const none = yield* Effect.flip(OpenAiClient.withResponse(Effect.succeed(1)))
      expect(none).toBeInstanceOf(Cause.NoSuchElementException)
      expect(none.message).toBe("OpenAiClient.withResponse: the effect made no successful OpenAI call")
      // a call that failed and was recovered from is not a response to return
      yield* OpenAiTest.reply(OpenAiTest.error(404, { message: "no such model" }))
      const recovered = yield* Effect.flip(
        OpenAiClient.withResponse(Effect.orElseSucceed(Models.retrieve("missing"), () => undefined))
      )
      expect(recovered).toBeInstanceOf(Cause.NoSuchElementException)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("of several calls, the last successful one's response, even when a later call failed and was recovered", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ object: "list", data: [] }, { headers: { "x-request-id": "req_first" } }),
        OpenAiTest.json({ object: "list", data: [] }, { headers: { "x-request-id": "req_second" } }),
        OpenAiTest.error(404, { message: "no such model" }, { "x-request-id": "req_failed" })
      )
      const { data, response } = yield* OpenAiClient.withResponse(Effect.gen(function*() {
        yield* Models.list()
        yield* Models.list()
        yield* Effect.orElseSucceed(Models.retrieve("missing"), () => undefined)
        return "done"
      }))
      expect(data).toBe("done")
      expect(response.requestId).toBe("req_second")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
