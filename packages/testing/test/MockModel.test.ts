import { Chat, OpenAiClient, Responses } from "@effect-openai/core"
import { MockModel, MockServer, OpenAiTest } from "@effect-openai/testing"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

const weather: Chat.Tool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { enum: ["celsius", "fahrenheit"] }, days: { type: "integer" } },
      required: ["city", "unit", "days"]
    }
  }
}
const time: Chat.Tool = {
  type: "function",
  function: { name: "get_time", parameters: { type: "object", properties: { zone: { type: "string" } } } }
}
const messages: Array<Chat.MessageParam> = [{ role: "user", content: "Weather and time in Paris?" }]
const chatParams = { model: "gpt-4o-mini", messages, tools: [weather, time] }

const responseTools: Responses.CreateParams["tools"] = [
  { type: "function", name: "get_weather", parameters: weather.function.parameters ?? null, strict: null },
  { type: "function", name: "get_time", parameters: time.function.parameters ?? null, strict: null }
]

const twoCalls = MockModel.toolCalls(
  { name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
  { name: "get_time", arguments: { zone: "Europe/Paris" }, id: "call_given" }
)

/** The function calls of a chat completion's first choice, as plain values. */
const chatCalls = (completion: Chat.ChatCompletionSnapshot | Chat.ChatCompletion) =>
  (completion.choices[0]!.message.tool_calls ?? []).map((call) =>
    call.type === "function"
      ? { id: call.id, name: call.function.name, arguments: JSON.parse(call.function.arguments) }
      : expect.fail(`a function call, not ${call.type}`)
  )

/** The function call items of a response, as plain values. */
const responseCalls = (response: Responses.Response | undefined) =>
  (response?.output ?? []).flatMap((item) =>
    item.type === "function_call"
      ? [{ id: item.id, call_id: item.call_id, name: item.name, arguments: JSON.parse(item.arguments) }]
      : []
  )

/** A client over the in-memory layer, or over a real `MockServer` (fetch, 127.0.0.1). */
const transports: ReadonlyArray<
  readonly [string, (model?: MockModel.MockModel) => Layer.Layer<OpenAiClient.OpenAiClient, unknown>]
> = [
  ["OpenAiTest", (model) => OpenAiTest.layer({ model })],
  [
    "MockServer",
    (model) =>
      Layer.unwrapScoped(
        Effect.map(MockServer.make({ model }), (server) =>
          OpenAiClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url, maxRetries: 0 }).pipe(
            Layer.provide(FetchHttpClient.layer)
          ))
      )
  ]
]

/** The calls of the scripted turn and the tools' answers, as the model sees them on the next request. */
const exchange: ReadonlyArray<MockModel.Message> = [
  {
    role: "assistant",
    content: "",
    toolCalls: [
      { id: "call_mock1", name: "get_weather", arguments: "{\"city\":\"Paris\",\"unit\":\"celsius\"}" },
      { id: "call_given", name: "get_time", arguments: "{\"zone\":\"Europe/Paris\"}" }
    ]
  },
  { role: "tool", toolCallId: "call_mock1", content: "sunny" },
  { role: "tool", toolCallId: "call_given", content: "noon" }
]

