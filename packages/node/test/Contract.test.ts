/**
 * Contract test against a third-party mock of the spec: Prism (Stoplight) serves the copied spec on 127.0.0.1 and
 * validates every request against it (a request that breaks the spec gets a 422), answering with responses built
 * from the spec. For every operation with a JSON, text or empty response, the generated function sends a request
 * built from the operation's own schemas (required fields only), over a real socket, and the test checks that Prism
 * accepts it and that its answer decodes with our schemas. Binary bodies and streams are tested against MockServer.
 *
 * An operation that cannot pass is listed in `knownFailures` with the reason; the test fails when one of them starts
 * passing (so the list stays true) and when any other operation fails.
 */
import type { OpenAiClient } from "@effect-openai/core"
import * as Multipart from "@effect-openai/core/Multipart"
import { NodeOpenAi } from "@effect-openai/node"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { placeOf } from "../../codegen/src/modules.js"
import type { OperationModel } from "../../codegen/src/operations.js"
import { operations } from "../../codegen/src/operations.js"
import type { Document, JsonSchema } from "../../codegen/src/spec.js"
import { load } from "../../codegen/src/spec.js"
import { sample } from "./contract/sample.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
const all = operations(spec.document)

/**
 * Operations Prism or the spec cannot carry through, and why. Keys are `METHOD /path` as the spec writes them.
 */
const knownFailures: Readonly<Record<string, string>> = Object.fromEntries([
  ...["GET /evals", "POST /evals", "GET /evals/{eval_id}", "POST /evals/{eval_id}"].map((key) => [
    key,
    "the spec's example eval sends data_source_config.schema as a JSON string; the spec's schema says an object"
  ]),
  ...["POST /responses/compact", "POST /responses/compact?beta=true"].map((key) => [
    key,
    "the spec's example compaction lists message items without the `id` the spec's schema requires"
  ]),
  ...["POST /chatkit/sessions", "POST /chatkit/sessions/{session_id}/cancel"].map((key) => [
    key,
    "the spec's example ChatKit session has no workflow.tracing, which the spec's schema requires"
  ])
])

/** The spec without the 3.0-style `nullable` keyword, which makes Prism 5 ignore the schema that holds it. */
const forPrism = (document: Document): unknown =>
  JSON.parse(JSON.stringify(document), (key, value) => key === "nullable" ? undefined : value)

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => typeof address === "object" && address !== null ? resolve(address.port) : reject(address))
    })
  })

/** Starts Prism on 127.0.0.1 and resolves once it listens; stopped by its PID when the test ends. */
const startPrism = (specFile: string, port: number) =>
  new Promise<ChildProcess>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, "node_modules/@stoplight/prism-cli/dist/index.js"),
        "mock",
        "-h",
        "127.0.0.1",
        "-p",
        String(port),
        specFile
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const timer = setTimeout(() => {
      child.kill("SIGTERM")
      reject(new Error(`Prism did not start within 120 s:\n${output}`))
    }, 120_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Prism is listening")) {
        clearTimeout(timer)
        resolve(child)
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.on("exit", (code) => reject(new Error(`Prism exited (${code}):\n${output}`)))
  })

const file = () => Multipart.file("{\"a\":1}\n", { filename: "data.jsonl", contentType: "application/jsonl" })

const argumentsOf = (operation: OperationModel): Array<unknown> => {
  const sampler = { schemas: spec.document.components.schemas, file }
  const params: Record<string, unknown> = {}
  for (const param of operation.named) params[param.name] = "abc"
  for (const param of operation.query) if (param.required) params[param.name] = sample(sampler, param.schema)
  if (operation.body.kind !== "none") {
    const body = sample(sampler, operation.body.schema as JsonSchema)
    if (typeof body === "object" && body !== null) Object.assign(params, body)
  }
  return [...(operation.positional !== undefined ? ["abc"] : []), params]
}

const walk = (module: Record<string, unknown>, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], module)

/** What went wrong with one operation, in a line. */
const describeFailure = (error: unknown): string => {
  const tagged = error as { _tag?: string; status?: number; message?: string; detail?: string }
  if (tagged._tag === "ResponseDecodeError") return `response not decoded: ${tagged.detail}`
  if (typeof tagged.status === "number") return `HTTP ${tagged.status}: ${tagged.message}`
  return `${tagged._tag ?? "error"}: ${tagged.message ?? String(error)}`
}

describe("contract with Prism, a third-party mock of the spec", () => {
  it.live(
    "every JSON, text and empty operation sends a request Prism accepts and decodes its answer",
    () =>
      Effect.gen(function*() {
        const dir = yield* Effect.acquireRelease(
          Effect.sync(() => mkdtempSync(join(tmpdir(), "prism-"))),
          (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
        )
        const specFile = join(dir, "openapi.json")
        writeFileSync(specFile, JSON.stringify(forPrism(spec.document)))
        const port = yield* Effect.promise(freePort)
        const prism = yield* Effect.acquireRelease(
          Effect.promise(() => startPrism(specFile, port)),
          (child) => Effect.sync(() => child.kill("SIGTERM"))
        )
        expect(prism.pid).toBeGreaterThan(0)
        const tested = all.filter((operation) => operation.response.kind !== "bytes")
        const failures: Record<string, string> = {}
        const layer = NodeOpenAi.layer({
          apiKey: Redacted.make("sk-contract-test"),
          adminApiKey: Redacted.make("sk-admin-contract-test"),
          baseURL: `http://127.0.0.1:${port}`,
          maxRetries: 0
        })
        yield* Effect.gen(function*() {
          for (const operation of tested) {
            const { module, path } = placeOf(operation)
            const call = Effect.flatMap(
              Effect.promise(() => import(`../../core/src/generated/${module}.ts`)),
              (loaded) =>
                (walk(loaded, path) as (
                  ...args: ReadonlyArray<unknown>
                ) => Effect.Effect<unknown, unknown, OpenAiClient.OpenAiClient>)(...argumentsOf(operation))
            )
            // a defect (a thrown exception, a module that fails to load) is a failure to report like the others
            const result = yield* Effect.either(call).pipe(
              Effect.catchAllDefect((defect) =>
                Effect.succeed({ _tag: "Left" as const, left: { _tag: "Defect", message: String(defect) } })
              )
            )
            if (result._tag === "Left") failures[operation.key] = describeFailure(result.left)
          }
        }).pipe(Effect.provide(layer))
        const passed = tested.length - Object.keys(failures).length
        console.log(`Prism contract: ${passed} of ${tested.length} operations passed`)
        for (const [key, reason] of Object.entries(failures)) console.log(`  ${key}: ${reason}`)
        const unexpected = Object.entries(failures).filter(([key]) => !(key in knownFailures))
        const nowPassing = Object.keys(knownFailures).filter((key) => !(key in failures))
        expect(unexpected).toEqual([])
        expect(nowPassing).toEqual([])
      }).pipe(Effect.scoped),
    600_000
  )
})
