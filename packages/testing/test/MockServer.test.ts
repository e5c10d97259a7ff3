import { MockServer } from "@effect-openai/testing"
import * as FileSystem from "@effect/platform/FileSystem"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Multipart from "@effect/platform/Multipart"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

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
      // one request spent, and what came back since at 10,000 a minute (a sixth of one a millisecond)
      const before = Number(first.headers.get("x-ratelimit-remaining-requests"))
      const after = Number(second.headers.get("x-ratelimit-remaining-requests"))
      expect(before).toBe(9_999)
      expect(after).toBeGreaterThanOrEqual(before - 1)
      expect(after).toBeLessThanOrEqual(before)
    }))

  it.scopedLive("a budget: per model, 429 with retry-after beyond it, the real x-ratelimit headers within it", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ budget: { requestsPerMinute: 2 } })
      const first = yield* call(server, "/chat/completions", { body: chat })
      const second = yield* call(server, "/chat/completions", { body: chat })
      const third = yield* call(server, "/chat/completions", { body: chat })
      const other = yield* call(server, "/chat/completions", { body: { ...chat, model: "gpt-4o" } })
      expect([first.status, second.status, third.status, other.status]).toStrictEqual([200, 200, 429, 200])
      expect(first.headers.get("x-ratelimit-limit-requests")).toBe("2")
      expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("1")
      expect(second.headers.get("x-ratelimit-remaining-requests")).toBe("0")
      const wait = Number(third.headers.get("retry-after-ms"))
      // one request comes back every 30 s; a few milliseconds of it already have
      expect(wait).toBeGreaterThan(29_000)
      expect(wait).toBeLessThanOrEqual(30_000)
      expect(third.headers.get("retry-after")).toBe("30")
      expect(JSON.parse(third.text).error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" })
      const served = yield* server.requests
      expect(served.map((request) => request.status)).toStrictEqual([200, 200, 429, 200])
      expect(served[2]!.receivedAt).toBeGreaterThanOrEqual(served[0]!.receivedAt)
    }))

  it.scopedLive("a budget that makes no sense is refused when the server is made", () =>
    Effect.gen(function*() {
      for (const requestsPerMinute of [0, -5, Number.NaN]) {
        const exit = yield* Effect.exit(MockServer.make({ budget: { requestsPerMinute } }))
        expect(exit._tag).toBe("Failure")
        if (exit._tag === "Failure") expect(String(Cause.squash(exit.cause))).toContain("requestsPerMinute")
      }
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

  it.scopedLive("accepts any key, or none, with checkApiKey: false; apiKey is still a key to send", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make({ checkApiKey: false })
      expect(server.apiKey).toBe(MockServer.defaultApiKey)
      expect((yield* call(server, "/models", { key: "anything" })).status).toBe(200)
      expect((yield* call(server, "/models", { key: null })).status).toBe(200)
      expect((yield* call(server, "/models")).status).toBe(200)
    }))

  it.scopedLive("an apiKey given, or an explicit undefined (the default key), is checked", () =>
    Effect.gen(function*() {
      const given = yield* MockServer.make({ apiKey: "sk-given" })
      expect(given.apiKey).toBe("sk-given")
      expect((yield* call(given, "/models")).status).toBe(200)
      expect((yield* call(given, "/models", { key: MockServer.defaultApiKey })).status).toBe(401)
      const unset = yield* MockServer.make({ apiKey: undefined })
      expect(unset.apiKey).toBe(MockServer.defaultApiKey)
      expect((yield* call(unset, "/models", { key: "anything" })).status).toBe(401)
      expect((yield* call(unset, "/models")).status).toBe(200)
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

  it.scopedLive("a fault path matches with or without the /v1 prefix", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      yield* server.fault(
        { path: "/v1/chat/completions", status: 429 },
        { path: "/models", status: 503 },
        { path: "/v1/models/gpt-4o", status: 500 }
      )
      expect((yield* call(server, "/models/gpt-4o")).status).toBe(500)
      expect((yield* call(server, "/chat/completions", { body: chat })).status).toBe(429)
      expect((yield* call(server, "/models")).status).toBe(503)
      expect(yield* server.queuedFaults).toStrictEqual([])
      expect((yield* server.requests).map((request) => [request.path, request.fault])).toStrictEqual([
        ["/models/gpt-4o", { path: "/v1/models/gpt-4o", status: 500 }],
        ["/chat/completions", { path: "/v1/chat/completions", status: 429 }],
        ["/models", { path: "/models", status: 503 }]
      ])
    }))

  it.scopedLive("queuedFaults lists the faults no request took yet; clearFaults drops them", () =>
    Effect.gen(function*() {
      const server = yield* MockServer.make()
      const unmatched = { path: "/embeddings", status: 500 }
      yield* server.fault({ path: "/models", status: 503 }, unmatched, { status: 502 })
      expect(yield* server.queuedFaults).toStrictEqual([{ path: "/models", status: 503 }, unmatched, { status: 502 }])
      expect((yield* call(server, "/models")).status).toBe(503)
      expect(yield* server.queuedFaults).toStrictEqual([unmatched, { status: 502 }])
      // the listing is a copy: emptying it leaves the queue as it was
      const listed = (yield* server.queuedFaults) as Array<MockServer.Fault>
      listed.length = 0
      expect(yield* server.queuedFaults).toHaveLength(2)
      yield* server.clearFaults
      expect(yield* server.queuedFaults).toStrictEqual([])
      expect((yield* call(server, "/embeddings", { body: { model: "text-embedding-3-small", input: "a" } })).status)
        .toBe(200)
      expect((yield* call(server, "/models")).status).toBe(200)
      yield* server.fault({ status: 504 })
      expect(yield* server.queuedFaults).toStrictEqual([{ status: 504 }])
      expect((yield* call(server, "/models")).status).toBe(504)
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

describe("MockServer routes a test declares", () => {
  const fileBytes = new Uint8Array([0, 1, 127, 128, 255, 10, 13])

  it.scopedLive("serve bytes with the API key checked, faults applied and requests recorded", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/v1/files/:file_id/content",
          Effect.map(HttpRouter.params, (params) =>
            params.file_id === "file-1"
              ? HttpServerResponse.uint8Array(fileBytes, { contentType: "application/octet-stream" })
              : HttpServerResponse.empty({ status: 404 }))
        )
      )
      const server = yield* MockServer.make({ routes })
      const download = (key?: string, headers?: Record<string, string>) =>
        Effect.promise(async () => {
          const response = await fetch(`${server.url}/files/file-1/content`, {
            headers: { authorization: `Bearer ${key ?? server.apiKey}`, ...headers }
          })
          return {
            status: response.status,
            headers: response.headers,
            bytes: new Uint8Array(await response.arrayBuffer())
          }
        })

      yield* server.fault({ path: "/files/file-1/content", status: 503, headers: { "retry-after-ms": "10" } })
      const faulted = yield* download()
      expect(faulted.status).toBe(503)
      expect(faulted.headers.get("retry-after-ms")).toBe("10")
      expect(JSON.parse(new TextDecoder().decode(faulted.bytes)).error).toMatchObject({ type: "server_error" })

      const served = yield* download(undefined, {
        [MockServer.faultHeader]: JSON.stringify({ headers: { "x-extra": "1" } })
      })
      expect(served.status).toBe(200)
      expect(served.headers.get("content-type")).toBe("application/octet-stream")
      expect(served.headers.get("x-extra")).toBe("1")
      expect(served.bytes).toStrictEqual(fileBytes)

      expect((yield* download("sk-wrong-0123456789abcd")).status).toBe(401)

      const requests = yield* server.requests
      expect(requests.map(({ method, path, outcome }) => ({ method, path, outcome }))).toStrictEqual([
        { method: "GET", path: "/files/file-1/content", outcome: "completed" },
        { method: "GET", path: "/files/file-1/content", outcome: "completed" },
        { method: "GET", path: "/files/file-1/content", outcome: "completed" }
      ])
      expect(requests.map((request) => request.fault)).toStrictEqual([
        { path: "/files/file-1/content", status: 503, headers: { "retry-after-ms": "10" } },
        { headers: { "x-extra": "1" } },
        undefined
      ])
    }))

  it.scopedLive("read a multipart body (schemaBodyForm), with a transient fault and the requests recorded", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.empty.pipe(
        HttpRouter.post(
          "/v1/uploads/:upload_id/parts",
          Effect.gen(function*() {
            const form = yield* HttpServerRequest.schemaBodyForm(
              Schema.Struct({ note: Schema.String, data: Multipart.SingleFileSchema })
            )
            const content = yield* (yield* FileSystem.FileSystem).readFile(form.data.path)
            return yield* HttpServerResponse.json({
              note: form.note,
              name: form.data.name,
              bytes: Array.from(content)
            })
          })
        )
      )
      const server = yield* MockServer.make({ routes })
      const upload = Effect.promise(async () => {
        const form = new FormData()
        form.append("note", "part one")
        form.append("data", new Blob([fileBytes]), "part.bin")
        const response = await fetch(`${server.url}/uploads/upload_1/parts`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${server.apiKey}`,
            [MockServer.faultHeader]: JSON.stringify({ status: 500, once: "upload-1" })
          },
          body: form
        })
        return { status: response.status, body: await response.json() }
      })

      const failed = yield* upload
      expect(failed.status).toBe(500)
      expect(failed.body.error.message).toBe("Injected fault: status 500")
      const retried = yield* upload
      expect(retried).toStrictEqual({
        status: 200,
        body: { note: "part one", name: "part.bin", bytes: Array.from(fileBytes) }
      })

      const requests = yield* server.requests
      expect(requests.map(({ method, path, outcome, body }) => ({ method, path, outcome, body }))).toStrictEqual([
        { method: "POST", path: "/uploads/upload_1/parts", outcome: "completed", body: undefined },
        { method: "POST", path: "/uploads/upload_1/parts", outcome: "completed", body: undefined }
      ])
      expect(requests[0]!.fault).toStrictEqual({ status: 500, once: "upload-1" })
      expect(requests[1]!.fault).toBeUndefined()
      expect(requests[1]!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
    }))

  it.scopedLive("a stream fault reshapes a route's event stream, not its other replies", () =>
    Effect.gen(function*() {
      const events = [
        "event: a\ndata: 1\n\n",
        "event: b\ndata: 2\n\n",
        "event: c\ndata: 3\n\n",
        "event: done\ndata: {}\n\n"
      ]
      const routes = HttpRouter.empty.pipe(
        HttpRouter.post(
          "/v1/responses",
          Effect.succeed(HttpServerResponse.text(events.join(""), { contentType: "text/event-stream" }))
        ),
        HttpRouter.get("/v1/responses/:id", Effect.succeed(HttpServerResponse.unsafeJson({ id: "resp_1" })))
      )
      const server = yield* MockServer.make({ routes })
      const truncate = { [MockServer.faultHeader]: JSON.stringify({ stream: { truncateAfter: 2 } }) }
      const streamed = yield* call(server, "/responses", { body: { stream: true }, headers: truncate })
      expect(streamed.status).toBe(200)
      expect(streamed.headers.get("content-type")).toBe("text/event-stream")
      expect(streamed.text).toBe(events.slice(0, 2).join(""))
      const plain = yield* call(server, "/responses/resp_1", { headers: truncate })
      expect(JSON.parse(plain.text)).toStrictEqual({ id: "resp_1" })
    }))

  it.scopedLive("replace a built-in route with the same method and path; other paths still get OpenAI's 404", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.empty.pipe(
        HttpRouter.get("/v1/models", Effect.succeed(HttpServerResponse.unsafeJson({ object: "list", data: [] })))
      )
      const server = yield* MockServer.make({ routes })
      expect(JSON.parse((yield* call(server, "/models")).text)).toStrictEqual({ object: "list", data: [] })
      expect((yield* call(server, "/models/gpt-4o-mini")).status).toBe(200)
      const unknown = yield* call(server, "/no_such_resource", { body: {} })
      expect(unknown.status).toBe(404)
      expect(JSON.parse(unknown.text).error.message).toBe("Invalid URL (POST /v1/no_such_resource)")
    }))

  it.scopedLive("a route that fails answers 500 with an OpenAI error body", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.empty.pipe(HttpRouter.post("/v1/batches", Effect.die(new Error("handler bug"))))
      const server = yield* MockServer.make({ routes })
      const reply = yield* call(server, "/batches", { body: {} })
      expect(reply.status).toBe(500)
      const error = JSON.parse(reply.text).error
      expect(error.type).toBe("server_error")
      expect(error.message).toContain("handler bug")
      expect(reply.headers.get("x-request-id")).not.toBeNull()
    }))
})
