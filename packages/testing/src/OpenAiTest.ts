/**
 * An in-memory OpenAI: the real `OpenAiClient` pipeline (headers, retries, timeouts, error mapping, decoding)
 * over an `HttpClient` that answers from a script instead of a socket, and records every request it was sent.
 *
 * @since 0.1.0
 */
import * as OpenAiClient from "@effect-openai/core/OpenAiClient"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { concat, toArrayBuffer } from "./internal/bytes.js"
import * as MockApi from "./internal/mockApi.js"
import { recordHeaders } from "./internal/recordedHeaders.js"
import type * as MockModel from "./MockModel.js"

/**
 * A scripted reply.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | {
    readonly _tag: "Body"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** Text (sent as UTF-8) or bytes, sent as they are; `undefined` for no body at all. */
    readonly body: string | Uint8Array | undefined
    /** Add OpenAI's usual headers (`x-request-id`, `openai-processing-ms`, rate limits) under `headers`. */
    readonly apiHeaders: boolean
  }
  | {
    readonly _tag: "Stream"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    readonly parts: ReadonlyArray<StreamPart>
    readonly apiHeaders: boolean
  }
  | { readonly _tag: "TransportFailure"; readonly message: string }
  | { readonly _tag: "Delay"; readonly delay: Duration.Duration; readonly reply: Reply }
  | { readonly _tag: "Mock" }

/**
 * A piece of a streamed body: bytes (a string is UTF-8 encoded and delivered as one chunk), a pause on the Effect
 * clock, or a transport failure (the connection breaks there).
 *
 * @since 0.1.0
 * @category models
 */
export type StreamPart =
  | string
  | Uint8Array
  | { readonly _tag: "Pause"; readonly delay: Duration.Duration }
  | { readonly _tag: "Cut"; readonly message: string }

/**
 * Options of a reply.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplyOptions {
  readonly status?: number | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Add OpenAI's usual headers (`x-request-id`, rate limits, ...) under `headers`. Default true. */
  readonly apiHeaders?: boolean | undefined
}

/** A reply with a body (or none) and its content type (or none), the options' status and headers over them. */
const bodyReply = (
  body: string | Uint8Array | undefined,
  contentType: string | undefined,
  options: ReplyOptions | undefined
): Reply => ({
  _tag: "Body",
  status: options?.status ?? 200,
  headers: contentType === undefined ? { ...options?.headers } : { "content-type": contentType, ...options?.headers },
  body,
  apiHeaders: options?.apiHeaders ?? true
})

/**
 * A JSON body (default status 200) with the headers OpenAI sends (`x-request-id`, rate limits, ...) unless
 * overridden.
 *
 * @since 0.1.0
 * @category replies
 */
export const json = (body: unknown, options?: ReplyOptions): Reply =>
  bodyReply(JSON.stringify(body), "application/json", options)

/**
 * A raw text body, e.g. an HTML page from a proxy or truncated JSON.
 *
 * @since 0.1.0
 * @category replies
 */
export const text = (body: string, options?: ReplyOptions & { readonly contentType?: string }): Reply =>
  bodyReply(body, options?.contentType ?? "text/plain", options)

/**
 * A binary body, delivered byte for byte (default content type `application/octet-stream`).
 *
 * @since 0.1.0
 * @category replies
 */
export const bytes = (body: Uint8Array, options?: ReplyOptions & { readonly contentType?: string }): Reply =>
  bodyReply(body, options?.contentType ?? "application/octet-stream", options)

/**
 * A reply without a body (default status 200), as several API operations answer (e.g. deleting a container).
 *
 * @since 0.1.0
 * @category replies
 */
export const empty = (options?: ReplyOptions): Reply => bodyReply(undefined, undefined, options)

/**
 * An OpenAI error reply: `{"error": {message, type, code, param}}` with the given status.
 *
 * @since 0.1.0
 * @category replies
 */
export const error = (
  status: number,
  error: {
    readonly message?: string
    readonly type?: string
    readonly code?: string | null
    readonly param?: string | null
  } = {},
  headers?: Readonly<Record<string, string>>
): Reply => json(MockApi.errorBodyFor(status, error, { message: `Mock error ${status}` }), { status, headers })

/**
 * A streamed body, chunk by chunk exactly as given (default content type `text/event-stream`). Use
 * {@link sseEvent}, {@link sseDone}, {@link pause} and {@link cut} to build the parts.
 *
 * @since 0.1.0
 * @category replies
 */
