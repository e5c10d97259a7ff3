// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/responses-streaming.ts
// The Responses API streamed: its typed events, the text as it comes, and the final Response rebuilt from the events.
import { Responses } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Stream } from "effect"

const program = Effect.gen(function*() {
  // 1. The text as it comes (response.output_text.delta events)
  yield* Responses.stream({ model: "gpt-4.1-mini", input: "Write a haiku about rivers." }).pipe(
    Responses.textDeltas,
    Stream.runForEach((delta) => Effect.sync(() => process.stdout.write(delta)))
  )
  yield* Console.log("")

  // 2. Every event, typed: narrow on `type`; then the Response the events amount to
  const events = Responses.stream({ model: "gpt-4.1-mini", input: "Name three rivers." }).pipe(
    Stream.tap((event) => event.type === "response.created" ? Console.log(`created ${event.response.id}`) : Effect.void)
  )
  const response = yield* Stream.run(events, Responses.accumulate)
  yield* Console.log(`status: ${response?.status}, output items: ${response?.output.length}`)

  // 3. A failed response (response.failed) or a cut stream is a StreamError, caught by its tag
  yield* Responses.stream({ model: "gpt-4.1-mini", input: "Once more." }).pipe(
    Stream.runDrain,
    Effect.catchTag("StreamError", (error) => Console.log(`stream failed: ${error.reason}`))
  )
  yield* Console.log("done")
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodeOpenAi.layerConfig())))
