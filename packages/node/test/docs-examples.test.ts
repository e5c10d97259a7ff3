import type { Chat } from "@effect-openai/core"
import { MockServer } from "@effect-openai/testing"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Multipart from "@effect/platform/Multipart"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))

/** Runs a docs example as a user would (tsx), against a MockServer through the OPENAI_* variables. */
const runExample = (server: MockServer.Service, name: string) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      `${root}/node_modules/.bin/tsx`,
      ["--tsconfig", "tsconfig.json", `docs/examples/${name}`],
      {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, OPENAI_API_KEY: server.apiKey, OPENAI_BASE_URL: server.url }
      },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
    return Effect.sync(() => child.kill())
  })

/** A small Files API in memory (upload, list with cursor pages, content), for the uploads and pagination examples. */
const filesRoutes = (seeded: number) => {
  const files = Array.from({ length: seeded }, (_, i) => ({
    id: `file-seed${i}`,
    filename: `seed${i}.jsonl`,
    content: new TextEncoder().encode(`{"seed":${i}}\n`)
  }))
  const objectOf = (file: (typeof files)[number]) => ({
    id: file.id,
    object: "file",
    filename: file.filename,
    bytes: file.content.length
  })
  return HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/files",
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const parts = yield* Stream.runCollect(request.multipartStream)
        const file = Chunk.findFirst(parts, Multipart.isFile)
        if (file._tag === "None") {
          return HttpServerResponse.unsafeJson({ error: { message: "no file" } }, { status: 400 })
        }
        const chunks = yield* Stream.runCollect(file.value.content)
        const content = new Uint8Array(Chunk.reduce(chunks, 0, (n, chunk) => n + chunk.length))
        let offset = 0
        for (const chunk of chunks) {
          content.set(chunk, offset)
          offset += chunk.length
        }
        const stored = { id: `file-${files.length}`, filename: file.value.name, content }
        files.push(stored)
        return HttpServerResponse.unsafeJson(objectOf(stored))
      }).pipe(Effect.provideService(Multipart.FieldMimeTypes, Chunk.empty()), Effect.orDie)
    ),
    HttpRouter.get(
      "/v1/files",
      Effect.gen(function*() {
        const query = yield* HttpServerRequest.ParsedSearchParams
        const limit = Number(query.limit ?? 20)
        const from = typeof query.after === "string" ? files.findIndex((file) => file.id === query.after) + 1 : 0
        const data = files.slice(from, from + limit).map(objectOf)
        return HttpServerResponse.unsafeJson({
          object: "list",
          data,
          has_more: from + limit < files.length,
          last_id: data.at(-1)?.id ?? null
        })
      })
    ),
    HttpRouter.get(
      "/v1/files/:file_id/content",
      Effect.gen(function*() {
        const { file_id } = yield* HttpRouter.params
        const file = files.find((candidate) => candidate.id === file_id)
        return file === undefined
          ? HttpServerResponse.unsafeJson({ error: { message: "No such file" } }, { status: 404 })
          : HttpServerResponse.uint8Array(file.content, { contentType: "application/octet-stream" })
      })
    )
  )
}

