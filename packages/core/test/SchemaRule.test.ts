// The response decoder's rule that nothing the API sends is lost: unknown keys are kept whichever way a body is
// decoded, the full decode (a schema that transforms) as well as a body that already is of the type.
import { OpenAiClient, Operation } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

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
})
