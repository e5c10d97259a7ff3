import { isRecord } from "effect/Predicate"
import type * as OpenAiError from "../OpenAiError.js"

/** A field as its type says: text stays, a number or boolean becomes text, `null` stays where allowed, else absent. */
const textField = (value: unknown, nullable: boolean): string | null | undefined =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : value === null && nullable
    ? null
    : undefined

/**
 * OpenAI's `error` object with its four known fields checked, so a compatible server's `{"code": 404}` reads as
 * `"404"` and an object where text belongs is dropped instead of reaching users typed as `string`. Other keys are
 * kept as sent.
 */
const checked = (error: Record<string, unknown>): OpenAiError.ErrorBody => {
  const body: Record<string, unknown> = { ...error }
  for (const name of ["message", "type", "code", "param"] as const) {
    if (!(name in error)) continue
    const value = textField(error[name], name !== "message")
    if (value === undefined) delete body[name]
    else body[name] = value
  }
  return body as OpenAiError.ErrorBody
}

/**
 * OpenAI's `error` object in a parsed body or event: `{"error": {...}}`, or the shapes compatible servers send
 * (`{"error": "text"}`, `{"message": "text"}`).
 *
 * @internal
 */
export const errorBodyOf = (json: unknown): OpenAiError.ErrorBody | undefined => {
  if (!isRecord(json)) return undefined
  if (isRecord(json.error)) return checked(json.error)
  if (typeof json.error === "string") return { message: json.error }
  if (typeof json.message === "string") return { message: json.message }
  return undefined
}
