/**
 * The service the pipeline consults when it is in context (`RateLimit.RateLimiter`), apart from its implementation so
 * that a client without budgets loads none of it.
 *
 * @internal
 */
import type * as Headers from "@effect/platform/Headers"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type * as OpenAiError from "../OpenAiError.js"
import type * as Operation from "../Operation.js"

/** What the limiter needs to know of a call. @internal */
export interface Ticket {
  readonly info: OpenAiError.RequestInfo
  readonly model: string | undefined
  readonly body: Operation.Body | undefined
}

/** Tells the limiter the status and headers of the attempt's response, as soon as they arrive. @internal */
export type Seen = (status: number, headers: Headers.Headers) => Effect.Effect<void>

/** @internal */
export interface Limiter {
  /**
   * One attempt under the budget. `scope`: the concurrency permit is held until it closes (a stream) instead of
   * until the attempt ends.
   */
  readonly attempt: <A, E, R>(
    ticket: Ticket,
    run: (seen: Seen) => Effect.Effect<A, E, R>,
    scope?: Scope.Scope
  ) => Effect.Effect<A, E | OpenAiError.RateLimiterError, R>
  /** Corrects the estimate of a streamed call with the usage one of these values (a chunk of them) reports. */
  readonly used: (ticket: Ticket, values: Iterable<unknown>) => Effect.Effect<void>
}

/** @internal */
export class RateLimiter extends Context.Tag("@effect-openai/core/RateLimit/RateLimiter")<RateLimiter, Limiter>() {}
