/**
 * Chat completions: `POST /chat/completions`, with the same resource path as the official SDK
 * (`Chat.completions.create`).
 *
 * @since 0.1.0
 */
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { isRecord } from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Generated from "./generated/Chat.js"
import { decoderEither, OpenEnum, optionalNullable, sentAsNull } from "./internal/schema.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import * as Operation from "./Operation.js"
import type * as Sse from "./Sse.js"

// ---------------------------------------------------------------------------------------------------------------
// request parameters (encoded as written: these are types only)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A model id; known names are suggested, any string is accepted.
 *
 * @since 0.1.0
 * @category params
 */
export type ChatModel =
  | "gpt-5"
  | "gpt-5-mini"
  | "gpt-5-nano"
  | "gpt-4.1"
  | "gpt-4.1-mini"
  | "gpt-4.1-nano"
  | "gpt-4o"
  | "gpt-4o-mini"
  | "o3"
  | "o3-mini"
  | "o4-mini"
  | (string & {})

/**
 * A part of a multi-part message content.
 *
 * @since 0.1.0
 * @category params
 */
export type ContentPart =
  | { readonly type: "text"; readonly text: string }
  | {
    readonly type: "image_url"
    readonly image_url: { readonly url: string; readonly detail?: "auto" | "low" | "high" | (string & {}) }
  }
  | {
    readonly type: "input_audio"
    readonly input_audio: { readonly data: string; readonly format: "wav" | "mp3" | (string & {}) }
  }
  | {
    readonly type: "file"
    readonly file: { readonly file_data?: string; readonly file_id?: string; readonly filename?: string }
  }

/**
 * A text-only content part.
 *
 * @since 0.1.0
 * @category params
 */
export interface TextPart {
  readonly type: "text"
  readonly text: string
}

/**
 * A tool call made by the assistant, as sent back in the conversation.
 *
 * @since 0.1.0
 * @category params
 */
export type ToolCallParam =
  | {
    readonly id: string
    readonly type: "function"
    readonly function: { readonly name: string; readonly arguments: string }
  }
  | {
    readonly id: string
    readonly type: "custom"
    readonly custom: { readonly name: string; readonly input: string }
  }

/**
 * A message of the conversation sent to the model.
 *
 * @since 0.1.0
 * @category params
 */
export type MessageParam =
  | {
    readonly role: "developer" | "system"
    readonly content: string | ReadonlyArray<TextPart>
    readonly name?: string
  }
  | {
    readonly role: "user"
    readonly content: string | ReadonlyArray<ContentPart>
    readonly name?: string
  }
  | {
    readonly role: "assistant"
    readonly content?: string | ReadonlyArray<TextPart | { readonly type: "refusal"; readonly refusal: string }> | null
    readonly refusal?: string | null
    readonly name?: string
    readonly tool_calls?: ReadonlyArray<ToolCallParam>
    readonly audio?: { readonly id: string } | null
    readonly function_call?: { readonly name: string; readonly arguments: string } | null
  }
  | {
    readonly role: "tool"
    readonly content: string | ReadonlyArray<TextPart>
    readonly tool_call_id: string
  }
  | {
    readonly role: "function"
    readonly content: string | null
    readonly name: string
  }

/**
 * A JSON Schema object.
 *
 * @since 0.1.0
 * @category params
 */
export type JsonSchema = { readonly [key: string]: unknown }

/**
 * A tool the model may call.
 *
 * @since 0.1.0
 * @category params
 */
export type Tool =
  | {
    readonly type: "function"
    readonly function: {
      readonly name: string
      readonly description?: string
      readonly parameters?: JsonSchema
      readonly strict?: boolean | null
    }
  }
  | {
    readonly type: "custom"
    readonly custom: {
      readonly name: string
      readonly description?: string
      readonly format?: { readonly type: "text" } | { readonly type: "grammar"; readonly grammar: JsonSchema }
    }
  }

/**
 * How the model picks tools.
 *
 * @since 0.1.0
 * @category params
 */
