import { Multipart, OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it, vi } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { UnreadableBlob } from "./utils.js"

// The exact bytes of multipart bodies, as a server receives them: part layout, names of arrays and objects, escaping
// of names and file names, content types, content-length, and what is sent again on a retry.

const upload = (fields: Multipart.Fields) =>
  OpenAiClient.request({
    name: "files.create",
    method: "POST",
    path: "/files",
    body: Operation.multipartBody(fields),
    response: Operation.emptyResponse
  })

const encoder = new TextEncoder()

const streamOf = (...pieces: ReadonlyArray<string>) => Stream.fromIterable(pieces.map((piece) => encoder.encode(piece)))

/** The boundary the body was sent with, read from its content type. */
const boundaryOf = (sent: OpenAiTest.RecordedRequest) => {
  const match = /^multipart\/form-data; boundary=(----effect-openai-[0-9a-f]{32})$/.exec(sent.headers["content-type"]!)
  expect(match).not.toBeNull()
  return match![1]!
}

const field = (boundary: string, name: string, value: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`

const fileHead = (boundary: string, name: string, filename: string, contentType: string) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
  `Content-Type: ${contentType}\r\n\r\n`

const bytesOf = (...pieces: ReadonlyArray<string | Uint8Array>): Array<number> =>
  pieces.flatMap((piece) => [...(typeof piece === "string" ? encoder.encode(piece) : piece)])

/** The last sent request, with its bytes and the boundary it used. */
const lastSent = Effect.map(OpenAiTest.requests, (sent) => {
  const request = sent[sent.length - 1]!
  return { request, bytes: [...request.bodyBytes!], boundary: boundaryOf(request) }
})

describe("multipart body layout", () => {
  it.effect("text, numbers, booleans, arrays as name[], objects as name[key], nested, null and undefined left out", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* upload({
        purpose: "fine-tune",
        n: 2,
        stream: false,
        skipped: undefined,
        none: null,
        include: ["a", "b"],
        metadata: { team: "red", tags: ["x", 1, true], gone: null, deep: { k: "v" } },
        notes: "line 1\r\nline 2 \"quoted\"",
        file: Multipart.file("hello\r\n", { filename: "a.txt", contentType: "text/plain" })
      })
      const { boundary, bytes, request } = yield* lastSent
      const expected = bytesOf(
        field(boundary, "purpose", "fine-tune"),
        field(boundary, "n", "2"),
        field(boundary, "stream", "false"),
        field(boundary, "include[]", "a"),
        field(boundary, "include[]", "b"),
        field(boundary, "metadata[team]", "red"),
        field(boundary, "metadata[tags][]", "x"),
        field(boundary, "metadata[tags][]", "1"),
        field(boundary, "metadata[tags][]", "true"),
        field(boundary, "metadata[deep][k]", "v"),
        // text values are sent as they are, line breaks and quotes included
        field(boundary, "notes", "line 1\r\nline 2 \"quoted\""),
        fileHead(boundary, "file", "a.txt", "text/plain"),
        "hello\r\n\r\n",
        `--${boundary}--\r\n`
      )
      expect(bytes).toStrictEqual(expected)
      expect(request.headers["content-length"]).toBe(String(expected.length))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("file bytes are sent byte for byte between their head and the next part", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      const content = new Uint8Array([0, 255, 128, 13, 10, 45, 45])
      yield* upload({ file: Multipart.file(content, { filename: "raw.bin" }), model: "whisper-1" })
      const { boundary, bytes } = yield* lastSent
      expect(bytes).toStrictEqual(bytesOf(
        fileHead(boundary, "file", "raw.bin", "application/octet-stream"),
        content,
        "\r\n",
        field(boundary, "model", "whisper-1"),
        `--${boundary}--\r\n`
      ))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("names and file names escape CR, LF and double quotes as browsers do (%0D, %0A, %22)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* upload({
        "say \"hi\"\r\nnow": "v",
        "a\nb\rc": "w",
        doc: Multipart.file("x", { filename: "my \"file\"\r\n.txt", contentType: "text/plain" }),
        "lf\nname": Multipart.file("y", { filename: "cr\rlf\n.txt", contentType: "text/plain" })
      })
      const { boundary, bytes } = yield* lastSent
      expect(bytes).toStrictEqual(bytesOf(
        field(boundary, "say %22hi%22%0D%0Anow", "v"),
        field(boundary, "a%0Ab%0Dc", "w"),
        fileHead(boundary, "doc", "my %22file%22%0D%0A.txt", "text/plain"),
        "x\r\n",
        fileHead(boundary, "lf%0Aname", "cr%0Dlf%0A.txt", "text/plain"),
        "y\r\n",
        `--${boundary}--\r\n`
      ))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("no fields: only the closing delimiter", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* upload({ skipped: undefined, none: null })
      const { boundary, bytes, request } = yield* lastSent
      expect(bytes).toStrictEqual(bytesOf(`--${boundary}--\r\n`))
      expect(request.headers["content-length"]).toBe(String(bytes.length))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the boundary is 32 hex digits from 16 random bytes, small bytes zero-padded", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      const random = vi.spyOn(globalThis.crypto, "getRandomValues").mockImplementation(
        ((array: Uint8Array) => {
          array.set(Array.from({ length: 16 }, (_, i) => i))
          return array
        }) as typeof globalThis.crypto.getRandomValues
      )
      yield* Effect.ensuring(upload({ a: "1" }), Effect.sync(() => random.mockRestore()))
      const [sent] = yield* OpenAiTest.requests
      const boundary = "----effect-openai-000102030405060708090a0b0c0d0e0f"
      expect(sent!.headers["content-type"]).toBe(`multipart/form-data; boundary=${boundary}`)
      expect(sent!.bodyText).toBe(`${field(boundary, "a", "1")}--${boundary}--\r\n`)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("multipart bodies read from blobs and streams", () => {
  it.effect("blobs: their bytes in place, file name and type from the Blob or File, a content-length of the whole", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* upload({
        purpose: "batch",
        file: new Blob(["{\"a\":1}\n"], { type: "application/jsonl" }),
        named: new File(["named body"], "n.txt"),
        after: "tail"
      })
      const { boundary, bytes, request } = yield* lastSent
      const expected = bytesOf(
        field(boundary, "purpose", "batch"),
        fileHead(boundary, "file", "blob", "application/jsonl"),
        "{\"a\":1}\n\r\n",
        fileHead(boundary, "named", "n.txt", "application/octet-stream"),
        "named body\r\n",
        field(boundary, "after", "tail"),
        `--${boundary}--\r\n`
      )
      expect(bytes).toStrictEqual(expected)
      expect(request.headers["content-length"]).toBe(String(expected.length))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("bytes given as a field value are a file part, as Multipart.file makes it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* upload({ raw: new Uint8Array([0, 255, 10]), list: [new Uint8Array([1])] })
      const { boundary, bytes } = yield* lastSent
      expect(bytes).toStrictEqual(bytesOf(
        fileHead(boundary, "raw", "blob", "application/octet-stream"),
        new Uint8Array([0, 255, 10]),
        "\r\n",
        fileHead(boundary, "list[]", "blob", "application/octet-stream"),
        new Uint8Array([1]),
        "\r\n",
        `--${boundary}--\r\n`
      ))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a stream with its size given: a content-length; without it: none; the bytes in place either way", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty(), OpenAiTest.empty())
      const expected = (boundary: string) =>
        bytesOf(
          field(boundary, "model", "whisper-1"),
          fileHead(boundary, "file", "s.bin", "application/octet-stream"),
          "abcd\r\n",
          fileHead(boundary, "blob", "blob", "application/octet-stream"),
          "ef\r\n",
          `--${boundary}--\r\n`
        )
      yield* upload({
        model: "whisper-1",
        file: Multipart.file(streamOf("ab", "cd"), { filename: "s.bin", size: 4 }),
        blob: new Blob(["ef"])
      })
      const sized = yield* lastSent
      expect(sized.bytes).toStrictEqual(expected(sized.boundary))
      expect(sized.request.headers["content-length"]).toBe(String(sized.bytes.length))
      yield* upload({
        model: "whisper-1",
        file: Multipart.file(streamOf("ab", "cd"), { filename: "s.bin" }),
        blob: new Blob(["ef"])
      })
      const unsized = yield* lastSent
      expect(unsized.bytes).toStrictEqual(expected(unsized.boundary))
      expect(unsized.request.headers["content-length"]).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("multipart bodies on a retry", () => {
  it.effect("a Blob that cannot be read fails the call with a ConnectionError caused by the read error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(upload({ purpose: "batch", file: new UnreadableBlob(new Error("disk gone")) }))
      expect(error._tag).toBe("ConnectionError")
      expect(error.message).toBe("Connection error: disk gone (POST https://api.openai.com/v1/files)")
      // the read error itself (as the web stream delivers it: a copy)
      if (error._tag === "ConnectionError") expect(String(error.cause)).toBe("Error: disk gone")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))

  it.effect("a body of text and bytes is sent again, byte for byte", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), OpenAiTest.empty())
      yield* upload({ purpose: "batch", file: Multipart.file(new Uint8Array([1, 2, 3]), { filename: "f.bin" }) })
      const [first, second] = yield* OpenAiTest.requests
      expect(second).toBeDefined()
      expect([...second!.bodyBytes!]).toStrictEqual([...first!.bodyBytes!])
      expect(second!.headers["content-type"]).toBe(first!.headers["content-type"])
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { retryPolicy: Schedule.recurs(1) } }))))

  it.effect("a body with a Blob is read again whole on a retry", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), OpenAiTest.empty())
      yield* upload({ file: new Blob(["blob body"]), purpose: "batch" })
      const [first, second] = yield* OpenAiTest.requests
      expect(second).toBeDefined()
      expect([...second!.bodyBytes!]).toStrictEqual([...first!.bodyBytes!])
      expect(second!.bodyText).toContain("blob body")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { retryPolicy: Schedule.recurs(1) } }))))
})
