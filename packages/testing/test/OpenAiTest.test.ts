import { Chat, Embeddings, Models } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
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

  it.effect("layer() fakes the OpenAI client only: the app's own HttpClient calls go to the app's client", () => {
    const webhooks: Array<string> = []
    const appClient = Layer.succeed(
      HttpClient.HttpClient,
      HttpClient.make((request) =>
        Effect.sync(() => {
          webhooks.push(request.url)
          return HttpClientResponse.fromWeb(request, new Response("ok"))
        })
      )
    )
    return Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ object: "list", data: [] }))
      expect((yield* Models.list()).data).toStrictEqual([])
      const webhook = yield* HttpClient.execute(HttpClientRequest.post("https://hooks.example.com/done"))
      expect(yield* webhook.text).toBe("ok")
      expect(webhooks).toStrictEqual(["https://hooks.example.com/done"])
      const recorded = yield* OpenAiTest.requests
      expect(recorded.map((request) => request.path)).toStrictEqual(["/models"])
    }).pipe(Effect.provide(OpenAiTest.layer()), Effect.provide(appClient))
  })

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

describe("OpenAiTest reply builders decode with core's schemas", () => {
  const messages = [{ role: "user", content: "hi" }] as const
  const create = Chat.completions.create({ model: "gpt-4o-mini", messages: [...messages] })

  it.effect("chatCompletion: the content, OpenAI's shape and defaults, overridable fields", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatCompletion("Hello there."),
        OpenAiTest.chatCompletion("Cut short", {
          id: "chatcmpl-42",
          model: "gpt-4.1",
          created: 1_800_000_000,
          finishReason: "length",
          usage: { prompt_tokens: 7, completion_tokens: 3 }
        }),
        OpenAiTest.chatCompletion("No usage", { usage: null })
      )
      const plain = yield* create
      expect(plain).toMatchObject({
        id: "chatcmpl-test",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "gpt-4o-mini",
        system_fingerprint: "fp_mock"
      })
      expect(plain.choices).toStrictEqual([{
        index: 0,
        message: { role: "assistant", content: "Hello there.", refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: "stop"
      }])
      expect(plain.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 })

      const given = yield* create
      expect(given).toMatchObject({ id: "chatcmpl-42", model: "gpt-4.1", created: 1_800_000_000 })
      expect(given.choices[0]).toMatchObject({ message: { content: "Cut short" }, finish_reason: "length" })
      expect(given.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 })

      const noUsage = yield* create
      expect(noUsage.choices[0]!.message.content).toBe("No usage")
      expect(noUsage.usage).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("chatToolCalls: content null, one tool call per call in order, finish_reason tool_calls", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatToolCalls([
        { name: "get_weather", arguments: { city: "Paris", unit: "C" } },
        { name: "broken", arguments: "{\"city\": ", id: "call_given" }
      ]))
      const completion = yield* create
      const [choice] = completion.choices
      expect(choice!.finish_reason).toBe("tool_calls")
      expect(choice!.message.content).toBeNull()
      expect(choice!.message.tool_calls).toStrictEqual([
        {
          id: "call_test0",
          type: "function",
          function: { name: "get_weather", arguments: "{\"city\":\"Paris\",\"unit\":\"C\"}" }
        },
        { id: "call_given", type: "function", function: { name: "broken", arguments: "{\"city\": " } }
      ])
      const call = choice!.message.tool_calls![0]!
      if (call.type !== "function") return expect.fail(call.type)
      expect(JSON.parse(call.function.arguments)).toStrictEqual({
        city: "Paris",
        unit: "C"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("embeddings: floats as given, whatever the format the client asked for", () =>
    Effect.gen(function*() {
      const vectors = [[0.1, -0.2, 0.3], [1e-7, 0, -1]]
      yield* OpenAiTest.reply(
        OpenAiTest.embeddings(vectors, { model: "text-embedding-3-large", promptTokens: 12 }),
        OpenAiTest.embeddings(vectors)
      )
      // without encoding_format the client asks for base64 but takes floats as they come
      const decoded = yield* Embeddings.create({ model: "text-embedding-3-large", input: ["a", "b"] })
      expect(decoded.data).toStrictEqual([
        { object: "embedding", index: 0, embedding: vectors[0] },
        { object: "embedding", index: 1, embedding: vectors[1] }
      ])
      expect(decoded.model).toBe("text-embedding-3-large")
      expect(decoded.usage).toStrictEqual({ prompt_tokens: 12, total_tokens: 12 })
      const asSent = yield* Embeddings.create({ model: "text-embedding-3-small", input: "a", encoding_format: "float" })
      expect(asSent.data.map((item) => item.embedding)).toStrictEqual(vectors)
      expect(asSent.usage).toStrictEqual({ prompt_tokens: 2, total_tokens: 2 })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("embeddings with encodingFormat base64: float32 little-endian, decoded by Embeddings.create", () =>
    Effect.gen(function*() {
      const vectors = [[0.5, -0.25, 3], [0.1, -1e-3]]
      yield* OpenAiTest.reply(
        OpenAiTest.embeddings(vectors, { encodingFormat: "base64" }),
        OpenAiTest.embeddings(vectors, { encodingFormat: "base64" })
      )
      const decoded = yield* Embeddings.create({ model: "text-embedding-3-small", input: ["a", "b"] })
      expect(decoded.data.map((item) => item.embedding)).toStrictEqual([
        [0.5, -0.25, 3],
        [Math.fround(0.1), Math.fround(-1e-3)]
      ])
      const raw = yield* Embeddings.create({ model: "text-embedding-3-small", input: "a", encoding_format: "base64" })
      // 0.5, -0.25, 3 as float32 little-endian bytes
      expect(raw.data[0]!.embedding).toBe(btoa(String.fromCharCode(0, 0, 0, 63, 0, 0, 128, 190, 0, 0, 64, 64)))
      expect(Embeddings.decodeBase64Floats(raw.data[1]!.embedding as string)).toStrictEqual(decoded.data[1]!.embedding)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("error: an OpenAI error body the client maps to its typed error", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(400, { message: "Bad tools", param: "tools", code: "invalid_value" })
      )
      const error = yield* Effect.flip(create)
      expect(error).toMatchObject({
        _tag: "BadRequestError",
        status: 400,
        code: "invalid_value",
        param: "tools",
        type: "invalid_request_error"
      })
      expect(error.message).toContain("Bad tools")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
