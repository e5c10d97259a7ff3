/**
 * The Responses API: create a response (`Responses.create`, or `Responses.stream` for its typed events), retrieve,
 * cancel, delete, compact it, list its input items, count input tokens; `Responses.parse` and `Responses.streamParse`
 * for structured outputs.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
import type * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Generated from "./generated/Responses.js"
import { responseTextDelta } from "./internal/deltas.js"
import * as Parsed from "./internal/parsed.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"

export * from "./generated/Responses.js"

/**
 * A response with `output_parsed`: its output text decoded with the format's schema.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedResponse<A> = Generated.Response & { readonly output_parsed: A }

/**
 * Creates a response in a structured output format (`ResponseFormat.fromSchema`, sent as `text.format`) and decodes
 * its output text into `output_parsed`, as the official SDK's `parse`. A refusal fails with `RefusalError`, a
 * response cut short (`incomplete`: `max_output_tokens`, `content_filter`) with `IncompleteOutputError`, an answer
 * the schema does not decode with `ResponseDecodeError` naming the path.
 *
 * @since 0.2.0
 * @category operations
 */
export const parse = <A>(
  params: Omit<Generated.CreateParams, "text" | "stream">,
  format: Parsed.Decoder<A> & { readonly text: NonNullable<Generated.CreateParams["text"]> },
  options?: OpenAiClient.RequestOptions
): Effect.Effect<
  ParsedResponse<A>,
  OpenAiError.OpenAiError | Parsed.RefusalError | Parsed.IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Effect.gen(function*() {
    const { data, response } = yield* Parsed.withMeta(Generated.create({ ...params, text: format.text }, options))
    const text = yield* Parsed.responseText(data, "first")
    const client = yield* OpenAiClient.OpenAiClient
    const request = { method: "POST", url: `${client.baseURL}/responses` }
    const parsed = yield* Parsed.decodeAnswer(format, text, request, response)
    return { ...data, output_parsed: parsed }
  })

/**
 * An event of {@link streamParse}: a partial value each time the answer's JSON grows into a different one, then the
 * decoded value with the whole response.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedStreamEvent<A, P> =
  | { readonly _tag: "Partial"; readonly partial: P; readonly text: string }
  | { readonly _tag: "Parsed"; readonly parsed: A; readonly response: Generated.Response }

/**
 * Streams a response in a structured output format (`ResponseFormat.fromSchema`, sent as `text.format`): a
 * `Partial` event each time the output text, read as far as it has arrived, stands for a new value (see
 * `ResponseFormat.partial`), then one `Parsed` event with the answer decoded by the schema and the response the
 * events amount to. A refusal fails with `RefusalError`, an incomplete response with `IncompleteOutputError`, an
 * answer the schema does not decode with `ResponseDecodeError`, a `response.failed` with `StreamError`.
 *
 * @since 0.2.0
 * @category operations
 */
export const streamParse = <A, P>(
  params: Omit<Generated.CreateParams, "text" | "stream">,
  format: Parsed.Decoder<A> & {
    readonly text: NonNullable<Generated.CreateParams["text"]>
    readonly partial: (text: string) => P | undefined
  },
  options?: OpenAiClient.StreamRequestOptions
): Stream.Stream<
  ParsedStreamEvent<A, P>,
  OpenAiError.OpenAiError | Parsed.RefusalError | Parsed.IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Parsed.parsedStream({
    path: "/responses",
    events: Generated.stream({ ...params, text: format.text }, options),
    format,
    delta: responseTextDelta,
    accumulator: () => new ResponseAccumulator(),
    answer: (response) => Parsed.responseText(response, "first"),
    done: (parsed, response) => ({ _tag: "Parsed", parsed, response } as const)
  })

// ---------------------------------------------------------------------------------------------------------------
// stream helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * The output text deltas of a response stream (`response.output_text.delta`), without empty ones.
 *
 * @since 0.2.0
 * @category streaming
 */
