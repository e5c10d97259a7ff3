import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import * as HttpTransport from "../HttpTransport.js"
import * as OpenAiError from "../OpenAiError.js"
import type { Pipeline, Prepared } from "./pipeline.js"
import * as Redirects from "./redirects.js"
import { isLiveClock, maxTimerMillis, timeoutFail } from "./timeout.js"

const manualRedirectInit: RequestInit = { redirect: "manual" }

/**
 * A fetch-based `HttpClient` would follow redirects itself, forwarding every header but `Authorization`: unless the
 * transport declares it returns them, it is asked for the 3xx instead (Node's fetch returns it; a browser's is an
 * opaque status 0), so the pipeline decides.
 */
const manualRedirects = <A, E, R>(pipeline: Pipeline, effect: Effect.Effect<A, E, R>) =>
  pipeline.capabilities.returnsRedirects === true ? effect : Effect.flatMap(
    Effect.serviceOption(FetchHttpClient.RequestInit),
    (init) =>
      Effect.provideService(
        effect,
        FetchHttpClient.RequestInit,
        init._tag === "Some" ? { ...init.value, redirect: "manual" } : manualRedirectInit
      )
  )

/** One exchange, with trace context headers from the operation's span when `propagate` (and there is a span). */
const execute = (
  pipeline: Pipeline,
  request: HttpClientRequest.HttpClientRequest,
  propagate: boolean
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  manualRedirects(
    pipeline,
    propagate
      ? Effect.flatMap(
        Effect.currentSpan,
        (span) => pipeline.httpClient.execute(HttpClientRequest.setHeaders(request, HttpTraceContext.toHeaders(span)))
      ).pipe(Effect.catchTag("NoSuchElementException", () => pipeline.httpClient.execute(request)))
      : pipeline.httpClient.execute(request)
  )

/**
 * A transport failure: a `TimeoutError` when the transport enforced the attempt's deadline, else a connection one.
 *
 * @internal
 */
export const transportError = (
  prepared: Prepared,
  cause: unknown
): OpenAiError.ConnectionError | OpenAiError.TimeoutError =>
  HttpTransport.isAttemptTimeoutError(cause)
    ? new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.limits.timeout, phase: "attempt" })
    : new OpenAiError.ConnectionError({ request: prepared.info, cause })

/**
 * Sends the prepared request and follows its redirects. Run inside {@link run} or {@link runUntilFirstChunk}: the
 * transport ties the exchange to the attempt's scope, so closing it closes a connection still in use, and from the
 * moment the response exists it is owned.
 *
 * @internal
 */
export const send = (
  pipeline: Pipeline,
  prepared: Prepared
): Effect.Effect<HttpClientResponse.HttpClientResponse, OpenAiError.ConnectionError | OpenAiError.TimeoutError> =>
  Effect.mapError(
    Effect.flatMap(
      execute(pipeline, prepared.request, pipeline.propagate),
      (response) =>
        Redirects.isRedirect(response)
          ? Redirects.follow(
            (request, sameOrigin) => execute(pipeline, request, pipeline.propagate && sameOrigin),
            prepared.request,
            response,
            prepared.resendable
          )
          : Effect.succeed(response)
    ),
    (error) => transportError(prepared, error.cause ?? error.message)
  )

const attemptTimeoutError = (prepared: Prepared) => () =>
  new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.limits.timeout, phase: "attempt" })

/**
 * Hands the attempt's scope (and deadline) to the transport: through `HttpTransport.currentAttempt` to a transport
 * that declares it reads it, and in the context for the platform's `HttpClient.withScope` otherwise.
 */
const told = <A, E, R>(
  pipeline: Pipeline,
  attempt: Effect.Effect<A, E, R>,
  scope: Scope.Scope,
  deadline: number | undefined
): Effect.Effect<A, E, R> => {
  const { abortsWithScope, enforcesDeadline } = pipeline.capabilities
  const inContext = abortsWithScope === true ? attempt : Effect.provideService(attempt, Scope.Scope, scope)
  return abortsWithScope === true || enforcesDeadline === true
    ? Effect.locally(inContext, HttpTransport.currentAttempt, { deadline, scope })
    : inContext
}

/**
 * Runs one attempt of a call that reads its whole response: in a scope of its own, closed when the attempt ends (so
 * an exchange left unfinished is aborted), and bounded by the attempt timeout. With the live clock and a transport
 * that enforces deadlines, the deadline is handed to the transport (across redirect hops) and nothing is forked;
 * otherwise (a `TestClock`, any other transport) the attempt runs on a forked fiber with a timer. Both fail with a
 * `TimeoutError` of phase `attempt`. A timeout past `setTimeout`'s range (or infinite) means none.
 *
 * @internal
 */
export const run = <A, E, R>(
  pipeline: Pipeline,
  prepared: Prepared,
  attempt: Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenAiError.TimeoutError, R> =>
  Effect.flatMap(Scope.make(), (scope) => {
    const millis = Duration.toMillis(prepared.limits.timeout)
    const timed = pipeline.capabilities.enforcesDeadline === true && millis <= maxTimerMillis
      ? Effect.clockWith((clock) =>
        isLiveClock(clock)
          ? Effect.suspend(() => told(pipeline, attempt, scope, Date.now() + millis))
          : timeoutFail(
            told(pipeline, attempt, scope, undefined),
            prepared.limits.timeout,
            attemptTimeoutError(prepared)
          )
      )
      : timeoutFail(told(pipeline, attempt, scope, undefined), prepared.limits.timeout, attemptTimeoutError(prepared))
    return Effect.onExit(timed, (exit) => Scope.close(scope, exit))
  })

/**
 * One attempt of a stream, until its first chunk: in `scope` (the caller's, kept open for the rest of the stream),
 * told to the transport without a deadline, and bounded by the attempt timeout on a forked fiber with a timer (a
 * transport deadline would cover the whole body).
 *
 * @internal
 */
export const runUntilFirstChunk = <A, E, R>(
  pipeline: Pipeline,
  prepared: Prepared,
  scope: Scope.Scope,
  attempt: Effect.Effect<A, E, R>
): Effect.Effect<A, E | OpenAiError.TimeoutError, Exclude<R, Scope.Scope>> =>
  timeoutFail(
    told(pipeline, Scope.extend(attempt, scope), scope, undefined),
    prepared.limits.timeout,
    attemptTimeoutError(prepared)
  )
