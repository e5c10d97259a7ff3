import { Embeddings } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const texts = ["The quick brown fox", "jumped over the lazy dog"]

describe("Embeddings.create", () => {
  it.effect("asks for base64 by default and returns number[] vectors", () =>
    Effect.gen(function*() {
      const response = yield* Embeddings.create({ model: "text-embedding-3-small", input: texts })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.body).toStrictEqual({ model: "text-embedding-3-small", input: texts, encoding_format: "base64" })
      expect(response.data).toHaveLength(2)
      expect(response.data[0]!.embedding).toHaveLength(1536)
      expect(response.usage!.total_tokens).toBeGreaterThan(0)

      // the same vectors as JSON floats, to float32 precision
      const floats = yield* Embeddings.create({
        model: "text-embedding-3-small",
        input: texts,
        encoding_format: "float"
      })
      const asFloat = floats.data[1]!.embedding as ReadonlyArray<number>
      const decoded = response.data[1]!.embedding
      expect(asFloat).toHaveLength(1536)
      for (let i = 0; i < 1536; i++) expect(decoded[i]).toBe(Math.fround(asFloat[i]!))
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("returns base64 strings as sent when asked for base64 explicitly; dimensions pass through", () =>
    Effect.gen(function*() {
      const response = yield* Embeddings.create({
        model: "text-embedding-3-small",
        input: "hello",
        encoding_format: "base64",
        dimensions: 8
      })
      const embedding = response.data[0]!.embedding
      expect(typeof embedding).toBe("string")
      expect(Embeddings.decodeBase64Floats(embedding as string)).toHaveLength(8)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it("decodes base64 little-endian float32, whatever the buffer's alignment", () => {
    const values = Float32Array.from([1.5, -2.25, 0.125, 3])
    const base64 = btoa(String.fromCharCode(...new Uint8Array(values.buffer)))
    expect(Embeddings.decodeBase64Floats(base64)).toStrictEqual([1.5, -2.25, 0.125, 3])
    // many decodes in a row land on unaligned pooled buffers
    for (let i = 0; i < 50; i++) expect(Embeddings.decodeBase64Floats(base64)).toStrictEqual([1.5, -2.25, 0.125, 3])
  })

  it.effect("a vector that is not numbers fails with ResponseDecodeError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({
        object: "list",
        model: "text-embedding-3-small",
        data: [{ object: "embedding", index: 0, embedding: [0.1, "x"] }]
      }))
      const error = yield* Effect.flip(
        Embeddings.create({ model: "text-embedding-3-small", input: "a", encoding_format: "float" })
      )
      expect(error._tag).toBe("ResponseDecodeError")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
