// How a whole response is read, rule by rule: an error body is OpenAI's error when it is one (whitespace around the
// JSON allowed) and a snippet otherwise; a 2xx body that is not JSON or not the expected shape fails with the exact
// detail and the body kept.
import { OpenAiClient, OpenAiError, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { shapeDetail } from "../src/internal/response.js"

const Thing = Schema.Struct({ id: Schema.String, count: Schema.Number })

const getThing = OpenAiClient.request({
  name: "things.retrieve",
  method: "GET",
  path: "/things/t1",
  response: Operation.jsonResponse(Thing)
}, { maxRetries: 0 })

const parseError = (text: string): string => {
  try {
    JSON.parse(text)
  } catch (cause) {
    return (cause as Error).message
  }
  throw new Error("valid JSON")
}

describe("error bodies", () => {
  it.effect("OpenAI's error JSON is read with whitespace (a proxy's newlines) around it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.text("\r\n  {\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}\n\n", {
          status: 429,
          contentType: "application/json"
        })
      )
      const error = yield* Effect.flip(getThing)
      if (error._tag !== "RateLimitError") return expect.fail(error._tag)
      expect(error.error).toStrictEqual({ message: "Rate limit reached", code: "rate_limit_exceeded" })
      expect(error.body).toBeUndefined()
      expect(error.code).toBe("rate_limit_exceeded")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("JSON without an error object, or text that only starts like JSON, is kept as the body", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ status: "unavailable", retry: true }, { status: 503, headers: { "x-request-id": "r1" } }),
        OpenAiTest.text("{not json at all", { status: 400 }),
        OpenAiTest.json({ error: 42 }, { status: 500 })
      )
      const object = yield* Effect.flip(getThing)
      if (object._tag !== "InternalServerError") return expect.fail(object._tag)
      expect(object.error).toBeUndefined()
      expect(object.body).toBe("{\"status\":\"unavailable\",\"retry\":true}")
      expect(object.message).toBe(
        "503 {\"status\":\"unavailable\",\"retry\":true} (GET https://api.openai.com/v1/things/t1, request id: r1)"
      )
      const text = yield* Effect.flip(getThing)
      if (text._tag !== "BadRequestError") return expect.fail(text._tag)
      expect([text.error, text.body]).toStrictEqual([undefined, "{not json at all"])
      const numeric = yield* Effect.flip(getThing)
      if (!OpenAiError.isHttpStatusError(numeric)) return expect.fail(numeric._tag)
      expect([numeric.error, numeric.body]).toStrictEqual([undefined, "{\"error\":42}"])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("2xx bodies that cannot be decoded", () => {
  it.effect("an empty body: detail 'empty body', not the parser's message", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("", { contentType: "application/json" }))
      const error = yield* Effect.flip(getThing)
      if (error._tag !== "ResponseDecodeError") return expect.fail(error._tag)
      expect(error.reason).toBe("InvalidJson")
      expect(error.detail).toBe("empty body")
      expect(error.body).toBe("")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("invalid JSON: the parser's message is the detail; whitespace alone is not an empty body", () =>
    Effect.gen(function*() {
      const truncated = "{\"id\":\"t1\",\"cou"
      yield* OpenAiTest.reply(
        OpenAiTest.text(truncated, { contentType: "application/json" }),
        OpenAiTest.text(" \n", { contentType: "application/json" })
      )
      const error = yield* Effect.flip(getThing)
      if (error._tag !== "ResponseDecodeError") return expect.fail(error._tag)
      expect(error.reason).toBe("InvalidJson")
      expect(error.detail).toBe(parseError(truncated))
      expect(error.body).toBe(truncated)
      const blank = yield* Effect.flip(getThing)
      if (blank._tag !== "ResponseDecodeError") return expect.fail(blank._tag)
      expect(blank.detail).toBe(parseError(" \n"))
      expect(blank.body).toBe(" \n")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a long invalid body is kept as a snippet of bodySnippetLength characters", () =>
    Effect.gen(function*() {
      const page = `<html>${"x".repeat(5000)}</html>`
      yield* OpenAiTest.reply(
        OpenAiTest.text(page, { contentType: "text/html" }),
        OpenAiTest.text(page.slice(0, OpenAiError.bodySnippetLength), { contentType: "text/html" })
      )
      const error = yield* Effect.flip(getThing)
      if (error._tag !== "ResponseDecodeError") return expect.fail(error._tag)
      expect(error.body).toBe(page.slice(0, OpenAiError.bodySnippetLength))
      const exact = yield* Effect.flip(getThing)
      if (exact._tag !== "ResponseDecodeError") return expect.fail(exact._tag)
      expect(exact.body).toBe(page.slice(0, OpenAiError.bodySnippetLength))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("JSON of the wrong shape: UnexpectedShape, the paths that differ as the detail, the body kept", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ id: "t1", count: "three" }))
      const error = yield* Effect.flip(getThing)
      if (error._tag !== "ResponseDecodeError") return expect.fail(error._tag)
      expect(error.reason).toBe("UnexpectedShape")
      expect(error.body).toBe("{\"id\":\"t1\",\"count\":\"three\"}")
      const expected = Schema.decodeUnknownEither(Thing)({ id: "t1", count: "three" })
      if (expected._tag === "Right") return expect.fail("decoded")
      expect(error.detail).toBe(shapeDetail(expected.left))
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
