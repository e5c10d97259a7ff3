import { Chat, HttpTransport, Models, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import * as Cookies from "@effect/platform/Cookies"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import * as Undici from "undici"
import { client, eventually } from "./utils.js"

const messages = [{ role: "user", content: "Say this is a test!" }] as const

/** An attempt as the client tells it to its transport, with this deadline (and nothing to end it). */
const attemptUntil = (deadline: number): HttpTransport.Attempt => ({ deadline, onEnd: () => {} })

/** `NodeOpenAi.makeHttpClient` over an agent closed with the scope. */
const leanHttpClient = Effect.map(
  Effect.acquireRelease(Effect.sync(() => new Undici.Agent()), (agent) => Effect.promise(() => agent.close())),
  NodeOpenAi.makeHttpClient
)

describe("NodeOpenAi against MockServer (real sockets)", () => {
  it.scopedLive("runs a chat completion end to end with response metadata", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const { data, response } = yield* OpenAiClient.withResponse(
        Chat.completions.create({ model: "gpt-4o-mini", messages })
      ).pipe(Effect.provide(client(server, { organization: "org-1", project: "proj-1" })))
      expect(data.choices[0]!.message.content).toBe("This is a mock reply to: Say this is a test!")
      expect(data.usage!.total_tokens).toBeGreaterThan(0)
      expect(response.requestId).toMatch(/^req_mock/)
      expect(response.rateLimit.remainingRequests).toBe(9_999)
      const [served] = yield* server.requests
      expect(served!.headers["authorization"]).toBe(`Bearer ${server.apiKey}`)
      expect(served!.headers["openai-organization"]).toBe("org-1")
      expect(served!.headers["openai-project"]).toBe("proj-1")
      expect(served!.headers["content-type"]).toBe("application/json")
      expect(served!.body).toStrictEqual({ model: "gpt-4o-mini", messages })
      expect(served!.outcome).toBe("completed")
    }))

  it.scopedLive("lists and retrieves models", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const [page, model, missing] = yield* Effect.all([
        Models.list(),
        Models.retrieve("gpt-4o"),
        Effect.flip(Models.retrieve("no-such-model"))
      ]).pipe(Effect.provide(client(server)))
      expect(page.data.length).toBeGreaterThan(1)
      expect(model.id).toBe("gpt-4o")
      expect(missing._tag).toBe("NotFoundError")
    }))

  it.scopedLive("a wrong key fails with AuthenticationError, without the key in the message", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const error = yield* Effect.flip(
        Models.list().pipe(Effect.provide(NodeOpenAi.layer({
          apiKey: Redacted.make("wrong-secret-key-0123456789"),
          baseURL: server.url
        })))
      )
      expect(error._tag).toBe("AuthenticationError")
      if (error._tag !== "AuthenticationError") return
      expect(error.code).toBe("invalid_api_key")
      expect(error.message).toContain("Incorrect API key provided")
      expect(error.message).not.toContain("wrong-secret-key-0123456789")
      expect((yield* server.requests).length).toBe(1)
    }))

  it.scopedLive("retries a 429 with retry-after-ms and then succeeds", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ status: 429, headers: { "retry-after-ms": "20" } })
      const completion = yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(
        Effect.provide(client(server))
      )
      expect(completion.object).toBe("chat.completion")
      const served = yield* server.requests
      expect(served.map((request) => request.fault?.status)).toStrictEqual([429, undefined])
    }))

  it.scopedLive("a dropped connection is a ConnectionError (after the retries)", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ drop: true }, { drop: true })
      const error = yield* Effect.flip(
        Models.list({ retryPolicy: undefined, maxRetries: 1 }).pipe(Effect.provide(client(server)))
      )
      expect(error._tag).toBe("ConnectionError")
      expect((yield* server.requests).map((request) => request.outcome)).toStrictEqual(["dropped", "dropped"])
    }))

  // The client layer outlives the call in these two tests, so only the abort itself can close the socket.
  it.scopedLive("a slow server fails with TimeoutError and the socket is closed", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ delay: "5 seconds" })
      const error = yield* Effect.flip(
        Models.list({ timeout: "200 millis", maxRetries: 0 }).pipe(Effect.provide(context))
      )
      expect(error._tag).toBe("TimeoutError")
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("aborted-by-client")
      // the client still works afterwards
      yield* Models.list().pipe(Effect.provide(context))
    }))

  it.scopedLive("interrupting a call aborts the socket (seen by the server)", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ delay: "30 seconds" })
      const fiber = yield* Effect.fork(Models.list().pipe(Effect.provide(context)))
      yield* eventually(server.requests, (all) => all.length === 1)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("aborted-by-client")
    }))

  it.scopedLive("a refused connection is a ConnectionError", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const closedPort = server.port
      // a fresh port that nothing listens on: start and stop a server
      const url = yield* Effect.scoped(Effect.map(MockServer.make(), (other) => other.url))
      expect(url).not.toContain(`:${closedPort}/`)
      const error = yield* Effect.flip(
        Models.list({ maxRetries: 0 }).pipe(
          Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make("k"), baseURL: url }))
        )
      )
      expect(error._tag).toBe("ConnectionError")
    }))

  it.scopedLive("uses the undici dispatcher the user passes", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      let dispatched = 0
      class CountingAgent extends Undici.Agent {
        override dispatch(options: Undici.Dispatcher.DispatchOptions, handler: Undici.Dispatcher.DispatchHandler) {
          dispatched++
          return super.dispatch(options, handler)
        }
      }
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new CountingAgent({ connections: 1 })),
        (agent) => Effect.promise(() => agent.close())
      )
      yield* Models.list().pipe(Effect.provide(client(server, { dispatcher: agent })))
      yield* Models.list().pipe(Effect.provide(client(server, { dispatcher: agent })))
      expect(dispatched).toBe(2)
      expect(agent.closed).toBe(false)
    }))

  it.scopedLive("layerConfig reads the environment", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const saved = { ...process.env }
      yield* Effect.addFinalizer(() =>
        Effect.sync(() => {
          process.env = saved
        })
      )
      process.env.OPENAI_API_KEY = server.apiKey
      process.env.OPENAI_BASE_URL = server.url
      process.env.OPENAI_PROJECT_ID = "proj-env"
      yield* Models.list().pipe(Effect.provide(NodeOpenAi.layerConfig()))
      const [served] = yield* server.requests
      expect(served!.headers["openai-project"]).toBe("proj-env")
      delete process.env.OPENAI_API_KEY
      const error = yield* Effect.flip(Models.list().pipe(Effect.provide(NodeOpenAi.layerConfig())))
      expect(error._tag).toBe("ConfigError")
    }))

  it.scopedLive("sends trace context headers only when propagateTraceContext is on", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* Models.list().pipe(Effect.withSpan("caller"), Effect.provide(client(server)))
      yield* Models.list().pipe(
        Effect.withSpan("caller"),
        Effect.provide(client(server, { propagateTraceContext: true }))
      )
      const [off, on] = yield* server.requests
      expect(off!.headers["traceparent"]).toBeUndefined()
      expect(on!.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }))

  it.scopedLive("the lean HttpClient: a body read twice gives the same text, json parses it", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const http = yield* leanHttpClient
      const response = yield* http.get(`${server.url}/models`, {
        headers: { authorization: `Bearer ${server.apiKey}` }
      })
      expect(response.status).toBe(200)
      expect(response.headers["x-request-id"]).toMatch(/^req_mock/)
      const first = yield* response.text
      expect(yield* response.text).toBe(first)
      expect(((yield* response.json) as { object: string }).object).toBe("list")
    }))

  it.scopedLive("the lean HttpClient: bodies larger than its 64 KB queue arrive whole, by text, bytes or stream", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const http = yield* leanHttpClient
      const big = "é".repeat(150_000) // 300 KB of UTF-8: the socket is paused and resumed on the way
      const fault = { body: `\uFEFF${big}`, contentType: "text/plain; charset=utf-8" }
      yield* server.fault(fault, fault, fault)
      // the reader starts late, so the body fills the queue and the socket is paused until it is read
      const get = http.get(`${server.url}/models`, { headers: { authorization: `Bearer ${server.apiKey}` } }).pipe(
        Effect.tap(() => Effect.sleep("20 millis"))
      )
      // as TextDecoder reads it: the byte order mark is dropped
      expect(yield* Effect.flatMap(get, (response) => response.text)).toBe(big)
      const bytes = yield* Effect.flatMap(get, (response) => response.arrayBuffer)
      expect(bytes.byteLength).toBe(3 + 300_000)
      const streamed = yield* Effect.flatMap(
        get,
        (response) => Stream.runFold(response.stream, 0, (total, chunk) => total + chunk.length)
      )
      expect(streamed).toBe(3 + 300_000)
      expect((yield* server.requests).map((served) => served.outcome)).toStrictEqual([
        "completed",
        "completed",
        "completed"
      ])
    }))
})

