import { OpenAiTest } from "@effect-openai/testing"
import * as Effect from "effect/Effect"

/** Lets forked fibers run until the in-memory server has received `count` requests. */
export const awaitRequests = (count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      const received = yield* OpenAiTest.requests
      if (received.length >= count) return received
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`expected ${count} requests`)
  })

/** The number of requests the in-memory server has received. */
export const requestCount = Effect.map(OpenAiTest.requests, (received) => received.length)

export const messages = [{ role: "user", content: "Say this is a test!" }] as const
