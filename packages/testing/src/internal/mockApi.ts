/**
 * The deterministic OpenAI-compatible behaviour shared by `MockServer` (over sockets) and `OpenAiTest`
 * (in memory): routes, reply bodies, realistic headers and OpenAI-shaped errors.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { isRecord, isTagged } from "effect/Predicate"
import * as Stream from "effect/Stream"
import type { Store } from "./mockResources.js"
import { makeStore, resourceRoutes } from "./mockResources.js"

/** Parses JSON text leniently: `undefined` when there is none or it is not JSON. @internal */
export const parseJson = (text: string | undefined): unknown => {
  if (text === undefined || text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** @internal */
export interface MockState {
  requests: number
  readonly requestLimit: number
  readonly tokenLimit: number
  remainingRequests: number
  remainingTokens: number
  /** The last embeddings reply, reused for an identical request (benchmarks send the same big one repeatedly). */
  embeddings: { readonly key: string; readonly json: string } | undefined
  /** Files, uploads, batches and responses created so far. */
  readonly store: Store
}

/** @internal */
export const makeState = (): MockState => ({
  requests: 0,
  requestLimit: 10_000,
  tokenLimit: 30_000_000,
  remainingRequests: 10_000,
  remainingTokens: 30_000_000,
  embeddings: undefined,
  store: makeStore()
})

/** @internal */
export const models: ReadonlyArray<{ readonly id: string; readonly created: number; readonly owned_by: string }> = [
  { id: "gpt-4o-mini", created: 1721172741, owned_by: "system" },
  { id: "gpt-4o", created: 1715367049, owned_by: "system" },
  { id: "gpt-4.1", created: 1744316542, owned_by: "system" },
  { id: "gpt-4.1-mini", created: 1744318173, owned_by: "system" },
  { id: "text-embedding-3-small", created: 1705948997, owned_by: "system" }
]

/** @internal */
export const errorBody = (
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null
) => ({ error: { message, type, param, code } })

/** The error `type` OpenAI uses for a status. */
const errorTypeFor = (status: number): string =>
  status === 429 ? "requests" : status >= 500 ? "server_error" : "invalid_request_error"

/**
 * The OpenAI error body of an error reply with this status: the fields given, defaults for the others (the type
 * from the status).
 *
 * @internal
 */
export const errorBodyFor = (
  status: number,
  error: {
    readonly message?: string | undefined
    readonly type?: string | undefined
    readonly code?: string | null | undefined
    readonly param?: string | null | undefined
  } | undefined,
  defaults: { readonly message: string; readonly code?: string | null | undefined }
) =>
  errorBody(
    error?.message ?? defaults.message,
    error?.type ?? errorTypeFor(status),
    error?.code ?? defaults.code ?? null,
    error?.param ?? null
  )

/** @internal */
export const nextRequestId = (state: MockState): string => {
  state.requests += 1
  return `req_mock${state.requests.toString(16).padStart(24, "0")}`
}

/** The headers OpenAI sends with every reply, with decreasing rate-limit counters. @internal */
export const replyHeaders = (state: MockState, tokens: number): Record<string, string> => {
  state.remainingRequests = Math.max(0, state.remainingRequests - 1)
  state.remainingTokens = Math.max(0, state.remainingTokens - tokens)
  return {
    "content-type": "application/json",
    "x-request-id": nextRequestId(state),
    "openai-processing-ms": String(100 + (state.requests % 7) * 13),
    "openai-version": "2020-10-01",
    "openai-organization": "mock-org",
    "x-ratelimit-limit-requests": String(state.requestLimit),
    "x-ratelimit-limit-tokens": String(state.tokenLimit),
    "x-ratelimit-remaining-requests": String(state.remainingRequests),
    "x-ratelimit-remaining-tokens": String(state.remainingTokens),
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "1m2.5s"
  }
}

/** The 401 OpenAI returns for a wrong key; shows only the key's ends, as OpenAI does. @internal */
export const unauthorized = (
  state: MockState,
  presented: string | undefined
): HttpServerResponse.HttpServerResponse => {
  const masked = presented === undefined || presented === ""
    ? undefined
    : presented.length <= 8
    ? "*".repeat(presented.length)
    : `${presented.slice(0, 3)}${"*".repeat(Math.min(presented.length - 7, 20))}${presented.slice(-4)}`
  const message = masked === undefined
    ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
    : `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`
  return HttpServerResponse.unsafeJson(
    errorBody(message, "invalid_request_error", masked === undefined ? null : "invalid_api_key"),
    { status: 401, headers: { ...replyHeaders(state, 0), "www-authenticate": "Bearer realm=\"OpenAI API\"" } }
  )
}

const textOf = (content: unknown): string => {
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content.map((part) => isRecord(part) && typeof part.text === "string" ? part.text : "").join("")
  }
  return ""
}

/** A rough token count, stable for the same text. @internal */
export const countTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4))

