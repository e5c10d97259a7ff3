import { Multipart, OpenAiClient, Operation, Page } from "@effect-openai/core"
import { NodeFile } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as PlatformMultipart from "@effect/platform/Multipart"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { client, eventually } from "./utils.js"

// Operations declared in the test, against MockServer routes declared in the test, over real sockets.

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

/** A large deterministic file body. */
const bigBody = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff)

/** An upload route that reads the multipart body as a server does and answers what it got. */
const uploadRoute = HttpRouter.post(
  "/v1/files",
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const parts = yield* Stream.runCollect(request.multipartStream)
    const fields: Record<string, unknown> = {}
    for (const part of parts) {
      if (PlatformMultipart.isFile(part)) {
        const bytes = yield* Stream.runFold(part.content, new Uint8Array(0), (all, chunk) => {
          const next = new Uint8Array(all.length + chunk.length)
          next.set(all)
          next.set(chunk, all.length)
          return next
        })
        fields[part.key] = { name: part.name, type: part.contentType, size: bytes.length, sha256: sha256(bytes) }
      } else {
        fields[part.key] = part.value
      }
    }
    return yield* HttpServerResponse.json({ id: "file-1", object: "file", fields })
  }).pipe(
    // the platform's parser takes parts whose type contains application/json (so application/jsonl) for fields
    Effect.provideService(PlatformMultipart.FieldMimeTypes, Chunk.empty()),
    Effect.orDie
  )
)

const UploadReply = Schema.Struct({
  id: Schema.String,
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

const upload = (fields: Multipart.Fields, options?: OpenAiClient.RequestOptions) =>
  OpenAiClient.request({
    name: "files.create",
    method: "POST",
    path: "/files",
    body: Operation.multipartBody(fields),
    response: Operation.jsonResponse(UploadReply)
  }, options)

const withServer = <A, E>(
  routes: HttpRouter.HttpRouter<unknown, never>,
  use: (server: MockServer.Service) => Effect.Effect<A, E, OpenAiClient.OpenAiClient>,
  options?: Partial<OpenAiClient.Options>
) =>
  Effect.gen(function*() {
    const server = yield* MockServer.make({ routes })
    return yield* use(server).pipe(Effect.provide(Layer.orDie(client(server, options))))
  })

describe("uploads over real sockets", () => {
  it.scopedLive("fields and files from bytes, text, a Blob and a file on disk (5 MB, streamed from disk)", () => {
    const dir = mkdtempSync(join(tmpdir(), "uploads-"))
    const path = join(dir, "train.jsonl")
    const big = bigBody(5 * 1024 * 1024)
    writeFileSync(path, big)
    return withServer(HttpRouter.empty.pipe(uploadRoute), (server) =>
      Effect.gen(function*() {
        const fromDisk = yield* NodeFile.fromPath(path)
        const reply = yield* upload({
          purpose: "fine-tune",
          granularities: ["word", "segment"],
          file: fromDisk,
          small: Multipart.file(new Uint8Array([0, 255]), { filename: "two.bin" }),
          note: Multipart.file("hello", { filename: "note.txt", contentType: "text/plain" }),
          blob: new Blob(["blob"], { type: "text/plain" })
        })
        expect(reply.fields["purpose"]).toBe("fine-tune")
        expect(reply.fields["granularities[]"]).toBe("segment")
        expect(reply.fields["file"]).toStrictEqual({
          name: "train.jsonl",
          type: "application/jsonl",
          size: big.length,
          sha256: sha256(big)
        })
        expect(reply.fields["small"]).toMatchObject({ name: "two.bin", size: 2 })
        expect(reply.fields["note"]).toMatchObject({ name: "note.txt", type: "text/plain", size: 5 })
        expect(reply.fields["blob"]).toMatchObject({ name: "blob", size: 4 })
        const [served] = yield* server.requests
        expect(Number(served!.headers["content-length"])).toBeGreaterThan(big.length)
      })).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  })

  it.scopedLive("a file from disk is sent again, whole, when the first attempt fails", () => {
    const dir = mkdtempSync(join(tmpdir(), "uploads-"))
    const path = join(dir, "audio.mp3")
    const body = bigBody(300_000)
    writeFileSync(path, body)
    return withServer(HttpRouter.empty.pipe(uploadRoute), (server) =>
      Effect.gen(function*() {
        yield* server.fault({ status: 500, headers: { "retry-after-ms": "10" } })
        const reply = yield* upload({ model: "whisper-1", file: yield* NodeFile.fromPath(path) })
        expect(reply.fields["file"]).toMatchObject({ type: "audio/mpeg", size: body.length, sha256: sha256(body) })
        expect((yield* server.requests).map((request) => request.fault?.status ?? 200)).toStrictEqual([500, 200])
      })).pipe(Effect.ensuring(Effect.sync(() => rmSync(dir, { recursive: true, force: true }))))
  })

  it.scopedLive("a missing file fails with the platform's SystemError before anything is sent", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(NodeFile.fromPath(join(tmpdir(), "no-such-file-anywhere.jsonl")))
      expect(error._tag).toBe("SystemError")
      expect(error.reason).toBe("NotFound")
      expect((yield* Effect.flip(NodeFile.fromPath(tmpdir()))).reason).toBe("BadResource")
    }))

  it.scopedLive("a caller's byte stream is sent once, chunked, and not retried", () =>
    withServer(HttpRouter.empty.pipe(uploadRoute), (server) =>
      Effect.gen(function*() {
        const chunks = Stream.fromIterable(["part one, ", "part two"]).pipe(
          Stream.map((text) => new TextEncoder().encode(text))
        )
        const reply = yield* upload({ file: Multipart.file(chunks, { filename: "s.txt", contentType: "text/plain" }) })
        expect(reply.fields["file"]).toMatchObject({ size: 18 })
        const [served] = yield* server.requests
        expect(served!.headers["transfer-encoding"]).toBe("chunked")
        yield* server.fault({ status: 500 })
        const error = yield* Effect.flip(upload({ file: Multipart.file(chunks, { filename: "s.txt" }) }))
        expect(error._tag).toBe("InternalServerError")
        expect(yield* server.requests).toHaveLength(2)
      }), { retryPolicy: Schedule.recurs(3) }))
})

