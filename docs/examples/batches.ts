// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/batches.ts
// The Batch API: requests as a JSONL file, a batch polled with a Schedule until it ends, results by custom_id.
import { Batches, Files, Multipart } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Schedule } from "effect"

const questions = { capital: "What is the capital of France?", color: "What color is the sky?" }

const program = Effect.gen(function*() {
  const jsonl = Object.entries(questions).map(([id, question]) =>
    JSON.stringify({
      custom_id: id,
      method: "POST",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: question }] }
    })
  ).join("\n")
  const input = yield* Files.create({ file: Multipart.file(jsonl, { filename: "questions.jsonl" }), purpose: "batch" })
  const batch = yield* Batches.create({
    input_file_id: input.id,
    endpoint: "/v1/chat/completions",
    completion_window: "24h"
  })
  yield* Console.log(`batch ${batch.id}: ${batch.status}`)

  // poll until the batch ends: a Schedule that recurs while the batch runs, 10 s apart (batches take minutes to
  // hours; against a local mock server, 10 ms), and returns the last batch it saw
  const ended = new Set(["completed", "failed", "expired", "cancelled"])
  const interval = process.env.OPENAI_BASE_URL?.includes("127.0.0.1") ? "10 millis" : "10 seconds"
  const whileRunning = Schedule.recurWhile<Batches.Batch>((current) => !ended.has(current.status)).pipe(
    Schedule.addDelay(() => interval)
  )
  const done = yield* Batches.retrieve(batch.id).pipe(
    Effect.tap((current) => Console.log(`status: ${current.status}`)),
    Effect.repeat(whileRunning)
  )
  yield* Console.log(`${done.request_counts?.completed} of ${done.request_counts?.total} requests completed`)

  // one result per line, matched back by custom_id
  if (done.output_file_id) {
    const output = new TextDecoder().decode(yield* Files.content(done.output_file_id))
    for (const line of output.trim().split("\n")) {
      const result = JSON.parse(line)
      yield* Console.log(`${result.custom_id}: ${result.response.body.choices[0].message.content}`)
    }
  }
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
