import { Chat, Models } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import { messages, recordSpans } from "./utils.js"

// The operation span (internal/span.ts): its name, kind and attributes as an exporter sees them, and which span the
// trace context sent with a request names.

const operationSpans = (spans: ReadonlyArray<Tracer.Span>) => spans.filter((span) => span.name.startsWith("OpenAI "))

const attributesOf = (span: Tracer.Span) => Object.fromEntries(span.attributes)

const traceparentOf = (span: Tracer.Span) => `00-${span.traceId}-${span.spanId}-01`

describe("the operation span", () => {
  it.effect("a call's span: OpenAI <name>, kind client, the gen_ai attributes and the request id, nothing else", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* Chat.completions.create({ model: "gpt-4o-mini", messages }).pipe(Effect.withTracer(tracer))
      const [span, ...others] = operationSpans(spans)
      expect(others).toHaveLength(0)
      expect(span!.name).toBe("OpenAI chat.completions.create")
      expect(span!.kind).toBe("client")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "chat.completions.create",
        "gen_ai.request.model": "gpt-4o-mini",
        "openai.request_id": "req_mock000000000000000000000001"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("an operation without a model has no model attribute at all", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* Models.list().pipe(Effect.withTracer(tracer))
      const [span] = operationSpans(spans)
      expect(span!.name).toBe("OpenAI models.list")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "models.list",
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
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "models.list"
      })
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a failed call's span ends with its failure and carries no stack trace attribute", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      const error = yield* Effect.flip(Models.retrieve("gpt-nope")).pipe(Effect.withTracer(tracer))
      expect(error._tag).toBe("NotFoundError")
      const [span] = operationSpans(spans)
      expect(span!.status._tag).toBe("Ended")
      if (span!.status._tag === "Ended") expect(Exit.isFailure(span!.status.exit)).toBe(true)
      expect(Object.keys(attributesOf(span!)).sort()).toStrictEqual([
        "gen_ai.operation.name",
        "gen_ai.request.model",
        "gen_ai.system",
        "openai.request_id"
      ])
      expect(span!.attributes.get("gen_ai.request.model")).toBe("gpt-nope")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a stream's span: OpenAI <name>, kind client, the same attributes, ended with the stream", () =>
    Effect.gen(function*() {
      const { spans, tracer } = yield* recordSpans
      yield* OpenAiTest.reply(OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b"])))
      yield* Stream.runDrain(Chat.completions.stream({ model: "gpt-4o-mini", messages })).pipe(
        Effect.withTracer(tracer)
      )
      const [span, ...others] = operationSpans(spans)
      expect(others).toHaveLength(0)
      expect(span!.name).toBe("OpenAI chat.completions.stream")
      expect(span!.kind).toBe("client")
      expect(span!.status._tag).toBe("Ended")
      expect(attributesOf(span!)).toStrictEqual({
        "gen_ai.system": "openai",
        "gen_ai.operation.name": "chat.completions.stream",
        "gen_ai.request.model": "gpt-4o-mini",
        "openai.request_id": "req_mock000000000000000000000001"
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
