/**
 * The one request pipeline every OpenAI call goes through: base URL, authentication, headers, body encoding,
 * retries, timeouts, redirects, error mapping, response metadata and tracing. Operations are described to it with
 * {@link Operation}.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as listener from "./internal/listener.js"
import * as internal from "./internal/openAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import type * as Operation from "./Operation.js"
import type * as ResponseMeta from "./ResponseMeta.js"
import type * as RetryPolicy from "./RetryPolicy.js"

/**
 * Header values; `null` removes a header set at a lower level (e.g. a default header for one call).
 *
 * @since 0.1.0
 * @category models
 */
export type HeadersInput = Operation.HeadersInput

/**
 * Query parameters; `undefined` and `null` values are left out, arrays repeat the parameter.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryInput = Operation.QueryInput

/**
 * Client options. Only `apiKey` is required.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The API key, sent as `Authorization: Bearer`. Kept `Redacted` so it never prints. */
  readonly apiKey: Redacted.Redacted<string>
  /**
   * The admin key, for the operations that need one (`Admin.*`, fine-tuning checkpoint permissions); sent instead of
   * `apiKey` for those alone, never for the others. Kept `Redacted`.
   */
  readonly adminApiKey?: Redacted.Redacted<string> | undefined
  /** Sent as `OpenAI-Organization`. */
  readonly organization?: string | undefined
  /** Sent as `OpenAI-Project`. */
  readonly project?: string | undefined
  /** Default `https://api.openai.com/v1`; any OpenAI-compatible server works. */
  readonly baseURL?: string | undefined
  /** Per attempt (connect, headers and body); a number is milliseconds. Default 10 minutes. */
  readonly timeout?: Duration.DurationInput | undefined
  /**
   * A call's whole budget: every attempt and every retry wait (a stream's until it is open: its first chunk). Past
   * it the call fails with a `TimeoutError` of phase `total`, and the attempt running then is interrupted. Default:
   * none, as the official SDK (each attempt has `timeout`, and the retry policy bounds the rest).
   */
  readonly totalTimeout?: Duration.DurationInput | undefined
  /**
   * The longest a stream may go without receiving a byte before it fails with a `TimeoutError`. Default 5 minutes:
   * long enough for a reasoning model's silent thinking; lower it for faster models.
   */
  readonly streamIdleTimeout?: Duration.DurationInput | undefined
  /** Retries of retryable failures with the default policy. Default 2. */
  readonly maxRetries?: number | undefined
  /** Replaces the default retry policy (then `maxRetries` is not used). */
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  /** Headers sent with every request. */
  readonly defaultHeaders?: HeadersInput | undefined
  /** Query parameters sent with every request. */
  readonly defaultQuery?: QueryInput | undefined
  /**
   * Send W3C/B3 trace propagation headers to the API. Off by default: they would hand your internal trace ids to
   * a third party.
   */
  readonly propagateTraceContext?: boolean | undefined
  /**
   * Allow building the client in a browser. Refused by default: the API key would be shipped to every visitor of
   * the page, who could read it and use it. Only for keys that are meant to be seen (a local tool, a kiosk).
   */
  readonly dangerouslyAllowBrowser?: boolean | undefined
  /**
   * Spans and metrics after the OpenTelemetry GenAI conventions (`docs/observability.md`). Spans are made when a
   * tracer is provided (`@effect/opentelemetry`); metrics go to Effect's metric registry with `metrics: true` (off by
   * default: they cost ~50 µs of CPU a call).
   * `captureContent` (default false) adds the messages sent and received to the span: they may hold personal data.
   * `latestConventions` (default false, or `gen_ai_latest_experimental` in `OTEL_SEMCONV_STABILITY_OPT_IN` with
   * `layerConfig`) uses the conventions' newest metric names instead of those of their last published version.
   */
  readonly telemetry?: {
    readonly metrics?: boolean | undefined
    readonly captureContent?: boolean | undefined
    readonly latestConventions?: boolean | undefined
  } | undefined
}

/**
 * Per-call overrides.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  readonly timeout?: Duration.DurationInput | undefined
  /** Overrides the client's `totalTimeout` (attempts and retry waits) for this call. */
  readonly totalTimeout?: Duration.DurationInput | undefined
  readonly maxRetries?: number | undefined
  readonly retryPolicy?: RetryPolicy.RetryPolicy | undefined
  readonly headers?: HeadersInput | undefined
  readonly query?: QueryInput | undefined
}

