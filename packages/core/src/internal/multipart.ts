import * as HttpBody from "@effect/platform/HttpBody"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"
import * as Multipart from "../Multipart.js"
import { concat } from "./bytes.js"

/** One part: its name and either text, text with a content type, or a file. */
type Part = readonly [name: string, value: string | Multipart.Text | Multipart.File]

/** The parts of the fields, the way the official SDK lays them out: `name[]` for arrays, `name[key]` for objects. */
const partsOf = (fields: Multipart.Fields): Array<Part> => {
  const parts: Array<Part> = []
  const add = (name: string, value: Multipart.Value): void => {
    if (value === undefined || value === null) return
    if (typeof value === "string") parts.push([name, value])
    else if (typeof value === "number" || typeof value === "boolean") parts.push([name, String(value)])
    else if (Multipart.isFile(value) || Multipart.isText(value)) parts.push([name, value])
    else if (value instanceof Blob || value instanceof Uint8Array) parts.push([name, Multipart.file(value)])
    else if (Array.isArray(value)) { for (const item of value) add(`${name}[]`, item) }
    // what is left of `Multipart.Value` is an object of values
    else for (const key in value) add(`${name}[${key}]`, (value as Readonly<Record<string, Multipart.Value>>)[key])
  }
  for (const name in fields) add(name, fields[name])
  return parts
}

/** Names and file names are escaped as browsers escape them in `FormData` bodies. */
const escape = (text: string) => text.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22")

const encoder = new TextEncoder()

const boundaryOf = () => {
  const random = new Uint8Array(16)
  crypto.getRandomValues(random)
  return `----effect-openai-${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`
}

/** A piece of the body, with its size when known. */
interface Piece {
  readonly content: Uint8Array | Blob | Stream.Stream<Uint8Array, unknown>
  readonly size: number | undefined
}

const streamOf = ({ content }: Piece): Stream.Stream<Uint8Array, unknown> =>
  content instanceof Uint8Array
    ? Stream.succeed(content)
    : content instanceof Blob
    ? Stream.fromReadableStream({ evaluate: () => content.stream(), onError: (error) => error })
    : content

/**
 * A body that can be sent again (a retry, a 307/308 redirect) or only once (it reads a caller's byte stream).
 *
 * @internal
 */
export interface Encoded {
  readonly body: HttpBody.HttpBody
  readonly resendable: boolean
}

/**
 * Encodes the fields as `multipart/form-data`: one `Uint8Array` when every part is in memory, else a stream that
 * reads blobs as it goes (with a `content-length` when every size is known).
 *
 * @internal
 */
export const encode = (fields: Multipart.Fields): Encoded => {
  const boundary = boundaryOf()
  const pieces: Array<Piece> = []
  let text = ""
  const flush = () => {
    if (text === "") return
    const bytes = encoder.encode(text)
    pieces.push({ content: bytes, size: bytes.byteLength })
    text = ""
  }
  for (const [name, value] of partsOf(fields)) {
    text += `--${boundary}\r\nContent-Disposition: form-data; name="${escape(name)}"`
    if (typeof value === "string") {
      text += `\r\n\r\n${value}\r\n`
      continue
    }
    if (Multipart.isText(value)) {
      text += `\r\nContent-Type: ${value.contentType}\r\n\r\n${value.text}\r\n`
      continue
    }
    text += `; filename="${escape(value.filename)}"\r\nContent-Type: ${value.contentType}\r\n\r\n`
    flush()
    pieces.push({ content: value.content, size: value.size })
    text += "\r\n"
  }
  text += `--${boundary}--\r\n`
  flush()
  const contentType = `multipart/form-data; boundary=${boundary}`
  if (pieces.every((piece) => piece.content instanceof Uint8Array)) {
    return {
      body: HttpBody.uint8Array(concat(pieces.map((piece) => piece.content as Uint8Array)), contentType),
      resendable: true
    }
  }
  let size: number | undefined = 0
  for (const piece of pieces) size = size === undefined || piece.size === undefined ? undefined : size + piece.size
  return {
    body: HttpBody.stream(
      Stream.flatMap(Stream.fromChunk(Chunk.unsafeFromArray(pieces)), streamOf, { concurrency: 1 }),
      contentType,
      size
    ),
    resendable: pieces.every((piece) => piece.content instanceof Uint8Array || piece.content instanceof Blob)
  }
}
