/**
 * The typed errors of every OpenAI call. Each has a `_tag`, so `Effect.catchTag("RateLimitError", ...)` works.
 *
 * @since 0.1.0
 */
import type * as Headers from "@effect/platform/Headers"
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import { hasProperty } from "effect/Predicate"
import type * as ResponseMeta from "./ResponseMeta.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-openai/core/OpenAiError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * The request an error belongs to (no headers, so never the API key).
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestInfo {
  readonly method: string
  readonly url: string
}

/**
 * OpenAI's `error` object from an error response body. Unknown keys are kept.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorBody {
  readonly message?: string | undefined
  readonly type?: string | null | undefined
  readonly code?: string | null | undefined
  readonly param?: string | null | undefined
  readonly [key: string]: unknown
}

/**
 * The fields every error made from an HTTP status shares.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpErrorFields {
  readonly request: RequestInfo
  readonly response: ResponseMeta.ResponseMeta
  /** OpenAI's `error` object, when the body carried one. */
  readonly error: ErrorBody | undefined
  /** A bounded snippet of the body, when it was not OpenAI's JSON error shape. */
  readonly body: string | undefined
}

const describeRequest = (request: RequestInfo): string => `${request.method} ${request.url}`

/**
 * What every error that carries a response offers besides its fields: the response's status, headers and request
 * id, and OpenAI's error object's `code`, `type` and `param` (`undefined` without one).
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseAccessors {
  readonly [TypeId]: TypeId
  /** HTTP status code. */
  readonly status: number
  /** Response headers. */
  readonly headers: Headers.Headers
  /** `x-request-id` of the request. */
  readonly requestId: string | undefined
  /** OpenAI's error `code`, e.g. `rate_limit_exceeded` or `insufficient_quota`. */
  readonly code: string | undefined
  /** OpenAI's error `type`, e.g. `invalid_request_error`. */
  readonly type: string | undefined
  /** The request parameter the error is about, if any. */
  readonly param: string | undefined
}

/**
 * What every error made from an HTTP status offers besides its fields.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpErrorAccessors extends ResponseAccessors {}

/** The fields the shared getters read. */
interface ResponseFields {
  readonly request: RequestInfo
  readonly response: ResponseMeta.ResponseMeta
  readonly error?: ErrorBody | undefined
}

/**
 * The constructor of an error class that carries a response, with {@link ResponseAccessors}.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResponseErrorConstructor<Tag extends string, Fields extends ResponseFields> {
  new(fields: Fields): Cause.YieldableError & { readonly _tag: Tag } & Readonly<Fields> & ResponseAccessors
}

/** The base of every error that carries a response: the getters are written once, here. */
const ResponseError = <Tag extends string, Fields extends ResponseFields>(
  tag: Tag
): ResponseErrorConstructor<Tag, Fields> =>
  class extends Data.TaggedError(tag)<ResponseFields> {
    /** @since 0.1.0 */
    readonly [TypeId]: TypeId = TypeId
    /** HTTP status code. */
    get status(): number {
      return this.response.status
    }
    /** Response headers. */
    get headers(): Headers.Headers {
      return this.response.headers
    }
    /** `x-request-id` of the request. */
    get requestId(): string | undefined {
      return this.response.requestId
    }
    /** OpenAI's error `code`, e.g. `rate_limit_exceeded` or `insufficient_quota`. */
    get code(): string | undefined {
      return this.error?.code ?? undefined
    }
    /** OpenAI's error `type`, e.g. `invalid_request_error`. */
    get type(): string | undefined {
      return this.error?.type ?? undefined
    }
    /** The request parameter the error is about, if any. */
    get param(): string | undefined {
      return this.error?.param ?? undefined
    }
  } as unknown as ResponseErrorConstructor<Tag, Fields>

