/**
 * How an API operation is described to the request pipeline: its HTTP request (method, path, query, headers, a
 * JSON, multipart or raw body) and the kind of its response (JSON with a decoder, empty, text, bytes, a byte
 * stream, or server-sent events with the operation's rules). Resource modules are written with these; so can you,
 * for an endpoint this package does not cover yet: the descriptor gets the whole pipeline (typed errors, retries,
 * timeouts, redirects, metadata, tracing).
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import { isRecord } from "effect/Predicate"
import type * as Schema from "effect/Schema"
import { errorBodyOf } from "./internal/errorBody.js"
import { decoder, decoderEither } from "./internal/schema.js"
import type * as Multipart from "./Multipart.js"
import type * as OpenAiError from "./OpenAiError.js"
import type * as Sse from "./Sse.js"

/**
 * Header values; `null` removes a header set at a lower level (e.g. a default header for one call).
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput = Readonly<Record<string, string | null | undefined>>

/**
 * One query value. An array repeats the parameter (`include=a&include=b`; name it `include[]` for the bracket
 * form); `undefined` and `null` leave it out.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryValue = string | number | boolean | null | undefined | ReadonlyArray<string | number | boolean>

/**
 * Query parameters, percent-encoded when sent.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryInput = Readonly<Record<string, QueryValue>>

/**
 * An HTTP method of the API.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * A request body.
 *
 * @since 0.1.0
 * @category models
 */
export type Body =
  | { readonly _tag: "Json"; readonly value: unknown }
  | { readonly _tag: "Multipart"; readonly fields: Multipart.Fields }
  | { readonly _tag: "Raw"; readonly data: string | Uint8Array | Blob; readonly contentType: string }

/**
 * A JSON body: `value` as `JSON.stringify` writes it.
 *
 * @since 0.1.0
 * @category bodies
 */
export const jsonBody = (value: unknown): Body => ({ _tag: "Json", value })

/**
 * A `multipart/form-data` body (files, and fields of text, numbers, booleans, arrays and objects); see
 * {@link Multipart}.
 *
 * @since 0.1.0
 * @category bodies
 */
export const multipartBody = (fields: Multipart.Fields): Body => ({ _tag: "Multipart", fields })

/**
 * A body sent as it is, with its content type (e.g. `application/sdp`).
 *
 * @since 0.1.0
 * @category bodies
 */
export const rawBody = (data: string | Uint8Array | Blob, contentType: string): Body => ({
  _tag: "Raw",
  data,
  contentType
})

/**
 * What every operation says about its HTTP request.
 *
 * @since 0.1.0
 * @category models
 */
export interface OperationBase {
  /** The SDK-style name, e.g. `chat.completions.create`; the span is named `OpenAI <name>`. */
  readonly name: string
  readonly method: Method
  /** Path below the base URL, starting with `/`, with path parameters already encoded. */
  readonly path: string
  readonly query?: QueryInput | undefined
  readonly body?: Body | undefined
  /** Headers of the operation itself (e.g. `OpenAI-Beta`); the caller's per-call headers win over them. */
  readonly headers?: HeadersInput | undefined
  /** Recorded on the span as `gen_ai.request.model`. */
  readonly model?: string | undefined
  /**
   * `"admin"`: the call is authorized with the client's admin key (`adminApiKey`, `OPENAI_ADMIN_KEY`) instead of
   * the API key; without one it fails with an `InvalidRequestError` before anything is sent.
   */
  readonly credential?: "admin" | undefined
}

/**
 * The kind of a response read whole.
 *
 * @since 0.1.0
 * @category models
 */
export type Response<A> =
  | { readonly _tag: "Json"; readonly decode: (json: unknown) => Effect.Effect<A, ParseResult.ParseError> }
  | { readonly _tag: "Empty" }
  | { readonly _tag: "Text" }
  | { readonly _tag: "Bytes" }

/**
 * A JSON response decoded with `schema` (unknown keys kept). The decoder is built on first use, not here.
 *
 * @since 0.1.0
 * @category responses
 */
