/**
 * The generated schemas decode the way DESIGN.md asks: unknown keys kept, enums open, the spec's null spellings,
 * tagged unions that let a new member through but not a malformed known one, recursion; and a generated event
 * stream (Responses) ends at its terminal event, fails on an error event, and never ends silently.
 */
import { Chat, Models, Responses } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { CompoundFilter } from "../src/generated/shared/Conversations_Evals_Responses_VectorStores.js"
import { shapeDetail } from "../src/internal/response.js"
import { messageItem, responseBody } from "./utils.js"

const decode = Schema.decodeUnknownEither(Responses.Response, { onExcessProperty: "preserve" })

describe("generated schemas", () => {
  it("decode a real response, keeping keys the spec does not know", () => {
    const decoded = decode(responseBody([messageItem("hi")], { brand_new_field: { a: 1 } }))
    if (Either.isLeft(decoded)) return expect.fail(String(decoded.left))
    expect(decoded.right.output[0]).toMatchObject({ type: "message", content: [{ text: "hi" }] })
    expect((decoded.right as unknown as Record<string, unknown>).brand_new_field).toStrictEqual({ a: 1 })
  })

  it("let an output item of a type newer than the spec through unchanged, and an unknown status", () => {
    const item = { type: "holographic_call", id: "h1", payload: [1, 2] }
    const decoded = decode(responseBody([item, messageItem("after")], { status: "thinking_really_hard" }))
    if (Either.isLeft(decoded)) return expect.fail(String(decoded.left))
    expect(decoded.right.output[0]).toStrictEqual(item)
    expect(decoded.right.status).toBe("thinking_really_hard")
  })

  it("reject a known item that lacks a required field, naming its path", () => {
    const { id: _, ...broken } = messageItem("hi")
    const decoded = decode(responseBody([broken]))
    if (Either.isRight(decoded)) return expect.fail("decoded a message without its id")
    expect(shapeDetail(decoded.left)).toContain("[\"output\"][0][\"id\"]: is missing")
    // a required list left out is empty rather than an error (servers and the spec's examples omit them)
    const { content: __, ...noContent } = messageItem("hi")
    const lenient = decode(responseBody([noContent]))
    if (Either.isLeft(lenient)) return expect.fail(String(lenient.left))
    expect(lenient.right.output[0]).toMatchObject({ content: [] })
  })

  it("keep a `type` outside any union open, and model ids any string: a newer value decodes", () => {
    const chunk = Schema.decodeUnknownEither(Chat.ChatCompletionChunk)({
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-99-preview",
      choices: [{
        index: 0,
        finish_reason: null,
        delta: { tool_calls: [{ index: 0, id: "t", type: "custom", custom: { name: "grep", input: "x" } }] }
      }]
    })
    if (Either.isLeft(chunk)) return expect.fail(String(chunk.left))
    expect(chunk.right.choices[0]!.delta.tool_calls![0]!.type).toBe("custom")
    const completion = Schema.decodeUnknownEither(Responses.Response)(responseBody([], { model: "gpt-99-preview" }))
    if (Either.isLeft(completion)) return expect.fail(String(completion.left))
    expect(completion.right.model).toBe("gpt-99-preview")
  })

  it("read a required nullable field the server left out as null (`instructions`), and `null` where sent", () => {
    const { instructions: _, ...without } = responseBody([])
    const decoded = decode(without)
    if (Either.isLeft(decoded)) return expect.fail(String(decoded.left))
    expect(decoded.right.instructions).toBeNull()
  })

  it("decode recursive filters (`$recursiveRef`) to any depth, and reject a bad leaf", () => {
    const leaf = { type: "eq", key: "author", value: "ada" }
    const nested = { type: "and", filters: [leaf, { type: "or", filters: [leaf, { type: "and", filters: [] }] }] }
    expect(Schema.decodeUnknownSync(CompoundFilter)(nested)).toStrictEqual(nested)
    const bad = { type: "and", filters: [{ type: "or", filters: [{ type: "eq", key: 1, value: "x" }] }] }
    expect(Either.isLeft(Schema.decodeUnknownEither(CompoundFilter)(bad))).toBe(true)
  })

  it.effect("a model's shutdown date is the spec's date string, or null", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({
          object: "list",
          data: [
            { id: "a", object: "model", created: 1, owned_by: "openai", shutdown_date: "2026-10-23" },
            { id: "b", object: "model", created: 2, owned_by: "openai", shutdown_date: null },
            { id: "c", object: "model", created: 3, owned_by: "openai" }
          ]
        })
      )
      const list = yield* Models.list()
      expect(list.data.map((model) => model.shutdown_date)).toStrictEqual(["2026-10-23", null, undefined])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

const event = (type: string, fields: Record<string, unknown>, sequence: number) =>
  OpenAiTest.sseEvent({ type, sequence_number: sequence, ...fields })

const delta = (text: string, sequence: number) =>
  event("response.output_text.delta", {
    item_id: "msg_1",
    output_index: 0,
    content_index: 0,
    delta: text,
    logprobs: []
  }, sequence)

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(
    Stream.runCollect(Stream.either(stream)),
    (all) => {
      const items = Chunk.toReadonlyArray(all)
      return {
        values: items.filter(Either.isRight).map((each) => each.right),
        error: items.find(Either.isLeft)?.left
      }
    }
  )

describe("Responses.stream (a generated event stream)", () => {
  const params = { model: "gpt-5", input: "hi" }

  it.effect("delivers typed events, lets unknown event types through, and ends at response.completed", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        event("response.created", { response: responseBody([], { status: "in_progress" }) }, 0),
        delta("Hel", 1),
        event("response.brand_new_event", { anything: true }, 2),
        delta("lo", 3),
        event("response.completed", { response: responseBody([messageItem("Hello")]) }, 4),
        delta("after the end", 5)
      ]))
      const { error, values } = yield* collect(Responses.stream(params))
      expect(error).toBeUndefined()
      expect(values.map((value) => value.type)).toStrictEqual([
        "response.created",
        "response.output_text.delta",
        "response.brand_new_event",
        "response.output_text.delta",
        "response.completed"
      ])
      const last = values[values.length - 1]!
      if (last.type !== "response.completed") return expect.fail(last.type)
      expect(last.response.output[0]).toMatchObject({ content: [{ text: "Hello" }] })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.body).toStrictEqual({ ...params, stream: true })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an error event fails the stream with its code and message after the events before it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        delta("partial", 0),
        event("error", { code: "server_error", message: "The model crashed", param: null }, 1)
      ]))
      const { error, values } = yield* collect(Responses.stream(params))
      expect(values).toHaveLength(1)
      if (error?._tag !== "StreamError") return expect.fail(String(error))
      expect(error.reason).toBe("ErrorEvent")
      expect(error.error?.code).toBe("server_error")
      expect(error.error?.message).toBe("The model crashed")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))

  it.effect("a stream that ends before a terminal event fails as truncated; a malformed known event as invalid", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([delta("a", 0), delta("b", 1)]),
        OpenAiTest.stream([delta("a", 0), event("response.output_text.delta", { delta: 5 }, 1)])
      )
      const truncated = yield* collect(Responses.stream(params))
      expect(truncated.values).toHaveLength(2)
      if (truncated.error?._tag !== "StreamError") return expect.fail(String(truncated.error))
      expect(truncated.error.reason).toBe("Truncated")
      expect(truncated.error.detail).toContain("response.completed")
      const invalid = yield* collect(Responses.stream(params))
      expect(invalid.values).toHaveLength(1)
      if (invalid.error?._tag !== "StreamError") return expect.fail(String(invalid.error))
      expect(invalid.error.reason).toBe("InvalidEvent")
      expect(invalid.error.detail).toContain("response.output_text.delta")
      expect(invalid.error.detail).not.toContain("5")
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { maxRetries: 0 } }))))
})
