/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 (ephemeral port by default) with deterministic replies,
 * OpenAI's headers (`x-request-id`, `openai-processing-ms`, the six `x-ratelimit-*`), API key checking and
 * per-request fault injection. It powers the demo, integration tests and benchmarks.
 *
 * @since 0.1.0
 */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as NodePath from "@effect/platform-node/NodePath"
import type * as FileSystem from "@effect/platform/FileSystem"
import * as Headers from "@effect/platform/Headers"
import type * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServer from "@effect/platform/HttpServer"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import type * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Http from "node:http"
import type * as Net from "node:net"
import { BufferedRequest } from "./internal/bufferedRequest.js"
import { concat } from "./internal/bytes.js"
import * as MockApi from "./internal/mockApi.js"
import * as MockBudget from "./internal/mockBudget.js"
import { recordHeaders } from "./internal/recordedHeaders.js"
import type * as MockModel from "./MockModel.js"

/**
 * A fault to inject into one request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Fault {
  /** Answer with this status and an OpenAI error body (see `error`). */
  readonly status?: number | undefined
  /** The OpenAI `error` object of the body (defaults derive from the status). */
  readonly error?: {
    readonly message?: string | undefined
    readonly type?: string | undefined
    readonly code?: string | null | undefined
    readonly param?: string | null | undefined
  } | undefined
  /** Extra response headers, e.g. `retry-after`, `retry-after-ms`, `x-should-retry`. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** A raw body instead of the JSON one (HTML from a proxy, truncated JSON...). */
  readonly body?: string | undefined
  /** Content type of a raw `body` (default `text/html`). */
  readonly contentType?: string | undefined
  /** Wait this long before answering (a number is milliseconds). */
  readonly delay?: Duration.DurationInput | undefined
  /** Destroy the connection instead of answering (after `delay`). */
  readonly drop?: boolean | undefined
  /**
   * Only apply to requests whose API path is this one: `/chat/completions` or `/v1/chat/completions` (a leading `/v1`
   * is ignored, so both name the same route).
   */
  readonly path?: string | undefined
  /** How to stream an event-stream reply (`stream: true` chat requests, or a route's `text/event-stream` reply). */
  readonly stream?: StreamFault | undefined
  /**
   * Makes a fault sent in the `x-mock-fault` header transient: only the first request carrying this id gets it,
   * later ones (the client's retries) are served normally.
   */
  readonly once?: string | undefined
}

/**
 * How a streamed reply is sent, and how it goes wrong. It reshapes only `text/event-stream` replies; others are sent
 * as they are. "Events" count the events before the last one (for chat, the chunk events, the role chunk first); the
 * last one (`[DONE]` for chat) is the terminal event.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamFault {
  /** Send a chat completion stream of this many content chunks (`tok0`, ` tok1`, ...) instead of the reply. */
  readonly chunks?: number | undefined
  /** Re-cut the body into socket writes of this many bytes (default: one write per event). */
  readonly bytesPerWrite?: number | undefined
  /** Pause between writes. */
  readonly interval?: Duration.DurationInput | undefined
  /** Pause this long after this many events (e.g. to stall past the client's idle timeout). */
  readonly stallAfter?: { readonly events: number; readonly duration: Duration.DurationInput } | undefined
  /** Send an `event: error` (OpenAI's error shape) after this many events, then end. */
  readonly errorAfter?: number | undefined
  /** Destroy the connection after this many events. */
  readonly dropAfter?: number | undefined
  /** End the body cleanly after this many events, without `[DONE]`. */
  readonly truncateAfter?: number | undefined
  /** Keep the body open this long after the terminal event (`[DONE]`) before ending it. */
  readonly holdAfterDone?: Duration.DurationInput | undefined
}

/**
 * How a served request ended, as the server saw it.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "pending" | "completed" | "dropped" | "aborted-by-client"

/**
 * A request as the server received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServedRequest {
  readonly method: string
  /** Path below `/v1`, e.g. `/chat/completions`. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /**
   * Headers as received (lower-case names); credential headers (`authorization`, API keys, cookies, `openai-*`) read
   * as sent but print (JSON, inspect) redacted.
   */
  readonly headers: Readonly<Record<string, string>>
  /** The body parsed as JSON; `undefined` when there was none or it was not JSON (a multipart upload...). */
  readonly body: unknown
  /** The fault applied, if any. */
  readonly fault: Fault | undefined
  readonly outcome: Outcome
  /** When the request arrived (milliseconds since the epoch). */
  readonly receivedAt: number
  /** The status of the reply, once it was made (`undefined` while pending or when the connection was dropped). */
  readonly status: number | undefined
}

