import { Chat } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { idleTimeoutPull, timeoutFail } from "../src/internal/timeout.js"
import { messages } from "./utils.js"

const ms = Duration.millis

describe("the attempt timeout", () => {
  it.live("with the live clock: passes success and failure through, times out slow effects", () =>
    Effect.gen(function*() {
      expect(yield* timeoutFail(Effect.succeed(1), ms(50), () => "timeout")).toBe(1)
      expect(yield* Effect.flip(timeoutFail(Effect.fail("boom"), ms(50), () => "timeout"))).toBe("boom")
      let finalized = false
      const slow = Effect.sleep("5 seconds").pipe(Effect.onInterrupt(() => Effect.sync(() => (finalized = true))))
      expect(yield* Effect.flip(timeoutFail(slow, ms(20), () => "timeout"))).toBe("timeout")
      expect(finalized).toBe(true)
    }))

  it.live("with the live clock: interrupting the caller interrupts the attempt", () =>
    Effect.gen(function*() {
      let interrupted = false
      const slow = Effect.never.pipe(Effect.onInterrupt(() => Effect.sync(() => (interrupted = true))))
      const fiber = yield* Effect.fork(timeoutFail(slow, Duration.minutes(1), () => "timeout"))
      yield* Effect.sleep("10 millis")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      yield* Effect.sleep("10 millis")
      expect(interrupted).toBe(true)
    }))

  it.live("with the live clock: a timeout past setTimeout's range (or infinite) never fires early", () =>
    Effect.gen(function*() {
      const later = Effect.as(Effect.sleep("30 millis"), "done")
      // setTimeout fires at once for delays over 2^31 - 1 ms (~24.8 days); these must simply never fire
      expect(yield* timeoutFail(later, Duration.days(30), () => "timeout")).toBe("done")
      expect(yield* timeoutFail(later, Duration.infinity, () => "timeout")).toBe("done")
      const pull = yield* idleTimeoutPull(
        Effect.as(Effect.sleep("30 millis"), Chunk.of(1)),
        Duration.days(30),
        () => "idle"
      )
      expect(Chunk.toReadonlyArray(yield* pull)).toStrictEqual([1])
    }).pipe(Effect.scoped))

  it.effect("with the TestClock: driven by TestClock.adjust", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(timeoutFail(Effect.never, Duration.seconds(30), () => "timeout")))
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("timeout")
    }))

  it.live("idle timeout of a stream pull, live clock: chunks flow, a gap past the limit fails", () =>
    Effect.gen(function*() {
      const source = Stream.make(1, 2, 3).pipe(
        Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("200 millis"), 4))),
        Stream.rechunk(1)
      )
      const pull = yield* idleTimeoutPull(yield* Stream.toPull(source), Duration.millis(50), () => "idle")
      const collected: Array<number> = []
      const result = yield* Stream.repeatEffectChunkOption(pull).pipe(
        Stream.runForEach((n) => Effect.sync(() => collected.push(n))),
        Effect.either
      )
      expect(collected).toStrictEqual([1, 2, 3])
      expect(result._tag === "Left" && result.left).toBe("idle")
    }).pipe(Effect.scoped))

  it.live("idle timeout of a stream pull, live clock: a stream with short gaps ends normally", () =>
    Effect.gen(function*() {
      const source = Stream.range(1, 5).pipe(Stream.tap(() => Effect.sleep("5 millis")), Stream.rechunk(1))
      const pull = yield* idleTimeoutPull(yield* Stream.toPull(source), Duration.millis(200), () => "idle")
      const all = yield* Stream.runCollect(Stream.repeatEffectChunkOption(pull))
      expect(Chunk.toReadonlyArray(all)).toStrictEqual([1, 2, 3, 4, 5])
    }).pipe(Effect.scoped))
})

describe("huge and infinite limits through the pipeline, with the TestClock", () => {
  for (const [what, limit] of [["30 days", Duration.days(30)], ["infinite", Duration.infinity]] as const) {
    it.effect(`${what}: a call slower than any other limit succeeds, and so does a stream with a long gap`, () =>
      Effect.gen(function*() {
        yield* OpenAiTest.reply(
          OpenAiTest.delay("2 hours", OpenAiTest.mock),
          OpenAiTest.stream([
            ...OpenAiTest.chatStreamParts(["a"]).slice(0, 1),
            OpenAiTest.pause("3 hours"),
            ...OpenAiTest.chatStreamParts(["a"]).slice(1)
          ])
        )
        const call = yield* Effect.fork(Chat.completions.create({ model: "gpt-4o-mini", messages }))
        yield* TestClock.adjust("3 hours")
        expect((yield* Fiber.join(call)).object).toBe("chat.completion")
        const stream = yield* Effect.fork(
          Stream.runCollect(Chat.completions.stream({ model: "gpt-4o-mini", messages }))
        )
        yield* TestClock.adjust("4 hours")
        expect(Chunk.size(yield* Fiber.join(stream))).toBeGreaterThan(1)
      }).pipe(Effect.provide(OpenAiTest.layer({ client: { timeout: limit, streamIdleTimeout: limit } }))))
  }
})
