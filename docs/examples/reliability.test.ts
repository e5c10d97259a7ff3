// Run: npx vitest run docs/examples/reliability.test.ts
import { Chat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { FaultProxy, MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"

const ask = Chat.completions.create({
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Say this is a test!" }]
})

describe("the client through a faulty network", () => {
  it.scopedLive("a stalled connection times out, and the retry succeeds", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      // the proxy sits between the client and the server; each connection takes the next queued fault
      const proxy = yield* FaultProxy.make(server.url)
      yield* proxy.fault({ _tag: "StallHeaders" })
      const client = NodeOpenAi.layer({
        apiKey: Redacted.make(server.apiKey),
        baseURL: proxy.url,
        timeout: "200 millis"
      })
      const completion = yield* Effect.provide(ask, client)
      expect(completion.choices[0]?.message.content).toContain("mock reply")
      const [stalled] = yield* proxy.connections
      expect(stalled?.fault?._tag).toBe("StallHeaders")
      expect(stalled?.open).toBe(false) // the client closed the stalled socket itself
    }))

  it.scopedLive("an HTML 502 without retries is an InternalServerError", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const proxy = yield* FaultProxy.make(server.url)
      yield* proxy.fault(FaultProxy.htmlError(502))
      const client = NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: proxy.url, maxRetries: 0 })
      const error = yield* Effect.flip(Effect.provide(ask, client))
      expect(error._tag).toBe("InternalServerError")
    }))
})
