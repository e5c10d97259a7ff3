import type { OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import type { MockServer } from "@effect-openai/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

/** A Node client of the server, with the given options. */
export const client = (server: MockServer.Service, options?: Partial<Parameters<typeof NodeOpenAi.layer>[0]>) =>
  NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url, ...options })

/** Polls (in real time, up to 5 s) until `until` holds for what `check` returns. */
export const eventually = <A>(check: Effect.Effect<A>, until: (a: A) => boolean) =>
  Effect.gen(function*() {
    for (let i = 0; i < 500; i++) {
      const value = yield* check
      if (until(value)) return value
      yield* Effect.sleep("10 millis")
    }
    return yield* Effect.dieMessage("condition not reached within 5 s")
  })

/** What a stream delivered before it ended or failed, and its error. */
export const collect = <A, E>(self: Stream.Stream<A, E, OpenAiClient.OpenAiClient>) =>
  Effect.gen(function*() {
    const delivered: Array<A> = []
    const result = yield* Stream.runForEach(self, (value) => Effect.sync(() => delivered.push(value))).pipe(
      Effect.either
    )
    return { delivered, error: result._tag === "Left" ? result.left : undefined }
  })
