/**
 * Chat completions: `POST /chat/completions`, with the same resource path as the official SDK
 * (`Chat.completions.create`).
 *
 * Every type and schema is the spec's (the generated `CreateChatCompletionRequest`, `CreateChatCompletionResponse`,
 * `CreateChatCompletionStreamResponse` and the rest, all exported here too); this module adds the names the official
 * SDK uses for them (`ChatCompletion`, `ChatCompletionChunk`, `ChatCompletionCreateParams`, ...), the stream's rules,
 * and the helpers that fold a stream back into a completion.
 *
 * @since 0.1.0
 */
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import type * as Scope from "effect/Scope"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Generated from "./generated/Chat.js"
import { chatContentDelta } from "./internal/deltas.js"
import * as Parsed from "./internal/parsed.js"
import { decoderEither } from "./internal/schema.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import * as Operation from "./Operation.js"
import type * as Sse from "./Sse.js"

export * from "./generated/Chat.js"

// ---------------------------------------------------------------------------------------------------------------
// request parameters: the spec's types (encoded as written, no runtime cost), by the official SDK's names
// ---------------------------------------------------------------------------------------------------------------

/**
 * A model id: the spec's known names are suggested, any string is accepted.
 *
 * @since 0.1.0
 * @category params
 */
export type ChatModel = Generated.ModelIdsShared

/**
 * A part of a user message's content: text, an image, input audio or a file.
 *
 * @since 0.1.0
 * @category params
 */
export type ContentPart = Generated.ChatCompletionRequestUserMessageContentPart

/**
 * A text content part.
 *
 * @since 0.1.0
 * @category params
 */
export type TextPart = Generated.ChatCompletionRequestMessageContentPartText

/**
 * A message of the conversation sent to the model (developer, system, user, assistant, tool, function).
 *
 * @since 0.1.0
 * @category params
 */
export type MessageParam = Generated.ChatCompletionRequestMessage

/**
 * A tool call made by the assistant, as sent back in the conversation.
 *
 * @since 0.1.0
 * @category params
 */
export type ToolCallParam = Generated.ChatCompletionMessageToolCalls[number]

/**
 * A JSON Schema object.
 *
 * @since 0.1.0
 * @category params
 */
export type JsonSchema = { readonly [key: string]: unknown }

/**
 * A tool the model may call: a function, or a custom tool.
 *
 * @since 0.1.0
 * @category params
 */
export type Tool = Generated.ChatCompletionTool | Generated.CustomToolChatCompletions

/**
 * How the model picks tools.
 *
 * @since 0.1.0
 * @category params
 */
export type ToolChoice = Generated.ChatCompletionToolChoiceOption

/**
 * The format of the reply: text, a JSON object, or JSON that follows a schema.
 *
 * @since 0.1.0
 * @category params
 */
export type ResponseFormat = NonNullable<Generated.CreateChatCompletionRequest["response_format"]>

/**
 * Parameters of `POST /chat/completions`: the spec's `CreateChatCompletionRequest`, sent exactly as written. `stream`
 * is `Chat.completions.stream`'s business, so `create` takes it only as `false`.
 *
 * @since 0.1.0
 * @category params
 */
export type ChatCompletionCreateParams = Omit<Generated.CreateChatCompletionRequest, "stream"> & {
  readonly stream?: false | null | undefined
}

/**
 * Parameters of a streamed chat completion (`stream: true` is set for you).
 *
 * @since 0.2.0
 * @category params
 */
export type ChatCompletionStreamParams = Omit<Generated.CreateChatCompletionRequest, "stream">

// ---------------------------------------------------------------------------------------------------------------
// responses: the spec's schemas (tolerant: unknown keys kept, enums open), by the official SDK's names
// ---------------------------------------------------------------------------------------------------------------

