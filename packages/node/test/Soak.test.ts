import { Chat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Supervisor from "effect/Supervisor"
import * as V8 from "node:v8"
import * as Vm from "node:vm"
import { collect, eventually } from "./utils.js"

/**
 * Soak: many requests, plain and streaming, at concurrency 64 with ~10 % faults injected by the MockServer. The
 * short form runs in the regular suite (and CI); `SOAK=1` runs the full 20,000 requests.
 */
const requests = process.env.SOAK === "1" ? 20_000 : 1_000
const concurrency = 64
const faultRate = 0.1
const heapBoundBytes = 16 * 1024 * 1024

V8.setFlagsFromString("--expose-gc")
const gc = Vm.runInNewContext("gc") as () => void

/** A small deterministic PRNG (mulberry32), so every run injects the same faults. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

interface Plan {
  readonly name: string
  readonly fault: Omit<MockServer.Fault, "once"> & { readonly transient?: boolean }
  /** `success` or the error's tag. */
  readonly expected: string
}

const quickRetryAfter = { "retry-after-ms": "10" }

const plainFaults: ReadonlyArray<Plan> = [
  { name: "500 once", fault: { status: 500, headers: quickRetryAfter, transient: true }, expected: "success" },
  { name: "429 once", fault: { status: 429, headers: quickRetryAfter, transient: true }, expected: "success" },
  { name: "503 always", fault: { status: 503, headers: quickRetryAfter }, expected: "InternalServerError" },
  { name: "400", fault: { status: 400 }, expected: "BadRequestError" },
  { name: "reset once", fault: { drop: true, transient: true }, expected: "success" },
  { name: "reset always", fault: { drop: true }, expected: "ConnectionError" },
  {
    name: "HTML 502 always",
    fault: { status: 502, headers: quickRetryAfter, body: "<html><h1>502 Bad Gateway</h1></html>" },
    expected: "InternalServerError"
  },
  {
    name: "invalid JSON",
    fault: { body: "{\"id\": \"chatcmpl", contentType: "application/json" },
    expected: "ResponseDecodeError"
  },
  { name: "slow once (past the timeout)", fault: { delay: 2_500, transient: true }, expected: "success" }
]

const streamFaults: ReadonlyArray<Plan> = [
  { name: "stream: reset after 3 events", fault: { stream: { dropAfter: 3 } }, expected: "ConnectionError" },
  { name: "stream: truncated after 3 events", fault: { stream: { truncateAfter: 3 } }, expected: "StreamError" },
  { name: "stream: error event after 2", fault: { stream: { errorAfter: 2 } }, expected: "StreamError" },
  {
    name: "stream: stalled past the idle timeout",
    fault: { stream: { stallAfter: { events: 2, duration: 1_500 } } },
    expected: "TimeoutError"
  },
  { name: "stream: 500 once", fault: { status: 500, headers: quickRetryAfter, transient: true }, expected: "success" },
  { name: "stream: reset once", fault: { drop: true, transient: true }, expected: "success" }
]

const messages = [{ role: "user", content: "Say this is a test!" }] as const

const tcpHandles = () => process.getActiveResourcesInfo().filter((name) => name === "TCPSocketWrap").length

