/**
 * Telemetry as an OpenTelemetry backend receives it: spans and metrics exported through `@effect/opentelemetry` to
 * the SDK's in-memory span exporter and a metric reader, checked by name, attribute and value. Effect's metric
 * registry is global, so each test uses a model of its own and reads only its data points.
 */
import { Chat, Tool, Toolkit } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { describe, expect, it } from "@effect/vitest"
import { type DataPoint, MetricReader } from "@opentelemetry/sdk-metrics"
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { messages } from "./utils.js"

class TestReader extends MetricReader {
  protected override onForceFlush() {
    return Promise.resolve()
  }
  protected override onShutdown() {
    return Promise.resolve()
  }
}

const setup = (client: Parameters<typeof OpenAiTest.layer>[0] = { client: { telemetry: { metrics: true } } }) => {
  const spans = new InMemorySpanExporter()
  const reader = new TestReader()
  const otel = NodeSdk.layer(() => ({
    resource: { serviceName: "telemetry-test" },
    spanProcessor: new SimpleSpanProcessor(spans),
    metricReader: reader
  }))
  return { spans, reader, layer: Layer.merge(OpenAiTest.layer(client), otel) }
}

/** The data points of a metric whose attributes name `model`. */
const points = (reader: MetricReader, name: string, model: string) =>
  Effect.promise(async () => {
    const { resourceMetrics } = await reader.collect()
    return resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics)
      .filter((metric) => metric.descriptor.name === name)
      .flatMap((metric) => metric.dataPoints as Array<DataPoint<unknown>>)
      .filter((point) => point.attributes["gen_ai.request.model"] === model)
  })

const ask = (model: string) => Chat.completions.create({ model, messages })

