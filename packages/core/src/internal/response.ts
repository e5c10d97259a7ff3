import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as OpenAiError from "../OpenAiError.js"
import type * as Operation from "../Operation.js"
import * as ResponseMeta from "../ResponseMeta.js"
import { transportError } from "./attempt.js"
import { errorBodyOf } from "./errorBody.js"
import * as Listener from "./listener.js"
import type { Prepared } from "./pipeline.js"
import { annotateRequestId } from "./span.js"

/**
 * At most `OpenAiError.bodySnippetLength` characters of a body.
 *
 * @internal
 */
export const snippet = (text: string): string =>
  text.length > OpenAiError.bodySnippetLength ? text.slice(0, OpenAiError.bodySnippetLength) : text

const maxIssues = 5
const maxIssueLength = 160

/**
 * Where a body differs from its schema, briefly: the paths of the first issues (`["output"][0]["id"]: is missing`),
 * each cut to a line. The schema's own description can run to megabytes for the API's large unions, so it is not
 * repeated here; `cause`-free and value-free but for the schema's short messages.
 *
 * @internal
 */
export const shapeDetail = (error: ParseResult.ParseError): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const lines = issues.slice(0, maxIssues).map((issue) => {
    const path = issue.path.map((key) => `[${JSON.stringify(key)}]`).join("") || "(root)"
    const message = issue.message.length > maxIssueLength ? `${issue.message.slice(0, maxIssueLength)}…` : issue.message
    return `${path}: ${message}`
  })
  return issues.length > maxIssues ? `${lines.join("; ")}; and ${issues.length - maxIssues} more` : lines.join("; ")
}

/**
 * OpenAI's error object of an error body, or a snippet of a body that is not one (an HTML page from a proxy).
 *
 * @internal
 */
export const readErrorBody = (
  text: string
): { readonly error: OpenAiError.ErrorBody | undefined; readonly body: string | undefined } => {
  const trimmed = text.trim()
  if (trimmed.startsWith("{")) {
    try {
      const error = errorBodyOf(JSON.parse(trimmed))
      if (error !== undefined) return { error, body: undefined }
    } catch {
      // not JSON: keep the snippet
    }
  }
  return { error: undefined, body: snippet(text) }
}

const isSuccess = (status: number) => status >= 200 && status < 300

/**
 * The whole body as text; a transport failure while reading it is a connection (or deadline) error.
 *
 * @internal
 */
export const readText = (prepared: Prepared, response: HttpClientResponse.HttpClientResponse) =>
  Effect.mapError(response.text, (error) => transportError(prepared, error))

/**
 * The error of a non-2xx response, its body read.
 *
 * @internal
 */
export const statusError = (
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<never, OpenAiError.OpenAiError> =>
  Effect.flatMap(readText(prepared, response), (text) =>
    Effect.zipRight(
      annotateRequestId(meta),
      Effect.fail(OpenAiError.fromStatus({ request: prepared.info, response: meta, ...readErrorBody(text) }))
    ))

/**
 * A 2xx body that is not valid JSON.
 *
 * @internal
 */
export const invalidJson = (
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta,
  text: string,
  detail: string
): OpenAiError.ResponseDecodeError =>
  new OpenAiError.ResponseDecodeError({
    request: prepared.info,
    response: meta,
    reason: "InvalidJson",
    body: snippet(text),
    detail
  })

const decodeJson = <A>(
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta,
  response: HttpClientResponse.HttpClientResponse,
  decode: (json: unknown) => Effect.Effect<A, ParseResult.ParseError>
): Effect.Effect<A, OpenAiError.OpenAiError> =>
  Effect.flatMap(readText(prepared, response), (text) => {
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (cause) {
      return Effect.fail(invalidJson(prepared, meta, text, text === "" ? "empty body" : (cause as Error).message))
    }
    return Effect.mapError(decode(json), (error) =>
      new OpenAiError.ResponseDecodeError({
        request: prepared.info,
        response: meta,
        reason: "UnexpectedShape",
        body: snippet(text),
        detail: shapeDetail(error)
      }))
  })

const readBody = <A>(
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta,
  response: HttpClientResponse.HttpClientResponse,
  kind: Operation.Response<A>
): Effect.Effect<A, OpenAiError.OpenAiError> => {
  switch (kind._tag) {
    case "Json":
      return decodeJson(prepared, meta, response, kind.decode)
    case "Text":
      return readText(prepared, response) as Effect.Effect<A, OpenAiError.OpenAiError>
    case "Empty":
      // read to the end (so the connection is reused) and ignored
      return Effect.asVoid(readBytes(prepared, response)) as Effect.Effect<A, OpenAiError.OpenAiError>
    case "Bytes":
      return readBytes(prepared, response) as Effect.Effect<A, OpenAiError.OpenAiError>
  }
}

const readBytes = (prepared: Prepared, response: HttpClientResponse.HttpClientResponse) =>
  Effect.mapBoth(response.arrayBuffer, {
    onFailure: (error) => transportError(prepared, error),
    onSuccess: (buffer) => new Uint8Array(buffer)
  })

/**
 * Reads a whole response as its operation says: a non-2xx status is its typed error, a 2xx body is decoded by kind.
 * The request id goes on the span, and a success is told to the response listener (`withResponse`).
 *
 * @internal
 */
export const read = <A>(
  prepared: Prepared,
  kind: Operation.Response<A>,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<A, OpenAiError.OpenAiError> => {
  const meta = ResponseMeta.make(response.status, response.headers)
  if (!isSuccess(meta.status)) return statusError(prepared, meta, response)
  return Effect.zipRight(
    annotateRequestId(meta),
    Effect.tap(readBody(prepared, meta, response, kind), () => Listener.notify(meta))
  )
}
