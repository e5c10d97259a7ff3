import { Chat, HttpTransport, OpenAiClient } from "@effect-openai/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { messages } from "./utils.js"

/** A transport that records the deadline it is given and fails each exchange as if that deadline had passed. */
const expiringTransport = (capabilities: HttpTransport.Capabilities) => {
  const seen: Array<number | undefined> = []
  const client = HttpClient.make((request) =>
    Effect.flatMap(FiberRef.get(HttpTransport.currentAttempt), (attempt) => {
      seen.push(attempt?.deadline)
      return Effect.fail(
        new HttpClientError.RequestError({
          request,
          reason: "Transport",
          cause: new HttpTransport.AttemptTimeoutError()
        })
      )
    })
  )
  return { seen, layer: HttpTransport.layer(client, capabilities) }
}

const clientOf = (transport: ReturnType<typeof expiringTransport>) =>
  OpenAiClient.layer({ apiKey: Redacted.make("k"), timeout: "2 seconds", maxRetries: 0 }).pipe(
    Layer.provide(transport.layer)
  )

describe("HttpTransport", () => {
  it.effect("declared capabilities read back from the context; without a declaration there are none", () =>
    Effect.gen(function*() {
      expect(yield* HttpTransport.Declared).toStrictEqual({})
      const declared = yield* HttpTransport.Declared.pipe(
        Effect.provide(HttpTransport.layer(HttpClient.make(() => Effect.never), { enforcesDeadline: true }))
      )
      expect(declared).toStrictEqual({ enforcesDeadline: true })
      expect(HttpTransport.isAttemptTimeoutError(new HttpTransport.AttemptTimeoutError())).toBe(true)
      expect(HttpTransport.isAttemptTimeoutError(new Error("other"))).toBe(false)
    }))

  it.live("a transport that enforces deadlines gets one per attempt, and its timeout error is a TimeoutError", () =>
    Effect.gen(function*() {
      const transport = expiringTransport({ enforcesDeadline: true })
      const before = Date.now()
      const error = yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages })).pipe(
        Effect.provide(clientOf(transport))
      )
      expect(error._tag).toBe("TimeoutError")
      const [deadline] = transport.seen
      expect(deadline).toBeGreaterThanOrEqual(before + 2_000)
      expect(deadline).toBeLessThanOrEqual(Date.now() + 2_000)
    }))

  it.live("the deadline survives a wrapping client that rebuilds the request", () =>
    Effect.gen(function*() {
      const transport = expiringTransport({ enforcesDeadline: true })
      const wrapped = Layer.effect(
        HttpClient.HttpClient,
        Effect.map(HttpClient.HttpClient, HttpClient.mapRequest(HttpClientRequest.setHeader("x-wrapped", "1")))
      ).pipe(Layer.provideMerge(transport.layer))
      yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages })).pipe(
        Effect.provide(
          OpenAiClient.layer({ apiKey: Redacted.make("k"), timeout: "2 seconds", maxRetries: 0 }).pipe(
            Layer.provide(wrapped)
          )
        )
      )
      expect(transport.seen[0]).toBeGreaterThan(Date.now())
    }))

  it.live("a transport that declares nothing gets no deadline (the client times the attempt itself)", () =>
    Effect.gen(function*() {
      const transport = expiringTransport({})
      yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages })).pipe(
        Effect.provide(clientOf(transport))
      )
      expect(transport.seen).toStrictEqual([undefined])
    }))
})