/**
 * Per-call overrides of a streaming call.
 *
 * @since 0.1.0
 * @category models
 */
export interface StreamRequestOptions extends RequestOptions {
  /** Overrides the client's `streamIdleTimeout` for this stream. */
  readonly idleTimeout?: Duration.DurationInput | undefined
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The base URL, without a trailing slash. */
  readonly baseURL: string
  /** Runs an operation through the whole pipeline, reading its response whole. */
  readonly request: <A>(
    operation: Operation.Operation<A>,
    options?: RequestOptions
  ) => Effect.Effect<A, OpenAiError.OpenAiError>
  /**
   * Runs a streaming operation: retried (by the same policy) only until its first value reaches the caller,
   * with the per-attempt timeout until then and an idle timeout between chunks after.
   */
  readonly stream: <A>(
    operation: Operation.StreamOperation<A>,
    options?: StreamRequestOptions
  ) => Stream.Stream<A, OpenAiError.OpenAiError>
  /**
   * Opens a streaming operation: succeeds once the response is established (a 2xx event stream whose first values
   * arrived, after any retries) with the stream of every value, or fails with the typed error (a 429, a 401, a
   * timeout, an error event before any value). The rest of the stream keeps every stream rule; its connection
   * belongs to the scope, so consume it inside that scope.
   */
  readonly openStream: <A>(
    operation: Operation.StreamOperation<A>,
    options?: StreamRequestOptions
  ) => Effect.Effect<Stream.Stream<A, OpenAiError.OpenAiError>, OpenAiError.OpenAiError, Scope.Scope>
}

/**
 * The client service tag.
 *
 * @since 0.1.0
 * @category tags
 */
export class OpenAiClient extends Context.Tag("@effect-openai/core/OpenAiClient")<OpenAiClient, Service>() {}

/**
 * A value together with the metadata of the response it came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface WithResponse<A> {
  readonly data: A
  readonly response: ResponseMeta.ResponseMeta
}

/**
 * Builds the client from options; fails with a `ConfigError` on invalid options (e.g. an empty API key).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Service, ConfigError.ConfigError, HttpClient.HttpClient> =
  internal.make

/**
 * A layer of the client from options. Needs an `HttpClient` (`@effect-openai/node` supplies one).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<OpenAiClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(OpenAiClient, make(options))

/** The configuration key each option is read from by {@link config}. */
const environment = {
  apiKey: "OPENAI_API_KEY",
  adminApiKey: "OPENAI_ADMIN_KEY",
  baseURL: "OPENAI_BASE_URL",
  organization: "OPENAI_ORG_ID",
  project: "OPENAI_PROJECT_ID"
} as const

/**
 * An option that is wrong because of the configuration it was read from: the error is reported at that key
 * (`OPENAI_BASE_URL`), and its message names the option too.
 */
const fromEnvironment = (options: Partial<Options> | undefined) => (error: ConfigError.ConfigError) => {
  if (error._op !== "InvalidData" || error.path.length !== 1) return error
  const option = error.path[0] as keyof typeof environment
  if (!Object.hasOwn(environment, option) || options?.[option] !== undefined) return error
  const key = environment[option]
  return ConfigError.InvalidData([key], `${error.message} (option ${option}, read from ${key})`)
}

/**
 * Reads the options from configuration: `OPENAI_API_KEY` (required), `OPENAI_ADMIN_KEY`, `OPENAI_BASE_URL`,
 * `OPENAI_ORG_ID`, `OPENAI_PROJECT_ID`, and for telemetry `OTEL_SEMCONV_STABILITY_OPT_IN`
 * (`gen_ai_latest_experimental`) and `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` (`true`). Options given
 * here win over the environment. Empty variables count as unset.
 *
 * @since 0.1.0
 * @category config
 */
