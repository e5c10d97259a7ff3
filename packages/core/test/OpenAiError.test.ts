import { Chat, OpenAiError } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { awaitRequests, messages, requestCount } from "./utils.js"

const create = (options?: { readonly maxRetries?: number }) =>
  Chat.completions.create({ model: "gpt-4o-mini", messages }, { maxRetries: 0, ...options })

const statusTags = [
  [400, "BadRequestError"],
  [401, "AuthenticationError"],
  [403, "PermissionDeniedError"],
  [404, "NotFoundError"],
  [409, "ConflictError"],
  [422, "UnprocessableEntityError"],
  [429, "RateLimitError"],
  [500, "InternalServerError"],
  [503, "InternalServerError"],
  [418, "ApiError"],
  [302, "ApiError"]
] as const

describe("errors", () => {
  for (const [status, tag] of statusTags) {
    it.effect(`${status} fails with ${tag}, carrying status, headers, request id and OpenAI's error`, () =>
      Effect.gen(function*() {
        yield* OpenAiTest.reply(OpenAiTest.error(status, {
          message: "Something is off",
          type: "invalid_request_error",
          code: "some_code",
          param: "messages"
        }, { "x-request-id": "req_abc" }))
        const error = yield* Effect.flip(create())
        expect(error._tag).toBe(tag)
        expect(OpenAiError.isOpenAiError(error)).toBe(true)
        expect(OpenAiError.isHttpStatusError(error)).toBe(true)
        if (!OpenAiError.isHttpStatusError(error)) return
        expect(error.status).toBe(status)
        expect(error.requestId).toBe("req_abc")
        expect(error.headers["x-request-id"]).toBe("req_abc")
        expect(error.response.rateLimit.limitRequests).toBe(10_000)
        expect(error.code).toBe("some_code")
        expect(error.type).toBe("invalid_request_error")
        expect(error.param).toBe("messages")
        expect(error.error?.message).toBe("Something is off")
        expect(error.request).toStrictEqual({ method: "POST", url: "https://api.openai.com/v1/chat/completions" })
        expect(error.message).toBe(
          `${status} Something is off (code: some_code, param: messages, POST https://api.openai.com/v1/chat/completions, request id: req_abc)`
        )
      }).pipe(Effect.provide(OpenAiTest.layer())))
  }

  it.effect("errors can be caught by tag", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(401, { message: "Incorrect API key provided" }))
      const caught = yield* create().pipe(
        Effect.as("no error"),
        Effect.catchTag("AuthenticationError", (error) => Effect.succeed(`caught ${error.status}`))
      )
      expect(caught).toBe("caught 401")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an error body that is not OpenAI's JSON is kept as a bounded snippet", () =>
    Effect.gen(function*() {
      const html = `<html><body>${"x".repeat(10_000)}</body></html>`
      yield* OpenAiTest.reply(OpenAiTest.text(html, { status: 502, contentType: "text/html" }))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("InternalServerError")
      if (error._tag !== "InternalServerError") return
      expect(error.error).toBeUndefined()
      expect(error.body?.length).toBe(OpenAiError.bodySnippetLength)
      expect(error.body?.startsWith("<html><body>xxx")).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an error body with a string error (as some compatible servers send) is read", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ error: "model overloaded" }, { status: 503 }))
      const error = yield* Effect.flip(create())
      expect(error.message).toContain("503 model overloaded")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("error fields of the wrong type are checked: numbers and booleans become text, anything else is dropped", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: 42, type: true, code: 1234, param: ["messages"] } }, { status: 400 }),
        OpenAiTest.json({ error: { code: { toString: 0 }, message: { valueOf: 1 } } }, { status: 300 }),
        OpenAiTest.stream([OpenAiTest.sseEvent({ error: { code: 7, message: null } }, "error")])
      )
      const first = yield* Effect.flip(create())
      if (!OpenAiError.isHttpStatusError(first)) return expect.fail(first._tag)
      expect(first.error).toStrictEqual({ message: "42", type: "true", code: "1234" })
      expect([first.code, first.type, first.param]).toStrictEqual(["1234", "true", undefined])
      expect(first.message).toContain("400 42 (code: 1234")
      const second = yield* Effect.flip(create())
      if (!OpenAiError.isHttpStatusError(second)) return expect.fail(second._tag)
      expect(second.status).toBe(300)
      expect(second.code).toBeUndefined()
      expect(second.message).toContain("300")
      expect(String(second)).toContain("300")
      const streamed = yield* Effect.flip(Stream.runDrain(Chat.completions.stream({ model: "gpt-4o-mini", messages })))
      if (streamed._tag !== "StreamError") return expect.fail(streamed._tag)
      expect(streamed.code).toBe("7")
      expect(streamed.message).toContain("code: 7")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("error fields: null stays null where the API sends it (type, code, param), other keys are kept", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({
          error: { message: null, type: null, code: null, param: null, retry_in: 3, details: { a: 1 } }
        }, { status: 400 }),
        OpenAiTest.json({ message: "upstream overloaded" }, { status: 503 })
      )
      const first = yield* Effect.flip(create())
      if (!OpenAiError.isHttpStatusError(first)) return expect.fail(first._tag)
      expect(first.error).toStrictEqual({ type: null, code: null, param: null, retry_in: 3, details: { a: 1 } })
      expect(first.message).toContain("400 (no body)")
      // a compatible server's top-level message
      const second = yield* Effect.flip(create())
      if (!OpenAiError.isHttpStatusError(second)) return expect.fail(second._tag)
      expect(second.error).toStrictEqual({ message: "upstream overloaded" })
      expect(second.message).toContain("503 upstream overloaded")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an HTML page with status 200 fails with ResponseDecodeError, keeping a snippet", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("<!DOCTYPE html><title>Gateway</title>", {
        contentType: "text/html",
        headers: { "x-request-id": "req_html" }
      }))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("ResponseDecodeError")
      if (error._tag !== "ResponseDecodeError") return
      expect(error.reason).toBe("InvalidJson")
      expect(error.status).toBe(200)
      expect(error.requestId).toBe("req_html")
      expect(error.body).toBe("<!DOCTYPE html><title>Gateway</title>")
      expect(error.message).toContain("is not valid JSON")
      expect(error.message).toContain("content-type text/html")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("truncated JSON fails with ResponseDecodeError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("{\"id\":\"chatcmpl-1\",\"choi", { contentType: "application/json" }))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("ResponseDecodeError")
      if (error._tag === "ResponseDecodeError") expect(error.reason).toBe("InvalidJson")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an empty 200 body fails with ResponseDecodeError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("", { contentType: "application/json" }))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("ResponseDecodeError")
      expect(error.message).toContain("empty body")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("JSON of the wrong shape fails with ResponseDecodeError (UnexpectedShape)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ id: 42, choices: "none" }))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("ResponseDecodeError")
      if (error._tag !== "ResponseDecodeError") return
      expect(error.reason).toBe("UnexpectedShape")
      expect(error.detail).toContain("id")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a transport failure fails with ConnectionError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.transportFailure("connect ECONNREFUSED 127.0.0.1:443"))
      const error = yield* Effect.flip(create())
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toBe(
        "Connection error: connect ECONNREFUSED 127.0.0.1:443 (POST https://api.openai.com/v1/chat/completions)"
      )
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an attempt slower than the timeout fails with TimeoutError and aborts the request", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.delay("5 seconds"))
      const fiber = yield* Effect.fork(Effect.flip(create()))
      const [sent] = yield* awaitRequests(1)
      yield* TestClock.adjust("1999 millis")
      expect(sent!.signal.aborted).toBe(false)
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      expect(error.message).toBe("Request timed out after 2s (POST https://api.openai.com/v1/chat/completions)")
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { timeout: 2000 } }))))

  it.effect("the timeout can be set per call", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.delay("5 seconds"))
      const fiber = yield* Effect.fork(
        Effect.flip(
          Chat.completions.create({ model: "gpt-4o-mini", messages }, { timeout: "100 millis", maxRetries: 0 })
        )
      )
      yield* awaitRequests(1)
      yield* TestClock.adjust("100 millis")
      expect((yield* Fiber.join(fiber))._tag).toBe("TimeoutError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("parameters that cannot be encoded fail with InvalidRequestError before anything is sent", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = { role: "user", content: "hi" }
      cyclic.self = cyclic
      const error = yield* Effect.flip(
        Chat.completions.create({ model: "gpt-4o-mini", messages: [cyclic as never] })
      )
      expect(error._tag).toBe("InvalidRequestError")
      expect(error.message).toContain("cannot be encoded as JSON")
      const bigint = yield* Effect.flip(
        Chat.completions.create({ model: "gpt-4o-mini", messages, seed: 1n as never })
      )
      expect(bigint._tag).toBe("InvalidRequestError")
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a header value with CR/LF is refused before anything is sent; a query value is percent-encoded", () =>
    Effect.gen(function*() {
      const header = yield* Effect.flip(
        Chat.completions.create({ model: "gpt-4o-mini", messages }, { headers: { "x-custom": "a\r\nx-injected: 1" } })
      )
      expect(header._tag).toBe("InvalidRequestError")
      expect(yield* requestCount).toBe(0)
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages }, { query: { "api-version": "1\r\n2" } })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe("https://api.openai.com/v1/chat/completions?tenant=a%0Ab&api-version=1%0D%0A2")
      expect(sent!.query).toStrictEqual({ tenant: "a\nb", "api-version": "1\r\n2" })
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { defaultQuery: { tenant: "a\nb" } } }))))

  it.effect("per-call timeouts and retry counts that make no sense are refused before anything is sent", () =>
    Effect.gen(function*() {
      const create = (options: Parameters<typeof Chat.completions.create>[1]) =>
        Effect.flip(Chat.completions.create({ model: "gpt-4o-mini", messages }, options))
      for (
        const [options, mention] of [
          [{ timeout: -5 }, "timeout"],
          [{ timeout: "soon" as never }, "timeout"],
          [{ maxRetries: -1 }, "maxRetries"],
          [{ maxRetries: 1.5 }, "maxRetries"]
        ] as const
      ) {
        const error = yield* create(options)
        expect(error._tag).toBe("InvalidRequestError")
        expect(error.message).toContain(mention)
      }
      const idle = yield* Effect.flip(
        Stream.runDrain(
          Chat.completions.stream({ model: "gpt-4o-mini", messages }, { idleTimeout: "nonsense" as never })
        )
      )
      expect(idle._tag).toBe("InvalidRequestError")
      expect(idle.message).toContain("idleTimeout")
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
