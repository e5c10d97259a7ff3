/**
 * The Responses stream helpers against a recorded event sequence (a reasoning summary, a message, a function call):
 * the accumulator rebuilds, event by event, the output the terminal `response.completed` carries, and `textDeltas`
 * gives the text as it comes.
 */
import { Responses } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { messageItem, responseBody } from "./utils.js"

const reasoning = { id: "rs_1", type: "reasoning", summary: [{ type: "summary_text", text: "Think, then answer." }] }
const message = messageItem("Hello there!")
const call = {
  id: "fc_1",
  type: "function_call",
  call_id: "call_1",
  name: "get_weather",
  arguments: "{\"city\":\"Paris\"}",
  status: "completed"
}
const completed = responseBody([reasoning, message, call])

/** The events of that response, as the API streams them. */
const recorded: ReadonlyArray<Record<string, unknown>> = [
  { type: "response.created", sequence_number: 0, response: responseBody([], { status: "in_progress" }) },
  {
    type: "response.output_item.added",
    sequence_number: 1,
    output_index: 0,
    item: { ...reasoning, summary: [] }
  },
  {
    type: "response.reasoning_summary_part.added",
    sequence_number: 2,
    item_id: "rs_1",
    output_index: 0,
    summary_index: 0,
    part: { type: "summary_text", text: "" }
  },
  {
    type: "response.reasoning_summary_text.delta",
    sequence_number: 3,
    item_id: "rs_1",
    output_index: 0,
    summary_index: 0,
    delta: "Think, "
  },
  {
    type: "response.reasoning_summary_text.delta",
    sequence_number: 4,
    item_id: "rs_1",
    output_index: 0,
    summary_index: 0,
    delta: "then answer."
  },
  {
    type: "response.output_item.added",
    sequence_number: 5,
    output_index: 1,
    item: { ...message, status: "in_progress", content: [] }
  },
  {
    type: "response.content_part.added",
    sequence_number: 6,
    item_id: "msg_1",
    output_index: 1,
    content_index: 0,
    part: { type: "output_text", text: "", annotations: [], logprobs: [] }
  },
  ...["Hello", " there", "!"].map((delta, i) => ({
    type: "response.output_text.delta",
    sequence_number: 7 + i,
    item_id: "msg_1",
    output_index: 1,
    content_index: 0,
    delta,
    logprobs: []
  })),
  {
    type: "response.output_item.added",
    sequence_number: 10,
    output_index: 2,
    item: { ...call, arguments: "", status: "in_progress" }
  },
  ...["{\"city\":", "\"Paris\"}"].map((delta, i) => ({
    type: "response.function_call_arguments.delta",
    sequence_number: 11 + i,
    item_id: "fc_1",
    output_index: 2,
    delta
  })),
  { type: "response.completed", sequence_number: 13, response: completed }
]

const events = recorded.map((event) =>
  Schema.decodeUnknownSync(Responses.ResponseStreamEvent, { onExcessProperty: "preserve" })(event)
)

