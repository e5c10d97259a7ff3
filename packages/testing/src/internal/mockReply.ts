/**
 * The reply side of the mock API that its routes share: request counting and rate-limit headers, OpenAI-shaped
 * error bodies, and the bodies of chat completions, chunks and embeddings.
 *
 * @internal
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"

/** Parses JSON text leniently: `undefined` when there is none or it is not JSON. @internal */
export const parseJson = (text: string | undefined): unknown => {
  if (text === undefined || text === "") return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The counters every reply reads: requests so far and the rate-limit budget left. @internal */
export interface ReplyState {
  requests: number
  readonly requestLimit: number
  readonly tokenLimit: number
  /** What is left of each budget, refilled continuously at its limit per minute (as OpenAI's is). */
  remainingRequests: number
  remainingTokens: number
  refilledAt: number
  /** The last embeddings reply, reused for an identical request (benchmarks send the same big one repeatedly). */
  embeddings: { readonly key: string; readonly json: string } | undefined
}

/** @internal */
export const makeReplyState = (): ReplyState => ({
  requests: 0,
  requestLimit: 10_000,
  tokenLimit: 30_000_000,
  remainingRequests: 10_000,
  remainingTokens: 30_000_000,
  refilledAt: Date.now(),
  embeddings: undefined
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
export const nextRequestId = (state: ReplyState): string => {
  state.requests += 1
  return `req_mock${state.requests.toString(16).padStart(24, "0")}`
}

/** The headers OpenAI sends with every reply, with decreasing rate-limit counters. @internal */
export const replyHeaders = (state: ReplyState, tokens: number): Record<string, string> => {
  const now = Date.now()
  const minutes = Math.max(0, now - state.refilledAt) / 60_000
  state.refilledAt = now
  state.remainingRequests = Math.max(
    0,
    Math.min(state.requestLimit, state.remainingRequests + minutes * state.requestLimit) - 1
  )
  state.remainingTokens = Math.max(
    0,
    Math.min(state.tokenLimit, state.remainingTokens + minutes * state.tokenLimit) - tokens
  )
  return {
    "content-type": "application/json",
    "x-request-id": nextRequestId(state),
    "openai-processing-ms": String(100 + (state.requests % 7) * 13),
    "openai-version": "2020-10-01",
    "openai-organization": "mock-org",
    "x-ratelimit-limit-requests": String(state.requestLimit),
    "x-ratelimit-limit-tokens": String(state.tokenLimit),
    "x-ratelimit-remaining-requests": String(Math.floor(state.remainingRequests)),
    "x-ratelimit-remaining-tokens": String(Math.floor(state.remainingTokens)),
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "1m2.5s"
  }
}

/** The 401 OpenAI returns for a wrong key; shows only the key's ends, as OpenAI does. @internal */
export const unauthorized = (
  state: ReplyState,
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

/** The text of a message's content: a string, or the `text` of its parts joined. @internal */
export const textOf = (content: unknown): string => {
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

/** OpenAI's 400, with the parameter at fault and a code when there is one. @internal */
export const badRequest = (
  state: ReplyState,
  message: string,
  param: string | null = null,
  code: string | null = null
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(errorBody(message, "invalid_request_error", code, param), {
    status: 400,
    headers: replyHeaders(state, 0)
  })

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

/** The prompt tokens of a conversation, roughly: its messages' text and a few per message. @internal */
export const promptTokens = (messages: ReadonlyArray<unknown>): number =>
  messages.reduce<number>(
    (sum, message) => sum + (isRecord(message) ? countTokens(textOf(message.content)) + 4 : 0),
    3
  )

/**
 * A complete chat completion for a conversation: it says `text` when given, else the mock reply (the simplest value of
 * a `json_schema` format, or the echo of the last user message).
 *
 * @internal
 */
export const chatCompletion = (
  state: ReplyState,
  model: string,
  messages: ReadonlyArray<unknown>,
  responseFormat?: unknown,
  text?: string | undefined
) => {
  const content = text ?? structuredReply(responseFormat) ?? replyText(messages)
  return chatCompletionBody({
    id: `chatcmpl-mock${state.requests + 1}`,
    model,
    created: 1_700_000_000 + state.requests,
    message: { content, refusal: null, annotations: [] },
    finishReason: "stop",
    usage: completionUsage(promptTokens(messages), countTokens(content))
  })
}

/** A function call as the mock API sends it: its ids and its arguments as JSON text. @internal */
export interface SentCall {
  /** The call's id (`call_…`), which the tool result names. */
  readonly id: string
  /** The id of the Responses API output item (`fc_…`). */
  readonly itemId: string
  readonly name: string
  readonly arguments: string
}

/** Scripted function call arguments as sent: a string as it is, anything else as its JSON. @internal */
export const argumentsText = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value ?? {})

/** Splits function call arguments into the fragments a stream sends them in (up to 8 characters each). @internal */
export const argumentPieces = (text: string): Array<string> => text.match(/[\s\S]{1,8}/gu) ?? []

/** A chat completion whose one choice calls functions, `finish_reason: "tool_calls"`. @internal */
export const chatToolCallCompletion = (
  state: ReplyState,
  model: string,
  messages: ReadonlyArray<unknown>,
  calls: ReadonlyArray<SentCall>
) =>
  chatCompletionBody({
    id: `chatcmpl-mock${state.requests + 1}`,
    model,
    created: 1_700_000_000 + state.requests,
    message: {
      content: null,
      refusal: null,
      tool_calls: calls.map((call) => ({
        id: call.id,
        type: "function" as const,
        function: { name: call.name, arguments: call.arguments }
      })),
      annotations: []
    },
    finishReason: "tool_calls",
    usage: completionUsage(
      promptTokens(messages),
      calls.reduce((sum, call) => sum + countTokens(call.arguments), 0)
    )
  })

/**
 * The simplest value a JSON schema allows: the first enum member or `const`, `""`, `0`, `false`, `null` where it may
 * be null, empty arrays, every property of an object, `$ref`s into the root's `$defs` followed.
 *
 * @internal
 */
export const simplestValue = (schema: unknown): unknown => {
  const defs = isRecord(schema) && isRecord(schema.$defs) ? schema.$defs : {}
  const sample = (node: unknown, depth: number): unknown => {
    if (!isRecord(node) || depth > 8) return null
    if (typeof node.$ref === "string") return sample(defs[node.$ref.replace(/^#\/\$defs\//, "")], depth + 1)
    if (node.const !== undefined) return node.const
    if (Array.isArray(node.enum) && node.enum.length > 0) return node.enum[0]
    if (Array.isArray(node.anyOf)) {
      return node.anyOf.some((each) => isRecord(each) && each.type === "null") ? null : sample(node.anyOf[0], depth)
    }
    const types = Array.isArray(node.type) ? node.type : [node.type]
    if (types.includes("null")) return null
    switch (types[0]) {
      case "object":
        return Object.fromEntries(
          Object.entries(isRecord(node.properties) ? node.properties : {}).map(([key, value]) => [
            key,
            sample(value, depth + 1)
          ])
        )
      case "array":
        return []
      case "string":
        return ""
      case "number":
      case "integer":
        return 0
      case "boolean":
        return false
      default:
        return null
    }
  }
  return sample(schema, 0)
}

/**
 * The mock model's answer to a `json_schema` format, Chat's `response_format` (`{ type, json_schema: { schema } }`)
 * or the Responses API's `text.format` (`{ type, schema }`): the {@link simplestValue} of its schema as JSON text;
 * `undefined` for any other format.
 *
 * @internal
 */
export const structuredReply = (responseFormat: unknown): string | undefined => {
  const schema = formatSchema(responseFormat)
  return schema === undefined ? undefined : JSON.stringify(simplestValue(schema))
}

/**
 * The JSON Schema of a `json_schema` format (Chat's or the Responses API's shape; `{}` when it has none), or
 * `undefined` for any other format.
 *
 * @internal
 */
export const formatSchema = (responseFormat: unknown): unknown => {
  if (!isRecord(responseFormat) || responseFormat.type !== "json_schema") return undefined
  const format = isRecord(responseFormat.json_schema) ? responseFormat.json_schema : responseFormat
  return isRecord(format.schema) ? format.schema : {}
}

/**
 * The structured output format of a chat completion or response request body (`response_format`, `text.format`).
 *
 * @internal
 */
export const requestFormat = (body: Record<string, unknown>): unknown =>
  body.response_format ?? (isRecord(body.text) ? body.text.format : undefined)

/** Serializes one server-sent event. @internal */
export const sseEvent = (data: unknown, event?: string): string =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`

/** The terminal event of a chat completion stream. @internal */
export const sseDone = "data: [DONE]\n\n"

/** Splits a reply into token-like pieces (words with their leading space). @internal */
export const pieces = (text: string): Array<string> => text.match(/\s*\S+/g) ?? []

/** What every streamed chat completion has: its id, model, creation time, and the usage of a last chunk. @internal */
export interface ChunkStream {
  readonly id: string
  readonly model: string
  readonly created: number
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number } | undefined
}

/**
 * The chunk events of a streamed chat completion, `[DONE]` excluded: a chunk with the `first` delta (the role), one
 * per delta, one with the finish reason, and a usage chunk when `usage` is given.
 *
 * @internal
 */
export const chatDeltaEvents = (
  options: ChunkStream & {
    readonly first: object
    readonly deltas: ReadonlyArray<object>
    readonly finishReason: string
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
  const chunk = (delta: object, finishReason: string | null) =>
    sseEvent({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] })
  const events = [chunk(options.first, null)]
  for (const delta of options.deltas) events.push(chunk(delta, null))
  events.push(chunk({}, options.finishReason))
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

/** The chunk events of a streamed chat completion that says `pieces`, `[DONE]` excluded. @internal */
export const chatChunkEvents = (options: ChunkStream & { readonly pieces: ReadonlyArray<string> }): Array<string> =>
  chatDeltaEvents({
    ...options,
    first: { role: "assistant", content: "", refusal: null },
    deltas: options.pieces.map((content) => ({ content })),
    finishReason: "stop"
  })

/**
 * The chunk events of a streamed chat completion that calls functions, `[DONE]` excluded: per call a fragment with its
 * id, type and name, then its arguments in several fragments, as OpenAI streams them.
 *
 * @internal
 */
export const chatToolCallEvents = (options: ChunkStream & { readonly calls: ReadonlyArray<SentCall> }): Array<string> =>
  chatDeltaEvents({
    ...options,
    first: { role: "assistant", content: null, refusal: null },
    deltas: options.calls.flatMap((call, index) => [
      { tool_calls: [{ index, id: call.id, type: "function", function: { name: call.name, arguments: "" } }] },
      ...argumentPieces(call.arguments).map((piece) => ({ tool_calls: [{ index, function: { arguments: piece } }] }))
    ]),
    finishReason: "tool_calls"
  })

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

/** The request body as JSON; `undefined` when it is empty or not JSON (the route answers 400 as OpenAI does). */
/** @internal */
export const requestJson = Effect.flatMap(
  HttpServerRequest.HttpServerRequest,
  (request) => Effect.orElseSucceed(Effect.map(request.text, parseJson), () => undefined)
)

/** A JSON reply with the rate-limit headers. @internal */
export const jsonReply = (
  state: ReplyState,
  body: unknown,
  status = 200,
  tokens = 0
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.unsafeJson(body, { status, headers: replyHeaders(state, tokens) })

const encoder = new TextEncoder()

/** An event stream of serialized events, one chunk per event as OpenAI writes them. @internal */
export const eventsReply = (
  state: ReplyState,
  payloads: ReadonlyArray<string>,
  tokens = 0
): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.stream(Stream.map(Stream.fromIterable(payloads), (event) => encoder.encode(event)), {
    headers: { ...replyHeaders(state, tokens), "content-type": "text/event-stream; charset=utf-8" }
  })