/** The reply text of the mock model for a conversation. @internal */
export const replyText = (messages: ReadonlyArray<unknown>): string => {
  const last = [...messages].reverse().find((message) => isRecord(message) && message.role === "user")
  const prompt = isRecord(last) ? textOf(last.content).trim() : ""
  return prompt === "" ? "Hello from the mock model." : `This is a mock reply to: ${prompt}`
}

const notFoundModel = (state: MockState, model: string) =>
  HttpServerResponse.unsafeJson(
    errorBody(
      `The model \`${model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
      null
    ),
    { status: 404, headers: replyHeaders(state, 0) }
  )

/** OpenAI's 400, with the parameter at fault and a code when there is one. @internal */
export const badRequest = (
  state: MockState,
  message: string,
  param: string | null = null,
  code: string | null = null
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(errorBody(message, "invalid_request_error", code, param), {
    status: 400,
    headers: replyHeaders(state, 0)
  })

const knownModel = (id: string) => models.some((model) => model.id === id)

/** Validated chat completion parameters, or the 400 OpenAI would send. */
const chatParams = (
  state: MockState,
  body: unknown
):
  | { readonly model: string; readonly messages: ReadonlyArray<unknown>; readonly body: Record<string, unknown> }
  | HttpServerResponse.HttpServerResponse =>
{
  if (!isRecord(body)) return badRequest(state, "We could not parse the JSON body of your request.", null, null)
  if (typeof body.model !== "string") {
    return badRequest(state, "you must provide a model parameter", null, null)
  }
  if (!Array.isArray(body.messages)) {
    return badRequest(state, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
  }
  if (!knownModel(body.model)) return notFoundModel(state, body.model)
  return { model: body.model, messages: body.messages, body }
}

/** Token counts as OpenAI reports them, with zero details. @internal */
export const completionUsage = (promptTokens: number, completionTokens: number) => ({
  prompt_tokens: promptTokens,
  completion_tokens: completionTokens,
  total_tokens: promptTokens + completionTokens,
  prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
  completion_tokens_details: {
    reasoning_tokens: 0,
    audio_tokens: 0,
    accepted_prediction_tokens: 0,
    rejected_prediction_tokens: 0
  }
})

/**
 * The body of a chat completion with one choice: the assistant `message` fields given (content, tool calls...) and
 * `usage` (left out when `undefined`).
 *
 * @internal
 */
export const chatCompletionBody = <Message extends object, Usage>(options: {
  readonly id: string
  readonly model: string
  readonly created: number
  readonly message: Message
  readonly finishReason: string
  readonly usage: Usage
}) => ({
  id: options.id,
  object: "chat.completion" as const,
  created: options.created,
  model: options.model,
  choices: [{
    index: 0,
    message: { role: "assistant" as const, ...options.message },
    logprobs: null,
    finish_reason: options.finishReason
  }],
  usage: options.usage,
  service_tier: "default",
  system_fingerprint: "fp_mock"
})

/** A complete chat completion for a conversation. @internal */
export const chatCompletion = (state: MockState, model: string, messages: ReadonlyArray<unknown>) => {
  const content = replyText(messages)
  const promptTokens = messages.reduce<number>(
    (sum, message) => sum + (isRecord(message) ? countTokens(textOf(message.content)) + 4 : 0),
    3
  )
  return chatCompletionBody({
    id: `chatcmpl-mock${state.requests + 1}`,
    model,
    created: 1_700_000_000 + state.requests,
    message: { content, refusal: null, annotations: [] },
    finishReason: "stop",
    usage: completionUsage(promptTokens, countTokens(content))
  })
}

/** Serializes one server-sent event. @internal */
export const sseEvent = (data: unknown, event?: string): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`

/** The terminal event of a chat completion stream. @internal */
export const sseDone = "data: [DONE]\n\n"

/** Splits a reply into token-like pieces (words with their leading space). @internal */
export const pieces = (text: string): Array<string> => text.match(/\s*\S+/g) ?? []

/** The chunk events of a streamed chat completion, `[DONE]` excluded. @internal */
export const chatChunkEvents = (
  options: {
    readonly id: string
    readonly model: string
    readonly created: number
    readonly pieces: ReadonlyArray<string>
    readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | undefined
  }
): Array<string> => {
  const base = {
    id: options.id,
    object: "chat.completion.chunk",
    created: options.created,
    model: options.model,
    service_tier: "default",
    system_fingerprint: "fp_mock"
  }
  const events = [
    sseEvent({
      ...base,
      choices: [{
        index: 0,
        delta: { role: "assistant", content: "", refusal: null },
        logprobs: null,
        finish_reason: null
      }]
    })
  ]
  for (const piece of options.pieces) {
    events.push(sseEvent({
      ...base,
      choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]
    }))
  }
  events.push(sseEvent({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }] }))
  if (options.usage !== undefined) {
    events.push(sseEvent({
      ...base,
      choices: [],
      usage: {
        ...options.usage,
        total_tokens: options.usage.prompt_tokens + options.usage.completion_tokens
      }
    }))
  }
  return events
}