export type ToolChoice =
  | "none"
  | "auto"
  | "required"
  | { readonly type: "function"; readonly function: { readonly name: string } }
  | { readonly type: "custom"; readonly custom: { readonly name: string } }
  | {
    readonly type: "allowed_tools"
    readonly allowed_tools: { readonly mode: "auto" | "required"; readonly tools: ReadonlyArray<JsonSchema> }
  }

/**
 * The format of the reply.
 *
 * @since 0.1.0
 * @category params
 */
export type ResponseFormat =
  | { readonly type: "text" }
  | { readonly type: "json_object" }
  | {
    readonly type: "json_schema"
    readonly json_schema: {
      readonly name: string
      readonly description?: string
      readonly schema?: JsonSchema
      readonly strict?: boolean | null
    }
  }

/**
 * Parameters of `POST /chat/completions`. Sent exactly as written.
 *
 * @since 0.1.0
 * @category params
 */
export interface ChatCompletionCreateParams {
  readonly model: ChatModel
  readonly messages: ReadonlyArray<MessageParam>
  readonly audio?: { readonly voice: string; readonly format: string } | null
  readonly frequency_penalty?: number | null
  readonly function_call?: "none" | "auto" | { readonly name: string }
  readonly functions?: ReadonlyArray<
    { readonly name: string; readonly description?: string; readonly parameters?: JsonSchema }
  >
  readonly logit_bias?: { readonly [token: string]: number } | null
  readonly logprobs?: boolean | null
  readonly max_completion_tokens?: number | null
  readonly max_tokens?: number | null
  readonly metadata?: { readonly [key: string]: string } | null
  readonly modalities?: ReadonlyArray<"text" | "audio"> | null
  readonly n?: number | null
  readonly parallel_tool_calls?: boolean
  readonly prediction?: { readonly type: "content"; readonly content: string | ReadonlyArray<TextPart> } | null
  readonly presence_penalty?: number | null
  readonly prompt_cache_key?: string
  readonly prompt_cache_retention?: "in-memory" | "24h" | (string & {}) | null
  readonly reasoning_effort?: "none" | "minimal" | "low" | "medium" | "high" | "xhigh" | (string & {}) | null
  readonly response_format?: ResponseFormat
  readonly safety_identifier?: string
  readonly seed?: number | null
  readonly service_tier?: "auto" | "default" | "flex" | "scale" | "priority" | (string & {}) | null
  readonly stop?: string | ReadonlyArray<string> | null
  readonly store?: boolean | null
  readonly stream?: false | null
  readonly stream_options?: { readonly include_usage?: boolean; readonly include_obfuscation?: boolean } | null
  readonly temperature?: number | null
  readonly tool_choice?: ToolChoice
  readonly tools?: ReadonlyArray<Tool>
  readonly top_logprobs?: number | null
  readonly top_p?: number | null
  readonly user?: string
  readonly verbosity?: "low" | "medium" | "high" | (string & {}) | null
  readonly web_search_options?: {
    readonly search_context_size?: "low" | "medium" | "high"
    readonly user_location?: JsonSchema | null
  }
}

// ---------------------------------------------------------------------------------------------------------------
// response schemas (tolerant: unknown keys kept, enums open)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Why the model stopped.
 *
 * @since 0.1.0
 * @category schemas
 */
export const FinishReason = OpenEnum("stop", "length", "tool_calls", "content_filter", "function_call")

/**
 * @since 0.1.0
 * @category models
 */
export type FinishReason = Schema.Schema.Type<typeof FinishReason>