describe("Responses stream helpers", () => {
  it("the accumulator rebuilds, from the deltas alone, the output the terminal event carries", () => {
    const accumulator = new Responses.ResponseAccumulator()
    expect(accumulator.snapshot()).toBeUndefined()
    for (const event of events.slice(0, -1)) accumulator.add(event)
    const rebuilt = accumulator.snapshot()!
    // before the terminal event: built from deltas (the items still have their in-progress status)
    expect(rebuilt.output.map((item) => item.type)).toStrictEqual(["reasoning", "message", "function_call"])
    expect(rebuilt.output[0]).toMatchObject({ summary: [{ type: "summary_text", text: "Think, then answer." }] })
    expect(rebuilt.output[1]).toMatchObject({ content: [{ type: "output_text", text: "Hello there!" }] })
    expect(rebuilt.output[2]).toMatchObject({ name: "get_weather", arguments: "{\"city\":\"Paris\"}" })
    accumulator.add(events.at(-1)!)
    // the terminal event's response replaces the rebuilt one
    expect(accumulator.snapshot()).toStrictEqual(completedDecoded())
  })

  it("the whole sequence as the API sends it (in_progress and every .done event) agrees with the completed output", () => {
    const at = (type: string, from = 0) => recorded.findIndex((event, i) => i >= from && event.type === type)
    const deltasEnd = (type: string) =>
      recorded.length - [...recorded].reverse().findIndex((event) => event.type === type)
    const messageStart = at("response.output_item.added", 2)
    const callStart = at("response.output_item.added", messageStart + 1)
    const full = [
      recorded[0]!,
      { type: "response.in_progress", response: responseBody([], { status: "in_progress" }) },
      ...recorded.slice(1, deltasEnd("response.reasoning_summary_text.delta")),
      {
        type: "response.reasoning_summary_text.done",
        item_id: "rs_1",
        output_index: 0,
        summary_index: 0,
        text: "Think, then answer."
      },
      {
        type: "response.reasoning_summary_part.done",
        item_id: "rs_1",
        output_index: 0,
        summary_index: 0,
        part: { type: "summary_text", text: "Think, then answer." }
      },
      { type: "response.output_item.done", output_index: 0, item: reasoning },
      ...recorded.slice(messageStart, deltasEnd("response.output_text.delta")),
      {
        type: "response.output_text.done",
        item_id: "msg_1",
        output_index: 1,
        content_index: 0,
        text: "Hello there!",
        logprobs: []
      },
      {
        type: "response.content_part.done",
        item_id: "msg_1",
        output_index: 1,
        content_index: 0,
        part: message.content[0]
      },
      { type: "response.output_item.done", output_index: 1, item: message },
      ...recorded.slice(callStart, deltasEnd("response.function_call_arguments.delta")),
      {
        type: "response.function_call_arguments.done",
        item_id: "fc_1",
        output_index: 2,
        name: "get_weather",
        arguments: "{\"city\":\"Paris\"}"
      },
      { type: "response.output_item.done", output_index: 2, item: call },
      recorded.at(-1)!
    ].map((event, sequence_number) =>
      Schema.decodeUnknownSync(Responses.ResponseStreamEvent, { onExcessProperty: "preserve" })({
        ...event,
        sequence_number
      })
    )
    const accumulator = new Responses.ResponseAccumulator()
    for (const event of full.slice(0, -1)) accumulator.add(event)
    // before the terminal event, every item is already in its final form
    expect(accumulator.snapshot()!.output).toStrictEqual(completedDecoded().output)
    accumulator.add(full.at(-1)!)
    expect(accumulator.snapshot()).toStrictEqual(completedDecoded())
  })

  it("snapshots are copies: a later event does not change one taken before", () => {
    const accumulator = new Responses.ResponseAccumulator()
    for (const event of events.slice(0, 8)) accumulator.add(event)
    const early = accumulator.snapshot()!
    accumulator.add(events[8]!)
    expect(early.output[1]).toMatchObject({ content: [{ text: "Hello" }] })
    expect(accumulator.snapshot()!.output[1]).toMatchObject({ content: [{ text: "Hello there" }] })
  })

  it.effect("over a stream: textDeltas as they come, and accumulate to the completed response", () =>
    Effect.gen(function*() {
      const body = recorded.map((event) => OpenAiTest.sseEvent(event))
      yield* OpenAiTest.reply(OpenAiTest.stream(body), OpenAiTest.stream(body))
      const texts = yield* Stream.runCollect(Responses.textDeltas(Responses.stream({ model: "gpt-5", input: "hi" })))
      expect(Chunk.toReadonlyArray(texts)).toStrictEqual(["Hello", " there", "!"])
      const response = yield* Stream.run(Responses.stream({ model: "gpt-5", input: "hi" }), Responses.accumulate)
      expect(response).toStrictEqual(completedDecoded())
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("response.failed: delivered after every earlier event, then the stream fails with its error", () =>
    Effect.gen(function*() {
      const failed = {
        type: "response.failed",
        sequence_number: 9,
        response: responseBody([message], {
          status: "failed",
          error: { code: "server_error", message: "The model crashed." }
        })
      }
      yield* OpenAiTest.reply(OpenAiTest.stream([...recorded.slice(0, 9), failed].map((e) => OpenAiTest.sseEvent(e))))
      const seen: Array<string> = []
      const error = yield* Responses.stream({ model: "gpt-5", input: "hi" }).pipe(
        Stream.runForEach((event) => Effect.sync(() => seen.push(event.type))),
        Effect.flip
      )
      expect(seen).toStrictEqual([...recorded.slice(0, 9).map((event) => event.type), "response.failed"])
      expect(error._tag).toBe("StreamError")
      expect(error).toMatchObject({
        reason: "ErrorEvent",
        error: { code: "server_error", message: "The model crashed." }
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

function completedDecoded() {
  return Schema.decodeUnknownSync(Responses.Response, { onExcessProperty: "preserve" })(completed)
}
