import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"

const timeoutFiberId = FiberId.make(-1, 0)

/** The class of the live clock: with it, a plain timer is exactly what `Effect.sleep` would use. */
const liveClock = Clock.make().constructor

/**
 * Fails with `onTimeout()` when `self` takes longer than `duration`, interrupting it.
 *
 * `Effect.timeoutFail` races two forked fibers and waits for the loser, which costs several times a whole request's
 * pipeline. With the live clock this runs `self` on one forked fiber and a plain timer instead; with any other
 * clock (a `TestClock`) it uses `Effect.timeoutFail`, so tests drive it as usual.
 *
 * @internal
 */
export const timeoutFail = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) => {
    if (clock.constructor !== liveClock) return Effect.timeoutFail(self, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    return Effect.uninterruptibleMask((restore) =>
      Effect.flatMap(Effect.forkDaemon(restore(self)), (attempt) =>
        restore(Effect.async<A, E | E2>((resume) => {
          let timedOut = false
          const timer = setTimeout(() => {
            timedOut = true
            attempt.unsafeInterruptAsFork(timeoutFiberId)
          }, millis)
          attempt.addObserver((exit) => {
            clearTimeout(timer)
            resume(timedOut && Exit.isInterrupted(exit) ? Effect.fail(onTimeout()) : exit)
          })
          return Effect.sync(() => {
            clearTimeout(timer)
            attempt.unsafeInterruptAsFork(timeoutFiberId)
          })
        })))
    )
  })
