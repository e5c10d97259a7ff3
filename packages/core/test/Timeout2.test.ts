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

  // one timer watches the pulls: it must measure each pull from its own start, not from when the timer was set
  it.live("gaps each under the limit, in a stream longer than the limit, end normally", () =>
    Effect.gen(function*() {
      const source = Stream.range(1, 6).pipe(Stream.tap(() => Effect.sleep("40 millis")), Stream.rechunk(1))
      const pull = yield* idleTimeoutPull(yield* Stream.toPull(source), Duration.millis(100), () => "idle")
      const all = yield* Stream.runCollect(Stream.repeatEffectChunkOption(pull))
      expect(Chunk.toReadonlyArray(all)).toStrictEqual([1, 2, 3, 4, 5, 6])
    }).pipe(Effect.scoped))

  it.live("a consumer slower than the limit between pulls is not timed out: the limit watches the source", () =>
    Effect.gen(function*() {
      const pull = yield* idleTimeoutPull(
        yield* Stream.toPull(Stream.rechunk(Stream.make(1, 2, 3), 1)),
        Duration.millis(30),
        () => "idle"
      )
      const got: Array<number> = []
      for (let i = 0; i < 3; i++) {
        got.push(...(yield* pull))
        yield* Effect.sleep("80 millis")
      }
      expect(got).toStrictEqual([1, 2, 3])
    }).pipe(Effect.scoped))

  it.live("after quick chunks, a gap past the limit still fails, measured from the pull that waits", () =>
    Effect.gen(function*() {
      const source = Stream.range(1, 20).pipe(
        Stream.rechunk(1),
        Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("300 millis"), 21)))
      )
      const pull = yield* idleTimeoutPull(yield* Stream.toPull(source), Duration.millis(60), () => "idle")
      const collected: Array<number> = []
      const result = yield* Stream.repeatEffectChunkOption(pull).pipe(
        Stream.runForEach((n) => Effect.sync(() => collected.push(n))),
        Effect.either
      )
      expect(collected).toStrictEqual(Array.from({ length: 20 }, (_, i) => i + 1))
      // the source would have ended normally after its 300 ms gap: "idle" is the timer's
      expect(result._tag === "Left" && result.left).toBe("idle")
    }).pipe(Effect.scoped))
})
