// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/batch-stream.ts
// A stream of requests run as Batch jobs: results come back decoded and matched by custom_id.
import { BatchStream, Chat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Schedule, Stream } from "effect"

const questions = ["What is the capital of France?", "What color is the sky?", "How many legs has a spider?"]

// against a local mock server batches end in milliseconds; against the API, in minutes to hours
const local = process.env.OPENAI_BASE_URL?.includes("127.0.0.1") === true

const program = BatchStream.run(
  Stream.fromIterable(questions.map((question, i) => ({
    custom_id: `q${i}`,
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: question }] }
  }))),
  {
    endpoint: "/v1/chat/completions",
    schema: Chat.ChatCompletion,
    maxRequests: 2, // two batches here; the API takes up to 50,000 requests a batch
    poll: local ? Schedule.spaced("10 millis") : Schedule.spaced("30 seconds"),
    // record each batch: after a crash, BatchStream.resume(id, { schema }) picks it up where it is
    onBatch: (batch) => Console.log(`batch ${batch.id} created`)
  }
).pipe(
  Stream.runForEach((result) =>
    result._tag === "Success"
      ? Console.log(`${result.custom_id}: ${result.body.choices[0]?.message.content}`)
      : Console.log(`${result.custom_id} failed: ${result.code} ${result.message}`)
  )
)

NodeRuntime.runMain(program.pipe(Effect.provide(NodeOpenAi.layerConfig())))
