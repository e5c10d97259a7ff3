import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import { timeoutFail } from "../src/internal/timeout.js"

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

  it.effect("with the TestClock: driven by TestClock.adjust", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(timeoutFail(Effect.never, Duration.seconds(30), () => "timeout")))
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      expect(yield* Fiber.join(fiber)).toBe("timeout")
    }))
})
