import { Multipart, OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { recordSpans } from "./utils.js"

// The redirect rules, in memory: each request the pipeline sends after a 3xx, as the transport saw it.

const moved = (status: number, location: string) => OpenAiTest.empty({ status, headers: { location } })
const ok = OpenAiTest.json({ ok: true })

const call = (method: Operation.Method, body?: Operation.Body) =>
  OpenAiClient.request({
    name: "redirect.test",
    method,
    path: "/things",
    body,
    response: Operation.jsonResponse(Schema.Unknown)
  })

const sent = Effect.map(
  OpenAiTest.requests,
  (all) => all.map((request) => `${request.method} ${request.url} ${request.bodyText ?? "-"}`)
)

const base = "https://api.openai.com/v1"

describe("redirects (fetch's rules)", () => {
  it.effect("301 and 302 after a POST, and 303 after anything but a GET, become a GET without a body", () =>
    Effect.gen(function*() {
      for (const status of [301, 302, 303]) {
        yield* OpenAiTest.reply(moved(status, `${base}/moved-${status}`), ok)
        yield* call("POST", Operation.jsonBody({ a: status }))
      }
      yield* OpenAiTest.reply(moved(303, `${base}/moved-put`), ok)
      yield* call("PUT", Operation.jsonBody({ a: "put" }))
      const lines = yield* sent
      expect(lines.filter((_, i) => i % 2 === 1)).toStrictEqual([
        `GET ${base}/moved-301 -`,
        `GET ${base}/moved-302 -`,
        `GET ${base}/moved-303 -`,
        `GET ${base}/moved-put -`
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("301 and 302 keep any other method and its body; 307 and 308 keep them all", () =>
    Effect.gen(function*() {
      const cases = [[301, "PUT"], [302, "DELETE"], [307, "POST"], [308, "PATCH"], [303, "GET"]] as const
      for (const [status, method] of cases) {
        yield* OpenAiTest.reply(moved(status, `/v1/kept-${status}`), ok)
        yield* call(method, method === "GET" || method === "DELETE" ? undefined : Operation.jsonBody({ s: status }))
      }
      const lines = yield* sent
      expect(lines.filter((_, i) => i % 2 === 1)).toStrictEqual([
        `PUT ${base}/kept-301 {"s":301}`,
        `DELETE ${base}/kept-302 -`,
        `POST ${base}/kept-307 {"s":307}`,
        `PATCH ${base}/kept-308 {"s":308}`,
        `GET ${base}/kept-303 -`
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a redirect that cannot be followed is its status as an ApiError: no location, not http(s), 304", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.empty({ status: 302 }),
        moved(302, "ftp://example.com/file"),
        moved(302, "http://[bad"),
        moved(304, `${base}/other`)
      )
      for (const status of [302, 302, 302, 304]) {
        const error = yield* Effect.flip(call("GET"))
        expect(error._tag).toBe("ApiError")
        if (error._tag === "ApiError") expect(error.status).toBe(status)
      }
      expect(yield* sent).toHaveLength(4)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("https and http locations are both followed", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(moved(307, "http://api.openai.com/v1/plain"), ok)
      yield* call("GET")
      expect((yield* sent)[1]).toBe("GET http://api.openai.com/v1/plain -")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a body read from a caller's stream is never sent twice: 307 and 308 stop there; 303 drops the body", () =>
    Effect.gen(function*() {
      const once = () =>
        Operation.multipartBody({ file: Multipart.file(Stream.make(new TextEncoder().encode("x")), { filename: "f" }) })
      yield* OpenAiTest.reply(moved(307, `${base}/again`), moved(308, `${base}/again`), moved(303, `${base}/got`), ok)
      for (const status of [307, 308]) {
        const error = yield* Effect.flip(call("POST", once()))
        if (error._tag !== "ApiError") return expect.fail(error._tag)
        expect(error.status).toBe(status)
      }
      yield* call("POST", once())
      expect((yield* sent).at(-1)).toBe(`GET ${base}/got -`)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("trace context follows same-origin hops and stops at the first hop to another origin", () =>
    Effect.gen(function*() {
      const { tracer } = yield* recordSpans
      yield* OpenAiTest.reply(
        moved(307, `${base}/same`),
        moved(307, "https://other.example.com/v1/away"),
        moved(307, `${base}/back`),
        ok
      )
      yield* call("GET").pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      const requests = yield* OpenAiTest.requests
      expect(requests.map((request) => request.headers["traceparent"] !== undefined)).toStrictEqual([
        true,
        true,
        false,
        false
      ])
      expect(requests.map((request) => request.headers["authorization"] !== undefined)).toStrictEqual([
        true,
        true,
        false,
        false
      ])
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { propagateTraceContext: true } }))))

  it.effect("after 20 hops the next redirect is answered with its status", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(...Array.from({ length: 21 }, (_, i) => moved(302, `${base}/hop-${i}`)))
      const error = yield* Effect.flip(call("GET"))
      if (error._tag !== "ApiError") return expect.fail(error._tag)
      expect(error.status).toBe(302)
      expect(yield* sent).toHaveLength(21)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
