/**
 * Side-by-side benchmarks of effect-openai, the official `openai` SDK, @effect/ai-openai and bare undici, in one
 * run on one machine. The server is a MockServer in a separate process. Clients run in alternation (A B C A B C
 * ...) after a warm-up, several rounds; results are medians with the spread (min–max) across rounds, and ratios.
 *
 *   pnpm bench              full run: writes docs/benchmarks.md and docs/benchmarks.json
 *   pnpm bench -- --quick   smoke pass (CI): every case runs once with small counts; writes nothing in docs/
 */
import { Chat, Sse } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createParser } from "eventsource-parser"
import { type ChildProcess, execFile, spawn } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Stream as OpenAiStream } from "openai/streaming"
import * as Clients from "./clients.js"
import { chunked, sseEvents } from "./fixtures.js"
import { format, measure, runConcurrent, summarize, type Summary } from "./stats.js"

const quick = process.argv.includes("--quick")
const root = fileURLToPath(new URL("../../..", import.meta.url))
const log = (line: string) => process.stdout.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------------------------
// server process
// ---------------------------------------------------------------------------------------------------------------

const startServer = () =>
  new Promise<{ url: string; child: ChildProcess }>((resolve, reject) => {
    const child = spawn(`${root}/node_modules/.bin/tsx`, [
      "--tsconfig",
      "tsconfig.json",
      "packages/bench/src/server.ts"
    ], {
      cwd: root,
      stdio: ["pipe", "pipe", "inherit"]
    })
    let out = ""
    child.stdout!.on("data", (data: Buffer) => {
      out += data.toString()
      const match = /READY (\S+)/.exec(out)
      if (match) resolve({ url: match[1]!, child })
    })
    child.on("exit", (code) => reject(new Error(`server exited with ${code}`)))
  })

// ---------------------------------------------------------------------------------------------------------------
// cases
// ---------------------------------------------------------------------------------------------------------------

const rounds = quick ? 1 : 5

/** Runs `perRound` for every client in alternation, `rounds` times, after one warm-up pass. */
const alternate = async <A>(
  clients: ReadonlyArray<Clients.BenchClient>,
  perRound: (client: Clients.BenchClient) => Promise<A>
): Promise<Map<string, Array<A>>> => {
  const results = new Map<string, Array<A>>(clients.map((client) => [client.name, []]))
  for (const client of clients) await perRound(client) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const client of clients) results.get(client.name)!.push(await perRound(client))
  }
  return results
}

const nonStreaming = async (clients: ReadonlyArray<Clients.BenchClient>) => {
  const table: Array<Record<string, unknown>> = []
  for (const concurrency of [1, 64]) {
    const total = quick ? 20 : concurrency === 1 ? 1_000 : 4_000
    const results = await alternate(
      clients,
      (client) =>
        measure(() => runConcurrent(client.chat, total, concurrency)).then((m) => ({
          rps: total / (m.wallMs / 1000),
          cpu: m.cpuMicros / total
        }))
    )
    for (const client of clients) {
      const samples = results.get(client.name)!
      table.push({
        client: client.name,
        concurrency,
        rps: summarize(samples.map((s) => s.rps)),
        cpuPerRequest: summarize(samples.map((s) => s.cpu))
      })
    }
  }
  return table
}

const streaming = async (clients: ReadonlyArray<Clients.BenchClient>) => {
  const chunks = quick ? 50 : 2_000
  const fault = JSON.stringify({ stream: { chunks } })
  const streams = quick ? 1 : 10
  const results = await alternate(clients.filter((client) => client.stream), async (client) => {
    let total = 0
    const firsts: Array<number> = []
    const m = await measure(async () => {
      for (let i = 0; i < streams; i++) {
        const result = await client.stream!(fault)
        total += result.chunks
        firsts.push(result.firstChunkMs)
      }
    })
    return {
      chunksPerSecond: total / (m.wallMs / 1000),
      cpuPerChunk: m.cpuMicros / total,
      firstChunkMs: summarize(firsts).median,
      chunks: total
    }
  })
  return [...results.entries()].map(([client, samples]) => ({
    client,
    chunksPerSecond: summarize(samples.map((s) => s.chunksPerSecond)),
    cpuPerChunk: summarize(samples.map((s) => s.cpuPerChunk)),
    firstChunkMs: summarize(samples.map((s) => s.firstChunkMs)),
    chunksPerStream: samples[0]!.chunks / streams
  }))
}

// SSE decoding alone: the same bytes, the same work per event (decode + JSON.parse of the data)
const sseEventsDone = (count: number, size: number) => sseEvents(count, size, true)

