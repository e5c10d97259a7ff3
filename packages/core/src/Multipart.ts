/**
 * The fields of a `multipart/form-data` body (file uploads: `Files.create`, audio transcriptions, image edits...).
 *
 * Values are encoded the way the official SDK sends them: text as is, numbers and booleans as text, an array as
 * repeated `name[]` parts, an object as `name[key]` parts, `null` and `undefined` left out. A file is a `Blob` or
 * `File` (a `Blob` from Node's `fs.openAsBlob` is read from disk as it is sent), or {@link file} over bytes, text,
 * a `Blob` or a byte `Stream`.
 *
 * A body made of text, bytes and blobs is sent again as it is on a retry or a 307/308 redirect. A byte `Stream` can
 * be read only once: a body with one is never retried, and a 307/308 redirect of it fails with the redirect's status.
 *
 * @since 0.1.0
 */
import { hasProperty } from "effect/Predicate"
import type * as Stream from "effect/Stream"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-openai/core/Multipart/File")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A file part: its content with a file name and a content type.
 *
 * @since 0.1.0
 * @category models
 */
export interface File {
  readonly [TypeId]: TypeId
  readonly filename: string
  readonly contentType: string
  readonly content: Uint8Array | Blob | Stream.Stream<Uint8Array, unknown>
  /** Bytes in `content`, when known (always, but for a stream given without `size`). */
  readonly size: number | undefined
}

/**
 * @since 0.2.0
 * @category type ids
 */
export const TextTypeId: unique symbol = Symbol.for("@effect-openai/core/Multipart/Text")

/**
 * @since 0.2.0
 * @category type ids
 */
export type TextTypeId = typeof TextTypeId

/**
 * A text part with its own content type and no file name, e.g. a JSON part (`curl -F 'session={...};type=application/json'`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Text {
  readonly [TextTypeId]: TextTypeId
  readonly text: string
  readonly contentType: string
}

/**
 * A text part with a content type (a field, not a file); {@link json} for a JSON part.
 *
 * @since 0.2.0
 * @category constructors
 */
export const text = (text: string, contentType: string): Text => ({ [TextTypeId]: TextTypeId, text, contentType })

/**
 * A part holding `value` as JSON (`application/json`), as `POST /realtime/calls` takes its `session`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const json = (value: unknown): Text => text(JSON.stringify(value), "application/json")

/**
 * Whether a value is a {@link Text} part.
 *
 * @since 0.2.0
 * @category guards
 */
export const isText = (u: unknown): u is Text => hasProperty(u, TextTypeId)

/**
 * A field value. A `Blob` or bytes (`Uint8Array`) is sent as a file, as {@link file} would make it.
 *
 * @since 0.1.0
 * @category models
 */
export type Value =
  | string
  | number
  | boolean
  | null
  | undefined
  | File
  | Text
  | Blob
  | Uint8Array
  | ReadonlyArray<Value>
  | { readonly [key: string]: Value }

/**
 * The fields of a body, in order.
 *
 * @since 0.1.0
 * @category models
 */
export interface Fields {
  readonly [name: string]: Value
}

const encoder = new TextEncoder()

/**
 * A file from bytes, text (sent as UTF-8), a `Blob` or a byte `Stream` (sent once: see the module notes). The file
 * name defaults to the `File`'s own name, else `blob` (as `FormData` does); the content type to the `Blob`'s type,
 * else `application/octet-stream`. Give a stream's `size` to send a `content-length` instead of a chunked body.
 *
 * @since 0.1.0
 * @category constructors
 */
export const file = (
  content: Uint8Array | string | Blob | Stream.Stream<Uint8Array, unknown>,
  options?: {
    readonly filename?: string | undefined
    readonly contentType?: string | undefined
    readonly size?: number | undefined
  }
): File => {
  const bytes = typeof content === "string" ? encoder.encode(content) : content
  const blob = bytes instanceof Blob ? bytes : undefined
  return {
    [TypeId]: TypeId,
    filename: options?.filename ?? nameOf(blob),
    contentType: options?.contentType ?? (blob !== undefined && blob.type !== "" ? blob.type : defaultContentType),
    content: bytes,
    size: bytes instanceof Uint8Array ? bytes.byteLength : blob !== undefined ? blob.size : options?.size
  }
}

const defaultContentType = "application/octet-stream"

const nameOf = (blob: Blob | undefined): string => {
  const name: unknown = (blob as { readonly name?: unknown } | undefined)?.name
  return typeof name === "string" && name !== "" ? name : "blob"
}

/**
 * Whether a value is a {@link File}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isFile = (u: unknown): u is File => hasProperty(u, TypeId)