/**
 * Options of the server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The key clients must send as `Authorization: Bearer`. Default `mock-api-key` (an explicit `undefined` too: turn
   * the check off with `checkApiKey: false`).
   */
  readonly apiKey?: string | undefined
  /** Check the API key (default `true`); `false` accepts any key, or none. */
  readonly checkApiKey?: boolean | undefined
  /** Default 0: an ephemeral port. */
  readonly port?: number | undefined
  /** Keep every request for `requests` (default `true`); turn off for long runs whose memory is measured. */
  readonly recordRequests?: boolean | undefined
  /**
   * Extra routes, declared with the platform's `HttpRouter` under `/v1`, for operations the built-in ones (chat
   * completions, embeddings, models) do not have: uploads, downloads, empty replies, paginated lists...
   *
   * ```ts
   * const routes = HttpRouter.empty.pipe(
   *   HttpRouter.post("/v1/uploads", Effect.succeed(HttpServerResponse.unsafeJson({ id: "upload_1" })))
   * )
   * const server = yield* MockServer.make({ routes })
   * ```
   *
   * They are served like the built-in ones: the API key is checked first, faults (queued or from the `x-mock-fault`
   * header) apply, each request is recorded in `requests` with its outcome, and a path no route has gets OpenAI's
   * 404. A route with the method and path of a built-in one replaces it. Handlers read the body as usual
   * (`request.json`, `request.arrayBuffer`, `request.multipart`, `HttpServerRequest.schemaBodyForm`...) and may use
   * `FileSystem` and `Path` (multipart bodies need them); a handler that fails answers 500 with an OpenAI error body.
   * Replies carry only the headers the handler sets (no `x-request-id` or rate limits unless it adds them).
   *
   * A fault's `status`, `error`, `headers`, `body`, `delay` and `drop` apply to any reply; its `stream` part reshapes
   * only a `text/event-stream` reply, cutting the body into events at its blank lines.
   */
  readonly routes?: HttpRouter.HttpRouter<unknown, FileSystem.FileSystem | Path.Path> | undefined
  /**
   * Enforce a rate limit as OpenAI does: per model (the body's `model`), a bucket of `requestsPerMinute` refilled
   * continuously. A request beyond it is answered 429 (`rate_limit_exceeded`, with `retry-after-ms` and
   * `retry-after`) and costs nothing; the replies within it carry the bucket's real `x-ratelimit-*-requests`
   * headers. Checked after the API key, before faults and routes.
   */
  readonly budget?: { readonly requestsPerMinute: number } | undefined
  /**
   * The model that answers chat completions and responses (plain and streamed): text, or calls to the request's
   * function tools, so a tool-calling loop runs against the server (see `MockModel`). Without one, the default mock
   * replies.
   *
   * @since 0.2.0
   */
  readonly model?: MockModel.MockModel | undefined
}

/**
 * A running server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The API base URL, e.g. `http://127.0.0.1:41234/v1`. */
  readonly url: string
  readonly port: number
  /**
   * A key the server accepts, for the client to send: the one it checks (with `checkApiKey: false` it accepts any,
   * this one included).
   */
  readonly apiKey: string
  /** Queues faults: each following request (matching the fault's `path`) takes the next one. */
  readonly fault: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  /** The queued faults no request has taken yet, oldest first (header faults are never queued). */
  readonly queuedFaults: Effect.Effect<ReadonlyArray<Fault>>
  /** Drops every queued fault, e.g. one whose `path` no request matched. */
  readonly clearFaults: Effect.Effect<void>
  /** Every request received so far, oldest first, with its outcome. */
  readonly requests: Effect.Effect<ReadonlyArray<ServedRequest>>
  /** TCP connections accepted so far, and how many are open now. */
  readonly connections: Effect.Effect<{ readonly accepted: number; readonly open: number }>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MockServer extends Context.Tag("@effect-openai/testing/MockServer")<MockServer, Service>() {}

/**
 * The default key a `MockServer` accepts.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultApiKey = "mock-api-key"

/**
 * The request header that carries a per-request {@link Fault} as JSON.
 *
 * @since 0.1.0
 * @category constants
 */
