/**
 * CPU per event of rebuilding a Responses stream into its final `Response`, ours against the official SDK's, on one
 * recorded stream (`fixtures/responses-stream.sse`, written by `responsesFixture.ts`):
 *
 * 1. Accumulate only: the same parsed event objects, in memory, to the final response. Ours: a
 *    `Responses.ResponseAccumulator`, `add` per event, then `snapshot()`. Theirs: `accumulateResponse`
 *    (`openai/lib/responses/ResponseAccumulator`), the function its `ResponseStream` applies to each event.
 * 2. End to end from the same SSE bytes in memory, each client given a web `Response` over a `ReadableStream` of
 *    them: ours `Responses.stream` run into `Responses.accumulate` (an `OpenAiClient` over an `HttpClient` answering
 *    with that `Response`: the SSE decoder, `JSON.parse`, the `ResponseStreamEvent` schema, the stream's idle timeout,
 *    the accumulator); theirs `client.responses.stream(params).finalResponse()` (an `OpenAI` client whose `fetch`
 *    returns that `Response`: its SSE decoder, `JSON.parse`, no validation, `ResponseStream`'s accumulate and emit).
 *    Twice: one event a chunk (a live stream read as fast as the server flushes each event), and 16 KB chunks (a
 *    stream read behind it). With one event a chunk, each client also runs its stream without an accumulator (ours
 *    drained, theirs `responses.create` with `stream: true` iterated), to show what the accumulator adds.
 * 3. Our `ResponseStreamEvent` schema alone over the parsed events: the full decode our stream runs, against the
 *    `Schema.is` check of the decoders' fast path (which this union does not take).
 * 4. Where our cost per chunk goes, one event a chunk: the web stream's reader alone (no Effect), Effect's
 *    `Stream.fromReadableStream` drained, and `Responses.stream` drained with the idle timeout off (against the same
 *    drained with it on, in 2).
 *
 * Our side is the built package (`packages/core/dist`, see `builtCore`), as users run it; the official SDK is its
 * published JavaScript.
 *
 * Before measuring, each path's result is checked against the `response.completed` event: the text, the function
 * call's arguments and the reasoning summary, and the same from the deltas alone (the `.done` and terminal events
 * left out), so both sides are known to do the whole work. Warm-up, then alternating rounds (the order rotating every
 * round), CPU from `process.cpuUsage`; medians with the spread (min–max) across rounds, and ours over theirs.
 *
 *   npm run bench:responses              build, then the full run (about 2 minutes)
 *   npm run bench:responses -- --quick   smoke pass: every case once, few streams
 */
import type * as Core from "@effect-openai/core"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { readdirSync, readFileSync, statSync } from "node:fs"
import * as Os from "node:os"
import { fileURLToPath, pathToFileURL } from "node:url"
import OpenAI from "openai"
import { accumulateResponse } from "openai/lib/responses/ResponseAccumulator"
import type * as OpenAiResponses from "openai/resources/responses/responses"
import { chunked } from "./fixtures.js"
import { format, summarize } from "./stats.js"

const quick = process.argv.includes("--quick")
const root = fileURLToPath(new URL("../../..", import.meta.url))
const rounds = quick ? 1 : 7
const log = (line: string) => process.stdout.write(`${line}\n`)

// ---------------------------------------------------------------------------------------------------------------
// our side as published: the built package
// ---------------------------------------------------------------------------------------------------------------

/**
 * `@effect-openai/core` from `packages/core/dist`, what users run. Run from source under tsx, esbuild's `keepNames`
 * wraps every closure a call creates in a `__name` call (an `Object.defineProperty`), which the built code does not
 * have and which is no part of the library's cost; the official SDK is plain JavaScript either way.
 */
const builtCore = async () => {
  const source = `${root}/packages/core/src`
  const built = `${root}/packages/core/dist`
  // the modules the measured paths run
  const measured = [
    "Responses.ts",
    "generated/Responses.ts",
    "Sse.ts",
    "Operation.ts",
    "OpenAiClient.ts",
    ...readdirSync(`${source}/internal`).map((file) => `internal/${file}`)
  ]
  for (const file of measured) {
    const output = `${built}/${file.replace(/\.ts$/, ".js")}`
    let stale: boolean
    try {
      stale = statSync(output).mtimeMs < statSync(`${source}/${file}`).mtimeMs
    } catch {
      stale = true
    }
    if (stale) throw new Error(`packages/core/dist is older than packages/core/src/${file}: npm run build`)
  }
  return (await import(pathToFileURL(`${built}/index.js`).href)) as typeof Core
}
const { OpenAiClient, Responses } = await builtCore()
type ResponseStreamEvent = Core.Responses.ResponseStreamEvent