export const jsonResponse = <A, I>(schema: Schema.Schema<A, I>): Response<A> => ({
  _tag: "Json",
  decode: decoder(schema)
})

/**
 * A response whose body, if any, is ignored (the call succeeds with `void`).
 *
 * @since 0.1.0
 * @category responses
 */
export const emptyResponse: Response<void> = { _tag: "Empty" }

/**
 * A text response (UTF-8).
 *
 * @since 0.1.0
 * @category responses
 */
export const textResponse: Response<string> = { _tag: "Text" }

/**
 * A binary response collected into one `Uint8Array`. For large bodies prefer {@link byteStreamResponse}.
 *
 * @since 0.1.0
 * @category responses
 */
export const bytesResponse: Response<Uint8Array> = { _tag: "Bytes" }

/**
 * An operation whose response is read whole.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<A> extends OperationBase {
  readonly response: Response<A>
}

/**
 * A stream step that fails the stream with a `StreamError`; `value`, when present, is delivered first.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamStepFailure<A = never> {
  readonly _tag: "Fail"
  readonly reason: OpenAiError.StreamError["reason"]
  readonly error: OpenAiError.ErrorBody | undefined
  readonly detail: string
  readonly value?: A | undefined
}

/**
 * What a streaming operation makes of one server-sent event: a value, nothing, the end (with a last value when the
 * terminal event carries one, e.g. the final response), or a failure.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamStep<A> =
  | { readonly _tag: "Emit"; readonly value: A }
  | { readonly _tag: "Skip" }
  | { readonly _tag: "End"; readonly value?: A | undefined }
  | StreamStepFailure<A>

/**
 * Delivers a value.
 *
 * @since 0.1.0
 * @category steps
 */
export const emit = <A>(value: A): StreamStep<A> => ({ _tag: "Emit", value })

/**
 * Ignores the event.
 *
 * @since 0.1.0
 * @category steps
 */
export const skip: StreamStep<never> = { _tag: "Skip" }

/**
 * Ends the stream, after delivering `value` when given.
 *
 * @since 0.1.0
 * @category steps
 */
export const end = <A = never>(value?: A): StreamStep<A> => value === undefined ? ended : { _tag: "End", value }

const ended: StreamStep<never> = { _tag: "End" }

/**
 * Fails the stream with a `StreamError` (after delivering `value` when given). `detail` must not echo the payload.
 *
 * @since 0.1.0
 * @category steps
 */
export const fail = <A = never>(
  reason: OpenAiError.StreamError["reason"],
  error: OpenAiError.ErrorBody | undefined,
  detail: string,
  value?: A
): StreamStepFailure<A> =>
  value === undefined ? { _tag: "Fail", reason, error, detail } : { _tag: "Fail", reason, error, detail, value }

/**
 * An event's JSON payload, or the failure OpenAI's streams agree on: `event: error`, a payload with an `error`
 * object, or one of `type: "error"` (the Responses, images and audio streams, whose error fields sit beside `type`)
 * is an `ErrorEvent` (with the error), data that is not JSON an `InvalidEvent` (without echoing it).
 *
 * @since 0.1.0
 * @category steps
 */
export const eventJson = (event: Sse.Event): Either.Either<unknown, StreamStepFailure> => {
  let json: unknown
  try {
    json = JSON.parse(event.data)
  } catch {
    return Either.left(
      event.event === "error"
        ? fail("ErrorEvent", undefined, `an error event whose data is not JSON (${event.data.length} characters)`)
        : fail("InvalidEvent", undefined, `an event's data is not valid JSON (${event.data.length} characters)`)
    )
  }
  if (isRecord(json) && json.type === "error" && !isRecord(json.error)) {
    // `type: "error"` tags the event, it is not the error's type
    return Either.left(fail("ErrorEvent", errorBodyOf({ error: { ...json, type: undefined } }), "an error event"))
  }
  if (event.event === "error") return Either.left(fail("ErrorEvent", errorBodyOf(json), "an error event"))
  if (isRecord(json) && isRecord(json.error)) {
    return Either.left(fail("ErrorEvent", errorBodyOf(json), "an event with an error object"))
  }
  return Either.right(json)
}

