// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/retries-and-timeouts.ts
import { Chat, RetryPolicy } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Schedule } from "effect"

const ask = (retryPolicy?: RetryPolicy.RetryPolicy) =>
  Chat.completions.create(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] },
    { timeout: "30 seconds", retryPolicy }
  )

// The default rules, 5 retries, none started after 20 seconds of retrying (a running attempt is not cut: for a
// bound on the whole call, totalTimeout below).
const patient = RetryPolicy.make({ maxRetries: 5 }).pipe(Schedule.upTo("20 seconds"))

// Entirely your own: retry only connection errors, 3 times, 100 ms apart.
const networkOnly: RetryPolicy.RetryPolicy = Schedule.spaced("100 millis").pipe(
  Schedule.intersect(Schedule.recurs(3)),
  Schedule.whileInput((error) => error._tag === "ConnectionError")
)

const program = Effect.gen(function*() {
  const first = yield* ask(patient)
  const second = yield* ask(networkOnly)
  yield* Console.log(first.choices[0]?.message.content, "/", second.choices[0]?.message.content)
  // Any call can be interrupted: the socket is closed, and a retry sleep ends at once.
  const raced = yield* ask().pipe(
    Effect.timeoutTo({ duration: "1 minute", onTimeout: () => "gave up", onSuccess: () => "done" })
  )
  yield* Console.log(raced)
  // At most 20 seconds in all, whatever the retries: past it, a TimeoutError of phase "total".
  const bounded = yield* Chat.completions.create(
    { model: "gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] },
    { timeout: "10 seconds", totalTimeout: "20 seconds" }
  )
  yield* Console.log(`within the budget: ${bounded.choices[0]?.message.content}`)
})

// Client-wide: a per-attempt timeout of 20 s and up to 4 retries with the default rules.
program.pipe(Effect.provide(NodeOpenAi.layerConfig({ timeout: "20 seconds", maxRetries: 4 })), NodeRuntime.runMain)
