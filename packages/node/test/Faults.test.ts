import { Chat, OpenAiClient, RetryPolicy } from "@effect-openai/core"
import type { OpenAiError } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { FaultProxy, MockServer } from "@effect-openai/testing"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import fc from "fast-check"
import { collect, eventually } from "./utils.js"

const messages = [{ role: "user", content: "Say this is a test!" }] as const
const timeoutMillis = 300

/** The default retry decision, without the waits (two retries at most). */
const quickRetries: RetryPolicy.RetryPolicy = Schedule.recurs(2).pipe(Schedule.whileInput(RetryPolicy.isRetryable))

/** A server, a proxy in front of it, and a client of the proxy with short timeouts (and `options`). */
const setup = (retries: boolean, options?: Partial<OpenAiClient.Options>) =>
  Effect.gen(function*() {
    const server = yield* MockServer.make()
    const proxy = yield* FaultProxy.make(server.url)
    const clientOptions: OpenAiClient.Options = {
      apiKey: Redacted.make(server.apiKey),
      baseURL: proxy.url,
      timeout: timeoutMillis,
      streamIdleTimeout: timeoutMillis,
      retryPolicy: retries ? quickRetries : Schedule.stop,
      ...options
    }
    return { server, proxy, layer: NodeOpenAi.layer(clientOptions), clientOptions }
  })

/**
 * The connections of the attempts (faulted, or carrying a request), once every faulted one is closed: a failed attempt's
 * socket must be closed by the client, not left to the pool's teardown. (After an abort undici may open a
 * connection it sends nothing on and closes right away; those are not attempts.)
 */
const attempts = (proxy: FaultProxy.FaultProxy, failed: boolean) =>
  Effect.map(
    failed
      ? eventually(proxy.connections, (all) =>
        all.every((connection) => connection.fault === undefined || !connection.open))
      : proxy.connections,
    (all) =>
      all.filter((connection) => connection.fault !== undefined || connection.bytesFromClient > 0)
  )

/**
 * Runs `run` through a proxy applying `fault` to the first connection, and reports how it ended, how long it
 * took, and how many connections it used; faulted connections are checked closed before the client goes away.
 */
const throughFault = <A>(
  fault: FaultProxy.Fault,
  retries: boolean,
  run: Effect.Effect<A, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
) =>
  Effect.gen(function*() {
    const { layer, proxy } = yield* setup(retries)
    yield* proxy.fault(fault)
    return yield* Effect.gen(function*() {
      const started = Date.now()
      const exit = yield* Effect.exit(run)
      const elapsed = Date.now() - started
      // a dripped response succeeds, so its connection goes back to the pool
      const connections = yield* attempts(proxy, fault._tag !== "Drip")
      return { exit, elapsed, connections }
    }).pipe(Effect.provide(layer))
  })

const chat = Chat.completions.create({ model: "gpt-4o-mini", messages })

const failure = <A>(exit: Exit.Exit<A, OpenAiError.OpenAiError>) => {
  expect(Exit.isFailure(exit)).toBe(true)
  if (Exit.isSuccess(exit)) throw new Error("unreachable")
  expect(Cause.isDie(exit.cause)).toBe(false)
  const error = Cause.failureOption(exit.cause)
  if (error._tag === "None") throw new Error(`not a typed failure: ${Cause.pretty(exit.cause)}`)
  return error.value
}

interface Case {
  readonly name: string
  readonly fault: FaultProxy.Fault
  /** The typed error without retries; `undefined`: the request succeeds despite the fault. */
  readonly error: OpenAiError.OpenAiError["_tag"] | undefined
  readonly retried: boolean
}