export const stream = (
  parts: ReadonlyArray<StreamPart>,
  options?: ReplyOptions & { readonly contentType?: string }
): Reply => ({
  _tag: "Stream",
  status: options?.status ?? 200,
  headers: { "content-type": options?.contentType ?? "text/event-stream; charset=utf-8", ...options?.headers },
  parts,
  apiHeaders: options?.apiHeaders ?? true
})

/**
 * One server-sent event: `data` (JSON-encoded unless a string) with an optional `event` name.
 *
 * @since 0.1.0
 * @category replies
 */
export const sseEvent: (data: unknown, event?: string) => string = MockApi.sseEvent

/**
 * The `data: [DONE]` event that ends a chat completion stream.
 *
 * @since 0.1.0
 * @category replies
 */
export const sseDone: string = MockApi.sseDone

/**
 * A pause in a streamed body, on the Effect clock (so `TestClock` drives it).
 *
 * @since 0.1.0
 * @category replies
 */
export const pause = (duration: Duration.DurationInput): StreamPart => ({
  _tag: "Pause",
  delay: Duration.decode(duration)
})

/**
 * A transport failure in the middle of a streamed body.
 *
 * @since 0.1.0
 * @category replies
 */
export const cut = (message = "other side closed"): StreamPart => ({ _tag: "Cut", message })

/**
 * A complete chat completion stream whose first choice says `pieces` in order: a role chunk, one chunk per piece,
 * a `finish_reason: "stop"` chunk, a usage chunk when `includeUsage`, then `[DONE]`. Returns the parts, to
 * pass to {@link stream} as they are or edited.
 *
 * @since 0.1.0
 * @category replies
 */
export const chatStreamParts = (
  pieces: ReadonlyArray<string>,
  options?: { readonly model?: string; readonly id?: string; readonly includeUsage?: boolean }
): Array<string> => [
  ...MockApi.chatChunkEvents({
    id: options?.id ?? "chatcmpl-test",
    model: options?.model ?? "gpt-4o-mini",
    created: 1_700_000_000,
    pieces,
    usage: options?.includeUsage === true
      ? { prompt_tokens: 10, completion_tokens: pieces.length }
      : undefined
  }),
  MockApi.sseDone
]

/**
 * Options of {@link chatCompletion} and {@link chatToolCalls}: the completion's fields (defaults: id
 * `chatcmpl-test`, model `gpt-4o-mini`, created `1700000000`, 10 prompt tokens and a rough count of the reply's) and
 * the reply's status and headers.
 *
 * @since 0.1.0
 * @category models
 */
export interface CompletionOptions extends ReplyOptions {
  readonly id?: string | undefined
  readonly model?: string | undefined
  /** Seconds since the epoch. */
  readonly created?: number | undefined
  /** Default `stop` for {@link chatCompletion}, `tool_calls` for {@link chatToolCalls}. */
  readonly finishReason?: string | undefined
  /** Token counts (`total_tokens` is their sum); `null` leaves `usage` out. */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | null | undefined
}

/**
 * A function call the model asks for in {@link chatToolCalls}: `arguments` is JSON-encoded unless it is a string,
 * which is sent as it is (so malformed arguments can be tested too). The id defaults to `call_test<index>`.
 *
 * @since 0.1.0
 * @category models
 */
export interface ToolCallReply {
  readonly name: string
  readonly arguments: unknown
  readonly id?: string | undefined
}

const completionReply = (
  message: object,
  replyTokens: number,
  finishReason: string,
  options: CompletionOptions | undefined
): Reply => {
  const usage = options?.usage === undefined
    ? MockApi.completionUsage(10, replyTokens)
    : options.usage === null
    ? undefined
    : MockApi.completionUsage(options.usage.prompt_tokens, options.usage.completion_tokens)
  return json(
    MockApi.chatCompletionBody({
      id: options?.id ?? "chatcmpl-test",
      model: options?.model ?? "gpt-4o-mini",
      created: options?.created ?? 1_700_000_000,
      message,
      finishReason: options?.finishReason ?? finishReason,
      usage
    }),
    options
  )
}

/**
 * A chat completion (`POST /chat/completions`, not streamed) whose one choice says `content`, shaped as OpenAI sends
 * it (usage, `system_fingerprint`, `refusal: null`...), so it decodes as `Chat.completions.create` expects.
 *
 * @since 0.1.0
 * @category replies
 */
export const chatCompletion = (content: string, options?: CompletionOptions): Reply =>
  completionReply({ content, refusal: null, annotations: [] }, MockApi.countTokens(content), "stop", options)