export const faultHeader = "x-mock-fault"

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** A path below `/v1`, whether given with the `/v1` prefix or without. */
const apiPath = (path: string): string => path === "/v1" || path.startsWith("/v1/") ? path.slice(3) : path

/** The writes of a streamed reply, shaped by the fault. */
const streamWrites = (
  events: ReadonlyArray<string>,
  fault: StreamFault | undefined
): Array<Uint8Array | Duration.Duration | "drop"> => {
  const chunkEvents = events.slice(0, -1)
  const done = events[events.length - 1]!
  let body: Array<string | Duration.Duration | "drop"> = [...chunkEvents]
  const cutAt = (n: number, tail: Array<string | "drop">) => {
    body = [...chunkEvents.slice(0, n), ...tail]
  }
  if (fault?.errorAfter !== undefined) {
    cutAt(fault.errorAfter, [
      MockApi.sseEvent(
        MockApi.errorBody("The server had an error while processing your request.", "server_error", "stream_failed"),
        "error"
      )
    ])
  } else if (fault?.dropAfter !== undefined) {
    cutAt(fault.dropAfter, ["drop"])
  } else if (fault?.truncateAfter !== undefined) {
    cutAt(fault.truncateAfter, [])
  } else {
    body.push(done)
    if (fault?.holdAfterDone !== undefined) body.push(Duration.decode(fault.holdAfterDone))
  }
  if (fault?.stallAfter !== undefined) {
    body.splice(fault.stallAfter.events, 0, Duration.decode(fault.stallAfter.duration))
  }
  const writes: Array<Uint8Array | Duration.Duration | "drop"> = []
  const size = fault?.bytesPerWrite
  let pending: Array<Uint8Array> = []
  const flush = () => {
    if (pending.length === 0 || size === undefined) return
    const all = concat(pending)
    for (let i = 0; i < all.length; i += size) writes.push(all.subarray(i, i + size))
    pending = []
  }
  for (const item of body) {
    if (typeof item === "string" && item !== "drop") {
      if (size === undefined) writes.push(encoder.encode(item))
      else pending.push(encoder.encode(item))
    } else {
      flush()
      writes.push(item)
    }
  }
  flush()
  return writes
}

/** The events of an event-stream body: each ends at a blank line; a last one without may follow. */
const splitEvents = (text: string): Array<string> => {
  const events: Array<string> = text.match(/[\s\S]*?(?:\r\n\r\n|\n\n|\r\r)/g) ?? []
  const length = events.reduce((sum, event) => sum + event.length, 0)
  if (length < text.length) events.push(text.slice(length))
  return events
}

/** The text of a reply's body, whatever its kind (a stream is read to its end). */
const bodyText = (body: HttpBody.HttpBody): Effect.Effect<string> => {
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed(decoder.decode(body.body))
    case "Stream":
      return Stream.runFold(Stream.decodeText(Stream.orDie(body.stream)), "", (text, part) => text + part)
    case "Raw":
      return Effect.succeed(typeof body.body === "string" ? body.body : "")
    default:
      return Effect.succeed("")
  }
}

/** The chat completion stream of a `chunks` fault. */
const chunkEvents = (request: unknown, chunks: number): Array<string> => [
  ...MockApi.chatChunkEvents({
    id: "chatcmpl-mock-stream",
    model: isRecord(request) && typeof request.model === "string" ? request.model : "gpt-4o-mini",
    created: 1_700_000_000,
    pieces: Array.from({ length: chunks }, (_, i) => i === 0 ? "tok0" : ` tok${i}`)
  }),
  MockApi.sseDone
]

type ServedRecord = { -readonly [K in keyof ServedRequest]: ServedRequest[K] }

/** The body of a streamed reply as the fault sends it: paced, stalled, cut or dropped. */
const faultyStream = (
  events: ReadonlyArray<string>,
  fault: StreamFault,
  record: ServedRecord,
  socket: Net.Socket
): Stream.Stream<Uint8Array> => {
  const interval = fault.interval === undefined ? undefined : Duration.decode(fault.interval)
  return Stream.fromIterable(streamWrites(events, fault)).pipe(
    Stream.mapEffect((write) => {
      if (write === "drop") {
        return Effect.sync(() => {
          record.outcome = "dropped"
          socket.destroy()
        }).pipe(
          Effect.delay(interval ?? Duration.zero),
          Effect.zipRight(Effect.never)
        )
      }
      if (Duration.isDuration(write)) return Effect.as(Effect.sleep(write), Option.none<Uint8Array>())
      return interval === undefined
        ? Effect.succeed(Option.some(write))
        : Effect.as(Effect.sleep(interval), Option.some(write))
    }),
    Stream.filterMap((write) => write)
  )
}