/**
 * The `InvalidEvent` failure for an event that does not have the expected shape, naming the paths (never values).
 *
 * @since 0.1.0
 * @category steps
 */
export const invalidEvent = (what: string, error: ParseResult.ParseError): StreamStepFailure => {
  const paths = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => issue.path.join(".") || "(root)")
  return fail(
    "InvalidEvent",
    undefined,
    `${what} does not have the expected shape at ${[...new Set(paths)].join(", ")}`
  )
}

/**
 * The kind of a streamed response.
 *
 * @since 0.1.0
 * @category models
 */
export type StreamResponse<A> =
  | {
    readonly _tag: "Events"
    /** The terminal events, as told in a truncation error (e.g. `data: [DONE]`, `response.completed`). */
    readonly terminal: ReadonlyArray<string>
    /** Makes the event rules of one attempt (called again for each retry, so state starts clean). */
    readonly events: () => (event: Sse.Event) => StreamStep<A>
  }
  | { readonly _tag: "Bytes" }

/**
 * A `text/event-stream` response: each event goes through the rules `events()` makes for the attempt. A stream
 * that ends before one of its `terminal` events fails with a truncation `StreamError`.
 *
 * @since 0.1.0
 * @category responses
 */
export const eventStreamResponse = <A>(options: {
  readonly terminal: ReadonlyArray<string>
  readonly events: () => (event: Sse.Event) => StreamStep<A>
}): StreamResponse<A> => ({ _tag: "Events", terminal: options.terminal, events: options.events })

/**
 * The event stream of most OpenAI endpoints (Responses, images, audio, completions): each event's JSON is decoded
 * with `schema` (a union tagged by `type`; unknown keys kept), a `type` in `terminal` ends the stream after
 * delivering that event (the final response, image or transcript), `data: [DONE]` ends it when `terminal` lists
 * `[DONE]`, and an error event (as {@link eventJson} reads them) fails it with an `ErrorEvent` `StreamError` after
 * every earlier event was delivered. A `type` in `failing` (e.g. `response.failed`) is delivered, then fails the
 * stream with an `ErrorEvent` `StreamError` carrying its `response.error`, so a failed response is never taken for
 * a finished one.
 *
 * @since 0.2.0
 * @category responses
 */
export const eventsResponse = <A, I>(
  schema: Schema.Schema<A, I>,
  options: { readonly terminal: ReadonlyArray<string>; readonly failing?: ReadonlyArray<string> | undefined }
): StreamResponse<A> => {
  const decode = decoderEither(schema)
  const terminal = new Set(options.terminal)
  const failing = new Set(options.failing)
  const done = terminal.has("[DONE]")
  const step = (event: Sse.Event): StreamStep<A> => {
    if (done && event.data === "[DONE]") return end()
    const json = eventJson(event)
    if (Either.isLeft(json)) return json.left
    const type = isRecord(json.right) ? json.right.type : undefined
    const decoded = decode(json.right)
    if (Either.isLeft(decoded)) {
      return invalidEvent(typeof type === "string" ? `a ${type} event` : "an event", decoded.left)
    }
    if (typeof type !== "string") return emit(decoded.right)
    if (failing.has(type)) {
      const response = (json.right as Record<string, unknown>).response
      return fail(
        "ErrorEvent",
        errorBodyOf({ error: isRecord(response) ? response.error : undefined }),
        `a ${type} event`,
        decoded.right
      )
    }
    return terminal.has(type) ? end(decoded.right) : emit(decoded.right)
  }
  return eventStreamResponse({ terminal: options.terminal, events: () => step })
}

/**
 * A binary body as a stream of byte chunks (speech audio, file and video content): retried only before its first
 * byte, with the idle timeout between chunks, and interruption closes the connection.
 *
 * @since 0.1.0
 * @category responses
 */
export const byteStreamResponse: StreamResponse<Uint8Array> = { _tag: "Bytes" }

/**
 * An operation whose response is streamed.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamOperation<A> extends OperationBase {
  readonly response: StreamResponse<A>
}
