/**
 * The protocol between the OpenAI client and the `HttpClient` it sends through, for authors of transports. A
 * transport that does nothing of this is used correctly; one that follows it lets the client leave it the work it
 * does better (`@effect-openai/node` follows all of it).
 *
 * - For each attempt, the client sets {@link currentAttempt} (a `FiberRef`, so every request combinator keeps it: a
 *   rebuilt request, added headers, a wrapping client). A transport that declares `abortsWithScope` registers each
 *   exchange's abort with it, so the end of the attempt (an interruption, a failure) closes the connection; one that
 *   declares `enforcesDeadline` aborts the exchange when the attempt's deadline passes and fails with an
 *   {@link AttemptTimeoutError}.
 * - A transport declares what it does with {@link Declared}, a context value provided next to its `HttpClient`
 *   ({@link layer} provides both).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as FiberRef from "effect/FiberRef"
import { globalValue } from "effect/GlobalValue"
import * as Layer from "effect/Layer"

/**
 * What a transport does itself.
 *
 * @since 0.1.0
 * @category models
 */
export interface Capabilities {
  /**
   * Redirects come back as 3xx responses (the transport never follows them). Without it, the client asks for
   * `redirect: "manual"` on every request (`FetchHttpClient.RequestInit`), in case the transport is fetch-based.
   */
  readonly returnsRedirects?: boolean | undefined
  /**
   * The transport reads the deadline of {@link currentAttempt} on each request and, when it passes, fails the
   * exchange with an {@link AttemptTimeoutError} and closes its connection, across the whole exchange: connecting,
   * the head and the body. Without it, the client runs each attempt on a forked fiber with a timer.
   */
  readonly enforcesDeadline?: boolean | undefined
  /**
   * Each exchange is tied to its attempt when it is executed (`onEnd` of {@link currentAttempt}, before the request
   * starts): the end of the attempt aborts the exchange (closing its connection) unless it is over, so a response is
   * owned from the moment it exists. Without it, the client runs each attempt with a `Scope` in the context and
   * wraps the transport with the platform's `HttpClient.withScope`, which does the same for clients made with
   * `HttpClient.make`.
   */
  readonly abortsWithScope?: boolean | undefined
  /**
   * The transport never adds trace context headers of its own (the client adds them, from the operation's span,
   * when `propagateTraceContext` is on). Without it, the client turns the platform's propagation off for each
   * request (`HttpClient.withTracerPropagation(false)`), since clients made with `HttpClient.make` add them by default.
   */
  readonly omitsTraceHeaders?: boolean | undefined
}

/**
 * What the `HttpClient` in context declared about itself; nothing unless a transport provides it.
 *
 * @since 0.1.0
 * @category context
 */
export class Declared extends Context.Reference<Declared>()("@effect-openai/core/HttpTransport/Declared", {
  defaultValue: (): Capabilities => ({})
}) {}

/**
 * The attempt an exchange belongs to, as the client tells its transport.
 *
 * @since 0.1.0
 * @category models
 */
export interface Attempt {
  /**
   * The attempt's deadline in epoch milliseconds (`Date.now()` time): set when the transport declares
   * `enforcesDeadline`, the clock is the live one and the attempt reads its whole response (a stream's attempt is
   * timed by the client until its first chunk).
   */
  readonly deadline: number | undefined
  /**
   * Registers how to abort an exchange made in this attempt. The attempt's scope calls it once when it closes (at
   * the end of the attempt, or of the stream it started), over or not, or at once if it is already closed: the
   * transport makes it do nothing for an exchange that is over.
   */
  readonly onEnd: (abort: () => void) => void
}

/**
 * The attempt the fiber is running, set by the client around each attempt (redirect hops included) when the
 * transport declares `enforcesDeadline` or `abortsWithScope`; `undefined` otherwise.
 *
 * @since 0.1.0
 * @category fiber refs
 */
export const currentAttempt: FiberRef.FiberRef<Attempt | undefined> = globalValue(
  "@effect-openai/core/HttpTransport/currentAttempt",
  () => FiberRef.unsafeMake<Attempt | undefined>(undefined)
)

/**
 * An `HttpClient` together with the declaration of what it does.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  client: HttpClient.HttpClient,
  capabilities: Capabilities
): Layer.Layer<HttpClient.HttpClient | Declared> =>
  Layer.succeedContext(Context.make(HttpClient.HttpClient, client).pipe(Context.add(Declared, capabilities)))

const timedOutKey = Symbol.for("@effect-openai/core/HttpTransport/AttemptTimeoutError")

/**
 * The error a transport fails an exchange with when the deadline of {@link currentAttempt} passes; the client turns
 * it into a `TimeoutError`.
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

/**
 * Whether a (lower-case) header carries credentials or account identity: `authorization`, `proxy-authorization`,
 * `cookie`, `api-key`, `x-api-key` and every `openai-*` header. The client never sends them to an origin other than
 * the request's, and the testing kit never prints them.
 *
 * @since 0.1.0
 * @category headers
 */
export const isCredentialHeader = (name: string): boolean =>
  name === "authorization" || name === "proxy-authorization" || name === "cookie" || name === "api-key" ||
  name === "x-api-key" || name.startsWith("openai-")