/**
 * A chat completion whose one choice calls functions: `content: null`, one `tool_calls` entry per call in order, and
 * `finish_reason: "tool_calls"`.
 *
 * @since 0.1.0
 * @category replies
 */
export const chatToolCalls = (calls: ReadonlyArray<ToolCallReply>, options?: CompletionOptions): Reply => {
  const toolCalls = calls.map((call, index) => ({
    id: call.id ?? `call_test${index}`,
    type: "function",
    function: {
      name: call.name,
      arguments: MockApi.argumentsText(call.arguments)
    }
  }))
  const tokens = toolCalls.reduce((sum, call) => sum + MockApi.countTokens(call.function.arguments), 0)
  return completionReply(
    { content: null, refusal: null, tool_calls: toolCalls, annotations: [] },
    tokens,
    "tool_calls",
    options
  )
}

/**
 * An embeddings response (`POST /embeddings`): one embedding per vector, in order. With `encodingFormat: "base64"`
 * the vectors are sent as OpenAI sends them then (little-endian float32, base64), which `Embeddings.create` decodes
 * back to numbers at float32 precision; by default they are sent as JSON floats. `promptTokens` defaults to one per
 * vector, the model to `text-embedding-3-small`.
 *
 * @since 0.1.0
 * @category replies
 */
export const embeddings = (
  vectors: ReadonlyArray<ReadonlyArray<number>>,
  options?: ReplyOptions & {
    readonly model?: string | undefined
    readonly encodingFormat?: "float" | "base64" | undefined
    readonly promptTokens?: number | undefined
  }
): Reply =>
  json(
    MockApi.embeddingsBody({
      model: options?.model ?? "text-embedding-3-small",
      vectors,
      base64: options?.encodingFormat === "base64",
      tokens: options?.promptTokens ?? vectors.length
    }),
    options
  )

/**
 * A transport failure (connection refused or reset): no response at all.
 *
 * @since 0.1.0
 * @category replies
 */
export const transportFailure = (message = "connect ECONNREFUSED 127.0.0.1:443"): Reply => ({
  _tag: "TransportFailure",
  message
})

/**
 * Answers as the built-in deterministic mock API would: the routes `MockServer` serves built in (chat completions,
 * embeddings, models, responses...), run in memory, with the layer's `model` (see `MockModel`) if it has one.
 *
 * @since 0.1.0
 * @category replies
 */
export const mock: Reply = { _tag: "Mock" }

/**
 * Waits (on the Effect clock, so `TestClock` controls it) before giving the reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const delay = (duration: Duration.DurationInput, reply: Reply = mock): Reply => ({
  _tag: "Delay",
  delay: Duration.decode(duration),
  reply
})

/**
 * A request as the in-memory server received it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  /** The full URL, query included. */
  readonly url: string
  /** The path below the base URL, e.g. `/chat/completions`. */
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  /**
   * Headers as sent (lower-case names); credential headers (`authorization`, API keys, cookies, `openai-*`) read as
   * sent but print (JSON, inspect) redacted.
   */
  readonly headers: Readonly<Record<string, string>>
  /** The body text (UTF-8), `undefined` when there was none. */
  readonly bodyText: string | undefined
  /** The body's bytes as sent (a streamed body read to its end), `undefined` when there was none. */
  readonly bodyBytes: Uint8Array | undefined
  /** The body parsed as JSON, `undefined` when there was none or it was not JSON. */
  readonly body: unknown
  /** A `multipart/form-data` body's fields and files, parsed as a server would; `undefined` for other bodies. */
  readonly form: FormData | undefined
  /** Aborted by the client (interruption or timeout). */
  readonly signal: AbortSignal
}

/**
 * The test service: add replies, read what was sent.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Queues replies; each request takes the next one. With the queue empty, requests get the mock API. */
  readonly reply: (...replies: ReadonlyArray<Reply>) => Effect.Effect<void>
  /** Every request received so far, oldest first. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class OpenAiTest extends Context.Tag("@effect-openai/testing/OpenAiTest")<OpenAiTest, Service>() {}

/**
 * Queues replies on the `OpenAiTest` in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const reply = (...replies: ReadonlyArray<Reply>): Effect.Effect<void, never, OpenAiTest> =>
  Effect.flatMap(OpenAiTest, (service) => service.reply(...replies))

/**
 * The requests the `OpenAiTest` in context received.
 *
 * @since 0.1.0
 * @category accessors
 */
