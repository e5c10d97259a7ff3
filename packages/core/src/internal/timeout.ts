import type * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FiberId from "effect/FiberId"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"

const timeoutFiberId = FiberId.make(-1, 0)

/**
 * The longest delay `setTimeout` takes (2^31 - 1 ms, ~24.8 days); a longer one fires at once. Longer timeouts
 * (and infinite ones) are not armed at all: no call of this client outlives them.
 *
 * @internal
 */
export const maxTimerMillis = 2 ** 31 - 1

/** The class of the live clock: with it, a plain timer is exactly what `Effect.sleep` would use. */
const liveClock = Clock.make().constructor

/**
 * Whether a clock is the live one (not a `TestClock`): then a plain timer is what `Effect.sleep` would use.
 *
 * @internal
 */
export const isLiveClock = (clock: Clock.Clock): boolean => clock.constructor === liveClock

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
    if (!isLiveClock(clock)) return Effect.timeoutFail(self, { duration, onTimeout })
    const millis = Duration.toMillis(duration)
    if (!(millis <= maxTimerMillis)) return self
    return Effect.uninterruptibleMask((restore) =>
      // the forked fiber always succeeds (with the attempt's exit), so a failure is not logged as unhandled by it
      Effect.flatMap(Effect.forkDaemon(Effect.exit(restore(self))), (attempt) =>
        restore(Effect.async<A, E | E2>((resume) => {
          let timedOut = false
          const timer = setTimeout(() => {
            timedOut = true
            attempt.unsafeInterruptAsFork(timeoutFiberId)
          }, millis)
          attempt.addObserver((exit) => {
            clearTimeout(timer)
            const result = Exit.isSuccess(exit) ? exit.value : exit as Exit.Exit<never>
            resume(timedOut && Exit.isInterrupted(result) ? Effect.fail(onTimeout()) : result)
          })
          return Effect.sync(() => {
            clearTimeout(timer)
            attempt.unsafeInterruptAsFork(timeoutFiberId)
          })
        })))
    )
  })

/**
 * Guards a stream pull (`Stream.toPull`) with an idle timeout: each pull fails with `onTimeout()` when no chunk
 * comes within `idle` of its start. With the live clock, one producer fiber (forked once, in the scope) runs the real
 * pulls and one plain timer watches the pull in progress: when it fires early (the pull it was armed for ended, and a
 * later one started), it is armed again for what is left of that pull's limit, so a stream of thousands of chunks
 * sets a handful of timers rather than one per chunk (and no `Stream.timeoutFail` race per chunk). A pull that ends
 * before the timer fires leaves it running; a timer that finds no pull in progress stops; an interrupted pull and the
 * scope clear it. With another clock (a `TestClock`) it uses `Effect.timeoutFail` per pull.
 *
 * @internal
 */
export const idleTimeoutPull = <A, E, E2>(
  pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<E>>,
  idle: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<Effect.Effect<Chunk.Chunk<A>, Option.Option<E | E2>>, never, Scope.Scope> =>
  Effect.clockWith((clock) => {
    if (!isLiveClock(clock)) {
      return Effect.succeed(
        Effect.timeoutFail(pull, { duration: idle, onTimeout: () => Option.some<E | E2>(onTimeout()) })
      )
    }
    const millis = Duration.toMillis(idle)
    if (!(millis <= maxTimerMillis)) return Effect.succeed(pull)
    type Delivered = Exit.Exit<Chunk.Chunk<A>, Option.Option<E | E2>>
    let wanted = false
    let demand: (() => void) | undefined
    // the consumer of the pull in progress, and when that pull started (performance.now(): monotonic, as timers are)
    let deliver: ((exit: Delivered) => void) | undefined
    let started = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const expire = () => {
      timer = undefined
      const consumer = deliver
      if (consumer === undefined) return
      const left = millis - (performance.now() - started)
      if (left > 0) {
        timer = setTimeout(expire, left)
      } else {
        deliver = undefined
        consumer(Exit.fail(Option.some(onTimeout())))
      }
    }
    const awaitDemand = Effect.async<void>((resume) => {
      if (wanted) {
        wanted = false
        resume(Effect.void)
      } else {
        demand = () => resume(Effect.void)
      }
    })
    const producer = Effect.forever(
      Effect.zipRight(
        awaitDemand,
        Effect.flatMap(Effect.exit(pull), (exit) =>
          Effect.sync(() => {
            const consumer = deliver
            deliver = undefined
            consumer?.(exit)
          }))
      )
    )
    const guarded = Effect.async<Chunk.Chunk<A>, Option.Option<E | E2>>((resume) => {
      started = performance.now()
      deliver = resume
      if (timer === undefined) timer = setTimeout(expire, millis)
      const request = demand
      demand = undefined
      if (request !== undefined) request()
      else wanted = true
      // interrupted while waiting: nothing is left for the timer to watch
      return Effect.sync(() => {
        deliver = undefined
        clearTimeout(timer)
        timer = undefined
      })
    })
    return Effect.zipRight(
      Effect.addFinalizer(() => Effect.sync(() => clearTimeout(timer))),
      Effect.as(Effect.forkScoped(producer), guarded)
    )
  })
