import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as UrlParams from "@effect/platform/UrlParams"
import type * as HttpTransport from "../HttpTransport.js"
import type * as OpenAiError from "../OpenAiError.js"
import type * as RetryPolicy from "../RetryPolicy.js"
import type { Limiter } from "./limiterTag.js"
import type * as Telemetry from "./telemetry.js"
import type { Limits } from "./validate.js"

/**
 * The record that joins the pipeline's rules: what the client resolved once from its options and its transport.
 * Every module of the pipeline reads it; none changes it.
 *
 * @internal
 */
export interface Pipeline {
  /** Without a trailing slash. */
  readonly baseURL: string
  /** Lower-case names: authorization, accept, user agent, organization, project, then the default headers. */
  readonly headers: Readonly<Record<string, string>>
  /** The `authorization` header of the operations that need the admin key, when the client has one. */
  readonly adminAuthorization: string | undefined
  readonly query: UrlParams.UrlParams
  readonly limits: Limits
  readonly policy: RetryPolicy.RetryPolicy
  /** Send trace context headers (until a hop leaves the base URL's origin). */
  readonly propagate: boolean
  /** The transport, its own tracer propagation off (the pipeline does it, from the operation's span). */
  readonly httpClient: HttpClient.HttpClient
  readonly capabilities: HttpTransport.Capabilities
  /** The rate-limit budget (`RateLimit`), when one was in context as the client was built. */
  readonly limiter: Limiter | undefined
  readonly telemetry: Telemetry.Settings
}

/**
 * One call, ready to send: everything its attempts need.
 *
 * @internal
 */
export interface Prepared {
  readonly info: OpenAiError.RequestInfo
  readonly request: HttpClientRequest.HttpClientRequest
  readonly limits: Limits
  readonly policy: RetryPolicy.RetryPolicy
  /** False when the body reads a caller's stream, which can be sent only once (no retry, no 307/308). */
  readonly resendable: boolean
}
