import { Chat, Models, OpenAiClient } from "@effect-openai/core"
import type { OpenAiError } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { FaultProxy, MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { inspect } from "node:util"
import { recordSpans } from "../../core/test/utils.js"

/** A key distinctive enough that any trace of it is found; the server is told to accept exactly this one. */
const secret = "sk-proj-SECRET0123456789abcdefSECRET"
const messages = [{ role: "user", content: "hi" }] as const

/** Every printed form of a value a user might log or send to an error tracker. */
const printedForms = (value: unknown): Array<string> => [
  String(value),
  JSON.stringify(value) ?? "",
  inspect(value, { depth: 20 }),
  Inspectable.format(value),
  value instanceof Error ? `${value.message}\n${value.stack}` : ""
]

const expectNoSecret = (forms: ReadonlyArray<string>) => {
  for (const form of forms) {
    expect(form).not.toContain(secret)
    // a partial leak is a leak too
    expect(form).not.toContain(secret.slice(8, 28))
  }
}

/** Records every log line and span (with attributes, events and exit) made while running. */
const observed = Effect.gen(function*() {
  const logs: Array<string> = []
  const { spans, tracer } = yield* recordSpans
  const logger = Logger.make(({ annotations, cause, message }) => {
    logs.push(inspect({ message, cause: Cause.pretty(cause), annotations }, { depth: 20 }))
  })
  return { logs, spans, tracer, logger }
})

describe("the API key never leaks (real sockets)", () => {
  it.scopedLive("not in any error, its printed forms, logs or span data, whatever the failure", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ apiKey: secret })
      const proxy = yield* FaultProxy.make(server.url)
      const { logger, logs, spans, tracer } = yield* observed
      const layer = (options?: Partial<OpenAiClient.Options>) =>
        NodeOpenAi.layer({
          apiKey: Redacted.make(secret),
          baseURL: proxy.url,
          organization: "org-1",
          timeout: 300,
          streamIdleTimeout: 300,
          retryPolicy: Schedule.stop,
          ...options
        })
      const chat = Chat.completions.create({ model: "gpt-4o-mini", messages })
      const stream = Stream.runDrain(Chat.completions.stream({ model: "gpt-4o-mini", messages }))

      const failures: Array<[string, Effect.Effect<unknown, unknown, OpenAiClient.OpenAiClient>]> = [
        ["status error", Effect.zipRight(server.fault({ status: 429 }), chat)],
        [
          "server echo of a wrong key",
          Models.list().pipe(Effect.provide(layer({ apiKey: Redacted.make(`${secret}x`) })))
        ],
        ["connection reset", Effect.zipRight(proxy.fault({ _tag: "ResetBeforeHeaders" }), chat)],
        ["timeout", Effect.zipRight(proxy.fault({ _tag: "StallHeaders" }), chat)],
        ["invalid JSON", Effect.zipRight(proxy.fault({ _tag: "Respond", status: 200, body: "{" }), chat)],
        ["stream error event", Effect.zipRight(server.fault({ stream: { errorAfter: 1 } }), stream)],
        ["stream cut", Effect.zipRight(proxy.fault({ _tag: "ResetAfterBytes", bytes: 300 }), stream)],
        ["refused header", Chat.completions.create({ model: "m", messages }, { headers: { "x-bad": "a\r\nb" } })],
        ["unencodable body", Chat.completions.create({ model: "m", messages, seed: 1n as unknown as number })]
      ]
      const tags = new Set<string>()
      for (const [name, failing] of failures) {
        const exit = yield* failing.pipe(
          Effect.tapErrorCause((cause) => Effect.logError(`request failed: ${name}`, cause)),
          Effect.withSpan(`test ${name}`),
          Effect.provide(layer()),
          Effect.withTracer(tracer),
          Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
          Logger.withMinimumLogLevel(LogLevel.All),
          Effect.exit
        )
        expect(Exit.isFailure(exit), name).toBe(true)
        if (Exit.isSuccess(exit)) continue
        const error = Cause.squash(exit.cause) as OpenAiError.OpenAiError
        tags.add(error._tag)
        expectNoSecret([...printedForms(error), ...printedForms(exit.cause), Cause.pretty(exit.cause)])
      }
      expect([...tags].sort()).toStrictEqual([
        "AuthenticationError",
        "ConnectionError",
        "InvalidRequestError",
        "RateLimitError",
        "ResponseDecodeError",
        "StreamError",
        "TimeoutError"
      ])
      // every failure was logged (with its cause), plus Effect's own debug lines about failed fibers
      expect(logs.filter((line) => line.includes("request failed")).length).toBe(failures.length)
      expectNoSecret(logs)
      const spanData = spans.map((span) =>
        inspect({ name: span.name, attributes: span.attributes, status: span.status, links: span.links }, {
          depth: 20
        })
      )
      expect(spanData.length).toBeGreaterThan(failures.length)
      expectNoSecret(spanData)
    }))

  it.scopedLive("not in a bad-options ConfigError, even when the key itself is the bad option", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { apiKey: Redacted.make(`${secret}\r\n`) },
          { apiKey: Redacted.make(secret), baseURL: "ftp://example.com" },
          { apiKey: Redacted.make(secret), timeout: -1 }
        ]
      ) {
        const error = yield* Effect.flip(Layer.build(NodeOpenAi.layer(options)).pipe(Effect.scoped))
        expect(error._op).toBe("InvalidData")
        expectNoSecret(printedForms(error))
      }
    }))

  it.scopedLive("not in the printed client, nor in the printed requests a MockServer recorded", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ apiKey: secret })
      const client = yield* OpenAiClient.OpenAiClient.pipe(
        Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(secret), baseURL: server.url }))
      )
      expectNoSecret(printedForms(client))
      yield* Models.list().pipe(
        Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(secret), baseURL: server.url }))
      )
      const [served] = yield* server.requests
      // the test can still read what was sent...
      expect(served!.headers["authorization"]).toBe(`Bearer ${secret}`)
      // ...but printing it never shows the key
      expectNoSecret([...printedForms(served), ...printedForms(served!.headers)])
      expect(inspect(served)).toContain("<redacted>")
    }))
})
