/**
 * When and how long to wait before retrying a failed OpenAI call. The policy is an Effect `Schedule` over
 * {@link OpenAiError.OpenAiError}s, so it can be replaced or combined with any other schedule.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import * as ScheduleDecision from "effect/ScheduleDecision"
import * as ScheduleInterval from "effect/ScheduleInterval"
import type * as OpenAiError from "./OpenAiError.js"

/**
 * A retry policy: fed each failure, it decides whether and when to try again. Any `Schedule` whose input
 * accepts the errors will do.
 *
 * @since 0.1.0
 * @category models
 */
export type RetryPolicy = Schedule.Schedule<unknown, OpenAiError.OpenAiError>

/**
 * Whether an error is worth retrying: `x-should-retry: true` always, `x-should-retry: false` never; otherwise
 * 408, 409, 429 (but not `insufficient_quota`), 5xx, connection errors and timeouts.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRetryable = (error: OpenAiError.OpenAiError): boolean => {
  switch (error._tag) {
    case "ConnectionError":
      return true
    case "TimeoutError":
      return error.phase !== "total"
    case "ResponseDecodeError":
    case "StreamError":
    case "InvalidRequestError":
    case "RateLimiterError":
      return false
  }
  const shouldRetry = error.response.headers["x-should-retry"]
  if (shouldRetry === "true") return true
  if (shouldRetry === "false") return false
  switch (error._tag) {
    case "RateLimitError":
      return !error.isInsufficientQuota
    case "ConflictError":
    case "InternalServerError":
      return true
    default:
      return error.status === 408
  }
}

const maxRetryAfterMillis = 60_000

/**
 * The wait a response asked for, in milliseconds: `retry-after-ms`, else `retry-after` (seconds, possibly
 * fractional, or an HTTP date). `undefined` when absent, unparsable, or outside 0 to 60 seconds.
 *
 * @since 0.1.0
 * @category delays
 */
export const retryAfterMillis = (error: OpenAiError.OpenAiError, nowMillis: number): number | undefined =>
  "response" in error ? retryAfterFromHeaders(error.response.headers, nowMillis) : undefined

/**
 * The wait response headers ask for, in milliseconds, as {@link retryAfterMillis} reads it.
 *
 * @since 0.2.0
 * @category delays
 */
export const retryAfterFromHeaders = (headers: Headers.Headers, nowMillis: number): number | undefined => {
  let millis: number | undefined
  const afterMs = headers["retry-after-ms"]
  if (afterMs !== undefined && afterMs.trim() !== "") {
    const n = Number(afterMs)
    if (Number.isFinite(n)) millis = n
  }
  const after = headers["retry-after"]
  if (millis === undefined && after !== undefined && after.trim() !== "") {
    const seconds = Number(after)
    if (Number.isFinite(seconds)) {
      millis = seconds * 1000
    } else {
      const date = Date.parse(after)
      if (Number.isFinite(date)) millis = date - nowMillis
    }
  }
  return millis !== undefined && millis >= 0 && millis <= maxRetryAfterMillis ? millis : undefined
}

/**
 * Exponential backoff before retry number `retry` (0-based), without jitter: `min(0.5 s * 2^retry, 8 s)`.
 *
 * @since 0.1.0
 * @category delays
 */
export const backoffMillis = (retry: number): number => Math.min(500 * 2 ** retry, 8_000)

/**
 * The default policy, as the official SDK: up to `maxRetries` retries of {@link isRetryable} errors, waiting
 * what the server asked for ({@link retryAfterMillis}) or else {@link backoffMillis} reduced by up to 25 %
 * jitter.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly maxRetries: number }): Schedule.Schedule<number, OpenAiError.OpenAiError> =>
  Schedule.makeWithState(0, (now, error: OpenAiError.OpenAiError, retries: number) => {
    if (retries >= options.maxRetries || !isRetryable(error)) {
      return Effect.succeed([retries, retries, ScheduleDecision.done] as const)
    }
    const requested = retryAfterMillis(error, now)
    const delay = requested !== undefined
      ? Effect.succeed(requested)
      : Effect.map(Random.next, (r) => backoffMillis(retries) * (1 - r * 0.25))
    return Effect.map(delay, (millis) =>
      [
        retries + 1,
        retries + 1,
        ScheduleDecision.continueWith(ScheduleInterval.after(now + Math.ceil(millis)))
      ] as const)
  })

/**
 * The default number of retries.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxRetries = 2

/**
 * The default policy: {@link defaultMaxRetries} retries.
 *
 * @since 0.1.0
 * @category constructors
 */
export const defaultPolicy: Schedule.Schedule<number, OpenAiError.OpenAiError> = make({ maxRetries: defaultMaxRetries })