export const requests: Effect.Effect<ReadonlyArray<RecordedRequest>, never, OpenAiTest> = Effect.flatMap(
  OpenAiTest,
  (service) => service.requests
)

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** A response whose body is a scripted stream, with pauses on the Effect clock. */
class ScriptedStreamResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly cookies = Cookies.empty
  readonly remoteAddress = Option.none()

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    readonly headers: Headers.Headers,
    readonly parts: ReadonlyArray<StreamPart>
  ) {
    super()
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromIterable(this.parts).pipe(
      Stream.mapEffect((part): Effect.Effect<Option.Option<Uint8Array>, HttpClientError.ResponseError> => {
        if (typeof part === "string") return Effect.succeed(Option.some(encoder.encode(part)))
        if (part instanceof Uint8Array) return Effect.succeed(Option.some(part))
        if (part._tag === "Pause") return Effect.as(Effect.sleep(part.delay), Option.none())
        return Effect.fail(
          new HttpClientError.ResponseError({
            request: this.request,
            response: this,
            reason: "Decode",
            cause: new Error(part.message)
          })
        )
      }),
      Stream.filterMap((bytes) => bytes)
    )
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // one streaming decoder per read, so UTF-8 split across parts decodes whole
    return Effect.suspend(() => {
      const utf8 = new TextDecoder()
      return Stream.runFold(this.stream, "", (text, bytes) => text + utf8.decode(bytes, { stream: true }))
    })
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => JSON.parse(text) as unknown)
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    // the bytes as scripted, never through text (which would replace invalid UTF-8)
    return Effect.map(
      Stream.runCollect(this.stream),
      (chunks) => toArrayBuffer(concat(Chunk.toReadonlyArray(chunks)))
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.die("OpenAiTest: a streamed reply has no form data")
  }

  toJSON(): unknown {
    return { _id: "OpenAiTest.ScriptedStreamResponse", status: this.status, headers: this.headers }
  }
}

/** The request body's bytes as a transport would send them (a stream body is read to its end). */
const bodyBytes = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Uint8Array | undefined, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return Effect.succeed(
        typeof body.body === "string"
          ? encoder.encode(body.body)
          : body.body instanceof Uint8Array
          ? body.body
          : encoder.encode(String(body.body))
      )
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => concat(Chunk.toReadonlyArray(chunks))),
        Effect.mapError((cause) => new HttpClientError.RequestError({ request, reason: "Encode", cause }))
      )
    case "FormData":
      return Effect.promise(() => new Response(body.formData).arrayBuffer()).pipe(
        Effect.map((buffer) => new Uint8Array(buffer))
      )
    case "Empty":
      return Effect.succeed(undefined)
  }
}

/** The fields and files of a `multipart/form-data` body, parsed as a server would. */
const formOf = (bytes: Uint8Array | undefined, contentType: string | undefined): Effect.Effect<FormData | undefined> =>
  bytes === undefined || contentType === undefined || !contentType.startsWith("multipart/form-data")
    ? Effect.succeed(undefined)
    : Effect.promise(() => new Response(bytes as BodyInit, { headers: { "content-type": contentType } }).formData())

