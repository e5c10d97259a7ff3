import { Chat, Models, OpenAiClient } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { awaitRequests, messages, recordSpans, requestCount } from "./utils.js"

const create = Chat.completions.create({ model: "gpt-4o-mini", messages, temperature: 0.7 })

const withEnv = (env: Record<string, string>) =>
  Layer.setConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env))))

describe("OpenAiClient", () => {
  it.effect("sends auth, organization, project, user agent, content type and the body as written", () =>
    Effect.gen(function*() {
      yield* create
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.method).toBe("POST")
      expect(sent!.url).toBe("https://api.openai.com/v1/chat/completions")
      expect(sent!.headers["authorization"]).toBe("Bearer test-api-key")
      expect(sent!.headers["openai-organization"]).toBe("org-123")
      expect(sent!.headers["openai-project"]).toBe("proj_456")
      expect(sent!.headers["user-agent"]).toMatch(/^effect-openai\/\d+\.\d+\.\d+/)
      expect(sent!.headers["content-type"]).toBe("application/json")
      expect(sent!.headers["accept"]).toBe("application/json")
      expect(sent!.bodyText).toBe(
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Say this is a test!\"}],\"temperature\":0.7}"
      )
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { organization: "org-123", project: "proj_456" } }))))

  it.effect("leaves out the organization and project headers when not configured", () =>
    Effect.gen(function*() {
      yield* Models.list()
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.method).toBe("GET")
      expect(sent!.headers["openai-organization"]).toBeUndefined()
      expect(sent!.headers["openai-project"]).toBeUndefined()
      expect(sent!.bodyText).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("merges default headers and query with per-call ones; null removes a default header", () =>
    Effect.gen(function*() {
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages }, {
        headers: { "X-Call": "1", "x-team": null },
        query: { "api-version": "2025-01-01", skip: undefined }
      })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["x-default"]).toBe("yes")
      expect(sent!.headers["x-call"]).toBe("1")
      expect(sent!.headers["x-team"]).toBeUndefined()
      expect(sent!.query).toStrictEqual({ tenant: "acme", "api-version": "2025-01-01" })
      expect(sent!.url).toBe("https://api.openai.com/v1/chat/completions?tenant=acme&api-version=2025-01-01")
    }).pipe(Effect.provide(OpenAiTest.layer({
      client: {
        defaultHeaders: { "X-Default": "yes", "X-Team": "red" },
        defaultQuery: { tenant: "acme", "api-version": "2024-01-01" }
      }
    }))))

  it.effect("a per-call header can override authorization-free defaults such as the user agent", () =>
    Effect.gen(function*() {
      yield* Models.list({ headers: { "User-Agent": "my-app/1.0" } })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["user-agent"]).toBe("my-app/1.0")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("uses the base URL, trailing slash or not", () =>
    Effect.gen(function*() {
      yield* Models.retrieve("ft:gpt-4o-mini:acme:custom/1")
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe("http://localhost:8080/proxy/v1/models/ft%3Agpt-4o-mini%3Aacme%3Acustom%2F1")
    }).pipe(
      Effect.flip,
      Effect.provide(OpenAiTest.layer({ client: { baseURL: "http://localhost:8080/proxy/v1/" } }))
    ))

  it.effect("withResponse returns the request id, processing time and rate limits", () =>
    Effect.gen(function*() {
      const { data, response } = yield* OpenAiClient.withResponse(create)
      expect(data.choices[0]!.message.content).toBe("This is a mock reply to: Say this is a test!")
      expect(response.status).toBe(200)
      expect(response.requestId).toMatch(/^req_/)
      expect(response.processingMs).toBeGreaterThan(0)
      expect(response.headers["openai-version"]).toBe("2020-10-01")
      expect(response.rateLimit.limitRequests).toBe(10_000)
      expect(response.rateLimit.remainingRequests).toBe(9_999)
      expect(response.rateLimit.limitTokens).toBe(30_000_000)
      expect(response.rateLimit.remainingTokens).toBe(30_000_000 - data.usage!.total_tokens)
      expect(Duration.toMillis(response.rateLimit.resetRequests!)).toBe(6)
      expect(Duration.toMillis(response.rateLimit.resetTokens!)).toBe(62_500)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("withResponse reports the response that succeeded after retries", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500, {}, { "x-request-id": "req_failed", "retry-after-ms": "0" }))
      const { response } = yield* OpenAiClient.withResponse(create)
      expect(response.requestId).not.toBe("req_failed")
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("decodes a response with a new field and a new finish_reason, keeping both", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({
        id: "chatcmpl-new",
        object: "chat.completion",
        created: 1,
        model: "gpt-6",
        brand_new_field: { nested: [1, 2, 3] },
        choices: [{
          index: 0,
          message: { role: "assistant", content: "hi", reasoning_trace: "kept" },
          logprobs: null,
          finish_reason: "paused_for_thought"
        }]
      }))
      const completion = yield* create
      expect(completion.choices[0]!.finish_reason).toBe("paused_for_thought")
      expect((completion as unknown as Record<string, unknown>).brand_new_field).toStrictEqual({ nested: [1, 2, 3] })
      expect((completion.choices[0]!.message as unknown as Record<string, unknown>).reasoning_trace).toBe("kept")
      expect(completion.usage).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("Models decode a shutdown date as the API sends it: a date string or null", () =>
    Effect.gen(function*() {
      const model = { id: "gpt-old", object: "model", created: 1686935002, owned_by: "openai" }
      yield* OpenAiTest.reply(
        OpenAiTest.json({
          object: "list",
          data: [{ ...model, shutdown_date: "2026-10-23" }, { ...model, id: "gpt-new", shutdown_date: null }]
        }),
        OpenAiTest.json({ ...model, shutdown_date: "2026-10-23" })
      )
      const page = yield* Models.list()
      expect(page.data.map((item) => item.shutdown_date)).toStrictEqual(["2026-10-23", null])
      expect((yield* Models.retrieve("gpt-old")).shutdown_date).toBe("2026-10-23")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("Models.list, retrieve and delete hit their paths", () =>
    Effect.gen(function*() {
      const page = yield* Models.list()
      expect(page.data.map((model) => model.id)).toContain("gpt-4o-mini")
      const model = yield* Models.retrieve("gpt-4o-mini")
      expect(model).toMatchObject({ id: "gpt-4o-mini", object: "model", owned_by: "system" })
      const missing = yield* Effect.flip(Models.retrieve("gpt-nope"))
      expect(missing._tag).toBe("NotFoundError")
      if (missing._tag === "NotFoundError") expect(missing.code).toBe("model_not_found")
      yield* OpenAiTest.reply(OpenAiTest.json({ id: "ft:gpt-4o-mini:acme::1", object: "model", deleted: true }))
      const deleted = yield* Models.delete("ft:gpt-4o-mini:acme::1")
      expect(deleted.deleted).toBe(true)
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => `${request.method} ${request.path}`)).toStrictEqual([
        "GET /models",
        "GET /models/gpt-4o-mini",
        "GET /models/gpt-nope",
        "DELETE /models/ft%3Agpt-4o-mini%3Aacme%3A%3A1"
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("interrupting a call aborts its request", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.delay("1 minute"))
      const fiber = yield* Effect.fork(create)
      const [sent] = yield* awaitRequests(1)
      expect(sent!.signal.aborted).toBe(false)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("tracing", () => {
  it.effect("one span per operation, `{operation} {model}`, with the model and request id", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      const { response } = yield* OpenAiClient.withResponse(create).pipe(Effect.withTracer(tracer))
      const span = spans.find((candidate) => candidate.name === "chat gpt-4o-mini")
      expect(span).toBeDefined()
      expect(span!.kind).toBe("client")
      expect(span!.attributes.get("gen_ai.request.model")).toBe("gpt-4o-mini")
      expect(span!.attributes.get("gen_ai.operation.name")).toBe("chat")
      expect(span!.attributes.get("openai.request_id")).toBe(response.requestId)
      expect(spans.filter((candidate) => candidate.attributes.get("gen_ai.provider.name") === "openai")).toHaveLength(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the API key never appears in span attributes", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* create.pipe(Effect.withTracer(tracer))
      const values = spans.flatMap((span) => [...span.attributes.values()].map(String))
      expect(values.length).toBeGreaterThan(0)
      expect(values.some((value) => value.includes("test-api-key"))).toBe(false)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("does not send trace propagation headers by default", () =>
    Effect.gen(function*() {
      yield* create.pipe(Effect.withSpan("parent"))
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["traceparent"]).toBeUndefined()
      expect(sent!.headers["b3"]).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("sends them when propagateTraceContext is on", () =>
    Effect.gen(function*() {
      yield* create.pipe(Effect.withSpan("parent"))
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["traceparent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { propagateTraceContext: true } }))))
})

describe("configuration", () => {
  const clientFromEnv = (env: Record<string, string>, options?: Partial<OpenAiClient.Options>) =>
    OpenAiClient.layerConfig(options).pipe(
      Layer.provideMerge(OpenAiTest.layerHttpClient()),
      Layer.provide(withEnv(env))
    )

  it.effect("reads OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_ORG_ID and OPENAI_PROJECT_ID", () =>
    Effect.gen(function*() {
      yield* Models.list()
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.url).toBe("http://127.0.0.1:9/v1/models")
      expect(sent!.headers["authorization"]).toBe("Bearer env-key")
      expect(sent!.headers["openai-organization"]).toBe("org-env")
      expect(sent!.headers["openai-project"]).toBe("proj-env")
    }).pipe(Effect.provide(clientFromEnv({
      OPENAI_API_KEY: "env-key",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_ORG_ID: "org-env",
      OPENAI_PROJECT_ID: "proj-env"
    }))))

  it.effect("options given in code win over the environment; empty variables count as unset", () =>
    Effect.gen(function*() {
      const client = yield* OpenAiClient.OpenAiClient
      expect(client.baseURL).toBe("https://api.openai.com/v1")
      yield* Models.list()
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["authorization"]).toBe("Bearer code-key")
      expect(sent!.headers["openai-organization"]).toBe("org-code")
      expect(sent!.headers["openai-project"]).toBeUndefined()
    }).pipe(Effect.provide(clientFromEnv(
      { OPENAI_API_KEY: "env-key", OPENAI_BASE_URL: "", OPENAI_ORG_ID: "org-env", OPENAI_PROJECT_ID: " " },
      { apiKey: Redacted.make("code-key"), organization: "org-code" }
    ))))

  it.effect("a missing OPENAI_API_KEY fails the layer with a ConfigError naming it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.provide(Models.list(), clientFromEnv({})))
      expect(error._tag).toBe("ConfigError")
      expect(String(error)).toContain("OPENAI_API_KEY")
      const requests = yield* Effect.provide(OpenAiTest.requests, OpenAiTest.layerHttpClient())
      expect(requests).toHaveLength(0)
    }))

  it.effect("an invalid value from the environment is reported at its variable, naming the option it sets", () =>
    Effect.gen(function*() {
      const baseURL = yield* Effect.flip(
        Effect.provide(Models.list(), clientFromEnv({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: "ftp://example.com/v1" }))
      )
      if (baseURL._tag !== "ConfigError" || baseURL._op !== "InvalidData") return expect.fail(String(baseURL))
      expect(baseURL.path).toStrictEqual(["OPENAI_BASE_URL"])
      expect(baseURL.message).toBe(
        "baseURL must be an absolute http(s) URL, got \"ftp://example.com/v1\" (option baseURL, read from OPENAI_BASE_URL)"
      )
      const organization = yield* Effect.flip(
        Effect.provide(Models.list(), clientFromEnv({ OPENAI_API_KEY: "k", OPENAI_ORG_ID: "org\u0001" }))
      )
      if (organization._tag !== "ConfigError" || organization._op !== "InvalidData") {
        return expect.fail("not InvalidData")
      }
      expect(organization.path).toStrictEqual(["OPENAI_ORG_ID"])
      expect(organization.message).toMatch(/^organization .* \(option organization, read from OPENAI_ORG_ID\)$/)
      // the same value given in code is reported at the option, as layer() does
      const inCode = yield* Effect.flip(Effect.provide(
        Models.list(),
        clientFromEnv({ OPENAI_API_KEY: "k", OPENAI_BASE_URL: "https://ok.example/v1" }, { baseURL: "ftp://x" })
      ))
      if (inCode._tag !== "ConfigError" || inCode._op !== "InvalidData") return expect.fail("not InvalidData")
      expect(inCode.path).toStrictEqual(["baseURL"])
      expect(inCode.message).toBe("baseURL must be an absolute http(s) URL, got \"ftp://x\"")
      // an option that is not read from the environment keeps its own name
      const timeout = yield* Effect.flip(
        Effect.provide(Models.list(), clientFromEnv({ OPENAI_API_KEY: "k" }, { timeout: -1 }))
      )
      if (timeout._tag !== "ConfigError" || timeout._op !== "InvalidData") return expect.fail("not InvalidData")
      expect(timeout.path).toStrictEqual(["timeout"])
    }))

  const invalidOptions: ReadonlyArray<[string, Partial<OpenAiClient.Options>, string]> = [
    ["an empty key", { apiKey: Redacted.make("  ") }, "apiKey"],
    ["a key with a line break", { apiKey: Redacted.make("sk-abc\r\nx: y") }, "line break"],
    ["a key with a character headers cannot carry", { apiKey: Redacted.make("sk-abc€") }, "apiKey"],
    ["a default header name that is not a token", { defaultHeaders: { "x team": "a" } }, "defaultHeaders"],
    ["an organization with a control character", { organization: "org\u0000" }, "organization"],
    ["a non-http base URL", { baseURL: "ftp://example.com/v1" }, "baseURL"],
    ["a malformed base URL", { baseURL: "not a url" }, "baseURL"],
    ["a negative maxRetries", { maxRetries: -1 }, "maxRetries"],
    ["a negative timeout", { timeout: -5 }, "timeout"],
    ["a negative stream idle timeout", { streamIdleTimeout: -1 }, "streamIdleTimeout"],
    ["a zero total timeout", { totalTimeout: 0 }, "totalTimeout"],
    ["a fractional maxRetries", { maxRetries: 1.5 }, "maxRetries"],
    ["a default header with a line break", { defaultHeaders: { "x-team": "a\r\nx-injected: 1" } }, "defaultHeaders"]
  ]
  for (const [what, options, mention] of invalidOptions) {
    it.effect(`refuses ${what} when the layer is built`, () =>
      Effect.gen(function*() {
        const layer = OpenAiClient.layer({ apiKey: Redacted.make("k"), ...options }).pipe(
          Layer.provide(OpenAiTest.layerHttpClient())
        )
        const error = yield* Effect.flip(Effect.provide(Effect.void, layer))
        expect(error._tag).toBe("ConfigError")
        expect(String(error)).toContain(mention)
        expect(String(error)).not.toContain("sk-abc")
      }))
  }
})
