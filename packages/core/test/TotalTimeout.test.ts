import type { OpenAiClient } from "@effect-openai/core"
import { Chat, RetryPolicy } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { awaitRequests, messages, requestCount } from "./utils.js"

// The total budget of a call (totalTimeout): its attempts and the retry waits between them, on the TestClock.

const params = { model: "gpt-4o-mini", messages } as const
const create = (options?: OpenAiClient.RequestOptions) => Chat.completions.create(params, options)
const never = OpenAiTest.delay("1 hour", OpenAiTest.json({}))

describe("totalTimeout", () => {
  it.effect("upTo in the retry policy does not bound a call: 10 s attempts under upTo(20 s) run past 20 s", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(never, never, never, never)
      const fiber = yield* Effect.fork(Effect.flip(create({
        timeout: "10 seconds",
        retryPolicy: RetryPolicy.make({ maxRetries: 5 }).pipe(Schedule.upTo("20 seconds"))
      })))
      yield* TestClock.adjust("25 seconds")
      // the third attempt started before upTo's 20 s had passed, and runs its whole 10 s
      expect(fiber.unsafePoll()).toBeNull()
      expect(yield* requestCount).toBe(3)
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag === "TimeoutError" && error.phase).toBe("attempt")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the same call with totalTimeout 20 s fails at 20 s exactly, phase total, the attempt then interrupted", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(never, never, never, never)
      const fiber = yield* Effect.fork(Effect.flip(create({ timeout: "10 seconds", totalTimeout: "20 seconds" })))
      yield* TestClock.adjust(Duration.millis(19_999))
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust(Duration.millis(1))
      const error = yield* Fiber.join(fiber)
      if (error._tag !== "TimeoutError") return expect.fail(error._tag)
      expect(error.phase).toBe("total")
      expect(Duration.toMillis(error.timeout)).toBe(20_000)
      expect(error.message).toBe(
        "Request timed out after 20s in all (attempts and retry waits) " +
          "(POST https://api.openai.com/v1/chat/completions)"
      )
      const sent = yield* OpenAiTest.requests
      expect(sent.at(-1)!.signal.aborted).toBe(true)
      expect(RetryPolicy.isRetryable(error)).toBe(false)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 5 } }))))

  it.effect("retry waits count: a server asking to wait past the budget ends the call at the budget", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(429, {}, { "retry-after": "30" }), OpenAiTest.json({}))
      const fiber = yield* Effect.fork(Effect.flip(create()))
      yield* awaitRequests(1)
      yield* TestClock.adjust("15 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag === "TimeoutError" && error.phase).toBe("total")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { totalTimeout: "15 seconds" } }))))

  it.effect("a call's totalTimeout overrides the client's; a call within it is not touched", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.delay("3 seconds", OpenAiTest.chatCompletion("late but fine")))
      const fiber = yield* Effect.fork(create({ totalTimeout: "5 seconds" }))
      yield* TestClock.adjust("3 seconds")
      const completion = yield* Fiber.join(fiber)
      expect(completion.choices[0]!.message.content).toBe("late but fine")
      const refused = yield* Effect.flip(create({ totalTimeout: -1 }))
      expect(refused._tag).toBe("InvalidRequestError")
      expect(refused.message).toContain("totalTimeout must be a positive duration, got -1")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { totalTimeout: "1 second" } }))))

  it.effect("a stream's budget ends when it is open: a slow stream after its first chunk is not cut", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([
          ...OpenAiTest.chatStreamParts(["a"]).slice(0, 1),
          OpenAiTest.pause("4 seconds"),
          ...OpenAiTest.chatStreamParts(["a", "b"]).slice(1)
        ])
      )
      const fiber = yield* Effect.fork(
        Stream.runCollect(Chat.textDeltas(Chat.completions.stream(params, { totalTimeout: "2 seconds" })))
      )
      yield* TestClock.adjust("4 seconds")
      const text = yield* Fiber.join(fiber)
      expect([...text].join("")).toBe("ab")
      // one never opened within the budget fails with it
      yield* OpenAiTest.reply(never)
      const stalled = yield* Effect.fork(Effect.flip(Stream.runDrain(Chat.completions.stream(params))))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(stalled)
      expect(error._tag === "TimeoutError" && error.phase).toBe("total")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { totalTimeout: "2 seconds" } }))))
})
