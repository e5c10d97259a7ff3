import { Chat, HttpTransport, OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { messages, recordSpans } from "./utils.js"

// The protocol between one attempt and its transport (internal/attempt.ts), seen from a transport: what it is told
// (currentAttempt, its deadline, FetchHttpClient.RequestInit), when what it registered is aborted, and how its
// failures are reported.

const call = OpenAiClient.request({
  name: "attempt.test",
  method: "GET",
  path: "/things",
  response: Operation.jsonResponse(Schema.Unknown)
})

type Answer = "ok" | "fail" | "never" | "stream"

/**
 * A transport declaring `capabilities` that records what each exchange was told and answers with the next scripted
 * answer (`ok` when none is left): a JSON body, a transport failure, no answer at all, or a complete chat stream.
 */
const recordingTransport = (capabilities: HttpTransport.Capabilities, answers: ReadonlyArray<Answer> = []) => {
  const script = [...answers]
  const attempts: Array<HttpTransport.Attempt | undefined> = []
  const requestInits: Array<Option.Option<RequestInit>> = []
  const events: Array<string> = []
  const client = HttpClient.make((request) =>
    Effect.gen(function*() {
      const attempt = yield* FiberRef.get(HttpTransport.currentAttempt)
      attempts.push(attempt)
      requestInits.push(yield* Effect.serviceOption(FetchHttpClient.RequestInit))
      const n = attempts.length
      attempt?.onEnd(() => events.push(`abort ${n}`))
      events.push(`exchange ${n}`)
      switch (script.shift() ?? "ok") {
        case "ok":
          return HttpClientResponse.fromWeb(
            request,
            new Response(JSON.stringify({ n }), { status: 200, headers: { "content-type": "application/json" } })
          )
        case "fail":
          return yield* Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("socket hang up") })
          )
        case "never":
          return yield* Effect.never
        case "stream":
          return HttpClientResponse.fromWeb(
            request,
            new Response(OpenAiTest.chatStreamParts(["a", "b"]).join(""), {
              status: 200,
              headers: { "content-type": "text/event-stream" }
            })
          )
      }
    })
  )
  return { attempts, requestInits, events, layer: HttpTransport.layer(client, capabilities) }
}

const clientOver = (
  transport: { readonly layer: Layer.Layer<HttpClient.HttpClient | HttpTransport.Declared> },
  options?: Partial<OpenAiClient.Options>
) => OpenAiClient.layer({ apiKey: Redacted.make("k"), maxRetries: 0, ...options }).pipe(Layer.provide(transport.layer))

/** Lets forked fibers run until the transport has seen `count` exchanges. */
const awaitExchanges = (transport: { readonly attempts: ReadonlyArray<unknown> }, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000 && transport.attempts.length < count; i++) yield* Effect.yieldNow()
    expect(transport.attempts).toHaveLength(count)
  })

describe("what a transport is told about its attempt", () => {
  it.effect("a transport that declares nothing is not told about attempts at all", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({})
      yield* Effect.provide(call, clientOver(transport))
      expect(transport.attempts).toStrictEqual([undefined])
    }))

  it.live("one that only aborts with its attempt is told about it, without a deadline, even on the live clock", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ abortsWithScope: true })
      expect(yield* Effect.provide(call, clientOver(transport, { timeout: "2 seconds" }))).toStrictEqual({ n: 1 })
      expect(transport.attempts).toHaveLength(1)
      expect(transport.attempts[0]).toBeDefined()
      expect(transport.attempts[0]!.deadline).toBeUndefined()
    }))

  it.effect("one that enforces deadlines gets none under a TestClock: the client times the attempt itself", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ enforcesDeadline: true }, ["never"])
      const fiber = yield* Effect.fork(Effect.flip(Effect.provide(call, clientOver(transport, { timeout: 2000 }))))
      yield* awaitExchanges(transport, 1)
      expect(transport.attempts[0]).toBeDefined()
      expect(transport.attempts[0]!.deadline).toBeUndefined()
      yield* TestClock.adjust("1999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const error = yield* Fiber.join(fiber)
      if (error._tag !== "TimeoutError") return expect.fail(error._tag)
      expect(error.phase).toBe("attempt")
      expect(Duration.toMillis(error.timeout)).toBe(2000)
      expect(error.message).toBe("Request timed out after 2s (GET https://api.openai.com/v1/things)")
    }))

  it.live("on the live clock, the longest timeout setTimeout takes (2^31 - 1 ms) is a deadline; one past it is none", () =>
    Effect.gen(function*() {
      const longest = 2 ** 31 - 1
      const cases = [[longest, "deadline"], [longest + 1, "none"], [Infinity, "none"]] as const
      for (const [millis, expected] of cases) {
        const transport = recordingTransport({ enforcesDeadline: true })
        const before = Date.now()
        yield* Effect.provide(call, clientOver(transport, { timeout: Duration.millis(millis) }))
        const deadline = transport.attempts[0]!.deadline
        if (expected === "none") {
          expect(deadline).toBeUndefined()
        } else {
          expect(deadline).toBeGreaterThanOrEqual(before + longest)
          expect(deadline).toBeLessThanOrEqual(Date.now() + longest)
        }
      }
    }))
})

