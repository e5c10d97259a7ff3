import { Chat, OpenAiClient } from "@effect-openai/core"
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import { client, collect, eventually } from "./utils.js"

const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say this is a test!" }] } as const

describe("chat streams over real sockets (MockServer)", () => {
  it.scopedLive("streams a reply token by token, whatever the socket writes", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ stream: { bytesPerWrite: 7 } })
      const text = yield* Chat.completions.stream(params).pipe(
        Chat.textDeltas,
        Stream.runFold("", (all, delta) => all + delta),
        Effect.provide(client(server))
      )
      expect(text).toBe("This is a mock reply to: Say this is a test!")
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("completed")
      expect(served!.headers["accept"]).toBe("text/event-stream")
    }))

  it.scopedLive("consumes a 2,000-chunk stream and accumulates it", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ stream: { chunks: 2000 } })
      const completion = yield* Stream.run(Chat.completions.stream(params), Chat.accumulate).pipe(
        Effect.provide(client(server))
      )
      const content = completion.choices[0]!.message.content!
      expect(content.startsWith("tok0 tok1 tok2")).toBe(true)
      expect(content.endsWith(" tok1999")).toBe(true)
      expect(completion.choices[0]!.finish_reason).toBe("stop")
    }))

  it.scopedLive("an error event fails with StreamError after the earlier chunks", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ stream: { chunks: 10, errorAfter: 4 } })
      const { delivered, error } = yield* collect(Chat.completions.stream(params)).pipe(Effect.provide(client(server)))
      expect(delivered).toHaveLength(4)
      expect(error?._tag).toBe("StreamError")
      if (error?._tag === "StreamError") {
        expect(error.reason).toBe("ErrorEvent")
        expect(error.code).toBe("stream_failed")
        expect(error.requestId).toMatch(/^req_mock/)
      }
    }))

  it.scopedLive("a connection dropped mid-stream is a ConnectionError, not retried", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ stream: { chunks: 10, dropAfter: 3, interval: "20 millis" } })
      const { delivered, error } = yield* collect(Chat.completions.stream(params)).pipe(Effect.provide(client(server)))
      expect(delivered).toHaveLength(3)
      expect(error?._tag).toBe("ConnectionError")
      expect(yield* server.requests).toHaveLength(1)
    }))

  it.scopedLive("a body that ends cleanly without [DONE] fails with StreamError (truncated)", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ stream: { chunks: 10, truncateAfter: 5 } })
      const { delivered, error } = yield* collect(Chat.completions.stream(params)).pipe(Effect.provide(client(server)))
      expect(delivered).toHaveLength(5)
      expect(error?._tag).toBe("StreamError")
      if (error?._tag === "StreamError") expect(error.reason).toBe("Truncated")
    }))

  it.scopedLive("a stall past the idle timeout fails with TimeoutError and closes the socket", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ stream: { chunks: 10, stallAfter: { events: 2, duration: "30 seconds" } } })
      const { delivered, error } = yield* collect(Chat.completions.stream(params, { idleTimeout: "200 millis" })).pipe(
        Effect.provide(context)
      )
      expect(delivered).toHaveLength(2)
      expect(error?._tag).toBe("TimeoutError")
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("aborted-by-client")
    }))

  it.scopedLive("Stream.take closes the connection (seen by the server)", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ stream: { chunks: 1000, interval: "20 millis" } })
      const taken = yield* Chat.completions.stream(params).pipe(
        Stream.take(3),
        Stream.runCollect,
        Effect.provide(context)
      )
      expect(Chunk.size(taken)).toBe(3)
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("aborted-by-client")
    }))

  it.scopedLive("interrupted while the withStreamResponse callback runs, the socket is closed", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ stream: { chunks: 10, stallAfter: { events: 1, duration: "30 seconds" } } })
      const exit = yield* Chat.completions.stream(params).pipe(
        OpenAiClient.withStreamResponse(() => Effect.sleep("10 seconds")),
        Stream.runDrain,
        Effect.timeout("200 millis"),
        Effect.provide(context),
        Effect.exit
      )
      expect(exit._tag).toBe("Failure")
      const [served] = yield* eventually(server.requests, (all) => all[0]?.outcome !== "pending")
      expect(served!.outcome).toBe("aborted-by-client")
    }))

  it.scopedLive("openStream: a 429 is the effect's error before any event; opened, closing its scope closes the socket", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      yield* server.fault({ status: 429, headers: { "retry-after-ms": "10" } })
      const limited = yield* Effect.flip(Effect.scoped(Chat.completions.openStream(params, { maxRetries: 0 }))).pipe(
        Effect.provide(context)
      )
      expect(limited._tag).toBe("RateLimitError")
      yield* server.fault({ stream: { chunks: 1000, interval: "20 millis" } })
      const firstTwo = yield* Effect.scoped(Effect.flatMap(
        Chat.completions.openStream(params),
        (rest) => Stream.runCollect(Stream.take(rest, 2))
      )).pipe(Effect.provide(context))
      expect(Chunk.size(firstTwo)).toBe(2)
      const served = yield* eventually(server.requests, (all) => all[1]?.outcome !== "pending")
      expect(served.map((request) => request.outcome)).toStrictEqual(["completed", "aborted-by-client"])
    }))

  it.scopedLive("a 429 before the stream starts is retried", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ status: 429, headers: { "retry-after-ms": "10" } })
      const chunks = yield* Stream.runCollect(Chat.completions.stream(params)).pipe(Effect.provide(client(server)))
      expect(Chunk.size(chunks)).toBeGreaterThan(2)
      expect((yield* server.requests).map((request) => request.fault?.status)).toStrictEqual([429, undefined])
    }))

  it.scopedLive("[DONE] releases the connection for reuse: sequential streams share one socket", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      for (let i = 0; i < 5; i++) {
        const chunks = yield* Stream.runCollect(Chat.completions.stream(params)).pipe(Effect.provide(context))
        expect(Chunk.size(chunks)).toBeGreaterThan(2)
        // undici frees a socket a tick after the body ends; without the pause it may open a second one
        yield* Effect.sleep("20 millis")
      }
      expect(yield* server.connections).toStrictEqual({ accepted: 1, open: 1 })
    }))

  it.scopedLive("after [DONE] the rest of the body is read so the socket is reused, but not waited for long", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const context = yield* Layer.build(client(server))
      // the body ends 100 ms after [DONE]: the client reads up to its end and keeps the connection
      for (let i = 0; i < 3; i++) {
        yield* server.fault({ stream: { holdAfterDone: "100 millis" } })
        yield* Stream.runDrain(Chat.completions.stream(params)).pipe(Effect.provide(context))
        yield* Effect.sleep("20 millis")
      }
      expect((yield* server.connections).accepted).toBe(1)
      // a body held open for 30 s after [DONE] is cut after a moment: the stream does not wait for it
      yield* server.fault({ stream: { holdAfterDone: "30 seconds" } })
      const started = Date.now()
      yield* Stream.runDrain(Chat.completions.stream(params)).pipe(Effect.provide(context))
      expect(Date.now() - started).toBeLessThan(5_000)
      const served = yield* eventually(server.requests, (all) => all[3]?.outcome !== "pending")
      expect(served[3]!.outcome).toBe("aborted-by-client")
    }))
})