/** A reply as the fault makes it: its headers added, its raw body instead, its event stream reshaped. */
const withFault = (
  response: HttpServerResponse.HttpServerResponse,
  fault: Fault,
  record: ServedRecord,
  socket: Net.Socket
): Effect.Effect<HttpServerResponse.HttpServerResponse> => {
  const reply = fault.headers === undefined ? response : HttpServerResponse.setHeaders(response, fault.headers)
  if (fault.body !== undefined) {
    return Effect.succeed(HttpServerResponse.text(fault.body, {
      status: reply.status,
      headers: reply.headers,
      contentType: fault.contentType ?? "text/html"
    }))
  }
  const stream = fault.stream
  if (stream === undefined || reply.headers["content-type"]?.startsWith("text/event-stream") !== true) {
    return Effect.succeed(reply)
  }
  const events = stream.chunks === undefined
    ? Effect.map(bodyText(reply.body), splitEvents)
    : Effect.succeed(chunkEvents(record.body, stream.chunks))
  return Effect.map(events, (events) =>
    HttpServerResponse.stream(faultyStream(events, stream, record, socket), {
      status: reply.status,
      headers: Headers.remove(reply.headers, "content-length")
    }))
}

/** The reply of a fault with a status: an OpenAI error body. */
const faultReply = (state: MockApi.MockState, status: number, fault: Fault) =>
  HttpServerResponse.unsafeJson(
    MockApi.errorBodyFor(status, fault.error, {
      message: `Injected fault: status ${status}`,
      code: status === 429 ? "rate_limit_exceeded" : null
    }),
    { status, headers: MockApi.replyHeaders(state, 0) }
  )

const modelOf = (body: unknown): string => isRecord(body) && typeof body.model === "string" ? body.model : ""

const budgetHeaders = (budget: MockBudget.MockBudget, admission: { remaining: number; resetMillis: number }) => ({
  "x-ratelimit-limit-requests": String(budget.requestsPerMinute),
  "x-ratelimit-remaining-requests": String(admission.remaining),
  "x-ratelimit-reset-requests": `${admission.resetMillis}ms`
})

/** OpenAI's 429 for a request beyond the budget. */
const budgetReply = (state: MockApi.MockState, retryAfterMillis: number, budget: MockBudget.MockBudget) =>
  HttpServerResponse.unsafeJson(
    MockApi.errorBody(
      `Rate limit reached for requests: Limit ${budget.requestsPerMinute}, Used ${budget.requestsPerMinute}, ` +
        `Requested 1. Please try again in ${retryAfterMillis}ms.`,
      "requests",
      "rate_limit_exceeded"
    ),
    {
      status: 429,
      headers: {
        ...MockApi.replyHeaders(state, 0),
        ...budgetHeaders(budget, { remaining: 0, resetMillis: retryAfterMillis }),
        "retry-after-ms": String(retryAfterMillis),
        "retry-after": String(Math.ceil(retryAfterMillis / 1000))
      }
    }
  )