/**
 * The constructor of an error made from an HTTP status.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpErrorConstructor<Tag extends string> extends ResponseErrorConstructor<Tag, HttpErrorFields> {}

const HttpError = <Tag extends string>(tag: Tag): HttpErrorConstructor<Tag> =>
  class extends ResponseError<Tag, HttpErrorFields>(tag) {
    override get message(): string {
      const text = this.error?.message ?? (this.body !== undefined && this.body !== "" ? this.body : "(no body)")
      const details = [
        this.code !== undefined ? `code: ${this.code}` : undefined,
        this.param !== undefined ? `param: ${this.param}` : undefined,
        `${describeRequest(this.request)}`,
        this.requestId !== undefined ? `request id: ${this.requestId}` : undefined
      ].filter((part) => part !== undefined)
      return `${this.status} ${text} (${details.join(", ")})`
    }
  }

/**
 * HTTP 400.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequestError extends HttpError("BadRequestError") {}

/**
 * HTTP 401: missing, wrong or revoked API key.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends HttpError("AuthenticationError") {}

/**
 * HTTP 403.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDeniedError extends HttpError("PermissionDeniedError") {}

/**
 * HTTP 404.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFoundError extends HttpError("NotFoundError") {}

/**
 * HTTP 409 (retried by default).
 *
 * @since 0.1.0
 * @category errors
 */
export class ConflictError extends HttpError("ConflictError") {}

/**
 * HTTP 422.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnprocessableEntityError extends HttpError("UnprocessableEntityError") {}

/**
 * HTTP 429. Retried by default, unless it is `insufficient_quota` (billing, not load).
 *
 * @since 0.1.0
 * @category errors
 */
export class RateLimitError extends HttpError("RateLimitError") {
  /** True when the account is out of quota: waiting does not help, so it is never retried. */
  get isInsufficientQuota(): boolean {
    return this.code === "insufficient_quota" || this.type === "insufficient_quota"
  }
}

/**
 * HTTP 500 and above (retried by default).
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends HttpError("InternalServerError") {}

/**
 * Any other non-2xx HTTP status.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApiError extends HttpError("ApiError") {}

/**
 * A transport failure: refused, reset, DNS, TLS, or the connection dropped while reading the body.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectionError extends Data.TaggedError("ConnectionError")<{
  readonly request: RequestInfo
  readonly cause: unknown
}> {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message(): string {
    const reason = hasProperty(this.cause, "message") && typeof this.cause.message === "string" && this.cause.message
      ? this.cause.message
      : "connection failed"
    return `Connection error: ${reason} (${describeRequest(this.request)})`
  }
}

/**
 * An attempt (connect, headers and non-streaming body) or a stream's idle gap exceeded its timeout.
 *
 * @since 0.1.0
 * @category errors
 */
export class TimeoutError extends Data.TaggedError("TimeoutError")<{
  readonly request: RequestInfo
  readonly timeout: Duration.Duration
  readonly phase: "attempt" | "idle" | "total"
}> {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
  override get message(): string {
    const after = Duration.format(this.timeout)
    const what = this.phase === "attempt"
      ? `Request timed out after ${after}`
      : this.phase === "idle"
      ? `Stream idle gap timed out after ${after}`
      : `Request timed out after ${after} in all (attempts and retry waits)`
    return `${what} (${describeRequest(this.request)})`
  }
}

/**
 * The body was not the JSON the operation expects: HTML from a proxy, truncated or invalid JSON, or the
 * wrong shape. Keeps a bounded snippet of the body.
 *
 * @since 0.1.0
 * @category errors
 */
export class ResponseDecodeError extends ResponseError<"ResponseDecodeError", {
  readonly request: RequestInfo
  readonly response: ResponseMeta.ResponseMeta
  readonly reason: "InvalidJson" | "UnexpectedShape"
  /** At most {@link bodySnippetLength} characters of the body. */
  readonly body: string
  /** What the JSON parser or the schema said. */
  readonly detail: string
}>("ResponseDecodeError") {
  override get message(): string {
    const contentType = this.response.headers["content-type"]
    const what = this.reason === "InvalidJson" ? "is not valid JSON" : "does not have the expected shape"
    const context = [
      `status ${this.status}`,
      contentType !== undefined ? `content-type ${contentType}` : undefined,
      this.requestId !== undefined ? `request id: ${this.requestId}` : undefined
    ].filter((part) => part !== undefined)
    const head = this.body.length > 120 ? `${this.body.slice(0, 120)}…` : this.body
    return `Response body of ${describeRequest(this.request)} ${what} (${context.join(", ")}): ${this.detail}` +
      (head === "" ? " (empty body)" : ` — body starts: ${JSON.stringify(head)}`)
  }
}

/**
 * An event stream went wrong after it started: an error event (or a payload with an `error` object), an event
 * that is not valid JSON or not the expected shape, or a stream that ended before its terminal event
 * (truncation is never silent). Every value before the failure was delivered.
 *
 * @since 0.1.0
 * @category errors
 */
