// The rules of a streamed response one at a time: which statuses are errors, which content types are event streams
// and what a 2xx that is not one fails with, a stream that ends (well) without any value, the truncation detail, and
// what happens to the rest of the body after the terminal event.
import { Chat, OpenAiClient, OpenAiError, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { awaitRequests, messages, requestCount } from "./utils.js"

const chat = () => Chat.completions.stream({ model: "gpt-4o-mini", messages })

const speech = OpenAiClient.stream({
  name: "audio.speech.create",
  method: "POST",
  path: "/audio/speech",
  body: Operation.jsonBody({ model: "gpt-4o-mini-tts", input: "hi", voice: "alloy" }),
  response: Operation.byteStreamResponse
})

/** Responses-API-style events: `done` ends the stream (with its value), anything else is a value. */
const events = OpenAiClient.stream({
  name: "responses.stream",
  method: "POST",
  path: "/responses",
  body: Operation.jsonBody({ model: "gpt-4o-mini", input: "hi", stream: true }),
  response: Operation.eventStreamResponse({
    terminal: ["done", "failed"],
    events: () => (event) => {
      const json = Operation.eventJson(event)
      if (Either.isLeft(json)) return json.left
      const type = (json.right as { readonly type: string }).type
      return type === "done" ? Operation.end(type) : Operation.emit(type)
    }
  })
})

const typed = (type: string) => OpenAiTest.sseEvent({ type })

const collect = <A, E>(self: Stream.Stream<A, E, OpenAiClient.OpenAiClient>) =>
  Effect.gen(function*() {
    const delivered: Array<A> = []
    const result = yield* Effect.either(Stream.runForEach(self, (value) => Effect.sync(() => delivered.push(value))))
    return { delivered, error: Either.isLeft(result) ? result.left : undefined }
  })

describe("status", () => {
  it.effect("300 is an error status for a stream too (ApiError, body read), not streamed; 299 streams", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([typed("a"), typed("done")], { status: 300, headers: { "x-request-id": "req_300" } }),
        OpenAiTest.stream([typed("a"), typed("done")], { status: 299 })
      )
      const multiple = yield* collect(events)
      expect(multiple.delivered).toStrictEqual([])
      const error = multiple.error
      if (error?._tag !== "ApiError") return expect.fail(String(error?._tag))
      expect(error.status).toBe(300)
      expect(error.requestId).toBe("req_300")
      expect(error.body).toBe("data: {\"type\":\"a\"}\n\ndata: {\"type\":\"done\"}\n\n")
      const ok = yield* collect(events)
      expect(ok).toStrictEqual({ delivered: ["a", "done"], error: undefined })
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))
})

describe("content type", () => {
  it.effect("text/event-stream is recognised whatever its case and parameters", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([typed("a"), typed("done")], { contentType: "Text/Event-Stream; Charset=UTF-8" })
      )
      expect(yield* collect(events)).toStrictEqual({ delivered: ["a", "done"], error: undefined })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a 2xx without a content type is not an event stream: ResponseDecodeError saying what it got", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty({ apiHeaders: false, headers: { "x-request-id": "req_none" } }))
      const { error } = yield* collect(events)
      if (error?._tag !== "ResponseDecodeError") return expect.fail(String(error?._tag))
      expect(error.reason).toBe("InvalidJson")
      expect(error.detail).toBe("expected text/event-stream, got no content type")
      expect(error.body).toBe("")
      expect(error.status).toBe(200)
      expect(error.requestId).toBe("req_none")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a 2xx JSON error instead of an event stream is a StreamError with OpenAI's error, not retried", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: "stream refused", code: "nope" } }, { headers: { "x-request-id": "r1" } }),
        OpenAiTest.json({ status: "queued" })
      )
      const refused = (yield* collect(events)).error
      if (!(refused instanceof OpenAiError.StreamError)) return expect.fail(String(refused?._tag))
      expect(refused.reason).toBe("ErrorEvent")
      expect(refused.error).toStrictEqual({ message: "stream refused", code: "nope" })
      expect(refused.detail).toBe("the server answered with an error instead of an event stream")
      expect(refused.status).toBe(200)
      expect(refused.message).toBe(
        "Stream error event: stream refused (code: nope, POST https://api.openai.com/v1/responses, request id: r1)"
      )
      expect(yield* requestCount).toBe(1)
      // JSON without an error object is no stream either: undecodable, with the body kept
      const other = (yield* collect(events)).error
      if (other?._tag !== "ResponseDecodeError") return expect.fail(String(other?._tag))
      expect(other.detail).toBe("expected text/event-stream, got application/json")
      expect(other.body).toBe("{\"status\":\"queued\"}")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a byte stream takes any content type", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream(["data: not an event\n\n"], { contentType: "application/json" }))
      const chunks = yield* Stream.runCollect(speech)
      expect(new TextDecoder().decode(Chunk.unsafeGet(chunks, 0))).toBe("data: not an event\n\n")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("a stream that ends without any value", () => {
  it.effect("an event stream whose first event is its terminal one succeeds, empty", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([": keep-alive\n\n", OpenAiTest.sseDone]),
        OpenAiTest.stream([OpenAiTest.sseDone])
      )
      expect(yield* collect(chat())).toStrictEqual({ delivered: [], error: undefined })
      expect(yield* collect(chat())).toStrictEqual({ delivered: [], error: undefined })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a byte stream with an empty body succeeds, empty", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([], { contentType: "audio/mpeg" }))
      expect(yield* collect(speech)).toStrictEqual({ delivered: [], error: undefined })
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("truncation", () => {
  it.effect("a body that ends before a terminal event fails with the terminal events named in the detail", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([typed("a"), "data: {\"type\":\"done\"}\n"]))
      const { delivered, error } = yield* collect(events)
      expect(delivered).toStrictEqual(["a"])
      if (error?._tag !== "StreamError") return expect.fail(String(error?._tag))
      expect(error.reason).toBe("Truncated")
      expect(error.error).toBeUndefined()
      expect(error.detail).toBe("the event stream ended before its terminal event (done, failed)")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("after the terminal event", () => {
  it.effect("the rest of the body is read and ignored: a broken connection there does not fail the stream", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([typed("a"), typed("done"), typed("late"), OpenAiTest.cut("reset after the end")])
      )
      expect(yield* collect(events)).toStrictEqual({ delivered: ["a", "done"], error: undefined })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a body kept open after it is cut after 500 ms, and the stream ends successfully then", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([typed("a"), typed("done"), OpenAiTest.pause("1 hour"), typed("late")])
      )
      const fiber = yield* Effect.fork(collect(events))
      const [sent] = yield* awaitRequests(1)
      yield* TestClock.adjust("499 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      expect(yield* Fiber.join(fiber)).toStrictEqual({ delivered: ["a", "done"], error: undefined })
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
