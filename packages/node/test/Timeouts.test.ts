import { Chat, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { FaultProxy, MockServer } from "@effect-openai/testing"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import { Agent } from "undici"
import { eventually } from "./utils.js"

// Every timeout rule over real sockets, on each way the pipeline can enforce it with the live clock: the transport's
// own deadline (the Node client declares it enforces one) and a timer on a forked fiber (any transport that declares
// nothing: the same undici client undeclared, and fetch). The TestClock path is tested in packages/core.

const messages = [{ role: "user", content: "Say this is a test!" }] as const

type Transport = "transport deadline (NodeOpenAi)" | "forked timer (undeclared undici client)" | "forked timer (fetch)"

const transports: ReadonlyArray<Transport> = [
  "transport deadline (NodeOpenAi)",
  "forked timer (undeclared undici client)",
  "forked timer (fetch)"
]

const layerOf = (transport: Transport, options: OpenAiClient.Options): Layer.Layer<OpenAiClient.OpenAiClient> => {
  switch (transport) {
    case "transport deadline (NodeOpenAi)":
      return Layer.orDie(NodeOpenAi.layer(options))
    case "forked timer (undeclared undici client)":
      return Layer.orDie(OpenAiClient.layer(options)).pipe(
        Layer.provide(Layer.scoped(
          HttpClient.HttpClient,
          Effect.map(
            Effect.acquireRelease(Effect.sync(() => new Agent()), (agent) => Effect.promise(() => agent.destroy())),
            NodeOpenAi.makeHttpClient
          )
        ))
      )
    case "forked timer (fetch)":
      return Layer.orDie(OpenAiClient.layer(options)).pipe(Layer.provide(FetchHttpClient.layer))
  }
}

const setup = (transport: Transport, options?: Partial<OpenAiClient.Options>) =>
  Effect.gen(function*() {
    const server = yield* MockServer.make()
    const proxy = yield* FaultProxy.make(server.url)
    const layer = layerOf(transport, {
      apiKey: Redacted.make(server.apiKey),
      baseURL: proxy.url,
      timeout: 300,
      streamIdleTimeout: 300,
      retryPolicy: Schedule.stop,
      ...options
    })
    return { server, proxy, context: yield* Layer.build(layer) }
  })

const slow = (millis: number) => ({ [MockServer.faultHeader]: JSON.stringify({ delay: millis }) })

const chat = (headers?: Record<string, string>) =>
  Chat.completions.create({ model: "gpt-4o-mini", messages }, { headers })

const stream = (headers?: Record<string, string>) =>
  Stream.runDrain(Chat.completions.stream({ model: "gpt-4o-mini", messages }, { headers }))

/** The outcome of `effect` and how long it took. */
const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.map(
    Effect.timed(Effect.either(effect)),
    ([elapsed, result]) => ({ result, millis: Duration.toMillis(elapsed) })
  )

for (const transport of transports) {
  describe(`timeouts over real sockets: ${transport}`, () => {
    it.scopedLive("an attempt slower than the timeout is a TimeoutError, and its connection is closed", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setup(transport)
        const { millis, result } = yield* timed(chat(slow(3_000))).pipe(Effect.provide(context))
        expect(result._tag === "Left" && result.left._tag).toBe("TimeoutError")
        if (result._tag === "Left" && result.left._tag === "TimeoutError") expect(result.left.phase).toBe("attempt")
        expect(millis).toBeGreaterThanOrEqual(290)
        expect(millis).toBeLessThan(2_000)
        const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
        expect(served!.outcome).toBe("aborted-by-client")
      }))

    it.scopedLive("the total budget spans attempts and retry waits, then closes the running attempt's connection", () =>
      Effect.gen(function*() {
        // attempts of 300 ms, retried at once: without a budget, 4 attempts would take 1.2 s
        const { context, server } = yield* setup(transport, {
          totalTimeout: 500,
          retryPolicy: Schedule.recurs(3)
        })
        const { millis, result } = yield* timed(chat(slow(3_000))).pipe(Effect.provide(context))
        expect(result._tag === "Left" && result.left._tag).toBe("TimeoutError")
        if (result._tag === "Left" && result.left._tag === "TimeoutError") expect(result.left.phase).toBe("total")
        expect(millis).toBeGreaterThanOrEqual(490)
        expect(millis).toBeLessThan(2_000)
        const served = yield* eventually(
          server.requests,
          (all) => all.length >= 2 && all.every((request) => request.outcome !== "pending")
        )
        expect(served.length).toBeLessThan(4)
        expect(served.every((request) => request.outcome === "aborted-by-client")).toBe(true)
      }))

    it.scopedLive("the attempt timeout spans redirect hops", () =>
      Effect.gen(function*() {
        const { context, proxy } = yield* setup(transport, { propagateTraceContext: true })
        yield* proxy.fault(FaultProxy.redirect(`${proxy.url}/chat/completions`, 307), { _tag: "StallHeaders" })
        const { millis, result } = yield* timed(chat().pipe(Effect.withSpan("caller"))).pipe(Effect.provide(context))
        expect(result._tag === "Left" && result.left._tag).toBe("TimeoutError")
        expect(millis).toBeLessThan(2_000)
      }))

    it.scopedLive("a stream's attempt timeout runs until its first chunk", () =>
      Effect.gen(function*() {
        const { context } = yield* setup(transport)
        const { millis, result } = yield* timed(stream(slow(3_000))).pipe(Effect.provide(context))
        expect(result._tag === "Left" && result.left._tag).toBe("TimeoutError")
        if (result._tag === "Left" && result.left._tag === "TimeoutError") expect(result.left.phase).toBe("attempt")
        expect(millis).toBeLessThan(2_000)
      }))

    it.scopedLive("a stream's idle gap past the idle timeout is a TimeoutError, and its connection is closed", () =>
      Effect.gen(function*() {
        const { context, server } = yield* setup(transport)
        const stalled = {
          [MockServer.faultHeader]: JSON.stringify({ stream: { stallAfter: { events: 2, duration: "30 seconds" } } })
        }
        const { millis, result } = yield* timed(stream(stalled)).pipe(Effect.provide(context))
        expect(result._tag === "Left" && result.left._tag).toBe("TimeoutError")
        if (result._tag === "Left" && result.left._tag === "TimeoutError") expect(result.left.phase).toBe("idle")
        expect(millis).toBeLessThan(2_000)
        const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
        expect(served!.outcome).toBe("aborted-by-client")
      }))

    for (const [what, limit] of [["a 30 days", "30 days"], ["an infinite", Duration.infinity]] as const) {
      it.scopedLive(`${what} timeout means none: slow answers and long gaps succeed`, () =>
        Effect.gen(function*() {
          const { context } = yield* setup(transport, { timeout: limit, streamIdleTimeout: limit })
          const completion = yield* chat(slow(400)).pipe(Effect.provide(context))
          expect(completion.object).toBe("chat.completion")
          const gap = {
            [MockServer.faultHeader]: JSON.stringify({ stream: { stallAfter: { events: 1, duration: "400 millis" } } })
          }
          yield* stream(gap).pipe(Effect.provide(context))
        }))
    }
  })
}
