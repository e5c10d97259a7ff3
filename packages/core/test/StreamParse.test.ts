/**
 * Structured outputs while they stream: partial values as the JSON arrives (each a new value, absent-field nulls
 * dropped), then the answer decoded; refusals, truncation and undecodable answers as typed errors, for Chat
 * Completions and the Responses API.
 */
import { Chat, ResponseFormat, Responses } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { messageItem, responseBody } from "./utils.js"

const Person = Schema.Struct({
  name: Schema.String,
  tags: Schema.Array(Schema.String),
  age: Schema.Number,
  nickname: Schema.optional(Schema.String)
})
const format = ResponseFormat.fromSchema(Person, { name: "person" })
const answer = "{\"name\":\"Ada Lovelace\",\"tags\":[\"math\",\"poetry\"],\"age\":36,\"nickname\":null}"

/** The answer cut into pieces of `size` characters, as a model streams tokens. */
const pieces = (text: string, size: number) => text.match(new RegExp(`[\\s\\S]{1,${size}}`, "g")) ?? []

const messages: ReadonlyArray<Chat.MessageParam> = [{ role: "user", content: "Who wrote the first program?" }]

describe("Chat.completions.streamParse", () => {
  it.effect("partial values as the JSON grows, each a new one, then the answer decoded with the completion", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream(OpenAiTest.chatStreamParts(pieces(answer, 4))))
      const events = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Chat.completions.streamParse({ model: "gpt-4o-mini", messages }, format))
      )
      const partials = events.filter((event) => event._tag === "Partial").map((event) => event.partial)
      expect(partials.length).toBeGreaterThan(8)
      // each differs from the one before; the name grows as it arrives
      for (let i = 1; i < partials.length; i++) {
        expect(JSON.stringify(partials[i])).not.toBe(JSON.stringify(partials[i - 1]))
      }
      expect(partials).toContainEqual({ name: "Ada" })
      expect(partials).toContainEqual({ name: "Ada Lov" })
      expect(partials).toContainEqual({ name: "Ada Lovelace", tags: ["math", "poetr"] })
      // the number is kept once it is one; the null standing for the absent nickname is dropped
      expect(partials.at(-1)).toStrictEqual({ name: "Ada Lovelace", tags: ["math", "poetry"], age: 36 })
      // with the text so far
      const texts = events.flatMap((event) => event._tag === "Partial" ? [event.text] : [])
      expect(texts.every((text, i) => answer.startsWith(text) && (i === 0 || text.length > texts[i - 1]!.length)))
        .toBe(true)
      const last = events.at(-1)!
      expect(last._tag).toBe("Parsed")
      if (last._tag !== "Parsed") return
      expect(last.parsed).toStrictEqual({ name: "Ada Lovelace", tags: ["math", "poetry"], age: 36 })
      expect(last.completion.choices[0]!.message.content).toBe(answer)
      expect(last.completion.choices[0]!.finish_reason).toBe("stop")
      const [request] = yield* OpenAiTest.requests
      expect(request!.body).toMatchObject({ stream: true, response_format: format.response_format })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an answer cut short: the partials, then IncompleteOutputError; a refusal: RefusalError", () =>
    Effect.gen(function*() {
      const cut = OpenAiTest.chatStreamParts(pieces(answer.slice(0, 30), 6)).map((part) =>
        part.replace("\"finish_reason\":\"stop\"", "\"finish_reason\":\"length\"")
      )
      const refusal = OpenAiTest.chatStreamParts([]).map((part) =>
        part.replace("\"content\":\"\",\"refusal\":null", "\"content\":null,\"refusal\":\"I can't.\"")
      )
      yield* OpenAiTest.reply(OpenAiTest.stream(cut), OpenAiTest.stream(refusal))
      const seen: Array<string> = []
      const error = yield* Chat.completions.streamParse({ model: "gpt-4o-mini", messages }, format).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event._tag))),
        Effect.flip
      )
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "length" })
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.every((tag) => tag === "Partial")).toBe(true)
      const refused = yield* Effect.flip(
        Stream.runDrain(Chat.completions.streamParse({ model: "gpt-4o-mini", messages }, format))
      )
      expect(refused).toMatchObject({ _tag: "RefusalError", refusal: "I can't." })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an answer the schema does not decode is a ResponseDecodeError naming the path, with the request id", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream(OpenAiTest.chatStreamParts(pieces("{\"name\":\"Ada\",\"tags\":[1],\"age\":36}", 5)), {
          headers: { "x-request-id": "req_stream_1" }
        })
      )
      const error = yield* Effect.flip(
        Stream.runDrain(Chat.completions.streamParse({ model: "gpt-4o-mini", messages }, format))
      )
      expect(error._tag).toBe("ResponseDecodeError")
      if (error._tag !== "ResponseDecodeError") return
      expect(error.reason).toBe("UnexpectedShape")
      expect(error.detail).toContain("tags")
      expect(error.response.requestId).toBe("req_stream_1")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("Responses.streamParse", () => {
  /** A streamed response whose message says `text` in pieces, ending with `response.completed`. */
  const events = (text: string) => {
    const deltas = pieces(text, 7)
    return [
      { type: "response.created", response: responseBody([], { status: "in_progress" }) },
      { type: "response.output_item.added", output_index: 0, item: { ...messageItem(""), content: [] } },
      {
        type: "response.content_part.added",
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] }
      },
      ...deltas.map((delta) => ({
        type: "response.output_text.delta",
        item_id: "msg_1",
        output_index: 0,
        content_index: 0,
        delta
      })),
      { type: "response.completed", response: responseBody([messageItem(text)]) }
    ].map((event, index) => OpenAiTest.sseEvent({ ...event, sequence_number: index }))
  }

  it.effect("partial values from the output text deltas, then the answer decoded with the response", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream(events(answer)))
      const all = Chunk.toReadonlyArray(
        yield* Stream.runCollect(Responses.streamParse({ model: "gpt-5", input: "Who?" }, format))
      )
      const partials = all.filter((event) => event._tag === "Partial").map((event) => event.partial)
      expect(partials.length).toBeGreaterThan(5)
      expect(partials.at(-1)).toStrictEqual({ name: "Ada Lovelace", tags: ["math", "poetry"], age: 36 })
      const last = all.at(-1)!
      expect(last).toMatchObject({ _tag: "Parsed", parsed: { name: "Ada Lovelace", age: 36 } })
      if (last._tag === "Parsed") expect(last.response.status).toBe("completed")
      const [request] = yield* OpenAiTest.requests
      expect(request!.body).toMatchObject({ stream: true, text: format.text })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a response.failed after partial values fails the stream with StreamError", () =>
    Effect.gen(function*() {
      const body = events(answer)
      body[body.length - 1] = OpenAiTest.sseEvent({
        type: "response.failed",
        sequence_number: 99,
        response: responseBody([], { status: "failed", error: { code: "server_error", message: "boom" } })
      })
      yield* OpenAiTest.reply(OpenAiTest.stream(body))
      const seen: Array<string> = []
      const error = yield* Responses.streamParse({ model: "gpt-5", input: "Who?" }, format).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event._tag))),
        Effect.flip
      )
      expect(seen.length).toBeGreaterThan(5)
      expect(error).toMatchObject({ _tag: "StreamError", reason: "ErrorEvent", error: { message: "boom" } })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
