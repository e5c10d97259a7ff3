import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Redacted from "effect/Redacted"
import type * as OpenAiClient from "../OpenAiClient.js"
import * as OpenAiError from "../OpenAiError.js"
import * as ResponseMeta from "../ResponseMeta.js"
import * as RetryPolicy from "../RetryPolicy.js"
import { version } from "./version.js"

/** @internal */
export const defaultBaseURL = "https://api.openai.com/v1"

/** @internal */
export const defaultTimeout: Duration.Duration = Duration.minutes(10)

/** @internal */
export const userAgent = `effect-openai/${version}`

/** @internal */
export const tag = Context.GenericTag<OpenAiClient.OpenAiClient, OpenAiClient.Service>(
  "@effect-openai/core/OpenAiClient"
)

/** @internal */
export const currentResponseSink = globalValue(
  "@effect-openai/core/OpenAiClient/currentResponseSink",
  () => FiberRef.unsafeMake<((meta: ResponseMeta.ResponseMeta) => void) | undefined>(undefined)
)

/** @internal */
export const withResponse = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<OpenAiClient.WithResponse<A>, E, R> =>
  Effect.suspend(() => {
    let meta: ResponseMeta.ResponseMeta | undefined
    return self.pipe(
      Effect.locally(currentResponseSink, (received) => {
        meta = received
      }),
      Effect.flatMap((data) =>
        meta === undefined
          ? Effect.dieMessage("OpenAiClient.withResponse: the effect completed without an OpenAI response")
          : Effect.succeed({ data, response: meta })
      )
    )
  })

const invalid = (path: string, message: string) => ConfigError.InvalidData([path], message)

const hasLineBreak = (value: string) => /[\r\n]/.test(value)

/** @internal */
export const validateOptions = (options: OpenAiClient.Options): Effect.Effect<void, ConfigError.ConfigError> => {
  const key = Redacted.value(options.apiKey)
  if (typeof key !== "string" || key.trim() === "") {
    return Effect.fail(invalid("apiKey", "The OpenAI API key is empty: set OPENAI_API_KEY or pass apiKey"))
  }
  if (hasLineBreak(key)) {
    return Effect.fail(invalid("apiKey", "The OpenAI API key contains a line break (CR or LF)"))
  }
  if (options.baseURL !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(options.baseURL)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return Effect.fail(
        invalid("baseURL", `baseURL must be an absolute http(s) URL, got ${JSON.stringify(options.baseURL)}`)
      )
    }
  }
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    return Effect.fail(invalid("maxRetries", `maxRetries must be a whole number >= 0, got ${options.maxRetries}`))
  }
  if (options.timeout !== undefined) {
    const timeout = Duration.decodeUnknown(options.timeout)
    if (timeout._tag === "None" || Duration.lessThanOrEqualTo(timeout.value, Duration.zero)) {
      return Effect.fail(invalid("timeout", `timeout must be a positive duration, got ${String(options.timeout)}`))
    }
  }
  for (const [name, value] of Object.entries({ organization: options.organization, project: options.project })) {
    if (value !== undefined && hasLineBreak(value)) {
      return Effect.fail(invalid(name, `${name} contains a line break (CR or LF)`))
    }
  }
  return Effect.void
}

type MutableRecord = Record<string, string>

const applyHeaders = (target: MutableRecord, input: OpenAiClient.HeadersInput | undefined) => {
  if (input === undefined) return
  for (const name in input) {
    const value = input[name]
    const key = name.toLowerCase()
    if (value === null || value === undefined) delete target[key]
    else target[key] = value
  }
}

const applyQuery = (target: Array<[string, string]>, input: OpenAiClient.QueryInput | undefined) => {
  if (input === undefined) return
  for (const name in input) {
    const value = input[name]
    if (value === undefined || value === null) continue
    const index = target.findIndex(([key]) => key === name)
    if (index >= 0) target.splice(index, 1)
    target.push([name, String(value)])
  }
}

const invalidRequest = (request: OpenAiError.RequestInfo, message: string, cause?: unknown) =>
  new OpenAiError.InvalidRequestError({ request, message, cause })

const checkHeaderValues = (request: OpenAiError.RequestInfo, headers: MutableRecord) => {
  for (const name in headers) {
    if (hasLineBreak(headers[name]!) || hasLineBreak(name)) {
      return invalidRequest(request, `Header ${JSON.stringify(name)} contains a line break (CR or LF)`)
    }
  }
  return undefined
}

const readErrorBody = (text: string): { error: OpenAiError.ErrorBody | undefined; body: string | undefined } => {
  const trimmed = text.trim()
  if (trimmed.startsWith("{")) {
    try {
      const json = JSON.parse(trimmed) as unknown
      if (typeof json === "object" && json !== null) {
        const record = json as Record<string, unknown>
        const error = record.error
        if (typeof error === "object" && error !== null && !Array.isArray(error)) {
          return { error: error as OpenAiError.ErrorBody, body: undefined }
        }
        if (typeof error === "string") return { error: { message: error }, body: undefined }
        if (typeof record.message === "string") return { error: { message: record.message }, body: undefined }
      }
    } catch {
      // not JSON: keep the snippet
    }
  }
  return { error: undefined, body: snippet(text) }
}

const snippet = (text: string) =>
  text.length > OpenAiError.bodySnippetLength ? text.slice(0, OpenAiError.bodySnippetLength) : text

const isSuccess = (status: number) => status >= 200 && status < 300

