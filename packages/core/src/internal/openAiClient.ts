import * as HttpClient from "@effect/platform/HttpClient"
import * as UrlParams from "@effect/platform/UrlParams"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as HttpTransport from "../HttpTransport.js"
import type * as OpenAiClient from "../OpenAiClient.js"
import type * as OpenAiError from "../OpenAiError.js"
import type * as Operation from "../Operation.js"
import * as RetryPolicy from "../RetryPolicy.js"
import * as Attempt from "./attempt.js"
import { RateLimiter } from "./limiterTag.js"
import type { Pipeline } from "./pipeline.js"
import * as Request from "./request.js"
import * as Response from "./response.js"
import { retrying, withinTotal } from "./retry.js"
import * as Streaming from "./stream.js"
import * as Telemetry from "./telemetry.js"
import { counted } from "./telemetry.js"
import * as Validate from "./validate.js"
import { version } from "./version.js"

/** @internal */
export const defaultBaseURL = "https://api.openai.com/v1"

/** @internal */
export const userAgent = `effect-openai/${version}`

/** The `Accept` header of each kind of response. */
const acceptOf = (kind: Operation.Response<unknown>["_tag"] | Operation.StreamResponse<unknown>["_tag"] | "Events") => {
  switch (kind) {
    case "Json":
    case "Empty":
      return "application/json"
    case "Events":
      return "text/event-stream"
    case "Bytes":
      return "application/octet-stream"
    case "Text":
      return "*/*"
  }
}

/**
 * The pipeline record, resolved once from the options and the transport in context.
 *
 * @internal
 */
export const pipeline = (
  options: OpenAiClient.Options
): Effect.Effect<Pipeline, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const limits = Validate.options(options)
    if (Either.isLeft(limits)) return yield* Effect.fail(limits.left)
    const capabilities = yield* HttpTransport.Declared
    const limiter = yield* Effect.serviceOption(RateLimiter)
    const given = yield* HttpClient.HttpClient
    // trace context is propagated by the pipeline, from the operation's span, whatever the transport; a transport
    // that does not tie exchanges to its attempt's scope gets the platform's wrapper that does
    const scoped = capabilities.abortsWithScope === true ? given : HttpClient.withScope(given) as HttpClient.HttpClient
    const httpClient = capabilities.omitsTraceHeaders === true
      ? scoped
      : HttpClient.withTracerPropagation(scoped, false)
    const headers: Record<string, string> = {
      authorization: `Bearer ${Redacted.value(options.apiKey)}`,
      accept: "application/json",
      "user-agent": userAgent
    }
    if (options.organization !== undefined) headers["openai-organization"] = options.organization
    if (options.project !== undefined) headers["openai-project"] = options.project
    Request.applyHeaders(headers, options.defaultHeaders)
    return {
      baseURL: (options.baseURL ?? defaultBaseURL).replace(/\/+$/, ""),
      headers,
      adminAuthorization: options.adminApiKey === undefined
        ? undefined
        : `Bearer ${Redacted.value(options.adminApiKey)}`,
      query: Request.mergeQuery(UrlParams.empty, options.defaultQuery),
      limits: limits.right,
      policy: options.retryPolicy ??
        RetryPolicy.make({ maxRetries: options.maxRetries ?? RetryPolicy.defaultMaxRetries }),
      propagate: options.propagateTraceContext ?? false,
      httpClient,
      capabilities,
      limiter: Option.getOrUndefined(limiter),
      telemetry: telemetryOf(options)
    }
  })

/** What telemetry records, and the server it names. */
const telemetryOf = (options: OpenAiClient.Options): Telemetry.Settings => {
  const url = new URL(options.baseURL ?? defaultBaseURL)
  return {
    metrics: options.telemetry?.metrics ?? false,
    captureContent: options.telemetry?.captureContent ?? false,
    latest: options.telemetry?.latestConventions ?? false,
    serverAddress: url.hostname,
    serverPort: url.port !== "" ? Number(url.port) : url.protocol === "http:" ? 80 : 443
  }
}

/** @internal */
export const make = (
  options: OpenAiClient.Options
): Effect.Effect<OpenAiClient.Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.map(pipeline(options), (pipeline): OpenAiClient.Service => {
    const request = <A>(
      operation: Operation.Operation<A>,
      options?: OpenAiClient.RequestOptions
    ): Effect.Effect<A, OpenAiError.OpenAiError> => {
      const prepared = Request.prepare(pipeline, operation, options, acceptOf(operation.response._tag))
      if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
      const call = prepared.right
      const limiter = pipeline.limiter
      const attempt = limiter === undefined
        ? Attempt.run(
          pipeline,
          call,
          Effect.flatMap(Attempt.send(pipeline, call), (response) => Response.read(call, operation.response, response))
        )
        : limiter.attempt(
          { info: call.info, model: operation.model, body: operation.body },
          (seen) =>
            Attempt.run(
              pipeline,
              call,
              Effect.flatMap(
                Attempt.send(pipeline, call),
                (response) =>
                  Effect.zipRight(
                    seen(response.status, response.headers),
                    Response.read(call, operation.response, response)
                  )
              )
            )
        )
      return Telemetry.request(
        pipeline.telemetry,
        operation,
        (attempts) => withinTotal(call, retrying(counted(attempts, attempt), call.policy))
      )
    }

    const openStream = <A>(
      operation: Operation.StreamOperation<A>,
      options?: OpenAiClient.StreamRequestOptions
    ): Effect.Effect<Stream.Stream<A, OpenAiError.OpenAiError>, OpenAiError.OpenAiError, Scope.Scope> => {
      const prepared = Request.prepare(pipeline, operation, options, acceptOf(operation.response._tag))
      if (Either.isLeft(prepared)) return Effect.fail(prepared.left)
      return Telemetry.stream(
        pipeline.telemetry,
        operation,
        (attempts) => Streaming.open(pipeline, operation, prepared.right, attempts)
      )
    }

    // one pipeline: a stream is an opened stream whose scope is the stream's own
    const stream = <A>(
      operation: Operation.StreamOperation<A>,
      options?: OpenAiClient.StreamRequestOptions
    ): Stream.Stream<A, OpenAiError.OpenAiError> => Stream.unwrapScoped(openStream(operation, options))

    return { baseURL: pipeline.baseURL, request, stream, openStream }
  })