/**
 * The processing tier that served a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ServiceTier = OpenEnum("auto", "default", "flex", "scale", "priority")

/**
 * A tool call in a reply.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCall = Schema.Struct({
  id: Schema.String,
  type: OpenEnum("function", "custom"),
  function: Schema.optional(Schema.Struct({ name: Schema.String, arguments: Schema.String })),
  custom: Schema.optional(Schema.Struct({ name: Schema.String, input: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCall extends Schema.Schema.Type<typeof ToolCall> {}

/**
 * A citation or other annotation of a reply.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Annotation = Schema.Struct({
  type: OpenEnum("url_citation"),
  url_citation: Schema.optional(Schema.Struct({
    start_index: Schema.Number,
    end_index: Schema.Number,
    url: Schema.String,
    title: Schema.String
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Annotation extends Schema.Schema.Type<typeof Annotation> {}

/**
 * The assistant's message in a reply.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionMessage = Schema.Struct({
  role: OpenEnum("assistant"),
  content: sentAsNull(Schema.String),
  refusal: sentAsNull(Schema.String),
  tool_calls: optionalNullable(Schema.Array(ToolCall)),
  annotations: optionalNullable(Schema.Array(Annotation)),
  function_call: optionalNullable(Schema.Struct({ name: Schema.String, arguments: Schema.String })),
  audio: optionalNullable(Schema.Struct({
    id: Schema.String,
    data: Schema.String,
    expires_at: Schema.Number,
    transcript: Schema.String
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionMessage extends Schema.Schema.Type<typeof ChatCompletionMessage> {}

/**
 * The log probability of one token.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TokenLogprob = Schema.Struct({
  token: Schema.String,
  logprob: Schema.Number,
  bytes: Schema.NullOr(Schema.Array(Schema.Number)),
  top_logprobs: Schema.optional(Schema.Array(Schema.Struct({
    token: Schema.String,
    logprob: Schema.Number,
    bytes: Schema.NullOr(Schema.Array(Schema.Number))
  })))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface TokenLogprob extends Schema.Schema.Type<typeof TokenLogprob> {}

/**
 * Log probabilities of a choice.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChoiceLogprobs = Schema.Struct({
  content: optionalNullable(Schema.Array(TokenLogprob)),
  refusal: optionalNullable(Schema.Array(TokenLogprob))
})

/**
 * One choice of a reply.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChoice = Schema.Struct({
  index: Schema.Number,
  message: ChatCompletionMessage,
  finish_reason: Schema.NullOr(FinishReason),
  logprobs: optionalNullable(ChoiceLogprobs)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChoice extends Schema.Schema.Type<typeof ChatCompletionChoice> {}

/**
 * Token counts of a request.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CompletionUsage = Schema.Struct({
  prompt_tokens: Schema.Number,
  completion_tokens: Schema.Number,
  total_tokens: Schema.Number,
  prompt_tokens_details: optionalNullable(Schema.Struct({
    cached_tokens: Schema.optional(Schema.Number),
    audio_tokens: Schema.optional(Schema.Number)
  })),
  completion_tokens_details: optionalNullable(Schema.Struct({
    reasoning_tokens: Schema.optional(Schema.Number),
    audio_tokens: Schema.optional(Schema.Number),
    accepted_prediction_tokens: Schema.optional(Schema.Number),
    rejected_prediction_tokens: Schema.optional(Schema.Number)
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CompletionUsage extends Schema.Schema.Type<typeof CompletionUsage> {}

/**
 * A chat completion: the response of `POST /chat/completions`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletion = Schema.Struct({
  id: Schema.String,
  object: OpenEnum("chat.completion"),
  created: Schema.Number,
  model: Schema.String,
  choices: Schema.Array(ChatCompletionChoice),
  usage: optionalNullable(CompletionUsage),
  service_tier: optionalNullable(ServiceTier),
  system_fingerprint: optionalNullable(Schema.String),
  metadata: optionalNullable(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletion extends Schema.Schema.Type<typeof ChatCompletion> {}

/**
 * A tool call fragment in a streamed chunk; fragments with the same `index` make one call.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ToolCallDelta = Schema.Struct({
  index: Schema.Number,
  id: optionalNullable(Schema.String),
  type: optionalNullable(OpenEnum("function", "custom")),
  function: optionalNullable(Schema.Struct({
    name: optionalNullable(Schema.String),
    arguments: optionalNullable(Schema.String)
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ToolCallDelta extends Schema.Schema.Type<typeof ToolCallDelta> {}

/**
 * What one streamed chunk adds to a choice's message.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionDelta = Schema.Struct({
  role: optionalNullable(OpenEnum("developer", "system", "user", "assistant", "tool")),
  content: optionalNullable(Schema.String),
  refusal: optionalNullable(Schema.String),
  tool_calls: optionalNullable(Schema.Array(ToolCallDelta)),
  function_call: optionalNullable(Schema.Struct({
    name: optionalNullable(Schema.String),
    arguments: optionalNullable(Schema.String)
  }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionDelta extends Schema.Schema.Type<typeof ChatCompletionDelta> {}

/**
 * One choice of a streamed chunk.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunkChoice = Schema.Struct({
  index: Schema.Number,
  delta: Schema.optionalWith(ChatCompletionDelta, { default: () => ({}) }),
  finish_reason: optionalNullable(FinishReason),
  logprobs: optionalNullable(ChoiceLogprobs)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChunkChoice extends Schema.Schema.Type<typeof ChatCompletionChunkChoice> {}

/**
 * One chunk of a streamed chat completion. With `stream_options: { include_usage: true }` the last chunk has
 * `usage` and no choices.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunk = Schema.Struct({
  id: Schema.String,
  object: OpenEnum("chat.completion.chunk"),
  created: Schema.Number,
  model: Schema.String,
  choices: Schema.Array(ChatCompletionChunkChoice),
  usage: optionalNullable(CompletionUsage),
  service_tier: optionalNullable(ServiceTier),
  system_fingerprint: optionalNullable(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletionChunk extends Schema.Schema.Type<typeof ChatCompletionChunk> {}

const chatCompletionResponse = Operation.jsonResponse(ChatCompletion)

/**
 * Creates a model response for the given conversation.
 *
 * @since 0.1.0
 * @category operations
 */
