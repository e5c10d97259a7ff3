/**
 * Rate-limit budgets through the client, on the `TestClock`: a call waits for its budget before it is sent, learns
 * the server's limits and 429 waits, gives back what it never sent, corrects its token estimate with the usage the
 * response reports, holds a concurrency permit for a stream's whole life, and follows `onStoreFailure` when the store
 * fails or hangs.
 */
import { Chat, Embeddings, OpenAiError, RateLimit } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Budget from "../src/internal/budget.js"

const ask = (content = "Say this is a test!", extra: Partial<Chat.ChatCompletionCreateParams> = {}) =>
  Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content }], ...extra })

const sent = Effect.map(OpenAiTest.requests, (requests) => requests.length)

const withBudget = (options: RateLimit.Options, client: Partial<{ maxRetries: number }> = {}) =>
  OpenAiTest.layer({ client }).pipe(
    Layer.provide(RateLimit.layerMemory({ countTokens: "characters", margin: 0, ...options }))
  )

/** Lets forked fibers run up to their next wait. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("budget arithmetic", () => {
  it("refills continuously at the limit per minute and serves reservations in order", () => {
    const state = Budget.make(0)
    const limits = { requests: 2, tokens: undefined }
    const cost = { requests: 1, tokens: 0 }
    expect(Budget.reserve(state, cost, limits, 0)).toStrictEqual({ _tag: "Granted", waitMillis: 0 })
    expect(Budget.reserve(state, cost, limits, 0)).toStrictEqual({ _tag: "Granted", waitMillis: 0 })
    expect(Budget.reserve(state, cost, limits, 0)).toStrictEqual({ _tag: "Granted", waitMillis: 30_000 })
    expect(Budget.reserve(state, cost, limits, 0)).toStrictEqual({ _tag: "Granted", waitMillis: 60_000 })
    // 45 s later one and a half requests came back: the next waits for the rest of its own
    expect(Budget.reserve(state, cost, limits, 45_000)).toStrictEqual({ _tag: "Granted", waitMillis: 45_000 })
  })

  it("refuses a cost no minute can hold, taking nothing", () => {
    const state = Budget.make(0)
    const limits = { requests: undefined, tokens: 100 }
    expect(Budget.reserve(state, { requests: 1, tokens: 101 }, limits, 0)).toStrictEqual({
      _tag: "TooLarge",
      resource: "tokens",
      limit: 100,
      cost: 101
    })
    expect(Budget.reserve(state, { requests: 1, tokens: 100 }, limits, 0)).toStrictEqual({
      _tag: "Granted",
      waitMillis: 0
    })
  })

  it("learns the server's limit, never stays above what it has left, and pauses for a 429's wait", () => {
    const state = Budget.make(0)
    const none = { requests: undefined, tokens: undefined }
    Budget.observe(state, { limitRequests: 60, remainingRequests: 0, retryAfterMillis: 5_000 }, none, 0)
    // paused 5 s; the bucket is empty and refills one request a second
    expect(Budget.reserve(state, { requests: 1, tokens: 0 }, none, 0)).toStrictEqual({
      _tag: "Granted",
      waitMillis: 5_000
    })
    Budget.adjust(state, { requests: 1, tokens: 0 }, none, 0)
    expect(state.requests.level).toBe(0)
    // a usage correction rides on an observation: given back (never above the limit), or charged
    const tokens = { requests: undefined, tokens: 1_000 }
    Budget.reserve(state, { requests: 0, tokens: 900 }, tokens, 0)
    Budget.observe(state, { refundTokens: 2_000 }, tokens, 0)
    expect(state.tokens.level).toBe(1_000)
    Budget.observe(state, { refundTokens: -300 }, tokens, 0)
    expect(state.tokens.level).toBe(700)
  })
})

describe("RateLimit through the client", () => {
  it.effect("a call waits, unsent, until its budget has room", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatCompletion("1"),
        OpenAiTest.chatCompletion("2"),
        OpenAiTest.chatCompletion("3")
      )
      const fibers = yield* Effect.forEach([1, 2, 3], () => Effect.fork(ask()))
      yield* settle
      expect(yield* sent).toBe(2)
      yield* TestClock.adjust("29 seconds")
      yield* settle
      expect(yield* sent).toBe(2)
      yield* TestClock.adjust("1 second")
      yield* Fiber.joinAll(fibers)
      expect(yield* sent).toBe(3)
    }).pipe(Effect.provide(withBudget({ budgets: { "gpt-4o-mini": { requestsPerMinute: 2 } } }))))

  it.effect("the margin delays a full budget's refill: the call past it waits that much longer", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("1"), OpenAiTest.chatCompletion("2"))
      yield* ask()
      const second = yield* Effect.fork(ask())
      yield* settle
      yield* TestClock.adjust("60 seconds")
      yield* settle
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(second)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { requestsPerMinute: 1 } }, margin: "250 millis" }))))

  it.effect("a call's tokens are counted once, not again on each retry", () => {
    let counted = 0
    return Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: "overloaded", type: "server_error" } }, { status: 500 }),
        OpenAiTest.chatCompletion("after a retry")
      )
      const call = yield* Effect.fork(ask())
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(call)
      expect(yield* sent).toBe(2)
      expect(counted).toBe(1)
    }).pipe(Effect.provide(withBudget({
      countTokens: (text) => {
        counted++
        return text.length
      }
    })))
  })

  it.effect("a budget for `*` applies to each model apart", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("1"), OpenAiTest.chatCompletion("2"))
      yield* ask()
      yield* Chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }] })
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { requestsPerMinute: 1 } } }))))

  it.effect("a 429's retry-after holds back the other fibers of the client", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }, {
          status: 429,
          headers: { "retry-after": "20" }
        }),
        OpenAiTest.chatCompletion("after the wait")
      )
      const first = yield* Effect.flip(ask())
      expect(first._tag).toBe("RateLimitError")
      const second = yield* Effect.fork(ask())
      yield* settle
      yield* TestClock.adjust("19 seconds")
      yield* settle
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("1 second")
      const completion = yield* Fiber.join(second)
      expect(completion.choices[0]!.message.content).toBe("after the wait")
    }).pipe(Effect.provide(withBudget({}, { maxRetries: 0 }))))

  it.effect("limits the server reports are learned when none is configured", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatCompletion("1", {
          headers: { "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0" }
        }),
        OpenAiTest.chatCompletion("2")
      )
      yield* ask()
      const second = yield* Effect.fork(ask())
      yield* settle
      yield* TestClock.adjust("59 seconds")
      yield* settle
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(second)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({}))))

  it.effect("a request larger than a minute's tokens fails with RateLimiterError, and nothing is sent", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ask("x".repeat(400)))
      if (error._tag !== "RateLimiterError") return expect.fail(error._tag)
      expect(error.reason).toBe("TooLarge")
      // 400 characters are 100 tokens, and the message 4 more
      expect(error.message).toContain("needs 104 tokens")
      expect(yield* sent).toBe(0)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { tokensPerMinute: 100 } } }))))

  it.effect("a call interrupted while it waits gives its reservation back", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("1"), OpenAiTest.chatCompletion("2"))
      yield* ask()
      const waiting = yield* Effect.fork(ask())
      yield* settle
      yield* Fiber.interrupt(waiting)
      const next = yield* Effect.fork(ask())
      yield* settle
      // one minute for the one request the budget gives per minute, not two (the interrupted one's was given back)
      yield* TestClock.adjust("60 seconds")
      yield* Fiber.join(next)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { requestsPerMinute: 1 } } }))))

  it.effect("the usage a response reports replaces the estimate", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatCompletion("short", { usage: { prompt_tokens: 5, completion_tokens: 5 } }),
        OpenAiTest.chatCompletion("again")
      )
      // each reserves 600 output tokens (plus a few for the prompt) of a 1,000 a minute: without the correction by
      // the first's usage (10 tokens) the second would wait
      yield* ask("hi", { max_tokens: 600 })
      yield* ask("hi", { max_tokens: 600 })
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { tokensPerMinute: 1_000 } } }))))

  it.effect("a stream's usage corrects the estimate too", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b"], { includeUsage: true })),
        OpenAiTest.chatCompletion("again")
      )
      yield* Stream.runDrain(
        Chat.completions.stream({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "hi" }],
          max_tokens: 600,
          stream_options: { include_usage: true }
        })
      )
      yield* ask("hi", { max_tokens: 600 })
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { tokensPerMinute: 1_000 } } }))))

  it.effect("the concurrency cap holds a permit for a stream's whole life", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b"])),
        OpenAiTest.chatCompletion("after the stream")
      )
      const scope = yield* Scope.make()
      const chunks = yield* Chat.completions.openStream({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }]
      }).pipe(Scope.extend(scope))
      const next = yield* Effect.fork(ask())
      yield* settle
      expect(yield* sent).toBe(1)
      yield* Stream.runDrain(chunks)
      yield* settle
      expect(yield* sent).toBe(1)
      yield* Scope.close(scope, Exit.void)
      yield* Fiber.join(next)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(withBudget({ concurrency: 1 }))))

  it.effect("operations without a model and bodies that are not JSON cost one request and no tokens", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.embeddings([[0.5, 0.25]]))
      const result = yield* Embeddings.create({ model: "text-embedding-3-small", input: "x".repeat(40) })
      expect(result.data).toHaveLength(1)
    }).pipe(Effect.provide(withBudget({ budgets: { "*": { tokensPerMinute: 10 } } }))))
})

describe("a failing budget store", () => {
  const failing: RateLimit.BudgetStore = {
    reserve: () => Effect.fail(new RateLimit.BudgetStoreError({ message: "connection refused" })),
    adjust: () => Effect.fail(new RateLimit.BudgetStoreError({ message: "connection refused" })),
    observe: () => Effect.fail(new RateLimit.BudgetStoreError({ message: "connection refused" }))
  }
  const hanging: RateLimit.BudgetStore = {
    reserve: () => Effect.never,
    adjust: () => Effect.never,
    observe: () => Effect.never
  }
  const over = (store: RateLimit.BudgetStore, options: RateLimit.Options) =>
    OpenAiTest.layer().pipe(
      Layer.provide(
        RateLimit.layer({ countTokens: "characters", margin: 0, ...options }).pipe(
          Layer.provide(Layer.succeed(RateLimit.BudgetStoreTag, store))
        )
      )
    )

  it.effect("onStoreFailure \"fail\": the call fails with RateLimiterError StoreFailed, unsent", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ask())
      if (error._tag !== "RateLimiterError") return expect.fail(error._tag)
      expect(error.reason).toBe("StoreFailed")
      expect(error.message).toContain("connection refused")
      expect(yield* sent).toBe(0)
    }).pipe(Effect.provide(over(failing, { onStoreFailure: "fail" }))))

  it.effect("onStoreFailure \"local\" (the default): the call goes on under this process's budget", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("1"), OpenAiTest.chatCompletion("2"))
      yield* ask()
      const second = yield* Effect.fork(ask())
      yield* settle
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("60 seconds")
      yield* Fiber.join(second)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(over(failing, { budgets: { "*": { requestsPerMinute: 1 } } }))))

  it.effect("a store that never answers is given up after storeTimeout, never a hang", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("1"))
      const call = yield* Effect.fork(ask())
      yield* settle
      expect(yield* sent).toBe(0)
      yield* TestClock.adjust("250 millis")
      yield* Fiber.join(call)
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(over(hanging, { storeTimeout: "250 millis" }))))
})

describe("RateLimit options", () => {
  it.effect("countTokens \"tokenizer\" counts with gpt-tokenizer's encoding for the model", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(ask("hello world"))
      if (error._tag !== "RateLimiterError") return expect.fail(error._tag)
      // "hello world" is 2 tokens in o200k (a quarter of its characters would say 3), plus 4 for the message
      expect(error.message).toContain("needs 6 tokens")
    }).pipe(
      Effect.provide(
        OpenAiTest.layer().pipe(
          Layer.provide(RateLimit.layerMemory({ countTokens: "tokenizer", budgets: { "*": { tokensPerMinute: 5 } } }))
        )
      )
    ))

  it.effect("invalid budgets fail the layer with RateLimiterError InvalidOptions", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(
        Layer.build(RateLimit.layerMemory({ budgets: { "*": { requestsPerMinute: -1 } } })).pipe(Effect.scoped)
      )
      if (!Exit.isFailure(exit)) return expect.fail("built")
      const error = exit.cause._tag === "Fail" ? exit.cause.error : undefined
      expect(error).toBeInstanceOf(OpenAiError.RateLimiterError)
      expect((error as OpenAiError.RateLimiterError).reason).toBe("InvalidOptions")
      const concurrency = yield* Effect.exit(
        Layer.build(RateLimit.layerMemory({ concurrency: 0, countTokens: "characters" })).pipe(Effect.scoped)
      )
      expect(Exit.isFailure(concurrency)).toBe(true)
    }))
})
