import { Chat, OpenAiError, RetryPolicy } from "@effect-openai/core"
import type { OpenAiClient } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { inspect } from "node:util"

const messages = [{ role: "user", content: "hi" }] as const

/** Header values as a server might send them, garbage included (printable ASCII: what HTTP can carry). */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 40 }),
  fc.constantFrom(
    "true",
    "false",
    "0",
    "-1",
    "1e309",
    "NaN",
    "6m0s",
    "1h2m3.5s",
    "20ms",
    "Wed, 21 Oct 2015 07:28:00 GMT"
  )
)

const responseHeaders = fc.dictionary(
  fc.constantFrom(
    "retry-after",
    "retry-after-ms",
    "x-should-retry",
    "x-request-id",
    "openai-processing-ms",
    "x-ratelimit-limit-requests",
    "x-ratelimit-remaining-tokens",
    "x-ratelimit-reset-requests",
    "x-ratelimit-reset-tokens"
  ),
  headerValue
)

/** Bodies around OpenAI's error shape: exact, mangled, truncated, or anything at all. */
const errorishBody = fc.oneof(
  fc.string(),
  fc.json(),
  fc.record({
    error: fc.oneof(
      fc.anything(),
      fc.record(
        { message: fc.anything(), type: fc.anything(), code: fc.anything(), param: fc.anything() },
        { requiredKeys: [] }
      )
    )
  }).map((body) => JSON.stringify(body)),
  fc.tuple(fc.json(), fc.nat()).map(([text, cut]) => text.slice(0, cut))
)

/** The outcome must be a value or a typed `OpenAiError` whose every printed form works; never a defect. */
const checkTyped = <A>(exit: Exit.Exit<A, OpenAiError.OpenAiError>) => {
  if (Exit.isSuccess(exit)) return
  expect(Cause.isDie(exit.cause)).toBe(false)
  const failure = Cause.failureOption(exit.cause)
  expect(failure._tag).toBe("Some")
  if (failure._tag === "None") return
  const error = failure.value
  expect(OpenAiError.isOpenAiError(error)).toBe(true)
  expect(typeof error.message).toBe("string")
  expect(typeof String(error)).toBe("string")
  expect(typeof JSON.stringify(error)).toBe("string")
  expect(typeof inspect(error)).toBe("string")
  const wait = RetryPolicy.retryAfterMillis(error, Date.now())
  if (wait !== undefined) {
    expect(wait).toBeGreaterThanOrEqual(0)
    expect(wait).toBeLessThanOrEqual(60_000)
  }
  RetryPolicy.isRetryable(error)
}

const run = <A>(
  effect: Effect.Effect<A, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>,
  reply: OpenAiTest.Reply
) =>
  Effect.runPromiseExit(
    effect.pipe(Effect.provide(Layer.orDie(OpenAiTest.layer({ replies: [reply], client: { maxRetries: 0 } }))))
  )

const errorBodies = fc.asyncProperty(
  fc.integer({ min: 200, max: 599 }),
  errorishBody,
  responseHeaders,
  async (status, body, headers) => {
    checkTyped(
      await run(
        Chat.completions.create({ model: "m", messages }),
        OpenAiTest.text(body, { status, headers, contentType: "application/json" })
      )
    )
  }
)

/**
 * Counterexamples fuzzing found, replayed on every run (fast-check prints the seed and path of a failure: add them
 * here once fixed).
 */
const knownBad = [
  // {"error":{"code":{"toString":0}}} with status 300: printing the error threw
  { seed: 888942737, path: "3:1:2:0:0:0:0:1:1:3:78:78:78:78:78:78" }
]

describe("fuzz: arbitrary responses end in a value or a typed error, never a defect", () => {
  it("error bodies and headers of any status (the error-body parser)", async () => {
    await fc.assert(errorBodies, { numRuns: 400 })
  })

  it("known counterexamples of earlier runs", async () => {
    for (const { path, seed } of knownBad) await fc.assert(errorBodies, { seed, path, endOnFailure: true })
  })

  it("arbitrary bytes as an event stream, cut anywhere", async () => {
    const parts = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom("data: [DONE]\n\n", "event: error\n", "data: {\"error\":", "\r\n", "data: {}\n\n")
      ),
      { maxLength: 12 }
    )
    // mostly 200, so most runs reach the SSE decoder
    const statuses = fc.oneof({ arbitrary: fc.constant(200), weight: 4 }, fc.integer({ min: 201, max: 599 }))
    await fc.assert(
      fc.asyncProperty(parts, statuses, async (chunks, status) => {
        checkTyped(
          await run(
            Stream.runDrain(Chat.completions.stream({ model: "m", messages })),
            OpenAiTest.stream(chunks, { status })
          )
        )
      }),
      { numRuns: 300 }
    )
  })
})
