import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Stream from "effect/Stream"
import type * as OpenAiClient from "../OpenAiClient.js"
import * as OpenAiError from "../OpenAiError.js"
import type * as Operation from "../Operation.js"
import * as RetryPolicy from "../RetryPolicy.js"
import * as Multipart from "./multipart.js"
import type { Pipeline, Prepared } from "./pipeline.js"
import * as Validate from "./validate.js"

/**
 * Sets `input` on lower-case `target` names; `null` or `undefined` removes a header set before.
 *
 * @internal
 */
export const applyHeaders = (target: Record<string, string>, input: Operation.HeadersInput | undefined): void => {
  if (input === undefined) return
  for (const name in input) {
    const value = input[name]
    const key = name.toLowerCase()
    if (value === null || value === undefined) delete target[key]
    else target[key] = value
  }
}

/**
 * `base` with the parameters of `input` (arrays repeated) replacing those of the same name; `null` and `undefined`
 * values leave the parameter as it was.
 *
 * @internal
 */
export const mergeQuery = (base: UrlParams.UrlParams, input: Operation.QueryInput | undefined): UrlParams.UrlParams => {
  if (input === undefined) return base
  // No prototype: a parameter named `constructor` or `__proto__` is a parameter like any other.
  const given: Record<string, Exclude<Operation.QueryValue, null | undefined>> = Object.create(null)
  let any = false
  for (const name in input) {
    const value = input[name]
    if (value === undefined || value === null) continue
    given[name] = value
    any = true
  }
  if (!any) return base
  return [...base.filter(([name]) => !(name in given)), ...UrlParams.fromInput(given)]
}

const blobStream = (blob: Blob) =>
  Stream.fromReadableStream({ evaluate: () => blob.stream(), onError: (error) => error })

/** The HTTP body of an operation, whether it can be sent twice, or why it cannot be encoded. */
const encodeBody = (
  body: Operation.Body | undefined
): Either.Either<{ readonly body: HttpBody.HttpBody; readonly resendable: boolean }, { cause: unknown }> => {
  if (body === undefined) return Either.right({ body: HttpBody.empty, resendable: true })
  switch (body._tag) {
    case "Json": {
      let json: string | undefined
      try {
        json = JSON.stringify(body.value)
      } catch (cause) {
        return Either.left({ cause })
      }
      return Either.right({
        body: json === undefined ? HttpBody.empty : HttpBody.text(json, "application/json"),
        resendable: true
      })
    }
    case "Multipart":
      return Either.right(Multipart.encode(body.fields))
    case "Raw":
      return Either.right({
        body: typeof body.data === "string"
          ? HttpBody.text(body.data, body.contentType)
          : body.data instanceof Uint8Array
          ? HttpBody.uint8Array(body.data, body.contentType)
          : HttpBody.stream(blobStream(body.data), body.contentType, body.data.size),
        resendable: true
      })
  }
}

const noRetries: RetryPolicy.RetryPolicy = Schedule.stop

/**
 * Builds one call's HTTP request from the operation, the client's defaults and the call's options: URL and query,
 * headers (defaults, then the operation's, then the call's), the encoded body; and its limits and retry policy. A
 * call that cannot be sent is an `InvalidRequestError`, before anything is sent.
 *
 * @internal
 */
export const prepare = (
  pipeline: Pipeline,
  operation: Operation.OperationBase,
  options: OpenAiClient.StreamRequestOptions | undefined,
  accept: string
): Either.Either<Prepared, OpenAiError.InvalidRequestError> => {
  const info: OpenAiError.RequestInfo = { method: operation.method, url: pipeline.baseURL + operation.path }
  const invalid = (message: string, cause?: unknown) =>
    Either.left(new OpenAiError.InvalidRequestError({ request: info, message, cause }))
  const limits = Validate.requestOptions(options, pipeline.limits)
  if (Either.isLeft(limits)) return invalid(limits.left)
  const badHeader = Validate.headersProblem(operation.headers)
  if (badHeader !== undefined) return invalid(badHeader)
  const encoded = encodeBody(operation.body)
  if (Either.isLeft(encoded)) {
    const cause = encoded.left.cause
    const reason = cause instanceof Error ? cause.message : String(cause)
    return invalid(`The request body cannot be encoded as JSON: ${reason}`, cause)
  }
  const headers = { ...pipeline.headers }
  if (operation.credential === "admin") {
    if (pipeline.adminAuthorization === undefined) {
      return invalid(
        `${operation.name} needs an admin key: set OPENAI_ADMIN_KEY or pass adminApiKey (the API key is never sent ` +
          "in its place)"
      )
    }
    headers.authorization = pipeline.adminAuthorization
  }
  if (accept !== headers.accept) headers.accept = accept
  applyHeaders(headers, operation.headers)
  applyHeaders(headers, options?.headers)
  const urlParams = mergeQuery(mergeQuery(pipeline.query, operation.query), options?.query)
  const { body, resendable } = encoded.right
  return Either.right({
    info,
    request: HttpClientRequest.make(operation.method)(info.url, { headers, urlParams, body }),
    limits: limits.right,
    policy: !resendable
      ? noRetries
      : options?.retryPolicy ??
        (options?.maxRetries === undefined ? pipeline.policy : RetryPolicy.make({ maxRetries: options.maxRetries })),
    resendable
  })
}
