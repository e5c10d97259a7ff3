/**
 * Spans and metrics after the OpenTelemetry GenAI semantic conventions (development status; the attribute and metric
 * names of the last published version, v1.41, by default, the newest when `OTEL_SEMCONV_STABILITY_OPT_IN` has
 * `gen_ai_latest_experimental`): an inference call (chat, Responses, embeddings, completions) is a client span
 * `{gen_ai.operation.name} {gen_ai.request.model}` with the request's parameters, the response's id, model, finish
 * reasons and token usage, `error.type` on failure, and our own `openai.request_id`, `openai.retry_count` and limiter
 * wait; any other call is a span `OpenAI <operation>`. Metrics: the call's duration, a stream's time to its first
 * chunk, tokens by direction, retries. Message content only when `captureContent` is on.
 *
 * With Effect's default tracer the spans are skipped; metrics are recorded with `telemetry.metrics: true`.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricLabel from "effect/MetricLabel"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import type * as Operation from "../Operation.js"
import { nativeTracer } from "./span.js"

/** What the client was told about telemetry. @internal */
export interface Settings {
  readonly metrics: boolean
  readonly captureContent: boolean
  /** The newest names of the conventions (`gen_ai_latest_experimental`) instead of the last published ones. */
  readonly latest: boolean
  readonly serverAddress: string
  readonly serverPort: number
}

/** Effect's default tracer records nothing anyone can read: with it no span is made. */

/** The inference operations, by operation name: their `gen_ai.operation.name` and `openai.api.type`. */
const inference: Readonly<Record<string, readonly [operation: string, api: string | undefined]>> = {
  "chat.completions.create": ["chat", "chat_completions"],
  "chat.completions.stream": ["chat", "chat_completions"],
  "responses.create": ["chat", "responses"],
  "beta.responses.create": ["chat", "responses"],
  "embeddings.create": ["embeddings", undefined],
  "completions.create": ["text_completion", undefined]
}

type Attributes = Record<string, unknown>

const number = (u: unknown): number | undefined => typeof u === "number" && Number.isFinite(u) ? u : undefined

/** The request's attributes, read from its JSON body. */
const requestAttributes = (operation: Operation.OperationBase, settings: Settings): Attributes => {
  const [name, api] = inference[operation.name] ?? []
  const attributes: Attributes = { "gen_ai.provider.name": "openai" }
  if (name !== undefined) attributes["gen_ai.operation.name"] = name
  else attributes["openai.operation.name"] = operation.name
  if (api !== undefined) attributes["openai.api.type"] = api
  if (operation.model !== undefined) attributes["gen_ai.request.model"] = operation.model
  attributes["server.address"] = settings.serverAddress
  attributes["server.port"] = settings.serverPort
  const body = operation.body?._tag === "Json" && isRecord(operation.body.value) ? operation.body.value : undefined
  if (body === undefined || name === undefined) return attributes
  const maxTokens = number(body.max_completion_tokens) ?? number(body.max_output_tokens) ?? number(body.max_tokens)
  if (maxTokens !== undefined) attributes["gen_ai.request.max_tokens"] = maxTokens
  for (const key of ["temperature", "top_p", "frequency_penalty", "presence_penalty", "seed"] as const) {
    const value = number(body[key])
    if (value !== undefined) attributes[`gen_ai.request.${key}`] = value
  }
  if (typeof body.stop === "string") attributes["gen_ai.request.stop_sequences"] = [body.stop]
  else if (Array.isArray(body.stop)) attributes["gen_ai.request.stop_sequences"] = body.stop
  const n = number(body.n)
  if (n !== undefined && n !== 1) attributes["gen_ai.request.choice.count"] = n
  if (body.stream === true || operation.name.endsWith(".stream")) attributes["gen_ai.request.stream"] = true
  if (typeof body.service_tier === "string" && body.service_tier !== "auto") {
    attributes["openai.request.service_tier"] = body.service_tier
  }
  if (typeof body.encoding_format === "string") attributes["gen_ai.request.encoding_formats"] = [body.encoding_format]
  if (settings.captureContent) {
    if (typeof body.instructions === "string") attributes["gen_ai.system_instructions"] = body.instructions
    const input = body.messages ?? body.input ?? body.prompt
    if (input !== undefined) attributes["gen_ai.input.messages"] = JSON.stringify(input)
  }
  return attributes
}

