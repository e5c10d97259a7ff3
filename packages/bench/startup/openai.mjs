// Startup cost of the official SDK: import, construct the client, first request. Prints JSON timings (ms).
const t0 = performance.now()
const { default: OpenAI } = await import("openai")
const t1 = performance.now()
const client = new OpenAI({ apiKey: "bench-key", baseURL: process.argv[2] })
const t2 = performance.now()
await client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
const t3 = performance.now()
console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, firstRequestMs: t3 - t2, sinceProcessStartMs: t3 }))