describe("telemetry through @effect/opentelemetry", () => {
  const a = setup()
  const t = setup()
  it.effect("a tool call is an execute_tool span, the handler's spans below it; a failed call has error.type", () =>
    Effect.gen(function*() {
      const echo = Tool.make("echo", { description: "Echoes", parameters: Schema.Struct({ text: Schema.String }) })
      const handled = Toolkit.handle(Toolkit.make(echo), {
        echo: ({ text }) => Effect.withSpan(Effect.succeed(text), "inside the handler")
      })
      yield* Toolkit.execute(handled, { id: "call_1", name: "echo", arguments: "{\"text\":\"hi\"}" })
      yield* Toolkit.execute(handled, { id: "call_2", name: "echo", arguments: "{}" })
      const finished = t.spans.getFinishedSpans()
      const tools = finished.filter((span) => span.name === "execute_tool echo")
      expect(tools.map((span) => span.attributes)).toStrictEqual([
        {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "echo",
          "gen_ai.tool.call.id": "call_1",
          "gen_ai.tool.type": "function",
          "gen_ai.tool.description": "Echoes"
        },
        {
          "gen_ai.operation.name": "execute_tool",
          "gen_ai.tool.name": "echo",
          "gen_ai.tool.call.id": "call_2",
          "gen_ai.tool.type": "function",
          "gen_ai.tool.description": "Echoes",
          "error.type": "ToolCallError.InvalidArguments"
        }
      ])
      const inner = finished.find((span) => span.name === "inside the handler")
      expect(inner?.parentSpanContext?.spanId).toBe(tools[0]!.spanContext().spanId)
    }).pipe(Effect.provide(t.layer)))

  it.effect("a span the OpenTelemetry SDK exports, with the GenAI attributes", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("hi", { usage: { prompt_tokens: 7, completion_tokens: 3 } }))
      yield* ask("gpt-telemetry-span")
      const [span] = a.spans.getFinishedSpans().filter((each) => each.name === "chat gpt-telemetry-span")
      expect(span).toBeDefined()
      expect(span!.kind).toBe(2) // SpanKind.CLIENT
      expect(span!.attributes).toMatchObject({
        "gen_ai.provider.name": "openai",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": "gpt-telemetry-span",
        "gen_ai.usage.input_tokens": 7,
        "gen_ai.usage.output_tokens": 3,
        "server.address": "api.openai.com",
        "server.port": 443
      })
      // @effect/opentelemetry (0.64) hands an array attribute to the SDK as its JSON text
      expect(JSON.parse(String(span!.attributes["gen_ai.response.finish_reasons"]))).toStrictEqual(["stop"])
      expect(typeof span!.attributes["openai.request_id"]).toBe("string")
    }).pipe(Effect.provide(a.layer)))

  const b = setup()
  it.effect("metrics: operation duration, and token usage by gen_ai.token.type (the published names)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("hi", { usage: { prompt_tokens: 12, completion_tokens: 5 } }))
      yield* ask("gpt-telemetry-metrics")
      const [duration] = yield* points(b.reader, "gen_ai.client.operation.duration", "gpt-telemetry-metrics")
      expect(duration!.attributes).toMatchObject({
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "server.address": "api.openai.com"
      })
      expect(duration!.value).toMatchObject({ count: 1 })
      const tokens = yield* points(b.reader, "gen_ai.client.token.usage", "gpt-telemetry-metrics")
      const byType = Object.fromEntries(
        tokens.map((point) => [point.attributes["gen_ai.token.type"], (point.value as { sum: number }).sum])
      )
      expect(byType).toStrictEqual({ input: 12, output: 5 })
    }).pipe(Effect.provide(b.layer)))

  const clocked = setup()
  it.effect("durations are on the Effect clock: under a TestClock, the time it moved", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.delay("3 seconds", OpenAiTest.chatCompletion("late")),
        OpenAiTest.delay(
          "2 seconds",
          OpenAiTest.stream(OpenAiTest.chatStreamParts(["a"], { model: "gpt-telemetry-clock" }))
        )
      )
      const call = yield* Effect.fork(ask("gpt-telemetry-clock"))
      yield* TestClock.adjust("3 seconds")
      yield* Fiber.join(call)
      const streamed = yield* Effect.fork(
        Stream.runDrain(Chat.completions.stream({ model: "gpt-telemetry-clock", messages }))
      )
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(streamed)
      const durations = yield* points(clocked.reader, "gen_ai.client.operation.duration", "gpt-telemetry-clock")
      // the call, 3 s; the stream, 2 s (a data point of its own)
      expect(durations.map((point) => (point.value as { sum: number }).sum).sort()).toStrictEqual([2, 3])
      const [first] = yield* points(
        clocked.reader,
        "gen_ai.client.operation.time_to_first_chunk",
        "gpt-telemetry-clock"
      )
      expect((first!.value as { sum: number }).sum).toBe(2)
    }).pipe(Effect.provide(clocked.layer)))

  const c = setup()
  it.effect("a stream: time to its first chunk", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream(OpenAiTest.chatStreamParts(["a", "b"], { model: "gpt-telemetry-stream" }))
      )
      yield* Stream.runDrain(Chat.completions.stream({ model: "gpt-telemetry-stream", messages }))
      const [first] = yield* points(c.reader, "gen_ai.client.operation.time_to_first_chunk", "gpt-telemetry-stream")
      expect(first!.value).toMatchObject({ count: 1 })
      const [duration] = yield* points(c.reader, "gen_ai.client.operation.duration", "gpt-telemetry-stream")
      expect(duration!.value).toMatchObject({ count: 1 })
    }).pipe(Effect.provide(c.layer)))

  const d = setup({ client: { telemetry: { metrics: true, latestConventions: true } } })
  it.effect("latestConventions (gen_ai_latest_experimental): inference duration and token counters by modality", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("hi", { usage: { prompt_tokens: 4, completion_tokens: 2 } }))
      yield* ask("gpt-telemetry-latest")
      const [duration] = yield* points(d.reader, "gen_ai.client.inference.duration", "gpt-telemetry-latest")
      expect(duration!.value).toMatchObject({ count: 1 })
      const [input] = yield* points(d.reader, "gen_ai.client.inference.usage.input_tokens", "gpt-telemetry-latest")
      expect(input!.value).toBe(4)
      expect(input!.attributes["gen_ai.token.modality"]).toBe("text")
      const [output] = yield* points(d.reader, "gen_ai.client.inference.usage.output_tokens", "gpt-telemetry-latest")
      expect(output!.value).toBe(2)
      expect(yield* points(d.reader, "gen_ai.client.token.usage", "gpt-telemetry-latest")).toHaveLength(0)
    }).pipe(Effect.provide(d.layer)))

  const e = setup()
  it.effect("retries counted; a failed call's duration carries error.type", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ error: { message: "overloaded", type: "server_error" } }, { status: 500 }),
        OpenAiTest.chatCompletion("after a retry"),
        OpenAiTest.json({ error: { message: "bad", type: "invalid_request_error" } }, { status: 400 })
      )
      const fiber = yield* Effect.fork(ask("gpt-telemetry-retry"))
      yield* TestClock.adjust("10 seconds")
      yield* Fiber.join(fiber)
      const [retries] = yield* points(e.reader, "openai.client.retries", "gpt-telemetry-retry")
      expect(retries!.value).toBe(1)
      yield* Effect.flip(ask("gpt-telemetry-retry"))
      const durations = yield* points(e.reader, "gen_ai.client.operation.duration", "gpt-telemetry-retry")
      expect(durations.map((point) => point.attributes["error.type"]).sort()).toStrictEqual([
        "BadRequestError",
        undefined
      ])
    }).pipe(Effect.provide(e.layer)))

  const f = setup({})
  it.effect("without metrics: true none are recorded (the default: they cost ~50 µs a call)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.chatCompletion("hi"))
      yield* ask("gpt-telemetry-off")
      expect(yield* points(f.reader, "gen_ai.client.operation.duration", "gpt-telemetry-off")).toHaveLength(0)
    }).pipe(Effect.provide(f.layer)))
})