/**
 * Starts a server for the life of the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Service, HttpServerError.ServeError, Scope.Scope> =>
  Effect.gen(function*() {
    const apiKey = options?.apiKey ?? defaultApiKey
    const checkApiKey = options?.checkApiKey ?? true
    const state = MockApi.makeState(options?.model)
    const api = MockApi.app(state, options?.routes)
    const perMinute = options?.budget?.requestsPerMinute
    if (perMinute !== undefined && !(perMinute > 0 && Number.isFinite(perMinute))) {
      return yield* Effect.dieMessage(
        `MockServer: budget.requestsPerMinute must be a positive number, got ${perMinute}`
      )
    }
    const budget = perMinute === undefined ? undefined : MockBudget.make(perMinute)
    const faults: Array<Fault> = []
    const spent = new Set<string>()
    const served: Array<ServedRecord> = []
    const nodeServer = Http.createServer({ keepAliveTimeout: 5_000 })
    let accepted = 0
    let open = 0
    nodeServer.on("connection", (socket) => {
      accepted++
      open++
      socket.on("close", () => {
        open--
      })
    })
    const server: HttpServer.HttpServer = yield* NodeHttpServer.make(() => nodeServer, {
      port: options?.port ?? 0,
      host: "127.0.0.1"
    })
    // Runs before the server's own close: end open connections so shutdown never waits on a client.
    yield* Effect.addFinalizer(() => Effect.sync(() => nodeServer.closeAllConnections()))

    const takeFault = (path: string, header: string | undefined): Fault | undefined => {
      if (header !== undefined) {
        const parsed = MockApi.parseJson(header)
        if (typeof parsed === "object" && parsed !== null) {
          const fault = parsed as Fault
          if (fault.once === undefined) return fault
          if (spent.has(fault.once)) return undefined
          spent.add(fault.once)
          return fault
        }
      }
      const index = faults.findIndex((fault) => fault.path === undefined || apiPath(fault.path) === path)
      return index < 0 ? undefined : faults.splice(index, 1)[0]
    }

    const app = Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = new URL(request.url, "http://127.0.0.1")
      const path = apiPath(url.pathname)
      const bytes = new Uint8Array(yield* Effect.orElseSucceed(request.arrayBuffer, () => new ArrayBuffer(0)))
      const text = decoder.decode(bytes)
      const fault = takeFault(path, request.headers[faultHeader])
      const record: ServedRecord = {
        method: request.method,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: recordHeaders(request.headers),
        body: MockApi.parseJson(text),
        fault,
        outcome: "pending",
        receivedAt: Date.now(),
        status: undefined
      }
      if (options?.recordRequests !== false) served.push(record)
      const nodeResponse = NodeHttpServerRequest.toServerResponse(request)
      nodeResponse.on("close", () => {
        if (record.outcome === "pending") {
          record.outcome = nodeResponse.writableFinished
            ? "completed"
            : "aborted-by-client"
        }
      })
      const socket = NodeHttpServerRequest.toIncomingMessage(request).socket
      if (fault?.delay !== undefined) yield* Effect.sleep(Duration.decode(fault.delay))
      if (fault?.drop === true) {
        record.outcome = "dropped"
        socket.destroy()
        return yield* Effect.interrupt
      }
      const authorization = request.headers["authorization"]
      const presented = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined
      const admission = budget === undefined || (checkApiKey && presented !== apiKey)
        ? undefined
        : budget.admit(modelOf(record.body), Date.now())
      const reply = checkApiKey && presented !== apiKey
        ? MockApi.unauthorized(state, presented)
        : admission?._tag === "Refused"
        ? budgetReply(state, admission.retryAfterMillis, budget!)
        : fault?.status !== undefined
        ? faultReply(state, fault.status, fault)
        : yield* Effect.provideService(
          api,
          HttpServerRequest.HttpServerRequest,
          new BufferedRequest(request, bytes, text)
        )
      const limited = admission?._tag === "Allowed"
        ? HttpServerResponse.setHeaders(reply, budgetHeaders(budget!, admission))
        : reply
      const response = fault === undefined ? limited : yield* withFault(limited, fault, record, socket)
      record.status = response.status
      // a streamed body ends when the socket says so (see "close" above)
      if (response.body._tag !== "Stream" && record.outcome === "pending") record.outcome = "completed"
      return response
    })

    // Multipart bodies of the routes a test adds are kept in temporary files.
    const services = yield* Layer.build(Layer.merge(NodeFileSystem.layer, NodePath.layer))
    // The platform runs handlers uninterruptibly; made interruptible, a handler stops when its client goes away
    // (a delay or a stall is cut short) instead of waiting to write to a closed socket.
    yield* server.serve(Effect.interruptible(app)).pipe(Effect.provide(services))
    const address = server.address
    const port = address._tag === "TcpAddress" ? address.port : 0
    return MockServer.of({
      url: `http://127.0.0.1:${port}/v1`,
      port,
      apiKey,
      fault: (...added) =>
        Effect.sync(() => {
          faults.push(...added)
        }),
      queuedFaults: Effect.sync(() => faults.slice()),
      clearFaults: Effect.sync(() => {
        faults.length = 0
      }),
      requests: Effect.sync(() => served.map((record) => ({ ...record }))),
      connections: Effect.sync(() => ({ accepted, open }))
    })
  })

/**
 * A layer running a server for its lifetime.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options?: Options): Layer.Layer<MockServer, HttpServerError.ServeError> =>
  Layer.scoped(MockServer, make(options))