/**
 * A chat completion: the response of `POST /chat/completions` (the spec's `CreateChatCompletionResponse`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletion = Generated.CreateChatCompletionResponse

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletion = Generated.CreateChatCompletionResponse

/**
 * One choice of a reply.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionChoice = ChatCompletion["choices"][number]

/**
 * Why the model stopped: `stop`, `length`, `tool_calls`, `content_filter`, `function_call`, or a newer reason.
 *
 * @since 0.1.0
 * @category models
 */
export type FinishReason = ChatCompletionChoice["finish_reason"]

/**
 * The assistant's message in a reply (the spec's `ChatCompletionResponseMessage`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionMessage = Generated.ChatCompletionResponseMessage

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionMessage = Generated.ChatCompletionResponseMessage

/**
 * A tool call in a reply: a function call, a custom tool call, or (passed through) a kind newer than the spec.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolCall = Generated.ChatCompletionMessageToolCalls[number]

/**
 * A citation or other annotation of a reply.
 *
 * @since 0.1.0
 * @category models
 */
export type Annotation = NonNullable<ChatCompletionMessage["annotations"]>[number]

/**
 * The log probability of one token.
 *
 * @since 0.1.0
 * @category models
 */
export type TokenLogprob = Generated.ChatCompletionTokenLogprob

/**
 * Token counts of a request.
 *
 * @since 0.1.0
 * @category models
 */
export type CompletionUsage = Generated.CompletionUsage

/**
 * One chunk of a streamed chat completion (the spec's `CreateChatCompletionStreamResponse`). With
 * `stream_options: { include_usage: true }` the last chunk has `usage` and no choices.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ChatCompletionChunk = Generated.CreateChatCompletionStreamResponse

/**
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionChunk = Generated.CreateChatCompletionStreamResponse

/**
 * One choice of a streamed chunk.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionChunkChoice = ChatCompletionChunk["choices"][number]

/**
 * What one streamed chunk adds to a choice's message.
 *
 * @since 0.1.0
 * @category models
 */
export type ChatCompletionDelta = Generated.ChatCompletionStreamResponseDelta

/**
 * A tool call fragment in a streamed chunk; fragments with the same `index` make one call.
 *
 * @since 0.1.0
 * @category models
 */
export type ToolCallDelta = Generated.ChatCompletionMessageToolCallChunk

/**
 * A completion as accumulated from a stream: a {@link ChatCompletion} whose choices may not have finished yet
 * (`finish_reason: null` until their last chunk).
 *
 * @since 0.2.0
 * @category models
 */
export type ChatCompletionSnapshot = Omit<ChatCompletion, "choices"> & {
  readonly choices: ReadonlyArray<
    Omit<ChatCompletionChoice, "finish_reason"> & { readonly finish_reason: FinishReason | null }
  >
}

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
 * A chat completion whose choices carry `parsed`: the message's content decoded with the format's schema.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedChatCompletion<A> = Omit<ChatCompletion, "choices"> & {
  readonly choices: ReadonlyArray<
    ChatCompletionChoice & { readonly message: ChatCompletionMessage & { readonly parsed: A } }
  >
}

/**
 * Creates a completion in a structured output format (`ResponseFormat.fromSchema`) and decodes every choice's answer
 * into `message.parsed`, as the official SDK's `parse`. A refusal fails with `RefusalError`, an answer cut short
 * (`finish_reason` `length` or `content_filter`) with `IncompleteOutputError`, an answer the schema does not decode
 * with `ResponseDecodeError` naming the path.
 *
 * @since 0.2.0
 * @category operations
 */
const parse = <A>(
  params: Omit<ChatCompletionCreateParams, "response_format">,
  format: Parsed.Decoder<A> & { readonly response_format: ResponseFormat },
  options?: OpenAiClient.RequestOptions
): Effect.Effect<
  ParsedChatCompletion<A>,
  OpenAiError.OpenAiError | Parsed.RefusalError | Parsed.IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Effect.gen(function*() {
    const { data, response } = yield* Parsed.withMeta(
      create({ ...params, response_format: format.response_format }, options)
    )
    const client = yield* OpenAiClient.OpenAiClient
    const request = { method: "POST", url: `${client.baseURL}/chat/completions` }
    const choices = []
    for (const choice of data.choices) {
      const text = yield* Parsed.choiceText(choice, data)
      const parsed = yield* Parsed.decodeAnswer(format, text, request, response)
      choices.push({ ...choice, message: { ...choice.message, parsed } })
    }
    return { ...data, choices }
  })

