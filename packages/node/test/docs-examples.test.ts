import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
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
        env: { ...process.env, OPENAI_API_KEY: server.apiKey!, OPENAI_BASE_URL: server.url }
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
      expect((yield* server.requests).map((request) => request.fault?.status ?? 200)).toStrictEqual([
        500,
        200,
        200,
        200
      ])
    }), 60_000)

  it.scopedLive("streaming.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "streaming.ts")
      expect(result.stderr).toBe("")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("This is a mock reply to: Write a haiku about streams.\n")
      expect(result.stdout).toMatch(/finish: stop, tokens: \d+/)
      expect(result.stdout).toMatch(/request id: req_mock/)
      expect(result.stdout).toContain("complete")
    }), 60_000)

  it.scopedLive("embeddings.ts", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const result = yield* runExample(server, "embeddings.ts")
      expect(result.code).toBe(0)
      expect(result.stdout).toContain("2 vectors of 1536 dimensions")
      expect(result.stdout).toMatch(/cosine similarity: -?0\.\d{4}/)
    }), 60_000)
})