/** A deterministic pseudo-random vector for a text: the same text always gets the same vector. @internal */
export const embeddingVector = (text: string, dimensions: number): Array<number> => {
  let seed = 2166136261
  for (let i = 0; i < text.length; i++) seed = Math.imul(seed ^ text.charCodeAt(i), 16777619)
  const vector = new Array<number>(dimensions)
  for (let i = 0; i < dimensions; i++) {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    // values like OpenAI's: small, about 10 significant digits
    vector[i] = Number(((((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 0.2).toFixed(10))
  }
  return vector
}

/** Little-endian float32 values as base64, as OpenAI sends `encoding_format: "base64"` vectors. @internal */
export const base64OfFloats = (values: ReadonlyArray<number>): string => {
  const vector = Float32Array.from(values)
  const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength)
  let binary = ""
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  }
  return btoa(binary)
}

/** The body of an embeddings response: one embedding per vector, as floats or base64. @internal */
export const embeddingsBody = (options: {
  readonly model: string
  readonly vectors: ReadonlyArray<ReadonlyArray<number>>
  readonly base64: boolean
  readonly tokens: number
}) => ({
  object: "list" as const,
  data: options.vectors.map((vector, index) => ({
    object: "embedding" as const,
    index,
    embedding: options.base64 ? base64OfFloats(vector) : vector
  })),
  model: options.model,
  usage: { prompt_tokens: options.tokens, total_tokens: options.tokens }
})

const embeddings = (state: MockState, body: unknown): HttpServerResponse.HttpServerResponse => {
  if (!isRecord(body) || typeof body.model !== "string") {
    return badRequest(state, "you must provide a model parameter", null, null)
  }
  const input = body.input
  const texts = typeof input === "string"
    ? [input]
    : Array.isArray(input) && input.every((item) => typeof item === "string")
    ? input as Array<string>
    : Array.isArray(input) && input.length > 0
    ? (typeof input[0] === "number" ? [JSON.stringify(input)] : input.map((item) => JSON.stringify(item)))
    : undefined
  if (texts === undefined || texts.length === 0) {
    return badRequest(state, "'input' is a required property", "input", null)
  }
  if (!body.model.startsWith("text-embedding")) return notFoundModel(state, body.model)
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : body.model.endsWith("large") ? 3072 : 1536
  const base64 = body.encoding_format === "base64"
  const key = JSON.stringify([body.model, texts, dimensions, base64])
  const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0)
  if (state.embeddings?.key !== key) {
    state.embeddings = {
      key,
      json: JSON.stringify(embeddingsBody({
        model: body.model,
        vectors: texts.map((text) => embeddingVector(text, dimensions)),
        base64,
        tokens
      }))
    }
  }
  return HttpServerResponse.text(state.embeddings.json, {
    headers: replyHeaders(state, tokens),
    contentType: "application/json"
  })
}

const encoder = new TextEncoder()

const chatCompletions = (state: MockState, body: unknown): HttpServerResponse.HttpServerResponse => {
  const params = chatParams(state, body)
  if (HttpServerResponse.isServerResponse(params)) return params
  const completion = chatCompletion(state, params.model, params.messages)
  if (params.body.stream !== true) {
    return HttpServerResponse.unsafeJson(completion, { headers: replyHeaders(state, completion.usage.total_tokens) })
  }
  const streamOptions = params.body.stream_options
  const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true
  const events = chatChunkEvents({
    id: completion.id,
    model: completion.model,
    created: completion.created,
    pieces: pieces(completion.choices[0]!.message.content),
    usage: includeUsage ? completion.usage : undefined
  })
  events.push(sseDone)
  // a chunk per event, as OpenAI streams them
  return HttpServerResponse.stream(Stream.map(Stream.fromIterable(events), (event) => encoder.encode(event)), {
    headers: {
      ...replyHeaders(state, completion.usage.total_tokens),
      "content-type": "text/event-stream; charset=utf-8"
    }
  })
}

