/**
 * A short tour of effect-openai: a chat completion, its request id and rate limits, an AuthenticationError
 * caught by tag, a 429 retried automatically, and a reply streamed token by token.
 *
 * With OPENAI_API_KEY set it talks to the real API; without it, it starts the embedded MockServer.
 */
import { Chat, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

const model = process.env.OPENAI_MODEL ?? "gpt-4o-mini"
const messages = [{ role: "user", content: "Say this is a test!" }] as const

const section = (title: string) => Console.log(`\n== ${title}`)

interface Target {
  readonly client: Layer.Layer<OpenAiClient.OpenAiClient, unknown>
  readonly baseURL: string
  /** The embedded server, when there is no real API key. */
  readonly server?: MockServer.Service
}

const tour = (target: Target) =>
  Effect.gen(function*() {
    yield* section("1. A chat completion")
    const { data, response } = yield* OpenAiClient.withResponse(Chat.completions.create({ model, messages }))
    yield* Console.log(`model:   ${data.model}`)
    yield* Console.log(`reply:   ${data.choices[0]?.message.content}`)
    yield* Console.log(
      `usage:   ${data.usage?.prompt_tokens} prompt + ${data.usage?.completion_tokens} completion tokens`
    )

    yield* section("2. Its request id and rate-limit headers")
    const limits = response.rateLimit
    yield* Console.log(`x-request-id:          ${response.requestId}`)
    yield* Console.log(`openai-processing-ms:  ${response.processingMs}`)
    yield* Console.log(`requests remaining:    ${limits.remainingRequests} of ${limits.limitRequests}`)
    yield* Console.log(`tokens remaining:      ${limits.remainingTokens} of ${limits.limitTokens}`)
    yield* Console.log(
      `resets in:             requests ${format(limits.resetRequests)}, tokens ${format(limits.resetTokens)}`
    )

    yield* section("3. A wrong API key, caught by tag")
    const outcome = yield* Chat.completions.create({ model, messages }).pipe(
      Effect.as("unexpectedly succeeded"),
      Effect.catchTag(
        "AuthenticationError",
        (error) =>
          Effect.succeed(`AuthenticationError ${error.status} (${error.code ?? "no code"}): ${error.error?.message}`)
      ),
      Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make("not-a-valid-key"), baseURL: target.baseURL }))
    )
    yield* Console.log(outcome)

    yield* section("4. A reply streamed token by token")
    // the mock answers at once: pace its chunks so the streaming shows
    if (target.server !== undefined) yield* target.server.fault({ path: "/chat/completions", stream: { interval: 40 } })
    const streamed = yield* Chat.completions.stream({
      model,
      messages: [{ role: "user", content: "Count from one to ten, in words." }],
      stream_options: { include_usage: true }
    }).pipe(
      Stream.tap((chunk) => {
        const delta = chunk.choices[0]?.delta.content
        return delta ? Effect.sync(() => process.stdout.write(delta)) : Effect.void
      }),
      Stream.run(Chat.accumulate)
    )
    yield* Console.log(
      `\n(${streamed.usage?.completion_tokens ?? "?"} tokens, finish: ${streamed.choices[0]?.finish_reason})`
    )
  }).pipe(Effect.provide(target.client))

const format = (duration: Duration.Duration | undefined) => duration === undefined ? "-" : Duration.format(duration)

const retried429 = Effect.gen(function*() {
  yield* section("5. A 429 retried automatically (always against the local MockServer)")
  const server = yield* MockServer.make()
  yield* server.fault({ status: 429, headers: { "retry-after-ms": "300" } })
  const started = Date.now()
  const completion = yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(
    Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }))
  )
  const served = yield* server.requests
  yield* Console.log(`attempts: ${served.map((request) => request.fault?.status ?? 200).join(" -> ")}`)
  yield* Console.log(`waited as retry-after-ms asked, succeeded after ${Date.now() - started} ms`)
  yield* Console.log(`reply:    ${completion.choices[0]?.message.content}`)
}).pipe(Effect.scoped)

const main = Effect.gen(function*() {
  if (process.env.OPENAI_API_KEY !== undefined && process.env.OPENAI_API_KEY.trim() !== "") {
    yield* Console.log("OPENAI_API_KEY is set: talking to the real OpenAI API.")
    const baseURL = process.env.OPENAI_BASE_URL ?? "https://api.openai.com/v1"
    yield* tour({ client: NodeOpenAi.layerConfig(), baseURL })
  } else {
    const server = yield* MockServer.make()
    yield* Console.log(`OPENAI_API_KEY is not set: using the embedded MockServer at ${server.url}`)
    yield* tour({
      client: NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }),
      baseURL: server.url,
      server
    })
  }
  yield* retried429
  yield* Console.log("\nDone.")
}).pipe(Effect.scoped)

NodeRuntime.runMain(main)
