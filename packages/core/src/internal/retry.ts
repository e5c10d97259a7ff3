import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as OpenAiError from "../OpenAiError.js"
import type { Prepared } from "./pipeline.js"
import { timeoutFail } from "./timeout.js"

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

/**
 * A call's total budget (`totalTimeout`): its attempts and the waits between them fail with a `TimeoutError` of
 * phase `total` once it has passed, interrupting the attempt running then. Not set (infinite): nothing is added.
 *
 * @internal
 */
export const withinTotal = <A, E, R>(
  prepared: Prepared,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenAiError.TimeoutError, R> => {
  const total = prepared.limits.total
  return Duration.isFinite(total)
    ? timeoutFail(
      self,
      total,
      () => new OpenAiError.TimeoutError({ request: prepared.info, timeout: total, phase: "total" })
    )
    : self
}
