import type { Chat } from "@effect-openai/core"
import { MockModel, MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import * as Http from "node:http"
import { fileURLToPath } from "node:url"
import * as RedisServer from "../../redis/test/redisServer.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))

/** Runs a docs example as a user would (tsx), against a MockServer through the OPENAI_* variables. */
const runExample = (server: MockServer.Service, name: string, env: Record<string, string> = {}) =>
  Effect.async<{ readonly code: number; readonly stdout: string; readonly stderr: string }>((resume) => {
    const child = execFile(
      `${root}/node_modules/.bin/tsx`,
      ["--tsconfig", "tsconfig.json", `docs/examples/${name}`],
      {
        cwd: root,
        timeout: 60_000,
        env: { ...process.env, OPENAI_API_KEY: server.apiKey, OPENAI_BASE_URL: server.url, ...env }
      },
      (error, stdout, stderr) =>
        resume(Effect.succeed({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr }))
    )
    return Effect.sync(() => child.kill())
  })

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

  it.scopedLive(
    "responses-streaming.ts: text deltas, the rebuilt response, a cut stream as StreamError",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make()
        // the third stream is cut after two events
        yield* server.fault({}, {}, { stream: { truncateAfter: 2 } })
        const result = yield* runExample(server, "responses-streaming.ts")
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        expect(result.stdout.split("\n")).toStrictEqual([
          "This is a mock reply to: Write a haiku about rivers.",
          expect.stringMatching(/^created resp_\w+$/),
          "status: completed, output items: 1",
          "stream failed: Truncated",
          "done",
          ""
        ])
      }),
    60_000
  )

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
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "uploads.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("from a path: train.jsonl, 37000 bytes")
      expect(result.stdout).toContain("from bytes: small.jsonl, 37 bytes")
      expect(result.stdout).toContain("from a Blob: 37 bytes")
      expect(result.stdout).toContain("from a stream: 74 bytes")
      expect(result.stdout).toContain("downloaded 37000 bytes")
      expect(result.stdout).toContain("upload in 3 parts: completed, file 111000 bytes")
      // the streamed upload went out chunked, with the size given
      const streamed = (yield* server.requests).filter((request) => request.path === "/files")[3]!
      expect(streamed.headers["content-type"]).toContain("multipart/form-data")
    }), 60_000)

  it.scopedLive("pagination.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "pagination.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("first page: f0.jsonl, f1.jsonl (more: true)")
      expect(result.stdout).toContain("second page: f2.jsonl, f3.jsonl")
      expect(result.stdout).toContain("first three: f0.jsonl, f1.jsonl, f2.jsonl")
      expect(result.stdout).toContain("5 files in all")
      // taking three items fetched two pages, not three; counting five fetched three
      const lists = (yield* server.requests).filter((request) => request.method === "GET" && request.path === "/files")
      expect(lists.map((request) => request.query.after === undefined ? "first" : "next")).toStrictEqual([
        "first",
        "next",
        "first",
        "next",
        "first",
        "next",
        "next"
      ])
    }), 60_000)

  it.scopedLive(
    "rate-limits.ts: 610 calls under a budget of 600 a minute, none rate-limited",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ budget: { requestsPerMinute: 600 } })
        const result = yield* runExample(server, "rate-limits.ts")
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        expect(result.stdout).toMatch(/^610 answered, 0 rate-limited, in \d+ ms$/m)
        const served = yield* server.requests
        expect(served.filter((request) => request.status === 429)).toHaveLength(0)
      }),
    60_000
  )

  it.scopedLive("rate-limits.ts with REDIS_URL: the budget kept in a real Redis", () =>
    Effect.gen(function*() {
      const redis = yield* RedisServer.start
      const server = yield* MockServer.make({ budget: { requestsPerMinute: 600 } })
      const result = yield* runExample(server, "rate-limits.ts", { REDIS_URL: redis.url })
      expect(result.stderr).toBe("")
      expect(result.stdout).toMatch(/^610 answered, 0 rate-limited, in \d+ ms$/m)
    }), 60_000)

  it.scopedLive("observability.ts: spans and metrics reach an OTLP/HTTP collector", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const received: Record<string, Array<string>> = {}
      const collector = yield* Effect.acquireRelease(
        Effect.async<Http.Server>((resume) => {
          const http = Http.createServer((request, response) => {
            let body = ""
            request.on("data", (chunk: Buffer) => {
              body += chunk.toString()
            })
            request.on("end", () => {
              ;(received[request.url ?? ""] ??= []).push(body)
              response.writeHead(200, { "content-type": "application/json" }).end("{}")
            })
          })
          http.listen(0, "127.0.0.1", () => resume(Effect.succeed(http)))
        }),
        (http) =>
          Effect.async<void>((resume) => {
            http.close(() => resume(Effect.void))
          })
      )
      const address = collector.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      const result = yield* runExample(server, "observability.ts", {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`
      })
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Say this is a test!")
      const traces = (received["/v1/traces"] ?? []).join("\n")
      expect(traces).toContain("chat gpt-4o-mini")
      expect(traces).toContain("gen_ai.provider.name")
      expect(traces).toContain("gen_ai.usage.output_tokens")
      expect(traces).toContain("\"answer\"")
      const metrics = (received["/v1/metrics"] ?? []).join("\n")
      expect(metrics).toContain("gen_ai.client.operation.duration")
      expect(metrics).toContain("gen_ai.client.token.usage")
      expect(metrics).toContain("gen_ai.client.operation.time_to_first_chunk")
    }), 60_000)

  it.scopedLive(
    "structured-outputs.ts: the strict schema sent, the mock model's answer decoded",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make()
        const result = yield* runExample(server, "structured-outputs.ts")
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        // the mock model answers the simplest value the schema allows: location null, decoded back to absent
        const lines = result.stdout.trim().split("\n")
        expect(lines[0]).toBe("{\"name\":\"\",\"date\":\"\",\"attendees\":[]}")
        // streamed: the partial values (the null of the absent location dropped), then the decoded value
        expect(lines.at(-2)).toBe("partial: {\"name\":\"\",\"date\":\"\",\"attendees\":[]}")
        expect(lines.at(-1)).toBe("parsed: {\"name\":\"\",\"date\":\"\",\"attendees\":[]}")
        const [sent] = yield* server.requests
        const format = (sent!.body as { response_format: { json_schema: { strict: boolean; schema: unknown } } })
          .response_format.json_schema
        expect(format.strict).toBe(true)
        expect(format.schema).toMatchObject({
          required: ["name", "date", "attendees", "location"],
          additionalProperties: false,
          properties: { location: { type: ["string", "null"] } }
        })
      }),
    60_000
  )

  it.scopedLive(
    "tools.ts: the mock model calls the tool, the runner answers it, for both APIs",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ model: MockModel.toolCaller })
        const result = yield* runExample(server, "tools.ts")
        expect(result.stderr).toBe("")
        expect(result.code).toBe(0)
        // the simplest arguments the schema allows (city ""), the handler's value, the model's summary of it
        const output = "{\"city\":\"\",\"sky\":\"sunny\",\"temperature\":18}"
        expect(result.stdout.split("\n").filter((line) => line !== "")).toStrictEqual([
          `tool get_weather: ${output}`,
          `chat answer: The tools answered: ${output}`,
          "step 1: 1 tool call(s)",
          "step 2: 0 tool call(s)",
          `responses answer: The tools answered: ${output}`,
          // the mock model answers a json_schema format with the simplest value it allows
          "typed answer: , 0 °C, coat: false"
        ])
        const requests = yield* server.requests
        expect(requests.map((request) => request.path)).toStrictEqual([
          "/chat/completions",
          "/chat/completions",
          "/responses",
          "/responses",
          "/chat/completions",
          "/chat/completions"
        ])
        expect((requests[3]!.body as { stream: boolean }).stream).toBe(true)
        // the format went with both calls of the typed run, the tool call in between
        expect(
          requests.slice(4).map((request) =>
            (request.body as { response_format?: { type: string } })
              .response_format?.type
          )
        ).toStrictEqual(["json_schema", "json_schema"])
      }),
    60_000
  )

  it.scopedLive("batch-stream.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "batch-stream.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout.match(/^batch batch_mock\w+ created$/gm)).toHaveLength(2)
      expect(result.stdout).toContain("q0: This is a mock reply to: What is the capital of France?")
      expect(result.stdout).toContain("q1: This is a mock reply to: What color is the sky?")
      expect(result.stdout).toContain("q2: This is a mock reply to: How many legs has a spider?")
    }), 60_000)

  it.scopedLive("batches.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "batches.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/batch batch_mock\w+: validating/)
      expect(result.stdout).toContain("status: in_progress\nstatus: finalizing\nstatus: completed")
      expect(result.stdout).toContain("2 of 2 requests completed")
      expect(result.stdout).toContain("capital: This is a mock reply to: What is the capital of France?")
      expect(result.stdout).toContain("color: This is a mock reply to: What color is the sky?")
    }), 60_000)

  it.scopedLive("audio-images.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "audio-images.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toMatch(/speech: \d{4,} bytes in /)
      expect(result.stdout).toMatch(/speech events: \d+, done/)
      expect(result.stdout).toMatch(/image: \d+ bytes of PNG/)
      expect(result.stdout).toContain(
        "image event: image_generation.partial_image\nimage event: image_generation.completed"
      )
      const speech = (yield* server.requests).filter((request) => request.path === "/audio/speech")
      expect(speech).toHaveLength(2)
    }), 60_000)

  it.scopedLive("webhooks.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "webhooks.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("response resp_1 completed\nsigned request: 200")
      expect(result.stdout).toContain("refused: InvalidSignature\nforged request: 400")
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