// ---------------------------------------------------------------------------------------------------------------
// the recorded stream
// ---------------------------------------------------------------------------------------------------------------

const sse = readFileSync(fileURLToPath(new URL("../fixtures/responses-stream.sse", import.meta.url)))
const blocks = sse.toString("utf8").split("\n\n").filter((block) => block !== "")
const encoder = new TextEncoder()
/** One chunk per event, as a live stream arrives when the client keeps up with the server flushing each event. */
const eventChunks: ReadonlyArray<Uint8Array> = blocks.map((block) => encoder.encode(`${block}\n\n`))
/** 16 KB chunks (a TLS record's size), as a stream arrives when the client reads behind it. */
const recordChunks: ReadonlyArray<Uint8Array> = chunked(new Uint8Array(sse), 16 * 1024)
const parsed: ReadonlyArray<Record<string, unknown>> = blocks.map((block) =>
  JSON.parse(block.split("\n").find((line) => line.startsWith("data: "))!.slice(6))
)
const eventCount = parsed.length
const ours = parsed as unknown as ReadonlyArray<ResponseStreamEvent>
const theirs = parsed as unknown as ReadonlyArray<OpenAiResponses.ResponseStreamEvent>
const completed = parsed.at(-1)!
if (completed.type !== "response.completed") throw new Error("the fixture does not end with response.completed")

const apiKey = "bench-key"
const params = { model: "gpt-5", input: "What will the weather be in Lyon this week?" }
const sseHeaders = { "content-type": "text/event-stream; charset=utf-8", "x-request-id": "req_bench" }

/** A web `Response` whose body delivers the chunks, one per read. */
const recordedResponse = (chunks: ReadonlyArray<Uint8Array>) => {
  let index = 0
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (index < chunks.length) controller.enqueue(chunks[index++]!)
      else controller.close()
    }
  })
  return new Response(body, { headers: sseHeaders })
}

// ---------------------------------------------------------------------------------------------------------------
// the two sides
// ---------------------------------------------------------------------------------------------------------------

const accumulateOurs = (events: ReadonlyArray<ResponseStreamEvent>) => {
  const accumulator = new Responses.ResponseAccumulator()
  for (const event of events) accumulator.add(event)
  return accumulator.snapshot()
}

const accumulateTheirs = (events: ReadonlyArray<OpenAiResponses.ResponseStreamEvent>) => {
  let snapshot: OpenAiResponses.Response | undefined
  for (const event of events) snapshot = accumulateResponse(event, snapshot)
  return snapshot
}

/**
 * Each client over an in-memory server answering every request with the recorded stream in `chunks`; ours with the
 * default stream idle timeout, or `streamIdleTimeout` when given.
 */
const streamingClients = (chunks: ReadonlyArray<Uint8Array>, streamIdleTimeout?: Duration.Duration) => {
  const runtime = ManagedRuntime.make(
    OpenAiClient.layer({
      apiKey: Redacted.make(apiKey),
      ...(streamIdleTimeout === undefined ? {} : { streamIdleTimeout })
    }).pipe(
      Layer.provide(
        Layer.succeed(
          HttpClient.HttpClient,
          HttpClient.make((request) => Effect.sync(() => HttpClientResponse.fromWeb(request, recordedResponse(chunks))))
        )
      )
    )
  )
  const official = new OpenAI({ apiKey, fetch: async () => recordedResponse(chunks) })
  return {
    streamOurs: () => runtime.runPromise(Stream.run(Responses.stream(params), Responses.accumulate)),
    drainOurs: () => runtime.runPromise(Stream.runDrain(Responses.stream(params))),
    streamTheirs: () => official.responses.stream(params).finalResponse(),
    drainTheirs: async () => {
      for await (const _ of await official.responses.create({ ...params, stream: true })) {
        // the events alone
      }
    },
    dispose: () => runtime.dispose()
  }
}
const byEvent = streamingClients(eventChunks)
const byRecord = streamingClients(recordChunks)
const byEventNoIdle = streamingClients(eventChunks, Duration.infinity)

