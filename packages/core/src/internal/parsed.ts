/**
 * What `parse` (Chat and Responses) needs besides the call: its typed errors, and the decode of the answer as a
 * `ResponseDecodeError` with the schema's path. Apart from `ResponseFormat` (which loads `JSONSchema`), so importing
 * `Chat` stays light.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as OpenAiClient from "../OpenAiClient.js"
import * as OpenAiError from "../OpenAiError.js"
import type * as ResponseMeta from "../ResponseMeta.js"
import { shapeDetail } from "./response.js"

/**
 * The model refused to answer in the format (its `refusal` says why).
 *
 * @since 0.2.0
 * @category errors
 */
export class RefusalError extends Data.TaggedError("RefusalError")<{
  readonly refusal: string
  /** The completion or response that carried the refusal. */
  readonly output: unknown
}> {
  override get message(): string {
    return `The model refused: ${this.refusal}`
  }
}

/**
 * The answer was cut short, so it is not the whole JSON: `length` / `max_output_tokens` (the output bound was
 * reached), `content_filter`, or another incomplete reason.
 *
 * @since 0.2.0
 * @category errors
 */
export class IncompleteOutputError extends Data.TaggedError("IncompleteOutputError")<{
  readonly reason: string
  /** The completion or response that was cut short. */
  readonly output: unknown
}> {
  override get message(): string {
    return `The answer is incomplete (${this.reason}): raise the output bound or shorten the request`
  }
}

/** What a format must give `parse`: its decoder. @internal */
export interface Decoder<A> {
  readonly decodeUnknown: (value: unknown) => Effect.Effect<A, ParseResult.ParseError>
}

/** Runs a call and keeps its response metadata, for the decode error. @internal */
export const withMeta = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<{ readonly data: A; readonly response: ResponseMeta.ResponseMeta }, E, R> =>
  Effect.catchTag(
    OpenAiClient.withResponse(self),
    "NoSuchElementException",
    () => Effect.dieMessage("the call made no successful request")
  ) as Effect.Effect<{ readonly data: A; readonly response: ResponseMeta.ResponseMeta }, E, R>

/** Decodes the answer's JSON text; a failure is a `ResponseDecodeError` naming the path. @internal */
export const decodeAnswer = <A>(
  decoder: Decoder<A>,
  text: string,
  request: OpenAiError.RequestInfo,
  response: ResponseMeta.ResponseMeta
): Effect.Effect<A, OpenAiError.ResponseDecodeError> => {
  const fail = (reason: "InvalidJson" | "UnexpectedShape", detail: string) =>
    Effect.fail(new OpenAiError.ResponseDecodeError({ request, response, reason, body: text.slice(0, 2048), detail }))
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    return fail("InvalidJson", error instanceof Error ? error.message : String(error))
  }
  return Effect.catchAll(decoder.decodeUnknown(json), (error) => fail("UnexpectedShape", shapeDetail(error)))
}

/**
 * The answer text of a Responses API response: the first output text part (`"first"`, a structured answer) or all of
 * them joined (`"all"`, as the SDK's `output_text`); a refusal is a `RefusalError`, an incomplete response an
 * `IncompleteOutputError`.
 *
 * @internal
 */
export const responseText = (
  response: {
    readonly status?: unknown
    readonly incomplete_details?: unknown
    readonly output: ReadonlyArray<unknown>
  },
  which: "first" | "all"
): Effect.Effect<string, RefusalError | IncompleteOutputError> => {
  if (response.status === "incomplete") {
    const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined
    return Effect.fail(new IncompleteOutputError({ reason: String(reason ?? "incomplete"), output: response }))
  }
  let text = ""
  for (const item of response.output) {
    if (!isRecord(item) || item.type !== "message" || !Array.isArray(item.content)) continue
    for (const part of item.content as ReadonlyArray<unknown>) {
      if (!isRecord(part)) continue
      if (part.type === "refusal" && typeof part.refusal === "string") {
        return Effect.fail(new RefusalError({ refusal: part.refusal, output: response }))
      }
      if (part.type === "output_text" && typeof part.text === "string") {
        // a structured answer is one JSON text: the first output text part, as the official SDK parses it
        if (which === "first") return Effect.succeed(part.text)
        text += part.text
      }
    }
  }
  return Effect.succeed(text)
}

/**
 * The answer text of a chat completion's choice; a refusal is a `RefusalError`, a choice cut short (`length`,
 * `content_filter`) an `IncompleteOutputError`. `output` is the completion, for the errors.
 *
 * @internal
 */
export const choiceText = (
  choice: {
    readonly message: { readonly content?: string | null | undefined; readonly refusal?: string | null | undefined }
    readonly finish_reason: string | null
  } | undefined,
  output: unknown
): Effect.Effect<string, RefusalError | IncompleteOutputError> => {
  if (choice?.message.refusal != null) return Effect.fail(new RefusalError({ refusal: choice.message.refusal, output }))
  if (choice?.finish_reason === "length" || choice?.finish_reason === "content_filter") {
    return Effect.fail(new IncompleteOutputError({ reason: choice.finish_reason, output }))
  }
  return Effect.succeed(choice?.message.content ?? "")
}

/**
 * `streamParse` for either API: the events of a stream accumulated into their snapshot, a `Partial` event each time
 * the answer's text so far stands for a new value (`partial`: the value; `text`: the text so far), then the answer
 * decoded, `done` with the snapshot. The request and response metadata go to a decode failure.
 *
 * @internal
 */
export const parsedStream = <Event, Snapshot, A, P, Done>(options: {
  readonly path: string
  readonly events: Stream.Stream<Event, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
  readonly format: Decoder<A> & { readonly partial: (text: string) => P | undefined }
  readonly delta: (event: Event) => string | undefined
  readonly accumulator: () => { readonly add: (event: Event) => unknown; readonly snapshot: () => Snapshot | undefined }
  readonly answer: (snapshot: Snapshot) => Effect.Effect<string, RefusalError | IncompleteOutputError>
  readonly done: (parsed: A, snapshot: Snapshot) => Done
}): Stream.Stream<
  { readonly _tag: "Partial"; readonly partial: P; readonly text: string } | Done,
  OpenAiError.OpenAiError | RefusalError | IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Stream.unwrap(Effect.map(OpenAiClient.OpenAiClient, (client) => {
    const request = { method: "POST", url: `${client.baseURL}${options.path}` }
    let meta: ResponseMeta.ResponseMeta | undefined
    let text = ""
    let last: string | undefined
    const accumulator = options.accumulator()
    const partials = options.events.pipe(
      OpenAiClient.withStreamResponse((response) => Effect.sync(() => (meta = response))),
      Stream.filterMap((event) => {
        accumulator.add(event)
        const delta = options.delta(event)
        if (delta === undefined) return Option.none()
        text += delta
        const partial = options.format.partial(text)
        if (partial === undefined) return Option.none()
        // only a new value: a delta inside a key or a number may leave it as it was
        const json = JSON.stringify(partial)
        if (json === last) return Option.none()
        last = json
        return Option.some({ _tag: "Partial" as const, partial, text })
      })
    )
    const done = Effect.suspend(() => {
      const snapshot = accumulator.snapshot()
      if (snapshot === undefined || meta === undefined) return Effect.dieMessage("streamParse: no response")
      return options.answer(snapshot).pipe(
        Effect.flatMap((answer) => decodeAnswer(options.format, answer, request, meta!)),
        Effect.map((parsed) => options.done(parsed, snapshot))
      )
    })
    return Stream.concat(partials, Stream.fromEffect(done))
  }))