/**
 * An in-memory `HttpClient` answering from the script, plus the `OpenAiTest` service. `apiRoot` is the path
 * prefix stripped to find the API path (`/v1` by default); `model` answers the chat completions and responses the
 * mock API serves (the requests with no scripted reply, or a {@link mock} one). Opt-in: provided to a whole app, it
 * answers every outgoing call of the app as the fake OpenAI would; {@link layer} keeps it to the OpenAI client.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (
  options?: {
    readonly replies?: ReadonlyArray<Reply> | undefined
    readonly apiRoot?: string | undefined
    /** @since 0.2.0 */
    readonly model?: MockModel.MockModel | undefined
  }
): Layer.Layer<HttpClient.HttpClient | OpenAiTest> =>
  Layer.effectContext(Effect.sync(() => {
    const queue: Array<Reply> = [...(options?.replies ?? [])]
    const received: Array<RecordedRequest> = []
    const state = MockApi.makeState(options?.model)
    const mockApi = MockApi.app(state)
    const apiRoot = options?.apiRoot ?? "/v1"

    const answer = (
      request: HttpClientRequest.HttpClientRequest,
      recorded: RecordedRequest,
      reply: Reply
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
      switch (reply._tag) {
        case "Delay":
          return Effect.zipRight(Effect.sleep(reply.delay), answer(request, recorded, reply.reply))
        case "TransportFailure":
          return Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error(reply.message) })
          )
        case "Mock": {
          // the MockServer's built-in routes, run in memory: the API path is served under the mock API's `/v1`
          const url = new URL(recorded.url)
          url.pathname = `/v1${recorded.path}`
          const hasBody = recorded.method !== "GET" && recorded.method !== "HEAD"
          const served = HttpServerRequest.fromWeb(
            new Request(url, { method: recorded.method, body: hasBody ? recorded.bodyText ?? null : null })
          ).modify({ headers: request.headers })
          return Effect.map(
            Effect.provideService(mockApi, HttpServerRequest.HttpServerRequest, served),
            (response) => HttpClientResponse.fromWeb(request, HttpServerResponse.toWeb(response))
          )
        }
        case "Stream": {
          const headers = reply.apiHeaders ? { ...MockApi.replyHeaders(state, 0), ...reply.headers } : reply.headers
          return Effect.succeed(
            new ScriptedStreamResponse(request, reply.status, Headers.fromInput(headers), reply.parts)
          )
        }
        case "Body": {
          const headers = reply.apiHeaders ? { ...MockApi.replyHeaders(state, 0), ...reply.headers } : reply.headers
          // null-body statuses: a web `Response` refuses a body with them
          const noBody = reply.status === 204 || reply.status === 205 || reply.status === 304
          return Effect.succeed(
            HttpClientResponse.fromWeb(
              request,
              new Response(noBody ? null : reply.body as BodyInit | undefined, { status: reply.status, headers })
            )
          )
        }
      }
    }

    const client = HttpClient.make((request, url, signal) =>
      Effect.gen(function*() {
        const bytes = yield* bodyBytes(request)
        const text = bytes === undefined ? undefined : decoder.decode(bytes)
        const path = url.pathname.startsWith(apiRoot) ? url.pathname.slice(apiRoot.length) : url.pathname
        const recorded: RecordedRequest = {
          method: request.method,
          url: url.toString(),
          path,
          query: Object.fromEntries(url.searchParams),
          headers: recordHeaders(request.headers),
          bodyText: text,
          bodyBytes: bytes,
          body: MockApi.parseJson(text),
          form: yield* formOf(bytes, request.headers["content-type"]),
          signal
        }
        received.push(recorded)
        return yield* answer(request, recorded, queue.shift() ?? mock)
      })
    )
    const service: Service = {
      reply: (...replies) =>
        Effect.sync(() => {
          queue.push(...replies)
        }),
      requests: Effect.sync(() => received.slice())
    }
    return Context.make(HttpClient.HttpClient, client).pipe(Context.add(OpenAiTest, service))
  }))

/**
 * The test API key `layer` uses unless given another.
 *
 * @since 0.1.0
 * @category constants
 */
export const apiKey: Redacted.Redacted<string> = Redacted.make("test-api-key")

/**
 * A full `OpenAiClient` over the in-memory `HttpClient`, plus the `OpenAiTest` service. Client options default
 * to the test key, the real base URL (nothing leaves the process) and `dangerouslyAllowBrowser: true` (so it builds
 * under jsdom or happy-dom).
 *
 * The fake `HttpClient` is the OpenAI client's own: it is not in the layer's output, so the rest of the app under
 * test keeps its `HttpClient` (a webhook to another host goes where it always goes, and is not recorded here). To
 * share one fake transport with the app, use {@link layerHttpClient} and build the client over it.
 *
 * `model` scripts the model behind the mock API (text, or calls to the request's function tools; see `MockModel`):
 * it answers the chat completions and responses that get no scripted reply.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options?: {
    readonly replies?: ReadonlyArray<Reply> | undefined
    readonly client?: Partial<OpenAiClient.Options> | undefined
    /** @since 0.2.0 */
    readonly model?: MockModel.MockModel | undefined
  }
): Layer.Layer<OpenAiClient.OpenAiClient | OpenAiTest, ConfigError.ConfigError> => {
  const baseURL = options?.client?.baseURL ?? "https://api.openai.com/v1"
  // the key is a fake one and nothing leaves the process, so component tests under jsdom or happy-dom may build it
  const withFake = OpenAiClient.layer({ apiKey, dangerouslyAllowBrowser: true, ...options?.client }).pipe(
    Layer.provideMerge(
      layerHttpClient({
        replies: options?.replies,
        apiRoot: new URL(baseURL).pathname.replace(/\/+$/, ""),
        model: options?.model
      })
    )
  )
  return Layer.scopedContext(Effect.map(Layer.build(withFake), Context.omit(HttpClient.HttpClient)))
}
