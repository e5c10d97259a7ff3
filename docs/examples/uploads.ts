// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/uploads.ts
// Uploads and downloads with operations declared here (the generated Files resource will offer the same calls).
import { Multipart, OpenAiClient, Operation } from "@effect-openai/core"
import { NodeFile, NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Schema, Stream } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const FileObject = Schema.Struct({ id: Schema.String, filename: Schema.String, bytes: Schema.Number })

// POST /files: a multipart body with a file and a text field
const createFile = (fields: { readonly file: Multipart.File | Blob; readonly purpose: string }) =>
  OpenAiClient.request({
    name: "files.create",
    method: "POST",
    path: "/files",
    body: Operation.multipartBody(fields),
    response: Operation.jsonResponse(FileObject)
  })

// GET /files/{id}/content: the bytes as a stream, never held whole in memory
const fileContent = (fileId: string) =>
  OpenAiClient.stream({
    name: "files.content",
    method: "GET",
    path: `/files/${encodeURIComponent(fileId)}/content`,
    response: Operation.byteStreamResponse
  })

const program = Effect.gen(function*() {
  const path = join(mkdtempSync(join(tmpdir(), "uploads-")), "train.jsonl")
  writeFileSync(path, "{\"prompt\":\"hi\",\"completion\":\"hello\"}\n".repeat(1_000))

  // from disk: read as it is sent, and sent again whole if the first attempt fails
  const uploaded = yield* createFile({ file: yield* NodeFile.fromPath(path), purpose: "fine-tune" })
  yield* Console.log(`uploaded ${uploaded.filename} as ${uploaded.id} (${uploaded.bytes} bytes)`)

  // from memory: bytes or text with a file name
  const small = yield* createFile({
    file: Multipart.file("{\"prompt\":\"a\",\"completion\":\"b\"}\n", { filename: "small.jsonl" }),
    purpose: "batch"
  })
  yield* Console.log(`uploaded ${small.filename} as ${small.id} (${small.bytes} bytes)`)

  // and back: count the bytes as they arrive
  const downloaded = yield* Stream.runFold(fileContent(uploaded.id), 0, (total, chunk) => total + chunk.length)
  yield* Console.log(`downloaded ${downloaded} bytes`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
