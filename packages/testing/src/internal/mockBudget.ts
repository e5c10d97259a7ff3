/**
 * The server's side of a rate limit, as OpenAI keeps it: per model, a bucket of requests refilled continuously at the
 * limit per minute. A request the bucket has no whole request for is answered 429 and costs nothing.
 *
 * @internal
 */

interface Bucket {
  level: number
  at: number
}

/** The outcome of one request. @internal */
export type Admission =
  | { readonly _tag: "Allowed"; readonly remaining: number; readonly resetMillis: number }
  | { readonly _tag: "Refused"; readonly retryAfterMillis: number }

/** @internal */
export interface MockBudget {
  readonly requestsPerMinute: number
  readonly admit: (model: string, now: number) => Admission
}

/** @internal */
export const make = (requestsPerMinute: number): MockBudget => {
  const buckets = new Map<string, Bucket>()
  const perMilli = requestsPerMinute / 60_000
  return {
    requestsPerMinute,
    admit: (model, now) => {
      let bucket = buckets.get(model)
      if (bucket === undefined) {
        bucket = { level: requestsPerMinute, at: now }
        buckets.set(model, bucket)
      }
      bucket.level = Math.min(requestsPerMinute, bucket.level + Math.max(0, now - bucket.at) * perMilli)
      bucket.at = Math.max(bucket.at, now)
      if (bucket.level < 1) return { _tag: "Refused", retryAfterMillis: Math.ceil((1 - bucket.level) / perMilli) }
      bucket.level -= 1
      return {
        _tag: "Allowed",
        remaining: Math.floor(bucket.level),
        resetMillis: Math.ceil((requestsPerMinute - bucket.level) / perMilli)
      }
    }
  }
}
