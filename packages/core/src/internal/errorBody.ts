import type * as OpenAiError from "../OpenAiError.js"

/** @internal */
export const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

/**
 * OpenAI's `error` object in a parsed body or event: `{"error": {...}}`, or the shapes compatible servers send
 * (`{"error": "text"}`, `{"message": "text"}`).
 *
 * @internal
 */
export const errorBodyOf = (json: unknown): OpenAiError.ErrorBody | undefined => {
  if (!isRecord(json)) return undefined
  if (isRecord(json.error)) return json.error as OpenAiError.ErrorBody
  if (typeof json.error === "string") return { message: json.error }
  if (typeof json.message === "string") return { message: json.message }
  return undefined
}
