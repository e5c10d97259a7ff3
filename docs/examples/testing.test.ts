// Run: npx vitest run docs/examples/testing.test.ts
import { Chat, Embeddings, Responses, Tool, Toolkit, ToolRunner } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockModel, MockServer, OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted, Schema, TestClock } from "effect"

// The code under test: any function that needs an OpenAiClient.
const summarize = (text: string) =>
  Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `Summarize: ${text}` }] }).pipe(
    Effect.map((completion) => completion.choices[0]?.message.content ?? "")
  )

describe("summarize", () => {
  it.effect("sends the text and returns the reply", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("Short."))
      expect(yield* summarize("A long text")).toBe("Short.")
      const [sent] = yield* OpenAiTest.requests
      expect(sent?.body).toMatchObject({ messages: [{ content: "Summarize: A long text" }] })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("survives a 429 (the retry waits on the TestClock, not in real time)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(429, { message: "Slow down" }, { "retry-after": "20" }))
      const fiber = yield* Effect.fork(summarize("text"))
      yield* TestClock.adjust("20 seconds")
      expect(yield* Fiber.join(fiber)).toContain("Summarize: text")
      expect(yield* OpenAiTest.requests).toHaveLength(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.scopedLive("works over real sockets against MockServer", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ status: 503, headers: { "retry-after-ms": "10" } })
      const reply = yield* summarize("text").pipe(
        Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }))
      )
      expect(reply).toBe("This is a mock reply to: Summarize: text")
      expect(yield* server.queuedFaults).toStrictEqual([]) // the fault was used
    }))
})

// A tool-using conversation, scripted with the reply builders.
const messages: Array<Chat.MessageParam> = [{ role: "user", content: "Weather in Paris?" }]
const tools: Array<Chat.Tool> = [{
  type: "function",
  function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } }
}]

describe("reply builders", () => {
  it.effect("asks for the weather, then answers", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ name: "get_weather", arguments: { city: "Paris" } }]),
        OpenAiTest.chatCompletion("Sunny in Paris.", { usage: { prompt_tokens: 30, completion_tokens: 4 } })
      )
      const first = yield* Chat.completions.create({ model: "gpt-4o-mini", messages, tools })
      const call = first.choices[0]!.message.tool_calls![0]!
      if (call.type !== "function") return expect.fail(`a function call, not ${call.type}`)
      expect(JSON.parse(call.function.arguments)).toStrictEqual({ city: "Paris" })
      const second = yield* Chat.completions.create({
        model: "gpt-4o-mini",
        messages: [
          ...messages,
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: call.id, type: "function", function: call.function }]
          },
          { role: "tool", tool_call_id: call.id, content: "sunny" }
        ]
      })
      expect(second.choices[0]!.message.content).toBe("Sunny in Paris.")
      expect(second.usage?.total_tokens).toBe(34)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("embeddings, sent as base64 and decoded at float32 precision", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.embeddings([[0.5, 0.1]], { encodingFormat: "base64" }))
      const { data } = yield* Embeddings.create({ model: "text-embedding-3-small", input: "hi" })
      expect(data[0]!.embedding).toStrictEqual([0.5, Math.fround(0.1)])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("MockServer faults", () => {
  it.scopedLive("a fault path may carry the /v1 prefix; queued faults can be listed and cleared", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ path: "/v1/embeddings", status: 500 }, { path: "/chat/completions", status: 429 })
      const error = yield* summarize("text").pipe(
        Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url, maxRetries: 0 })),
        Effect.flip
      )
      expect(error._tag).toBe("RateLimitError")
      expect(yield* server.queuedFaults).toStrictEqual([{ path: "/v1/embeddings", status: 500 }])
      yield* server.clearFaults
      expect(yield* server.queuedFaults).toStrictEqual([])
    }))
})

describe("a model that calls tools (MockModel)", () => {
  const tools: Array<Responses.Tool> = [{
    type: "function",
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } } },
    strict: null
  }]

  it.effect("asks for the weather, then answers with what the tool said", () => {
    const model = MockModel.script(
      MockModel.toolCalls({ name: "get_weather", arguments: { city: "Paris" } }),
      (conversation) => {
        const result = conversation.messages.find((message) => message.role === "tool")
        return MockModel.text(`It is ${result?.content} in Paris.`)
      }
    )
    return Effect.gen(function*() {
      const first = yield* Responses.create({ model: "gpt-4.1", input: "Weather in Paris?", tools })
      const call = first.output[0]!
      if (call.type !== "function_call") return expect.fail(`a function call, not ${call.type}`)
      expect(JSON.parse(call.arguments)).toStrictEqual({ city: "Paris" })
      const second = yield* Responses.create({
        model: "gpt-4.1",
        previous_response_id: first.id,
        input: [{ type: "function_call_output", call_id: call.call_id, output: "sunny" }]
      })
      expect(second.output_text).toBe("It is sunny in Paris.")
    }).pipe(Effect.provide(OpenAiTest.layer({ model })))
  })

  // your tool loop, end to end: the runner, your handlers, a scripted model
  const GetWeather = Tool.make("get_weather", { parameters: Schema.Struct({ city: Schema.String }) })
  const handled = Toolkit.handle(Toolkit.make(GetWeather), {
    get_weather: ({ city }) => Effect.succeed(city === "Paris" ? "sunny" : "unknown")
  })

  it.effect("the runner answers the model's calls with the handlers", () =>
    Effect.gen(function*() {
      const run = yield* ToolRunner.chat(
        { model: "gpt-4o-mini", messages: [{ role: "user", content: "Weather in Paris?" }] },
        handled,
        { stream: true }
      )
      expect(run.answer).toBe("It is sunny in Paris.")
      expect(yield* OpenAiTest.requests).toHaveLength(2)
    }).pipe(Effect.provide(OpenAiTest.layer({
      model: MockModel.script(
        MockModel.toolCalls({ name: "get_weather", arguments: { city: "Paris" } }),
        (conversation) => MockModel.text(`It is ${conversation.messages.at(-1)?.content} in Paris.`)
      )
    }))))
})
