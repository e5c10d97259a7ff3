/**
 * Structured outputs from a Schema: the JSON Schema strict mode accepts (every property required, optional ones
 * nullable, `additionalProperties: false`, supported keywords only, `$defs` for recursion), what it cannot express
 * refused at construction with the path, and the answer decoded back (added nulls absent again).
 */
import { Chat, ResponseFormat, Responses } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { messageItem, responseBody } from "./utils.js"

interface Category {
  readonly name: string
  readonly children: ReadonlyArray<Category>
}
const Category: Schema.Schema<Category> = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend(() => Category))
}).annotations({ identifier: "Category" })

const Event = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1)),
  attendees: Schema.Array(
    Schema.Struct({ email: Schema.String, role: Schema.optional(Schema.Literal("host", "guest")) })
  ),
  place: Schema.optional(Schema.String),
  note: Schema.NullOr(Schema.String),
  kind: Schema.Union(
    Schema.Struct({ type: Schema.Literal("online"), url: Schema.String }),
    Schema.Struct({ type: Schema.Literal("venue"), address: Schema.optional(Schema.String) })
  ),
  count: Schema.Int,
  category: Category
})

const format = ResponseFormat.fromSchema(Event, { name: "event", description: "An event" })

describe("ResponseFormat.fromSchema: the strict JSON Schema", () => {
  it("every property required, optional ones nullable, no other keys, only supported keywords, $defs for recursion", () => {
    const schema = format.jsonSchema as Record<string, any>
    expect(schema.type).toBe("object")
    expect(schema.additionalProperties).toBe(false)
    expect(schema.required).toStrictEqual(["name", "attendees", "place", "note", "kind", "count", "category"])
    expect(schema.properties.place).toStrictEqual({ type: ["string", "null"] })
    expect(schema.properties.note).toStrictEqual({ anyOf: [{ type: "string" }, { type: "null" }] })
    // minLength has no strict form: left out (the decoder still checks it); the description stays
    expect(schema.properties.name).toStrictEqual({
      type: "string",
      description: "a string at least 1 character(s) long"
    })
    const attendee = schema.properties.attendees.items
    expect(attendee).toStrictEqual({
      type: "object",
      properties: { email: { type: "string" }, role: { type: ["string", "null"], enum: ["host", "guest", null] } },
      required: ["email", "role"],
      additionalProperties: false
    })
    const [online, venue] = schema.properties.kind.anyOf
    expect(online.required).toStrictEqual(["type", "url"])
    expect(venue.properties.address).toStrictEqual({ type: ["string", "null"] })
    expect(schema.properties.category).toStrictEqual({ $ref: "#/$defs/Category" })
    expect(schema.$defs.Category).toStrictEqual({
      type: "object",
      properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#/$defs/Category" } } },
      required: ["name", "children"],
      additionalProperties: false
    })
    expect(JSON.stringify(schema)).not.toContain("$schema")
    expect(JSON.stringify(schema)).not.toContain("\"title\"")
  })

  it("the formats of both APIs", () => {
    expect(format.response_format).toStrictEqual({
      type: "json_schema",
      json_schema: { name: "event", description: "An event", schema: format.jsonSchema, strict: true }
    })
    expect(format.text).toStrictEqual({
      format: { type: "json_schema", name: "event", description: "An event", schema: format.jsonSchema, strict: true }
    })
  })

  it("what strict mode cannot express is refused at construction, naming the path", () => {
    const even = Schema.Struct({
      items: Schema.Array(Schema.Struct({ n: Schema.Number.pipe(Schema.filter((n) => n % 2 === 0)) }))
    })
    expect(() => ResponseFormat.fromSchema(even, { name: "x" })).toThrow(/at items\.\[\]\.n: a refinement/)
    const record = Schema.Struct({ scores: Schema.Record({ key: Schema.String, value: Schema.Number }) })
    expect(() => ResponseFormat.fromSchema(record, { name: "x" })).toThrow(/at scores: a record/)
    expect(() => ResponseFormat.fromSchema(Schema.Array(Schema.String), { name: "x" })).toThrow(
      /at the root: strict mode needs an object/
    )
    const made = Either.try(() => ResponseFormat.fromSchema(record, { name: "x" }))
    if (Either.isRight(made)) return expect.fail("made a format of a record")
    expect(made.left).toBeInstanceOf(ResponseFormat.StrictSchemaError)
    expect((made.left as ResponseFormat.StrictSchemaError).path).toStrictEqual(["scores"])
    // a refinement with a JSON Schema form is fine
    expect(() => ResponseFormat.fromSchema(Schema.Struct({ n: Schema.Int }), { name: "x" })).not.toThrow()
  })

  it("a class (a $ref at the root) is its definition; a named schema with keywords beside its $ref is inlined", () => {
    class Person extends Schema.Class<Person>("Person")({
      name: Schema.String,
      nick: Schema.optional(Schema.String),
      rating: Schema.Int.pipe(Schema.between(1, 5)),
      born: Schema.Date
    }) {}
    const person = ResponseFormat.fromSchema(Person, { name: "person" })
    expect(person.jsonSchema).toStrictEqual({
      type: "object",
      properties: {
        name: { type: "string" },
        nick: { type: ["string", "null"] },
        // Int's definition with the bounds over it: strict mode takes a $ref alone
        rating: { type: "integer", description: "a number between 1 and 5", minimum: 1, maximum: 5 },
        // a Date is sent as the string the model writes; the valid-date check is on the decoded side
        born: { $ref: "#/$defs/Date" }
      },
      required: ["name", "nick", "rating", "born"],
      additionalProperties: false,
      $defs: { Date: { type: "string", description: "a string to be decoded into a Date" } }
    })
    const decoded = Effect.runSync(
      person.decode("{\"name\":\"Ada\",\"nick\":null,\"rating\":5,\"born\":\"1815-12-10\"}")
    )
    expect(decoded).toBeInstanceOf(Person)
    expect(decoded.nick).toBeUndefined()
    expect(decoded.born.getUTCFullYear()).toBe(1815)
  })

  it("a tuple is refused with its path", () => {
    const pair = Schema.Struct({ at: Schema.Tuple(Schema.Number, Schema.Number) })
    expect(() => ResponseFormat.fromSchema(pair, { name: "x" })).toThrow(/at at: a tuple/)
  })

  it("strict: false sends JSONSchema.make's schema as it is", () => {
    const loose = ResponseFormat.fromSchema(Schema.Struct({ a: Schema.optional(Schema.String) }), {
      name: "x",
      strict: false
    })
    expect(loose.jsonSchema).toStrictEqual({
      type: "object",
      required: [],
      properties: { a: { type: "string" } },
      additionalProperties: false
    })
    expect(loose.response_format.json_schema.strict).toBe(false)
  })
})

