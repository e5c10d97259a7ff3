/**
 * The tool runner end to end over real sockets: a MockServer whose scripted model calls tools (plain and streamed,
 * its argument deltas split over several chunks), for Chat Completions and the Responses API, the second chaining
 * with `previous_response_id` through the server's store.
 */
import { Tool, Toolkit, ToolRunner } from "@effect-openai/core"
import { MockModel, MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { client } from "./utils.js"

const Add = Tool.make("add", {
  description: "Adds two numbers",
  parameters: Schema.Struct({ a: Schema.Number, b: Schema.Number })
})
const Shout = Tool.make("shout", { parameters: Schema.Struct({ text: Schema.String }) })
const tools = Toolkit.handle(Toolkit.make(Add, Shout), {
  add: ({ a, b }) => Effect.succeed(a + b),
  shout: ({ text }) => Effect.succeed(text.toUpperCase())
})

/** Calls both tools at once, then answers with what came back (as the conversation shows it). */
const model = () =>
  MockModel.script(
    MockModel.toolCalls(
      { name: "add", arguments: { a: 20, b: 22 } },
      { name: "shout", arguments: { text: "a long enough text for several argument deltas" } }
    ),
    (conversation) =>
      MockModel.text(
        `results: ${
          conversation.messages.flatMap((message) => message.role === "tool" ? [message.content] : []).join(" | ")
        }`
      )
  )

const expected = "results: 42 | A LONG ENOUGH TEXT FOR SEVERAL ARGUMENT DELTAS"

describe("ToolRunner over MockServer", () => {
  for (const stream of [false, true]) {
    it.scopedLive(`Chat Completions (stream: ${stream})`, () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ model: model() })
        const steps = yield* Stream.runCollect(
          ToolRunner.chatStream({ model: "gpt-4o-mini", messages: [{ role: "user", content: "go" }] }, tools, {
            stream
          })
        ).pipe(Effect.provide(client(server)))
        const all = [...steps]
        const answer = all.at(-1)
        expect(answer).toMatchObject({ _tag: "Answer", answer: expected, step: 2 })
        const results = all.flatMap((step) => step._tag === "ToolResult" ? [step.outcome] : [])
        expect(results.map((outcome) => [outcome._tag, outcome.call.name, outcome.output]).sort()).toStrictEqual([
          ["Success", "add", "42"],
          ["Success", "shout", "A LONG ENOUGH TEXT FOR SEVERAL ARGUMENT DELTAS"]
        ])
        const deltas = all.flatMap((step) => step._tag === "TextDelta" ? [step.delta] : [])
        if (stream) expect(deltas.join("")).toBe(expected)
        else expect(deltas).toHaveLength(0)
        const requests = yield* server.requests
        expect(requests).toHaveLength(2)
        expect(requests.every((request) => (request.body as { stream?: boolean }).stream === (stream || undefined)))
          .toBe(true)
        expect((requests[1]!.body as { messages: Array<{ role: string }> }).messages.map((m) => m.role))
          .toStrictEqual(["user", "assistant", "tool", "tool"])
      }), 30_000)

    it.scopedLive(`Responses API (stream: ${stream}), chained with previous_response_id`, () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ model: model() })
        const run = yield* ToolRunner.responses({ model: "gpt-4o-mini", input: "go" }, tools, { stream }).pipe(
          Effect.provide(client(server))
        )
        expect(run.answer).toBe(expected)
        expect(run.steps.map((step) => step._tag)).toStrictEqual([
          "ModelResponse",
          "ToolResult",
          "ToolResult",
          "ModelResponse",
          "Answer"
        ])
        const requests = yield* server.requests
        const second = requests[1]!.body as { previous_response_id: string; input: Array<{ type: string }> }
        const first = run.steps[0]
        expect(first?._tag === "ModelResponse" && first.response.id).toBe(second.previous_response_id)
        expect(second.input.map((item) => item.type)).toStrictEqual(["function_call_output", "function_call_output"])
      }), 30_000)
  }

  it.scopedLive(
    "the tool-calling mock model with a toolkit: it calls, the runner answers, it sums up",
    () =>
      Effect.gen(function*() {
        const server = yield* MockServer.make({ model: MockModel.toolCaller })
        const run = yield* ToolRunner.chat(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "add" }] },
          tools
        )
          .pipe(Effect.provide(client(server)))
        // the simplest arguments the schema allows: a = 0, b = 0
        expect(run.answer).toBe("The tools answered: 0")
      }),
    30_000
  )
})
