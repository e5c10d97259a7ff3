// Run: npx vitest run docs/examples/testing.test.ts
import { Chat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer, OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Redacted, TestClock } from "effect"

// The code under test: any function that needs an OpenAiClient.
const summarize = (text: string) =>
  Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: `Summarize: ${text}` }] }).pipe(
    Effect.map((completion) => completion.choices[0]?.message.content ?? "")
  )

describe("summarize", () => {
  it.effect("sends the text and returns the reply", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({
        id: "chatcmpl-1",
        object: "chat.completion",
        created: 0,
        model: "gpt-4o-mini",
        choices: [{ index: 0, message: { role: "assistant", content: "Short." }, finish_reason: "stop" }]
      }))
      expect(yield* summarize("A long text")).toBe("Short.")
      const [sent] = yield* OpenAiTest.requests
      expect(sent?.body).toMatchObject({ messages: [{ content: "Summarize: A long text" }] })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("survives a 429 (the retry waits on the TestClock, not in real time)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(429, { message: "Slow down" }, { "retry-after": "20" }))
      const fiber = yield* Effect.fork(summarize("text"))
      yield* TestClock.adjust("20 seconds")
      expect(yield* Fiber.join(fiber)).toContain("Summarize: text")
      expect(yield* OpenAiTest.requests).toHaveLength(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.scopedLive("works over real sockets against MockServer", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ status: 503, headers: { "retry-after-ms": "10" } })
      const reply = yield* summarize("text").pipe(
        Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey!), baseURL: server.url }))
      )
      expect(reply).toBe("This is a mock reply to: Summarize: text")
    }))
})
