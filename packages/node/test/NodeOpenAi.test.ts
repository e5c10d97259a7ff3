import { Chat, Models, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as Undici from "undici"
import { client, eventually } from "./utils.js"

const messages = [{ role: "user", content: "Say this is a test!" }] as const

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
