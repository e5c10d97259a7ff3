/**
 * The Redis budget store against a real `redis-server`: the Lua script keeps the in-memory store's arithmetic, two
 * clients share one budget through it, and a Redis that dies mid-run ends in the documented behaviour (the process's
 * own budget, or a `RateLimiterError`), never a hang.
 */
import { Chat, RateLimit } from "@effect-openai/core"
import { RedisBudgetStore } from "@effect-openai/redis"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as TestClock from "effect/TestClock"
import * as RedisServer from "./redisServer.js"

const ask = Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })

/** Real time for real I/O (Redis round trips), whatever clock the test runs on. */
const io = (millis = 100) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))

const limits = { requests: 2, tokens: undefined }
const one = { requests: 1, tokens: 0 }

describe("RedisBudgetStore", () => {
  it.scopedLive("keeps the arithmetic of the in-memory store, on Redis's clock", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const store = yield* RedisBudgetStore.make({ url: redis.url })
      expect(yield* store.reserve("m", one, limits)).toStrictEqual({ _tag: "Granted", waitMillis: 0 })
      expect(yield* store.reserve("m", one, limits)).toStrictEqual({ _tag: "Granted", waitMillis: 0 })
      const third = yield* store.reserve("m", one, limits)
      if (third._tag !== "Granted") return expect.fail(third._tag)
      // 30 s for one request at 2 a minute, less the few milliseconds since the first reservation
      expect(third.waitMillis).toBeGreaterThan(29_000)
      expect(third.waitMillis).toBeLessThanOrEqual(30_000)
      // given back: the next waits as long as the third did
      yield* store.adjust("m", one, limits)
      const fourth = yield* store.reserve("m", one, limits)
      if (fourth._tag !== "Granted") return expect.fail(fourth._tag)
      expect(fourth.waitMillis).toBeLessThanOrEqual(30_000)
      expect(yield* store.reserve("m", { requests: 1, tokens: 11 }, { requests: undefined, tokens: 10 }))
        .toStrictEqual({ _tag: "TooLarge", resource: "tokens", limit: 10, cost: 11 })
      // a usage correction rides on observe: 900 of 1,000 tokens reserved, 800 given back, 900 fit again
      const tokens = { requests: undefined, tokens: 1_000 }
      expect(yield* store.reserve("t", { requests: 1, tokens: 900 }, tokens)).toStrictEqual({
        _tag: "Granted",
        waitMillis: 0
      })
      yield* store.observe("t", { refundTokens: 800 }, tokens)
      expect(yield* store.reserve("t", { requests: 1, tokens: 900 }, tokens)).toStrictEqual({
        _tag: "Granted",
        waitMillis: 0
      })
      // a full budget's refill starts the margin after its first reservation
      const withMargin = { requests: 1, tokens: undefined, marginMillis: 1_000 }
      yield* store.reserve("margin", one, withMargin)
      const next = yield* store.reserve("margin", one, withMargin)
      if (next._tag !== "Granted") return expect.fail(next._tag)
      expect(next.waitMillis).toBeGreaterThan(60_900)
      expect(next.waitMillis).toBeLessThanOrEqual(61_000)
      // learned from the server, and a 429's wait
      yield* store.observe("n", { limitRequests: 60, remainingRequests: 0, retryAfterMillis: 5_000 }, {
        requests: undefined,
        tokens: undefined
      })
      const paused = yield* store.reserve("n", one, { requests: undefined, tokens: undefined })
      if (paused._tag !== "Granted") return expect.fail(paused._tag)
      expect(paused.waitMillis).toBeGreaterThan(4_900)
      expect(paused.waitMillis).toBeLessThanOrEqual(5_000)
    }), 30_000)

  it.scoped(
    "two clients (two limiters, two processes' worth) share one budget through Redis",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const clientOf = () =>
          OpenAiTest.layer({ replies: [OpenAiTest.chatCompletion("hi")] }).pipe(
            Layer.provide(
              RateLimit.layer({ budgets: { "*": { requestsPerMinute: 1 } }, countTokens: "characters", margin: 0 })
                .pipe(
                  Layer.provide(RedisBudgetStore.layer({ url: redis.url }))
                )
            )
          )
        const first = yield* Layer.build(clientOf())
        const second = yield* Layer.build(clientOf())
        yield* ask.pipe(Effect.provide(first))
        const waiting = yield* Effect.fork(ask.pipe(Effect.provide(second)))
        yield* io()
        yield* TestClock.adjust("59 seconds")
        yield* io()
        expect(yield* OpenAiTest.requests.pipe(Effect.provide(second))).toHaveLength(0)
        yield* TestClock.adjust("1 second")
        yield* Fiber.join(waiting)
        expect(yield* OpenAiTest.requests.pipe(Effect.provide(second))).toHaveLength(1)
      }),
    30_000
  )

  it.scopedLive(
    "Redis killed mid-run, onStoreFailure \"local\": calls go on under the process's own budget",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const client = yield* Layer.build(
          OpenAiTest.layer({ replies: [OpenAiTest.chatCompletion("1"), OpenAiTest.chatCompletion("2")] }).pipe(
            Layer.provide(
              RateLimit.layer({ countTokens: "characters", storeTimeout: "500 millis" }).pipe(
                Layer.provide(RedisBudgetStore.layer({ url: redis.url }))
              )
            )
          )
        )
        yield* ask.pipe(Effect.provide(client))
        yield* redis.kill
        const started = Date.now()
        yield* ask.pipe(Effect.provide(client))
        expect(Date.now() - started).toBeLessThan(1_000)
        expect(yield* OpenAiTest.requests.pipe(Effect.provide(client))).toHaveLength(2)
      }),
    30_000
  )

  it.scopedLive(
    "Redis killed mid-run, onStoreFailure \"fail\": RateLimiterError StoreFailed, nothing sent, no hang",
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const client = yield* Layer.build(
          OpenAiTest.layer({ replies: [OpenAiTest.chatCompletion("1")] }).pipe(
            Layer.provide(
              RateLimit.layer({ countTokens: "characters", onStoreFailure: "fail", storeTimeout: "500 millis" }).pipe(
                Layer.provide(RedisBudgetStore.layer({ url: redis.url }))
              )
            )
          )
        )
        yield* ask.pipe(Effect.provide(client))
        yield* redis.kill
        const started = Date.now()
        const error = yield* Effect.flip(ask.pipe(Effect.provide(client)))
        expect(Date.now() - started).toBeLessThan(1_000)
        if (error._tag !== "RateLimiterError") return expect.fail(error._tag)
        expect(error.reason).toBe("StoreFailed")
        expect(yield* OpenAiTest.requests.pipe(Effect.provide(client))).toHaveLength(1)
      }),
    30_000
  )

  it.scopedLive(
    "a Redis that is not there at start: the layer builds, the limiter goes local",
    () =>
      Effect.gen(function*() {
        const client = yield* Layer.build(
          OpenAiTest.layer({ replies: [OpenAiTest.chatCompletion("1")] }).pipe(
            Layer.provide(
              RateLimit.layer({ countTokens: "characters" }).pipe(
                // a port nobody listens on
                Layer.provide(RedisBudgetStore.layer({ url: "redis://127.0.0.1:1", connectTimeout: "300 millis" }))
              )
            )
          )
        )
        yield* ask.pipe(Effect.provide(client))
        expect(yield* OpenAiTest.requests.pipe(Effect.provide(client))).toHaveLength(1)
      }),
    30_000
  )
})
