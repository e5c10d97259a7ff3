import { ResponseMeta } from "@effect-openai/core"
import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"

const millis = (d: Duration.Duration | undefined) => d === undefined ? undefined : Duration.toMillis(d)

describe("ResponseMeta", () => {
  it("parses OpenAI's reset durations", () => {
    expect(millis(ResponseMeta.parseResetDuration("6m0s"))).toBe(360_000)
    expect(millis(ResponseMeta.parseResetDuration("20ms"))).toBe(20)
    expect(millis(ResponseMeta.parseResetDuration("1s"))).toBe(1_000)
    expect(millis(ResponseMeta.parseResetDuration("1h2m3.5s"))).toBe(3_723_500)
    expect(millis(ResponseMeta.parseResetDuration("0.25s"))).toBe(250)
    expect(millis(ResponseMeta.parseResetDuration("0s"))).toBe(0)
  })

  it("rejects text that is not a reset duration", () => {
    expect(ResponseMeta.parseResetDuration("")).toBeUndefined()
    expect(ResponseMeta.parseResetDuration("soon")).toBeUndefined()
    expect(ResponseMeta.parseResetDuration("5")).toBeUndefined()
    expect(ResponseMeta.parseResetDuration("6m0sx")).toBeUndefined()
    expect(ResponseMeta.parseResetDuration(undefined)).toBeUndefined()
  })

  it("reads request id, processing time and the six rate-limit headers", () => {
    const meta = ResponseMeta.make(
      200,
      Headers.fromInput({
        "x-request-id": "req_123",
        "openai-processing-ms": "321",
        "x-ratelimit-limit-requests": "10000",
        "x-ratelimit-limit-tokens": "2000000",
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-remaining-tokens": "1999980",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-reset-tokens": "1m2.5s"
      })
    )
    expect(meta.status).toBe(200)
    expect(meta.requestId).toBe("req_123")
    expect(meta.processingMs).toBe(321)
    expect(meta.rateLimit.limitRequests).toBe(10_000)
    expect(meta.rateLimit.limitTokens).toBe(2_000_000)
    expect(meta.rateLimit.remainingRequests).toBe(9_999)
    expect(meta.rateLimit.remainingTokens).toBe(1_999_980)
    expect(millis(meta.rateLimit.resetRequests)).toBe(6)
    expect(millis(meta.rateLimit.resetTokens)).toBe(62_500)
  })

  it("leaves absent and unparsable headers out", () => {
    const meta = ResponseMeta.make(
      200,
      Headers.fromInput({ "x-ratelimit-remaining-tokens": "many", "x-ratelimit-reset-tokens": "later" })
    )
    expect(meta.requestId).toBeUndefined()
    expect(meta.processingMs).toBeUndefined()
    expect(meta.rateLimit).toStrictEqual({})
    expect("remainingTokens" in meta.rateLimit).toBe(false)
  })
})

describe("ResponseMeta counts and resets, edge by edge", () => {
  const rateLimit = (headers: Record<string, string>) => ResponseMeta.make(200, Headers.fromInput(headers)).rateLimit

  it("a blank count is absent (not 0); 0 is a count; a negative count is absent; spaces around one are fine", () => {
    expect(rateLimit({ "x-ratelimit-remaining-requests": "" })).toStrictEqual({})
    expect(rateLimit({ "x-ratelimit-remaining-requests": "   " })).toStrictEqual({})
    expect(rateLimit({ "x-ratelimit-remaining-requests": "0" })).toStrictEqual({ remainingRequests: 0 })
    expect(rateLimit({ "x-ratelimit-remaining-tokens": "-1" })).toStrictEqual({})
    expect(rateLimit({ "x-ratelimit-limit-tokens": "1e309" })).toStrictEqual({})
    expect(rateLimit({ "x-ratelimit-limit-requests": " 42 " })).toStrictEqual({ limitRequests: 42 })
  })

  it("a reset with spaces around it parses; a blank one is absent", () => {
    expect(millis(ResponseMeta.parseResetDuration(" 6m0s "))).toBe(360_000)
    expect(ResponseMeta.parseResetDuration("   ")).toBeUndefined()
  })
})
