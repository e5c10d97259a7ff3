/**
 * Chat completions: `POST /chat/completions`, with the same resource path as the official SDK
 * (`Chat.completions.create`).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { decoder, OpenEnum, optionalNullable } from "./internal/schema.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"

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
  content: optionalNullable(Schema.String),
  refusal: optionalNullable(Schema.String),
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
  service_tier: optionalNullable(OpenEnum("auto", "default", "flex", "scale", "priority")),
  system_fingerprint: optionalNullable(Schema.String),
  metadata: optionalNullable(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ChatCompletion extends Schema.Schema.Type<typeof ChatCompletion> {}

const decodeChatCompletion = decoder(ChatCompletion)

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
    body: params,
    model: params.model,
    decode: decodeChatCompletion
  }, options)

/**
 * `chat.completions`: the same resource path as the official SDK.
 *
 * @since 0.1.0
 * @category operations
 */
export const completions = {
  create
} as const
