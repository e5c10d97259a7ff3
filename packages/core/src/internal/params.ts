import { isRecord } from "effect/Predicate"
import * as Multipart from "../Multipart.js"
import * as Operation from "../Operation.js"

/** An object literal (not a `Date`, a class instance or an array). */
const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> => {
  if (!isRecord(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

const scalar = (value: unknown): value is string | number | boolean =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"

/**
 * The query of a call from the fields of its params, as the official SDK writes it (`qs` with brackets): an array
 * as `name[]=a&name[]=b`, an object as `name[key]=value`, nested to any depth; `null`, `undefined` and empty arrays
 * send nothing; a `Date` is sent as its ISO text, any other value (a bigint) as its text.
 *
 * @internal
 */
export const query = (fields: object | undefined): Operation.QueryInput | undefined => {
  if (fields === undefined) return undefined
  const out: Record<string, Array<string | number | boolean>> = {}
  const add = (name: string, value: unknown): void => {
    if (value === undefined || value === null) return
    if (Array.isArray(value)) {
      for (const item of value) add(`${name}[]`, item)
    } else if (isPlainObject(value)) {
      for (const [key, each] of Object.entries(value)) add(`${name}[${key}]`, each)
    } else {
      ;(out[name] ??= []).push(scalar(value) ? value : value instanceof Date ? value.toISOString() : String(value))
    }
  }
  // a field already named `name[]` (as some of the spec's are) is not bracketed twice
  for (const [name, value] of Object.entries(fields)) {
    add(Array.isArray(value) && name.endsWith("[]") ? name.slice(0, -2) : name, value)
  }
  // a name given once is sent once; an array's name (`name[]`) stays a list even with one item
  return Object.fromEntries(
    Object.entries(out).map((
      [name, values]
    ) => [name, values.length === 1 && !name.endsWith("[]") ? values[0]! : values])
  )
}

/**
 * Splits params into the query fields of an operation that takes both (`names`) and its body fields.
 *
 * @internal
 */
export const split = (
  fields: object | undefined,
  names: ReadonlyArray<string>
): readonly [Record<string, unknown>, Record<string, unknown>] => {
  const queryFields: Record<string, unknown> = {}
  const bodyFields: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(fields ?? {})) {
    if (names.includes(name)) queryFields[name] = value
    else bodyFields[name] = value
  }
  return [queryFields, bodyFields]
}

const holdsFile = (value: unknown): boolean =>
  value instanceof Blob || value instanceof Uint8Array || Multipart.isFile(value) ||
  (Array.isArray(value) && value.some(holdsFile))

/**
 * A `multipart/form-data` body from an operation's params (absent params: no fields); the `jsonParts` are sent as
 * one `application/json` part each.
 *
 * @internal
 */
export const multipart = (fields: object | undefined, jsonParts?: ReadonlyArray<string>): Operation.Body => {
  if (jsonParts === undefined || fields === undefined) {
    return Operation.multipartBody((fields ?? {}) as Multipart.Fields)
  }
  // the parts the operation takes as one JSON value each (`encoding: application/json`), not as `name[key]` parts
  const out: Record<string, unknown> = { ...fields }
  for (const name of jsonParts) {
    const value = out[name]
    if (value !== undefined && value !== null && !Multipart.isText(value)) out[name] = Multipart.json(value)
  }
  return Operation.multipartBody(out as Multipart.Fields)
}

/**
 * The model a call names, for its span: the `model` field when it is a string.
 *
 * @internal
 */
export const model = (value: unknown): string | undefined => typeof value === "string" ? value : undefined

/**
 * The body of an operation that takes JSON or, with a file among its fields, multipart (image edits, container
 * files, skills, video remixes), as the official SDK chooses.
 *
 * @internal
 */
export const body = (fields: object | undefined): Operation.Body =>
  fields !== undefined && Object.values(fields).some(holdsFile)
    ? Operation.multipartBody(fields as Multipart.Fields)
    : Operation.jsonBody(fields ?? {})
