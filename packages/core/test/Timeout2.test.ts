import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { idleTimeoutPull, timeoutFail } from "../src/internal/timeout.js"

// The attempt timeout reports a timeout only when its own timer fired: what the attempt does to itself is passed on
// as it is, with the live clock (a plain timer) as with a TestClock (Effect.timeoutFail).

const selfInterrupting = timeoutFail(Effect.interrupt, Duration.minutes(1), () => "timeout")

describe("the attempt timeout", () => {
  it.live("with the live clock: an attempt that interrupts itself is an interruption, not a timeout", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(selfInterrupting)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(Exit.isFailure(exit) && exit.cause._tag).toBe("Interrupt")
    }))

  it.effect("with the TestClock: the same", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(selfInterrupting)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(Exit.isFailure(exit) && exit.cause._tag).toBe("Interrupt")
    }))
})

describe("the idle timeout of a stream pull, live clock", () => {
  // the next turn of the event loop: the producer fiber, ready to run, runs before the consumer pulls again
  const busy = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

  it.live("a consumer that does other work between pulls gets every chunk in order, none lost", () =>
    Effect.gen(function*() {
      const pull = yield* idleTimeoutPull(
        yield* Stream.toPull(Stream.rechunk(Stream.make(1, 2, 3), 1)),
        Duration.minutes(1),
        () => "idle"
      )
      const first = yield* pull
      yield* busy
      const second = yield* pull
      yield* busy
      const third = yield* pull
      yield* busy
      expect([first, second, third].map(Chunk.toReadonlyArray)).toStrictEqual([[1], [2], [3]])
      const end = yield* Effect.flip(pull)
      expect(Option.isNone(end)).toBe(true)
    }).pipe(Effect.scoped))
})
