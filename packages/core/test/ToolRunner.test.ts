/**
 * Tools from a Schema, toolkits with Effect handlers, and the runner's loop over both APIs (scripted replies): the
 * tools sent, parallel calls and the concurrency bound, outputs back in call order, failures returned to the model
 * (or failing the run), max steps, refusals, interruption of running handlers, and `previous_response_id` chaining.
 */
import { type Chat, type OpenAiClient, ResponseFormat, Tool, Toolkit, ToolRunner } from "@effect-openai/core"
import { MockModel, OpenAiTest } from "@effect-openai/testing"
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { messageItem, responseBody } from "./utils.js"

const GetWeather = Tool.make("get_weather", {
  description: "The weather in a city",
  parameters: Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("C", "F")) })
})
const GetTime = Tool.make("get_time", { description: "The time now" })
const toolkit = Toolkit.make(GetWeather, GetTime)

class Weather extends Context.Tag("test/Weather")<Weather, { readonly celsius: (city: string) => number }>() {}
class WeatherError extends Schema.TaggedError<WeatherError>()("WeatherError", { city: Schema.String }) {
  override get message() {
    return `no weather for ${this.city}`
  }
}

const handled = Toolkit.handle(toolkit, {
  get_weather: ({ city, unit }) =>
    city === "Atlantis"
      ? Effect.fail(new WeatherError({ city }))
      : Effect.map(Weather, (weather) => ({ city, unit: unit ?? "C", degrees: weather.celsius(city) })),
  get_time: () => Effect.succeed("12:00")
})

const WeatherLive = Context.make(Weather, { celsius: (city) => city.length })
const user = (content: string): Chat.MessageParam => ({ role: "user", content })

/** A chat completion with these choices, for replies `OpenAiTest.chatCompletion` does not build. */
const chatBody = (...choices: ReadonlyArray<Record<string, unknown>>) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  created: 1,
  model: "gpt-4.1",
  choices: choices.map((choice, index) => ({ index, logprobs: null, ...choice }))
})

const chatBodies = Effect.map(
  OpenAiTest.requests,
  (requests) => requests.map((request) => request.body as { messages: Array<Record<string, unknown>>; tools: unknown })
)

describe("Tool and Toolkit", () => {
  it("a tool's parameters are strict JSON Schema, in both APIs' shapes", () => {
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        unit: { type: ["string", "null"], enum: ["C", "F", null] }
      },
      required: ["city", "unit"],
      additionalProperties: false
    }
    expect(GetWeather.chat).toStrictEqual({
      type: "function",
      function: { name: "get_weather", description: "The weather in a city", parameters: schema, strict: true }
    })
    expect(GetWeather.responses).toStrictEqual({
      type: "function",
      name: "get_weather",
      description: "The weather in a city",
      parameters: schema,
      strict: true
    })
    expect(GetTime.jsonSchema).toStrictEqual({
      type: "object",
      properties: {},
      required: [],
      additionalProperties: false
    })
    expect(toolkit.chat.map((tool) => tool.type === "function" && tool.function.name)).toStrictEqual([
      "get_weather",
      "get_time"
    ])
  })

  it("bad definitions fail where they are made: a name OpenAI refuses, two tools of one name, a record", () => {
    expect(() => Tool.make("get weather")).toThrow(Tool.ToolDefinitionError)
    expect(() => Tool.make("x".repeat(65))).toThrow(/1 to 64/)
    expect(() => Toolkit.make(GetTime, Tool.make("get_time"))).toThrow(/share this name/)
    expect(() =>
      Tool.make("tags", {
        parameters: Schema.Struct({ tags: Schema.Record({ key: Schema.String, value: Schema.Number }) })
      })
    ).toThrow(ResponseFormat.StrictSchemaError)
  })

  it.effect("execute: the value as the output (a string as it is, anything else as JSON); nulls for absent fields dropped", () =>
    Effect.gen(function*() {
      const weather = yield* Toolkit.execute(handled, {
        id: "c1",
        name: "get_weather",
        arguments: "{\"city\":\"Oslo\",\"unit\":null}"
      })
      expect(weather).toMatchObject({ _tag: "Success", value: { city: "Oslo", unit: "C", degrees: 4 } })
      expect(weather.output).toBe("{\"city\":\"Oslo\",\"unit\":\"C\",\"degrees\":4}")
      const time = yield* Toolkit.execute(handled, { id: "c2", name: "get_time", arguments: "" })
      expect(time).toMatchObject({ _tag: "Success", output: "12:00" })
    }).pipe(Effect.provide(WeatherLive)))

  it.effect("execute: an unknown tool, arguments that are not JSON or do not fit, a failing handler go back as errors", () =>
    Effect.gen(function*() {
      const outputs = yield* Effect.forEach([
        { id: "1", name: "get_news", arguments: "{}" },
        { id: "2", name: "get_weather", arguments: "{\"city\":" },
        { id: "3", name: "get_weather", arguments: "{\"town\":\"Oslo\",\"unit\":null}" },
        { id: "4", name: "get_weather", arguments: "{\"city\":\"Atlantis\",\"unit\":null}" }
      ], (call) => Toolkit.execute(handled, call))
      expect(outputs.map((outcome) => outcome._tag)).toStrictEqual(["Failure", "Failure", "Failure", "Failure"])
      expect(outputs.map((outcome) => outcome._tag === "Failure" && outcome.error.reason)).toStrictEqual([
        "UnknownTool",
        "InvalidArguments",
        "InvalidArguments",
        "HandlerFailed"
      ])
      const messages = outputs.map((outcome) => JSON.parse(outcome.output).error as string)
      expect(messages[0]).toBe("There is no tool named \"get_news\"")
      expect(messages[2]).toContain("[\"city\"]")
      expect(messages[3]).toBe("get_weather failed: no weather for Atlantis")
      const failure = outputs[3]!
      expect(failure._tag === "Failure" && failure.error.cause).toBeInstanceOf(WeatherError)
    }).pipe(Effect.provide(WeatherLive)))

  it.effect("execute: a value JSON cannot write is the handler's failure, not a defect", () =>
    Effect.gen(function*() {
      const big = Toolkit.handle(Toolkit.make(GetTime), { get_time: () => Effect.succeed({ at: 10n }) })
      const outcome = yield* Toolkit.execute(big, { id: "1", name: "get_time", arguments: "{}" })
      expect(outcome).toMatchObject({ _tag: "Failure", error: { reason: "HandlerFailed" } })
      expect(JSON.parse(outcome.output).error).toContain("BigInt")
    }))

  it.effect("execute: onFailure \"fail\" fails with the ToolCallError; a function writes the output", () =>
    Effect.gen(function*() {
      const call = { id: "1", name: "get_weather", arguments: "{\"city\":\"Atlantis\",\"unit\":null}" }
      const error = yield* Effect.flip(Toolkit.execute(handled, call, "fail"))
      expect(error).toMatchObject({ _tag: "ToolCallError", reason: "HandlerFailed", call })
      const custom = yield* Toolkit.execute(handled, call, (e) => `sorry: ${e.reason}`)
      expect(custom.output).toBe("sorry: HandlerFailed")
    }).pipe(Effect.provide(WeatherLive)))
})