const listModels = (state: MockState) =>
  HttpServerResponse.unsafeJson(
    { object: "list", data: models.map((model) => ({ ...model, object: "model" })) },
    { headers: replyHeaders(state, 0) }
  )

const retrieveModel = (state: MockState, id: string) => {
  const model = models.find((candidate) => candidate.id === id)
  return model === undefined
    ? notFoundModel(state, id)
    : HttpServerResponse.unsafeJson({ ...model, object: "model" }, { headers: replyHeaders(state, 0) })
}

/** The request body as JSON; `undefined` when it is empty or not JSON (the route answers 400 as OpenAI does). */
/** @internal */
export const requestJson = Effect.flatMap(
  HttpServerRequest.HttpServerRequest,
  (request) => Effect.orElseSucceed(Effect.map(request.text, parseJson), () => undefined)
)

/** The built-in routes: the operations the mock API answers, under `/v1`. */
const builtIn = (state: MockState): HttpRouter.HttpRouter =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/v1/chat/completions", Effect.map(requestJson, (body) => chatCompletions(state, body))),
    HttpRouter.post("/v1/embeddings", Effect.map(requestJson, (body) => embeddings(state, body))),
    HttpRouter.get("/v1/models", Effect.sync(() => listModels(state))),
    HttpRouter.get(
      "/v1/models/:model",
      Effect.map(HttpRouter.params, (params) => retrieveModel(state, params.model ?? ""))
    ),
    HttpRouter.concat(resourceRoutes(state, state.store))
  )

/** The 404 OpenAI sends for an unknown route. */
const invalidUrl = (state: MockState, request: HttpServerRequest.HttpServerRequest) => {
  const query = request.url.indexOf("?")
  const path = query < 0 ? request.url : request.url.slice(0, query)
  return HttpServerResponse.unsafeJson(errorBody(`Invalid URL (${request.method} ${path})`, "invalid_request_error"), {
    status: 404,
    headers: replyHeaders(state, 0)
  })
}

/** A 500 for a route that failed or died, so the test sees why in the body. */
const routeFailed = (state: MockState, cause: Cause.Cause<unknown>) =>
  HttpServerResponse.unsafeJson(errorBody(`The mock route failed: ${Cause.pretty(cause)}`, "server_error"), {
    status: 500,
    headers: replyHeaders(state, 0)
  })

/** A route's path with its parameters unnamed: `/v1/files/:file_id` and `/v1/files/:id` are the same route. */
const routeShape = (path: string) => path.replace(/:[^/]+/g, ":")

/**
 * The mock API as an app: the built-in routes, then `routes` (a route of `routes` replaces the built-in one with the
 * same method and path), OpenAI's 404 for any other route, and a 500 with an OpenAI error body for a route that
 * fails. Paths match exactly (case and trailing slash count), as OpenAI's do.
 *
 * @internal
 */
export const app = <E = never, R = never>(
  state: MockState,
  routes?: HttpRouter.HttpRouter<E, R> | undefined
): HttpApp.Default<never, Exclude<R, HttpRouter.RouteContext>> => {
  const builtInRoutes = builtIn(state)
  // the test's routes first: a route of theirs wins over a built-in one that matches the same request
  const router = routes === undefined ? builtInRoutes : HttpRouter.concat(
    routes,
    HttpRouter.fromIterable(
      Chunk.filter(
        builtInRoutes.routes,
        (route) =>
          !Chunk.some(
            routes.routes,
            (added) => added.method === route.method && routeShape(added.path) === routeShape(route.path)
          )
      )
    )
  )
  return router.pipe(
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
      const failure = Cause.failureOption(cause)
      return failure._tag === "Some" && isTagged(failure.value, "RouteNotFound")
        ? Effect.map(HttpServerRequest.HttpServerRequest, (request) => invalidUrl(state, request))
        : Effect.succeed(routeFailed(state, cause))
    }),
    HttpRouter.withRouterConfig({ caseSensitive: true, ignoreTrailingSlash: false })
  )
}
