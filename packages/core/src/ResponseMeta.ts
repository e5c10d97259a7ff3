/**
 * Metadata of an OpenAI HTTP response: status, headers, request id, processing time and rate limits.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import * as Duration from "effect/Duration"

/**
 * The six `x-ratelimit-*` headers, parsed. An absent (or unparsable) header is an absent field.
 *
 * @since 0.1.0
 * @category models
 */
export interface RateLimit {
  readonly limitRequests?: number
  readonly limitTokens?: number
  readonly remainingRequests?: number
  readonly remainingTokens?: number
  readonly resetRequests?: Duration.Duration
  readonly resetTokens?: Duration.Duration
}

/**
 * What a response said besides its body.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseMeta {
  readonly status: number
  readonly headers: Headers.Headers
  /** `x-request-id`: quote it when you contact OpenAI support. */
  readonly requestId: string | undefined
  /** `openai-processing-ms`: time the API spent on the request. */
  readonly processingMs: number | undefined
  readonly rateLimit: RateLimit
}

/**
 * Reads the metadata of a response from its status and headers.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (status: number, headers: Headers.Headers): ResponseMeta => ({
  status,
  headers,
  requestId: headers["x-request-id"],
  processingMs: parseCount(headers["openai-processing-ms"]),
  rateLimit: parseRateLimit(headers)
})

/**
 * Parses the six `x-ratelimit-*` headers.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseRateLimit = (headers: Headers.Headers): RateLimit => {
  const rateLimit: Record<string, number | Duration.Duration> = {}
  for (const [field, header, parse] of rateLimitHeaders) {
    const value = parse(headers[header])
    if (value !== undefined) rateLimit[field] = value
  }
  return rateLimit as RateLimit
}

const parseCount = (value: string | undefined): number | undefined => {
  if (value === undefined) return undefined
  const trimmed = value.trim()
  if (trimmed === "") return undefined
  const n = Number(trimmed)
  return Number.isFinite(n) && n >= 0 ? n : undefined
}

const resetPart = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy
const unitMillis: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 }

/**
 * Parses OpenAI's reset durations (`6m0s`, `1h2m3.5s`, `20ms`, `1s`); `undefined` when the text is not one.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parseResetDuration = (value: string | undefined): Duration.Duration | undefined => {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text === "") return undefined
  let millis = 0
  resetPart.lastIndex = 0
  let end = 0
  for (let match = resetPart.exec(text); match !== null; match = resetPart.exec(text)) {
    millis += Number(match[1]) * unitMillis[match[2]!]!
    end = resetPart.lastIndex
  }
  return end === text.length ? Duration.millis(millis) : undefined
}

/** Each field of {@link RateLimit}, its header and its parser. */
const rateLimitHeaders: ReadonlyArray<
  readonly [keyof RateLimit, string, (value: string | undefined) => number | Duration.Duration | undefined]
> = [
  ["limitRequests", "x-ratelimit-limit-requests", parseCount],
  ["limitTokens", "x-ratelimit-limit-tokens", parseCount],
  ["remainingRequests", "x-ratelimit-remaining-requests", parseCount],
  ["remainingTokens", "x-ratelimit-remaining-tokens", parseCount],
  ["resetRequests", "x-ratelimit-reset-requests", parseResetDuration],
  ["resetTokens", "x-ratelimit-reset-tokens", parseResetDuration]
]
