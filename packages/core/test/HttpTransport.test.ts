import { Chat, HttpTransport, OpenAiClient } from "@effect-openai/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { messages } from "./utils.js"

/** A transport that records the deadline it is given and fails each exchange as if that deadline had passed. */
const expiringTransport = (capabilities: HttpTransport.Capabilities) => {
  const seen: Array<HttpClientRequest.HttpClientRequest> = []
  const client = HttpTransport.declare(
    HttpClient.make((request) =>
      Effect.suspend(() => {
        seen.push(request)
        return Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            cause: new HttpTransport.AttemptTimeoutError()
          })
        )
      })
    ),
    capabilities
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

const clientOf = (transport: ReturnType<typeof expiringTransport>) =>
  OpenAiClient.layer({ apiKey: Redacted.make("k"), timeout: "2 seconds", maxRetries: 0 }).pipe(
    Layer.provide(transport.layer)
  )

describe("HttpTransport", () => {
  it("declared capabilities read back; an undeclared client has none", () => {
    const client = HttpClient.make(() => Effect.never)
    expect(HttpTransport.capabilities(client)).toStrictEqual({})
    expect(HttpTransport.capabilities(HttpTransport.declare(client, { enforcesDeadline: true }))).toStrictEqual({
      enforcesDeadline: true
    })
    expect(HttpTransport.isAttemptTimeoutError(new HttpTransport.AttemptTimeoutError())).toBe(true)
    expect(HttpTransport.isAttemptTimeoutError(new Error("other"))).toBe(false)
  })

  it.live("a transport that enforces deadlines gets one per attempt, and its timeout error is a TimeoutError", () =>
    Effect.gen(function*() {
      const transport = expiringTransport({ enforcesDeadline: true })
      const before = Date.now()
      const error = yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages })).pipe(
        Effect.provide(clientOf(transport))
      )
      expect(error._tag).toBe("TimeoutError")
      const deadline = HttpTransport.deadline(transport.seen[0]!)
      expect(deadline).toBeGreaterThanOrEqual(before + 2_000)
      expect(deadline).toBeLessThanOrEqual(Date.now() + 2_000)
    }))

  it.live("a transport that declares nothing gets no deadline (the client times the attempt itself)", () =>
    Effect.gen(function*() {
      const transport = expiringTransport({})
      yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages })).pipe(
        Effect.provide(clientOf(transport))
      )
      expect(HttpTransport.deadline(transport.seen[0]!)).toBeUndefined()
    }))
})