const plainCases: ReadonlyArray<Case> = [
  { name: "connection reset on accept", fault: { _tag: "Refuse" }, error: "ConnectionError", retried: true },
  {
    name: "reset before the response headers",
    fault: { _tag: "ResetBeforeHeaders" },
    error: "ConnectionError",
    retried: true
  },
  {
    name: "reset after 20 body bytes",
    fault: { _tag: "ResetAfterBytes", bytes: 20 },
    error: "ConnectionError",
    retried: true
  },
  { name: "headers stalled past the timeout", fault: { _tag: "StallHeaders" }, error: "TimeoutError", retried: true },
  {
    name: "body stalled after 20 bytes past the timeout",
    fault: { _tag: "StallAfterBytes", bytes: 20 },
    error: "TimeoutError",
    retried: true
  },
  { name: "response dripped one byte at a time", fault: { _tag: "Drip" }, error: undefined, retried: false },
  {
    name: "HTML 502 from a proxy",
    fault: FaultProxy.htmlError(502),
    error: "InternalServerError",
    retried: true
  },
  {
    name: "HTML 503 from a proxy",
    fault: FaultProxy.htmlError(503, "Service Unavailable"),
    error: "InternalServerError",
    retried: true
  },
  {
    name: "200 with invalid JSON",
    fault: { _tag: "Respond", status: 200, headers: { "content-type": "application/json" }, body: "{\"id\": chatcmpl" },
    error: "ResponseDecodeError",
    retried: false
  },
  {
    name: "200 with JSON cut short (content-length larger than the body)",
    fault: {
      _tag: "Respond",
      status: 200,
      headers: { "content-type": "application/json", "content-length": "400" },
      body: "{\"id\": \"chatcmpl-1\", \"object\": \"chat.comp"
    },
    error: "ConnectionError",
    retried: true
  },
  {
    name: "200 with an HTML page (wrong content type)",
    fault: FaultProxy.htmlError(200, "OK"),
    error: "ResponseDecodeError",
    retried: false
  },
  {
    name: "200 with an empty body",
    fault: { _tag: "Respond", status: 200, headers: { "content-type": "application/json" } },
    error: "ResponseDecodeError",
    retried: false
  }
]

describe("fault suite: non-streaming requests through FaultProxy (real sockets)", () => {
  for (const c of plainCases) {
    it.scopedLive(`${c.name}: ${c.error ?? "success"}${c.retried ? ", retried" : ""}`, () =>
      Effect.gen(function*() {
        const once = yield* throughFault(c.fault, false, chat)
        if (c.error === undefined) {
          expect(Exit.isSuccess(once.exit)).toBe(true)
          return
        }
        const error = failure(once.exit)
        expect(error._tag).toBe(c.error)
        // a proxy's HTML page is kept as a snippet for the logs
        if (c.fault._tag === "Respond" && c.fault.status >= 500) {
          expect((error as OpenAiError.InternalServerError).body).toContain(`${c.fault.status}`)
        }
        expect(RetryPolicy.isRetryable(error)).toBe(c.retried)
        // bounded by the timeout (plus slack for a loaded machine), never a hang
        expect(once.elapsed).toBeLessThan(timeoutMillis + 2_000)

        const retried = yield* throughFault(c.fault, true, chat)
        if (c.retried) {
          expect(Exit.isSuccess(retried.exit)).toBe(true)
          expect(retried.connections.map((c) => c.fault?._tag)).toStrictEqual([c.fault._tag, undefined])
        } else {
          expect(failure(retried.exit)._tag).toBe(c.error)
          expect(retried.connections.length).toBe(1)
        }
      }))
  }

  it.scopedLive("a refused port (nothing listening) fails with ConnectionError after the retries", () =>
    Effect.gen(function*() {
      // port 1 needs root to listen on: nothing does, so the connection is refused
      const layer = NodeOpenAi.layer({
        apiKey: Redacted.make("k"),
        baseURL: "http://127.0.0.1:1/v1",
        timeout: timeoutMillis,
        retryPolicy: quickRetries
      })
      const started = Date.now()
      const error = yield* Effect.flip(chat.pipe(Effect.provide(layer)))
      expect(error._tag).toBe("ConnectionError")
      expect(Date.now() - started).toBeLessThan(3 * timeoutMillis + 2_000)
    }))
})

const streamRequest = (headers?: Record<string, string>) =>
  collect(Chat.completions.stream({ model: "gpt-4o-mini", messages }, { headers }))