const decoders: ReadonlyArray<
  { readonly name: string; readonly run: (chunks: ReadonlyArray<Uint8Array>) => Promise<number> }
> = [
  {
    name: "effect-openai Sse.Decoder",
    run: async (chunks) => {
      let events = 0
      const decoder = new Sse.Decoder()
      const onEvent = (event: Sse.Event) => {
        if (event.data !== "[DONE]") {
          JSON.parse(event.data)
          events++
        }
      }
      for (const bytes of chunks) decoder.push(bytes, onEvent)
      return events
    }
  },
  {
    name: "openai (official) Stream.fromSSEResponse",
    run: async (chunks) => {
      let index = 0
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (index < chunks.length) controller.enqueue(chunks[index++]!)
          else controller.close()
        }
      })
      let events = 0
      for await (const _ of OpenAiStream.fromSSEResponse(new Response(body), new AbortController())) events++
      return events
    }
  },
  {
    name: "eventsource-parser",
    run: async (chunks) => {
      let events = 0
      const parser = createParser({
        onEvent: (event) => {
          if (event.data !== "[DONE]") {
            JSON.parse(event.data)
            events++
          }
        }
      })
      const decoder = new TextDecoder()
      for (const bytes of chunks) parser.feed(decoder.decode(bytes, { stream: true }))
      return events
    }
  }
]

const sseDecoding = async () => {
  const MB = 1024 * 1024
  const inputs = [
    { events: "small (200 B)", chunking: "1 B", bytes: sseEventsDone(quick ? 50 : 1_000, 200), size: 1 },
    { events: "small (200 B)", chunking: "64 B", bytes: sseEventsDone(quick ? 500 : 20_000, 200), size: 64 },
    { events: "small (200 B)", chunking: "64 KB", bytes: sseEventsDone(quick ? 500 : 20_000, 200), size: 64 * 1024 },
    // a line split into many chunks is quadratic in the official decoder (it concatenates its buffer per chunk):
    // at 1-byte chunking a 1 MB event would take hours there, so that case uses a 64 KB event
    { events: "64 KB", chunking: "1 B", bytes: sseEventsDone(1, quick ? 16 * 1024 : 64 * 1024), size: 1 },
    { events: "1 MB", chunking: "64 B", bytes: sseEventsDone(1, quick ? 64 * 1024 : MB), size: 64 },
    { events: "1 MB", chunking: "64 KB", bytes: sseEventsDone(quick ? 1 : 8, quick ? 64 * 1024 : MB), size: 64 * 1024 }
  ]
  const table: Array<Record<string, unknown>> = []
  for (const input of inputs) {
    const chunks = chunked(input.bytes, input.size)
    const expected = await decoders[0]!.run(chunks)
    const samples = new Map<string, Array<number>>(decoders.map((d) => [d.name, []]))
    for (const decoder of decoders) {
      if ((await decoder.run(chunks)) !== expected) {
        throw new Error(`${decoder.name} decoded a different number of events`)
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const decoder of decoders) {
        const start = performance.now()
        await decoder.run(chunks)
        samples.get(decoder.name)!.push((input.bytes.length / MB) / ((performance.now() - start) / 1000))
      }
    }
    for (const decoder of decoders) {
      table.push({
        decoder: decoder.name,
        events: input.events,
        chunking: input.chunking,
        mbPerSecond: summarize(samples.get(decoder.name)!)
      })
    }
  }
  return table
}

const embeddings = async (clients: ReadonlyArray<Clients.BenchClient>) => {
  const input = Array.from({ length: quick ? 16 : 2_048 }, (_, i) => `input number ${i}`)
  const table: Array<Record<string, unknown>> = []
  for (const format of ["float", "base64"] as const) {
    const results = await alternate(
      clients.filter((client) => client.embeddings),
      (client) => measure(() => client.embeddings!(input, format))
    )
    for (const [client, samples] of results) {
      table.push({
        client,
        format: format === "float" ? "JSON floats" : "base64 (default)",
        ms: summarize(samples.map((s) => s.wallMs)),
        cpuMs: summarize(samples.map((s) => s.cpuMicros / 1000))
      })
    }
  }
  return table
}