describe("ToolRunner.chat", () => {
  it.effect("outputs go back in the order of the calls, whatever order they finish in", () =>
    Effect.gen(function*() {
      const wait = Tool.make("wait", { parameters: Schema.Struct({ seconds: Schema.Number }) })
      const waiting = Toolkit.handle(Toolkit.make(wait), {
        wait: ({ seconds }) => Effect.as(Effect.sleep(`${seconds} seconds`), `waited ${seconds}`)
      })
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([
          { id: "slow", name: "wait", arguments: { seconds: 5 } },
          { id: "fast", name: "wait", arguments: { seconds: 1 } }
        ]),
        OpenAiTest.chatCompletion("done")
      )
      const fiber = yield* Effect.fork(ToolRunner.chat({ model: "gpt-4.1", messages: [user("go")] }, waiting))
      yield* TestClock.adjust("5 seconds")
      const run = yield* Fiber.join(fiber)
      // finished fast first ...
      expect(run.steps.flatMap((step) => step._tag === "ToolResult" ? [step.outcome.call.id] : [])).toStrictEqual([
        "fast",
        "slow"
      ])
      // ... but the model gets them in call order
      const bodies = yield* chatBodies
      expect(bodies[1]!.messages.slice(2)).toStrictEqual([
        { role: "tool", tool_call_id: "slow", content: "waited 5" },
        { role: "tool", tool_call_id: "fast", content: "waited 1" }
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the same run twice at once: each has its own transcript", () =>
    Effect.gen(function*() {
      const again = OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }])
      yield* OpenAiTest.reply(...Array.from({ length: 6 }, () => again))
      const run = ToolRunner.chat({ model: "gpt-4.1", messages: [user("loop")] }, handled, { maxSteps: 3 })
      const errors = yield* Effect.all([Effect.flip(run), Effect.flip(run)], { concurrency: 2 })
      expect(errors.map((error) => error._tag === "ToolRunnerError" && error.steps.length)).toStrictEqual([5, 5])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a forced tool_choice applies to the first turn; later turns send auto, so the model can answer", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ id: "c", name: "get_time", arguments: {} }]),
        OpenAiTest.chatCompletion("Noon.")
      )
      const run = yield* ToolRunner.chat(
        { model: "gpt-4.1", messages: [user("time?")], tool_choice: "required" },
        handled
      )
      expect(run.answer).toBe("Noon.")
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as { tool_choice: unknown })
      expect(bodies.map((body) => body.tool_choice)).toStrictEqual(["required", "auto"])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("tool calls of a turn cut short are not run: IncompleteOutputError", () =>
    Effect.gen(function*() {
      const ran = yield* Ref.make(0)
      const counted = Toolkit.handle(Toolkit.make(GetTime), { get_time: () => Ref.updateAndGet(ran, (n) => n + 1) })
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ id: "c", name: "get_time", arguments: "{" }], { finishReason: "length" })
      )
      const error = yield* Effect.flip(ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, counted))
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "length" })
      expect(yield* Ref.get(ran)).toBe(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the tokens of every call are summed; an empty toolkit sends no tools", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }], {
          usage: { prompt_tokens: 10, completion_tokens: 5 }
        }),
        OpenAiTest.chatCompletion("Noon.", { usage: { prompt_tokens: 20, completion_tokens: 2 } }),
        OpenAiTest.chatCompletion("Hi.")
      )
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("time?")] }, handled)
      expect(run.usage).toStrictEqual({ prompt_tokens: 30, completion_tokens: 7, total_tokens: 37 })
      const none = Toolkit.handle(Toolkit.make(), {})
      yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, none)
      const last = (yield* OpenAiTest.requests).at(-1)!.body as Record<string, unknown>
      expect("tools" in last).toBe(false)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("loops model → tool calls → model: the tools sent, both calls answered, outputs back in call order", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([
          { id: "call_a", name: "get_weather", arguments: { city: "Paris", unit: null } },
          { id: "call_b", name: "get_time", arguments: {} }
        ]),
        OpenAiTest.chatCompletion("It is 5 °C in Paris at noon.")
      )
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("Weather and time in Paris?")] }, handled)
      expect(run.answer).toBe("It is 5 °C in Paris at noon.")
      expect(run.steps.map((step) => step._tag)).toStrictEqual([
        "ModelResponse",
        "ToolResult",
        "ToolResult",
        "ModelResponse",
        "Answer"
      ])
      const bodies = yield* chatBodies
      expect(bodies).toHaveLength(2)
      expect(bodies[0]!.tools).toStrictEqual(toolkit.chat)
      expect(bodies[1]!.messages.slice(1)).toStrictEqual([
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_a",
              type: "function",
              function: { name: "get_weather", arguments: "{\"city\":\"Paris\",\"unit\":null}" }
            },
            { id: "call_b", type: "function", function: { name: "get_time", arguments: "{}" } }
          ]
        },
        { role: "tool", tool_call_id: "call_a", content: "{\"city\":\"Paris\",\"unit\":\"C\",\"degrees\":5}" },
        { role: "tool", tool_call_id: "call_b", content: "12:00" }
      ])
      expect(run.messages).toStrictEqual([...bodies[1]!.messages, { role: "assistant", content: run.answer }])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a turn's calls run concurrently, up to the concurrency bound", () =>
    Effect.gen(function*() {
      const inFlight = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const slow = Tool.make("slow", { parameters: Schema.Struct({ n: Schema.Number }) })
      const slowKit = Toolkit.handle(Toolkit.make(slow), {
        slow: ({ n }) =>
          Effect.acquireUseRelease(
            Effect.flatMap(Ref.updateAndGet(inFlight, (k) => k + 1), (k) => Ref.update(most, (m) => Math.max(m, k))),
            () => Effect.as(Effect.sleep("1 second"), n),
            () => Ref.update(inFlight, (k) => k - 1)
          )
      })
      const calls = [1, 2, 3, 4, 5].map((n) => ({ id: `c${n}`, name: "slow", arguments: { n } }))
      const runWith = (concurrency: number | "unbounded") =>
        Effect.gen(function*() {
          yield* Ref.set(most, 0)
          yield* OpenAiTest.reply(OpenAiTest.chatToolCalls(calls), OpenAiTest.chatCompletion("done"))
          const fiber = yield* Effect.fork(
            ToolRunner.chat({ model: "gpt-4.1", messages: [user("go")] }, slowKit, { concurrency })
          )
          yield* TestClock.adjust("10 seconds")
          const run = yield* Fiber.join(fiber)
          expect(run.answer).toBe("done")
          return yield* Ref.get(most)
        })
      expect(yield* runWith(2)).toBe(2)
      expect(yield* runWith("unbounded")).toBe(5)
      expect(yield* runWith(1)).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a failing tool goes back to the model, which answers; with onToolFailure \"fail\" the run fails", () =>
    Effect.gen(function*() {
      const atlantis = OpenAiTest.chatToolCalls([{
        id: "c1",
        name: "get_weather",
        arguments: { city: "Atlantis", unit: null }
      }])
      yield* OpenAiTest.reply(atlantis, OpenAiTest.chatCompletion("I could not find Atlantis."))
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("Atlantis?")] }, handled)
      expect(run.answer).toBe("I could not find Atlantis.")
      expect(run.messages[2]).toStrictEqual({
        role: "tool",
        tool_call_id: "c1",
        content: "{\"error\":\"get_weather failed: no weather for Atlantis\"}"
      })
      yield* OpenAiTest.reply(atlantis)
      const error = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("Atlantis?")] }, handled, { onToolFailure: "fail" })
      )
      expect(error).toMatchObject({ _tag: "ToolCallError", reason: "HandlerFailed" })
      expect((yield* OpenAiTest.requests).length).toBe(3)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("max steps: a model that keeps calling tools stops after maxSteps calls, with the transcript", () =>
    Effect.gen(function*() {
      const again = OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }])
      yield* OpenAiTest.reply(again, again, again, again, again, again)
      const run = ToolRunner.chat({ model: "gpt-4.1", messages: [user("loop")] }, handled, { maxSteps: 3 })
      const error = yield* Effect.flip(run)
      expect(error).toMatchObject({ _tag: "ToolRunnerError", reason: "MaxSteps" })
      expect((yield* OpenAiTest.requests).length).toBe(3)
      if (error._tag !== "ToolRunnerError") return
      // the same run again starts a transcript of its own
      const second = yield* Effect.flip(run)
      expect(second._tag === "ToolRunnerError" && second.steps).toHaveLength(5)
      expect(error.steps.map((step) => step._tag)).toStrictEqual([
        "ModelResponse",
        "ToolResult",
        "ModelResponse",
        "ToolResult",
        "ModelResponse"
      ])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("options that make no sense fail before anything is sent", () =>
    Effect.gen(function*() {
      const zero = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { maxSteps: 0 })
      )
      expect(zero).toMatchObject({ _tag: "ToolRunnerError", reason: "InvalidOptions" })
      const none = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { concurrency: 0 })
      )
      expect(none).toMatchObject({ _tag: "ToolRunnerError", reason: "InvalidOptions" })
      expect(yield* OpenAiTest.requests).toHaveLength(0)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a refusal and an answer cut short are typed errors", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(chatBody({
          message: { role: "assistant", content: null, refusal: "I can't help with that." },
          finish_reason: "stop"
        })),
        OpenAiTest.chatCompletion("It is", { finishReason: "length" })
      )
      const refusal = yield* Effect.flip(ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, handled))
      expect(refusal).toMatchObject({ _tag: "RefusalError", refusal: "I can't help with that." })
      const cut = yield* Effect.flip(ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, handled))
      expect(cut).toMatchObject({ _tag: "IncompleteOutputError", reason: "length" })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("interruption stops the run and interrupts the running handlers; nothing more is sent", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Ref.make(0)
      const hang = Tool.make("hang")
      const hangKit = Toolkit.handle(Toolkit.make(hang), {
        hang: () =>
          Deferred.succeed(started, undefined).pipe(
            Effect.zipRight(Effect.never),
            Effect.onInterrupt(() => Ref.update(interrupted, (n) => n + 1))
          )
      })
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ id: "a", name: "hang", arguments: {} }, { id: "b", name: "hang", arguments: {} }]),
        OpenAiTest.chatCompletion("never asked")
      )
      const fiber = yield* Effect.fork(ToolRunner.chat({ model: "gpt-4.1", messages: [user("go")] }, hangKit))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Ref.get(interrupted)).toBe(2)
      expect(yield* OpenAiTest.requests).toHaveLength(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the stream form stops where its consumer stops: Stream.take(1) runs no tool and sends nothing more", () =>
    Effect.gen(function*() {
      const ran = yield* Ref.make(0)
      const counted = Toolkit.handle(Toolkit.make(GetTime), { get_time: () => Ref.updateAndGet(ran, (n) => n + 1) })
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ id: "c", name: "get_time", arguments: {} }]),
        OpenAiTest.chatCompletion("never asked")
      )
      const first = yield* Stream.runCollect(
        ToolRunner.chatStream({ model: "gpt-4.1", messages: [user("time?")] }, counted).pipe(Stream.take(1))
      )
      expect([...first].map((step) => step._tag)).toStrictEqual(["ModelResponse"])
      expect(yield* Ref.get(ran)).toBe(0)
      expect(yield* OpenAiTest.requests).toHaveLength(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("as a stream: the steps as they happen, ending with the answer", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ id: "c", name: "get_time", arguments: {} }]),
        OpenAiTest.chatCompletion("Noon.")
      )
      const steps = yield* Stream.runCollect(
        ToolRunner.chatStream({ model: "gpt-4.1", messages: [user("time?")] }, handled)
      )
      const all = [...steps]
      expect(all.map((step) => `${step._tag}@${step.step}`)).toStrictEqual([
        "ModelResponse@1",
        "ToolResult@1",
        "ModelResponse@2",
        "Answer@2"
      ])
      expect(all[1]).toMatchObject({
        outcome: { _tag: "Success", output: "12:00", call: { id: "c", name: "get_time" } }
      })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))
})