/** Ask the MockServer for a longer stream, so a fault can land between events. */
const longStream = { [MockServer.faultHeader]: JSON.stringify({ stream: { chunks: 40 } }) }

describe("fault suite: streams through FaultProxy (real sockets)", () => {
  it.scopedLive("a reset before the first event is retried; the stream then succeeds", () =>
    Effect.gen(function*() {
      const { connections, exit } = yield* throughFault({ _tag: "ResetBeforeHeaders" }, true, streamRequest())
      const { delivered, error } = yield* exit
      expect(error).toBeUndefined()
      expect(delivered.length).toBeGreaterThan(1)
      expect(connections.length).toBe(2)
    }))

  it.scopedLive("a reset mid-stream delivers the events before it, then ConnectionError, no retry", () =>
    Effect.gen(function*() {
      const { connections, exit } = yield* throughFault(
        { _tag: "ResetAfterBytes", bytes: 1_500 },
        true,
        streamRequest(longStream)
      )
      const { delivered, error } = yield* exit
      expect(delivered.length).toBeGreaterThan(0)
      expect(delivered.length).toBeLessThan(41)
      expect(error?._tag).toBe("ConnectionError")
      expect(connections.length).toBe(1)
    }))

  it.scopedLive("a stall mid-stream fails with the idle TimeoutError and closes the socket", () =>
    Effect.gen(function*() {
      const { connections, elapsed, exit } = yield* throughFault(
        { _tag: "StallAfterBytes", bytes: 1_500 },
        true,
        streamRequest(longStream)
      )
      const { delivered, error } = yield* exit
      expect(delivered.length).toBeGreaterThan(0)
      expect(error?._tag).toBe("TimeoutError")
      expect((error as OpenAiError.TimeoutError).phase).toBe("idle")
      expect(elapsed).toBeLessThan(timeoutMillis + 2_000)
      expect(connections.map((c) => c.fault?._tag)).toStrictEqual(["StallAfterBytes"])
    }))

  it.scopedLive("a stream dripped one byte at a time decodes to the same chunks", () =>
    Effect.gen(function*() {
      const { exit } = yield* throughFault({ _tag: "Drip" }, false, streamRequest(longStream))
      const dripped = yield* exit
      const { layer } = yield* setup(false)
      const whole = yield* streamRequest(longStream).pipe(Effect.provide(layer))
      expect(dripped.error).toBeUndefined()
      expect(dripped.delivered.length).toBeGreaterThan(40)
      expect(dripped.delivered).toStrictEqual(whole.delivered)
    }))

  it.scopedLive("an HTML 502 instead of the stream is InternalServerError, retried", () =>
    Effect.gen(function*() {
      const once = yield* throughFault(FaultProxy.htmlError(502), false, streamRequest())
      expect((yield* once.exit).error?._tag).toBe("InternalServerError")
      const retried = yield* throughFault(FaultProxy.htmlError(502), true, streamRequest())
      expect((yield* retried.exit).error).toBeUndefined()
    }))

  it.scopedLive("a 200 JSON reply instead of an event stream is ResponseDecodeError, not retried", () =>
    Effect.gen(function*() {
      const fault: FaultProxy.Fault = {
        _tag: "Respond",
        status: 200,
        headers: { "content-type": "application/json" },
        body: "{\"id\": \"x\"}"
      }
      const { connections, exit } = yield* throughFault(fault, true, streamRequest())
      expect((yield* exit).error?._tag).toBe("ResponseDecodeError")
      expect(connections.length).toBe(1)
    }))

  it.scopedLive("an empty 200 event stream is a truncation StreamError, not retried", () =>
    Effect.gen(function*() {
      const fault: FaultProxy.Fault = { _tag: "Respond", status: 200, headers: { "content-type": "text/event-stream" } }
      const { connections, exit } = yield* throughFault(fault, true, streamRequest())
      const { error } = yield* exit
      expect(error?._tag).toBe("StreamError")
      expect((error as OpenAiError.StreamError).reason).toBe("Truncated")
      expect(connections.length).toBe(1)
    }))
})

