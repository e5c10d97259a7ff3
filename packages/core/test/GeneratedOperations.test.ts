/**
 * Every operation of the copied spec has its generated function, at the path the reference page names, and that
 * function sends the operation's request: method, path with its parameters in place, fixed query, required headers,
 * and the admin key exactly where the operation needs it (never the API key there, never the admin key elsewhere).
 */
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { functionsOf } from "../../codegen/src/apiDoc.js"
import { placeOf } from "../../codegen/src/modules.js"
import type { OperationModel } from "../../codegen/src/operations.js"
import { operations } from "../../codegen/src/operations.js"
import { load } from "../../codegen/src/spec.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
const all = operations(spec.document)
const adminKey = "admin-test-key"

const walk = (module: Record<string, unknown>, path: ReadonlyArray<string>): unknown =>
  path.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], module)

const moduleOf = (name: string): Promise<Record<string, unknown>> => import(`../src/generated/${name}.ts`)

/** The arguments of a call: the last path parameter, then the params object with the others. */
const argumentsOf = (operation: OperationModel): Array<unknown> => {
  const params = Object.fromEntries(operation.named.map((param) => [param.name, `n-${param.name}`]))
  const needsParams = operation.named.length > 0 || operation.body.kind !== "none" ||
    operation.query.some((param) => param.required)
  return [
    ...(operation.positional !== undefined ? [`p/${operation.positional.name}`] : []),
    ...(needsParams ? [params] : [])
  ]
}

const expectedPath = (operation: OperationModel): string =>
  operation.path.replace(
    /\{([^}]+)\}/g,
    (_, name: string) => name === operation.positional?.name ? encodeURIComponent(`p/${name}`) : `n-${name}`
  )

describe("generated operations", () => {
  it("cover the spec: 288 operations, 122 with the admin key, 35 deprecated", () => {
    expect(all).toHaveLength(288)
    expect(all.filter((operation) => operation.admin)).toHaveLength(122)
    expect(all.filter((operation) => operation.deprecated)).toHaveLength(35)
    expect(new Set(all.map((operation) => operation.sdkPath.join("."))).size).toBe(288)
  })

  it("each one has a function at its documented path, and its stream forms beside it", async () => {
    for (const operation of all) {
      const { module } = placeOf(operation)
      const loaded = await moduleOf(module)
      for (const fn of functionsOf(operation)) {
        const [, ...path] = fn.split(".")
        expect(typeof walk(loaded, path), `${operation.key} → ${fn}`).toBe("function")
      }
    }
  })

  it.effect("each function sends its operation's request, with the admin key only where it is needed", () =>
    Effect.gen(function*() {
      for (const operation of all) {
        const { module, path } = placeOf(operation)
        const fn = walk(yield* Effect.promise(() => moduleOf(module)), path) as (
          ...args: ReadonlyArray<unknown>
        ) => Effect.Effect<unknown, unknown, never>
        yield* OpenAiTest.reply(OpenAiTest.error(400))
        const before = (yield* OpenAiTest.requests).length
        const result = yield* Effect.either(fn(...argumentsOf(operation)))
        expect(result._tag, operation.key).toBe("Left")
        const sent = (yield* OpenAiTest.requests).slice(before)
        expect(sent, operation.key).toHaveLength(1)
        const request = sent[0]!
        expect(request.method, operation.key).toBe(operation.method)
        expect(request.path, operation.key).toBe(expectedPath(operation))
        for (const [name, value] of Object.entries(operation.fixedQuery)) {
          expect(request.query[name], operation.key).toBe(value)
        }
        for (const [name, value] of Object.entries(operation.headers)) {
          expect(request.headers[name.toLowerCase()], operation.key).toBe(value)
        }
        expect(request.headers.authorization, operation.key).toBe(
          operation.admin ? `Bearer ${adminKey}` : `Bearer ${Redacted.value(OpenAiTest.apiKey)}`
        )
      }
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { adminApiKey: Redacted.make(adminKey), maxRetries: 0 } }))))

  it.effect("an admin operation without an admin key fails before anything is sent, naming the option", () =>
    Effect.gen(function*() {
      const Admin = yield* Effect.promise(() => moduleOf("Admin"))
      const list = walk(Admin, ["organization", "users", "list"]) as () => Effect.Effect<unknown, { message: string }>
      const error = yield* Effect.flip(list())
      expect(error.message).toContain("admin key")
      expect(error.message).toContain("OPENAI_ADMIN_KEY")
      expect(yield* OpenAiTest.requests).toHaveLength(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a stream form asks for the stream (body `stream: true`, or `stream=true` in the query)", () =>
    Effect.gen(function*() {
      const streaming = all.filter((operation) => operation.stream !== undefined)
      expect(streaming.length).toBeGreaterThanOrEqual(9)
      for (const operation of streaming) {
        const { module, path } = placeOf(operation)
        const name = path[path.length - 1] === "create" ? "stream" : `${path[path.length - 1]}Stream`
        const fn = walk(yield* Effect.promise(() => moduleOf(module)), [...path.slice(0, -1), name]) as (
          ...args: ReadonlyArray<unknown>
        ) => Stream.Stream<unknown, unknown>
        yield* OpenAiTest.reply(OpenAiTest.error(400))
        const before = (yield* OpenAiTest.requests).length
        yield* Effect.either(Stream.runDrain(fn(...argumentsOf(operation), undefined)))
        const request = (yield* OpenAiTest.requests)[before]!
        expect(request.headers.accept, operation.key).toBe("text/event-stream")
        const trigger = operation.stream!.set ?? { stream: true }
        for (const [field, value] of Object.entries(trigger)) {
          if (operation.stream!.trigger === "query") expect(request.query[field], operation.key).toBe(String(value))
          else if (request.form !== undefined) expect(request.form.get(field), operation.key).toBe(String(value))
          else expect((request.body as Record<string, unknown>)[field], operation.key).toBe(value)
        }
      }
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))
})