describe("ToolRunner.responses", () => {
  const functionCall = (callId: string, name: string, args: string) => ({
    id: `fc_${callId}`,
    type: "function_call",
    call_id: callId,
    name,
    arguments: args,
    status: "completed"
  })

  it.effect("chains turns with previous_response_id and sends only the tools' outputs", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(
          responseBody([functionCall("call_1", "get_weather", "{\"city\":\"Rome\",\"unit\":\"F\"}")], { id: "resp_1" })
        ),
        OpenAiTest.json(responseBody([messageItem("Rome: 4 °F.")], { id: "resp_2" }))
      )
      const run = yield* ToolRunner.responses({ model: "gpt-5", input: "Weather in Rome?" }, handled)
      expect(run.answer).toBe("Rome: 4 °F.")
      expect(run.response.id).toBe("resp_2")
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies[0]).toMatchObject({ input: "Weather in Rome?", tools: toolkit.responses })
      expect(bodies[0]!.previous_response_id).toBeUndefined()
      expect(bodies[1]).toMatchObject({
        previous_response_id: "resp_1",
        input: [{
          type: "function_call_output",
          call_id: "call_1",
          output: "{\"city\":\"Rome\",\"unit\":\"F\",\"degrees\":4}"
        }]
      })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("with store: false every turn resends the whole conversation", () =>
    Effect.gen(function*() {
      const call = functionCall("call_1", "get_time", "{}")
      yield* OpenAiTest.reply(
        OpenAiTest.json(responseBody([call])),
        OpenAiTest.json(responseBody([messageItem("Noon.")]))
      )
      const run = yield* ToolRunner.responses({ model: "gpt-5", input: "Time?", store: false }, handled)
      expect(run.answer).toBe("Noon.")
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies[1]!.previous_response_id).toBeUndefined()
      expect(bodies[1]!.input).toStrictEqual([
        { role: "user", content: "Time?" },
        call,
        { type: "function_call_output", call_id: "call_1", output: "12:00" }
      ])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("in a conversation, the conversation keeps the history: no previous_response_id", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(responseBody([functionCall("call_1", "get_time", "{}")], { id: "resp_1" })),
        OpenAiTest.json(responseBody([messageItem("Noon.")], { id: "resp_2" }))
      )
      yield* ToolRunner.responses({ model: "gpt-5", input: "Time?", conversation: "conv_1" }, handled)
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies[1]).toMatchObject({
        conversation: "conv_1",
        input: [{ type: "function_call_output", call_id: "call_1", output: "12:00" }]
      })
      expect("previous_response_id" in bodies[1]!).toBe(false)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("an incomplete response is an IncompleteOutputError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([messageItem("It")], {
        status: "incomplete",
        incomplete_details: { reason: "max_output_tokens" }
      })))
      const error = yield* Effect.flip(ToolRunner.responses({ model: "gpt-5", input: "x" }, handled))
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "max_output_tokens" })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))
})

