// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/observability.ts
// Spans and metrics of every OpenAI call, after the OpenTelemetry GenAI conventions, sent over OTLP/HTTP to a
// collector at OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318): Jaeger, Grafana Tempo/Mimir, an
// OpenTelemetry Collector, Honeycomb, Datadog...
import { Chat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base"
import { Console, Effect, Layer, Stream } from "effect"

// 1. The OpenTelemetry SDK, as a layer: spans batched, metrics every 10 s (and both flushed when the layer closes)
const Telemetry = NodeSdk.layer(() => ({
  resource: { serviceName: "support-bot" },
  spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter()),
  metricReader: new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 10_000 })
}))

// 2. The client: spans come with the tracer above; metrics are opt-in; message content stays out unless
//    captureContent (or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true) says otherwise
const OpenAi = NodeOpenAi.layerConfig({ telemetry: { metrics: true } })

const program = Effect.gen(function*() {
  // a span "chat gpt-4o-mini" under "answer", with usage, finish reasons, response id and request id
  const completion = yield* Chat.completions.create({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Say this is a test!" }],
    max_completion_tokens: 50
  })
  yield* Console.log(completion.choices[0]?.message.content)
  // a streamed call: its span lasts until the stream ends; time to first chunk is a metric
  const text = yield* Chat.completions.stream({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Stream this" }]
  }).pipe(Chat.textDeltas, Stream.mkString)
  yield* Console.log(text)
}).pipe(Effect.withSpan("answer"))

NodeRuntime.runMain(program.pipe(Effect.provide(Layer.merge(OpenAi, Telemetry))))
