import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import * as HttpTransport from "../HttpTransport.js"
import type * as OpenAiClient from "../OpenAiClient.js"
import * as OpenAiError from "../OpenAiError.js"
import * as ResponseMeta from "../ResponseMeta.js"
import * as RetryPolicy from "../RetryPolicy.js"
import * as Sse from "../Sse.js"
import { errorBodyOf } from "./errorBody.js"
import { idleTimeoutPull, isLiveClock, maxTimerMillis, timeoutFail } from "./timeout.js"
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

/**
 * Effect's default tracer records nothing anyone can read, so with it the operation span (a dozen µs per call) is
 * skipped; with any other tracer (OpenTelemetry, a test's) every call gets its span.
 */
const nativeTracer = Effect.runSync(Effect.tracer)

/** How long a stream's body may stay open after its terminal event before the connection is cut. */
const drainLimit = Duration.millis(500)

/** @internal */
export const defaultStreamIdleTimeout: Duration.Duration = Duration.minutes(5)

/** Receives the metadata of each successful response; set by `withResponse` and `withStreamResponse`. */
class ResponseListener extends Context.Tag("@effect-openai/core/OpenAiClient/ResponseListener")<
  ResponseListener,
  (meta: ResponseMeta.ResponseMeta) => Effect.Effect<void>
>() {}

/** @internal */
export const withResponse = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<OpenAiClient.WithResponse<A>, E, R> =>
  Effect.suspend(() => {
    let meta: ResponseMeta.ResponseMeta | undefined
    return self.pipe(
      Effect.provideService(ResponseListener, (received) =>
        Effect.sync(() => {
          meta = received
        })),
      Effect.flatMap((data) =>
        meta === undefined
          ? Effect.dieMessage("OpenAiClient.withResponse: the effect completed without an OpenAI response")
          : Effect.succeed({ data, response: meta })
      )
    )
  })

/** @internal */
export const withStreamResponse = <A, E, R, R2>(
  self: Stream.Stream<A, E, R>,
  f: (response: ResponseMeta.ResponseMeta) => Effect.Effect<void, never, R2>
): Stream.Stream<A, E, R | R2> =>
  Stream.unwrap(
    Effect.map(Effect.context<R2>(), (context) =>
      Stream.provideService(self, ResponseListener, (meta) => Effect.provide(f(meta), context)))
  )

const invalid = (path: string, message: string) => ConfigError.InvalidData([path], message)

const hasLineBreak = (value: string) => /[\r\n]/.test(value)

/** The first name or value of a header or query input with a CR or LF in it. */
const lineBreakIn = (
  input: OpenAiClient.HeadersInput | OpenAiClient.QueryInput | undefined
): string | undefined => {
  if (input === undefined) return undefined
  for (const name in input) {
    const value = input[name]
    if (hasLineBreak(name) || (typeof value === "string" && hasLineBreak(value))) return name
  }
  return undefined
}

/** A header name HTTP accepts (an RFC 9110 token). */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Whether a header value has a character HTTP cannot carry: a control other than tab, DEL, or past U+00FF. */
const hasBadValueChar = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff) return true
  }
  return false
}

/**
 * What is wrong with a header input, if anything: a CR or LF (header injection), a name that is not a token, or a
 * value character HTTP cannot carry. Caught here, they are a clear error instead of a transport failure.
 */
const headerProblem = (input: OpenAiClient.HeadersInput | undefined): string | undefined => {
  if (input === undefined) return undefined
  for (const name in input) {
    const value = input[name]
    const text = typeof value === "string" ? value : ""
    if (hasLineBreak(name) || hasLineBreak(text)) {
      return `Header ${JSON.stringify(name)} contains a line break (CR or LF)`
    }
    if (!headerName.test(name)) return `Header name ${JSON.stringify(name)} is not a valid HTTP header name`
    if (hasBadValueChar(text)) {
      return `Header ${JSON.stringify(name)} has a character HTTP headers cannot carry (a control character or one ` +
        `past U+00FF)`
    }
  }
  return undefined
}

