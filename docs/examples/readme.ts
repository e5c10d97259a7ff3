import { Chat, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { Effect } from "effect"

const program = Effect.gen(function*() {
  const { data, response } = yield* OpenAiClient.withResponse(
    Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say this is a test!" }] })
  )
  yield* Effect.log(data.choices[0]?.message.content, response.requestId, response.rateLimit.remainingTokens)
}).pipe(Effect.catchTag("RateLimitError", (e) => Effect.logWarning(`still limited after retries: ${e.message}`)))

Effect.runPromise(program.pipe(Effect.provide(NodeOpenAi.layerConfig()))) // reads OPENAI_API_KEY, ...
