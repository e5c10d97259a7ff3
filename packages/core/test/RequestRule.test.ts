import { OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { requestCount, UnreadableBlob } from "./utils.js"

// How one call's HTTP request is built: headers and query from three levels (client defaults, the operation, the
// call), the body of each kind, the retry policy of the call, and the calls refused before anything is sent.

const base = "https://api.openai.com/v1"

const call = (
  operation: Partial<Operation.OperationBase>,
  options?: OpenAiClient.RequestOptions
) =>
  OpenAiClient.request({
    name: "items.create",
    method: "POST",
    path: "/items",
    ...operation,
    response: Operation.emptyResponse
  }, options)

/** A 500 that asks for an immediate retry, so no clock is needed. */
const serverError = OpenAiTest.error(500, {}, { "retry-after-ms": "0" })

describe("headers: client defaults, then the operation's, then the call's", () => {
  it.effect("each level overrides the one below by name, whatever its case; null removes a header from below", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* call(
        { headers: { "OpenAI-Beta": "assistants=v2", "X-Op": "op", "X-Team": null, "X-Op-Only": "kept" } },
        {
          headers: {
            "x-op": "call",
            // a header the client sets itself, removed for one call
            "OpenAI-Organization": null,
            "User-Agent": null,
            "X-Default": undefined,
            Accept: "application/x-ndjson"
          }
        }
      )
      const [sent] = yield* OpenAiTest.requests
      const { authorization, ...headers } = { ...sent!.headers }
      expect(authorization).toBe("Bearer test-api-key")
      expect(headers).toStrictEqual({
        accept: "application/x-ndjson",
        "openai-project": "proj-1",
        "openai-beta": "assistants=v2",
        "x-op": "call",
        "x-op-only": "kept",
        "x-kept": "yes"
      })
    }).pipe(Effect.provide(OpenAiTest.layer({
      client: {
        organization: "org-1",
        project: "proj-1",
        defaultHeaders: { "X-Default": "d", "X-Team": "red", "OpenAI-Beta": "default", "X-Kept": "yes" }
      }
    }))))

  it.effect("an operation's header that HTTP cannot carry is an InvalidRequestError naming it; nothing is sent", () =>
    Effect.gen(function*() {
      const badName = yield* Effect.flip(call({ headers: { "x team": "1" } }))
      expect(badName._tag).toBe("InvalidRequestError")
      expect(badName.message).toBe("Header name \"x team\" is not a valid HTTP header name")
      const lineBreak = yield* Effect.flip(
        call({ method: "PUT", path: "/things/t1", headers: { "x-a": "1\r\nx-b: 2" } })
      )
      expect(lineBreak.message).toBe("Header \"x-a\" contains a line break (CR or LF)")
      if (lineBreak._tag === "InvalidRequestError") {
        expect(lineBreak.request).toStrictEqual({ method: "PUT", url: `${base}/things/t1` })
      }
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("query: client defaults, then the operation's, then the call's", () => {
  it.effect("a name given again replaces the one below (moved to the end); null and undefined keep it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* call(
        { method: "GET", query: { limit: 20, order: "desc", "api-version": undefined, tenant: null, deleted: false } },
        { query: { limit: 5, order: undefined, include: ["a", "b"], after: null } }
      )
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe(
        `${base}/items?tenant=acme&api-version=2025-01-01&order=desc&deleted=false&limit=5&include=a&include=b`
      )
    }).pipe(Effect.provide(OpenAiTest.layer({
      client: { defaultQuery: { tenant: "acme", "api-version": "2025-01-01", include: "x" } }
    }))))

  it.effect("a call query of only null and undefined leaves the operation's as it is", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* call({ method: "GET", query: { limit: 20 } }, { query: { limit: undefined, after: null } })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe(`${base}/items?tenant=acme&limit=20`)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { defaultQuery: { tenant: "acme", limit: null } } }))))

  it.effect("parameters named like Object.prototype members (constructor, toString, __proto__) are kept and merged", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* call(
        { method: "GET", query: { constructor: "c", toString: "t", limit: 1 } },
        { query: { order: "asc", ["__proto__"]: "p" } }
      )
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe(`${base}/items?valueOf=v&constructor=c&toString=t&limit=1&order=asc&__proto__=p`)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { defaultQuery: { valueOf: "v" } } }))))
})

describe("bodies", () => {
  it.effect("a JSON body that JSON.stringify leaves out (undefined) is no body at all, and no content type", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* call({ body: Operation.jsonBody(undefined) })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.bodyBytes).toBeUndefined()
      expect(sent!.headers["content-type"]).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a JSON body that cannot be encoded is an InvalidRequestError with the encoder's reason as its cause", () =>
    Effect.gen(function*() {
      const cyclic: Record<string, unknown> = {}
      cyclic.self = cyclic
      const error = yield* Effect.flip(call({ path: "/cyclic", body: Operation.jsonBody(cyclic) }))
      if (error._tag !== "InvalidRequestError") return expect.fail(error._tag)
      expect(error.cause).toBeInstanceOf(TypeError)
      expect(error.message).toBe(`The request body cannot be encoded as JSON: ${(error.cause as TypeError).message}`)
      expect(error.request).toStrictEqual({ method: "POST", url: `${base}/cyclic` })
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a JSON body whose toJSON throws a non-Error names what was thrown", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(call({
        body: Operation.jsonBody({
          toJSON: () => {
            throw "nope"
          }
        })
      }))
      if (error._tag !== "InvalidRequestError") return expect.fail(error._tag)
      expect(error.message).toBe("The request body cannot be encoded as JSON: nope")
      expect(error.cause).toBe("nope")
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a raw Blob is sent with its content type and size, and read again whole on a retry", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(serverError, OpenAiTest.empty())
      yield* call({ body: Operation.rawBody(new Blob(["RIFF audio"]), "audio/wav") })
      const sent = yield* OpenAiTest.requests
      expect(sent).toHaveLength(2)
      for (const request of sent) {
        expect(request.bodyText).toBe("RIFF audio")
        expect(request.headers["content-type"]).toBe("audio/wav")
        expect(request.headers["content-length"]).toBe("10")
      }
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a raw Blob that cannot be read fails the call with a ConnectionError caused by the read error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        call({ body: Operation.rawBody(new UnreadableBlob(new Error("disk gone")), "audio/wav") })
      )
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toBe(`Connection error: disk gone (POST ${base}/items)`)
      // the read error itself (as the web stream delivers it: a copy)
      if (error._tag === "ConnectionError") expect(String(error.cause)).toBe("Error: disk gone")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))

  it.effect("raw text and bytes are sent again on a retry", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(serverError, OpenAiTest.empty(), serverError, OpenAiTest.empty())
      yield* call({ body: Operation.rawBody("v=0", "application/sdp") })
      yield* call({ body: Operation.rawBody(new Uint8Array([7, 8]), "application/octet-stream") })
      const sent = yield* OpenAiTest.requests
      const sdp = [..."v=0"].map((char) => char.charCodeAt(0))
      expect(sent.map((request) => [...request.bodyBytes!])).toStrictEqual([sdp, sdp, [7, 8], [7, 8]])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("the retry policy of a call", () => {
  it.effect("maxRetries per call can raise the client's", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(serverError, serverError, OpenAiTest.empty())
      yield* call({}, { maxRetries: 2 })
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))

  it.effect("a call's retryPolicy wins over its maxRetries", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(serverError, serverError, OpenAiTest.empty())
      const error = yield* Effect.flip(call({}, { retryPolicy: Schedule.recurs(1), maxRetries: 5 }))
      expect(error._tag).toBe("InternalServerError")
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
