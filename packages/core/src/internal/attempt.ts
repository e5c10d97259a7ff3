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

/** The attempt's `TimeoutError`, whoever enforced the deadline (the transport or the client's timer). */
const attemptTimeoutError = (prepared: Prepared) => () =>
  new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.limits.timeout, phase: "attempt" })

/**
 * A transport failure (sending, or reading a body): a `TimeoutError` when the transport enforced the attempt's
 * deadline, else a `ConnectionError` caused by what failed underneath, or, when the platform's error has no cause,
 * by its description (the platform's error kept as that one's cause).
 *
 * @internal
 */
export const transportError = (
  prepared: Prepared,
  error: HttpClientError.HttpClientError
): OpenAiError.ConnectionError | OpenAiError.TimeoutError =>
  HttpTransport.isAttemptTimeoutError(error.cause)
    ? attemptTimeoutError(prepared)()
    : new OpenAiError.ConnectionError({ request: prepared.info, cause: error.cause ?? reasonOf(error) })

/** A platform error without a cause: its description (or reason) as the error, the platform's error as its cause. */
const reasonOf = (error: HttpClientError.HttpClientError): Error =>
  new Error(error.description ?? `${error.reason} error`, { cause: error })

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
    (error) => transportError(prepared, error)
  )

/**
 * What a transport registered to abort the exchanges of one attempt: run once, when the attempt's scope closes. A
 * plain synchronous list, because registering an `Effect` finalizer per exchange cost the Node client ~9 µs a call.
 */
class Exchanges {
  private aborts: Array<() => void> | undefined = []

  readonly onEnd = (abort: () => void): void => {
    if (this.aborts === undefined) abort()
    else this.aborts.push(abort)
  }

  readonly end = Effect.sync(() => {
    const aborts = this.aborts
    this.aborts = undefined
    if (aborts !== undefined) { for (const abort of aborts) abort() }
  })
}

/**
 * Tells the transport about the attempt: through `HttpTransport.currentAttempt` when it declares it reads it, and
 * with the attempt's scope in the context for the platform's `HttpClient.withScope` when it does not tie exchanges
 * to attempts itself.
 */
const told = <A, E, R>(
  pipeline: Pipeline,
  attempt: Effect.Effect<A, E, R>,
  scope: Scope.Scope | undefined,
  exchanges: Exchanges,
  deadline: number | undefined
): Effect.Effect<A, E, R> => {
  const { abortsWithScope, enforcesDeadline } = pipeline.capabilities
  const inContext = scope === undefined ? attempt : Effect.provideService(attempt, Scope.Scope, scope)
  return abortsWithScope === true || enforcesDeadline === true
    ? Effect.locally(inContext, HttpTransport.currentAttempt, { deadline, onEnd: exchanges.onEnd })
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
  // each run (a retry too) is an attempt of its own
  Effect.suspend(() => {
    const exchanges = new Exchanges()
    const bounded = (scope: Scope.Scope | undefined) => {
      const millis = Duration.toMillis(prepared.limits.timeout)
      const timer = () =>
        timeoutFail(
          told(pipeline, attempt, scope, exchanges, undefined),
          prepared.limits.timeout,
          attemptTimeoutError(prepared)
        )
      return pipeline.capabilities.enforcesDeadline === true && millis <= maxTimerMillis
        ? Effect.clockWith((clock) =>
          isLiveClock(clock)
            ? Effect.suspend(() => told(pipeline, attempt, scope, exchanges, Date.now() + millis))
            : timer()
        )
        : timer()
    }
    // a transport that ties exchanges to attempts needs no Effect scope: the attempt's end aborts what it registered;
    // any other gets one in the context, for the platform's HttpClient.withScope
    return pipeline.capabilities.abortsWithScope === true
      ? Effect.ensuring(bounded(undefined), exchanges.end)
      : Effect.flatMap(
        Scope.make(),
        (scope) => Effect.onExit(Effect.ensuring(bounded(scope), exchanges.end), (exit) => Scope.close(scope, exit))
      )
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
): Effect.Effect<A, E | OpenAiError.TimeoutError, Exclude<R, Scope.Scope>> => {
  const exchanges = new Exchanges()
  return Effect.zipRight(
    Scope.addFinalizer(scope, exchanges.end),
    timeoutFail(
      told(pipeline, Scope.extend(attempt, scope), undefined, exchanges, undefined),
      prepared.limits.timeout,
      attemptTimeoutError(prepared)
    )
  )
}