const create = (
  params: ChatCompletionCreateParams,
  options?: OpenAiClient.RequestOptions
): Effect.Effect<ChatCompletion, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  OpenAiClient.request({
    name: "chat.completions.create",
    method: "POST",
    path: "/chat/completions",
    body: Operation.jsonBody(params),
    model: params.model,
    response: chatCompletionResponse
  }, options)

const decodeChunk = decoderEither(ChatCompletionChunk)

/**
 * The chat completion stream's rules for one event: `data: [DONE]` (exactly) ends the stream; `event: error` or a
 * payload with an `error` object fails it; events that are not chunks (e.g. `{"type":"keepalive"}`) are
 * skipped; malformed JSON fails without echoing the payload.
 *
 * @since 0.1.0
 * @category streaming
 */
export const onChunkEvent = (event: Sse.Event): Operation.StreamStep<ChatCompletionChunk> => {
  if (event.data === "[DONE]") return Operation.end()
  const json = Operation.eventJson(event)
  if (Either.isLeft(json)) return json.left
  if (!isRecord(json.right) || !Array.isArray(json.right.choices)) return Operation.skip
  const decoded = decodeChunk(json.right)
  return Either.isLeft(decoded) ? Operation.invalidEvent("a chunk", decoded.left) : Operation.emit(decoded.right)
}

const chunkStreamResponse = Operation.eventStreamResponse({
  terminal: ["data: [DONE]"],
  events: () => onChunkEvent
})

const streamOperation = (
  params: Omit<ChatCompletionCreateParams, "stream">
): Operation.StreamOperation<ChatCompletionChunk> => ({
  name: "chat.completions.stream",
  method: "POST",
  path: "/chat/completions",
  body: Operation.jsonBody({ ...params, stream: true }),
  model: params.model,
  response: chunkStreamResponse
})

/**
 * Streams a chat completion chunk by chunk (`stream: true` is set for you; `stream_options.include_usage` passes
 * through). The stream ends at `data: [DONE]`; an error event fails it with `StreamError` after every earlier
 * chunk; a body that ends before `[DONE]` fails with `StreamError` (truncation); a gap longer than the idle
 * timeout fails with `TimeoutError`. Retries happen only before the first chunk reaches you. Interrupting the
 * consumer (e.g. `Stream.take`) closes the connection.
 *
 * @since 0.1.0
 * @category operations
 */