/**
 * An event of {@link completions}`.streamParse`: a partial value each time the answer's JSON grows into a different
 * one, then the decoded value with the whole completion.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedStreamEvent<A, P> =
  | { readonly _tag: "Partial"; readonly partial: P; readonly text: string }
  | { readonly _tag: "Parsed"; readonly parsed: A; readonly completion: ChatCompletionSnapshot }

/**
 * Streams a completion in a structured output format (`ResponseFormat.fromSchema`): a `Partial` event each time the
 * first choice's JSON, read as far as it has arrived, stands for a new value (see `ResponseFormat.partial`: the JSON
 * side, not yet checked), then one `Parsed` event with the answer decoded by the schema and the accumulated
 * completion. A refusal fails with `RefusalError`, an answer cut short with `IncompleteOutputError`, an answer the
 * schema does not decode with `ResponseDecodeError`; the stream's own rules (truncation, error events, idle timeout)
 * are {@link stream}'s.
 *
 * @since 0.2.0
 * @category operations
 */
const streamParse = <A, P>(
  params: Omit<ChatCompletionCreateParams, "response_format" | "stream">,
  format: Parsed.Decoder<A> & {
    readonly response_format: ResponseFormat
    readonly partial: (text: string) => P | undefined
  },
  options?: OpenAiClient.StreamRequestOptions
): Stream.Stream<
  ParsedStreamEvent<A, P>,
  OpenAiError.OpenAiError | Parsed.RefusalError | Parsed.IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Parsed.parsedStream({
    path: "/chat/completions",
    events: stream({ ...params, response_format: format.response_format }, options),
    format,
    delta: chatContentDelta,
    accumulator: () => new ChatCompletionAccumulator(),
    answer: (completion) => Parsed.choiceText(completion.choices[0], completion),
    done: (parsed, completion) => ({ _tag: "Parsed", parsed, completion } as const)
  })

/**
 * `chat.completions`: the same resource path as the official SDK. `create`, `parse`, `stream`, `streamParse` and `openStream` are written
 * here (the stream's rules); `list`, `retrieve`, `update`, `delete` and `messages.list` (stored completions) are
 * generated from the spec.
 *
 * @since 0.1.0
 * @category operations
 */
export const completions = {
  ...Generated.completions,
  create,
  parse,
  stream,
  streamParse,
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
  Stream.filterMap(self, (chunk) => Option.fromNullable(chatContentDelta(chunk)))

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
  snapshot(): ChatCompletionSnapshot {
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map((
      state
    ): ChatCompletionSnapshot["choices"][number] => {
      const toolCalls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]): ToolCall =>
        call.type === "custom"
          ? { id: call.id, type: call.type, custom: { name: call.name, input: call.arguments } }
          // a type newer than the spec keeps its name, as the decoder lets such a call through
          : { id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } } as ToolCall
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
 * A sink that accumulates a chunk stream into the completion it amounts to (each choice's `finish_reason` is set once
 * its last chunk came).
 *
 * @since 0.1.0
 * @category streaming
 */
export const accumulate: Sink.Sink<ChatCompletionSnapshot, ChatCompletionChunk> = Sink.suspend(() => {
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
): Stream.Stream<{ readonly chunk: ChatCompletionChunk; readonly snapshot: ChatCompletionSnapshot }, E, R> =>
  Stream.suspend(() => {
    const accumulator = new ChatCompletionAccumulator()
    return Stream.map(self, (chunk) => ({ chunk, snapshot: accumulator.add(chunk).snapshot() }))
  })