export const textDeltas = <E, R>(
  self: Stream.Stream<Generated.ResponseStreamEvent, E, R>
): Stream.Stream<string, E, R> => Stream.filterMap(self, (event) => Option.fromNullable(responseTextDelta(event)))

type Mutable = Record<string, unknown>

const at = (list: unknown, index: unknown): Mutable | undefined =>
  Array.isArray(list) && typeof index === "number" && isRecord(list[index]) ? list[index] as Mutable : undefined

const append = (target: Mutable | undefined, key: string, delta: unknown) => {
  if (target !== undefined && typeof delta === "string") {
    target[key] = (typeof target[key] === "string" ? target[key] : "") + delta
  }
}

/**
 * Rebuilds the `Response` a stream of events amounts to: output items, content parts, text, refusal, function-call
 * argument and reasoning summary deltas, then each item's final form; the terminal event's response (completed,
 * incomplete or failed) replaces the rebuilt one, so the result agrees with it. Add events as they come and take a
 * snapshot at any time (`undefined` before `response.created`).
 *
 * @since 0.2.0
 * @category streaming
 */
export class ResponseAccumulator {
  private response: Mutable | undefined = undefined

  /**
   * Adds one event.
   *
   * @since 0.2.0
   */
  add(event: Generated.ResponseStreamEvent): this {
    const e = event as unknown as Mutable
    const output = () => {
      if (this.response === undefined) this.response = { output: [] }
      if (!Array.isArray(this.response.output)) this.response.output = []
      return this.response.output as Array<unknown>
    }
    const item = () => at(output(), e.output_index)
    switch (e.type) {
      case "response.created":
      case "response.in_progress":
      case "response.completed":
      case "response.incomplete":
      case "response.failed":
        if (isRecord(e.response)) this.response = structuredClone(e.response) as Mutable
        break
      case "response.output_item.added":
      case "response.output_item.done":
        if (isRecord(e.item) && typeof e.output_index === "number") output()[e.output_index] = structuredClone(e.item)
        break
      case "response.content_part.added":
      case "response.content_part.done": {
        const target = item()
        if (target !== undefined && isRecord(e.part) && typeof e.content_index === "number") {
          if (!Array.isArray(target.content)) target.content = []
          ;(target.content as Array<unknown>)[e.content_index] = structuredClone(e.part)
        }
        break
      }
      case "response.output_text.delta":
        append(at(item()?.content, e.content_index), "text", e.delta)
        break
      case "response.refusal.delta":
        append(at(item()?.content, e.content_index), "refusal", e.delta)
        break
      case "response.function_call_arguments.delta":
        append(item(), "arguments", e.delta)
        break
      case "response.reasoning_summary_part.added": {
        const target = item()
        if (target !== undefined && isRecord(e.part) && typeof e.summary_index === "number") {
          if (!Array.isArray(target.summary)) target.summary = []
          ;(target.summary as Array<unknown>)[e.summary_index] = structuredClone(e.part)
        }
        break
      }
      case "response.reasoning_summary_text.delta":
        append(at(item()?.summary, e.summary_index), "text", e.delta)
        break
    }
    return this
  }

  /**
   * The response so far.
   *
   * @since 0.2.0
   */
  snapshot(): Generated.Response | undefined {
    return this.response === undefined ? undefined : structuredClone(this.response) as unknown as Generated.Response
  }
}

/**
 * A sink that accumulates a response stream into the `Response` it amounts to (see {@link ResponseAccumulator}).
 *
 * @since 0.2.0
 * @category streaming
 */
export const accumulate: Sink.Sink<Generated.Response | undefined, Generated.ResponseStreamEvent> = Sink.suspend(
  () => {
    const accumulator = new ResponseAccumulator()
    return Sink.forEachChunk((events: Chunk.Chunk<Generated.ResponseStreamEvent>) =>
      Effect.sync(() => {
        for (const event of events) accumulator.add(event)
      })
    ).pipe(Sink.map(() => accumulator.snapshot()))
  }
)