const binary = bigBody(1_000_000)

const downloadRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/v1/files/:file_id/content",
    Effect.succeed(HttpServerResponse.uint8Array(binary, { contentType: "application/octet-stream" }))
  ),
  HttpRouter.post(
    "/v1/audio/speech",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const { interval } = (yield* Effect.orDie(request.json)) as { readonly interval?: number }
      const pieces = Array.from({ length: 10 }, (_, i) => binary.subarray(i * 100_000, (i + 1) * 100_000))
      const body = Stream.fromIterable(pieces).pipe(
        Stream.tap(() => interval === undefined ? Effect.void : Effect.sleep(interval))
      )
      return HttpServerResponse.stream(body, { contentType: "audio/mpeg" })
    })
  ),
  HttpRouter.del("/v1/containers/:id", Effect.succeed(HttpServerResponse.empty({ status: 200 }))),
  HttpRouter.post(
    "/v1/realtime/calls",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const offer = yield* Effect.orDie(request.text)
      return HttpServerResponse.text(`answer to ${offer}`, { status: 201, contentType: "application/sdp" })
    })
  )
)

const speech = (interval?: number, options?: OpenAiClient.StreamRequestOptions) =>
  OpenAiClient.stream({
    name: "audio.speech.create",
    method: "POST",
    path: "/audio/speech",
    body: Operation.jsonBody({ model: "gpt-4o-mini-tts", input: "hi", voice: "alloy", interval }),
    response: Operation.byteStreamResponse
  }, options)

