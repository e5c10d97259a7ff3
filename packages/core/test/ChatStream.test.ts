import { Chat, OpenAiClient, OpenAiError } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { awaitRequests, messages, requestCount } from "./utils.js"

const params = { model: "gpt-4o-mini", messages } as const
const stream = (options?: OpenAiClient.StreamRequestOptions) => Chat.completions.stream(params, options)

const chunk = (content: string, extra: Record<string, unknown> = {}) =>
  OpenAiTest.sseEvent({
    id: "chatcmpl-s",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra
  })

/** Collects what a stream delivered before it ended or failed. */
const collect = <A, E>(self: Stream.Stream<A, E, OpenAiClient.OpenAiClient>) =>
  Effect.gen(function*() {
    const delivered: Array<A> = []
    const result = yield* Stream.runForEach(self, (value) => Effect.sync(() => delivered.push(value))).pipe(
      Effect.either
    )
    return { delivered, error: result._tag === "Left" ? result.left : undefined }
  })

const contents = (chunks: ReadonlyArray<Chat.ChatCompletionChunk>) =>
  chunks.map((c) => c.choices[0]?.delta.content ?? "").join("")

describe("Chat.completions.stream", () => {
  it.effect("streams chunks, sending stream: true and accepting an event stream", () =>
    Effect.gen(function*() {
      const chunks = yield* Stream.runCollect(
        Chat.completions.stream({ ...params, stream_options: { include_usage: true } })
      ).pipe(Effect.map(Chunk.toReadonlyArray))
      expect(contents(chunks)).toBe("This is a mock reply to: Say this is a test!")
      expect(chunks.at(-1)!.usage!.total_tokens).toBeGreaterThan(0)
      expect(chunks.at(-1)!.choices).toStrictEqual([])
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.body).toStrictEqual({ ...params, stream_options: { include_usage: true }, stream: true })
      expect(sent!.headers["accept"]).toBe("text/event-stream")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("data: [DONE] ends the stream exactly; nothing after it is delivered", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), chunk("b"), OpenAiTest.sseDone, chunk("after")]))
      const { delivered, error } = yield* collect(stream())
      expect(error).toBeUndefined()
      expect(contents(delivered)).toBe("ab")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  for (const fake of ["data: [DONE]x\n\n", "data: [DONE] \n\n", "data: [DONE]\ndata: more\n\n", "data:  [DONE]\n\n"]) {
    it.effect(`${JSON.stringify(fake)} is not the sentinel: it fails as malformed JSON`, () =>
      Effect.gen(function*() {
        yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), fake, OpenAiTest.sseDone]))
        const { delivered, error } = yield* collect(stream())
        expect(contents(delivered)).toBe("a")
        expect(error?._tag).toBe("StreamError")
        if (error?._tag === "StreamError") expect(error.reason).toBe("InvalidEvent")
      }).pipe(Effect.provide(OpenAiTest.layer())))
  }

  it.effect("event: error fails with StreamError carrying OpenAI's error and the request id, after earlier chunks", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        chunk("a"),
        chunk("b"),
        OpenAiTest.sseEvent({
          error: { message: "Overloaded", type: "server_error", code: "overloaded", param: null }
        }, "error"),
        chunk("never")
      ], { headers: { "x-request-id": "req_stream" } }))
      const { delivered, error } = yield* collect(stream())
      expect(contents(delivered)).toBe("ab")
      expect(error).toBeInstanceOf(OpenAiError.StreamError)
      if (!(error instanceof OpenAiError.StreamError)) return
      expect(error.reason).toBe("ErrorEvent")
      expect(error.error?.message).toBe("Overloaded")
      expect(error.type).toBe("server_error")
      expect(error.code).toBe("overloaded")
      expect(error.param).toBeUndefined()
      expect(error.requestId).toBe("req_stream")
      expect(error.message).toBe(
        "Stream error event: Overloaded (code: overloaded, POST https://api.openai.com/v1/chat/completions, request id: req_stream)"
      )
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a payload with an error object fails with StreamError, whatever the event name", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        chunk("a"),
        OpenAiTest.sseEvent({ error: { message: "Bad thing", type: "invalid_request_error" } })
      ]))
      const { delivered, error } = yield* collect(stream())
      expect(delivered).toHaveLength(1)
      expect(error?._tag).toBe("StreamError")
      expect(error?.message).toContain("Bad thing")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("malformed JSON fails with StreamError without echoing the payload", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), "data: {\"secret-ish\": tru\n\n"]))
      const { error } = yield* collect(stream())
      expect(error?._tag).toBe("StreamError")
      expect(error?.message).toContain("not valid JSON")
      expect(error?.message).not.toContain("secret-ish")
      expect(JSON.stringify(error)).not.toContain("secret-ish")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a chunk of the wrong shape fails with StreamError naming the path, not the value", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        OpenAiTest.sseEvent({ id: 1, object: "chat.completion.chunk", created: 1, model: "m", choices: [] })
      ]))
      const { error } = yield* collect(stream())
      expect(error?._tag).toBe("StreamError")
      expect(error?.message).toContain("at id")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("unknown event names and unknown fields pass through; non-chunk payloads never kill the stream", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        ": comment\n\n",
        OpenAiTest.sseEvent({ type: "keepalive" }),
        OpenAiTest.sseEvent({ type: "ping" }, "ping"),
        chunk("a", { brand_new: { x: 1 } }),
        OpenAiTest.sseEvent(
          {
            id: "c",
            object: "chat.completion.chunk",
            created: 1,
            model: "m",
            choices: [{ index: 0, delta: { content: "b" }, finish_reason: null }]
          },
          "custom.delta"
        ),
        OpenAiTest.sseDone
      ]))
      const { delivered, error } = yield* collect(stream())
      expect(error).toBeUndefined()
      expect(contents(delivered)).toBe("ab")
      expect((delivered[0] as unknown as Record<string, unknown>).brand_new).toStrictEqual({ x: 1 })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a body that ends before [DONE] fails with StreamError (truncation), after the chunks it had", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), chunk("b")]))
      const { delivered, error } = yield* collect(stream())
      expect(contents(delivered)).toBe("ab")
      expect(error?._tag).toBe("StreamError")
      if (error?._tag === "StreamError") {
        expect(error.reason).toBe("Truncated")
        expect(error.message).toContain("data: [DONE]")
      }
      // an unterminated [DONE] (no blank line) is a truncation too
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), "data: [DONE]\n"]))
      expect((yield* collect(stream())).error?._tag).toBe("StreamError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an empty 200 event stream is a truncation", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([]))
      const { delivered, error } = yield* collect(stream())
      expect(delivered).toHaveLength(0)
      expect(error?._tag).toBe("StreamError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a gap longer than the idle timeout fails with TimeoutError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), OpenAiTest.pause("10 minutes"), chunk("b"), OpenAiTest.sseDone])
      )
      const fiber = yield* Effect.fork(collect(stream({ idleTimeout: "30 seconds" })))
      yield* awaitRequests(1)
      yield* TestClock.adjust("29 seconds")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 second")
      const { delivered, error } = yield* Fiber.join(fiber)
      expect(contents(delivered)).toBe("a")
      expect(error?._tag).toBe("TimeoutError")
      if (error?._tag === "TimeoutError") expect(error.phase).toBe("idle")
      expect(error?.message).toContain("Stream idle gap timed out after 30s")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the client-wide idle timeout applies by default, and pauses shorter than it are fine", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), OpenAiTest.pause("4 seconds"), chunk("b"), OpenAiTest.sseDone])
      )
      const ok = yield* Effect.fork(collect(stream()))
      yield* TestClock.adjust("4 seconds")
      expect(contents((yield* Fiber.join(ok)).delivered)).toBe("ab")
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), OpenAiTest.pause("6 seconds"), chunk("b"), OpenAiTest.sseDone])
      )
      const stalled = yield* Effect.fork(collect(stream()))
      yield* TestClock.adjust("6 seconds")
      expect((yield* Fiber.join(stalled)).error?._tag).toBe("TimeoutError")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { streamIdleTimeout: "5 seconds" } }))))

  it.effect("retries a failed attempt before the first chunk", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(429, {}, { "retry-after-ms": "100" }),
        OpenAiTest.stream([OpenAiTest.cut("reset before any event")]),
        OpenAiTest.stream([chunk("ok"), OpenAiTest.sseDone])
      )
      const fiber = yield* Effect.fork(collect(stream()))
      yield* TestClock.adjust("10 seconds")
      const { delivered, error } = yield* Fiber.join(fiber)
      expect(error).toBeUndefined()
      expect(contents(delivered)).toBe("ok")
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 3 } }))))

  it.effect("never retries once a chunk reached the caller", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), OpenAiTest.cut("connection reset")]),
        OpenAiTest.stream([chunk("again"), OpenAiTest.sseDone])
      )
      const fiber = yield* Effect.fork(collect(stream()))
      yield* TestClock.adjust("1 minute")
      const { delivered, error } = yield* Fiber.join(fiber)
      expect(contents(delivered)).toBe("a")
      expect(error?._tag).toBe("ConnectionError")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an HTTP error status fails before streaming, with the usual tags", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(400, { message: "bad", param: "messages" }))
      const { error } = yield* collect(stream())
      expect(error?._tag).toBe("BadRequestError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a JSON error or an HTML page instead of an event stream fails clearly", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ error: { message: "stream refused", code: "nope" } }))
      const refused = yield* collect(stream())
      expect(refused.error?._tag).toBe("StreamError")
      expect(refused.error?.message).toContain("stream refused")
      yield* OpenAiTest.reply(OpenAiTest.text("<html>proxy</html>", { contentType: "text/html" }))
      const html = yield* collect(stream())
      expect(html.error?._tag).toBe("ResponseDecodeError")
      expect(html.error?.message).toContain("expected text/event-stream")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("interrupting the consumer (Stream.take) aborts the request", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), chunk("b"), chunk("c"), OpenAiTest.pause("1 hour"), OpenAiTest.sseDone])
      )
      const taken = yield* Stream.runCollect(Stream.take(stream(), 2))
      expect(Chunk.size(taken)).toBe(2)
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("withStreamResponse reports the request id and rate limits before the first chunk", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      yield* stream().pipe(
        OpenAiClient.withStreamResponse((response) =>
          Effect.sync(() => seen.push(`response ${response.requestId} ${response.rateLimit.remainingRequests}`))
        ),
        Stream.take(1),
        Stream.runForEach(() => Effect.sync(() => seen.push("chunk")))
      )
      expect(seen).toStrictEqual(["response req_mock000000000000000000000001 9999", "chunk"])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("header values with CR/LF are refused before anything is sent", () =>
    Effect.gen(function*() {
      const { error } = yield* collect(stream({ headers: { "x-a": "b\nc" } }))
      expect(error?._tag).toBe("InvalidRequestError")
      expect(yield* requestCount).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("Chat.completions.openStream: the stream opened before the caller commits", () => {
  const open = (options?: OpenAiClient.StreamRequestOptions) => Chat.completions.openStream(params, options)

  it.effect("fails with the typed error before any chunk, after the retries: 429, 401, an error event", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(429, { message: "slow down" }, { "retry-after-ms": "10" }),
        OpenAiTest.error(429, { message: "slow down" }, { "retry-after-ms": "10" })
      )
      const limited = yield* Effect.fork(Effect.flip(Effect.scoped(open({ maxRetries: 1 }))))
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(limited))._tag).toBe("RateLimitError")
      expect(yield* requestCount).toBe(2)
      yield* OpenAiTest.reply(OpenAiTest.error(401, { message: "bad key" }))
      expect((yield* Effect.flip(Effect.scoped(open())))._tag).toBe("AuthenticationError")
      yield* OpenAiTest.reply(
        OpenAiTest.stream([OpenAiTest.sseEvent({ error: { message: "overloaded", type: "server_error" } }, "error")])
      )
      const errorEvent = yield* Effect.flip(Effect.scoped(open({ maxRetries: 0 })))
      expect(errorEvent._tag).toBe("StreamError")
      expect(errorEvent.message).toContain("overloaded")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a retried failure before the first chunk is invisible: the opened stream has every chunk once", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([OpenAiTest.cut("reset before any event")]),
        OpenAiTest.stream([chunk("a"), chunk("b"), OpenAiTest.sseDone])
      )
      const fiber = yield* Effect.fork(Effect.scoped(Effect.flatMap(open(), (rest) => collect(rest))))
      yield* TestClock.adjust("10 seconds")
      const { delivered, error } = yield* Fiber.join(fiber)
      expect(error).toBeUndefined()
      expect(contents(delivered)).toBe("ab")
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("opened, the rest keeps the stream rules: a typed error mid-stream, the idle timeout", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([chunk("a"), OpenAiTest.sseEvent({ error: { message: "mid-stream" } }, "error")])
      )
      const midStream = yield* Effect.scoped(Effect.flatMap(open(), (rest) => collect(rest)))
      expect(contents(midStream.delivered)).toBe("a")
      expect(midStream.error?._tag).toBe("StreamError")
      expect(midStream.error?.message).toContain("mid-stream")
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), OpenAiTest.pause("1 hour"), chunk("b")]))
      const stalled = yield* Effect.fork(
        Effect.scoped(Effect.flatMap(open({ idleTimeout: "30 seconds" }), (rest) => collect(rest)))
      )
      yield* TestClock.adjust("30 seconds")
      const { delivered, error } = yield* Fiber.join(stalled)
      expect(contents(delivered)).toBe("a")
      expect(error?._tag === "TimeoutError" && error.phase).toBe("idle")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("withResponse around it gives the response's metadata as soon as it is open", () =>
    Effect.gen(function*() {
      const { data: rest, response } = yield* OpenAiClient.withResponse(open())
      expect(response.status).toBe(200)
      expect(response.requestId).toMatch(/^req_mock/)
      expect(contents((yield* collect(rest)).delivered)).toBe("This is a mock reply to: Say this is a test!")
    }).pipe(Effect.scoped, Effect.provide(OpenAiTest.layer())))

  it.effect("closing the scope ends the exchange: the request is aborted, even with the stream unread", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([chunk("a"), OpenAiTest.pause("1 hour"), OpenAiTest.sseDone]))
      yield* Effect.scoped(Effect.asVoid(open()))
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("stream helpers", () => {
  it.effect("textDeltas gives the first choice's non-empty text deltas", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream(OpenAiTest.chatStreamParts(["Hello", ",", " world"])))
      const deltas = yield* Stream.runCollect(Chat.textDeltas(stream()))
      expect(Chunk.toReadonlyArray(deltas)).toStrictEqual(["Hello", ",", " world"])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("accumulate builds the final completion, with usage and finish reason", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream(OpenAiTest.chatStreamParts(["Hello", " world"], { includeUsage: true, id: "chatcmpl-acc" }))
      )
      const completion = yield* Stream.run(stream(), Chat.accumulate)
      expect(completion).toMatchObject({
        id: "chatcmpl-acc",
        object: "chat.completion",
        model: "gpt-4o-mini",
        choices: [{
          index: 0,
          message: { role: "assistant", content: "Hello world", refusal: null },
          finish_reason: "stop"
        }],
        usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
        service_tier: "default",
        system_fingerprint: "fp_mock"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it("merges tool-call argument deltas by index, refusals and several choices", () => {
    const base = { id: "c", object: "chat.completion.chunk", created: 5, model: "gpt-4o" } as const
    const chunks: Array<Chat.ChatCompletionChunk> = [
      {
        ...base,
        choices: [{
          index: 0,
          delta: {
            role: "assistant",
            tool_calls: [
              { index: 0, id: "call_a", type: "function", function: { name: "get_weather", arguments: "" } },
              { index: 1, id: "call_b", type: "function", function: { name: "get_time", arguments: "{\"tz\"" } }
            ]
          },
          finish_reason: null
        }]
      },
      {
        ...base,
        choices: [{
          index: 0,
          delta: { tool_calls: [{ index: 0, function: { arguments: "{\"city\":" } }] },
          finish_reason: null
        }]
      },
      {
        ...base,
        choices: [{
          index: 0,
          delta: { tool_calls: [{ index: 1, function: { arguments: ":\"UTC\"}" } }] },
          finish_reason: null
        }]
      },
      {
        ...base,
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: "\"Paris\"}" } }] },
            finish_reason: null
          },
          { index: 1, delta: { role: "assistant", refusal: "I can't" }, finish_reason: null }
        ]
      },
      {
        ...base,
        choices: [
          { index: 1, delta: { refusal: " help with that." }, finish_reason: "stop" },
          { index: 0, delta: {}, finish_reason: "tool_calls" }
        ]
      }
    ]
    const accumulator = new Chat.ChatCompletionAccumulator()
    for (const c of chunks) accumulator.add(c)
    const completion = accumulator.snapshot()
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls")
    expect(completion.choices[0]!.message.content).toBeNull()
    expect(completion.choices[0]!.message.tool_calls).toStrictEqual([
      { id: "call_a", type: "function", function: { name: "get_weather", arguments: "{\"city\":\"Paris\"}" } },
      { id: "call_b", type: "function", function: { name: "get_time", arguments: "{\"tz\":\"UTC\"}" } }
    ])
    expect(completion.choices[1]!.message.refusal).toBe("I can't help with that.")
    expect(completion.choices[1]!.finish_reason).toBe("stop")
  })

  it.effect("snapshots pair each chunk with the completion so far", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b", "c"])))
      const texts = yield* Chat.snapshots(stream()).pipe(
        Stream.map(({ snapshot }) => snapshot.choices[0]?.message.content ?? ""),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(texts)).toStrictEqual(["", "a", "ab", "abc", "abc"])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
