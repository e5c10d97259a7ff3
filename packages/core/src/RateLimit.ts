/**
 * Rate-limit budgets: requests and tokens per minute, per model, shared by every fiber of the client and, with a
 * shared store (`@effect-openai/redis`), by every process. Off by default; one layer switches them on:
 *
 * ```ts
 * const OpenAi = NodeOpenAi.layerConfig().pipe(
 *   Layer.provide(RateLimit.layerMemory({ budgets: { "gpt-4o-mini": { requestsPerMinute: 500, tokensPerMinute: 200_000 } } }))
 * )
 * ```
 *
 * Before each attempt the client reserves the request's cost (one request, and its estimated tokens) and waits,
 * interruptibly, until the budget has it; every response's `x-ratelimit-*` headers and every 429's `retry-after`
 * update the shared state, so other fibers wait for the reset instead of collecting 429s; the `usage` a response
 * reports corrects the estimate. Budgets not configured are learned from the server's `x-ratelimit-limit-*` headers.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Buckets from "./internal/budget.js"
import * as internal from "./internal/limiter.js"
import * as Tag from "./internal/limiterTag.js"
import type * as OpenAiError from "./OpenAiError.js"

/**
 * A per-minute budget. A limit left out is not enforced here (until the server tells one, when `learn` is on).
 *
 * @since 0.2.0
 * @category models
 */
export interface Budget {
  readonly requestsPerMinute?: number | undefined
  readonly tokensPerMinute?: number | undefined
}

/**
 * How the tokens of a request are counted before it is sent: `"tokenizer"` (exact, with the `gpt-tokenizer` package
 * — o200k for current models, cl100k for older ones — loaded when the layer is built, never at import), `"characters"`
 * (a quarter of the characters, OpenAI's own rule of thumb, nothing to install), or your own function.
 *
 * @since 0.2.0
 * @category models
 */
export type TokenCounter = "tokenizer" | "characters" | ((text: string, model: string | undefined) => number)

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Budgets by model; `"*"` for models not listed and for operations without a model. */
  readonly budgets?: Readonly<Record<string, Budget>> | undefined
  /** Learn the limits the server reports (`x-ratelimit-limit-*`) for what is not configured. Default `true`. */
  readonly learn?: boolean | undefined
  /** At most this many calls in flight in this process (a stream counts until it ends). Default: no cap. */
  readonly concurrency?: number | undefined
  /** Default `"tokenizer"`. */
  readonly countTokens?: TokenCounter | undefined
  /**
   * Budgets are kept per partition and model: name the organization or project the key spends (never the key
   * itself). Default `"default"`.
   */
  readonly partition?: string | undefined
  /**
   * When the store fails or takes longer than `storeTimeout`: `"local"` (default) goes on with an in-memory budget
   * of this process, logging a warning; `"fail"` fails the call with `RateLimiterError` (reason `StoreFailed`).
   */
  readonly onStoreFailure?: "local" | "fail" | undefined
  /** The longest a store call may take (a connected store that stops answering). Default 5 seconds. */
  readonly storeTimeout?: Duration.DurationInput | undefined
  /**
   * How long after a full budget's first reservation its refill starts. The server counts a request when it
   * arrives, the limiter when it reserves it, so the server's budget starts refilling later — by the time the first
   * request of a burst takes to arrive (a connection to open, a busy process) — and a call the limiter lets through
   * the instant its budget has room could find the server's short. Costs only calls past a full budget, by a constant
   * (the rate stays the budget's). Default 1 second (a cold burst of 2,400 calls from four processes needed more than
   * 250 milliseconds).
   */
  readonly margin?: Duration.DurationInput | undefined
}

/**
 * What one request costs: one request, and its estimated tokens.
 *
 * @since 0.2.0
 * @category models
 */
export type Cost = Buckets.Cost

/**
 * Per-minute limits of a key; `undefined`: none configured (the store uses the limit it learned, if any).
 *
 * @since 0.2.0
 * @category models
 */
export type Limits = Buckets.Limits

/**
 * What a response said about the budget: the server's limits, what it has left, a 429's wait.
 *
 * @since 0.2.0
 * @category models
 */
export type Seen = Buckets.Seen

/**
 * A store's answer to a reservation: granted after a wait (milliseconds), or a cost no minute of the budget can hold.
 *
 * @since 0.2.0
 * @category models
 */
export type Reservation = Buckets.Reservation

/**
 * A store failed (unreachable, timed out, answered an error).
 *
 * @since 0.2.0
 * @category errors
 */
export class BudgetStoreError extends Data.TaggedError("BudgetStoreError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * What a budget store keeps, per key (partition and model): the arithmetic of `internal/budget.ts`, atomically. The
 * in-memory store runs it in this process; `@effect-openai/redis` runs it in Redis, on Redis's clock.
 *
 * @since 0.2.0
 * @category models
 */
export interface BudgetStore {
  /** Takes the cost and says how long to wait for it (or that it can never fit). */
  readonly reserve: (
    key: string,
    cost: Cost,
    limits: Limits
  ) => Effect.Effect<Reservation, BudgetStoreError>
  /** Gives back (positive) or charges (negative) an amount. */
  readonly adjust: (key: string, delta: Cost, limits: Limits) => Effect.Effect<void, BudgetStoreError>
  /** Takes in what a response said: learned limits, what is left, a 429's wait. */
  readonly observe: (key: string, seen: Seen, limits: Limits) => Effect.Effect<void, BudgetStoreError>
  /**
   * The calls complete in this process without I/O and never fail (the in-memory store): the limiter does not bound
   * them with `storeTimeout`.
   */
  readonly inProcess?: boolean | undefined
}

/**
 * The store budgets are kept in.
 *
 * @since 0.2.0
 * @category tags
 */
export class BudgetStoreTag extends Context.Tag("@effect-openai/core/RateLimit/BudgetStore")<
  BudgetStoreTag,
  BudgetStore
>() {}

/**
 * A budget store in this process's memory, on Effect's `Clock` (so `TestClock` drives it).
 *
 * @since 0.2.0
 * @category stores
 */
export const makeStoreMemory: Effect.Effect<BudgetStore> = Effect.sync(internal.makeStoreMemory)

/**
 * @since 0.2.0
 * @category stores
 */
export const storeMemory: Layer.Layer<BudgetStoreTag> = Layer.effect(BudgetStoreTag, makeStoreMemory)

/**
 * The limiter the client consults before each attempt. Build it with {@link layer} or {@link layerMemory} and provide
 * it to the client's layer.
 *
 * @since 0.2.0
 * @category tags
 */
export const RateLimiter: typeof Tag.RateLimiter = Tag.RateLimiter

/**
 * @since 0.2.0
 * @category tags
 */
export type RateLimiter = Tag.RateLimiter

/**
 * The limiter over the store in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (
  options: Options = {}
): Layer.Layer<RateLimiter, OpenAiError.RateLimiterError, BudgetStoreTag> =>
  Layer.effect(RateLimiter, Effect.flatMap(BudgetStoreTag, (store) => internal.make(options, store)))

/**
 * The limiter over an in-memory store: budgets shared by the fibers of this process.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerMemory = (options: Options = {}): Layer.Layer<RateLimiter, OpenAiError.RateLimiterError> =>
  Layer.provide(layer(options), storeMemory)