const memory = async (url: string) => {
  const events = quick ? 2_000 : 100_000
  const gc = (globalThis as { gc?: () => void }).gc
  const sample = () => {
    gc?.()
    const usage = process.memoryUsage()
    return { heapMB: usage.heapUsed / 1024 / 1024, rssMB: usage.rss / 1024 / 1024 }
  }
  const before = sample()
  const samples: Array<{ chunks: number; heapMB: number; rssMB: number }> = []
  // heap read every tenth of the stream, while it is consumed
  let seen = 0
  await Effect.runPromise(
    Chat.completions.stream(Clients.chatParams, {
      headers: { "x-mock-fault": JSON.stringify({ stream: { chunks: events } }) }
    }).pipe(
      Stream.runForEach(() =>
        Effect.sync(() => {
          seen++
          if (seen % Math.floor(events / 10) === 0) samples.push({ chunks: seen, ...sample() })
        })
      ),
      Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(Clients.apiKey), baseURL: url }))
    )
  )
  const after = sample()
  return { events, gcExposed: gc !== undefined, before, samples, after }
}

const startup = async (url: string) => {
  const run = promisify(execFile)
  const scripts = ["effect-openai", "openai", "effect-ai-openai", "undici"]
  const results = new Map<string, Array<Record<string, number>>>(scripts.map((s) => [s, []]))
  for (let round = 0; round < (quick ? 1 : 5); round++) {
    for (const script of scripts) {
      const { stdout } = await run(process.execPath, [`packages/bench/startup/${script}.mjs`, url], { cwd: root })
      results.get(script)!.push(JSON.parse(stdout.trim().split("\n").at(-1)!))
    }
  }
  return [...results.entries()].map(([client, samples]) => ({
    client,
    importMs: summarize(samples.map((s) => s.importMs!)),
    buildMs: summarize(samples.map((s) => s.buildMs!)),
    firstRequestMs: summarize(samples.map((s) => s.firstRequestMs!)),
    totalMs: summarize(samples.map((s) => s.sinceProcessStartMs!))
  }))
}

/** What an Effect app already loads: the baseline the import cost of our packages is measured on. */
const effectBaseline = ["effect", "@effect/platform/HttpClient"]

const importSets: ReadonlyArray<{ readonly name: string; readonly modules: ReadonlyArray<string> }> = [
  { name: "effect + @effect/platform/HttpClient (baseline)", modules: effectBaseline },
  { name: "baseline + @effect-openai/core/Chat", modules: [...effectBaseline, "@effect-openai/core/Chat"] },
  { name: "baseline + @effect-openai/core", modules: [...effectBaseline, "@effect-openai/core"] },
  {
    name: "baseline + @effect-openai/core + /node",
    modules: [...effectBaseline, "@effect-openai/core", "@effect-openai/node"]
  },
  { name: "openai (official)", modules: ["openai"] }
]

