import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

/**
 * Runs `attempt` again as long as `policy` says so, fed each failure; the policy decides the wait (see
 * `RetryPolicy` for the default decision). `Effect.retry`'s semantics, but the schedule is set up only after a
 * first failure: a success at the first attempt, the common case, costs nothing extra.
 *
 * @internal
 */
export const retrying = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  policy: Schedule.Schedule<unknown, E>
): Effect.Effect<A, E, R> =>
  Effect.catchAll(attempt, (first) =>
    Effect.flatMap(Schedule.driver(policy), (driver) => {
      const retry = (error: E): Effect.Effect<A, E, R> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(attempt, retry)
        })
      return retry(first)
    }))
