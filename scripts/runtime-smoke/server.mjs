// A MockServer for the runtime smoke: prints `{ url, apiKey }` as one JSON line, then serves until it is killed.
import { MockServer } from "@effect-openai/testing"
import { Effect } from "effect"

Effect.runFork(Effect.scoped(Effect.gen(function*() {
  const server = yield* MockServer.make()
  console.log(JSON.stringify({ url: server.url, apiKey: server.apiKey }))
  return yield* Effect.never
})))