describe("the runner's rules, one by one (found by mutation testing)", () => {
  it("definition errors are tagged; a toolkit pipes", () => {
    const made = Either.try(() => Tool.make("bad name"))
    expect(Either.isLeft(made) && (made.left as Tool.ToolDefinitionError)._tag).toBe("ToolDefinitionError")
    expect(toolkit.pipe((kit) => [kit._tag, kit.tools.size])).toStrictEqual(["Toolkit", 2])
  })

  it.effect("a handler's output: undefined is null; a failure without a message is named by its tag or as text", () =>
    Effect.gen(function*() {
      class Nameless extends Data.TaggedError("Nameless")<{}> {}
      const quiet = Tool.make("quiet")
      const kit = (run: () => Effect.Effect<unknown, unknown>) => Toolkit.handle(Toolkit.make(quiet), { quiet: run })
      const call = { id: "1", name: "quiet", arguments: "{}" }
      expect((yield* Toolkit.execute(kit(() => Effect.void), call)).output).toBe("null")
      expect((yield* Toolkit.execute(kit(() => Effect.fail(new Nameless())), call)).output)
        .toBe("{\"error\":\"quiet failed: Nameless\"}")
      expect((yield* Toolkit.execute(kit(() => Effect.fail(undefined)), call)).output)
        .toBe("{\"error\":\"quiet failed: undefined\"}")
      expect((yield* Toolkit.execute(kit(() => Effect.fail("plain")), call)).output)
        .toBe("{\"error\":\"quiet failed: plain\"}")
      const invalid = yield* Toolkit.execute(handled, { id: "2", name: "get_weather", arguments: "{}" })
      expect(JSON.parse(invalid.output).error).toMatch(/^The arguments of get_weather do not fit its parameters: /)
      // found by the second mutation run: a failure that is a plain value is written as JSON; arguments that are not
      // JSON are named by the parser's message
      expect((yield* Toolkit.execute(kit(() => Effect.fail({ code: 42 })), call)).output)
        .toBe("{\"error\":\"quiet failed: {\\\"code\\\":42}\"}")
      const notJson = yield* Toolkit.execute(handled, { id: "3", name: "get_weather", arguments: "{" })
      expect(JSON.parse(notJson.output).error).toMatch(
        /^The arguments of get_weather do not fit its parameters: [\s\S]*Expected property name/
      )
    }).pipe(Effect.provide(WeatherLive)))

  it.effect("maxSteps 1 is a run of one model call; the errors say what is wrong", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatCompletion("At once."),
        OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }])
      )
      const once = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { maxSteps: 1 })
      expect(once.answer).toBe("At once.")
      const error = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { maxSteps: 1 })
      )
      expect(error.message).toBe("ToolRunner: the model still called tools after 1 model calls (maxSteps)")
      const steps = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { maxSteps: 1.5 })
      )
      expect(steps.message).toBe("ToolRunner: maxSteps must be a whole number ≥ 1 (got 1.5)")
      const concurrency = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("hi")] }, handled, { concurrency: -1 })
      )
      expect(concurrency.message).toBe("ToolRunner: concurrency must be a whole number ≥ 1 or \"unbounded\" (got -1)")
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("tool_choice: auto and none are kept on every turn; none given, none sent", () =>
    Effect.gen(function*() {
      const call = OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }])
      yield* OpenAiTest.reply(call, OpenAiTest.chatCompletion("a"), call, OpenAiTest.chatCompletion("b"), call)
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("c"))
      for (const tool_choice of ["none", "auto", undefined] as const) {
        yield* ToolRunner.chat({
          model: "gpt-4.1",
          messages: [user("x")],
          ...(tool_choice === undefined ? {} : { tool_choice })
        }, handled)
      }
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies.map((body) => "tool_choice" in body ? body.tool_choice : "absent")).toStrictEqual([
        "none",
        "none",
        "auto",
        "auto",
        "absent",
        "absent"
      ])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a content_filter turn with tool calls is cut short too", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.chatToolCalls([{ name: "get_time", arguments: {} }], { finishReason: "content_filter" })
      )
      const error = yield* Effect.flip(ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, handled))
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "content_filter" })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a custom tool call the toolkit does not have goes back as an unknown tool", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(chatBody({
          message: {
            role: "assistant",
            content: null,
            refusal: null,
            tool_calls: [{ id: "c1", type: "custom", custom: { name: "grammar", input: "x = 1" } }]
          },
          finish_reason: "tool_calls"
        })),
        OpenAiTest.chatCompletion("ok")
      )
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, handled)
      expect(run.messages[2]).toStrictEqual({
        role: "tool",
        tool_call_id: "c1",
        content: "{\"error\":\"There is no tool named \\\"grammar\\\"\"}"
      })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("Responses: only function_call items are calls; the first turn's tool_choice; no tools when none", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json(responseBody([
          { id: "rs_1", type: "reasoning", summary: [] },
          messageItem("Let me check."),
          {
            id: "fc_1",
            type: "function_call",
            call_id: "call_1",
            name: "get_time",
            arguments: "{}",
            status: "completed"
          },
          // named, but not a function call: the toolkit's tools are never called by another item
          { id: "ctc_1", type: "custom_tool_call", call_id: "call_2", name: "get_time", input: "now" }
        ], { id: "resp_1" })),
        OpenAiTest.json(responseBody([messageItem("Noon.")], { id: "resp_2" })),
        OpenAiTest.json(responseBody([messageItem("Hi.")], { id: "resp_3" }))
      )
      const run = yield* ToolRunner.responses(
        { model: "gpt-5", input: [{ role: "user", content: "Time?" }], tool_choice: "required", store: false },
        handled
      )
      expect(run.steps.filter((step) => step._tag === "ToolResult")).toHaveLength(1)
      yield* ToolRunner.responses({ model: "gpt-5", input: "hi" }, Toolkit.handle(Toolkit.make(), {}))
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies.map((body) => body.tool_choice)).toStrictEqual(["required", "auto", undefined])
      expect(bodies[1]!.input).toHaveLength(6) // the user message, four output items, one output
      expect("tools" in bodies[2]!).toBe(false)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("Responses: an incomplete turn with function calls is cut short, with its reason", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([
        { id: "fc_1", type: "function_call", call_id: "call_1", name: "get_time", arguments: "{", status: "incomplete" }
      ], { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } })))
      const error = yield* Effect.flip(ToolRunner.responses({ model: "gpt-5", input: "x" }, handled))
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "max_output_tokens" })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))
})

