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