/** What a call's response (or a stream's values) said, gathered as they come. */
class Seen {
  id: string | undefined
  model: string | undefined
  finishReasons: Array<string> = []
  input: number | undefined
  output: number | undefined
  cached: number | undefined
  reasoning: number | undefined
  serviceTier: string | undefined
  fingerprint: string | undefined
  outputs: Array<unknown> = []
  firstChunkAt: number | undefined

  add(value: unknown, captureContent: boolean): void {
    if (!isRecord(value)) return
    // a Responses event carries the response in `response`
    const self = isRecord(value.response) ? value.response : value
    if (typeof self.id === "string") this.id ??= self.id
    if (typeof self.model === "string") this.model ??= self.model
    if (typeof self.service_tier === "string") this.serviceTier = self.service_tier
    if (typeof self.system_fingerprint === "string") this.fingerprint = self.system_fingerprint
    if (Array.isArray(self.choices)) {
      for (const choice of self.choices) {
        if (!isRecord(choice)) continue
        if (typeof choice.finish_reason === "string") this.finishReasons.push(choice.finish_reason)
        if (captureContent && isRecord(choice.message)) this.outputs.push(choice.message)
      }
    }
    if (self.object === "response" && (self.status === "completed" || self.status === "incomplete")) {
      const reason = isRecord(self.incomplete_details) ? self.incomplete_details.reason : undefined
      this.finishReasons.push(typeof reason === "string" ? reason : String(self.status))
      if (captureContent && Array.isArray(self.output)) this.outputs.push(...self.output)
    }
    const usage = self.usage
    if (!isRecord(usage)) return
    this.input = number(usage.input_tokens) ?? number(usage.prompt_tokens) ?? this.input
    this.output = number(usage.output_tokens) ?? number(usage.completion_tokens) ?? this.output
    const inputDetails = usage.input_tokens_details ?? usage.prompt_tokens_details
    const outputDetails = usage.output_tokens_details ?? usage.completion_tokens_details
    if (isRecord(inputDetails)) this.cached = number(inputDetails.cached_tokens) ?? this.cached
    if (isRecord(outputDetails)) this.reasoning = number(outputDetails.reasoning_tokens) ?? this.reasoning
  }

  attributes(): Attributes {
    const attributes: Attributes = {}
    if (this.id !== undefined) attributes["gen_ai.response.id"] = this.id
    if (this.model !== undefined) attributes["gen_ai.response.model"] = this.model
    if (this.finishReasons.length > 0) attributes["gen_ai.response.finish_reasons"] = this.finishReasons
    if (this.input !== undefined) attributes["gen_ai.usage.input_tokens"] = this.input
    if (this.output !== undefined) attributes["gen_ai.usage.output_tokens"] = this.output
    if (this.cached !== undefined) attributes["gen_ai.usage.cache_read.input_tokens"] = this.cached
    if (this.reasoning !== undefined) attributes["gen_ai.usage.reasoning.output_tokens"] = this.reasoning
    if (this.serviceTier !== undefined) attributes["openai.response.service_tier"] = this.serviceTier
    if (this.fingerprint !== undefined) attributes["openai.response.system_fingerprint"] = this.fingerprint
    if (this.outputs.length > 0) attributes["gen_ai.output.messages"] = JSON.stringify(this.outputs)
    return attributes
  }
}

const secondsBoundaries = MetricBoundaries.fromIterable([
  0.01,
  0.02,
  0.04,
  0.08,
  0.16,
  0.32,
  0.64,
  1.28,
  2.56,
  5.12,
  10.24,
  20.48,
  40.96,
  81.92
])
const tokenBoundaries = MetricBoundaries.fromIterable([
  1,
  4,
  16,
  64,
  256,
  1024,
  4096,
  16384,
  65536,
  262144,
  1048576,
  4194304,
  16777216,
  67108864
])

/** The metrics of the last published conventions (v1.41). */
const published = {
  duration: Metric.histogram("gen_ai.client.operation.duration", secondsBoundaries, "GenAI operation duration (s)"),
  firstChunk: Metric.histogram(
    "gen_ai.client.operation.time_to_first_chunk",
    secondsBoundaries,
    "Time to the first chunk of a streamed response (s)"
  ),
  tokens: Metric.histogram("gen_ai.client.token.usage", tokenBoundaries, "Tokens used, by gen_ai.token.type")
}

