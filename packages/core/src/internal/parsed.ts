/**
 * What `parse` (Chat and Responses) needs besides the call: its typed errors, and the decode of the answer as a
 * `ResponseDecodeError` with the schema's path. Apart from `ResponseFormat` (which loads `JSONSchema`), so importing
 * `Chat` stays light.
 *
 * @internal
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import { isRecord } from "effect/Predicate"
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
    () => Effect.dieMessage("parse: the call made no successful request")
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
 * The answer text of a Responses API response: its messages' output text; a refusal is a `RefusalError`, an
 * incomplete response an `IncompleteOutputError`.
 *
 * @internal
 */
export const responseText = (
  response: {
    readonly status?: unknown
    readonly incomplete_details?: unknown
    readonly output: ReadonlyArray<unknown>
  }
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
      if (part.type === "output_text" && typeof part.text === "string") text += part.text
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
 * Follows an answer's text as it streams: each delta appended, the value the text stands for so far, given only when
 * it changed since the last one given.
 *
 * @internal
 */
export const partialTracker = <P>(partial: (text: string) => P | undefined) => {
  let text = ""
  let last: string | undefined
  return (delta: string): P | undefined => {
    text += delta
    const value = partial(text)
    if (value === undefined) return undefined
    const json = JSON.stringify(value)
    if (json === last) return undefined
    last = json
    return value
  }
}
