/**
 * The rate limiter's cost and effect:
 *
 * 1. Overhead per request: chat completions against the benchmark server (its own process), with no budget, an
 *    in-memory budget and a Redis budget (a real `redis-server` started here), budgets too large to ever wait, so
 *    only the limiter's own work is measured; modes alternate, medians of the rounds.
 * 2. Four processes sharing one budget through Redis (the worker of `packages/redis/test/SharedBudget.test.ts`)
 *    against a MockServer enforcing it: requests/s achieved after the first minute's burst vs the budget, and 429s.
 *
 *   TSX_TSCONFIG_PATH=tsconfig.json node --import tsx packages/bench/src/limiter.ts [--quick]
 */
import { Chat, RateLimit } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { RedisBudgetStore } from "@effect-openai/redis"
import { MockServer } from "@effect-openai/testing"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as RedisServer from "../../redis/test/redisServer.js"
import { apiKey, chatParams } from "./clients.js"
import { runConcurrent } from "./stats.js"

const quick = process.argv.includes("--quick")
const root = fileURLToPath(new URL("../../..", import.meta.url))
const children: Array<ChildProcess> = []
const stopAll = () => {
  for (const child of children) child.kill("SIGKILL")
}
process.on("exit", stopAll)

// the redis-server of the tests (a free port, no persistence, ready when it answers PING), for the bench's life
const scope = Effect.runSync(Scope.make())
const startRedis = async () => (await Effect.runPromise(Scope.extend(RedisServer.start, scope))).url

const startServer = () =>
  new Promise<string>((resolve) => {
    // a budget far above what the run sends, so the headers say there is always room: the limiter never waits and
    // only its own work is measured
    const child = spawn(`${root}/node_modules/.bin/tsx`, [
      "--tsconfig",
      "tsconfig.json",
      "packages/bench/src/server.ts"
    ], { cwd: root, env: { ...process.env, BENCH_BUDGET_RPM: "1000000000" }, stdio: ["pipe", "pipe", "inherit"] })
    children.push(child)
    let out = ""
    child.stdout!.on("data", (data: Buffer) => {
      out += data.toString()
      const match = /READY (\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
  })

const huge = {
  budgets: { "*": { requestsPerMinute: 1e12, tokensPerMinute: 1e15 } },
  countTokens: "characters"
} as const

const overhead = async () => {
  const url = await startServer()
  const redisUrl = await startRedis()
  const client = (budget: Layer.Layer<RateLimit.RateLimiter, unknown> | undefined) => {
    const base = NodeOpenAi.layer({ apiKey: Redacted.make(apiKey), baseURL: url })
    return ManagedRuntime.make(budget === undefined ? base : base.pipe(Layer.provide(budget)))
  }
  const modes = {
    off: client(undefined),
    memory: client(RateLimit.layerMemory(huge)),
    redis: client(RateLimit.layer(huge).pipe(Layer.provide(RedisBudgetStore.layer({ url: redisUrl }))))
  }
  const count = quick ? 200 : 5_000
  const rounds = quick ? 1 : 5
  const results: Record<string, Array<{ cpu: number; rps: number }>> = { off: [], memory: [], redis: [] }
  for (const runtime of Object.values(modes)) {
    // warm up: JIT, connections, the Lua script loaded
    await runConcurrent(() => runtime.runPromise(Chat.completions.create(chatParams)), quick ? 20 : 1_000, 64)
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, runtime] of Object.entries(modes)) {
      const cpu = process.cpuUsage()
      const start = performance.now()
      await runConcurrent(() => runtime.runPromise(Chat.completions.create(chatParams)), count, 64)
      const used = process.cpuUsage(cpu)
      const ms = performance.now() - start
      results[name]!.push({ cpu: (used.user + used.system) / count, rps: count / (ms / 1000) })
    }
  }
  for (const runtime of Object.values(modes)) await runtime.dispose()
  const median = (values: Array<number>) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!
  console.log(`\n1. limiter overhead: ${count} chat completions × ${rounds} alternating rounds, concurrency 64`)
  console.log("| budget | CPU µs per request (median) | requests/s (median) |\n|---|---|---|")
  for (const [name, rows] of Object.entries(results)) {
    console.log(
      `| ${name} | ${median(rows.map((row) => row.cpu)).toFixed(1)} | ${
        median(rows.map((row) => row.rps)).toFixed(0)
      } |`
    )
  }
}

const worker = (env: Record<string, string>) =>
  new Promise<Record<string, number>>((resolve, reject) => {
    const child = spawn(`${root}/node_modules/.bin/tsx`, [
      "--tsconfig",
      "tsconfig.json",
      "packages/redis/test/fixtures/worker.ts"
    ], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] })
    children.push(child)
    let out = ""
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString()
    })
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`worker exited ${code}`)))
  })

const shared = async () => {
  const redisUrl = await startRedis()
  const requestsPerMinute = quick ? 600 : 1_200
  const perProcess = quick ? 160 : 600
  const processes = 4
  await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const server = yield* MockServer.make({ budget: { requestsPerMinute } })
    const started = Date.now()
    const tallies = yield* Effect.promise(() =>
      Promise.all(Array.from({ length: processes }, () =>
        worker({
          MOCK_URL: server.url,
          API_KEY: server.apiKey,
          REDIS_URL: redisUrl,
          RPM: String(requestsPerMinute),
          COUNT: String(perProcess),
          PARTITION: "bench"
        })))
    )
    const elapsed = (Date.now() - started) / 1000
    const served = (yield* server.requests).filter((request) => request.path === "/chat/completions")
    const times = served.map((request) => request.receivedAt).sort((a, b) => a - b)
    // after the burst (the bucket's first minute's worth), the rate the limiter let through
    const afterBurst = times.slice(requestsPerMinute)
    const steady = afterBurst.length > 1
      ? (afterBurst.length - 1) / ((afterBurst.at(-1)! - afterBurst[0]!) / 1000)
      : Number.NaN
    const refused = served.filter((request) => request.status === 429).length
    const ok = tallies.reduce((sum, tally) => sum + (tally.ok ?? 0), 0)
    console.log(
      `\n2. ${processes} processes × ${perProcess} requests sharing ${requestsPerMinute} requests a minute through Redis`
    )
    console.log("| budget (requests/s) | achieved after the burst (requests/s) | succeeded | 429s | wall time |")
    console.log("|---|---|---|---|---|")
    console.log(
      `| ${(requestsPerMinute / 60).toFixed(1)} | ${steady.toFixed(2)} | ${ok} of ${
        processes * perProcess
      } | ${refused} | ${elapsed.toFixed(1)} s |`
    )
  })))
}

try {
  await overhead()
  await shared()
} finally {
  stopAll()
  await Effect.runPromise(Scope.close(scope, Exit.void))
}