/** The metrics of the newest conventions (`gen_ai_latest_experimental`). */
const newest = {
  duration: Metric.histogram("gen_ai.client.inference.duration", secondsBoundaries, "Inference duration (s)"),
  firstChunk: Metric.histogram(
    "gen_ai.client.inference.time_to_first_chunk",
    secondsBoundaries,
    "Time to the first chunk of a streamed response (s)"
  ),
  input: Metric.counter("gen_ai.client.inference.usage.input_tokens", { description: "Input tokens" }),
  output: Metric.counter("gen_ai.client.inference.usage.output_tokens", { description: "Output tokens" }),
  cached: Metric.counter("gen_ai.client.inference.usage.cache_read.input_tokens", {
    description: "Input tokens read from the cache"
  }),
  reasoning: Metric.counter("gen_ai.client.inference.usage.reasoning.output_tokens", {
    description: "Output tokens spent reasoning"
  })
}

const retries = Metric.counter("openai.client.retries", { description: "Retries of OpenAI calls" })

const metricAttributes = [
  "gen_ai.operation.name",
  "openai.operation.name",
  "gen_ai.provider.name",
  "gen_ai.request.model",
  "server.address",
  "server.port"
] as const

/** Records a finished call's metrics. */
const record = (
  settings: Settings,
  attributes: Attributes,
  seen: Seen,
  startedAt: number,
  endedAt: number,
  errorType: string | undefined,
  attempts: number
): Effect.Effect<void> => {
  const tags: Record<string, string> = {}
  for (const key of metricAttributes) if (attributes[key] !== undefined) tags[key] = String(attributes[key])
  if (seen.model !== undefined) tags["gen_ai.response.model"] = seen.model
  const tagged = <Type, In, Out>(metric: Metric.Metric<Type, In, Out>, extra: Record<string, string> = {}) =>
    Metric.taggedWithLabels(
      metric,
      Object.entries({ ...tags, ...extra }).map(([key, value]) => MetricLabel.make(key, value))
    )
  const effects: Array<Effect.Effect<void>> = []
  const withError = errorType === undefined ? {} : { "error.type": errorType }
  const set = settings.latest ? newest : published
  effects.push(Metric.update(tagged(set.duration, withError), (endedAt - startedAt) / 1000))
  if (seen.firstChunkAt !== undefined) {
    effects.push(Metric.update(tagged(set.firstChunk), (seen.firstChunkAt - startedAt) / 1000))
  }
  if (settings.latest) {
    const modality = { "gen_ai.token.modality": "text" }
    if (seen.input !== undefined) effects.push(Metric.update(tagged(newest.input, modality), seen.input))
    if (seen.output !== undefined) effects.push(Metric.update(tagged(newest.output, modality), seen.output))
    if (seen.cached !== undefined) effects.push(Metric.update(tagged(newest.cached, modality), seen.cached))
    if (seen.reasoning !== undefined) effects.push(Metric.update(tagged(newest.reasoning, modality), seen.reasoning))
  } else {
    if (seen.input !== undefined) {
      effects.push(Metric.update(tagged(published.tokens, { "gen_ai.token.type": "input" }), seen.input))
    }
    if (seen.output !== undefined) {
      effects.push(Metric.update(tagged(published.tokens, { "gen_ai.token.type": "output" }), seen.output))
    }
  }
  if (attempts > 1) effects.push(Metric.update(tagged(retries), attempts - 1))
  return Effect.all(effects, { discard: true })
}

/** The `error.type` of a failure: the error's tag (`_OTHER` for a defect); none for a success or an interruption. */
const errorTypeOf = (exit: Exit.Exit<unknown, unknown>): string | undefined => {
  if (Exit.isSuccess(exit) || Cause.isInterruptedOnly(exit.cause)) return undefined
  const error = Option.getOrUndefined(Cause.failureOption(exit.cause))
  return isRecord(error) && typeof error._tag === "string" ? error._tag : "_OTHER"
}

/** Counts a call's attempts, for `openai.retry_count` and the retries metric. @internal */
export interface Attempts {
  count: number
}

/** Wraps an attempt so that each run counts. @internal */
export const counted = <A, E, R>(attempts: Attempts | undefined, attempt: Effect.Effect<A, E, R>) =>
  attempts === undefined ? attempt : Effect.zipRight(
    Effect.sync(() => {
      attempts.count++
    }),
    attempt
  )

const spanName = (attributes: Attributes, operation: Operation.OperationBase) =>
  attributes["gen_ai.operation.name"] !== undefined
    ? `${attributes["gen_ai.operation.name"]}${operation.model === undefined ? "" : ` ${operation.model}`}`
    : `OpenAI ${operation.name}`

