// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/migrating.ts
// One section per row of docs/migrating-from-openai.md; each prints a line.
import type { OpenAiError } from "@effect-openai/core"
import { Chat, Embeddings, Models, OpenAiClient, Operation, RetryPolicy } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer, OpenAiTest } from "@effect-openai/testing"
import { Console, Effect, Exit, ManagedRuntime, Redacted, Schedule, Stream } from "effect"

const ask = (content: string): Chat.ChatCompletionCreateParams => ({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content }]
})

// --- 1. new OpenAI({ ... }) → a layer, provided once
// Reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID, as `new OpenAI()` does; options win.
const OpenAi = NodeOpenAi.layerConfig({ maxRetries: 3, timeout: "20 seconds" })

// Or every option in code, as in `new OpenAI({ apiKey, baseURL, organization, project, maxRetries, timeout })`
const explicit = NodeOpenAi.layer({
  apiKey: Redacted.make(process.env.OPENAI_API_KEY ?? ""),
  baseURL: process.env.OPENAI_BASE_URL, // undefined: https://api.openai.com/v1
  organization: process.env.OPENAI_ORG_ID,
  project: process.env.OPENAI_PROJECT_ID,
  maxRetries: 3, // default 2
  timeout: 20_000 // per attempt: milliseconds, or a Duration such as "20 seconds"; default 10 minutes
})

// Promise-based code runs effects through a runtime that holds the client, as it held `const client = new OpenAI()`
const runtime = ManagedRuntime.make(OpenAi)

const explicitClient = Models.list().pipe(
  Effect.provide(explicit),
  Effect.flatMap((models) => Console.log(`client: ${models.data.length} models through the explicit layer`))
)
await runtime.runPromise(explicitClient)

// --- 2. client.chat.completions.create(...) → Chat.completions.create(...)
const resources = Effect.gen(function*() {
  const completion = yield* Chat.completions.create(ask("Say this is a test!"))
  const model = yield* Models.retrieve("gpt-4o-mini")
  yield* Console.log(`create: ${completion.choices[0]?.message.content} (model ${model.id})`)
})
await runtime.runPromise(resources)

// --- 3. _request_id, .withResponse(), .asResponse() → OpenAiClient.withResponse, error.requestId
const requestIds = Effect.gen(function*() {
  const { data, response } = yield* OpenAiClient.withResponse(Chat.completions.create(ask("Hello")))
  const failed = yield* Models.retrieve("no-such-model").pipe(
    Effect.as("no error"),
    Effect.catchTag("NotFoundError", (error) => Effect.succeed(`${error.status} ${error.requestId}`))
  )
  // the headers and the unparsed body, as .asResponse() gives them: an operation whose response is text
  const raw = yield* OpenAiClient.withResponse(
    OpenAiClient.request({ name: "models.list", method: "GET", path: "/models", response: Operation.textResponse })
  )
  yield* Console.log(
    `request id: ${data.object} ${response.requestId}, failed ${failed}, ` +
      `raw ${raw.response.status} ${raw.response.headers["content-type"]} (${raw.data.length} characters)`
  )
})
await runtime.runPromise(requestIds)

// --- 4. try/catch with instanceof OpenAI.AuthenticationError → Effect.catchTag / catchTags
const errors = Chat.completions.create(ask("Hi")).pipe(
  Effect.provide(NodeOpenAi.layerConfig({ apiKey: Redacted.make("sk-not-a-valid-key") })),
  Effect.as("no error"),
  Effect.catchTags({
    AuthenticationError: (error) => Effect.succeed(`AuthenticationError ${error.status} (request ${error.requestId})`),
    RateLimitError: (error) => Effect.succeed(error.isInsufficientQuota ? "out of quota" : "rate limited")
  }),
  Effect.flatMap((outcome) => Console.log(`errors: ${outcome}`))
)
await runtime.runPromise(errors)

// --- 5. for await (const chunk of stream) → a Stream
const streaming = Chat.completions.stream(ask("Write a haiku about streams.")).pipe(
  Chat.textDeltas,
  Stream.runFold("", (text, delta) => text + delta),
  Effect.flatMap((text) => Console.log(`stream: ${text}`))
)
await runtime.runPromise(streaming)

// Code that wants an AsyncIterable or a ReadableStream: convert the Stream with the runtime that has the client
const context = await runtime.runtime()
let counted = ""
for await (const chunk of Stream.toAsyncIterableRuntime(Chat.completions.stream(ask("Count to five.")), context)) {
  counted += chunk.choices[0]?.delta.content ?? ""
}
console.log(`for await: ${counted}`)

const body = Stream.toReadableStreamRuntime(
  Chat.completions.stream(ask("Say hello.")).pipe(Chat.textDeltas, Stream.encodeText),
  context
)
console.log(`readable stream: ${await new Response(body).text()}`)

// --- 6. AbortController, break, stream.controller.abort() → interruption; the socket is closed
for await (const chunk of Stream.toAsyncIterableRuntime(Chat.completions.stream(ask("Count to ten.")), context)) {
  console.log(`break: stopped after the first ${chunk.object}`)
  break // interrupts the stream
}

const controller = new AbortController()
const stopped = await runtime.runPromiseExit(
  Chat.completions.stream(ask("Count to twenty.")).pipe(
    Stream.tap(() => Effect.sync(() => controller.abort())), // e.g. the user pressed "stop"
    Stream.runCount
  ),
  { signal: controller.signal }
)
console.log(`abort: ${Exit.isInterrupted(stopped) ? "interrupted" : "not interrupted"}`)

// --- 7. per-request { maxRetries, timeout } → per-call options; your own RetryPolicy (a Schedule)
const logged = RetryPolicy.make({ maxRetries: 5 }).pipe(
  Schedule.tapInput((error: OpenAiError.OpenAiError) => Console.log(`per call: retrying after ${error._tag}`))
)

const perCall = Effect.gen(function*() {
  const completion = yield* Chat.completions.create(ask("Hi"), { maxRetries: 5, timeout: 5_000 })
  const embedding = yield* Embeddings.create(
    { model: "text-embedding-3-small", input: "Hi" },
    { timeout: "5 seconds", retryPolicy: logged }
  )
  yield* Console.log(
    `per call: ${completion.choices[0]?.message.content}, ${embedding.data[0]?.embedding.length} dimensions`
  )
})
await runtime.runPromise(perCall)

// --- 8. mocking fetch, nock → OpenAiTest.layer() in memory, MockServer over real sockets
const inMemory = Effect.gen(function*() {
  yield* OpenAiTest.reply(OpenAiTest.chatCompletion("Scripted."))
  const completion = yield* Chat.completions.create(ask("Hi"))
  const [sent] = yield* OpenAiTest.requests
  yield* Console.log(`test layer: ${completion.choices[0]?.message.content} (${sent?.method} ${sent?.path})`)
}).pipe(Effect.provide(OpenAiTest.layer()))
await Effect.runPromise(inMemory)

const overSockets = Effect.gen(function*() {
  const server = yield* MockServer.make()
  yield* server.fault({ status: 429, error: { code: "insufficient_quota", message: "You exceeded your quota." } })
  const outcome = yield* Chat.completions.create(ask("Hi")).pipe(
    Effect.as("no error"),
    Effect.catchTag("RateLimitError", (error) => Effect.succeed(`RateLimitError, quota: ${error.isInsufficientQuota}`)),
    Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }))
  )
  yield* Console.log(`mock server: ${outcome}`)
}).pipe(Effect.scoped)
await Effect.runPromise(overSockets)

await runtime.dispose()
