import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

const call = (
  server: MockServer.Service,
  path: string,
  init: { method?: string; body?: unknown; key?: string | null; headers?: Record<string, string> } = {}
) =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { "content-type": "application/json", ...init.headers }
    if (init.key !== null) headers.authorization = `Bearer ${init.key ?? server.apiKey}`
    const response = await fetch(server.url + path, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) })
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, text }
  })

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }] }

describe("MockServer", () => {
  it.scopedLive("listens on 127.0.0.1 on an ephemeral port", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/)
      expect(server.port).toBeGreaterThan(0)
    }))

  it.scopedLive("answers chat completions deterministically with OpenAI's headers", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const first = yield* call(server, "/chat/completions", { body: chat })
      const second = yield* call(server, "/chat/completions", { body: chat })
      expect(first.status).toBe(200)
      const body = JSON.parse(first.text)
      expect(body.choices[0].message.content).toBe("This is a mock reply to: hello")
      expect(JSON.parse(second.text).choices).toStrictEqual(body.choices)
      for (
        const name of [
          "x-request-id",
          "openai-processing-ms",
          "x-ratelimit-limit-requests",
          "x-ratelimit-limit-tokens",
          "x-ratelimit-remaining-requests",
          "x-ratelimit-remaining-tokens",
          "x-ratelimit-reset-requests",
          "x-ratelimit-reset-tokens"
        ]
      ) {
        expect(first.headers.get(name), name).not.toBeNull()
      }
      expect(first.headers.get("x-request-id")).not.toBe(second.headers.get("x-request-id"))
      expect(Number(second.headers.get("x-ratelimit-remaining-requests"))).toBe(
        Number(first.headers.get("x-ratelimit-remaining-requests")) - 1
      )
    }))

  it.scopedLive("checks the API key like OpenAI, masking it in the message", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const wrong = yield* call(server, "/models", { key: "sk-wrong-0123456789abcd" })
      expect(wrong.status).toBe(401)
      const body = JSON.parse(wrong.text)
      expect(body.error.type).toBe("invalid_request_error")
      expect(body.error.code).toBe("invalid_api_key")
      expect(body.error.param).toBeNull()
      expect(body.error.message).toMatch(/^Incorrect API key provided: sk-\*+abcd\./)
      expect(wrong.text).not.toContain("sk-wrong-0123456789abcd")
      const missing = yield* call(server, "/models", { key: null })
      expect(missing.status).toBe(401)
      expect(JSON.parse(missing.text).error.message).toContain("You didn't provide an API key")
    }))

  it.scopedLive("accepts any key when apiKey is undefined", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ apiKey: undefined })
      expect((yield* call(server, "/models", { key: "anything" })).status).toBe(200)
    }))

  it.scopedLive("answers bad requests and unknown routes as OpenAI does", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const noMessages = yield* call(server, "/chat/completions", { body: { model: "gpt-4o-mini" } })
      expect(noMessages.status).toBe(400)
      expect(JSON.parse(noMessages.text).error).toMatchObject({ param: "messages", code: "missing_required_parameter" })
      const unknownModel = yield* call(server, "/chat/completions", { body: { ...chat, model: "gpt-0" } })
      expect(unknownModel.status).toBe(404)
      expect(JSON.parse(unknownModel.text).error.code).toBe("model_not_found")
      const route = yield* call(server, "/nothing-here")
      expect(route.status).toBe(404)
      expect(JSON.parse(route.text).error.message).toBe("Invalid URL (GET /v1/nothing-here)")
    }))

  it.scopedLive("injects queued faults in order, honouring their path", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault(
        { path: "/chat/completions", status: 429, headers: { "retry-after": "1" } },
        { status: 503, body: "<html>Service Unavailable</html>" }
      )
      const models = yield* call(server, "/models")
      expect(models.status).toBe(503)
      expect(models.headers.get("content-type")).toContain("text/html")
      expect(models.text).toBe("<html>Service Unavailable</html>")
      const limited = yield* call(server, "/chat/completions", { body: chat })
      expect(limited.status).toBe(429)
      expect(limited.headers.get("retry-after")).toBe("1")
      expect(JSON.parse(limited.text).error.code).toBe("rate_limit_exceeded")
      expect((yield* call(server, "/chat/completions", { body: chat })).status).toBe(200)
    }))

  it.scopedLive("takes a per-request fault from the x-mock-fault header", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const reply = yield* call(server, "/models", {
        headers: { [MockServer.faultHeader]: JSON.stringify({ status: 500, error: { message: "boom" } }) }
      })
      expect(reply.status).toBe(500)
      expect(JSON.parse(reply.text).error.message).toBe("boom")
      const [served] = yield* server.requests
      expect(served!.fault).toStrictEqual({ status: 500, error: { message: "boom" } })
    }))

  it.scopedLive("drops the connection when asked", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault({ drop: true })
      const result = yield* Effect.either(Effect.tryPromise(() => fetch(server.url + "/models")))
      expect(result._tag).toBe("Left")
      const [served] = yield* server.requests
      expect(served!.outcome).toBe("dropped")
    }))
})
