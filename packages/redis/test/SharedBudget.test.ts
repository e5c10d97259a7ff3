/**
 * Four OS processes share one budget of N requests a minute through a real Redis, against a MockServer that enforces
 * the same budget (a bucket of N refilled continuously, 429 beyond it): together they never exceed it, every request
 * succeeds, and the server answers no 429 — the limiter prevented them all.
 */
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as RedisServer from "./redisServer.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))

const processes = 4
const perProcess = 180
const requestsPerMinute = 600

/** Runs one worker process to its end; its last line of output is its tally. */
const worker = (env: Record<string, string>) =>
  Effect.async<Record<string, number>, Error>((resume) => {
    const child = spawn(`${root}/node_modules/.bin/tsx`, [
      "--tsconfig",
      "tsconfig.json",
      "packages/redis/test/fixtures/worker.ts"
    ], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString()
    })
    child.stderr.on("data", (data: Buffer) => {
      err += data.toString()
    })
    child.on("exit", (code) => {
      const last = out.trim().split("\n").pop() ?? ""
      if (code === 0 && last.startsWith("{")) resume(Effect.succeed(JSON.parse(last) as Record<string, number>))
      else resume(Effect.fail(new Error(`worker exited with ${code}: ${err.slice(-2000)}`)))
    })
    return Effect.sync(() => {
      child.kill("SIGKILL")
    })
  })

describe("a budget shared by four processes through Redis", () => {
  it.scopedLive(
    `${processes} × ${perProcess} requests under ${requestsPerMinute} a minute: no 429, never over`,
    () =>
      Effect.gen(function*() {
        const redis = yield* RedisServer.start
        const server = yield* MockServer.make({ budget: { requestsPerMinute } })
        const started = Date.now()
        const tallies = yield* Effect.forEach(
          Array.from({ length: processes }, (_, i) => i),
          () =>
            worker({
              MOCK_URL: server.url,
              API_KEY: server.apiKey,
              REDIS_URL: redis.url,
              RPM: String(requestsPerMinute),
              COUNT: String(perProcess),
              PARTITION: "shared-test"
            }),
          { concurrency: "unbounded" }
        )
        const elapsed = Date.now() - started
        // every request of every process succeeded
        expect(tallies).toStrictEqual(Array.from({ length: processes }, () => ({ ok: perProcess })))
        const served = (yield* server.requests).filter((request) => request.path === "/chat/completions")
        expect(served).toHaveLength(processes * perProcess)
        expect(served.filter((request) => request.status === 429)).toHaveLength(0)
        // never over the budget: by any time t after the first request, at most N + N × t / 60 s had arrived
        const times = served.map((request) => request.receivedAt).sort((a, b) => a - b)
        times.forEach((time, index) => {
          expect(index + 1).toBeLessThanOrEqual(requestsPerMinute + requestsPerMinute * (time - times[0]!) / 60_000 + 1)
        })
        // and the limiter did hold them back: the requests beyond the first N came at N a minute
        const beyond = processes * perProcess - requestsPerMinute
        expect(elapsed).toBeGreaterThan(beyond * 60_000 / requestsPerMinute * 0.9)
      }),
    90_000
  )
})