describe("docs examples run against MockServer", () => {
  it("the README's example is docs/examples/readme.ts, verbatim", () => {
    const readme = readFileSync(`${root}/README.md`, "utf8")
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(block).toBe(readFileSync(`${root}/docs/examples/readme.ts`, "utf8"))
  })

  it.scopedLive("readme.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "readme.ts")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Say this is a test!")
      expect(result.stdout).toContain("req_mock")
    }), 60_000)

  it.scopedLive("getting-started.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "getting-started.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Say this is a test!")
      expect(result.stdout).toMatch(/request id req_mock/)
      expect(result.stdout).toMatch(/\d+ models, e\.g\. gpt-4o-mini/)
      const served = yield* server.requests
      expect(served.at(-1)!.headers["x-trace"]).toBe("docs")
    }), 60_000)

  it.scopedLive("errors.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "errors.ts")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("retrieve: not found (model_not_found, request req_mock")
      expect(result.stdout).toContain("reply: This is a mock reply to: Hi")
      expect(result.stdout).toContain("AuthenticationError: 401 Incorrect API key provided")
      expect(result.stdout).not.toContain("not-a-valid-key")
    }), 60_000)

  it.scopedLive("retries-and-timeouts.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ status: 500, headers: { "retry-after-ms": "10" } })
      const result = yield* runExample(server, "retries-and-timeouts.ts")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Hi / This is a mock reply to: Hi")
      expect(result.stdout).toContain("done")
      expect(result.stdout).toContain("within the budget: This is a mock reply to: Hi")
      expect((yield* server.requests).map((request) => request.fault?.status ?? 200)).toStrictEqual([
        500,
        200,
        200,
        200,
        200
      ])
    }), 60_000)

  it.scopedLive("streaming.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      // the four first streams are served as they are; the fifth (opened) meets a 429 on every attempt
      for (let i = 0; i < 4; i++) yield* server.fault({})
      for (let i = 0; i < 3; i++) yield* server.fault({ status: 429, headers: { "retry-after-ms": "10" } })
      const result = yield* runExample(server, "streaming.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Write a haiku about streams.\n")
      expect(result.stdout).toMatch(/finish: stop, tokens: \d+/)
      expect(result.stdout).toMatch(/request id: req_mock/)
      expect(result.stdout).toContain("complete")
      expect(result.stdout).toMatch(/would answer 429: 429 .*rate_limit_exceeded/)
      expect((yield* server.requests).map((request) => request.fault?.status ?? 200)).toStrictEqual([
        200,
        200,
        200,
        200,
        429,
        429,
        429
      ])
    }), 60_000)

  it.scopedLive("embeddings.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "embeddings.ts")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("2 vectors of 1536 dimensions")
      expect(result.stdout).toMatch(/cosine similarity: -?0\.\d{4}/)
    }), 60_000)

  it.scopedLive("uploads.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ routes: filesRoutes(0) })
      const result = yield* runExample(server, "uploads.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("uploaded train.jsonl as file-0 (37000 bytes)")
      expect(result.stdout).toContain("uploaded small.jsonl as file-1 (32 bytes)")
      expect(result.stdout).toContain("downloaded 37000 bytes")
    }), 60_000)

  it.scopedLive("pagination.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ routes: filesRoutes(5) })
      const result = yield* runExample(server, "pagination.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("first page: file-seed0, file-seed1 (more: true)")
      expect(result.stdout).toContain("second page: file-seed2, file-seed3")
      expect(result.stdout).toContain("first three: seed0.jsonl, seed1.jsonl, seed2.jsonl")
      expect(result.stdout).toContain("5 files in all")
      // taking three items fetched two pages, not three
      const lists = (yield* server.requests).filter((request) => request.path === "/files")
      expect(lists.map((request) => request.query.after ?? "-")).toStrictEqual([
        "-",
        "file-seed1",
        "-",
        "file-seed1",
        "-",
        "file-seed1",
        "file-seed3"
      ])
    }), 60_000)

  it.scopedLive("transport.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "transport.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("declared: {\"returnsRedirects\":true,\"enforcesDeadline\":true")
      expect(result.stdout).toMatch(
        /POST http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions: 200 in .+ \(deadline: \d+ ms left\)/
      )
      expect(result.stdout).toContain("This is a mock reply to: Say this is a test!")
      expect((yield* server.requests)[0]!.headers["x-client"]).toBe("docs-example")
    }), 60_000)

  it.scopedLive("migrating.ts", () =>
    Effect.gen(function*() {
      // every snippet of the page is an excerpt of the example
      const example = readFileSync(`${root}/docs/examples/migrating.ts`, "utf8")
      const page = readFileSync(`${root}/docs/migrating-from-openai.md`, "utf8")
      const snippets = Array.from(page.matchAll(/```ts\n([\s\S]*?)```/g), (match) => match[1]!)
      expect(snippets.length).toBeGreaterThanOrEqual(8)
      for (const snippet of snippets) expect(example).toContain(snippet)

      const server = yield* MockServer.make()
      // streams paced so that stopping after the first chunk leaves the server still writing
      const paced: MockServer.Fault = { path: "/chat/completions", stream: { interval: "30 millis" } }
      yield* server.fault(...Array.from({ length: 12 }, () => paced))
      yield* server.fault({ path: "/embeddings", status: 503, headers: { "retry-after-ms": "10" } })
      const result = yield* runExample(server, "migrating.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      const lines = result.stdout.trim().split("\n")
      expect(lines).toStrictEqual([
        expect.stringMatching(/^client: \d+ models through the explicit layer$/),
        "create: This is a mock reply to: Say this is a test! (model gpt-4o-mini)",
        expect.stringMatching(
          /^request id: chat\.completion req_mock\w+, failed 404 req_mock\w+, raw 200 application\/json \(\d+ characters\)$/
        ),
        expect.stringMatching(/^errors: AuthenticationError 401 \(request req_mock\w+\)$/),
        "stream: This is a mock reply to: Write a haiku about streams.",
        "for await: This is a mock reply to: Count to five.",
        "readable stream: This is a mock reply to: Say hello.",
        "break: stopped after the first chat.completion.chunk",
        "abort: interrupted",
        "per call: retrying after InternalServerError",
        "per call: This is a mock reply to: Hi, 1536 dimensions",
        "test layer: Scripted. (POST /chat/completions)",
        "mock server: RateLimitError, quota: true"
      ])
      // break and abort closed their connections while the server was still writing
      const outcomes = (yield* server.requests)
        .filter((request) => request.path === "/chat/completions")
        .map((request) => [(request.body as Chat.ChatCompletionCreateParams).messages[0]!.content, request.outcome])
      expect(outcomes).toContainEqual(["Count to ten.", "aborted-by-client"])
      expect(outcomes).toContainEqual(["Count to twenty.", "aborted-by-client"])
      expect(outcomes).toContainEqual(["Count to five.", "completed"])
    }), 60_000)
})