describe("FetchHttpClient.RequestInit: redirects come back to the client", () => {
  const givenInit: RequestInit = { credentials: "include", redirect: "follow", keepalive: true }

  it.effect("a transport that does not declare returnsRedirects is asked for redirect: manual", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({})
      yield* Effect.provide(call, clientOver(transport))
      expect(transport.requestInits).toStrictEqual([Option.some({ redirect: "manual" })])
    }))

  it.effect("a RequestInit the caller provides is kept, with redirect: manual over its own redirect", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({})
      yield* call.pipe(
        Effect.provideService(FetchHttpClient.RequestInit, givenInit),
        Effect.provide(clientOver(transport))
      )
      expect(transport.requestInits).toStrictEqual([
        Option.some({ credentials: "include", redirect: "manual", keepalive: true })
      ])
      expect(givenInit.redirect).toBe("follow")
    }))

  it.effect("a transport that returns redirects itself is left alone: no RequestInit added, the caller's untouched", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ returnsRedirects: true })
      yield* Effect.provide(call, clientOver(transport))
      yield* call.pipe(
        Effect.provideService(FetchHttpClient.RequestInit, givenInit),
        Effect.provide(clientOver(transport))
      )
      expect(transport.requestInits).toStrictEqual([Option.none(), Option.some(givenInit)])
    }))
})

describe("what a transport registers with its attempt", () => {
  it.effect("is aborted once, when its attempt ends, not before; each retry is an attempt of its own", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ abortsWithScope: true }, ["fail", "ok"])
      const result = yield* Effect.provide(call, clientOver(transport, { maxRetries: 1 })).pipe(
        Effect.fork,
        Effect.tap(() => TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      expect(result).toStrictEqual({ n: 2 })
      expect(transport.events).toStrictEqual(["exchange 1", "abort 1", "exchange 2", "abort 2"])
    }))

  it.effect("registered after its attempt is over, it is aborted at once", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ abortsWithScope: true })
      yield* Effect.provide(call, clientOver(transport))
      let aborted = 0
      transport.attempts[0]!.onEnd(() => aborted++)
      expect(aborted).toBe(1)
      expect(transport.events).toStrictEqual(["exchange 1", "abort 1"])
    }))

  it.effect("a stream's exchange is aborted when the stream ends, not at its first chunk", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ abortsWithScope: true }, ["stream"])
      yield* Chat.completions.stream({ model: "gpt-4o-mini", messages }).pipe(
        Stream.runForEach(() => Effect.sync(() => transport.events.push("chunk"))),
        Effect.provide(clientOver(transport))
      )
      expect(transport.events[0]).toBe("exchange 1")
      expect(transport.events.at(-1)).toBe("abort 1")
      expect(transport.events.filter((event) => event === "chunk").length).toBeGreaterThan(1)
      expect(transport.events.filter((event) => event.startsWith("abort"))).toHaveLength(1)
    }))
})

describe("a transport that ties nothing to attempts (HttpClient.make)", () => {
  it.effect("learns that each exchange is over from its signal, aborted when the attempt ends, redirect hops too", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.empty({ status: 307, headers: { location: "https://api.openai.com/v1/moved" } }),
        OpenAiTest.json({ ok: true })
      )
      expect(yield* call).toStrictEqual({ ok: true })
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => [request.url, request.signal.aborted])).toStrictEqual([
        ["https://api.openai.com/v1/things", true],
        ["https://api.openai.com/v1/moved", true]
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("transport failures", () => {
  it.effect("a failure without a cause is a ConnectionError that keeps the transport's description", () =>
    Effect.gen(function*() {
      const client = HttpClient.make((request) =>
        Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", description: "TLS refused" }))
      )
      const error = yield* Effect.flip(call).pipe(
        Effect.provide(clientOver({ layer: HttpTransport.layer(client, {}) }))
      )
      if (error._tag !== "ConnectionError") return expect.fail(error._tag)
      expect(error.message).toBe("Connection error: TLS refused (GET https://api.openai.com/v1/things)")
      expect((error.cause as Error).cause).toMatchObject({ _tag: "RequestError", reason: "Transport" })
      expect(error.request).toStrictEqual({ method: "GET", url: "https://api.openai.com/v1/things" })
    }))

  it.effect("a transport's own failure (not a deadline) is a ConnectionError, whatever it declares", () =>
    Effect.gen(function*() {
      const transport = recordingTransport({ enforcesDeadline: true, abortsWithScope: true }, ["fail"])
      const error = yield* Effect.flip(Effect.provide(call, clientOver(transport)))
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toBe("Connection error: socket hang up (GET https://api.openai.com/v1/things)")
    }))
})

describe("trace context across redirects", () => {
  const ok = OpenAiTest.json({ ok: true })

  it.effect("with propagation off, no hop carries trace context, same origin or not", () =>
    Effect.gen(function*() {
      const { tracer } = yield* recordSpans
      yield* OpenAiTest.reply(
        OpenAiTest.empty({ status: 307, headers: { location: "https://api.openai.com/v1/same" } }),
        ok
      )
      yield* call.pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => request.url)).toStrictEqual([
        "https://api.openai.com/v1/things",
        "https://api.openai.com/v1/same"
      ])
      expect(sent.map((request) => request.headers["traceparent"])).toStrictEqual([undefined, undefined])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
