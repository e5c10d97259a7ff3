/**
 * SSE decoder throughput (MB/s) for small and large events under 1-byte, 64-byte and 64 KB chunking, and the
 * linear-scaling check: 1 MB vs 10 MB of small events in one chunk.
 *
 *   npm run bench:sse            full run
 *   npm run bench:sse -- --quick smoke run (CI): every case once, small inputs
 */
import { Sse } from "@effect-openai/core"
import { Bench } from "tinybench"
import { chunked, sseEvents } from "./fixtures.js"

const quick = process.argv.includes("--quick")

const decodeAll = (chunks: ReadonlyArray<Uint8Array>): number => {
  const decoder = new Sse.Decoder()
  let size = 0
  const consume = (event: Sse.Event) => {
    size += event.data.length
  }
  for (const chunk of chunks) decoder.push(chunk, consume)
  return size
}

interface Case {
  readonly name: string
  readonly chunks: ReadonlyArray<Uint8Array>
  readonly bytes: number
}

const MB = 1024 * 1024
const small = (total: number) => sseEvents(Math.round(total / 200), 200)
const large = (total: number, eventSize: number) => sseEvents(Math.max(1, Math.round(total / eventSize)), eventSize)

const cases: Array<Case> = []
const add = (name: string, all: Uint8Array, chunkSize: number) =>
  cases.push({ name, chunks: chunkSize >= all.length ? [all] : chunked(all, chunkSize), bytes: all.length })

// 1-byte chunks cost a call per byte whatever the decoder: measured on a smaller input
add("small events (200 B), 1 B chunks", small(quick ? 16 * 1024 : 256 * 1024), 1)
add("small events (200 B), 64 B chunks", small(quick ? 64 * 1024 : 4 * MB), 64)
add("small events (200 B), 64 KB chunks", small(quick ? 256 * 1024 : 4 * MB), 64 * 1024)
add("large events (1 MB), 1 B chunks", large(quick ? 16 * 1024 : 1 * MB, quick ? 16 * 1024 : MB), 1)
add("large events (1 MB), 64 B chunks", large(quick ? 64 * 1024 : 4 * MB, quick ? 64 * 1024 : MB), 64)
add("large events (1 MB), 64 KB chunks", large(quick ? 256 * 1024 : 8 * MB, quick ? 256 * 1024 : MB), 64 * 1024)
add("small events, 1 MB in one chunk", small(quick ? 128 * 1024 : 1 * MB), Infinity)
add("small events, 10 MB in one chunk", small(quick ? 1280 * 1024 : 10 * MB), Infinity)
add("small events, 20 MB in one chunk", small(quick ? 2560 * 1024 : 20 * MB), Infinity)
add("small events, 10 MB in 64 KB chunks", small(quick ? 1280 * 1024 : 10 * MB), 64 * 1024)

const bench = new Bench({ time: quick ? 0 : 1_000, iterations: quick ? 1 : 5, warmup: !quick })
for (const c of cases) bench.add(c.name, () => void decodeAll(c.chunks))
await bench.run()

const rows = cases.map((c) => {
  const task = bench.getTask(c.name)!
  const result = task.result as { latency?: { p50?: number; mean: number } } | undefined
  const millis = result?.latency?.p50 ?? result?.latency?.mean ?? NaN
  return {
    case: c.name,
    "input MB": +(c.bytes / MB).toFixed(2),
    "median ms": +millis.toFixed(2),
    "MB/s": Math.round((c.bytes / MB) / (millis / 1000))
  }
})
console.table(rows)
const row = (name: string) => rows.find((candidate) => candidate.case.includes(name))!
const one = row(" 1 MB in one chunk")
const ten = row("10 MB in one chunk")
const twenty = row("20 MB in one chunk")
const ratio = (a: typeof one, b: typeof one) => (b["median ms"] / a["median ms"]).toFixed(1)
console.log(`scaling, one chunk: 10x the input took ${ratio(one, ten)}x the time; 2x more took ${ratio(ten, twenty)}x`)
console.log("(linear is 10x and 2x; quadratic would be 100x and 4x)")