/** A node:http server for the lean client's own tests, closed with the scope; its URL. */
const httpServer = (handle: Http.RequestListener) =>
  Effect.map(
    Effect.acquireRelease(
      Effect.async<Http.Server>((resume) => {
        const server = Http.createServer(handle)
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.async<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    ),
    (server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  )

/** Replies with what it received: method, content type and length, whether it was chunked, and the body. */
const echo: Http.RequestListener = (request, response) => {
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("end", () => {
    response.setHeader("content-type", "application/json")
    response.end(JSON.stringify({
      method: request.method,
      contentType: request.headers["content-type"],
      contentLength: request.headers["content-length"],
      chunked: request.headers["transfer-encoding"] === "chunked",
      body: Buffer.concat(chunks).toString("utf8")
    }))
  })
}

interface Echoed {
  readonly method: string
  readonly contentType: string | undefined
  readonly contentLength: string | undefined
  readonly chunked: boolean
  readonly body: string
}

V8.setFlagsFromString("--expose-gc")
const gc = Vm.runInNewContext("gc") as () => void

const bytes = (text: string) => new TextEncoder().encode(text)

/** A stream body that sends `first`, then waits forever; `stopped` turns true when the stream is ended. */
const hangingBody = (first: string) => {
  const state = { stopped: false }
  const stream = Stream.concat(Stream.make(bytes(first)), Stream.never).pipe(
    Stream.ensuring(Effect.sync(() => state.stopped = true))
  )
  return { state, request: (url: string) => HttpClientRequest.post(url).pipe(HttpClientRequest.bodyStream(stream)) }
}

/** An agent whose connections never open, so every request waits before it starts. */
const neverConnecting = Effect.acquireRelease(
  Effect.sync(() => new Undici.Agent({ connect: () => {} })),
  (agent) => Effect.promise(() => agent.destroy())
)

describe("the lean HttpClient over node:http", () => {
  it.scopedLive("sends every kind of request body", () =>
    Effect.gen(function*() {
      const url = yield* httpServer(echo)
      const http = yield* leanHttpClient
      const send = (request: HttpClientRequest.HttpClientRequest) =>
        Effect.flatMap(http.execute(request), (response) => response.json) as Effect.Effect<Echoed, unknown>
      const post = HttpClientRequest.post(url)

      expect(yield* send(HttpClientRequest.get(url))).toMatchObject({ method: "GET", body: "" })
      expect(yield* send(post)).toMatchObject({ method: "POST", contentLength: "0", body: "" })
      expect(yield* send(HttpClientRequest.bodyText(post, "héllo", "text/plain"))).toStrictEqual({
        method: "POST",
        contentType: "text/plain",
        contentLength: "6",
        chunked: false,
        body: "héllo"
      })
      expect(yield* send(HttpClientRequest.setBody(post, HttpBody.raw("raw text", { contentType: "text/x-raw" }))))
        .toMatchObject({ contentType: "text/x-raw", body: "raw text" })

      // Node's global FormData as well as undici's own
      for (const form of [new FormData(), new Undici.FormData() as unknown as FormData]) {
        form.append("purpose", "fine-tune")
        form.append("file", new File(["{\"a\":1}"], "data.jsonl", { type: "application/jsonl" }))
        form.append("blob", new Blob(["bytes"]))
        const sent = yield* send(HttpClientRequest.bodyFormData(post, form))
        expect(sent.contentType).toMatch(/^multipart\/form-data; boundary=/)
        expect(sent.body).toContain("name=\"purpose\"\r\n\r\nfine-tune\r\n")
        expect(sent.body).toContain("name=\"file\"; filename=\"data.jsonl\"\r\nContent-Type: application/jsonl")
        expect(sent.body).toContain("{\"a\":1}")
        expect(sent.body).toContain("name=\"blob\"; filename=\"blob\"")
      }

      // a stream body is sent as it comes, across chunk boundaries and empty chunks
      const parts = Stream.fromIterable(["a", "", "bc", "d".repeat(100_000)]).pipe(Stream.map(bytes), Stream.rechunk(2))
      const streamed = yield* send(HttpClientRequest.bodyStream(post, parts, { contentType: "text/plain" }))
      expect(streamed).toMatchObject({ contentType: "text/plain", chunked: true, body: `abc${"d".repeat(100_000)}` })
      expect(streamed.contentLength).toBeUndefined()
      const known = HttpClientRequest.bodyStream(post, Stream.make(bytes("12"), bytes("345")), { contentLength: 5 })
      expect(yield* send(known)).toMatchObject({ contentLength: "5", chunked: false, body: "12345" })
    }))

  it.scopedLive("a failing stream body fails the request with the stream's error", () =>
    Effect.gen(function*() {
      const url = yield* httpServer(echo)
      const http = yield* leanHttpClient
      const failing = Stream.concat(Stream.make(bytes("partial")), Stream.fail(new Error("source failed")))
      const error = yield* Effect.flip(http.execute(
        HttpClientRequest.post(url).pipe(
          HttpClientRequest.bodyStream(failing)
        )
      ))
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Transport")
      expect((error.cause as Error).message).toBe("source failed")
    }))

  it.scopedLive("interrupted while its stream body is sent, the stream is ended and the socket closed", () =>
    Effect.gen(function*() {
      let received = false
      let closed = false
      const url = yield* httpServer((request) => {
        request.on("data", () => received = true)
        request.on("close", () => closed = true)
      })
      const http = yield* leanHttpClient
      const body = hangingBody("first bytes")
      const fiber = yield* Effect.fork(http.execute(body.request(url)))
      yield* eventually(Effect.sync(() => received), (received) => received)
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
      yield* eventually(Effect.sync(() => body.state.stopped && closed), (done) => done)
    }))

  it.scopedLive("the deadline passing while the stream body is sent fails with AttemptTimeoutError", () =>
    Effect.gen(function*() {
      const url = yield* httpServer(() => {})
      const http = yield* leanHttpClient
      const body = hangingBody("first bytes")
      const error = yield* Effect.flip(
        Effect.locally(http.execute(body.request(url)), HttpTransport.currentAttempt, attemptUntil(Date.now() + 200))
      )
      expect(HttpTransport.isAttemptTimeoutError(error.cause)).toBe(true)
      yield* eventually(Effect.sync(() => body.state.stopped), (stopped) => stopped)
    }))

  it.scopedLive("a connection lost while the stream body is sent fails the request and ends the stream", () =>
    Effect.gen(function*() {
      const url = yield* httpServer((request) => request.once("data", () => request.socket.destroy()))
      const http = yield* leanHttpClient
      const body = hangingBody("first bytes")
      const error = yield* Effect.flip(http.execute(body.request(url)))
      expect(error._tag).toBe("RequestError")
      expect(error.reason).toBe("Transport")
      yield* eventually(Effect.sync(() => body.state.stopped), (stopped) => stopped)
    }))

  it.scopedLive("a response that ends before the stream body does ends the stream", () =>
    Effect.gen(function*() {
      const url = yield* httpServer((request, response) => {
        request.once("data", () => response.writeHead(413, { "content-type": "text/plain" }).end("too large"))
      })
      const http = yield* leanHttpClient
      const body = hangingBody("first bytes")
      const response = yield* http.execute(body.request(url))
      expect(response.status).toBe(413)
      expect(yield* response.text).toBe("too large")
      yield* eventually(Effect.sync(() => body.state.stopped), (stopped) => stopped)
    }))

  it.scopedLive("informational 1xx responses are skipped; the final head and body are returned", () =>
    Effect.gen(function*() {
      const url = yield* httpServer((_, response) => {
        response.writeProcessing()
        response.writeEarlyHints({ link: "</style.css>; rel=preload; as=style" }, () => {
          setTimeout(() => response.writeHead(201, { "x-final": "yes" }).end("created"), 20)
        })
      })
      const http = yield* leanHttpClient
      const response = yield* http.get(url)
      expect(response.status).toBe(201)
      expect(response.headers["x-final"]).toBe("yes")
      expect(response.headers["link"]).toBeUndefined()
      expect(yield* response.text).toBe("created")
    }))

  it.scopedLive("repeated headers are joined; set-cookie is also kept apart as cookies", () =>
    Effect.gen(function*() {
      const url = yield* httpServer((request, response) => {
        if (request.url === "/") {
          response.setHeader("set-cookie", ["a=1; Path=/", "b=2; HttpOnly"])
          response.setHeader("x-repeated", ["one", "two"])
          response.setHeader("X-Mixed-Case", "Value")
          response.setHeader("constructor", "a header named like an Object.prototype member")
        }
        response.end()
      })
      const http = yield* leanHttpClient
      const response = yield* http.get(`${url}/`)
      expect(response.headers["x-repeated"]).toBe("one, two")
      expect(response.headers["x-mixed-case"]).toBe("Value")
      expect(response.headers["constructor"]).toBe("a header named like an Object.prototype member")
      expect(response.headers["set-cookie"]).toBe("a=1; Path=/, b=2; HttpOnly")
      expect(Cookies.toRecord(response.cookies)).toStrictEqual({ a: "1", b: "2" })
      expect(Option.map(Cookies.get(response.cookies, "b"), (cookie) => cookie.options?.httpOnly)).toStrictEqual(
        Option.some(true)
      )
      expect(Cookies.isEmpty((yield* http.get(`${url}/none`)).cookies)).toBe(true)
    }))

  it.scopedLive("a response nobody reads is aborted once it is collected, which closes its socket", () =>
    Effect.gen(function*() {
      let closed = false
      const url = yield* httpServer((request, response) => {
        request.on("close", () => closed = true)
        response.writeHead(200, { "content-type": "text/plain" }).write("a body that never ends")
      })
      const http = yield* leanHttpClient
      yield* Effect.asVoid(http.get(url))
      yield* eventually(Effect.sync(() => (gc(), closed)), (closed) => closed)
    }))

  it.scopedLive("redirects are returned, not followed", () =>
    Effect.gen(function*() {
      const url = yield* httpServer((request, response) => {
        response.writeHead(request.url === "/from" ? 302 : 200, { location: "/to" }).end()
      })
      const http = yield* leanHttpClient
      const response = yield* http.get(`${url}/from`)
      expect(response.status).toBe(302)
      expect(response.headers["location"]).toBe("/to")
    }))

  it.scopedLive("interrupted while queued for a connection, the request is never sent", () =>
    Effect.gen(function*() {
      const paths: Array<string> = []
      let release: (() => void) | undefined
      const url = yield* httpServer((request, response) => {
        paths.push(request.url!)
        if (request.url === "/first") release = () => response.end("done")
        else response.end()
      })
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Undici.Agent({ connections: 1 })),
        (agent) => Effect.promise(() => agent.close())
      )
      const http = NodeOpenAi.makeHttpClient(agent)
      const first = yield* Effect.fork(Effect.flatMap(http.get(`${url}/first`), (response) => response.text))
      yield* eventually(Effect.sync(() => paths.length), (count) => count === 1)
      const queued = yield* Effect.fork(http.get(`${url}/queued`))
      yield* Effect.sleep("50 millis")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(queued))).toBe(true)
      release!()
      expect(yield* Fiber.join(first)).toBe("done")
      expect((yield* http.get(`${url}/after`)).status).toBe(200)
      expect(paths).toStrictEqual(["/first", "/after"])
    }))

  it.scopedLive("interrupted while connecting, the call ends at once", () =>
    Effect.gen(function*() {
      const http = NodeOpenAi.makeHttpClient(yield* neverConnecting)
      const fiber = yield* Effect.fork(http.get("http://127.0.0.1:9/never"))
      yield* Effect.sleep("50 millis")
      expect(Exit.isInterrupted(yield* Fiber.interrupt(fiber))).toBe(true)
    }))

  it.scopedLive("the deadline passing while connecting fails with AttemptTimeoutError at once", () =>
    Effect.gen(function*() {
      const http = NodeOpenAi.makeHttpClient(yield* neverConnecting)
      const started = Date.now()
      const error = yield* Effect.flip(
        Effect.locally(
          http.get("http://127.0.0.1:9/never"),
          HttpTransport.currentAttempt,
          attemptUntil(Date.now() + 100)
        )
      )
      expect(HttpTransport.isAttemptTimeoutError(error.cause)).toBe(true)
      expect(Date.now() - started).toBeLessThan(2_000)
    }))
})