/** @internal */
export const make = (
  options: OpenAiClient.Options
): Effect.Effect<OpenAiClient.Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    yield* validateOptions(options)
    const httpClient = HttpClient.withTracerPropagation(
      yield* HttpClient.HttpClient,
      options.propagateTraceContext ?? false
    )
    const baseURL = (options.baseURL ?? defaultBaseURL).replace(/\/+$/, "")
    const timeout = options.timeout === undefined ? defaultTimeout : Duration.decode(options.timeout)
    const retryPolicy = options.retryPolicy ??
      RetryPolicy.make({ maxRetries: options.maxRetries ?? RetryPolicy.defaultMaxRetries })

    const baseHeaders: MutableRecord = {
      authorization: `Bearer ${Redacted.value(options.apiKey)}`,
      accept: "application/json",
      "user-agent": userAgent
    }
    if (options.organization !== undefined) baseHeaders["openai-organization"] = options.organization
    if (options.project !== undefined) baseHeaders["openai-project"] = options.project
    applyHeaders(baseHeaders, options.defaultHeaders)
    const baseQuery: Array<[string, string]> = []
    applyQuery(baseQuery, options.defaultQuery)

    const request = <A>(
      operation: OpenAiClient.Operation<A>,
      requestOptions?: OpenAiClient.RequestOptions
    ): Effect.Effect<A, OpenAiError.OpenAiError> => {
      const info: OpenAiError.RequestInfo = { method: operation.method, url: baseURL + operation.path }
      const headers: MutableRecord = { ...baseHeaders }
      applyHeaders(headers, requestOptions?.headers)
      const badHeader = checkHeaderValues(info, headers)
      if (badHeader !== undefined) return Effect.fail(badHeader)
      const urlParams = baseQuery.slice()
      applyQuery(urlParams, operation.query)
      applyQuery(urlParams, requestOptions?.query)
      if (urlParams.some(([key, value]) => hasLineBreak(key) || hasLineBreak(value))) {
        return Effect.fail(invalidRequest(info, "A query parameter contains a line break (CR or LF)"))
      }
      let body: HttpBody.HttpBody = HttpBody.empty
      if (operation.body !== undefined) {
        let json: string
        try {
          json = JSON.stringify(operation.body)
        } catch (cause) {
          return Effect.fail(
            invalidRequest(info, `The request body cannot be encoded as JSON: ${(cause as Error).message}`, cause)
          )
        }
        body = HttpBody.text(json, "application/json")
      }
      const httpRequest = HttpClientRequest.make(operation.method)(info.url, { headers, urlParams, body })

      const attemptTimeout = requestOptions?.timeout === undefined ? timeout : Duration.decode(requestOptions.timeout)
      const onResponse = (
        response: HttpClientResponse.HttpClientResponse
      ): Effect.Effect<A, OpenAiError.OpenAiError> =>
        Effect.flatMap(
          Effect.mapError(response.text, (cause) =>
            new OpenAiError.ConnectionError({ request: info, cause: cause.cause })),
          (text): Effect.Effect<A, OpenAiError.OpenAiError> => {
            const meta = ResponseMeta.make(response.status, response.headers)
            const annotate = meta.requestId === undefined
              ? Effect.void
              : Effect.annotateCurrentSpan("openai.request_id", meta.requestId)
            if (!isSuccess(meta.status)) {
              return Effect.zipRight(
                annotate,
                Effect.fail(OpenAiError.fromStatus({ request: info, response: meta, ...readErrorBody(text) }))
              )
            }
            let json: unknown
            try {
              json = JSON.parse(text)
            } catch (cause) {
              return Effect.fail(
                new OpenAiError.ResponseDecodeError({
                  request: info,
                  response: meta,
                  reason: "InvalidJson",
                  body: snippet(text),
                  detail: text === "" ? "empty body" : (cause as Error).message
                })
              )
            }
            return annotate.pipe(
              Effect.zipRight(operation.decode(json)),
              Effect.mapError((error) =>
                new OpenAiError.ResponseDecodeError({
                  request: info,
                  response: meta,
                  reason: "UnexpectedShape",
                  body: snippet(text),
                  detail: error.message
                })
              ),
              Effect.tap(() =>
                FiberRef.getWith(currentResponseSink, (sink) => {
                  if (sink !== undefined) {
                    sink(meta)
                  }
                  return Effect.void
                })
              )
            )
          }
        )
      const attempt: Effect.Effect<A, OpenAiError.OpenAiError> = httpClient.execute(httpRequest).pipe(
        Effect.catchAll((error: HttpClientError.HttpClientError) =>
          Effect.fail(new OpenAiError.ConnectionError({ request: info, cause: error.cause ?? error.message }))
        ),
        Effect.flatMap(onResponse),
        Effect.timeoutFail({
          duration: attemptTimeout,
          onTimeout: () =>
            new OpenAiError.TimeoutError({ request: info, timeout: attemptTimeout, phase: "attempt" })
        })
      )
      const policy = requestOptions?.retryPolicy ??
        (requestOptions?.maxRetries === undefined
          ? retryPolicy
          : RetryPolicy.make({ maxRetries: requestOptions.maxRetries }))
      return Effect.retry(attempt, policy).pipe(
        Effect.withSpan(`OpenAI ${operation.name}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: operation.model === undefined
            ? { "gen_ai.system": "openai", "gen_ai.operation.name": operation.name }
            : {
              "gen_ai.system": "openai",
              "gen_ai.operation.name": operation.name,
              "gen_ai.request.model": operation.model
            }
        })
      )
    }

    return tag.of({ baseURL, httpClient, request })
  })
