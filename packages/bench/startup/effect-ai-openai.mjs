// Startup cost of @effect/ai-openai: import, build the client layer, first request. Prints JSON timings (ms).
const t0 = performance.now()
const AiOpenAi = await import("@effect/ai-openai/OpenAiClient")
const NodeHttpClient = await import("@effect/platform-node/NodeHttpClient")
const { Layer, ManagedRuntime, Redacted } = await import("effect")
const t1 = performance.now()
const runtime = ManagedRuntime.make(
  AiOpenAi.layer({ apiKey: Redacted.make("bench-key"), apiUrl: process.argv[2] }).pipe(
    Layer.provide(NodeHttpClient.layerUndici)
  )
)
const client = await runtime.runPromise(AiOpenAi.OpenAiClient)
const t2 = performance.now()
await runtime.runPromise(
  client.client.createChatCompletion({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
)
const t3 = performance.now()
await runtime.dispose()
console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, firstRequestMs: t3 - t2, sinceProcessStartMs: t3 }))