describe("soak", () => {
  it.live(`${requests} requests at concurrency ${concurrency} with ~10 % faults`, () =>
    Effect.gen(function*() {
      const next = random(42)
      const plans = Array.from({ length: requests }, (_, i) => {
        const streaming = next() < 0.4
        const faulted = next() < faultRate
        const pool = streaming ? streamFaults : plainFaults
        const plan = faulted ? pool[Math.floor(next() * pool.length)]! : undefined
        return { i, streaming, plan }
      })
      const outcomes = new Map<string, number>()
      const faultsByKind = new Map<string, number>()
      const mismatches: Array<string> = []

      const server = yield* MockServer.make({ recordRequests: false })
      const supervisor = yield* Supervisor.track

      const one = (i: number, plan: Plan | undefined, streaming: boolean) => {
        const headers: Record<string, string> = {}
        if (plan !== undefined) {
          const { transient, ...fault } = plan.fault
          headers[MockServer.faultHeader] = JSON.stringify(transient ? { ...fault, once: `r${i}` } : fault)
        }
        const call = streaming
          ? Effect.map(
            collect(Chat.completions.stream({ model: "gpt-4o-mini", messages }, { headers })),
            ({ error }) => error === undefined ? "success" : error._tag
          )
          : Effect.as(Chat.completions.create({ model: "gpt-4o-mini", messages }, { headers }), "success")
        return Effect.map(Effect.exit(call), (exit): string => {
          if (Exit.isSuccess(exit)) return exit.value
          const failure = Cause.failureOption(exit.cause)
          return failure._tag === "Some" ? failure.value._tag : "defect"
        })
      }

      const run = Effect.gen(function*() {
        const baselineHandles = tcpHandles()
        const client = Effect.gen(function*() {
          // warm-up (code compiled, pool filled) before the heap baseline
          yield* Effect.forEach(plans.slice(0, 200), ({ i, streaming }) => one(-i - 1, undefined, streaming), {
            concurrency,
            discard: true
          })
          gc()
          const heapBefore = process.memoryUsage().heapUsed
          const started = Date.now()
          yield* Effect.forEach(plans, ({ i, plan, streaming }) => {
            if (plan !== undefined) faultsByKind.set(plan.name, (faultsByKind.get(plan.name) ?? 0) + 1)
            return Effect.map(one(i, plan, streaming), (outcome) => {
              outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
              const expected = plan?.expected ?? "success"
              if (outcome !== expected) mismatches.push(`#${i} ${plan?.name ?? "no fault"}: ${outcome} != ${expected}`)
            })
          }, { concurrency, discard: true })
          const seconds = (Date.now() - started) / 1000
          // once the aborted sockets are closed, only the pool's keep-alive ones are left: at most one per call
          const openAtEnd = (yield* eventually(server.connections, ({ open }) => open <= concurrency)).open
          gc()
          const heapAfter = process.memoryUsage().heapUsed
          return { seconds, openAtEnd, heapBefore, heapAfter }
        })
        const measured = yield* client.pipe(
          Effect.provide(
            NodeOpenAi.layer({
              apiKey: Redacted.make(server.apiKey),
              baseURL: server.url,
              timeout: 2_000,
              streamIdleTimeout: 1_000
            })
          ),
          Effect.supervised(supervisor)
        )
        // the client is gone: every socket closed, no fiber of it left
        const connections = yield* eventually(server.connections, ({ open }) => open === 0)
        const handlesAfter = yield* eventually(Effect.sync(tcpHandles), (n) => n <= baselineHandles)
        const alive = yield* supervisor.value
        return { ...measured, connections, baselineHandles, handlesAfter, alive }
      })

      const result = yield* run
      const summary = {
        requests,
        concurrency,
        seconds: result.seconds,
        faults: Object.fromEntries([...faultsByKind].sort()),
        outcomes: Object.fromEntries([...outcomes].sort()),
        connectionsAccepted: result.connections.accepted,
        openConnectionsBeforeClientClosed: result.openAtEnd,
        tcpHandles: { before: result.baselineHandles, after: result.handlesAfter },
        heapMB: {
          before: +(result.heapBefore / 2 ** 20).toFixed(1),
          after: +(result.heapAfter / 2 ** 20).toFixed(1)
        },
        fibersLeft: result.alive.length
      }
      console.info(`soak summary ${JSON.stringify(summary)}`)

      expect(outcomes.get("defect")).toBeUndefined()
      expect(mismatches.slice(0, 10)).toStrictEqual([])
      expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(requests)
      const faulted = [...faultsByKind.values()].reduce((a, b) => a + b, 0)
      expect(faulted / requests).toBeGreaterThan(0.05)
      expect(faulted / requests).toBeLessThan(0.15)
      expect(result.openAtEnd).toBeLessThanOrEqual(concurrency)
      expect(result.connections.open).toBe(0)
      expect(result.handlesAfter).toBeLessThanOrEqual(result.baselineHandles)
      expect(result.heapAfter - result.heapBefore).toBeLessThan(heapBoundBytes)
      expect(result.alive).toStrictEqual([])
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