export const config = (options?: Partial<Options>): Config.Config<Options> => {
  const optional = (name: string) =>
    Config.string(name).pipe(
      Config.option,
      Config.map(Option.filter((value) => value.trim() !== "")),
      Config.map(Option.getOrUndefined)
    )
  return Config.all({
    apiKey: options?.apiKey !== undefined ? Config.succeed(options.apiKey) : Config.redacted(environment.apiKey),
    adminApiKey: options?.adminApiKey !== undefined
      ? Config.succeed(options.adminApiKey)
      : Config.map(optional(environment.adminApiKey), (key) => key === undefined ? undefined : Redacted.make(key)),
    baseURL: options?.baseURL !== undefined ? Config.succeed(options.baseURL) : optional(environment.baseURL),
    organization: options?.organization !== undefined
      ? Config.succeed(options.organization)
      : optional(environment.organization),
    project: options?.project !== undefined ? Config.succeed(options.project) : optional(environment.project),
    semconv: optional("OTEL_SEMCONV_STABILITY_OPT_IN"),
    content: optional("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
  }).pipe(Config.map(({ content, semconv, ...fromConfig }): Options => ({
    ...options,
    ...fromConfig,
    telemetry: {
      ...(semconv?.split(",").some((each) => each.trim() === "gen_ai_latest_experimental") === true
        ? { latestConventions: true }
        : {}),
      ...(content?.trim().toLowerCase() === "true" ? { captureContent: true } : {}),
      ...options?.telemetry
    }
  })))
}

/**
 * A layer of the client whose options come from {@link config}. A missing `OPENAI_API_KEY` fails the layer with
 * a `ConfigError` when it is built, not with a 401 at the first request; an invalid value read from the
 * environment is reported at its key (`OPENAI_BASE_URL`), with the option it sets named in the message.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Partial<Options>
): Layer.Layer<OpenAiClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    OpenAiClient,
    Effect.flatMap(config(options), (resolved) => Effect.mapError(make(resolved), fromEnvironment(options)))
  )

/**
 * Runs an OpenAI call and returns its value together with the response metadata (request id, headers, rate
 * limits). When the effect makes several calls, the response is that of the last successful one (a failed call,
 * even one the effect recovers from, has its metadata on its error: `error.response`). An effect that makes no
 * successful call fails with `NoSuchElementException`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withResponse: <A, E, R>(
  self: Effect.Effect<A, E, R>
) => Effect.Effect<WithResponse<A>, E | Cause.NoSuchElementException, R> = listener.withResponse

/**
 * Calls `f` with the metadata of the response behind a stream (request id, rate limits) as soon as its headers
 * arrive, before the first value.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withStreamResponse: {
  <R2>(
    f: (response: ResponseMeta.ResponseMeta) => Effect.Effect<void, never, R2>
  ): <A, E, R>(self: Stream.Stream<A, E, R>) => Stream.Stream<A, E, R | R2>
  <A, E, R, R2>(
    self: Stream.Stream<A, E, R>,
    f: (response: ResponseMeta.ResponseMeta) => Effect.Effect<void, never, R2>
  ): Stream.Stream<A, E, R | R2>
} = dual(2, listener.withStreamResponse)

/**
 * Runs a streaming operation through the client in context.
 *
 * @since 0.1.0
 * @category accessors
 */
export const stream = <A>(
  operation: Operation.StreamOperation<A>,
  options?: StreamRequestOptions
): Stream.Stream<A, OpenAiError.OpenAiError, OpenAiClient> =>
  Stream.unwrap(Effect.map(OpenAiClient, (client) => client.stream(operation, options)))

/**
 * Opens a streaming operation through the client in context: the effect succeeds once the response is
 * established, with the stream of its values, and fails with the typed error otherwise (see
 * {@link Service.openStream}). `withResponse` around it gives the response's metadata.
 *
 * @since 0.1.0
 * @category accessors
 */
export const openStream = <A>(
  operation: Operation.StreamOperation<A>,
  options?: StreamRequestOptions
): Effect.Effect<Stream.Stream<A, OpenAiError.OpenAiError>, OpenAiError.OpenAiError, OpenAiClient | Scope.Scope> =>
  Effect.flatMap(OpenAiClient, (client) => client.openStream(operation, options))

/**
 * Runs an operation through the client in context. Resource modules are built on it.
 *
 * @since 0.1.0
 * @category accessors
 */
export const request = <A>(
  operation: Operation.Operation<A>,
  options?: RequestOptions
): Effect.Effect<A, OpenAiError.OpenAiError, OpenAiClient> =>
  Effect.flatMap(OpenAiClient, (client) => client.request(operation, options))