describe("redirects", () => {
  it.scopedLive("a same-origin redirect is followed with the credentials", () =>
    Effect.gen(function*() {
      const { layer, proxy, server } = yield* setup(false)
      yield* proxy.fault(FaultProxy.redirect(`${proxy.url}/chat/completions?moved=1`, 307))
      const completion = yield* chat.pipe(Effect.provide(layer))
      expect(completion.object).toBe("chat.completion")
      const [served] = yield* server.requests
      expect(served!.query).toStrictEqual({ moved: "1" })
      expect(served!.headers["authorization"]).toBe(`Bearer ${server.apiKey}`)
      expect(served!.body).toStrictEqual({ model: "gpt-4o-mini", messages })
    }))

  it.scopedLive("a cross-origin redirect never carries Authorization or OpenAI-* headers", () =>
    Effect.gen(function*() {
      const { layer, proxy, server } = yield* setup(false, {
        organization: "org-secret",
        project: "proj-secret",
        defaultHeaders: { "OpenAI-Beta": "assistants=v2", "X-Custom": "kept" }
      })
      const other = yield* MockServer.make()
      yield* proxy.fault(FaultProxy.redirect(`${other.url}/chat/completions`, 308))
      // the other origin sees no key, so it answers 401
      const error = yield* Effect.flip(chat.pipe(Effect.provide(layer)))
      expect(error._tag).toBe("AuthenticationError")
      const [served] = yield* other.requests
      expect(served!.method).toBe("POST")
      expect(served!.body).toStrictEqual({ model: "gpt-4o-mini", messages })
      expect(served!.headers["x-custom"]).toBe("kept")
      const sent = Object.keys(served!.headers)
      expect(sent).not.toContain("authorization")
      expect(sent.filter((name) => name.startsWith("openai-"))).toStrictEqual([])
      expect(JSON.stringify(served!.headers)).not.toContain(server.apiKey)
      expect(yield* server.requests).toStrictEqual([])
    }))

  it.scopedLive("credentials dropped at another origin stay dropped back at the first (A → B → A)", () =>
    Effect.gen(function*() {
      const { layer, proxy, server } = yield* setup(false, {
        defaultHeaders: { "api-key": "azure-secret", cookie: "session=secret", "x-api-key": "secret" },
        propagateTraceContext: true
      })
      const other = yield* MockServer.make({ checkApiKey: false })
      const otherProxy = yield* FaultProxy.make(other.url)
      // A (proxy) → B (otherProxy) → A (proxy again, then through to the server)
      yield* proxy.fault(FaultProxy.redirect(`${otherProxy.url}/chat/completions`, 307))
      yield* otherProxy.fault(FaultProxy.redirect(`${proxy.url}/chat/completions`, 307))
      const error = yield* Effect.flip(chat.pipe(Effect.withSpan("caller"), Effect.provide(layer)))
      // back at A without the key: the server refuses
      expect(error._tag).toBe("AuthenticationError")
      const [served] = yield* server.requests
      const sent = Object.keys(served!.headers)
      for (const name of ["authorization", "api-key", "cookie", "x-api-key", "traceparent", "b3"]) {
        expect(sent).not.toContain(name)
      }
      expect(served!.body).toStrictEqual({ model: "gpt-4o-mini", messages })
    }))

  it.scopedLive("a fetch-based HttpClient does not follow a cross-origin redirect with the headers either", () =>
    Effect.gen(function*() {
      const { clientOptions, proxy } = yield* setup(false, { project: "proj-secret" })
      const other = yield* MockServer.make()
      const layer = OpenAiClient.layer(clientOptions).pipe(Layer.provide(FetchHttpClient.layer))
      yield* proxy.fault(FaultProxy.redirect(`${other.url}/chat/completions`, 307))
      const error = yield* Effect.flip(chat.pipe(Effect.provide(layer)))
      expect(error._tag).toBe("AuthenticationError")
      const [served] = yield* other.requests
      expect(Object.keys(served!.headers)).not.toContain("authorization")
      expect(Object.keys(served!.headers)).not.toContain("openai-project")
    }))

  it.scopedLive("the attempt timeout spans the redirect hops", () =>
    Effect.gen(function*() {
      const { layer, proxy } = yield* setup(false)
      yield* proxy.fault(FaultProxy.redirect(`${proxy.url}/chat/completions`, 307), { _tag: "StallHeaders" })
      const started = Date.now()
      const error = yield* Effect.flip(chat.pipe(Effect.provide(layer)))
      expect(error._tag).toBe("TimeoutError")
      expect(Date.now() - started).toBeLessThan(timeoutMillis + 2_000)
      yield* attempts(proxy, true)
    }))

  it.scopedLive("a 303 becomes a GET without a body; a redirect loop ends as ApiError with its status", () =>
    Effect.gen(function*() {
      const { layer, proxy, server } = yield* setup(false)
      yield* proxy.fault(FaultProxy.redirect(`${proxy.url}/models`, 303))
      const page = yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(
        Effect.provide(layer),
        Effect.flip
      )
      // the models list is not a chat completion: what matters is the request that reached the server
      expect(page._tag).toBe("ResponseDecodeError")
      const [served] = yield* server.requests
      expect(served!.method).toBe("GET")
      expect(served!.path).toBe("/models")

      const loop = Array.from({ length: 21 }, () => FaultProxy.redirect(`${proxy.url}/chat/completions`, 302))
      yield* proxy.fault(...loop)
      const error = yield* Effect.flip(chat.pipe(Effect.provide(layer)))
      expect(error._tag).toBe("ApiError")
      expect((error as OpenAiError.ApiError).status).toBe(302)
    }))
})