describe("streamed turns (stream: true)", () => {
  const model = () =>
    MockModel.script(
      MockModel.toolCalls({ name: "get_weather", arguments: { city: "Lima", unit: null } }),
      (conversation) => MockModel.text(`Lima: ${conversation.messages.at(-1)?.content}`)
    )

  it.effect("Chat: the answer's text deltas among the steps, tool-call deltas accumulated, usage asked for", () =>
    Effect.gen(function*() {
      const steps = yield* Stream.runCollect(
        ToolRunner.chatStream({ model: "gpt-4o-mini", messages: [user("Lima?")] }, handled, { stream: true })
      )
      const all = [...steps]
      const deltas = all.flatMap((step) => step._tag === "TextDelta" ? [step] : [])
      expect(deltas.length).toBeGreaterThan(1)
      expect(deltas.every((delta) => delta.step === 2)).toBe(true)
      const answer = all.at(-1)
      expect(answer).toMatchObject({ _tag: "Answer", answer: "Lima: {\"city\":\"Lima\",\"unit\":\"C\",\"degrees\":4}" })
      expect(deltas.map((delta) => delta.delta).join("")).toBe(answer?._tag === "Answer" ? answer.answer : "")
      const requests = yield* OpenAiTest.requests
      expect(requests.map((request) => request.body)).toMatchObject([
        { stream: true, stream_options: { include_usage: true } },
        { stream: true, stream_options: { include_usage: true } }
      ])
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer({ model: model() }))))

  it.effect("Responses: the same, over the event stream", () =>
    Effect.gen(function*() {
      const run = yield* ToolRunner.responses({ model: "gpt-4o-mini", input: "Lima?" }, handled, { stream: true })
      expect(run.answer).toBe("Lima: {\"city\":\"Lima\",\"unit\":\"C\",\"degrees\":4}")
      expect(run.usage.total_tokens).toBeGreaterThan(0)
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer({ model: model() }))))

  it.effect("a response.failed in a streamed turn fails the run with StreamError after the steps before it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([
        OpenAiTest.sseEvent({
          type: "response.created",
          sequence_number: 0,
          response: responseBody([], { status: "in_progress" })
        }),
        OpenAiTest.sseEvent({
          type: "response.failed",
          sequence_number: 1,
          response: responseBody([], { status: "failed", error: { code: "server_error", message: "down" } })
        })
      ]))
      const error = yield* Effect.flip(
        ToolRunner.responses({ model: "gpt-5", input: "x" }, handled, { stream: true })
      )
      expect(error).toMatchObject({ _tag: "StreamError", reason: "ErrorEvent", error: { message: "down" } })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))
})

