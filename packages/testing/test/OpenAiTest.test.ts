import { Chat, Embeddings, Models } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Stream from "effect/Stream"
import { inspect } from "node:util"

describe("OpenAiTest", () => {
  it.effect("gives scripted replies in order, then the mock API", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ object: "list", data: [] }),
        OpenAiTest.error(404, { message: "nope", code: "model_not_found" })
      )
      expect((yield* Models.list()).data).toStrictEqual([])
      expect((yield* Effect.flip(Models.retrieve("x")))._tag).toBe("NotFoundError")
      expect((yield* Models.list()).data.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the mock API answers as MockServer's built-in routes: streams, embeddings, OpenAI's errors", () =>
    Effect.gen(function*() {
      const text = yield* Chat.completions.stream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
        .pipe(Chat.textDeltas, Stream.mkString)
      expect(text).toBe("This is a mock reply to: hi")
      const embeddings = yield* Embeddings.create({ model: "text-embedding-3-small", input: "hi", dimensions: 4 })
      expect(embeddings.data[0]!.embedding).toHaveLength(4)
      const missing = yield* Effect.flip(Models.retrieve("gpt-0"))
      expect(missing).toMatchObject({
        _tag: "NotFoundError",
        code: "model_not_found",
        requestId: "req_mock000000000000000000000003"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("takes replies given to the layer", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Models.list())
      expect(error._tag).toBe("PermissionDeniedError")
    }).pipe(Effect.provide(OpenAiTest.layer({ replies: [OpenAiTest.error(403)] }))))

  it.effect("records method, path, query, headers and parsed body", () =>
    Effect.gen(function*() {
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }, {
        query: { debug: true }
      })
      const [sent] = yield* OpenAiTest.requests
      expect(sent).toMatchObject({
        method: "POST",
        path: "/chat/completions",
        query: { debug: "true" },
        body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("recorded requests print with the credential headers redacted (the client's own list)", () =>
    Effect.gen(function*() {
      yield* Models.list()
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["authorization"]).toBe("Bearer test-api-key")
      expect(sent!.headers["openai-organization"]).toBe("org-secret-name")
      const printed = [
        Inspectable.format(sent),
        JSON.stringify(sent),
        JSON.stringify(sent!.headers),
        String(sent!.headers),
        inspect(sent, { depth: 10 }),
        inspect(sent!.headers)
      ]
      for (const form of printed) {
        expect(form).not.toContain("test-api-key")
        expect(form).not.toContain("org-secret-name")
        expect(form).toContain("authorization")
      }
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { organization: "org-secret-name" } }))))

  it.effect("a streamed reply read as text keeps UTF-8 split across parts whole", () =>
    Effect.gen(function*() {
      const bytes = new TextEncoder().encode(JSON.stringify({ error: { message: "café crème" } }))
      const cut = bytes.indexOf(0xc3) + 1 // inside the 2-byte "é"
      yield* OpenAiTest.reply(
        OpenAiTest.stream([bytes.slice(0, cut), bytes.slice(cut)], { status: 500, contentType: "application/json" })
      )
      const error = yield* Effect.flip(Models.list({ maxRetries: 0 }))
      expect(error.message).toContain("café crème")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