/** `input` decoded as a positive duration, `fallback` when absent, or what is wrong with it. */
const limitDuration = (
  name: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.Duration
): Duration.Duration | string => {
  if (input === undefined) return fallback
  const decoded = Duration.decodeUnknown(input)
  return decoded._tag === "Some" && Duration.greaterThan(decoded.value, Duration.zero)
    ? decoded.value
    : `${name} must be a positive duration, got ${String(input)}`
}

/** What is wrong with a retry count, if anything. */
const retriesProblem = (maxRetries: number | undefined): string | undefined =>
  maxRetries === undefined || (Number.isInteger(maxRetries) && maxRetries >= 0)
    ? undefined
    : `maxRetries must be a whole number >= 0, got ${maxRetries}`

/** A page in a browser (not Node, Deno, Bun or a worker), detected as the official SDK does. */
const isBrowser = () => {
  const global = globalThis as { window?: { document?: unknown }; navigator?: unknown }
  return typeof global.window !== "undefined" && typeof global.window.document !== "undefined" &&
    typeof global.navigator !== "undefined"
}

/** @internal */
export const validateOptions = (options: OpenAiClient.Options): Effect.Effect<void, ConfigError.ConfigError> => {
  if (options.dangerouslyAllowBrowser !== true && isBrowser()) {
    return Effect.fail(invalid(
      "dangerouslyAllowBrowser",
      "Refusing to build the OpenAI client in a browser: the API key would be exposed to everyone who loads the " +
        "page. Call the API from a server instead, or pass dangerouslyAllowBrowser: true if exposing this key is " +
        "intended."
    ))
  }
  const key = Redacted.value(options.apiKey)
  if (typeof key !== "string" || key.trim() === "") {
    return Effect.fail(invalid("apiKey", "The OpenAI API key is empty: set OPENAI_API_KEY or pass apiKey"))
  }
  if (hasLineBreak(key)) {
    return Effect.fail(invalid("apiKey", "The OpenAI API key contains a line break (CR or LF)"))
  }
  if (hasBadValueChar(key)) {
    return Effect.fail(invalid("apiKey", "The OpenAI API key has a character HTTP headers cannot carry"))
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
  const retries = retriesProblem(options.maxRetries)
  if (retries !== undefined) return Effect.fail(invalid("maxRetries", retries))
  for (const name of ["timeout", "streamIdleTimeout"] as const) {
    const duration = limitDuration(name, options[name], Duration.zero)
    if (typeof duration === "string") return Effect.fail(invalid(name, duration))
  }
  for (const [name, value] of Object.entries({ organization: options.organization, project: options.project })) {
    if (value !== undefined && hasLineBreak(value)) {
      return Effect.fail(invalid(name, `${name} contains a line break (CR or LF)`))
    }
    if (value !== undefined && hasBadValueChar(value)) {
      return Effect.fail(invalid(name, `${name} has a character HTTP headers cannot carry`))
    }
  }
  // defaults are checked once here; per request only the per-call inputs are
  const badHeader = headerProblem(options.defaultHeaders)
  if (badHeader !== undefined) return Effect.fail(invalid("defaultHeaders", badHeader))
  const badQuery = lineBreakIn(options.defaultQuery)
  if (badQuery !== undefined) {
    return Effect.fail(
      invalid("defaultQuery", `Query parameter ${JSON.stringify(badQuery)} contains a line break (CR or LF)`)
    )
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

const readErrorBody = (text: string): { error: OpenAiError.ErrorBody | undefined; body: string | undefined } => {
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

const snippet = (text: string) =>
  text.length > OpenAiError.bodySnippetLength ? text.slice(0, OpenAiError.bodySnippetLength) : text

const isSuccess = (status: number) => status >= 200 && status < 300

/**
 * Sets the request id on the operation's span. Not `Effect.annotateCurrentSpan`: without a span it builds (and
 * drops) an exception with a stack trace, which cost ~15 µs per call under the default tracer.
 */
const annotateRequestId = (meta: ResponseMeta.ResponseMeta) => {
  const requestId = meta.requestId
  return requestId === undefined ? Effect.void : Effect.contextWith((context: Context.Context<never>) => {
    const span = Context.getOption(context, Tracer.ParentSpan)
    if (span._tag === "Some" && span.value._tag === "Span") span.value.attribute("openai.request_id", requestId)
  })
}

const notifyListener = (meta: ResponseMeta.ResponseMeta) =>
  Effect.flatMap(
    Effect.serviceOption(ResponseListener),
    (listener) => listener._tag === "Some" ? listener.value(meta) : Effect.void
  )

const spanAttributes = (operation: { readonly name: string; readonly model?: string | undefined }) =>
  operation.model === undefined
    ? { "gen_ai.system": "openai", "gen_ai.operation.name": operation.name }
    : { "gen_ai.system": "openai", "gen_ai.operation.name": operation.name, "gen_ai.request.model": operation.model }

const isEventStream = (meta: ResponseMeta.ResponseMeta) =>
  (meta.headers["content-type"] ?? "").toLowerCase().includes("text/event-stream")

/**
 * `Effect.retry` that sets up the schedule only after a first failure: the common case, a success at the first
 * attempt, costs nothing extra. Same semantics: the policy is fed each failure and decides the wait.
 */
const retrying = <A, E, R>(
  attempt: Effect.Effect<A, E, R>,
  policy: Schedule.Schedule<unknown, E>
): Effect.Effect<A, E, R> =>
  Effect.catchAll(attempt, (first) =>
    Effect.flatMap(Schedule.driver(policy), (driver) => {
      const retry = (error: E): Effect.Effect<A, E, R> =>
        Effect.matchEffect(driver.next(error), {
          onFailure: () => Effect.fail(error),
          onSuccess: () => Effect.catchAll(attempt, retry)
        })
      return retry(first)
    }))

/** The redirects followed, as `fetch` follows them; any other 3xx is an `ApiError`. */
const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Redirects followed per attempt (as `fetch`); the next one is answered with its 3xx status as an `ApiError`. */
const maxRedirects = 20

const manualRedirectInit: RequestInit = { redirect: "manual" }

/** Headers that carry credentials or account identity: never sent to an origin other than the request's. */
const isCredentialHeader = (name: string) =>
  name === "authorization" || name === "proxy-authorization" || name === "cookie" || name === "api-key" ||
  name === "x-api-key" || name.startsWith("openai-")

/**
 * The request a redirect asks for, with `fetch`'s rules: 303 (and 301/302 after a POST) becomes a GET without a
 * body; 307/308 keep the method and body. Going to another origin drops the credential headers, for that hop and
 * every later one. `undefined` when the response is not a redirect that can be followed.
 */
const redirectRequest = (
  request: HttpClientRequest.HttpClientRequest,
  response: HttpClientResponse.HttpClientResponse
): { readonly request: HttpClientRequest.HttpClientRequest; readonly crossOrigin: boolean } | undefined => {
  const location = response.headers["location"]
  if (!redirectStatuses.has(response.status) || location === undefined) return undefined
  const from = HttpClientRequest.toUrl(request)
  if (from._tag === "None") return undefined
  let to: URL
  try {
    to = new URL(location, from.value)
  } catch {
    return undefined
  }
  if (to.protocol !== "http:" && to.protocol !== "https:") return undefined
  let next = HttpClientRequest.setUrl(request, to)
  if (
    (response.status === 303 && request.method !== "GET" && request.method !== "HEAD") ||
    ((response.status === 301 || response.status === 302) && request.method === "POST")
  ) {
    next = HttpClientRequest.setBody(HttpClientRequest.setMethod(next, "GET"), HttpBody.empty)
  }
  const crossOrigin = to.origin !== from.value.origin
  if (crossOrigin) {
    next = HttpClientRequest.make(next.method)(next.url, {
      urlParams: next.urlParams,
      hash: Option.getOrUndefined(next.hash),
      headers: Headers.remove(next.headers, Object.keys(next.headers).filter(isCredentialHeader)),
      body: next.body
    })
  }
  return { request: next, crossOrigin }
}

/** What a prepared request needs to run. */
interface Prepared {
  readonly info: OpenAiError.RequestInfo
  readonly httpRequest: HttpClientRequest.HttpClientRequest
  readonly timeout: Duration.Duration
  /** The stream idle timeout (unused by plain requests). */
  readonly idle: Duration.Duration
  readonly policy: RetryPolicy.RetryPolicy
}

/** @internal */
export const make = (
  options: OpenAiClient.Options
): Effect.Effect<OpenAiClient.Service, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    yield* validateOptions(options)
    // propagation is done here, from the operation's span, whatever the transport; never by the HttpClient
    const givenClient = yield* HttpClient.HttpClient
    const capabilities = yield* HttpTransport.Declared
    // a transport that follows redirects itself (fetch) is asked not to, ~20 µs per request: only when needed
    const needsManualRedirects = capabilities.returnsRedirects !== true
    const httpClient = HttpClient.withTracerPropagation(givenClient, false)
    const propagate = options.propagateTraceContext ?? false
    const baseURL = (options.baseURL ?? defaultBaseURL).replace(/\/+$/, "")
    // validated above: these are durations
    const timeout = limitDuration("timeout", options.timeout, defaultTimeout) as Duration.Duration
    const idleTimeout = limitDuration(
      "streamIdleTimeout",
      options.streamIdleTimeout,
      defaultStreamIdleTimeout
    ) as Duration.Duration
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

    const prepare = (
      operation: OpenAiClient.OperationBase,
      requestOptions: OpenAiClient.RequestOptions | undefined,
      accept?: string
    ): Prepared | OpenAiError.InvalidRequestError => {
      const info: OpenAiError.RequestInfo = { method: operation.method, url: baseURL + operation.path }
      const attemptTimeout = limitDuration("timeout", requestOptions?.timeout, timeout)
      if (typeof attemptTimeout === "string") return invalidRequest(info, attemptTimeout)
      const idle = limitDuration(
        "idleTimeout",
        (requestOptions as OpenAiClient.StreamRequestOptions | undefined)?.idleTimeout,
        idleTimeout
      )
      if (typeof idle === "string") return invalidRequest(info, idle)
      const retries = retriesProblem(requestOptions?.maxRetries)
      if (retries !== undefined) return invalidRequest(info, retries)
      const badHeader = headerProblem(requestOptions?.headers)
      if (badHeader !== undefined) return invalidRequest(info, badHeader)
      const badQuery = lineBreakIn(operation.query) ?? lineBreakIn(requestOptions?.query)
      if (badQuery !== undefined) {
        return invalidRequest(info, `Query parameter ${JSON.stringify(badQuery)} contains a line break (CR or LF)`)
      }
      const headers: MutableRecord = { ...baseHeaders }
      if (accept !== undefined) headers.accept = accept
      applyHeaders(headers, requestOptions?.headers)
      const urlParams = baseQuery.slice()
      applyQuery(urlParams, operation.query)
      applyQuery(urlParams, requestOptions?.query)
      let body: HttpBody.HttpBody = HttpBody.empty
      if (operation.body !== undefined) {
        let json: string
        try {
          json = JSON.stringify(operation.body)
        } catch (cause) {
          return invalidRequest(info, `The request body cannot be encoded as JSON: ${(cause as Error).message}`, cause)
        }
        body = HttpBody.text(json, "application/json")
      }
      return {
        info,
        httpRequest: HttpClientRequest.make(operation.method)(info.url, { headers, urlParams, body }),
        timeout: attemptTimeout,
        idle,
        policy: requestOptions?.retryPolicy ??
          (requestOptions?.maxRetries === undefined
            ? retryPolicy
            : RetryPolicy.make({ maxRetries: requestOptions.maxRetries }))
      }
    }

    // A fetch-based HttpClient would follow redirects itself, forwarding every header but `Authorization`: it is
    // asked for the 3xx instead, so `follow` decides (Node's fetch returns it; a browser's is an opaque status 0).
    const manualRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      !needsManualRedirects ? effect : Effect.flatMap(
        Effect.serviceOption(FetchHttpClient.RequestInit),
        (init) =>
          Effect.provideService(
            effect,
            FetchHttpClient.RequestInit,
            init._tag === "Some" ? { ...init.value, redirect: "manual" } : manualRedirectInit
          )
      )

    const execute = (request: HttpClientRequest.HttpClientRequest, propagateHere: boolean) =>
      manualRedirects(
        propagateHere
          ? Effect.flatMap(
            Effect.currentSpan,
            (span) => httpClient.execute(HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span)))
          )
            .pipe(Effect.catchTag("NoSuchElementException", () => httpClient.execute(request)))
          : httpClient.execute(request)
      )

    // Redirects are followed here, not by the HttpClient, so credentials never reach another origin (nor trace
    // context, once a hop has left the base URL's origin).
    const follow = (
      request: HttpClientRequest.HttpClientRequest,
      response: HttpClientResponse.HttpClientResponse,
      hops: number,
      sameOrigin: boolean
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
      const next = hops < maxRedirects ? redirectRequest(request, response) : undefined
      if (next === undefined) return Effect.succeed(response)
      const stillSameOrigin = sameOrigin && !next.crossOrigin
      return Effect.ignore(Stream.runDrain(response.stream)).pipe(
        Effect.zipRight(execute(next.request, propagate && stillSameOrigin)),
        Effect.flatMap((redirected) => follow(next.request, redirected, hops + 1, stillSameOrigin))
      )
    }

    /** A transport failure: a `TimeoutError` when the client enforced the attempt's deadline, else a connection one. */
    const transportError = (prepared: Prepared, cause: unknown) =>
      HttpTransport.isAttemptTimeoutError(cause)
        ? new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.timeout, phase: "attempt" })
        : new OpenAiError.ConnectionError({ request: prepared.info, cause })

    const send = (prepared: Prepared) =>
      Effect.mapError(
        Effect.flatMap(
          execute(prepared.httpRequest, propagate),
          (response) =>
            redirectStatuses.has(response.status)
              ? follow(prepared.httpRequest, response, 0, true)
              : Effect.succeed(response)
        ),
        (error: HttpClientError.HttpClientError) => transportError(prepared, error.cause ?? error.message)
      )

    const readText = (prepared: Prepared, response: HttpClientResponse.HttpClientResponse) =>
      Effect.mapError(response.text, (error) => transportError(prepared, error.cause))

    const statusError = (info: OpenAiError.RequestInfo, meta: ResponseMeta.ResponseMeta, text: string) =>
      OpenAiError.fromStatus({ request: info, response: meta, ...readErrorBody(text) })

    const invalidJson = (
      info: OpenAiError.RequestInfo,
      meta: ResponseMeta.ResponseMeta,
      text: string,
      detail: string
    ) =>
      new OpenAiError.ResponseDecodeError({
        request: info,
        response: meta,
        reason: "InvalidJson",
        body: snippet(text),
        detail
      })

    const attemptTimeout = (prepared: Prepared) => <A, E, R>(attempt: Effect.Effect<A, E, R>) =>
      timeoutFail(
        attempt,
        prepared.timeout,
        () => new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.timeout, phase: "attempt" })
      )

    const request = <A>(
      operation: OpenAiClient.Operation<A>,
      requestOptions?: OpenAiClient.RequestOptions
    ): Effect.Effect<A, OpenAiError.OpenAiError> => {
      const prepared = prepare(operation, requestOptions)
      if (prepared instanceof OpenAiError.InvalidRequestError) return Effect.fail(prepared)
      const { info } = prepared
      const onResponse = (
        response: HttpClientResponse.HttpClientResponse
      ): Effect.Effect<A, OpenAiError.OpenAiError> =>
        Effect.flatMap(readText(prepared, response), (text): Effect.Effect<A, OpenAiError.OpenAiError> => {
          const meta = ResponseMeta.make(response.status, response.headers)
          if (!isSuccess(meta.status)) {
            return Effect.zipRight(annotateRequestId(meta), Effect.fail(statusError(info, meta, text)))
          }
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch (cause) {
            return Effect.fail(invalidJson(info, meta, text, text === "" ? "empty body" : (cause as Error).message))
          }
          return annotateRequestId(meta).pipe(
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
            Effect.tap(() => notifyListener(meta))
          )
        })
      const timed: Effect.Effect<A, OpenAiError.OpenAiError> = send(prepared).pipe(
        Effect.flatMap(onResponse),
        attemptTimeout(prepared)
      )
      const millis = Duration.toMillis(prepared.timeout)
      // the client enforces the deadline: no forked fiber; a TestClock (or no timer at all) keeps the Effect way
      const attempt = capabilities.enforcesDeadline === true && millis <= maxTimerMillis
        ? Effect.clockWith((clock) =>
          isLiveClock(clock)
            ? Effect.suspend(() =>
              Effect.locally(
                Effect.flatMap(send(prepared), onResponse),
                HttpTransport.currentDeadline,
                Date.now() + millis
              )
            )
            : timed
        )
        : timed
      const retried = retrying(attempt, prepared.policy)
      return Effect.tracerWith((tracer) =>
        tracer === nativeTracer ? retried : Effect.withSpan(retried, `OpenAI ${operation.name}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: spanAttributes(operation)
        })
      )
    }

    const stream = <A>(
      operation: OpenAiClient.StreamOperation<A>,
      requestOptions?: OpenAiClient.StreamRequestOptions
    ): Stream.Stream<A, OpenAiError.OpenAiError> => {
      const prepared = prepare(operation, requestOptions, "text/event-stream")
      if (prepared instanceof OpenAiError.InvalidRequestError) return Stream.fail(prepared)
      const { info } = prepared
      const { idle } = prepared

      // One attempt: send, check the status, and pull the first chunk of values, in a scope of its own that is
      // closed if the attempt fails (so a retry never leaks a connection) and kept open for the rest otherwise.
      const attempt = (outer: Scope.Scope) =>
        Effect.flatMap(Scope.fork(outer, ExecutionStrategy.sequential), (scope) =>
          Effect.gen(function*() {
            const response = yield* send(prepared)
            const meta = ResponseMeta.make(response.status, response.headers)
            yield* annotateRequestId(meta)
            if (!isSuccess(meta.status)) {
              return yield* Effect.fail(statusError(info, meta, yield* readText(prepared, response)))
            }
            if (!isEventStream(meta)) {
              const text = yield* readText(prepared, response)
              const { error } = readErrorBody(text)
              return yield* Effect.fail(
                error !== undefined
                  ? new OpenAiError.StreamError({
                    request: info,
                    response: meta,
                    reason: "ErrorEvent",
                    error,
                    detail: "the server answered with an error instead of an event stream"
                  })
                  : invalidJson(
                    info,
                    meta,
                    text,
                    `expected text/event-stream, got ${meta.headers["content-type"] ?? "no content type"}`
                  )
              )
            }
            yield* notifyListener(meta)
            // the idle timeout watches bytes, so comments and keep-alive events count as activity
            const bytes = yield* idleTimeoutPull(
              yield* Stream.toPull(
                Stream.mapError(
                  response.stream,
                  (error) => new OpenAiError.ConnectionError({ request: info, cause: error.cause })
                )
              ),
              idle,
              () => new OpenAiError.TimeoutError({ request: info, timeout: idle, phase: "idle" })
            )
            const values = Stream.repeatEffectChunkOption(bytes).pipe(
              Stream.pipeThroughChannel(eventsToValues(operation, info, meta))
            )
            const pull = yield* Stream.toPull(values)
            const first = yield* Effect.catchAll(
              pull,
              (error) => error._tag === "None" ? Effect.succeed(Chunk.empty<A>()) : Effect.fail(error.value)
            )
            return { first, pull }
          }).pipe(
            Scope.extend(scope),
            Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
          ))

      return Stream.unwrapScoped(
        Effect.gen(function*() {
          const outer = yield* Effect.scope
          const { first, pull } = yield* retrying(attempt(outer).pipe(attemptTimeout(prepared)), prepared.policy)
          return Stream.concat(Stream.fromChunk(first), Stream.repeatEffectChunkOption(pull))
        })
      ).pipe(
        Stream.withSpan(`OpenAI ${operation.name}`, {
          kind: "client",
          captureStackTrace: false,
          attributes: spanAttributes(operation)
        })
      )
    }

    return tag.of({ baseURL, httpClient, request, stream })
  })

/**
 * Decodes SSE bytes and turns events into values with the operation's rules: a terminal event ends the stream,
 * an error event fails it after every earlier value was delivered, and input that ends before the terminal event
 * fails with a truncation error.
 */
type ValuesChannel<A> = Channel.Channel<
  Chunk.Chunk<A>,
  Chunk.Chunk<Uint8Array>,
  OpenAiError.OpenAiError,
  OpenAiError.OpenAiError,
  void,
  unknown
>

const eventsToValues = <A>(
  operation: OpenAiClient.StreamOperation<A>,
  info: OpenAiError.RequestInfo,
  meta: ResponseMeta.ResponseMeta
): ValuesChannel<A> =>
  Channel.suspend(() => {
    const decoder = new Sse.Decoder()
    const events: Array<Sse.Event> = []
    const collect = (event: Sse.Event) => {
      events.push(event)
    }
    const streamError = (step: OpenAiClient.StreamStepFailure) =>
      new OpenAiError.StreamError({
        request: info,
        response: meta,
        reason: step.reason,
        error: step.error,
        detail: step.detail
      })
    // After the terminal event, read the rest of the body (normally just its end) so the connection goes back to
    // the pool instead of being aborted; a server that keeps the body open is cut after a moment.
    const discard: Channel.Channel<never, Chunk.Chunk<Uint8Array>, never, OpenAiError.OpenAiError, void, unknown> =
      Channel.readWithCause({
        onInput: () => discard,
        onFailure: () => Channel.void,
        onDone: () => Channel.void
      })
    const drain = Channel.interruptWhen(discard, Effect.sleep(drainLimit))
    const loop: ValuesChannel<A> = Channel.readWithCause({
      onInput: (input: Chunk.Chunk<Uint8Array>) => {
        events.length = 0
        for (const bytes of input) decoder.push(bytes, collect)
        const out: Array<A> = []
        for (let i = 0; i < events.length; i++) {
          const step = operation.onEvent(events[i]!)
          switch (step._tag) {
            case "Emit":
              out.push(step.value)
              break
            case "Skip":
              break
            case "End":
              return out.length === 0 ? drain : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), drain)
            case "Fail": {
              const failure = Channel.fail(streamError(step))
              return out.length === 0 ? failure : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), failure)
            }
          }
        }
        return out.length === 0 ? loop : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), loop)
      },
      onFailure: (cause) => Channel.failCause(cause),
      onDone: () =>
        Channel.fail(streamError({
          _tag: "Fail",
          reason: "Truncated",
          error: undefined,
          detail: `the event stream ended before its terminal event (${operation.terminal})`
        }))
    })
    return loop
  })
