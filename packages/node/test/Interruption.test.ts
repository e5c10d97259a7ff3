import { Chat, OpenAiClient, Operation } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Supervisor from "effect/Supervisor"
import fc from "fast-check"
import { eventually } from "./utils.js"

// Interrupting a call at any moment of its life leaves no connection open and no fiber running, over real sockets,
// with a client that outlives the call (so a leaked socket would stay checked out of its pool).

const messages = [{ role: "user", content: "Say this is a test!" }] as const

/** A JSON body written slowly, so a call can be interrupted while its body is read. */
const slowBodyRoute = HttpRouter.get(
  "/v1/slow-body",
  Effect.succeed(HttpServerResponse.stream(
    Stream.fromIterable(["{\"object\":\"list\",", "\"data\":[", "1,2,3", "]}"]).pipe(
      Stream.map((text) => new TextEncoder().encode(text)),
      Stream.tap(() => Effect.sleep("60 millis"))
    ),
    { contentType: "application/json" }
  ))
)

type Scenario =
  | { readonly _tag: "SlowHeaders"; readonly delay: number }
  | { readonly _tag: "SlowBody" }
  | { readonly _tag: "RetryWait"; readonly wait: number }
  | { readonly _tag: "StreamChunks"; readonly interval: number }
  | { readonly _tag: "StreamStall"; readonly events: number }
  | { readonly _tag: "StreamCallback"; readonly sleep: number }
  | { readonly _tag: "StreamRetryWait"; readonly wait: number }

const scenario: fc.Arbitrary<Scenario> = fc.oneof(
  fc.record({ _tag: fc.constant("SlowHeaders" as const), delay: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ _tag: fc.constant("SlowBody" as const) }),
  fc.record({ _tag: fc.constant("RetryWait" as const), wait: fc.integer({ min: 50, max: 300 }) }),
  fc.record({ _tag: fc.constant("StreamChunks" as const), interval: fc.integer({ min: 5, max: 60 }) }),
  fc.record({ _tag: fc.constant("StreamStall" as const), events: fc.integer({ min: 0, max: 4 }) }),
  fc.record({ _tag: fc.constant("StreamCallback" as const), sleep: fc.integer({ min: 0, max: 300 }) }),
  fc.record({ _tag: fc.constant("StreamRetryWait" as const), wait: fc.integer({ min: 50, max: 300 }) })
)

const faultHeaders = (id: string, fault: MockServer.Fault) => ({
  "x-call": id,
  [MockServer.faultHeader]: JSON.stringify(fault)
})

/** The call a scenario makes; `x-call` marks its requests on the server. */
const callOf = (scenario: Scenario, id: string): Effect.Effect<unknown, unknown, OpenAiClient.OpenAiClient> => {
  const chat = (fault: MockServer.Fault) =>
    Chat.completions.create({ model: "gpt-4o-mini", messages }, { headers: faultHeaders(id, fault) })
  const stream = (fault: MockServer.Fault) =>
    Chat.completions.stream({ model: "gpt-4o-mini", messages }, { headers: faultHeaders(id, fault) })
  switch (scenario._tag) {
    case "SlowHeaders":
      return chat({ delay: scenario.delay })
    case "SlowBody":
      return OpenAiClient.request({
        name: "slow.body",
        method: "GET",
        path: "/slow-body",
        headers: { "x-call": id },
        response: Operation.jsonResponse(Schema.Unknown)
      })
    case "RetryWait":
      return chat({ status: 500, headers: { "retry-after-ms": String(scenario.wait) }, once: id })
    case "StreamChunks":
      return Stream.runDrain(stream({ stream: { chunks: 50, interval: scenario.interval } }))
    case "StreamStall":
      return Stream.runDrain(
        stream({ stream: { chunks: 10, stallAfter: { events: scenario.events, duration: "30 seconds" } } })
      )
    case "StreamCallback":
      // the body stalls after a few events, so the server is mid-body for the whole callback
      return stream({ stream: { chunks: 10, interval: 20, stallAfter: { events: 3, duration: "30 seconds" } } }).pipe(
        OpenAiClient.withStreamResponse(() => Effect.sleep(scenario.sleep)),
        Stream.runDrain
      )
    case "StreamRetryWait":
      return Stream.runDrain(stream({ status: 503, headers: { "retry-after-ms": String(scenario.wait) }, once: id }))
  }
}

describe("interruption at any moment (real sockets, a client that outlives the call)", () => {
  it.scopedLive(
    "no connection stays open and no fiber keeps running, wherever the call was interrupted",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ routes: HttpRouter.empty.pipe(slowBodyRoute) })
        const context = yield* Layer.build(Layer.orDie(NodeOpenAi.layer({
          apiKey: Redacted.make(server.apiKey),
          baseURL: server.url,
          timeout: "10 seconds",
          streamIdleTimeout: "10 seconds"
        })))
        let runs = 0
        const property = fc.asyncProperty(scenario, fc.integer({ min: 0, max: 350 }), async (scenario, after) => {
          const id = `call-${runs++}`
          await Effect.runPromise(Effect.gen(function*() {
            const supervisor = yield* Supervisor.track
            const fiber = yield* callOf(scenario, id).pipe(
              Effect.provide(context),
              Effect.supervised(supervisor),
              Effect.fork
            )
            yield* Effect.sleep(after)
            yield* Fiber.interrupt(fiber)
            // every request of the call ends: finished before the interruption, or aborted by the client
            const served = yield* eventually(
              Effect.map(server.requests, (all) => all.filter((request) => request.headers["x-call"] === id)),
              (mine) => mine.every((request) => request.outcome !== "pending")
            )
            for (const request of served) expect(["completed", "aborted-by-client"]).toContain(request.outcome)
            expect(yield* eventually(supervisor.value, (alive) => alive.length === 0)).toStrictEqual([])
          }))
        })
        yield* Effect.promise(() => fc.assert(property, { numRuns: 60, endOnFailure: true }))
      }),
    120_000
  )
})