describe("the runner's rules, second mutation run", () => {
  it.effect("Responses without a format: the answer is every output text joined, as the SDK's output_text", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([messageItem("It is "), messageItem("noon.")])))
      const run = yield* ToolRunner.responses({ model: "gpt-5", input: "Time?" }, handled)
      expect(run.answer).toBe("It is noon.")
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a completion without choices is an empty answer, not a crash", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(chatBody()))
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("x")] }, handled)
      expect(run.answer).toBe("")
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("an incomplete turn with calls and without details is cut short with reason \"incomplete\"", () =>
    Effect.gen(function*() {
      const call = { id: "fc_1", type: "function_call", call_id: "call_1", name: "get_time", arguments: "{" }
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([call], { status: "incomplete" })))
      const error = yield* Effect.flip(ToolRunner.responses({ model: "gpt-5", input: "x" }, handled))
      expect(error).toMatchObject({ _tag: "IncompleteOutputError", reason: "incomplete" })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))
})

describe("a structured answer (format)", () => {
  const Forecast = Schema.Struct({ city: Schema.String, degrees: Schema.Number, note: Schema.optional(Schema.String) })
  const format = ResponseFormat.fromSchema(Forecast, { name: "forecast" })
  const weatherThenAnswer = (answer: string) =>
    MockModel.script(
      MockModel.toolCalls({ name: "get_weather", arguments: { city: "Oslo", unit: null } }),
      MockModel.text(answer)
    )

  it.effect("Chat: the format goes with every turn, the answer is decoded (nulls for absent fields dropped)", () =>
    Effect.gen(function*() {
      const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [user("Oslo?")] }, handled, { format })
      expect(run.parsed).toStrictEqual({ city: "Oslo", degrees: 4 })
      expect(run.answer).toBe("{\"city\":\"Oslo\",\"degrees\":4,\"note\":null}")
      const answer = run.steps.at(-1)
      expect(answer?._tag === "Answer" && (answer as { parsed?: unknown }).parsed).toStrictEqual(run.parsed)
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies.map((body) => body.response_format)).toStrictEqual([format.response_format, format.response_format])
    }).pipe(
      Effect.provide(WeatherLive),
      Effect.provide(OpenAiTest.layer({ model: weatherThenAnswer("{\"city\":\"Oslo\",\"degrees\":4,\"note\":null}") }))
    ))

  it.effect("Responses: text.format with the parameters' other text settings, the first output text decoded", () =>
    Effect.gen(function*() {
      const run = yield* ToolRunner.responses(
        { model: "gpt-5", input: "Oslo?", text: { verbosity: "low" } },
        handled,
        { format }
      )
      expect(run.parsed).toStrictEqual({ city: "Oslo", degrees: 4, note: "cold" })
      const bodies = (yield* OpenAiTest.requests).map((request) => request.body as Record<string, unknown>)
      expect(bodies.map((body) => body.text)).toStrictEqual([
        { verbosity: "low", format: format.text.format },
        { verbosity: "low", format: format.text.format }
      ])
    }).pipe(
      Effect.provide(WeatherLive),
      Effect.provide(
        OpenAiTest.layer({ model: weatherThenAnswer("{\"city\":\"Oslo\",\"degrees\":4,\"note\":\"cold\"}") })
      )
    ))

  it.effect("streamed turns: the Answer step carries the decoded answer", () =>
    Effect.gen(function*() {
      const steps = yield* Stream.runCollect(
        ToolRunner.responsesStream({ model: "gpt-5", input: "Oslo?" }, handled, { format, stream: true })
      )
      const last = [...steps].at(-1)
      expect(last?._tag === "Answer" && last.parsed).toStrictEqual({ city: "Oslo", degrees: 4 })
      expect([...steps].some((step) => step._tag === "TextDelta")).toBe(true)
    }).pipe(
      Effect.provide(WeatherLive),
      Effect.provide(OpenAiTest.layer({ model: weatherThenAnswer("{\"city\":\"Oslo\",\"degrees\":4}") }))
    ))

  it.effect("an answer the schema does not decode is a ResponseDecodeError naming the path, after the tools ran", () =>
    Effect.gen(function*() {
      const ran = yield* Ref.make(0)
      const counted = Toolkit.handle(toolkit, {
        get_weather: ({ city }) => Effect.as(Ref.update(ran, (n) => n + 1), city),
        get_time: () => Effect.succeed("12:00")
      })
      const error = yield* Effect.flip(
        ToolRunner.chat({ model: "gpt-4.1", messages: [user("Oslo?")] }, counted, { format, stream: true })
      )
      expect(error).toMatchObject({ _tag: "ResponseDecodeError", reason: "UnexpectedShape" })
      expect(error._tag === "ResponseDecodeError" && error.detail).toContain("degrees")
      expect(error._tag === "ResponseDecodeError" && error.request).toMatchObject({
        method: "POST",
        url: expect.stringMatching(/\/chat\/completions$/)
      })
      expect(yield* Ref.get(ran)).toBe(1)
      const notJson = yield* Effect.flip(
        ToolRunner.responses({ model: "gpt-5", input: "Oslo?" }, counted, { format })
      )
      expect(notJson).toMatchObject({
        _tag: "ResponseDecodeError",
        reason: "InvalidJson",
        request: { method: "POST", url: expect.stringMatching(/\/responses$/) }
      })
    }).pipe(
      Effect.provide(
        OpenAiTest.layer({
          model: MockModel.script(
            MockModel.toolCalls({ name: "get_weather", arguments: { city: "Oslo", unit: null } }),
            MockModel.text("{\"city\":\"Oslo\",\"degrees\":\"warm\"}"),
            MockModel.text("Oslo is cold.")
          )
        })
      )
    ))

  it.effect("Responses: a structured answer is the first output text, as Responses.parse reads it", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([
        messageItem("{\"city\":\"Oslo\",\"degrees\":4,\"note\":null}"),
        messageItem("{\"city\":\"Bergen\"}")
      ])))
      const run = yield* ToolRunner.responses({ model: "gpt-5", input: "x" }, handled, { format })
      expect(run.parsed).toStrictEqual({ city: "Oslo", degrees: 4 })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it.effect("a refusal is still a RefusalError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json(responseBody([{
        id: "msg_1",
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "refusal", refusal: "I can't." }]
      }])))
      const error = yield* Effect.flip(ToolRunner.responses({ model: "gpt-5", input: "x" }, handled, { format }))
      expect(error).toMatchObject({ _tag: "RefusalError", refusal: "I can't." })
    }).pipe(Effect.provide(WeatherLive), Effect.provide(OpenAiTest.layer())))

  it("the decoded type is the schema's, only with a format (checked by tsc)", () => {
    expectTypeOf(ToolRunner.chat({ model: "gpt-4.1", messages: [] }, handled, { format, maxSteps: 3 })).toEqualTypeOf<
      Effect.Effect<
        ToolRunner.ChatRun & ToolRunner.ParsedAnswer<typeof Forecast.Type>,
        ToolRunner.RunError<WeatherError>,
        Weather | OpenAiClient.OpenAiClient
      >
    >()
    expectTypeOf(ToolRunner.chat({ model: "gpt-4.1", messages: [] }, handled, { maxSteps: 3 })).toEqualTypeOf<
      Effect.Effect<ToolRunner.ChatRun, ToolRunner.RunError<WeatherError>, Weather | OpenAiClient.OpenAiClient>
    >()
    expectTypeOf(ToolRunner.responsesStream({ model: "gpt-5", input: "x" }, handled, { format })).toEqualTypeOf<
      Stream.Stream<
        ToolRunner.ParsedSteps<ToolRunner.ResponsesStep, typeof Forecast.Type>,
        ToolRunner.RunError<WeatherError>,
        Weather | OpenAiClient.OpenAiClient
      >
    >()
  })
})

describe("requirements", () => {
  it("the handlers' failures stay inside the run, their requirements become the run's (checked by tsc)", () => {
    const run = ToolRunner.responses({ model: "gpt-5", input: "x" }, handled)
    expectTypeOf(run).toEqualTypeOf<
      Effect.Effect<ToolRunner.ResponsesRun, ToolRunner.RunError<WeatherError>, Weather | OpenAiClient.OpenAiClient>
    >()
    expectTypeOf(handled).toEqualTypeOf<
      Toolkit.Handled<typeof GetWeather | typeof GetTime, WeatherError, Weather>
    >()
  })
})
