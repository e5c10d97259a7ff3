// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/getting-started.ts
import { Chat, Models, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"

const program = Effect.gen(function*() {
  // A chat completion
  const completion = yield* Chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "developer", content: "Answer in one short sentence." },
      { role: "user", content: "Say this is a test!" }
    ],
    temperature: 0.7
  })
  yield* Console.log(completion.choices[0]?.message.content)

  // The same call with its response metadata
  const { data, response } = yield* OpenAiClient.withResponse(
    Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hello" }] })
  )
  yield* Console.log(`${data.id}: request id ${response.requestId}, ${response.processingMs} ms`)
  yield* Console.log(`tokens left this minute: ${response.rateLimit.remainingTokens}`)

  // Per-call options: timeout, retries, extra headers and query parameters
  const models = yield* Models.list({ timeout: "10 seconds", maxRetries: 0, headers: { "X-Trace": "docs" } })
  yield* Console.log(`${models.data.length} models, e.g. ${models.data[0]?.id}`)
})

// OPENAI_API_KEY is required; OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID are read when set.
program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
