/**
 * The benchmark server: a MockServer in its own process, so client and server never share an event loop.
 * Prints `READY <base url>` when listening; exits when stdin closes or on SIGTERM.
 */
import { MockServer } from "@effect-openai/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"

const program = Effect.gen(function*() {
  // BENCH_BUDGET_RPM: a budget the server enforces and reports, for the limiter's benchmark
  const budget = process.env.BENCH_BUDGET_RPM
  const server = yield* MockServer.make({
    apiKey: "bench-key",
    ...(budget !== undefined ? { budget: { requestsPerMinute: Number(budget) } } : {})
  })
  process.stdout.write(`READY ${server.url}\n`)
  yield* Effect.async<void>((resume) => {
    process.stdin.on("end", () => resume(Effect.void))
    process.stdin.on("close", () => resume(Effect.void))
    process.stdin.resume()
  })
}).pipe(Effect.scoped)

NodeRuntime.runMain(program)
