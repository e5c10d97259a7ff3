/**
 * What an `HttpClient` can declare about itself to the OpenAI client, so the request pipeline leaves to it the work
 * it does better. For authors of transports: `@effect-openai/node` declares both capabilities. A client that
 * declares nothing gets the general treatment, which is correct for any `HttpClient`.
 *
 * The keys are global symbols, so a transport and the client agree even when two copies of this package are
 * installed.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"

const capabilitiesKey = Symbol.for("@effect-openai/core/HttpTransport/capabilities")
const deadlineKey = Symbol.for("@effect-openai/core/HttpTransport/deadline")
const timedOutKey = Symbol.for("@effect-openai/core/HttpTransport/timedOut")

/**
 * What a transport does itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * Redirects come back as 3xx responses (the transport never follows them). Without it, the client asks for
   * `redirect: "manual"` on every request, in case the transport is fetch-based.
   */
  readonly returnsRedirects?: boolean | undefined
  /**
   * The transport reads {@link deadline} from each request and, when it passes, fails the exchange with an
   * {@link AttemptTimeoutError} (closing its connection). Without it, the client runs each attempt on a forked
   * fiber with a timer.
   */
  readonly enforcesDeadline?: boolean | undefined
}

/**
 * Declares what `client` does itself; returns it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const declare = <C extends HttpClient.HttpClient.With<any, any>>(client: C, capabilities: Capabilities): C =>
  Object.defineProperty(client, capabilitiesKey, { value: capabilities })

/**
 * What `client` declared (nothing, for any other client).
 *
 * @since 0.1.0
 * @category getters
 */
export const capabilities = (client: HttpClient.HttpClient.With<any, any>): Capabilities =>
  (client as unknown as Record<symbol, Capabilities | undefined>)[capabilitiesKey] ?? {}

/**
 * The attempt's deadline (epoch milliseconds) the client put on a request, if any. A transport that declares
 * `enforcesDeadline` must honour it across the whole exchange: connecting, the head and the body.
 *
 * @since 0.1.0
 * @category getters
 */
export const deadline = (request: HttpClientRequest.HttpClientRequest): number | undefined =>
  (request as unknown as Record<symbol, number | undefined>)[deadlineKey]

/**
 * A copy of `request` carrying a deadline (epoch milliseconds).
 *
 * @since 0.1.0
 * @category combinators
 */
export const withDeadline = (
  request: HttpClientRequest.HttpClientRequest,
  epochMillis: number
): HttpClientRequest.HttpClientRequest =>
  // `setHeaders` with nothing to set is the cheapest copy the platform offers
  Object.defineProperty(HttpClientRequest.setHeaders(request, {}), deadlineKey, { value: epochMillis })

/**
 * The error a transport fails an exchange with when its {@link deadline} passes; the client turns it into a
 * `TimeoutError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class AttemptTimeoutError extends Error {
  constructor() {
    super("The attempt's deadline passed")
    this.name = "AttemptTimeoutError"
    Object.defineProperty(this, timedOutKey, { value: true })
  }
}

/**
 * Whether `cause` is an {@link AttemptTimeoutError} (from this copy of the package or another).
 *
 * @since 0.1.0
 * @category refinements
 */
export const isAttemptTimeoutError = (cause: unknown): cause is AttemptTimeoutError =>
  typeof cause === "object" && cause !== null && (cause as Record<symbol, unknown>)[timedOutKey] === true