/** Import cost of each set in fresh processes, in alternation; ours also as the difference with the baseline. */
const imports = async () => {
  const run = promisify(execFile)
  const samples = new Map<string, Array<number>>(importSets.map((set) => [set.name, []]))
  for (let round = 0; round < (quick ? 1 : 15); round++) {
    for (const set of importSets) {
      const { stdout } = await run(process.execPath, ["packages/bench/startup/import.mjs", ...set.modules], {
        cwd: root
      })
      samples.get(set.name)!.push(JSON.parse(stdout.trim().split("\n").at(-1)!).importMs)
    }
  }
  const baseline = summarize(samples.get(importSets[0]!.name)!).median
  return importSets.map((set) => {
    const importMs = summarize(samples.get(set.name)!)
    return {
      imports: set.name,
      importMs,
      overBaselineMs: set.name.startsWith("baseline +") ? importMs.median - baseline : NaN
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// report
// ---------------------------------------------------------------------------------------------------------------

const isSummary = (u: unknown): u is Summary => typeof u === "object" && u !== null && "median" in u

const markdownTable = (rows: ReadonlyArray<Record<string, unknown>>, digits: Record<string, number> = {}) => {
  const keys = Object.keys(rows[0] ?? {})
  const cell = (key: string, value: unknown) =>
    isSummary(value)
      ? format(value, digits[key] ?? 0)
      : typeof value === "number"
      ? value.toFixed(digits[key] ?? 0)
      : String(value)
  return [
    `| ${keys.join(" | ")} |`,
    `|${keys.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${keys.map((key) => cell(key, row[key])).join(" | ")} |`)
  ].join("\n")
}

const median = (rows: ReadonlyArray<Record<string, unknown>>, match: Record<string, unknown>, key: string) => {
  const row = rows.find((candidate) => Object.entries(match).every(([k, v]) => candidate[k] === v))
  const value = row?.[key]
  return isSummary(value) ? value.median : NaN
}

const main = async () => {
  const { url, child } = await startServer()
  log(`server: ${url} (pid ${child.pid})`)
  const clients: Array<Clients.BenchClient> = []
  for (const make of Clients.allClients) clients.push(await make(url))
  try {
    log("case 1: non-streaming chat completions")
    const case1 = await nonStreaming(clients)
    log("case 2: a 2,000-chunk stream")
    const case2 = await streaming(clients)
    log("case 3: SSE decoding")
    const case3 = await sseDecoding()
    log("case 4: embeddings")
    const case4 = await embeddings(clients)
    log("case 5: memory on a long stream")
    const case5 = await memory(url)
    log("case 6: import and startup")
    const case6 = await startup(url)
    log("case 7: import cost on top of an Effect app")
    const case7 = await imports()

    const ours = "effect-openai"
    const official = "openai (official)"
    const floor = "undici.request (floor)"
    const ratios = {
      throughputVsOfficial64: median(case1, { client: ours, concurrency: 64 }, "rps") /
        median(case1, { client: official, concurrency: 64 }, "rps"),
      throughputVsOfficial1: median(case1, { client: ours, concurrency: 1 }, "rps") /
        median(case1, { client: official, concurrency: 1 }, "rps"),
      cpuVsFloor64: median(case1, { client: ours, concurrency: 64 }, "cpuPerRequest") /
        median(case1, { client: floor, concurrency: 64 }, "cpuPerRequest"),
      cpuVsOfficial64: median(case1, { client: ours, concurrency: 64 }, "cpuPerRequest") /
        median(case1, { client: official, concurrency: 64 }, "cpuPerRequest"),
      streamVsOfficial: median(case2, { client: ours }, "chunksPerSecond") /
        median(case2, { client: official }, "chunksPerSecond"),
      cpuPerChunkVsFloor: median(case2, { client: ours }, "cpuPerChunk") /
        median(case2, { client: floor }, "cpuPerChunk"),
      chatImportOverBaselineMs: (case7.find((row) => row.imports.endsWith("/core/Chat"))?.overBaselineMs ?? NaN)
    }
    const results = {
      date: new Date().toISOString(),
      quick,
      machine: machine(),
      case1,
      case2,
      case3,
      case4,
      case5,
      case6,
      case7,
      ratios
    }
    console.log(JSON.stringify(ratios, null, 2))
    if (quick) {
      log("quick pass: every case ran; nothing written")
      return
    }
    writeFileSync(`${root}/docs/benchmarks.json`, JSON.stringify(results, null, 2) + "\n")
    writeFileSync(`${root}/docs/benchmarks.md`, report(results))
    log("wrote docs/benchmarks.md and docs/benchmarks.json")
  } finally {
    for (const client of clients) await client.close()
    child.stdin!.end()
    child.kill("SIGTERM")
  }
}

const machine = () => ({
  cpu: Os.cpus()[0]?.model ?? "unknown",
  cores: Os.cpus().length,
  memoryGB: Math.round(Os.totalmem() / 1024 ** 3),
  os: `${Os.type()} ${Os.release()}`,
  node: process.version
})

const report = (results: any): string => {
  const r = results.ratios
  const m = results.machine
  const x = (n: number) => `${n.toFixed(2)}×`
  const sseRows = results.case3 as Array<Record<string, unknown>>
  const sseWins = [...new Set(sseRows.map((row) => `${row.events}|${row.chunking}`))].map((key) => {
    const [events, chunking] = key.split("|")
    const ours = median(sseRows, { decoder: "effect-openai Sse.Decoder", events, chunking }, "mbPerSecond")
    const best = Math.max(
      median(sseRows, { decoder: "openai (official) Stream.fromSSEResponse", events, chunking }, "mbPerSecond"),
      median(sseRows, { decoder: "eventsource-parser", events, chunking }, "mbPerSecond")
    )
    return { events, chunking, ratio: ours / best }
  })
  const mem = results.case5
  return `# Benchmarks

Generated by \`pnpm bench\` (\`packages/bench/src/main.ts\`) on ${results.date.slice(0, 10)}. Raw results:
[benchmarks.json](benchmarks.json).

Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, ${m.os}, Node ${m.node}. The server is \`MockServer\` in a
separate process on 127.0.0.1, with the same replies for every client. Clients run in alternation after a warm-up,
${rounds} rounds; each cell is the median with the spread (min–max) across rounds. Absolute figures on a shared
2-core machine are noisy; the ratios measured side by side in one run are what to read.

Peers: \`openai\` 6.49.0 (the newest release that supports Node 20), \`@effect/ai-openai\` 0.41 over
\`@effect/platform-node\`'s undici layer, bare \`undici.fetch\` + \`JSON.parse\`, and bare \`undici.request\` +
\`body.json()\` (the floor).

## Targets

| target | measured | met |
|---|---|---|
| non-streaming throughput ≥ 2× the official SDK (concurrency 64) | ${x(r.throughputVsOfficial64)} (concurrency 1: ${
    x(r.throughputVsOfficial1)
  }) | ${r.throughputVsOfficial64 >= 2 ? "yes" : "**no**"} |
| client CPU per request ≤ 1.25× the \`undici.request\` floor (concurrency 64) | ${x(r.cpuVsFloor64)} | ${
    r.cpuVsFloor64 <= 1.25 ? "yes" : "**no**"
  } |
| client CPU per stream chunk ≤ 1.25× the floor's | ${x(r.cpuPerChunkVsFloor)} | ${
    r.cpuPerChunkVsFloor <= 1.25 ? "yes" : "**no**"
  } |
| import of \`@effect-openai/core/Chat\` on top of \`effect\` + \`@effect/platform/HttpClient\` ≤ 30 ms | ${
    r.chatImportOverBaselineMs.toFixed(0)
  } ms | ${r.chatImportOverBaselineMs <= 30 ? "yes" : "**no**"} |
| per-request CPU ≤ the official SDK's | ${x(r.cpuVsOfficial64)} | ${r.cpuVsOfficial64 <= 1 ? "yes" : "**no**"} |
| stream consumption ≥ 2× the official SDK's chunks/s | ${x(r.streamVsOfficial)} | ${
    r.streamVsOfficial >= 2 ? "yes" : "**no**"
  } |
| SSE decoding faster than both peers at every chunking | ${
    sseWins.map((w) => `${w.events}/${w.chunking}: ${x(w.ratio)}`).join("; ")
  } | ${sseWins.every((w) => w.ratio > 1) ? "yes" : "**no**"} |
| memory flat on a ${mem.events.toLocaleString("en")}-event stream | heap ${mem.before.heapMB.toFixed(1)} → ${
    mem.after.heapMB.toFixed(1)
  } MB, peak ${Math.max(...mem.samples.map((s: any) => s.heapMB)).toFixed(1)} MB | ${
    mem.after.heapMB - mem.before.heapMB < 10 ? "yes" : "**no**"
  } |

## 1. Non-streaming chat completion

Requests per second and client-process CPU µs per request.

${markdownTable(results.case1, { rps: 0, cpuPerRequest: 0 })}

## 2. A 2,000-chunk chat stream, consumed end to end

Chunks per second (bounded by the server process on this machine) and client-process CPU µs per chunk.

${markdownTable(results.case2, { chunksPerSecond: 0, cpuPerChunk: 1, firstChunkMs: 1 })}

## 3. SSE decoding alone (MB/s, decode + \`JSON.parse\` of each event)

The official SDK's decoder is driven through its public \`Stream.fromSSEResponse\` over an in-memory \`Response\`;
\`eventsource-parser\` is fed strings from a streaming \`TextDecoder\`.

${markdownTable(results.case3, { mbPerSecond: 1 })}

## 4. Embeddings: 2,048 × 1,536 floats (ms per request, client CPU ms)

${markdownTable(results.case4, { ms: 0, cpuMs: 0 })}

## 5. Memory while consuming a ${mem.events.toLocaleString("en")}-event stream (effect-openai)

Heap after GC${mem.gcExposed ? "" : " (GC not exposed: run with --expose-gc)"}: before ${
    mem.before.heapMB.toFixed(1)
  } MB, after ${mem.after.heapMB.toFixed(1)} MB; RSS ${mem.before.rssMB.toFixed(0)} → ${mem.after.rssMB.toFixed(0)} MB.

${
    markdownTable(mem.samples.map((s: any) => ({ chunks: s.chunks, heapMB: s.heapMB, rssMB: s.rssMB })), {
      heapMB: 1,
      rssMB: 0
    })
  }

## 6. Import and startup (ms, fresh process each)

${markdownTable(results.case6, { importMs: 0, buildMs: 1, firstRequestMs: 1, totalMs: 0 })}

## 7. Import cost on top of an Effect app (ms, fresh process each, built packages)

\`effect\` and \`@effect/platform/HttpClient\` are what an Effect app loads anyway; \`overBaselineMs\` is what ours add
to them (the difference of the medians).

${markdownTable(results.case7, { importMs: 0, overBaselineMs: 0 })}

${readFileSync(`${root}/packages/bench/HISTORY.md`, "utf8")}
## How to run

\`\`\`sh
npm run setup && pnpm bench          # full run, rewrites this page (several minutes)
pnpm bench -- --quick                # smoke pass, as CI runs it
npm run bench:limiter                # the rate limiter's overhead and a budget shared by four processes (needs redis-server)
npm run bench:responses              # the Responses stream accumulator against the official SDK's (builds first)
\`\`\`
`
}

await main()
