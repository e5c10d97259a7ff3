// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/tools.ts
// Tools from an Effect Schema, handlers as Effects with their own requirements, and the runner's loop.
import { ResponseFormat, Tool, Toolkit, ToolRunner } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Context, Effect, Layer, Schema, Stream } from "effect"

// 1. A service the handler needs: its requirement becomes the run's
class Forecasts extends Context.Tag("Forecasts")<Forecasts, {
  readonly today: (city: string) => Effect.Effect<{ readonly celsius: number; readonly sky: string }, UnknownCity>
}>() {}
class UnknownCity extends Schema.TaggedError<UnknownCity>()("UnknownCity", { city: Schema.String }) {}

const ForecastsLive = Layer.succeed(Forecasts, {
  today: (city) =>
    city === "Atlantis"
      ? Effect.fail(new UnknownCity({ city })) // goes back to the model as the tool's error
      : Effect.succeed({ celsius: 18, sky: "sunny" })
})

// 2. The tool: name, description, parameters as a Schema (sent as strict JSON Schema)
const GetWeather = Tool.make("get_weather", {
  description: "Today's weather in a city",
  parameters: Schema.Struct({
    city: Schema.String,
    unit: Schema.optional(Schema.Literal("celsius", "fahrenheit"))
  })
})

// 3. A toolkit and its handlers: Effects of the decoded arguments
const tools = Toolkit.handle(Toolkit.make(GetWeather), {
  get_weather: ({ city, unit }) =>
    Effect.flatMap(Forecasts, (forecasts) => forecasts.today(city)).pipe(
      Effect.map(({ celsius, sky }) => ({
        city,
        sky,
        temperature: unit === "fahrenheit" ? celsius * 9 / 5 + 32 : celsius
      }))
    )
})

const program = Effect.gen(function*() {
  // 4. Chat Completions: model → tool calls → model, until the answer
  const run = yield* ToolRunner.chat({
    model: "gpt-4.1-mini",
    messages: [{ role: "user", content: "What's the weather in Paris today?" }]
  }, tools)
  for (const step of run.steps) {
    if (step._tag === "ToolResult") yield* Console.log(`tool ${step.outcome.call.name}: ${step.outcome.output}`)
  }
  yield* Console.log(`chat answer: ${run.answer}`)

  // 5. The Responses API, as a stream of steps (text deltas included with stream: true)
  yield* ToolRunner.responsesStream({ model: "gpt-4.1-mini", input: "And in Rome?" }, tools, { stream: true }).pipe(
    Stream.runForEach((step) => {
      switch (step._tag) {
        case "ModelResponse":
          return Console.log(`step ${step.step}: ${step.toolCalls.length} tool call(s)`)
        case "Answer":
          return Console.log(`responses answer: ${step.answer}`)
        default:
          return Effect.void
      }
    })
  )

  // 6. A typed answer: the format goes with every model call, the answer is decoded with its schema
  const Advice = Schema.Struct({ city: Schema.String, celsius: Schema.Number, coat: Schema.Boolean })
  const advised = yield* ToolRunner.chat(
    {
      model: "gpt-4.1-mini",
      messages: [{ role: "user", content: "Do I need a coat in Oslo today?" }]
    },
    tools,
    { format: ResponseFormat.fromSchema(Advice, { name: "advice" }) }
  )
  yield* Console.log(`typed answer: ${advised.parsed.city}, ${advised.parsed.celsius} °C, coat: ${advised.parsed.coat}`)
})

NodeRuntime.runMain(program.pipe(Effect.provide(ForecastsLive), Effect.provide(NodeOpenAi.layerConfig())))
