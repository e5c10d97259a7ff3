/**
 * The budget arithmetic of one key (a model under a partition): two token buckets, requests and tokens, each refilled
 * continuously at its per-minute limit, as OpenAI replenishes its own. A reservation always takes its cost (the level
 * may go below zero) and returns how long the caller waits for the level to be back to zero, so callers are served
 * in the order they reserved and a store needs one call per request. The Redis store runs the same rules in Lua
 * (`@effect-openai/redis`); `RateLimit.storeMemory` runs them here.
 *
 * @internal
 */

/** The length of the window a limit is per. @internal */
export const windowMillis = 60_000

/** @internal */
export interface Bucket {
  level: number
  at: number
  /** The limit learned from the server's `x-ratelimit-limit-*` headers, used when none is configured. */
  learned: number | undefined
}

/** @internal */
export interface State {
  readonly requests: Bucket
  readonly tokens: Bucket
  /** Nobody is granted before this time (a 429's `retry-after`). */
  pausedUntil: number
}

/** What one request costs. @internal */
export interface Cost {
  readonly requests: number
  readonly tokens: number
}

/** Per-minute limits; `undefined`: not limited here (unless the server told one). @internal */
export interface Limits {
  readonly requests: number | undefined
  readonly tokens: number | undefined
  /**
   * How long after a full bucket's first reservation its refill starts: the server starts refilling when that
   * request arrives, later than it was reserved (see `RateLimit.Options.margin`). Default 0.
   */
  readonly marginMillis?: number | undefined
}

/** What a response said about the budget. @internal */
export interface Seen {
  readonly limitRequests?: number | undefined
  readonly limitTokens?: number | undefined
  readonly remainingRequests?: number | undefined
  readonly remainingTokens?: number | undefined
  /** A 429's `retry-after`, in milliseconds. */
  readonly retryAfterMillis?: number | undefined
  /** Tokens to give back (or, negative, to charge): the estimate less the usage the response reported. */
  readonly refundTokens?: number | undefined
}

/** The outcome of a reservation. @internal */
export type Reservation =
  | { readonly _tag: "Granted"; readonly waitMillis: number }
  | {
    readonly _tag: "TooLarge"
    readonly resource: "requests" | "tokens"
    readonly limit: number
    readonly cost: number
  }

const bucket = (at: number): Bucket => ({ level: Number.NaN, at, learned: undefined })

/** A key seen for the first time: full buckets. @internal */
export const make = (now: number): State => ({ requests: bucket(now), tokens: bucket(now), pausedUntil: 0 })

/** Brings a bucket to `now`: full on first use, then refilled at `limit` per window, never above `limit`. */
const refill = (self: Bucket, limit: number, now: number): void => {
  self.level = Number.isNaN(self.level)
    ? limit
    : Math.min(limit, self.level + Math.max(0, now - self.at) * limit / windowMillis)
  self.at = Math.max(self.at, now)
}

/** Takes `cost` of every limited resource and says how long to wait; nothing is taken when a cost can never fit. */
export const reserve = (self: State, cost: Cost, limits: Limits, now: number): Reservation => {
  const requestLimit = limits.requests ?? self.requests.learned
  const tokenLimit = limits.tokens ?? self.tokens.learned
  if (requestLimit !== undefined && cost.requests > requestLimit) {
    return { _tag: "TooLarge", resource: "requests", limit: requestLimit, cost: cost.requests }
  }
  if (tokenLimit !== undefined && cost.tokens > tokenLimit) {
    return { _tag: "TooLarge", resource: "tokens", limit: tokenLimit, cost: cost.tokens }
  }
  let wait = Math.max(0, self.pausedUntil - now)
  const take = (resource: Bucket, limit: number | undefined, amount: number) => {
    if (limit === undefined || limit <= 0) return
    refill(resource, limit, now)
    // a full bucket starts refilling when the server counts this request, up to the margin after now
    if (amount > 0 && resource.level >= limit) resource.at = now + (limits.marginMillis ?? 0)
    resource.level -= amount
    if (resource.level < 0) {
      // back to zero once the refill has started (it may start later: the margin) and made up the deficit
      wait = Math.max(wait, Math.ceil(Math.max(0, resource.at - now) + -resource.level * windowMillis / limit))
    }
  }
  take(self.requests, requestLimit, cost.requests)
  take(self.tokens, tokenLimit, cost.tokens)
  return { _tag: "Granted", waitMillis: wait }
}

/** Gives back (positive) or charges (negative) an amount: a reservation never sent, or a usage that differed. */
export const adjust = (self: State, delta: Cost, limits: Limits, now: number): void => {
  const give = (resource: Bucket, limit: number | undefined, amount: number) => {
    if (limit === undefined || limit <= 0 || amount === 0) return
    refill(resource, limit, now)
    resource.level = Math.min(limit, resource.level + amount)
  }
  give(self.requests, limits.requests ?? self.requests.learned, delta.requests)
  give(self.tokens, limits.tokens ?? self.tokens.learned, delta.tokens)
}

/**
 * Takes in what a response said: the usage correction, the server's limits (learned), what it has left (the level
 * never stays above it: other clients of the organization spend it too), and a 429's `retry-after` (everyone waits
 * that long).
 */
export const observe = (self: State, seen: Seen, limits: Limits, now: number): void => {
  if (seen.refundTokens !== undefined && seen.refundTokens !== 0) {
    adjust(self, { requests: 0, tokens: seen.refundTokens }, limits, now)
  }
  const see = (
    resource: Bucket,
    configured: number | undefined,
    limit: number | undefined,
    remaining: number | undefined
  ) => {
    if (limit !== undefined && limit > 0) resource.learned = limit
    const effective = configured ?? resource.learned
    if (effective === undefined || effective <= 0 || remaining === undefined) return
    refill(resource, effective, now)
    resource.level = Math.min(resource.level, remaining)
  }
  see(self.requests, limits.requests, seen.limitRequests, seen.remainingRequests)
  see(self.tokens, limits.tokens, seen.limitTokens, seen.remainingTokens)
  if (seen.retryAfterMillis !== undefined && seen.retryAfterMillis > 0) {
    self.pausedUntil = Math.max(self.pausedUntil, now + seen.retryAfterMillis)
  }
}
