// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/uploads.ts
// Uploads from a path, bytes, a Blob and a stream; the content back as a stream; a large file in parts.
import { Files, Multipart, Uploads } from "@effect-openai/core"
import { NodeFile, NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Stream } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const line = "{\"prompt\":\"hi\",\"completion\":\"hello\"}\n"

const program = Effect.gen(function*() {
  const path = join(mkdtempSync(join(tmpdir(), "uploads-")), "train.jsonl")
  writeFileSync(path, line.repeat(1_000))

  // from disk: read as it is sent, and sent again whole if the first attempt fails
  const fromPath = yield* Files.create({ file: yield* NodeFile.fromPath(path), purpose: "fine-tune" })
  yield* Console.log(`from a path: ${fromPath.filename}, ${fromPath.bytes} bytes`)

  // from memory: text or bytes with a file name, or a Blob
  const fromBytes = yield* Files.create({ file: Multipart.file(line, { filename: "small.jsonl" }), purpose: "batch" })
  yield* Console.log(`from bytes: ${fromBytes.filename}, ${fromBytes.bytes} bytes`)
  const fromBlob = yield* Files.create({ file: new Blob([line], { type: "application/jsonl" }), purpose: "batch" })
  yield* Console.log(`from a Blob: ${fromBlob.bytes} bytes`)

  // from a stream (sent once, chunked; give `size` for a content-length)
  const chunks = Stream.make(line, line).pipe(Stream.encodeText)
  const fromStream = yield* Files.create({
    file: Multipart.file(chunks, { filename: "streamed.jsonl", size: line.length * 2 }),
    purpose: "batch"
  })
  yield* Console.log(`from a stream: ${fromStream.bytes} bytes`)

  // and back: count the bytes as they arrive, never holding the file whole
  const downloaded = yield* Stream.runFold(Files.contentByteStream(fromPath.id), 0, (n, chunk) => n + chunk.length)
  yield* Console.log(`downloaded ${downloaded} bytes`)

  // a file too large for one request: an upload in parts (each up to 64 MB), completed in order
  const data = new TextEncoder().encode(line.repeat(3_000))
  const upload = yield* Uploads.create({
    filename: "big.jsonl",
    purpose: "batch",
    bytes: data.length,
    mime_type: "text/jsonl"
  })
  const partSize = 40_000
  const parts = yield* Effect.forEach(
    Array.from(
      { length: Math.ceil(data.length / partSize) },
      (_, i) => data.subarray(i * partSize, (i + 1) * partSize)
    ),
    (part) => Uploads.parts.create(upload.id, { data: part }),
    { concurrency: 4 }
  )
  const done = yield* Uploads.complete(upload.id, { part_ids: parts.map((part) => part.id) })
  yield* Console.log(`upload in ${parts.length} parts: ${done.status}, file ${done.file?.bytes} bytes`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
