import { Operation } from "@effect-openai/core"
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"

// The detail of an event that does not have the expected shape: the paths that failed, never the values.

const failure = <A, I>(schema: Schema.Schema<A, I>, input: unknown) => {
  const decoded = Schema.decodeUnknownEither(schema, { errors: "all" })(input)
  if (Either.isRight(decoded)) throw new Error("expected a decoding failure")
  return decoded.left
}

describe("invalidEvent", () => {
  it("a value that fails as a whole is named (root)", () => {
    const detail = Operation.invalidEvent("a chunk", failure(Schema.Struct({ id: Schema.String }), "secret-text"))
    expect(detail).toStrictEqual({
      _tag: "Fail",
      reason: "InvalidEvent",
      error: undefined,
      detail: "a chunk does not have the expected shape at (root)"
    })
  })

  it("every failing path, once each, in order, separated by a comma", () => {
    const Chunk = Schema.Struct({
      id: Schema.String,
      choices: Schema.Array(Schema.Struct({ index: Schema.Number, delta: Schema.Union(Schema.String, Schema.Number) }))
    })
    const detail = Operation.invalidEvent(
      "a chat completion chunk",
      failure(Chunk, { id: 1, choices: [{ index: "0", delta: true }] })
    ).detail
    expect(detail).toBe(
      "a chat completion chunk does not have the expected shape at id, choices.0.index, choices.0.delta"
    )
    expect(detail).not.toContain("true")
  })
})
