/**
 * The token cost of a request before it is sent: the text it sends, counted, plus the output it may ask for
 * (`max_completion_tokens`, `max_output_tokens` or `max_tokens`, times `n`). The count is corrected by the `usage` the
 * response reports.
 *
 * @internal
 */
import type * as Operation from "../Operation.js"

/** Counts the tokens of a text for a model. @internal */
export type Counter = (text: string, model: string | undefined) => number

/** About four characters a token, as OpenAI's own guidance for English text. @internal */
export const characters: Counter = (text) => Math.ceil(text.length / 4)

/** Fields whose strings are not text the model reads: roles and kinds, ids, binary data, URLs, settings. */
const skipped = new Set([
  "role",
  "type",
  "detail",
  "model",
  "user",
  "safety_identifier",
  "prompt_cache_key",
  "previous_response_id",
  "conversation",
  "metadata",
  "file_id",
  "file_data",
  "data",
  "url",
  "image_url",
  "service_tier",
  "store",
  "stream",
  "voice",
  "format",
  "encoding_format"
])

/** The strings of a body the model reads, joined (one space apart). */
const textOf = (value: unknown, into: Array<string>): Array<string> => {
  if (typeof value === "string") {
    into.push(value)
  } else if (Array.isArray(value)) {
    for (const each of value) textOf(each, into)
  } else if (typeof value === "object" && value !== null) {
    for (const [key, each] of Object.entries(value)) if (!skipped.has(key)) textOf(each, into)
  }
  return into
}

const count = (value: unknown): number => typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0

/** Tokens a message costs besides its text (role and separators), as OpenAI's cookbook counts them. */
const perMessage = 4

/**
 * The estimated tokens of a request: its text counted by `counter`, plus the output it allows. A body that is not
 * JSON (multipart uploads, raw bytes) costs none.
 *
 * @internal
 */
export const estimate = (body: Operation.Body | undefined, model: string | undefined, counter: Counter): number => {
  if (body === undefined || body._tag !== "Json") return 0
  const value = body.value
  if (typeof value !== "object" || value === null) return 0
  const params = value as Record<string, unknown>
  const text = textOf(params, []).join(" ")
  const messages = Array.isArray(params.messages) ? params.messages.length : 0
  const output = count(params.max_completion_tokens) || count(params.max_output_tokens) || count(params.max_tokens)
  const choices = Math.max(1, count(params.n))
  return (text === "" ? 0 : counter(text, model)) + messages * perMessage + output * choices
}

/**
 * The tokens a response reports it used (`usage.total_tokens`, else input + output, else prompt + completion), or
 * `undefined` when it reports none. Streams report it on their last chunk (chat with `include_usage`) or in their
 * terminal event (`response.usage` of the Responses API).
 *
 * @internal
 */
export const usageOf = (value: unknown): number | undefined => {
  if (typeof value !== "object" || value === null) return undefined
  const record = value as Record<string, unknown>
  const usage = record.usage ??
    (typeof record.response === "object" && record.response !== null
      ? (record.response as Record<string, unknown>).usage
      : undefined)
  if (typeof usage !== "object" || usage === null) return undefined
  const fields = usage as Record<string, unknown>
  if (typeof fields.total_tokens === "number") return fields.total_tokens
  const input = fields.input_tokens ?? fields.prompt_tokens
  const output = fields.output_tokens ?? fields.completion_tokens
  return typeof input === "number" ? input + (typeof output === "number" ? output : 0) : undefined
}