/** The recorded stream in one-event chunks read with the web stream's reader alone, as a client without Effect. */
const readerOnly = async () => {
  const reader = recordedResponse(eventChunks).body!.getReader()
  while (!(await reader.read()).done) {
    // the chunks alone
  }
}

/** The same read through Effect's `Stream.fromReadableStream`, drained. */
const effectStreamOnly = () =>
  Effect.runPromise(Stream.runDrain(Stream.fromReadableStream({
    evaluate: () => recordedResponse(eventChunks).body!,
    onError: (error) => error
  })))

// ---------------------------------------------------------------------------------------------------------------
// the check: every path rebuilds what response.completed says
// ---------------------------------------------------------------------------------------------------------------

/** What the comparison rests on: the items, the text, the arguments and the reasoning summary of a response. */
const digest = (response: unknown) => {
  const output = (response as { output: ReadonlyArray<Record<string, any>> }).output
  const of = (type: string) => output.find((item) => item.type === type)
  return JSON.stringify({
    types: output.map((item) => item.type),
    text: of("message")?.content?.map((part: Record<string, unknown>) => part.text).join(""),
    arguments: of("function_call")?.arguments,
    summary: of("reasoning")?.summary?.map((part: Record<string, unknown>) => part.text).join("")
  })
}

const check = async () => {
  const expected = digest(completed.response)
  const fromDeltas = (event: { readonly type: string }) => !event.type.endsWith(".done") && event !== completed
  const results: Record<string, unknown> = {
    "ours, accumulate": accumulateOurs(ours),
    "ours, from the deltas alone": accumulateOurs(ours.filter(fromDeltas)),
    "ours, end to end": await byEvent.streamOurs(),
    "ours, end to end in 16 KB chunks": await byRecord.streamOurs(),
    "theirs, accumulate": accumulateTheirs(theirs),
    "theirs, from the deltas alone": accumulateTheirs(theirs.filter(fromDeltas)),
    "theirs, end to end": await byEvent.streamTheirs(),
    "theirs, end to end in 16 KB chunks": await byRecord.streamTheirs()
  }
  for (const [name, response] of Object.entries(results)) {
    if (digest(response) !== expected) throw new Error(`${name}: the rebuilt response differs from response.completed`)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// measurement
// ---------------------------------------------------------------------------------------------------------------

interface Case {
  readonly client: string
  readonly input: string
  readonly what: string
  /** One stream, start to end. */
  readonly run: () => unknown
}

/** CPU µs per event over `streams` streams. */
const cpuPerEvent = async (run: () => unknown, streams: number) => {
  const cpu = process.cpuUsage()
  for (let i = 0; i < streams; i++) await run()
  const used = process.cpuUsage(cpu)
  return (used.user + used.system) / (streams * eventCount)
}

/** A warm-up of each case, then `rounds` rounds of all of them, the order rotating every round. */
const alternate = async (cases: ReadonlyArray<Case>, streams: number, warmup: number) => {
  for (const each of cases) await cpuPerEvent(each.run, warmup)
  const samples = cases.map((): Array<number> => [])
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      const index = (i + round) % cases.length
      samples[index]!.push(await cpuPerEvent(cases[index]!.run, streams))
    }
  }
  return cases.map((each, index) => ({ ...each, cpu: summarize(samples[index]!) }))
}