const finish = (
  span: Tracer.Span | undefined,
  settings: Settings,
  attributes: Attributes,
  seen: Seen,
  clock: Clock.Clock,
  startedAt: number,
  exit: Exit.Exit<unknown, unknown>,
  attempts: Attempts
): Effect.Effect<void> =>
  Effect.suspend(() => {
    const endedAt = clock.unsafeCurrentTimeMillis()
    const errorType = errorTypeOf(exit)
    if (span !== undefined) {
      for (const [key, value] of Object.entries(seen.attributes())) span.attribute(key, value)
      if (attempts.count > 1) span.attribute("openai.retry_count", attempts.count - 1)
      if (errorType !== undefined) span.attribute("error.type", errorType)
    }
    return settings.metrics
      ? record(settings, attributes, seen, startedAt, endedAt, errorType, attempts.count)
      : Effect.void
  })

/**
 * A call that reads its whole response, in its span and with its metrics. `run` gets the attempt counter to wrap its
 * attempt with ({@link counted}); `undefined` when nothing is recorded.
 *
 * @internal
 */
export const request = <A, E>(
  settings: Settings,
  operation: Operation.OperationBase,
  run: (attempts: Attempts | undefined) => Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.tracerWith((tracer) => {
    const tracing = tracer !== nativeTracer
    if (!tracing && !settings.metrics) return run(undefined)
    // durations on the Effect clock, so a TestClock controls them too
    return Effect.clockWith((clock) => {
      const attributes = requestAttributes(operation, settings)
      const attempts: Attempts = { count: 0 }
      const seen = new Seen()
      const startedAt = clock.unsafeCurrentTimeMillis()
      const measured = (span: Tracer.Span | undefined) =>
        run(attempts).pipe(
          Effect.tap((value) => Effect.sync(() => seen.add(value, settings.captureContent))),
          Effect.onExit((exit) => finish(span, settings, attributes, seen, clock, startedAt, exit, attempts))
        )
      return tracing
        ? Effect.useSpan(
          spanName(attributes, operation),
          { kind: "client", captureStackTrace: false, attributes },
          (span) => Effect.withParentSpan(measured(span), span)
        )
        : measured(undefined)
    })
  })

/**
 * Opens a stream in its span (which lasts until the stream's scope closes) and with its metrics: every value is seen
 * (response id, model, finish reasons, usage), the first one's arrival is the time to first chunk.
 *
 * @internal
 */
export const stream = <A, E, R>(
  settings: Settings,
  operation: Operation.OperationBase,
  open: (attempts: Attempts | undefined) => Effect.Effect<Stream.Stream<A, E>, E, R>
): Effect.Effect<Stream.Stream<A, E>, E, R | Scope.Scope> =>
  Effect.tracerWith((tracer): Effect.Effect<Stream.Stream<A, E>, E, R | Scope.Scope> => {
    const tracing = tracer !== nativeTracer
    if (!tracing && !settings.metrics) return open(undefined)
    return Effect.clockWith((clock) => {
      const attributes = requestAttributes(operation, settings)
      const attempts: Attempts = { count: 0 }
      const seen = new Seen()
      const startedAt = clock.unsafeCurrentTimeMillis()
      // per chunk of values, not an effect per value
      const watch = (stream: Stream.Stream<A, E>) =>
        Stream.mapChunks(stream, (chunk) => {
          if (chunk.length > 0) seen.firstChunkAt ??= clock.unsafeCurrentTimeMillis()
          for (const value of chunk) seen.add(value, settings.captureContent)
          return chunk
        })
      const opened = (span: Tracer.Span | undefined): Effect.Effect<Stream.Stream<A, E>, E, R | Scope.Scope> =>
        open(attempts).pipe(
          Effect.tapErrorCause((cause) =>
            finish(span, settings, attributes, seen, clock, startedAt, Exit.failCause(cause), attempts)
          ),
          // a stream that opened is finished when its scope closes, after its last value
          Effect.tap(() =>
            Effect.addFinalizer((end) => finish(span, settings, attributes, seen, clock, startedAt, end, attempts))
          ),
          Effect.map(watch)
        )
      return tracing
        ? Effect.flatMap(
          Effect.makeSpanScoped(spanName(attributes, operation), {
            kind: "client",
            captureStackTrace: false,
            attributes
          }),
          (span) => Effect.withParentSpan(opened(span), span)
        )
        : opened(undefined)
    })
  })
