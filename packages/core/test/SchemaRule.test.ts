// The response decoder's rule that nothing the API sends is lost: unknown keys are kept whichever way a body is
// decoded, the full decode (a schema that transforms) as well as a body that already is of the type.
import { OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { ChatCompletion, ChatCompletionChunk, ChatCompletionMessage } from "../src/Chat.js"
import { CreateEmbeddingResponse } from "../src/Embeddings.js"
import { changesValues, decoderEither, OpenUnion } from "../src/internal/schema.js"
import { ModelDeleted, ModelsPage } from "../src/Models.js"

const get = <A, I>(schema: Schema.Schema<A, I>) =>
  OpenAiClient.request({
    name: "things.retrieve",
    method: "GET",
    path: "/things/t1",
    response: Operation.jsonResponse(schema)
  })

describe("Operation.jsonResponse decoding", () => {
  it.effect("a schema that transforms (full decode): the decoded fields, and unknown keys kept, nested too", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ id: "t1", count: "3", meta: { size: "7", tag: "x" }, brand_new: [1, { a: true }] })
      )
      const thing = yield* get(
        Schema.Struct({
          id: Schema.String,
          count: Schema.NumberFromString,
          meta: Schema.Struct({ size: Schema.NumberFromString })
        })
      )
      expect(thing).toStrictEqual({ id: "t1", count: 3, meta: { size: 7, tag: "x" }, brand_new: [1, { a: true }] })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a body already of the type: returned with its unknown keys; a body not of it fails naming the path", () =>
    Effect.gen(function*() {
      const Thing = Schema.Struct({ id: Schema.String, count: Schema.Number })
      yield* OpenAiTest.reply(
        OpenAiTest.json({ id: "t1", count: 3, brand_new: { a: 1 } }),
        OpenAiTest.json({ id: "t1", count: null, brand_new: { a: 1 } })
      )
      expect(yield* get(Thing)).toStrictEqual({ id: "t1", count: 3, brand_new: { a: 1 } })
      const error = yield* Effect.flip(get(Thing))
      if (error._tag !== "ResponseDecodeError") return expect.fail(error._tag)
      expect(error.reason).toBe("UnexpectedShape")
      expect(error.detail).toContain("[\"count\"]")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a transformation runs whether or not the raw body already looks like the type", () =>
    Effect.gen(function*() {
      const Millis = Schema.transform(Schema.Number, Schema.Number, {
        strict: true,
        decode: (seconds) => seconds * 1000,
        encode: (millis) => millis / 1000
      })
      const Thing = Schema.Struct({ created: Millis, name: Schema.Trim })
      yield* OpenAiTest.reply(
        OpenAiTest.json({ created: 1_700_000_000, name: "a" }),
        OpenAiTest.json({ created: 1_700_000_000, name: " a " })
      )
      expect(yield* get(Thing)).toStrictEqual({ created: 1_700_000_000_000, name: "a" })
      expect(yield* get(Thing)).toStrictEqual({ created: 1_700_000_000_000, name: "a" })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a field default fills in a missing field and leaves a present one as sent", () =>
    Effect.gen(function*() {
      const Thing = Schema.Struct({
        id: Schema.String,
        tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
      })
      yield* OpenAiTest.reply(OpenAiTest.json({ id: "a", extra: 1 }), OpenAiTest.json({ id: "b", tags: ["x"] }))
      expect(yield* get(Thing)).toStrictEqual({ id: "a", extra: 1, tags: [] })
      expect(yield* get(Thing)).toStrictEqual({ id: "b", tags: ["x"] })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("which schemas may skip the full decode", () => {
  it("none that transforms (a declaration through its type parameters) or defaults a field to another type; recursive ones are followed", () => {
    expect(changesValues(Schema.NumberFromString.ast)).toBe(true)
    expect(changesValues(Schema.Struct({ a: Schema.Array(Schema.Trim) }).ast)).toBe(true)
    expect(changesValues(Schema.Union(Schema.String, Schema.Tuple(Schema.DateFromString)).ast)).toBe(true)
    expect(changesValues(Schema.Record({ key: Schema.String, value: Schema.NumberFromString }).ast)).toBe(true)
    expect(changesValues(Schema.DateFromSelf.ast)).toBe(false)
    expect(changesValues(Schema.ChunkFromSelf(Schema.NumberFromString).ast)).toBe(true)
    expect(
      changesValues(Schema.Struct({ a: Schema.optionalWith(Schema.String, { nullable: true, default: () => "" }) }).ast)
    )
      .toBe(true)
    expect(changesValues(Schema.Struct({ a: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("b")) }).ast))
      .toBe(true)
    interface Tree {
      readonly value: string
      readonly children: ReadonlyArray<Tree>
    }
    const Tree: Schema.Schema<Tree> = Schema.Struct({
      value: Schema.String,
      children: Schema.Array(Schema.suspend(() => Tree))
    })
    expect(changesValues(Tree.ast)).toBe(false)
    const TrimmedTree: Schema.Schema<Tree> = Schema.Struct({
      value: Schema.Trim,
      children: Schema.Array(Schema.suspend(() => TrimmedTree))
    })
    expect(changesValues(TrimmedTree.ast)).toBe(true)
    // a recursive schema under a field default: the default's type side rebuilds the suspension's nodes on every
    // call, which once recursed until the stack overflowed (the generated filters of evals and responses)
    const Filter: Schema.Schema<Tree> = Schema.Struct({
      value: Schema.String,
      children: Schema.Array(Schema.suspend(() => Filter))
    })
    const Holder = Schema.Struct({
      tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
      filter: Filter
    })
    expect(changesValues(Holder.ast)).toBe(true)
    const nested = { tags: ["t"], filter: { value: "a", children: [{ value: "b", children: [] }] } }
    expect(Schema.decodeUnknownSync(Holder)(nested)).toStrictEqual(nested)
    expect(changesValues(Schema.Struct({ a: Schema.NonEmptyString, b: Schema.NullOr(Schema.Number) }).ast)).toBe(false)
    expect(changesValues(Schema.Struct({ a: Schema.optionalWith(Schema.String, { default: () => "" }) }).ast)).toBe(
      false
    )
    expect(
      changesValues(Schema.Struct({ a: Schema.optionalWith(Schema.String, { exact: true, default: () => "" }) }).ast)
    )
      .toBe(false)
  })

  it("a defaulted list of structs that have defaults of their own is defaults only; a transformation inside is not", () => {
    const Logprob = (bytes: Schema.Schema<any, any>) =>
      Schema.Struct({ token: Schema.String, bytes: Schema.optionalWith(bytes, { exact: true, default: () => null }) })
    const holder = (bytes: Schema.Schema<any, any>) =>
      Schema.Struct({ top: Schema.optionalWith(Schema.Array(Logprob(bytes)), { default: () => [] }) })
    expect(changesValues(holder(Schema.NullOr(Schema.Array(Schema.Number))).ast)).toBe(false)
    expect(changesValues(holder(Schema.NullOr(Schema.NumberFromString)).ast)).toBe(true)
    const Filled = holder(Schema.NullOr(Schema.Array(Schema.Number)))
    expect(Schema.decodeUnknownSync(Filled)({ top: [{ token: "a" }] })).toStrictEqual({
      top: [{ token: "a", bytes: null }]
    })
  })

  it("our own response schemas keep the fast path (field defaults only)", () => {
    for (const schema of [ChatCompletion, ChatCompletionChunk, CreateEmbeddingResponse, ModelsPage, ModelDeleted]) {
      expect(changesValues(schema.ast)).toBe(false)
    }
  })
})

describe("fields the API always sends, as a value or null", () => {
  it("a message's content and refusal are string | null; a server that leaves them out gives null", () => {
    const decode = Schema.decodeUnknownSync(ChatCompletionMessage)
    expect(decode({ role: "assistant" })).toStrictEqual({ role: "assistant", content: null, refusal: null })
    expect(decode({ role: "assistant", content: "hi", refusal: null })).toStrictEqual({
      role: "assistant",
      content: "hi",
      refusal: null
    })
    expect(() => decode({ role: "assistant", content: 1 })).toThrow(/content/)
    expectTypeOf<ChatCompletionMessage["content"]>().toEqualTypeOf<string | null>()
    expectTypeOf<ChatCompletionMessage["refusal"]>().toEqualTypeOf<string | null>()
  })
})

describe("a union tagged by type: each value decoded by its member", () => {
  const Delta = Schema.Struct({ type: Schema.Literal("delta"), text: Schema.String })
  const Done = Schema.Struct({ type: Schema.Literal("done"), total: Schema.NumberFromString })
  const Event = OpenUnion("type", [Delta, Done])
  const decode = decoderEither(Event)

  it("a member that does not transform keeps its fast path (the very value), though another member transforms", () => {
    expect(changesValues(Event.ast)).toBe(true)
    const delta = { type: "delta", text: "hi", extra: 1 }
    const decoded = decode(delta)
    expect(Either.isRight(decoded) && decoded.right).toBe(delta)
    expect(decode({ type: "done", total: "3", extra: 2 })).toStrictEqual(
      Either.right({ type: "done", total: 3, extra: 2 })
    )
  })

  it("a malformed known member fails with its path; an unknown type passes; a value without a type fails", () => {
    const bad = decode({ type: "delta", text: 5 })
    expect(Either.isLeft(bad) && ParseResult.ArrayFormatter.formatErrorSync(bad.left).map((issue) => issue.path))
      .toStrictEqual([["text"]])
    const unknown = { type: "brand_new", anything: true }
    expect(decode(unknown)).toStrictEqual(Either.right(unknown))
    expect(Either.isLeft(decode({ text: "no type" }))).toBe(true)
    expect(Either.isLeft(decode("not an object"))).toBe(true)
  })
})