export class StreamError extends ResponseError<"StreamError", {
  readonly request: RequestInfo
  readonly response: ResponseMeta.ResponseMeta
  readonly reason: "ErrorEvent" | "InvalidEvent" | "Truncated"
  /** OpenAI's `error` object of an error event. */
  readonly error: ErrorBody | undefined
  /** What went wrong; never the event's payload. */
  readonly detail: string
}>("StreamError") {
  override get message(): string {
    const what = this.reason === "ErrorEvent"
      ? `Stream error event: ${this.error?.message ?? this.detail}`
      : this.reason === "InvalidEvent"
      ? `Invalid stream event: ${this.detail}`
      : `Stream truncated: ${this.detail}`
    const details = [
      this.code !== undefined ? `code: ${this.code}` : undefined,
      describeRequest(this.request),
      this.requestId !== undefined ? `request id: ${this.requestId}` : undefined
    ].filter((part) => part !== undefined)
    return `${what} (${details.join(", ")})`
  }
}

/**
 * The request could not be built, so nothing was sent: parameters that cannot be encoded as JSON (a BigInt, a
 * cycle), a header HTTP cannot carry (CR/LF, a control character, a name that is not a token), or a per-call limit
 * that makes no sense.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequestError extends Data.TaggedError("InvalidRequestError")<{
  readonly request: RequestInfo
  readonly message: string
  readonly cause?: unknown
}> {
  /** @since 0.1.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The rate-limit budget (`RateLimit`) stopped a call before it was sent: its cost can never fit the budget
 * (`TooLarge`: e.g. more tokens than a minute allows; OpenAI would answer 429 "Request too large"), the store failed
 * with `onStoreFailure: "fail"` (`StoreFailed`), or the layer could not be built (`TokenizerUnavailable`: the
 * `gpt-tokenizer` package is not installed; `InvalidOptions`). Never retried.
 *
 * @since 0.2.0
 * @category errors
 */
export class RateLimiterError extends Data.TaggedError("RateLimiterError")<{
  readonly request: RequestInfo | undefined
  readonly reason: "TooLarge" | "StoreFailed" | "TokenizerUnavailable" | "InvalidOptions"
  readonly message: string
  readonly cause?: unknown
}> {
  /** @since 0.2.0 */
  readonly [TypeId]: TypeId = TypeId
}

/**
 * The longest body snippet an error keeps.
 *
 * @since 0.1.0
 * @category constants
 */
export const bodySnippetLength = 2048

/**
 * Every error made from a non-2xx HTTP status.
 *
 * @since 0.1.0
 * @category models
 */
export type HttpStatusError =
  | BadRequestError
  | AuthenticationError
  | PermissionDeniedError
  | NotFoundError
  | ConflictError
  | UnprocessableEntityError
  | RateLimitError
  | InternalServerError
  | ApiError

/**
 * Every error an OpenAI call can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type OpenAiError =
  | HttpStatusError
  | ConnectionError
  | TimeoutError
  | ResponseDecodeError
  | StreamError
  | InvalidRequestError
  | RateLimiterError

/**
 * @since 0.1.0
 * @category guards
 */
export const isOpenAiError = (u: unknown): u is OpenAiError => hasProperty(u, TypeId)

/**
 * @since 0.1.0
 * @category guards
 */
export const isHttpStatusError = (u: unknown): u is HttpStatusError => isOpenAiError(u) && httpStatusTags.has(u._tag)

const httpStatusTags: ReadonlySet<string> = new Set<HttpStatusError["_tag"]>([
  "BadRequestError",
  "AuthenticationError",
  "PermissionDeniedError",
  "NotFoundError",
  "ConflictError",
  "UnprocessableEntityError",
  "RateLimitError",
  "InternalServerError",
  "ApiError"
])

/**
 * Builds the error for a non-2xx status.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (fields: HttpErrorFields): HttpStatusError => {
  const status = fields.response.status
  switch (status) {
    case 400:
      return new BadRequestError(fields)
    case 401:
      return new AuthenticationError(fields)
    case 403:
      return new PermissionDeniedError(fields)
    case 404:
      return new NotFoundError(fields)
    case 409:
      return new ConflictError(fields)
    case 422:
      return new UnprocessableEntityError(fields)
    case 429:
      return new RateLimitError(fields)
    default:
      return status >= 500 ? new InternalServerError(fields) : new ApiError(fields)
  }
}