describe("response kinds over real sockets", () => {
  it.scopedLive("bytes (1 MB, every byte intact), empty, and text with a raw body", () =>
    withServer(downloadRoutes, () =>
      Effect.gen(function*() {
        const bytes = yield* OpenAiClient.request({
          name: "files.content",
          method: "GET",
          path: "/files/file-1/content",
          response: Operation.bytesResponse
        })
        expect(sha256(bytes)).toBe(sha256(binary))
        const removed = yield* OpenAiClient.request({
          name: "containers.delete",
          method: "DELETE",
          path: "/containers/c1",
          response: Operation.emptyResponse
        })
        expect(removed).toBeUndefined()
        const answer = yield* OpenAiClient.request({
          name: "realtime.calls.create",
          method: "POST",
          path: "/realtime/calls",
          body: Operation.rawBody("v=0 offer", "application/sdp"),
          response: Operation.textResponse
        })
        expect(answer).toBe("answer to v=0 offer")
      })))

  it.scopedLive("a byte stream arrives chunk by chunk, whole", () =>
    withServer(downloadRoutes, () =>
      Effect.gen(function*() {
        const chunks = yield* Stream.runCollect(speech())
        const all = Chunk.toReadonlyArray(chunks)
        const joined = new Uint8Array(all.reduce((n, chunk) => n + chunk.length, 0))
        let offset = 0
        for (const chunk of all) {
          joined.set(chunk, offset)
          offset += chunk.length
        }
        expect(sha256(joined)).toBe(sha256(binary))
      })))

  it.scopedLive("a byte stream: Stream.take closes the connection; a gap past the idle timeout is a TimeoutError", () =>
    withServer(downloadRoutes, (server) =>
      Effect.gen(function*() {
        const taken = yield* Stream.runCollect(Stream.take(speech(200), 1))
        expect(Chunk.size(taken)).toBe(1)
        const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
        expect(served!.outcome).toBe("aborted-by-client")
        const error = yield* Effect.flip(Stream.runDrain(speech(1_000, { idleTimeout: "200 millis" })))
        expect(error._tag).toBe("TimeoutError")
        const second = yield* eventually(server.requests, (all) => all[1]?.outcome !== "pending")
        expect(second[1]!.outcome).toBe("aborted-by-client")
      })))

  it.scopedLive("a byte stream is retried before its first byte", () =>
    withServer(downloadRoutes, (server) =>
      Effect.gen(function*() {
        yield* server.fault({ status: 503, headers: { "retry-after-ms": "10" } }, { drop: true })
        const chunks = yield* Stream.runCollect(speech())
        expect(Chunk.size(chunks)).toBeGreaterThan(0)
        expect(yield* server.requests).toHaveLength(3)
      })))
})

const eventRoutes = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/v1/responses",
    Effect.succeed(HttpServerResponse.text(
      [
        "event: response.created\ndata: {\"type\":\"response.created\"}\n\n",
        ": keep-alive comment\n\n",
        "event: response.future_event\ndata: {\"type\":\"response.future_event\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}\n\n"
      ].join(""),
      { contentType: "text/event-stream" }
    ))
  )
)

describe("event streams over real sockets", () => {
  it.scopedLive("a terminal event of a set ends the stream with its value; unknown events pass through", () =>
    withServer(eventRoutes, () =>
      Effect.gen(function*() {
        const values = yield* Stream.runCollect(OpenAiClient.stream({
          name: "responses.stream",
          method: "POST",
          path: "/responses",
          body: Operation.jsonBody({ model: "gpt-4o-mini", input: "hi", stream: true }),
          response: Operation.eventStreamResponse({
            terminal: ["response.completed", "response.failed", "response.incomplete"],
            events: () => (event) => {
              const json = Operation.eventJson(event)
              if (Either.isLeft(json)) return json.left
              const value = json.right as { readonly type: string }
              return value.type === "response.completed" ? Operation.end(value) : Operation.emit(value)
            }
          })
        }))
        expect(Chunk.toReadonlyArray(values).map((value) => value.type)).toStrictEqual([
          "response.created",
          "response.future_event",
          "response.completed"
        ])
      })))
})