const stream = (
  params: Omit<ChatCompletionCreateParams, "stream">,
  options?: OpenAiClient.StreamRequestOptions
): Stream.Stream<ChatCompletionChunk, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  OpenAiClient.stream(streamOperation(params), options)

/**
 * Opens a chat completion stream, as the official SDK's `await create({ stream: true })` does: the effect
 * succeeds once the stream is established (status 2xx, an event stream, its first chunk received, after retries)
 * with the stream of every chunk, and fails with the typed error otherwise (`RateLimitError`, `AuthenticationError`,
 * `TimeoutError`, an error event before any chunk), so a service proxying the stream can answer its own client with
 * a real status first. The stream keeps every rule of {@link stream}; its connection belongs to the scope.
 *
 * @since 0.1.0
 * @category operations
 */
const openStream = (
  params: Omit<ChatCompletionCreateParams, "stream">,
  options?: OpenAiClient.StreamRequestOptions
): Effect.Effect<
  Stream.Stream<ChatCompletionChunk, OpenAiError.OpenAiError>,
  OpenAiError.OpenAiError,
  OpenAiClient.OpenAiClient | Scope.Scope
> => OpenAiClient.openStream(streamOperation(params), options)

/**
 * `chat.completions`: the same resource path as the official SDK. `create`, `stream` and `openStream` are written
 * here (the stream's rules); `list`, `retrieve`, `update`, `delete` and `messages.list` (stored completions) are
 * generated from the spec.
 *
 * @since 0.1.0
 * @category operations
 */
export const completions = {
  ...Generated.completions,
  create,
  stream,
  openStream
} as const

// ---------------------------------------------------------------------------------------------------------------
// stream helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * The text deltas of the first choice, without empty ones.
 *
 * @since 0.1.0
 * @category streaming
 */
export const textDeltas = <E, R>(self: Stream.Stream<ChatCompletionChunk, E, R>): Stream.Stream<string, E, R> =>
  Stream.mapConcat(self, (chunk) => {
    for (const choice of chunk.choices) {
      if (choice.index === 0) {
        const content = choice.delta.content
        return content === undefined || content === null || content === "" ? [] : [content]
      }
    }
    return []
  })

interface ToolCallState {
  id: string
  type: string
  name: string
  arguments: string
}

interface ChoiceState {
  index: number
  role: string | undefined
  content: string | undefined
  refusal: string | undefined
  toolCalls: Map<number, ToolCallState>
  functionCall: { name: string; arguments: string } | undefined
  finishReason: FinishReason | null
  logprobs: Array<TokenLogprob> | undefined
  refusalLogprobs: Array<TokenLogprob> | undefined
}

/**
 * Folds chunks into the `ChatCompletion` they amount to: content and refusal concatenated, tool-call argument
 * fragments merged by index, finish reasons and usage kept. Add chunks as they come and take a snapshot at any
 * time.
 *
 * @since 0.1.0
 * @category streaming
 */
export class ChatCompletionAccumulator {
  private id = ""
  private created = 0
  private model = ""
  private serviceTier: ChatCompletion["service_tier"] = undefined
  private systemFingerprint: ChatCompletion["system_fingerprint"] = undefined
  private usage: CompletionUsage | undefined = undefined
  private readonly choices = new Map<number, ChoiceState>()