for (const [transport, client] of transports) {
  describe(`MockModel over ${transport}`, () => {
    it.live("chat: a turn of tool calls arrives decoded, and the results reach the model as tool messages", () => {
      const seen: Array<MockModel.Conversation> = []
      const model = MockModel.script(twoCalls, (conversation) => {
        seen.push(conversation)
        return MockModel.text("Sunny, and noon.")
      })
      return Effect.gen(function*() {
        const first = yield* Chat.completions.create(chatParams)
        const choice = first.choices[0]!
        expect(choice.finish_reason).toBe("tool_calls")
        expect(choice.message.content).toBeNull()
        expect(chatCalls(first)).toStrictEqual([
          { id: "call_mock1", name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
          { id: "call_given", name: "get_time", arguments: { zone: "Europe/Paris" } }
        ])
        const second = yield* Chat.completions.create({
          ...chatParams,
          messages: [
            ...messages,
            { role: "assistant", content: null, tool_calls: choice.message.tool_calls! },
            { role: "tool", tool_call_id: "call_mock1", content: "sunny" },
            { role: "tool", tool_call_id: "call_given", content: [{ type: "text", text: "noon" }] }
          ]
        })
        expect(second.choices[0]!.message.content).toBe("Sunny, and noon.")
        expect(second.choices[0]!.finish_reason).toBe("stop")
        expect(seen[0]!.api).toBe("chat")
        expect(seen[0]!.tools.map((tool) => tool.name)).toStrictEqual(["get_weather", "get_time"])
        expect(seen[0]!.tools[0]!.description).toBe("The weather in a city")
        expect(seen[0]!.messages).toStrictEqual([
          { role: "user", content: "Weather and time in Paris?" },
          ...exchange
        ])
      }).pipe(Effect.provide(client(model)))
    })

    it.live("chat streamed: arguments come in several fragments and accumulate into the calls", () =>
      Effect.gen(function*() {
        const chunks = Chunk.toReadonlyArray(
          yield* Stream.runCollect(
            Chat.completions.stream({ ...chatParams, stream_options: { include_usage: true } })
          )
        )
        const fragments = chunks.flatMap((chunk) => chunk.choices.flatMap((choice) => choice.delta.tool_calls ?? []))
        expect(fragments.filter((fragment) => fragment.index === 0).length).toBeGreaterThan(2)
        expect(fragments.filter((fragment) => fragment.id !== undefined && fragment.id !== null).map((f) => f.id))
          .toStrictEqual(["call_mock1", "call_given"])
        const completion = yield* Stream.run(Stream.fromIterable(chunks), Chat.accumulate)
        expect(completion.choices[0]!.finish_reason).toBe("tool_calls")
        expect(completion.choices[0]!.message.content).toBeNull()
        expect(chatCalls(completion)).toStrictEqual([
          { id: "call_mock1", name: "get_weather", arguments: { city: "Paris", unit: "celsius" } },
          { id: "call_given", name: "get_time", arguments: { zone: "Europe/Paris" } }
        ])
        expect(completion.usage?.completion_tokens).toBeGreaterThan(0)
      }).pipe(Effect.provide(client(MockModel.script(twoCalls)))))

    it.live("responses: function_call items, stored, and previous_response_id gives the model the chain", () => {
      const seen: Array<MockModel.Conversation> = []
      const model = MockModel.script(twoCalls, (conversation) => {
        seen.push(conversation)
        return MockModel.text("Sunny, and noon.")
      })
      return Effect.gen(function*() {
        const first = yield* Responses.create({ model: "gpt-4.1", input: "Weather and time?", tools: responseTools })
        expect(first.status).toBe("completed")
        expect(first.output_text).toBe("")
        expect(first.output.map((item) => item.type === "function_call" && item.status)).toStrictEqual([
          "completed",
          "completed"
        ])
        expect(responseCalls(first)).toStrictEqual([
          {
            id: "fc_mock1",
            call_id: "call_mock1",
            name: "get_weather",
            arguments: { city: "Paris", unit: "celsius" }
          },
          { id: "fc_mock2", call_id: "call_given", name: "get_time", arguments: { zone: "Europe/Paris" } }
        ])
        expect((yield* Responses.retrieve(first.id)).output).toStrictEqual(first.output)
        const second = yield* Responses.create({
          model: "gpt-4.1",
          instructions: "Be brief.",
          previous_response_id: first.id,
          input: [
            { type: "function_call_output", call_id: "call_mock1", output: "sunny" },
            { type: "function_call_output", call_id: "call_given", output: "noon" }
          ]
        })
        expect(second.output_text).toBe("Sunny, and noon.")
        expect(seen[0]!.api).toBe("responses")
        expect(seen[0]!.messages).toStrictEqual([
          { role: "system", content: "Be brief." },
          { role: "user", content: "Weather and time?" },
          ...exchange
        ])
      }).pipe(Effect.provide(client(model)))
    })

    it.live("responses: the whole chain, and items a client resends without chaining", () => {
      const seen: Array<ReadonlyArray<MockModel.Message>> = []
      const record: MockModel.MockModel = (conversation) => {
        seen.push(conversation.messages)
        return undefined
      }
      const model = MockModel.script(MockModel.text("one"), MockModel.text("two"), record, record)
      return Effect.gen(function*() {
        const first = yield* Responses.create({ model: "gpt-4.1", input: "first" })
        const second = yield* Responses.create({ model: "gpt-4.1", input: "second", previous_response_id: first.id })
        const third = yield* Responses.create({ model: "gpt-4.1", input: "third", previous_response_id: second.id })
        // a model that gives undefined: the default reply
        expect(third.output_text).toBe("This is a mock reply to: third")
        expect(seen[0]).toStrictEqual([
          { role: "user", content: "first" },
          { role: "assistant", content: "one", toolCalls: [] },
          { role: "user", content: "second" },
          { role: "assistant", content: "two", toolCalls: [] },
          { role: "user", content: "third" }
        ])
        yield* Responses.create({
          model: "gpt-4.1",
          input: [
            { role: "user", content: [{ type: "input_text", text: "Weather?" }] },
            { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{}" },
            { type: "function_call", call_id: "call_2", name: "get_time", arguments: "{}" },
            { type: "function_call_output", call_id: "call_1", output: "sunny" }
          ]
        })
        expect(seen[1]).toStrictEqual([
          { role: "user", content: "Weather?" },
          {
            role: "assistant",
            content: "",
            toolCalls: [
              { id: "call_1", name: "get_weather", arguments: "{}" },
              { id: "call_2", name: "get_time", arguments: "{}" }
            ]
          },
          { role: "tool", toolCallId: "call_1", content: "sunny" }
        ])
        const unknown = yield* Effect.flip(
          Responses.create({ model: "gpt-4.1", input: "x", previous_response_id: "resp_nope" })
        )
        expect(unknown).toMatchObject({
          _tag: "BadRequestError",
          code: "previous_response_not_found",
          param: "previous_response_id"
        })
      }).pipe(Effect.provide(client(model)))
    })

    it.live("responses streamed: output items, argument deltas in several fragments, the completed response", () =>
      Effect.gen(function*() {
        const events = Chunk.toReadonlyArray(
          yield* Stream.runCollect(Responses.stream({ model: "gpt-4.1", input: "Weather?", tools: responseTools }))
        )
        expect(events.map((event) => event.sequence_number)).toStrictEqual(events.map((_, index) => index))
        expect(events[0]!.type).toBe("response.created")
        expect(events[events.length - 1]!.type).toBe("response.completed")
        const deltas = events.flatMap((event) =>
          event.type === "response.function_call_arguments.delta" && event.output_index === 0 ? [event.delta] : []
        )
        expect(deltas.length).toBeGreaterThan(1)
        expect(JSON.parse(deltas.join(""))).toStrictEqual({ city: "Paris", unit: "celsius" })
        const done = events.flatMap((event) => event.type === "response.function_call_arguments.done" ? [event] : [])
        expect(done.map((event) => [event.item_id, event.name])).toStrictEqual([
          ["fc_mock1", "get_weather"],
          ["fc_mock2", "get_time"]
        ])
        const added = events.flatMap((event) => event.type === "response.output_item.added" ? [event.item] : [])
        expect(added.map((item) => item.type === "function_call" && [item.arguments, item.status])).toStrictEqual([
          ["", "in_progress"],
          ["", "in_progress"]
        ])
        const response = yield* Stream.run(Stream.fromIterable(events), Responses.accumulate)
        expect(response?.status).toBe("completed")
        expect(responseCalls(response)).toStrictEqual([
          {
            id: "fc_mock1",
            call_id: "call_mock1",
            name: "get_weather",
            arguments: { city: "Paris", unit: "celsius" }
          },
          { id: "fc_mock2", call_id: "call_given", name: "get_time", arguments: { zone: "Europe/Paris" } }
        ])
      }).pipe(Effect.provide(client(MockModel.script(twoCalls)))))

    it.live("toolCaller: calls the tool with the simplest arguments, then answers with the results", () =>
      Effect.gen(function*() {
        const first = yield* Chat.completions.create(chatParams)
        expect(chatCalls(first)).toStrictEqual([
          { id: "call_mock1", name: "get_weather", arguments: { city: "", unit: "celsius", days: 0 } }
        ])
        const second = yield* Chat.completions.create({
          ...chatParams,
          messages: [
            ...messages,
            first.choices[0]!.message as Chat.MessageParam,
            { role: "tool", tool_call_id: "call_mock1", content: "sunny" }
          ]
        })
        expect(second.choices[0]!.message.content).toBe("The tools answered: sunny")
        // tool_choice names the tool (the Responses API's shape)
        const named = yield* Responses.create({
          model: "gpt-4.1",
          input: "Time?",
          tools: responseTools,
          tool_choice: { type: "function", name: "get_time" }
        })
        expect(responseCalls(named)).toStrictEqual([
          { id: "fc_mock2", call_id: "call_mock2", name: "get_time", arguments: { zone: "" } }
        ])
        const answered = yield* Responses.create({
          model: "gpt-4.1",
          previous_response_id: named.id,
          input: [{ type: "function_call_output", call_id: "call_mock2", output: "noon" }]
        })
        expect(answered.output_text).toBe("The tools answered: noon")
        // no tools, or tool_choice none: the default reply
        const plain = yield* Chat.completions.create({ model: "gpt-4o-mini", messages })
        expect(plain.choices[0]!.message.content).toBe("This is a mock reply to: Weather and time in Paris?")
        const none = yield* Chat.completions.create({ ...chatParams, tool_choice: "none" })
        expect(none.choices[0]!.finish_reason).toBe("stop")
      }).pipe(Effect.provide(client(MockModel.toolCaller))))

    it.live("toolCaller with a json_schema format: after the tools, the format's simplest value (both APIs)", () =>
      Effect.gen(function*() {
        const schema = {
          type: "object",
          properties: { city: { type: "string" }, celsius: { type: "number" } },
          required: ["city", "celsius"],
          additionalProperties: false
        }
        const first = yield* Chat.completions.create(chatParams)
        const answered = yield* Chat.completions.create({
          ...chatParams,
          response_format: { type: "json_schema", json_schema: { name: "report", schema, strict: true } },
          messages: [
            ...messages,
            first.choices[0]!.message as Chat.MessageParam,
            { role: "tool", tool_call_id: "call_mock1", content: "sunny" }
          ]
        })
        expect(JSON.parse(answered.choices[0]!.message.content!)).toStrictEqual({ city: "", celsius: 0 })
        const format = { type: "json_schema", name: "report", schema, strict: true } as const
        const called = yield* Responses.create({ model: "gpt-4.1", input: "Paris?", tools: responseTools })
        const response = yield* Responses.create({
          model: "gpt-4.1",
          previous_response_id: called.id,
          text: { format },
          input: [{ type: "function_call_output", call_id: responseCalls(called)[0]!.call_id, output: "sunny" }]
        })
        expect(JSON.parse(response.output_text!)).toStrictEqual({ city: "", celsius: 0 })
        // no tools: the default reply, which answers a json_schema text.format with the same simplest value
        const plain = yield* Responses.create({ model: "gpt-4.1", input: "Paris?", text: { format } })
        expect(JSON.parse(plain.output_text!)).toStrictEqual({ city: "", celsius: 0 })
      }).pipe(Effect.provide(client(MockModel.toolCaller))))

    it.live("a script gives the default reply once exhausted; no model gives the old replies", () =>
      Effect.gen(function*() {
        const scripted = yield* Effect.provide(
          Effect.all([
            Chat.completions.create({ model: "gpt-4o-mini", messages }),
            Chat.completions.stream({ model: "gpt-4o-mini", messages }).pipe(Chat.textDeltas, Stream.mkString),
            Responses.create({ model: "gpt-4.1", input: "hi" })
          ]),
          client(MockModel.script(MockModel.text("Scripted.")))
        )
        expect(scripted[0].choices[0]!.message.content).toBe("Scripted.")
        expect(scripted[1]).toBe("This is a mock reply to: Weather and time in Paris?")
        expect(scripted[2].output_text).toBe("This is a mock reply to: hi")
        const plain = yield* Effect.provide(
          Effect.all([
            Chat.completions.create(chatParams),
            Responses.stream({ model: "gpt-4.1", input: "hi", tools: responseTools }).pipe(
              Stream.run(Responses.accumulate)
            )
          ]),
          client()
        )
        expect(plain[0].choices[0]!.message).toStrictEqual({
          role: "assistant",
          content: "This is a mock reply to: Weather and time in Paris?",
          refusal: null,
          annotations: []
        })
        expect(plain[0].choices[0]!.finish_reason).toBe("stop")
        expect(plain[1]?.output_text).toBe("This is a mock reply to: hi")
      }))

    it.live("without a model too: an unknown previous_response_id is a 400; a response echoes tools and tool_choice", () =>
      Effect.gen(function*() {
        const unknown = yield* Effect.flip(
          Responses.create({ model: "gpt-4.1", input: "x", previous_response_id: "resp_nope" })
        )
        expect(unknown).toMatchObject({ _tag: "BadRequestError", code: "previous_response_not_found" })
        const first = yield* Responses.create({
          model: "gpt-4.1",
          input: "hi",
          instructions: "Be brief.",
          tools: responseTools,
          tool_choice: "required"
        })
        expect(first).toMatchObject({ instructions: "Be brief.", tool_choice: "required", previous_response_id: null })
        expect(first.tools).toHaveLength(responseTools.length)
        const second = yield* Responses.create({ model: "gpt-4.1", input: "again", previous_response_id: first.id })
        expect(second.previous_response_id).toBe(first.id)
      }).pipe(Effect.provide(client())))

    it.live("arguments given as a string are sent as they are (invalid JSON included)", () =>
      Effect.gen(function*() {
        const completion = yield* Chat.completions.create(chatParams)
        const call = completion.choices[0]!.message.tool_calls![0]!
        expect(call.type === "function" && call.function.arguments).toBe("{\"city\": \"Par")
      }).pipe(
        Effect.provide(
          client(MockModel.script(MockModel.toolCalls({ name: "get_weather", arguments: "{\"city\": \"Par" })))
        )
      ))
  })
}

describe("MockModel over MockServer's stream faults", () => {
  it.scopedLive("a tool-call stream cut into small writes still accumulates; cut short it fails", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ model: MockModel.toolCaller })
      const layer = OpenAiClient.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url, maxRetries: 0 })
        .pipe(Layer.provide(FetchHttpClient.layer))
      yield* server.fault({ stream: { bytesPerWrite: 7 } }, { stream: { truncateAfter: 2 } })
      const completion = yield* Chat.completions.stream(chatParams).pipe(
        Stream.run(Chat.accumulate),
        Effect.provide(layer)
      )
      expect(chatCalls(completion)).toStrictEqual([
        { id: "call_mock1", name: "get_weather", arguments: { city: "", unit: "celsius", days: 0 } }
      ])
      const cut = yield* Chat.completions.stream(chatParams).pipe(
        Stream.runDrain,
        Effect.provide(layer),
        Effect.flip
      )
      expect(cut._tag).toBe("StreamError")
      const served = yield* server.requests
      expect(served.map((request) => request.fault?.stream)).toStrictEqual([
        { bytesPerWrite: 7 },
        { truncateAfter: 2 }
      ])
    }))
})