const answer = {
  name: "Launch",
  attendees: [{ email: "a@example.com", role: null }, { email: "b@example.com", role: "host" }],
  place: null,
  note: null,
  kind: { type: "venue", address: null },
  count: 3,
  category: { name: "work", children: [{ name: "meetings", children: [] }] }
}
describe("ResponseFormat: decoding the answer", () => {
  it.effect("the nulls of absent fields are dropped inside an array that is a branch of a union", () =>
    Effect.gen(function*() {
      const Notes = Schema.Struct({
        list: Schema.NullOr(Schema.Array(Schema.Struct({ x: Schema.String, note: Schema.optional(Schema.String) })))
      })
      const notes = ResponseFormat.fromSchema(Notes, { name: "notes" })
      expect(yield* notes.decode("{\"list\":[{\"x\":\"a\",\"note\":null},{\"x\":\"b\",\"note\":\"n\"}]}"))
        .toStrictEqual({ list: [{ x: "a" }, { x: "b", note: "n" }] })
      expect(yield* notes.decode("{\"list\":null}")).toStrictEqual({ list: null })
    }))

  it.effect("nulls standing for absent optional fields are dropped; a field that may be null keeps it", () =>
    Effect.gen(function*() {
      const event = yield* format.decode(JSON.stringify(answer))
      expect(event).toStrictEqual({
        name: "Launch",
        attendees: [{ email: "a@example.com" }, { email: "b@example.com", role: "host" }],
        note: null,
        kind: { type: "venue" },
        count: 3,
        category: { name: "work", children: [{ name: "meetings", children: [] }] }
      })
    }))

  it.effect("an answer that breaks the schema (a check strict mode could not send) fails with the path", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(format.decode(JSON.stringify({ ...answer, name: "" })))
      expect(error._tag).toBe("ParseError")
      expect(error.message).toContain("name")
      const notJson = yield* Effect.flip(format.decode("{\"name\": "))
      expect(notJson._tag).toBe("ParseError")
    }))

  it.effect("end to end: sent as Chat's response_format, the reply decoded", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion(JSON.stringify(answer)))
      const completion = yield* Chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Extract the event" }],
        response_format: format.response_format
      })
      const event = yield* format.decode(completion.choices[0]!.message.content ?? "")
      expect(event.name).toBe("Launch")
      const [sent] = yield* OpenAiTest.requests
      expect((sent!.body as { response_format: unknown }).response_format).toStrictEqual(format.response_format)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

