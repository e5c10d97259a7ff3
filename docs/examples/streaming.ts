// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/streaming.ts
import { Chat, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Stream } from "effect"

const params = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Write a haiku about streams." }],
  stream_options: { include_usage: true }
} as const

const program = Effect.gen(function*() {
  // 1. Token by token: the text deltas of the first choice
  yield* Chat.completions.stream(params).pipe(
    Chat.textDeltas,
    Stream.runForEach((delta) => Effect.sync(() => process.stdout.write(delta)))
  )
  process.stdout.write("\n")

  // 2. The final ChatCompletion, accumulated from the chunks (tool calls merged, usage kept)
  const completion = yield* Stream.run(Chat.completions.stream(params), Chat.accumulate)
  yield* Console.log(`finish: ${completion.choices[0]?.finish_reason}, tokens: ${completion.usage?.total_tokens}`)

  // 3. The request id and rate limits, as soon as the response headers arrive
  yield* Chat.completions.stream(params, { idleTimeout: "30 seconds" }).pipe(
    OpenAiClient.withStreamResponse((response) => Console.log(`request id: ${response.requestId}`)),
    Stream.take(2), // stopping early closes the connection
    Stream.runDrain
  )

  // 4. Failures are typed: StreamError (error event, malformed event, truncation), TimeoutError (idle), ...
  const outcome = yield* Chat.completions.stream(params).pipe(
    Stream.runDrain,
    Effect.as("complete"),
    Effect.catchTags({
      StreamError: (error) => Effect.succeed(`stream failed (${error.reason}): ${error.message}`),
      TimeoutError: (error) => Effect.succeed(`stalled: ${error.message}`)
    })
  )
  yield* Console.log(outcome)

  // 5. Opened before committing to a status (a proxy answering its own client): the effect fails with the typed
  // error (429, 401, timeout, an error event) before any chunk, or succeeds with the stream of every chunk
  const status = yield* Effect.scoped(
    Chat.completions.openStream(params).pipe(
      Effect.flatMap((chunks) => Stream.runDrain(chunks)),
      Effect.as("opened: 200"),
      Effect.catchTags({
        RateLimitError: (error) => Effect.succeed(`would answer 429: ${error.message}`),
        AuthenticationError: () => Effect.succeed("would answer 502")
      })
    )
  )
  yield* Console.log(status)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
