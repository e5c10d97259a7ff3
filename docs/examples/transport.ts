// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/transport.ts
// A transport wrapper that times every exchange: it keeps the Node client's declaration (HttpTransport.Declared stays
// in context) and sees each attempt's deadline, because the deadline is a FiberRef, not a property of the request.
import { Chat, HttpTransport, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Console, Duration, Effect, FiberRef, Layer } from "effect"

const timedTransport = Layer.effect(
  HttpClient.HttpClient,
  Effect.map(HttpClient.HttpClient, (inner) =>
    inner.pipe(
      // rebuilding the request (a header here) keeps the deadline: it travels with the fiber
      HttpClient.mapRequest(HttpClientRequest.setHeader("x-client", "docs-example")),
      HttpClient.transform((exchange, request) =>
        Effect.gen(function*() {
          const deadline = (yield* FiberRef.get(HttpTransport.currentAttempt))?.deadline
          const [took, response] = yield* Effect.timed(exchange)
          const left = deadline === undefined ? "none" : `${deadline - Date.now()} ms left`
          yield* Console.log(
            `${request.method} ${request.url}: ${response.status} in ${Duration.format(took)} (deadline: ${left})`
          )
          return response
        })
      )
    ))
).pipe(Layer.provideMerge(NodeOpenAi.layerHttpClient()))

const program = Effect.gen(function*() {
  const declared = yield* HttpTransport.Declared
  yield* Console.log(`declared: ${JSON.stringify(declared)}`)
  const completion = yield* Chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Say this is a test!" }]
  })
  yield* Console.log(completion.choices[0]?.message.content)
})

// the client reads OPENAI_API_KEY and OPENAI_BASE_URL; Declared and the HttpClient come from timedTransport
const client = OpenAiClient.layerConfig({ timeout: "30 seconds" }).pipe(Layer.provideMerge(timedTransport))

program.pipe(Effect.provide(client), NodeRuntime.runMain)
