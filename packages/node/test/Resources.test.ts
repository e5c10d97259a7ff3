/**
 * The generated resources end to end over real sockets against MockServer, which keeps files, uploads, batches
 * and responses between calls: every body and response kind (multipart uploads, JSON, bytes, byte streams, event
 * streams, empty replies), cursor pages, and typed errors for what does not exist.
 */
import type { OpenAiClient } from "@effect-openai/core"
import { Audio, Batches, Files, Images, Page, Responses, Uploads } from "@effect-openai/core"
import * as Multipart from "@effect-openai/core/Multipart"
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { client } from "./utils.js"

const withServer = <A, E>(effect: Effect.Effect<A, E, OpenAiClient.OpenAiClient>) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* MockServer.make()
    return yield* Effect.provide(effect, client(server, { maxRetries: 0 }))
  }))

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe("generated resources against MockServer", () => {
  it.live("Files: upload from bytes and a Blob, list in pages, retrieve, download whole and streamed, delete", () =>
    withServer(Effect.gen(function*() {
      const first = yield* Files.create({ file: Multipart.file("line 1\n", { filename: "a.jsonl" }), purpose: "batch" })
      expect(first).toMatchObject({ object: "file", filename: "a.jsonl", bytes: 7, purpose: "batch" })
      for (let i = 0; i < 4; i++) {
        yield* Files.create({ file: new Blob([`file ${i}`], { type: "text/plain" }), purpose: "user_data" })
      }
      const page = yield* Files.list({ limit: 2 })
      expect(page.data).toHaveLength(2)
      expect(page.hasMore).toBe(true)
      const all = yield* Stream.runCollect(Page.items(Files.list({ limit: 2 })))
      expect(Chunk.size(all)).toBe(5)
      expect(new Set(Chunk.toReadonlyArray(all).map((file) => file.id)).size).toBe(5)
      const batchOnly = yield* Files.list({ purpose: "batch" })
      expect(batchOnly.data.map((file) => file.id)).toStrictEqual([first.id])

      expect((yield* Files.retrieve(first.id)).filename).toBe("a.jsonl")
      expect(text(yield* Files.content(first.id))).toBe("line 1\n")
      const streamed = yield* Stream.runCollect(Files.contentByteStream(first.id))
      expect(text(Chunk.reduce(streamed, new Uint8Array(), (all, chunk) => new Uint8Array([...all, ...chunk])))).toBe(
        "line 1\n"
      )
      // a cursor naming a file that no longer exists ends the list instead of starting it over
      const firstPage = yield* Files.list({ limit: 1 })
      yield* Files.delete(firstPage.data[0]!.id)
      const after = yield* firstPage.next
      expect(after._tag === "Some" ? after.value.data : []).toStrictEqual([])
      expect(yield* Files.delete(first.id)).toMatchObject({ id: first.id, deleted: true })
      const gone = yield* Effect.flip(Files.retrieve(first.id))
      expect(gone._tag).toBe("NotFoundError")
    })))

  it.live("Uploads: a file in parts, completed in the order given, becomes a file with the parts' bytes", () =>
    withServer(Effect.gen(function*() {
      const parts = ["first part|", "second part|", "third"]
      const bytes = parts.reduce((sum, part) => sum + part.length, 0)
      const upload = yield* Uploads.create({
        filename: "big.jsonl",
        purpose: "batch",
        bytes,
        mime_type: "text/jsonl"
      })
      expect(upload.status).toBe("pending")
      const created = yield* Effect.forEach(
        parts,
        (part) => Uploads.parts.create(upload.id, { data: Multipart.file(part, { filename: "part" }) })
      )
      const done = yield* Uploads.complete(upload.id, { part_ids: created.map((part) => part.id) })
      expect(done.status).toBe("completed")
      expect(text(yield* Files.content(done.file!.id))).toBe(parts.join(""))
      // an upload completes once
      const again = yield* Effect.flip(Uploads.complete(upload.id, { part_ids: created.map((part) => part.id) }))
      expect(again._tag).toBe("BadRequestError")
      // a wrong total is refused
      const other = yield* Uploads.create({ filename: "x", purpose: "batch", bytes: 99, mime_type: "text/plain" })
      const part = yield* Uploads.parts.create(other.id, { data: new Uint8Array([1, 2, 3]) })
      expect((yield* Effect.flip(Uploads.complete(other.id, { part_ids: [part.id] })))._tag).toBe("BadRequestError")
    })))

  it.live("Batches: a JSONL of requests runs through its lifecycle; results come back by custom_id", () =>
    withServer(Effect.gen(function*() {
      const requests = ["a", "b", "c"].map((id) => ({
        custom_id: `req-${id}`,
        method: "POST",
        url: "/v1/chat/completions",
        body: { model: "gpt-4o-mini", messages: [{ role: "user", content: `Say ${id}` }] }
      }))
      const input = yield* Files.create({
        file: Multipart.file(requests.map((request) => JSON.stringify(request)).join("\n"), { filename: "in.jsonl" }),
        purpose: "batch"
      })
      const batch = yield* Batches.create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h"
      })
      expect(batch.status).toBe("validating")
      const seen: Array<string> = []
      const done = yield* Batches.retrieve(batch.id).pipe(
        Effect.tap((current) => Effect.sync(() => seen.push(current.status))),
        Effect.repeat({ until: (current) => current.status === "completed", times: 10 })
      )
      expect(seen).toStrictEqual(["in_progress", "finalizing", "completed"])
      expect(done.request_counts).toMatchObject({ total: 3, completed: 3, failed: 0 })
      // read again, an ended batch has the same files: its results are written once
      expect((yield* Batches.retrieve(batch.id)).output_file_id).toBe(done.output_file_id)
      const output = text(yield* Files.content(done.output_file_id!)).trim().split("\n").map((line) => JSON.parse(line))
      expect(output.map((line) => line.custom_id).sort()).toStrictEqual(["req-a", "req-b", "req-c"])
      expect(output[0].response.body.object).toBe("chat.completion")

      // partly failed: the failures in the error file; cancelled: cancelling, then cancelled
      const partial = yield* Batches.create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
        metadata: { mock_outcome: "partial" }
      })
      const finished = yield* Batches.retrieve(partial.id).pipe(
        Effect.repeat({ until: (current) => current.status === "completed", times: 10 })
      )
      expect(finished.request_counts).toMatchObject({ total: 3, completed: 2, failed: 1 })
      expect(text(yield* Files.content(finished.error_file_id!))).toContain("req-b")
      const toCancel = yield* Batches.create({
        input_file_id: input.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h"
      })
      expect((yield* Batches.cancel(toCancel.id)).status).toBe("cancelling")
      expect((yield* Batches.retrieve(toCancel.id)).status).toBe("cancelled")
      const listed = yield* Stream.runCollect(Page.items(Batches.list({ limit: 2 })))
      expect(Chunk.size(listed)).toBe(3)
    })))

  it.live("Responses: create, retrieve, list input items, stream the events, delete", () =>
    withServer(Effect.gen(function*() {
      const response = yield* Responses.create({ model: "gpt-5", input: "Tell me about otters" })
      expect(response.status).toBe("completed")
      const [message] = response.output
      if (message?.type !== "message") return expect.fail(String(message?.type))
      const part = message.content[0]
      if (part?.type !== "output_text") return expect.fail(String(part?.type))
      expect(part.text.length).toBeGreaterThan(0)
      expect((yield* Responses.retrieve(response.id)).id).toBe(response.id)
      const items = yield* Responses.inputItems.list(response.id)
      expect(items.data).toHaveLength(1)

      const events = yield* Stream.runCollect(Responses.stream({ model: "gpt-5", input: "Tell me about otters" }))
      const all = Chunk.toReadonlyArray(events)
      expect(all[0]!.type).toBe("response.created")
      expect(all[all.length - 1]!.type).toBe("response.completed")
      const deltas = all.flatMap((event) => event.type === "response.output_text.delta" ? [event.delta] : [])
      expect(deltas.join("")).toBe(part.text)

      yield* Responses.delete(response.id)
      expect((yield* Effect.flip(Responses.retrieve(response.id)))._tag).toBe("NotFoundError")
    })))

  it.live("Audio speech: bytes, a byte stream, and speech events that add up to the same audio", () =>
    withServer(Effect.gen(function*() {
      const params = { model: "gpt-4o-mini-tts", input: "Hello there", voice: "alloy" } as const
      const bytes = yield* Audio.speech.create(params)
      expect(text(bytes.slice(0, 3))).toBe("ID3")
      const streamed = yield* Stream.runFold(Audio.speech.createByteStream(params), 0, (n, chunk) => n + chunk.length)
      expect(streamed).toBe(bytes.length)
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Audio.speech.stream(params)))
      expect(events[events.length - 1]!.type).toBe("speech.audio.done")
      const audio = events.flatMap((event) => event.type === "speech.audio.delta" ? [event.audio] : [])
      const decoded = audio.map((chunk) => Uint8Array.from(atob(chunk), (char) => char.charCodeAt(0)))
      expect(decoded.reduce((n, chunk) => n + chunk.length, 0)).toBe(bytes.length)
    })))

  it.live("Images: generated as base64 PNG, and streamed with a partial image first", () =>
    withServer(Effect.gen(function*() {
      const generated = yield* Images.generate({ model: "gpt-image-1", prompt: "an otter", n: 2 })
      expect(generated.data).toHaveLength(2)
      const png = Uint8Array.from(atob(generated.data![0]!.b64_json!), (char) => char.charCodeAt(0))
      expect([...png.slice(1, 4)].map((code) => String.fromCharCode(code)).join("")).toBe("PNG")
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Images.generateStream({ prompt: "an otter" })))
      expect(events.map((event) => event.type)).toStrictEqual([
        "image_generation.partial_image",
        "image_generation.completed"
      ])
    })))
})
