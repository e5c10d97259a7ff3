import { Chat, OpenAiError, ResponseMeta, RetryPolicy } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { awaitRequests, messages, requestCount } from "./utils.js"

const create = Chat.completions.create({ model: "gpt-4o-mini", messages })

/** Forks the call, checks nothing is retried before `before` ms, and that the retry happens by `after` ms. */
const expectRetryBetween = (before: number, after: number) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(create)
    yield* awaitRequests(1)
    yield* TestClock.adjust(before)
    expect(yield* requestCount).toBe(1)
    yield* TestClock.adjust(after - before)
    yield* awaitRequests(2)
    return yield* Fiber.join(fiber)
  })

const rateLimited = (headers: Record<string, string> = {}) =>
  OpenAiTest.error(429, { message: "Rate limit reached", code: "rate_limit_exceeded" }, headers)

describe("retries", () => {
  it.effect("retries a 429 after the backoff when no header asks for a delay (0.5 s less up to 25 % jitter)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited())
      const completion = yield* expectRetryBetween(374, 500)
      expect(completion.object).toBe("chat.completion")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("honours retry-after-ms", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after-ms": "1500" }))
      yield* expectRetryBetween(1499, 1500)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("honours retry-after in whole and fractional seconds", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after": "3" }))
      yield* expectRetryBetween(2999, 3000)
      yield* OpenAiTest.reply(rateLimited({ "retry-after": "0.25" }))
      const fiber = yield* Effect.fork(create)
      yield* awaitRequests(3)
      yield* TestClock.adjust(249)
      expect(yield* requestCount).toBe(3)
      yield* TestClock.adjust(1)
      yield* Fiber.join(fiber)
      expect(yield* requestCount).toBe(4)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("honours retry-after as an HTTP date", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.parse("2026-11-25T12:00:00Z"))
      yield* OpenAiTest.reply(rateLimited({ "retry-after": "Wed, 25 Nov 2026 12:00:20 GMT" }))
      yield* expectRetryBetween(19_999, 20_000)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("prefers retry-after-ms over retry-after", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after-ms": "100", "retry-after": "30" }))
      yield* expectRetryBetween(99, 100)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("ignores a retry-after above 60 s and backs off instead", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after": "120" }))
      yield* expectRetryBetween(374, 500)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("ignores a negative or unparsable retry-after", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after-ms": "-5", "retry-after": "soon" }))
      yield* expectRetryBetween(374, 500)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  const exponential = (jitter: number, delays: ReadonlyArray<number>) =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(500),
        OpenAiTest.error(502),
        OpenAiTest.error(503),
        OpenAiTest.error(500)
      )
      const fiber = yield* Effect.fork(Effect.flip(create))
      yield* awaitRequests(1)
      for (const [index, delay] of delays.entries()) {
        yield* TestClock.adjust(delay - 1)
        expect(yield* requestCount).toBe(index + 1)
        yield* TestClock.adjust(1)
        yield* awaitRequests(index + 2)
      }
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("InternalServerError")
      expect(yield* requestCount).toBe(4)
    }).pipe(
      Effect.withRandom(Random.fixed([jitter])),
      Effect.provide(OpenAiTest.layer({ client: { maxRetries: 3 } }))
    )

  it.effect("backs off exponentially: 0.5 s, 1 s, 2 s, then gives up after maxRetries", () =>
    exponential(0, [500, 1000, 2000]))

  it.effect("jitter takes off at most 25 %", () => exponential(0.999999, [376, 751, 1501]))

  it.effect("caps the backoff at 8 s", () =>
    Effect.sync(() => {
      expect(RetryPolicy.backoffMillis(0)).toBe(500)
      expect(RetryPolicy.backoffMillis(3)).toBe(4_000)
      expect(RetryPolicy.backoffMillis(4)).toBe(8_000)
      expect(RetryPolicy.backoffMillis(10)).toBe(8_000)
    }))

  it.effect("makes 1 + 2 attempts by default", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), OpenAiTest.error(500), OpenAiTest.error(500))
      const fiber = yield* Effect.fork(Effect.flip(create))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("InternalServerError")
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("retries 408, 409, 5xx, connection errors and timeouts", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(408),
        OpenAiTest.error(409),
        OpenAiTest.error(500),
        OpenAiTest.error(503),
        OpenAiTest.transportFailure(),
        OpenAiTest.delay("2 seconds")
      )
      const fiber = yield* Effect.fork(
        create.pipe(Effect.timeoutFail({ duration: "1 minute", onTimeout: () => "stuck" }))
      )
      yield* TestClock.adjust("30 seconds")
      const completion = yield* Fiber.join(fiber)
      expect(completion.choices.length).toBe(1)
      expect(yield* requestCount).toBe(7)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 10, timeout: "1 second" } }))))

  for (const status of [400, 401, 403, 404, 422, 418]) {
    it.effect(`does not retry ${status}`, () =>
      Effect.gen(function*() {
        yield* OpenAiTest.reply(OpenAiTest.error(status))
        const error = yield* Effect.flip(create)
        expect(error._tag).not.toBe("TimeoutError")
        expect(yield* requestCount).toBe(1)
      }).pipe(Effect.provide(OpenAiTest.layer())))
  }

  it.effect("does not retry insufficient_quota", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(429, {
        message: "You exceeded your current quota",
        type: "insufficient_quota",
        code: "insufficient_quota"
      }))
      const error = yield* Effect.flip(create)
      expect(error._tag).toBe("RateLimitError")
      expect(error instanceof OpenAiError.RateLimitError && error.isInsufficientQuota).toBe(true)
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("does not retry a body that is not JSON", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("<html>oops</html>", { contentType: "text/html" }))
      const error = yield* Effect.flip(create)
      expect(error._tag).toBe("ResponseDecodeError")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("x-should-retry: true retries even a 400", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(400, {}, { "x-should-retry": "true", "retry-after-ms": "10" }))
      yield* expectRetryBetween(9, 10)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("x-should-retry: false stops even a 503 or a 429", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(503, {}, { "x-should-retry": "false" }))
      expect((yield* Effect.flip(create))._tag).toBe("InternalServerError")
      yield* OpenAiTest.reply(rateLimited({ "x-should-retry": "false" }))
      expect((yield* Effect.flip(create))._tag).toBe("RateLimitError")
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("maxRetries per call overrides the client's", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), OpenAiTest.error(500))
      const error = yield* Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages }, { maxRetries: 0 }))
      expect(error._tag).toBe("InternalServerError")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("maxRetries: 0 on the client disables retries", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.transportFailure())
      expect((yield* Effect.flip(create))._tag).toBe("ConnectionError")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))

  it.effect("the policy is a replaceable Schedule", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(400), OpenAiTest.error(400), OpenAiTest.error(400))
      // retries everything (even 400) twice, one second apart
      const policy = Schedule.intersect(Schedule.recurs(2), Schedule.spaced("1 second"))
      const fiber = yield* Effect.fork(Chat.completions.create({ model: "gpt-4o-mini", messages }, {
        retryPolicy: policy
      }))
      yield* awaitRequests(1)
      yield* TestClock.adjust(999)
      expect(yield* requestCount).toBe(1)
      yield* TestClock.adjust(1)
      yield* awaitRequests(2)
      yield* TestClock.adjust(1000)
      yield* awaitRequests(3)
      expect((yield* Fiber.join(Fiber.map(fiber, () => "ok")).pipe(Effect.flip))._tag).toBe("BadRequestError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a client-wide policy composes with Schedule combinators", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), OpenAiTest.error(500), OpenAiTest.error(500))
      const fiber = yield* Effect.fork(Effect.flip(create))
      yield* TestClock.adjust("1 minute")
      expect((yield* Fiber.join(fiber))._tag).toBe("InternalServerError")
      // upTo(0): the policy ends at once, so there is no retry
      expect(yield* requestCount).toBe(1)
    }).pipe(
      Effect.provide(OpenAiTest.layer({
        client: { retryPolicy: RetryPolicy.make({ maxRetries: 5 }).pipe(Schedule.upTo("0 millis")) }
      }))
    ))

  it.effect("the sleep between retries is interruptible", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(rateLimited({ "retry-after": "30" }))
      const fiber = yield* Effect.fork(create)
      yield* awaitRequests(1)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      yield* TestClock.adjust("1 minute")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("retryAfterMillis, header by header", () => {
  const limited = (headers: Record<string, string>) =>
    OpenAiError.fromStatus({
      request: { method: "POST", url: "https://api.openai.com/v1/chat/completions" },
      response: ResponseMeta.make(429, Headers.fromInput(headers)),
      error: undefined,
      body: undefined
    })
  const wait = (headers: Record<string, string>) => RetryPolicy.retryAfterMillis(limited(headers), 0)

  it("an empty or blank retry-after-ms is ignored, not read as 0 ms: retry-after decides", () => {
    expect(wait({ "retry-after-ms": "", "retry-after": "2" })).toBe(2_000)
    expect(wait({ "retry-after-ms": "   ", "retry-after": "2" })).toBe(2_000)
    expect(wait({ "retry-after-ms": " 250 " })).toBe(250)
  })

  it("an unparsable retry-after-ms is ignored: retry-after decides", () => {
    expect(wait({ "retry-after-ms": "soon", "retry-after": "3" })).toBe(3_000)
  })

  it("an empty or blank retry-after means no delay was asked for", () => {
    expect(wait({ "retry-after": "" })).toBeUndefined()
    expect(wait({ "retry-after": "  " })).toBeUndefined()
    expect(wait({ "retry-after": " 1.5 " })).toBe(1_500)
  })

  it("honours a wait of exactly 60 s and 0 s; past 60 s or below 0 it is ignored", () => {
    expect(wait({ "retry-after-ms": "60000" })).toBe(60_000)
    expect(wait({ "retry-after-ms": "60001" })).toBeUndefined()
    expect(wait({ "retry-after-ms": "0" })).toBe(0)
    expect(wait({ "retry-after": "-1" })).toBeUndefined()
  })
})
