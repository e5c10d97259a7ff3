import { Chat, Models } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import type * as Tracer from "effect/Tracer"
import { messages, recordSpans } from "./utils.js"

// The operation span (internal/telemetry.ts, after the OpenTelemetry GenAI conventions): its name, kind and
// attributes as an exporter sees them, and which span the trace context sent with a request names.

const operationSpans = (spans: ReadonlyArray<Tracer.Span>) =>
  spans.filter((span) => span.attributes.get("gen_ai.provider.name") === "openai")

const attributesOf = (span: Tracer.Span) => Object.fromEntries(span.attributes)

const traceparentOf = (span: Tracer.Span) => `00-${span.traceId}-${span.spanId}-01`

const server = { "server.address": "api.openai.com", "server.port": 443 }

describe("the operation span", () => {
  it.effect("an inference call: `{operation} {model}`, kind client, the request's and the response's attributes", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(Effect.withTracer(tracer))
      const [span, ...others] = operationSpans(spans)
      expect(others).toHaveLength(0)
      expect(span!.name).toBe("chat gpt-4o-mini")
      expect(span!.kind).toBe("client")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "openai.api.type": "chat_completions",
        "gen_ai.request.model": "gpt-4o-mini",
        ...server,
        "openai.request_id": "req_mock000000000000000000000001",
        "gen_ai.response.id": "chatcmpl-mock1",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.response.finish_reasons": ["stop"],
        "gen_ai.usage.input_tokens": 12,
        "gen_ai.usage.output_tokens": 11,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.reasoning.output_tokens": 0,
        "openai.response.service_tier": "default",
        "openai.response.system_fingerprint": "fp_mock"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("the request's parameters, and the messages only when captureContent is on", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      const params = {
        model: "gpt-4o-mini",
        messages,
        max_completion_tokens: 100,
        temperature: 0.2,
        top_p: 0.9,
        frequency_penalty: 0.1,
        presence_penalty: 0.3,
        seed: 7,
        stop: ["END"],
        n: 2,
        service_tier: "flex"
      } as const
      yield* Chat.completions.create(params).pipe(Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      expect(attributesOf(span!)).toMatchObject({
        "gen_ai.request.max_tokens": 100,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.frequency_penalty": 0.1,
        "gen_ai.request.presence_penalty": 0.3,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ["END"],
        "gen_ai.request.choice.count": 2,
        "openai.request.service_tier": "flex"
      })
      expect(span!.attributes.has("gen_ai.input.messages")).toBe(false)
      expect(span!.attributes.has("gen_ai.output.messages")).toBe(false)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("captureContent: the messages sent and received, as JSON", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      expect(JSON.parse(String(span!.attributes.get("gen_ai.input.messages")))).toStrictEqual(messages)
      expect(JSON.parse(String(span!.attributes.get("gen_ai.output.messages")))).toMatchObject([
        { role: "assistant", content: "This is a mock reply to: Say this is a test!" }
      ])
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { telemetry: { captureContent: true } } }))))

  it.effect("any other operation: OpenAI <name>, no gen_ai operation or model", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* Models.list().pipe(Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      expect(span!.name).toBe("OpenAI models.list")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.provider.name": "openai",
        "openai.operation.name": "models.list",
        ...server,
        "openai.request_id": "req_mock000000000000000000000001"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a response without a request id leaves the attribute out", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* OpenAiTest.reply(OpenAiTest.json({ object: "list", data: [] }, { apiHeaders: false }))
      yield* Models.list().pipe(Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.provider.name": "openai",
        "openai.operation.name": "models.list",
        ...server
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a failed call's span ends with its failure, error.type its tag, and no stack trace attribute", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      const error = yield* Effect.flip(Models.retrieve("gpt-nope")).pipe(Effect.withTracer(tracer))
      expect(error._tag).toBe("NotFoundError")
      const [span] = operationSpans(spans)
      expect(span!.status._tag).toBe("Ended")
      if (span!.status._tag === "Ended") expect(Exit.isFailure(span!.status.exit)).toBe(true)
      expect(Object.keys(attributesOf(span!)).sort()).toStrictEqual([
        "error.type",
        "gen_ai.provider.name",
        "gen_ai.request.model",
        "openai.operation.name",
        "openai.request_id",
        "server.address",
        "server.port"
      ])
      expect(span!.attributes.get("error.type")).toBe("NotFoundError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("retries: openai.retry_count", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: "overloaded", type: "server_error" } }, { status: 500 }),
        OpenAiTest.chatCompletion("after a retry")
      )
      const fiber = yield* Effect.fork(
        Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(
          Effect.withTracer(tracer)
        )
      )
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const [span] = operationSpans(spans)
      expect(span!.attributes.get("openai.retry_count")).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a stream's span: the same, what its chunks said, ended with the stream", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* OpenAiTest.reply(OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b"])))
      yield* Stream.runDrain(Chat.completions.stream({ model: "gpt-4o-mini", messages })).pipe(
        Effect.withTracer(tracer)
      )
      const [span, ...others] = operationSpans(spans)
      expect(others).toHaveLength(0)
      expect(span!.name).toBe("chat gpt-4o-mini")
      expect(span!.kind).toBe("client")
      expect(span!.status._tag).toBe("Ended")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "openai.api.type": "chat_completions",
        "gen_ai.request.model": "gpt-4o-mini",
        ...server,
        "gen_ai.request.stream": true,
        "openai.request_id": "req_mock000000000000000000000001",
        "gen_ai.response.id": "chatcmpl-test",
        "gen_ai.response.model": "gpt-4o-mini",
        "gen_ai.response.finish_reasons": ["stop"],
        "openai.response.service_tier": "default",
        "openai.response.system_fingerprint": "fp_mock"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("the span trace context names", () => {
  const create = Chat.completions.create({ model: "gpt-4o-mini", messages })

  it.effect("with a tracer that records: the operation's span, a child of the caller's", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* create.pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      const caller = spans.find((candidate) => candidate.name === "caller")!
      expect(span!.parent._tag === "Some" && span!.parent.value.spanId).toBe(caller.spanId)
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["traceparent"]).toBe(traceparentOf(span!))
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { propagateTraceContext: true } }))))

  it.effect("with Effect's default tracer (which records nothing): the caller's span, no operation span made", () =>
    Effect.gen(function*() {
      const caller = yield* Effect.currentSpan.pipe(Effect.tap(() => create), Effect.withSpan("caller"))
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["traceparent"]).toBe(traceparentOf(caller))
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { propagateTraceContext: true } }))))

  it.effect("with Effect's default tracer and no caller span: none, no trace context is sent", () =>
    Effect.gen(function*() {
      yield* create
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["traceparent"]).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { propagateTraceContext: true } }))))
})
