// Startup cost of bare undici.request: import, agent, first request. Prints JSON timings (ms).
const t0 = performance.now()
const { Agent } = await import("undici")
const t1 = performance.now()
const agent = new Agent()
const url = new URL(process.argv[2])
const t2 = performance.now()
const response = await agent.request({
  origin: url.origin,
  path: `${url.pathname}/chat/completions`,
  method: "POST",
  headers: { authorization: "Bearer bench-key", "content-type": "application/json" },
  body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
})
await response.body.json()
const t3 = performance.now()
await agent.close()
console.log(JSON.stringify({ importMs: t1 - t0, buildMs: t2 - t1, firstRequestMs: t3 - t2, sinceProcessStartMs: t3 }))
