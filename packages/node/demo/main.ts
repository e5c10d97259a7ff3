/**
 * A short tour of effect-openai: a chat completion, its request id and rate limits, an AuthenticationError
 * caught by tag, a 429 retried automatically, a reply streamed token by token, a typed extraction with a Schema, and
 * a tool call answered by an Effect handler.
 *
 * With OPENAI_API_KEY set it talks to the real API; without it, it starts the embedded MockServer (whose mock model
 * answers a schema with its simplest value and calls the tools it is offered).
 */
import { Chat, OpenAiClient, ResponseFormat, Tool, Toolkit, ToolRunner } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockModel, MockServer } from "@effect-openai/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"

const model = process.env.OPENAI_MODEL ?? "gpt-4o-mini"
const messages = [{ role: "user", content: "Say this is a test!" }] as const

const section = (title: string) => Console.log(`\n== ${title}`)

interface Target {
  readonly client: Layer.Layer<OpenAiClient.OpenAiClient, unknown>
  readonly baseURL: string
  /** The embedded server, when there is no real API key. */
  readonly server?: MockServer.Service
}

const tour = (target: Target) =>
  Effect.gen(function*() {
    yield* section("1. A chat completion")
    const { data, response } = yield* OpenAiClient.withResponse(Chat.completions.create({ model, messages }))
    yield* Console.log(`model:   ${data.model}`)
    yield* Console.log(`reply:   ${data.choices[0]?.message.content}`)
    yield* Console.log(
      `usage:   ${data.usage?.prompt_tokens} prompt + ${data.usage?.completion_tokens} completion tokens`
    )

    yield* section("2. Its request id and rate-limit headers")
    const limits = response.rateLimit
    yield* Console.log(`x-request-id:          ${response.requestId}`)
    yield* Console.log(`openai-processing-ms:  ${response.processingMs}`)
    yield* Console.log(`requests remaining:    ${limits.remainingRequests} of ${limits.limitRequests}`)
    yield* Console.log(`tokens remaining:      ${limits.remainingTokens} of ${limits.limitTokens}`)
    yield* Console.log(
      `resets in:             requests ${format(limits.resetRequests)}, tokens ${format(limits.resetTokens)}`
    )

    yield* section("3. A wrong API key, caught by tag")
    const outcome = yield* Chat.completions.create({ model, messages }).pipe(
      Effect.as("unexpectedly succeeded"),
      Effect.catchTag(
        "AuthenticationError",
        (error) =>
          Effect.succeed(`AuthenticationError ${error.status} (${error.code ?? "no code"}): ${error.error?.message}`)
      ),
      Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make("not-a-valid-key"), baseURL: target.baseURL }))
    )
    yield* Console.log(outcome)

    yield* section("4. A reply streamed token by token")
    // the mock answers at once: pace its chunks so the streaming shows
    if (target.server !== undefined) yield* target.server.fault({ path: "/chat/completions", stream: { interval: 40 } })
    const streamed = yield* Chat.completions.stream({
      model,
      messages: [{ role: "user", content: "Count from one to ten, in words." }],
      stream_options: { include_usage: true }
    }).pipe(
      Stream.tap((chunk) => {
        const delta = chunk.choices[0]?.delta.content
        return delta ? Effect.sync(() => process.stdout.write(delta)) : Effect.void
      }),
      Stream.run(Chat.accumulate)
    )
    yield* Console.log(
      `\n(${streamed.usage?.completion_tokens ?? "?"} tokens, finish: ${streamed.choices[0]?.finish_reason})`
    )

    yield* section("5. A typed extraction: a Schema in, a decoded value out")
    const extracted = yield* Chat.completions.parse({
      model,
      messages: [
        { role: "system", content: "Extract the event." },
        { role: "user", content: "Alice and Bob are going to a science fair on Friday." }
      ]
    }, eventFormat)
    const event = extracted.choices[0]!.message.parsed
    yield* Console.log(`event:   ${JSON.stringify(event)}`)
    yield* Console.log(`typed:   ${event.attendees.length} attendee(s), place ${event.place ?? "(not given)"}`)

    yield* section("6. A tool call: the model asks, an Effect answers, the model concludes")
    const run = yield* ToolRunner.chat({
      model,
      messages: [{ role: "user", content: "What is the weather in Paris? Use the tool." }]
    }, weatherTools)
    for (const step of run.steps) {
      if (step._tag === "ToolResult") {
        yield* Console.log(
          `tool:    ${step.outcome.call.name}(${step.outcome.call.arguments}) -> ${step.outcome.output}`
        )
      }
    }
    yield* Console.log(`answer:  ${run.answer}`)
  }).pipe(Effect.provide(target.client))

const eventFormat = ResponseFormat.fromSchema(
  Schema.Struct({
    name: Schema.String,
    day: Schema.String,
    attendees: Schema.Array(Schema.String),
    place: Schema.optional(Schema.String)
  }),
  { name: "event" }
)

const weatherTools = Toolkit.handle(
  Toolkit.make(Tool.make("get_weather", {
    description: "Today's weather in a city",
    parameters: Schema.Struct({ city: Schema.String })
  })),
  { get_weather: ({ city }) => Effect.succeed({ city, celsius: 18, sky: "sunny" }) }
)

const format = (duration: Duration.Duration | undefined) => duration === undefined ? "-" : Duration.format(duration)

const retried429 = Effect.gen(function*() {
  yield* section("7. A 429 retried automatically (always against the local MockServer)")
  const server = yield* MockServer.make()
  yield* server.fault({ status: 429, headers: { "retry-after-ms": "300" } })
  const started = Date.now()
  const completion = yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(
    Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }))
  )
  const served = yield* server.requests
  yield* Console.log(`attempts: ${served.map((request) => request.fault?.status ?? 200).join(" -> ")}`)
  yield* Console.log(`waited as retry-after-ms asked, succeeded after ${Date.now() - started} ms`)
  yield* Console.log(`reply:    ${completion.choices[0]?.message.content}`)
}).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  if (process.env.OPENAI_API_KEY !== undefined && process.env.OPENAI_API_KEY.trim() !== "") {
    yield* Console.log("OPENAI_API_KEY is set: talking to the real OpenAI API.")
    const baseURL = process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"
    yield* tour({ client: NodeOpenAi.layerConfig(), baseURL })
  } else {
    // the mock model calls get_weather for Paris when offered the tool, then sums up what it returned
    const mockModel: MockModel.MockModel = (conversation) =>
      conversation.tools.length > 0 && conversation.messages.at(-1)?.role === "user"
        ? MockModel.toolCalls({ name: "get_weather", arguments: { city: "Paris" } })
        : MockModel.toolCaller(conversation)
    const server = yield* MockServer.make({ model: mockModel })
    yield* Console.log(`OPENAI_API_KEY is not set: using the embedded MockServer at ${server.url}`)
    yield* tour({
      client: NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }),
      baseURL: server.url,
      server
    })
  }
  yield* retried429
  yield* Console.log("\nDone.")
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