const Item = Schema.Struct({ id: Schema.String })
const ListBody = Schema.Struct({ data: Schema.Array(Item) })
const list = (path: string, query?: Operation.QueryInput) => ({
  name: "items.list",
  method: "GET" as const,
  path,
  query,
  response: Operation.jsonResponse(ListBody)
})

const items = Array.from({ length: 10 }, (_, i) => ({ id: `item_${i}` }))

/** Three list routes, one per style, over the same ten items, three per page. */
const listRoutes = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/v1/cursor",
    Effect.gen(function*() {
      const query = yield* HttpServerRequest.ParsedSearchParams
      const after = typeof query.after === "string" ? items.findIndex((item) => item.id === query.after) + 1 : 0
      const data = items.slice(after, after + 3)
      return yield* HttpServerResponse.json({
        object: "list",
        data,
        has_more: after + 3 < items.length,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null
      })
    })
  ),
  HttpRouter.get(
    "/v1/numbered",
    Effect.gen(function*() {
      const query = yield* HttpServerRequest.ParsedSearchParams
      const page = Number(query.page ?? 1)
      return yield* HttpServerResponse.json({ data: items.slice((page - 1) * 3, page * 3) })
    })
  ),
  HttpRouter.get(
    "/v1/tokens",
    Effect.gen(function*() {
      const query = yield* HttpServerRequest.ParsedSearchParams
      const from = typeof query.page === "string" ? Number(query.page.slice("tok_".length)) : 0
      const next = from + 3 < items.length ? `tok_${from + 3}` : null
      return yield* HttpServerResponse.json({
        object: "page",
        data: items.slice(from, from + 3),
        has_more: next !== null,
        next_page: next
      })
    })
  ),
  HttpRouter.get(
    "/v1/slow",
    Effect.gen(function*() {
      const query = yield* HttpServerRequest.ParsedSearchParams
      if (query.after !== undefined) yield* Effect.sleep("30 seconds")
      return yield* HttpServerResponse.json({ data: items.slice(0, 3), has_more: true })
    })
  )
)

describe("pagination over real sockets", () => {
  for (
    const [style, path, pagination] of [
      ["cursor", "/cursor", Page.cursor<typeof Item.Type>()],
      ["page number", "/numbered", Page.pageNumber<typeof Item.Type>()],
      ["next-page token", "/tokens", Page.nextToken<typeof Item.Type>()]
    ] as const
  ) {
    it.scopedLive(`${style}: every item once, in order`, () =>
      withServer(listRoutes, (server) =>
        Effect.gen(function*() {
          const all = yield* Stream.runCollect(Page.items(Page.request(list(path), pagination)))
          expect(Chunk.toReadonlyArray(all).map((item) => item.id)).toStrictEqual(items.map((item) => item.id))
          // four pages of three (the last one short or, for page numbers, an empty one past the end)
          expect((yield* server.requests).length).toBe(style === "page number" ? 5 : 4)
        })))
  }

  it.scopedLive("interrupted while a page is fetched, the stream stops and closes that request", () =>
    withServer(listRoutes, (server) =>
      Effect.gen(function*() {
        const result = yield* Stream.runDrain(Page.items(Page.request(list("/slow"), Page.cursor()))).pipe(
          Effect.timeout("300 millis"),
          Effect.either
        )
        expect(result._tag).toBe("Left")
        const served = yield* eventually(server.requests, (all) => all.length === 2 && all[1]!.outcome !== "pending")
        expect(served[1]!.query).toStrictEqual({ after: "item_2" })
        expect(served[1]!.outcome).toBe("aborted-by-client")
      })))
})