const completionWith = (message: Record<string, unknown>, finishReason = "stop") => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4o-mini",
  choices: [{
    index: 0,
    message: { role: "assistant", content: null, refusal: null, ...message },
    finish_reason: finishReason,
    logprobs: null
  }]
})

const ask = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Extract the event" }] } as const

describe("Chat.completions.parse", () => {
  it.effect("every choice's answer decoded into message.parsed", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(completionWith({ content: JSON.stringify(answer) })))
      const completion = yield* Chat.completions.parse(ask, format)
      expect(completion.choices[0]!.message.parsed.name).toBe("Launch")
      expect(completion.choices[0]!.message.parsed.place).toBeUndefined()
      const [sent] = yield* OpenAiTest.requests
      expect((sent!.body as { response_format: unknown }).response_format).toStrictEqual(format.response_format)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a refusal is a RefusalError; an answer cut short an IncompleteOutputError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(completionWith({ refusal: "I can't help with that." })),
        OpenAiTest.json(completionWith({ content: "{\"name\": \"La" }, "length")),
        OpenAiTest.json(completionWith({ content: "" }, "content_filter"))
      )
      const refusal = yield* Effect.flip(Chat.completions.parse(ask, format))
      if (refusal._tag !== "RefusalError") return expect.fail(refusal._tag)
      expect(refusal.refusal).toBe("I can't help with that.")
      const length = yield* Effect.flip(Chat.completions.parse(ask, format))
      expect(length).toMatchObject({ _tag: "IncompleteOutputError", reason: "length" })
      const filtered = yield* Effect.flip(Chat.completions.parse(ask, format))
      expect(filtered).toMatchObject({ _tag: "IncompleteOutputError", reason: "content_filter" })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an answer the schema does not decode is a ResponseDecodeError naming the path", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(completionWith({ content: JSON.stringify({ ...answer, count: 2.5 }) })),
        OpenAiTest.json(completionWith({ content: "not json" }))
      )
      const shape = yield* Effect.flip(Chat.completions.parse(ask, format))
      if (shape._tag !== "ResponseDecodeError") return expect.fail(shape._tag)
      expect(shape.reason).toBe("UnexpectedShape")
      expect(shape.detail).toContain("count")
      expect(shape.requestId).toBe("req_mock000000000000000000000001")
      const json = yield* Effect.flip(Chat.completions.parse(ask, format))
      expect(json).toMatchObject({ _tag: "ResponseDecodeError", reason: "InvalidJson" })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("Responses.parse", () => {
  it.effect("the output text decoded into output_parsed, the format sent as text.format", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(
          responseBody([messageItem({ type: "output_text", text: JSON.stringify(answer), annotations: [] })])
        )
      )
      const response = yield* Responses.parse({ model: "gpt-4o-mini", input: "Extract the event" }, format)
      expect(response.output_parsed.kind).toStrictEqual({ type: "venue" })
      const [sent] = yield* OpenAiTest.requests
      expect((sent!.body as { text: unknown }).text).toStrictEqual(format.text)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a refusal, and a response incomplete for max_output_tokens, are typed errors", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(responseBody([messageItem({ type: "refusal", refusal: "No." })])),
        OpenAiTest.json(responseBody([], { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } }))
      )
      const refusal = yield* Effect.flip(Responses.parse({ model: "gpt-4o-mini", input: "x" }, format))
      expect(refusal).toMatchObject({ _tag: "RefusalError", refusal: "No." })
      const incomplete = yield* Effect.flip(Responses.parse({ model: "gpt-4o-mini", input: "x" }, format))
      expect(incomplete).toMatchObject({ _tag: "IncompleteOutputError", reason: "max_output_tokens" })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