  /**
   * Adds one chunk.
   *
   * @since 0.1.0
   */
  add(chunk: ChatCompletionChunk): this {
    if (chunk.id !== "") this.id = chunk.id
    if (chunk.created) this.created = chunk.created
    if (chunk.model !== "") this.model = chunk.model
    if (chunk.service_tier != null) this.serviceTier = chunk.service_tier
    if (chunk.system_fingerprint != null) this.systemFingerprint = chunk.system_fingerprint
    if (chunk.usage != null) this.usage = chunk.usage
    for (const choice of chunk.choices) {
      let state = this.choices.get(choice.index)
      if (state === undefined) {
        state = {
          index: choice.index,
          role: undefined,
          content: undefined,
          refusal: undefined,
          toolCalls: new Map(),
          functionCall: undefined,
          finishReason: null,
          logprobs: undefined,
          refusalLogprobs: undefined
        }
        this.choices.set(choice.index, state)
      }
      const delta = choice.delta
      if (delta.role != null) state.role = delta.role
      if (delta.content != null) state.content = (state.content ?? "") + delta.content
      if (delta.refusal != null) state.refusal = (state.refusal ?? "") + delta.refusal
      if (delta.function_call != null) {
        const call = state.functionCall ??= { name: "", arguments: "" }
        if (delta.function_call.name != null) call.name += delta.function_call.name
        if (delta.function_call.arguments != null) call.arguments += delta.function_call.arguments
      }
      for (const fragment of delta.tool_calls ?? []) {
        let call = state.toolCalls.get(fragment.index)
        if (call === undefined) {
          call = { id: "", type: "function", name: "", arguments: "" }
          state.toolCalls.set(fragment.index, call)
        }
        if (fragment.id != null && fragment.id !== "") call.id = fragment.id
        if (fragment.type != null) call.type = fragment.type
        if (fragment.function?.name != null) call.name += fragment.function.name
        if (fragment.function?.arguments != null) call.arguments += fragment.function.arguments
      }
      if (choice.finish_reason != null) state.finishReason = choice.finish_reason
      if (choice.logprobs?.content != null) state.logprobs = (state.logprobs ?? []).concat(choice.logprobs.content)
      if (choice.logprobs?.refusal != null) {
        state.refusalLogprobs = (state.refusalLogprobs ?? []).concat(choice.logprobs.refusal)
      }
    }
    return this
  }

  /**
   * The completion so far.
   *
   * @since 0.1.0
   */
  snapshot(): ChatCompletion {
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map((state): ChatCompletionChoice => {
      const toolCalls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]): ToolCall =>
        call.type === "custom"
          ? { id: call.id, type: call.type, custom: { name: call.name, input: call.arguments } }
          : { id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } }
      )
      const message: ChatCompletionMessage = {
        role: state.role ?? "assistant",
        content: state.content ?? null,
        refusal: state.refusal ?? null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        ...(state.functionCall !== undefined ? { function_call: { ...state.functionCall } } : {})
      }
      return {
        index: state.index,
        message,
        finish_reason: state.finishReason,
        logprobs: state.logprobs === undefined && state.refusalLogprobs === undefined
          ? null
          : { content: state.logprobs ?? null, refusal: state.refusalLogprobs ?? null }
      }
    })
    return {
      id: this.id,
      object: "chat.completion",
      created: this.created,
      model: this.model,
      choices,
      ...(this.usage !== undefined ? { usage: this.usage } : {}),
      ...(this.serviceTier !== undefined ? { service_tier: this.serviceTier } : {}),
      ...(this.systemFingerprint !== undefined ? { system_fingerprint: this.systemFingerprint } : {})
    }
  }
}

/**
 * A sink that accumulates a chunk stream into the final `ChatCompletion`.
 *
 * @since 0.1.0
 * @category streaming
 */
export const accumulate: Sink.Sink<ChatCompletion, ChatCompletionChunk> = Sink.suspend(() => {
  const accumulator = new ChatCompletionAccumulator()
  return Sink.forEachChunk((chunks: Chunk.Chunk<ChatCompletionChunk>) =>
    Effect.sync(() => {
      for (const chunk of chunks) accumulator.add(chunk)
    })
  ).pipe(Sink.map(() => accumulator.snapshot()))
})

/**
 * Pairs every chunk with the completion accumulated so far, for UIs that render the whole message as it grows.
 *
 * @since 0.1.0
 * @category streaming
 */
export const snapshots = <E, R>(
  self: Stream.Stream<ChatCompletionChunk, E, R>
): Stream.Stream<{ readonly chunk: ChatCompletionChunk; readonly snapshot: ChatCompletion }, E, R> =>
  Stream.suspend(() => {
    const accumulator = new ChatCompletionAccumulator()
    return Stream.map(self, (chunk) => ({ chunk, snapshot: accumulator.add(chunk).snapshot() }))
  })