const main = async () => {
  const started = performance.now()
  await check()
  log(`${eventCount} events, ${(sse.length / 1024).toFixed(0)} KB; every path rebuilds response.completed's output`)
  log("1. accumulate only")
  const parsedInput = "parsed events"
  const accumulateOnly = await alternate(
    [
      {
        client: "effect-openai",
        input: parsedInput,
        what: "`Responses.ResponseAccumulator`: `add` per event, then `snapshot()`",
        run: () => accumulateOurs(ours)
      },
      {
        client: "openai (official)",
        input: parsedInput,
        what: "`accumulateResponse` per event (what `ResponseStream` applies to each)",
        run: () => accumulateTheirs(theirs)
      }
    ],
    quick ? 5 : 400,
    quick ? 5 : 200
  )
  const streams = quick ? 2 : 30
  const warmup = quick ? 2 : 20
  const ourStream = "`Responses.stream` into `Responses.accumulate`: SSE decode, `JSON.parse`, event schema, accumulate"
  const theirStream =
    "`responses.stream(…).finalResponse()`: SSE decode, `JSON.parse`, `ResponseStream` accumulate and emit"
  log("2. end to end from the SSE bytes, one event a chunk")
  const perEvent = "SSE, one event a chunk"
  const endToEnd = await alternate(
    [
      { client: "effect-openai", input: perEvent, what: ourStream, run: byEvent.streamOurs },
      { client: "openai (official)", input: perEvent, what: theirStream, run: byEvent.streamTheirs },
      {
        client: "effect-openai",
        input: perEvent,
        what: "`Responses.stream` drained (`Stream.runDrain`): the events alone, no accumulator",
        run: byEvent.drainOurs
      },
      {
        client: "openai (official)",
        input: perEvent,
        what: "`responses.create({ stream: true })` iterated: the events alone, no accumulator",
        run: byEvent.drainTheirs
      }
    ],
    streams,
    warmup
  )
  log("2. end to end from the SSE bytes, 16 KB chunks")
  const perRecord = "SSE, 16 KB chunks"
  const endToEndRecords = await alternate(
    [
      { client: "effect-openai", input: perRecord, what: ourStream, run: byRecord.streamOurs },
      { client: "openai (official)", input: perRecord, what: theirStream, run: byRecord.streamTheirs }
    ],
    streams,
    warmup
  )
  log("3. our event schema alone")
  // what our stream does to each event (the decoder of `Operation.eventsResponse`: full decode, unknown keys kept),
  // against the `Schema.is` check its fast path uses for schemas whose decode changes nothing
  const decode = Schema.decodeUnknownEither(Responses.ResponseStreamEvent, { onExcessProperty: "preserve" })
  const is = Schema.is(Responses.ResponseStreamEvent)
  const schema = await alternate(
    [
      {
        client: "effect-openai",
        input: parsedInput,
        what: "full decode",
        run: () => {
          for (const event of parsed) decode(event)
        }
      },
      {
        client: "effect-openai",
        input: parsedInput,
        what: "`Schema.is`",
        run: () => {
          for (const event of parsed) is(event)
        }
      }
    ],
    quick ? 2 : 30,
    quick ? 2 : 20
  )
  log("4. where a chunk's cost goes, one event a chunk")
  const chunkCost = await alternate(
    [
      { client: "web streams", input: perEvent, what: "the reader alone (`read()` until done)", run: readerOnly },
      {
        client: "effect",
        input: perEvent,
        what: "`Stream.fromReadableStream` drained",
        run: effectStreamOnly
      },
      {
        client: "effect-openai",
        input: perEvent,
        what: "`Responses.stream` drained, `streamIdleTimeout: Duration.infinity` (no idle timeout)",
        run: byEventNoIdle.drainOurs
      },
      {
        client: "effect-openai",
        input: perEvent,
        what: "`Responses.stream` drained, default idle timeout (as in 2)",
        run: byEvent.drainOurs
      }
    ],
    streams,
    warmup
  )
  await byEvent.dispose()
  await byRecord.dispose()
  await byEventNoIdle.dispose()

  const cpus = Os.cpus()
  log(
    `\nMachine: ${cpus[0]?.model ?? "unknown"}, ${cpus.length} cores, Node ${process.version}; ${rounds} rounds, ` +
      `${((performance.now() - started) / 1000).toFixed(0)} s`
  )
  log("\n| client | input | what it does | µs per event | events per stream |\n|---|---|---|---|---|")
  for (const row of [...accumulateOnly, ...endToEnd, ...endToEndRecords, ...chunkCost]) {
    log(`| ${row.client} | ${row.input} | ${row.what} | ${format(row.cpu, 2)} | ${eventCount.toLocaleString("en")} |`)
  }
  const ratio = (rows: ReadonlyArray<{ readonly cpu: { readonly median: number } }>, a: number, b: number) =>
    `${(rows[a]!.cpu.median / rows[b]!.cpu.median).toFixed(2)}×`
  log(
    `\nours / theirs (medians): accumulate only ${ratio(accumulateOnly, 0, 1)}; end to end, one event a chunk ${
      ratio(endToEnd, 0, 1)
    } (the events alone ${ratio(endToEnd, 2, 3)}); end to end, 16 KB chunks ${ratio(endToEndRecords, 0, 1)}`
  )
  log(
    `our ResponseStreamEvent schema, µs per event: full decode ${format(schema[0]!.cpu, 2)}, Schema.is ${
      format(schema[1]!.cpu, 2)
    }`
  )
}

await main()
