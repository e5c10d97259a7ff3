// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/errors.ts
import { Chat, Models } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Redacted } from "effect"

const ask = Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })

const program = Effect.gen(function*() {
  // Catch one error by tag; the others stay in the error channel, typed.
  const model = yield* Models.retrieve("no-such-model").pipe(
    Effect.map((found) => found.id),
    Effect.catchTag("NotFoundError", (error) => Effect.succeed(`not found (${error.code}, request ${error.requestId})`))
  )
  yield* Console.log(`retrieve: ${model}`)

  // Several tags at once
  const reply = yield* ask.pipe(
    Effect.map((completion) => completion.choices[0]?.message.content ?? ""),
    Effect.catchTags({
      RateLimitError: (error) =>
        Effect.succeed(error.isInsufficientQuota ? "out of quota: check billing" : "rate limited after retries"),
      TimeoutError: () => Effect.succeed("timed out"),
      ConnectionError: (error) => Effect.succeed(`network: ${error.message}`)
    })
  )
  yield* Console.log(`reply: ${reply}`)

  // A wrong key: AuthenticationError, and the message never contains the key
  const denied = yield* Effect.flip(
    ask.pipe(Effect.provide(NodeOpenAi.layerConfig({ apiKey: Redacted.make("not-a-valid-key") })))
  )
  yield* Console.log(`${denied._tag}: ${denied.message}`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
