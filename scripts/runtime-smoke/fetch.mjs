// The core over @effect/platform's FetchHttpClient, as Bun, Deno (and browsers, workers) use it: a chat completion
// and a streamed one against the MockServer named by MOCK_SERVER (`{ url, apiKey }`). Plain ESM, no Node APIs, so
// the same file runs on Node, Bun and Deno.
import { Chat, OpenAiClient } from "@effect-openai/core"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Stream } from "effect"

/* global Bun, Deno */

const { apiKey, url } = JSON.parse(typeof Deno !== "undefined" ? Deno.env.get("MOCK_SERVER") : process.env.MOCK_SERVER)
const runtime = typeof Deno !== "undefined"
  ? `Deno ${Deno.version.deno}`
  : typeof Bun !== "undefined"
  ? `Bun ${Bun.version}`
  : `Node ${process.version}`

const client = OpenAiClient.layer({ apiKey: Redacted.make(apiKey), baseURL: url }).pipe(
  Layer.provide(FetchHttpClient.layer)
)
const params = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say this is a test!" }] }
const expected = "This is a mock reply to: Say this is a test!"

const program = Effect.gen(function*() {
  const { data, response } = yield* OpenAiClient.withResponse(Chat.completions.create(params))
  if (data.choices[0].message.content !== expected) throw new Error(`unexpected reply: ${JSON.stringify(data)}`)
  if (!response.requestId) throw new Error("no request id")
  const streamed = yield* Stream.run(Chat.completions.stream(params), Chat.accumulate)
  if (streamed.choices[0].message.content !== expected) throw new Error(`unexpected stream: ${JSON.stringify(streamed)}`)
  return `chat completion and stream over FetchHttpClient (${response.requestId})`
}).pipe(Effect.provide(client))

console.log(`${runtime}:`, await Effect.runPromise(program))
