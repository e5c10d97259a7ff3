// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/rate-limits.ts
// With REDIS_URL=redis://127.0.0.1:6379 the budget is shared by every process that uses that Redis.
// A burst of calls under a budget: the limiter holds back what the budget has no room for, instead of the API
// answering 429s.
import { Chat, RateLimit } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { RedisBudgetStore } from "@effect-openai/redis"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"

// 1. Budgets per model ("*" for the others); what is not configured is learned from the API's x-ratelimit headers
const options: RateLimit.Options = {
  budgets: { "gpt-4o-mini": { requestsPerMinute: 600, tokensPerMinute: 200_000 } },
  concurrency: 32,
  countTokens: "characters" // or "tokenizer" (exact, with the gpt-tokenizer package installed)
}

// 2. Kept in this process, or in Redis for every replica
const redisUrl = process.env.REDIS_URL
const Budget = redisUrl === undefined
  ? RateLimit.layerMemory(options)
  : RateLimit.layer(options).pipe(Layer.provide(RedisBudgetStore.layer({ url: redisUrl })))

// 3. Provided to the client's layer: every call through it waits for its budget before it is sent
const OpenAi = NodeOpenAi.layerConfig({ maxRetries: 0 }).pipe(Layer.provide(Budget))

const program = Effect.gen(function*() {
  const started = Date.now()
  const outcomes = yield* Effect.forEach(
    Array.from({ length: 610 }, (_, i) => i),
    (i) =>
      Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `Question ${i}` }] }).pipe(
        Effect.as("answered"),
        Effect.catchTag("RateLimitError", () => Effect.succeed("429"))
      ),
    { concurrency: "unbounded" }
  )
  const answered = outcomes.filter((outcome) => outcome === "answered").length
  // 600 at once, the 10 beyond the budget as it refills (10 a second): about a second in all
  yield* Console.log(`${answered} answered, ${outcomes.length - answered} rate-limited, in ${Date.now() - started} ms`)
})

NodeRuntime.runMain(program.pipe(Effect.provide(OpenAi)))