describe("the attempt timeout survives every request combinator", () => {
  const slow = (headers?: Record<string, string>) =>
    Chat.completions.create({ model: "gpt-4o-mini", messages }, {
      headers: { [MockServer.faultHeader]: JSON.stringify({ delay: 1_500 }), ...headers }
    })

  it.scopedLive("with propagateTraceContext inside a span (trace headers rebuild the request)", () =>
    Effect.gen(function*() {
      const { layer } = yield* setup(false, { propagateTraceContext: true })
      const started = Date.now()
      const error = yield* Effect.flip(slow().pipe(Effect.withSpan("caller"), Effect.provide(layer)))
      expect(error._tag).toBe("TimeoutError")
      expect(Date.now() - started).toBeLessThan(1_200)
    }))

  it.scopedLive("across a redirect hop with propagateTraceContext inside a span", () =>
    Effect.gen(function*() {
      const { layer, proxy } = yield* setup(false, { propagateTraceContext: true })
      yield* proxy.fault(FaultProxy.redirect(`${proxy.url}/chat/completions`, 307))
      const started = Date.now()
      const error = yield* Effect.flip(slow().pipe(Effect.withSpan("caller"), Effect.provide(layer)))
      expect(error._tag).toBe("TimeoutError")
      expect(Date.now() - started).toBeLessThan(1_200)
    }))
})

describe("bad header input over real sockets", () => {
  it.scopedLive("any header name and value is sent or refused with InvalidRequestError, never a transport error", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const layer = Layer.orDie(
        NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url, maxRetries: 0 })
      )
      const text = fc.string({ unit: "binary", maxLength: 12 })
      const names = fc.oneof(text, fc.constantFrom("x-ok", "bad name", "x:y", "ü", "x-tab\t"))
      const values = fc.oneof(text, fc.constantFrom("é", "€", "a\u0000b", "tab\there", ""))
      const outcomes = new Set<string>()
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(names, values, async (name, value) => {
            const exit = await Effect.runPromiseExit(
              Chat.completions.create({ model: "gpt-4o-mini", messages }, { headers: { [name]: value } }).pipe(
                Effect.provide(layer)
              )
            )
            const outcome = Exit.isSuccess(exit) ? "success" : failure(exit)._tag
            outcomes.add(outcome)
            expect(["success", "InvalidRequestError"]).toContain(outcome)
          }),
          { numRuns: 150 }
        )
      )
      // both kinds of input were drawn
      expect([...outcomes].sort()).toStrictEqual(["InvalidRequestError", "success"])
    }))
})
