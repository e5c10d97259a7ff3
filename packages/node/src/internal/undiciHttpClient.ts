import * as HttpTransport from "@effect-openai/core/HttpTransport"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type * as Undici from "undici"
import { errors as UndiciErrors, FormData as UndiciFormData } from "undici"

/**
 * Bytes a response may queue ahead of its reader before the socket is paused (undici's own body stream uses the
 * same mark). A whole-body read (`text`, `json`...) never pauses.
 */
const highWaterMark = 64 * 1024

/**
 * A response body nobody consumed is aborted when its response is collected, so its socket is not held; registered
 * from the head until a reader takes the body or the exchange is over.
 */
const unconsumed = new FinalizationRegistry<Exchange>((exchange) => exchange.abort())

type RequestBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/** An in-memory body as undici takes it. */
const inMemoryBody = (body: Exclude<HttpBody.HttpBody, HttpBody.Stream>): RequestBody => {
  switch (body._tag) {
    case "Empty":
      return null
    case "Uint8Array":
      return body.body
    case "Raw":
      return body.body as Uint8Array
    case "FormData":
      return toUndiciFormData(body.formData)
  }
}

/**
 * undici encodes only its own `FormData` class; Node's global one (from the copy of undici inside Node) fails the
 * request ("action is not a function"), so its entries are copied.
 */
const toUndiciFormData = (form: FormData): UndiciFormData => {
  if (form instanceof UndiciFormData) return form
  const copy = new UndiciFormData()
  for (const [name, value] of form) copy.append(name, value)
  return copy
}

/**
 * A stream request body as undici takes it, an async iterable: the stream runs on a fiber of its own that waits with
 * each chunk until undici asks for it. undici cannot end an iterable that is waiting, so the exchange stops it.
 */
class StreamBody implements AsyncIterableIterator<Uint8Array> {
  private fiber: Fiber.RuntimeFiber<void, unknown> | undefined = undefined
  private exit: Exit.Exit<void, unknown> | undefined = undefined
  /** Closed from the moment the fiber hands a chunk over until undici asks for the next one. */
  private readonly latch = Effect.unsafeMakeLatch(true)
  /** The rest of the last chunk handed over. */
  private ready: Array<Uint8Array> = []
  /** Settles the pending `next()`, if any. */
  private reader: ((result: IteratorResult<Uint8Array> | Promise<IteratorResult<Uint8Array>>) => void) | undefined =
    undefined

  constructor(
    private readonly runtime: Runtime.Runtime<never>,
    private readonly stream: Stream.Stream<Uint8Array, unknown>
  ) {}

  [Symbol.asyncIterator](): this {
    return this
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    if (this.ready.length > 0) return Promise.resolve({ done: false, value: this.ready.shift()! })
    if (this.exit !== undefined) return ended(this.exit)
    const next = new Promise<IteratorResult<Uint8Array>>((resolve) => this.reader = resolve)
    if (this.fiber === undefined) this.start()
    else this.latch.unsafeOpen()
    return next
  }

  /** undici stopped iterating early (its socket failed). */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.stop()
    return Promise.resolve({ done: true, value: undefined })
  }

  /** Interrupts the stream, or keeps it from starting. */
  stop(): void {
    if (this.fiber !== undefined) this.fiber.unsafeInterruptAsFork(FiberId.none)
    else this.exit ??= Exit.interrupt(FiberId.none)
  }

  private start(): void {
    this.fiber = Runtime.runFork(this.runtime)(
      Stream.runForEachChunk(this.stream, (chunk) =>
        this.latch.whenOpen(Effect.sync(() => {
          if (chunk.length === 0) return
          this.latch.unsafeClose()
          const [first, ...rest] = chunk
          this.ready = rest
          this.claim()?.({ done: false, value: first! })
        })))
    )
    this.fiber.addObserver((exit) => {
      this.exit = exit
      this.claim()?.(ended(exit))
    })
  }

  private claim() {
    const reader = this.reader
    this.reader = undefined
    return reader
  }
}

/** The end of a stream body: done, or its failure (undici fails the request with it). */
const ended = (exit: Exit.Exit<void, unknown>): Promise<IteratorResult<Uint8Array>> =>
  Exit.isSuccess(exit) ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(Cause.squash(exit.cause))

/** Response headers as undici hands them over (its `IncomingHttpHeaders`, not exported): lower-cased names. */
type IncomingHeaders = Record<string, string | Array<string> | undefined>

/** Repeated headers joined with `, ` (as `Headers.fromInput` does), `set-cookie` kept apart. */
const toHeaders = (
  incoming: IncomingHeaders
): { headers: Headers.Headers; setCookie: ReadonlyArray<string> | undefined } => {
  const headers: Record<string, string> = {}
  for (const name in incoming) {
    const value = incoming[name]
    if (value !== undefined) headers[name] = typeof value === "string" ? value : value.join(", ")
  }
  const setCookie = incoming["set-cookie"]
  return {
    headers: Headers.unsafeFromRecord(headers),
    setCookie: typeof setCookie === "string" ? [setCookie] : setCookie
  }
}

/**
 * One request/response exchange, as an undici dispatch handler: undici pushes the head and the body chunks here,
 * and the response's readers take them. No `AbortSignal`, no Node stream and no async resource per request:
 * interruption aborts through undici's controller (the socket is closed).
 */
class Exchange implements Undici.Dispatcher.DispatchHandler {
  readonly chunks: Array<Buffer> = []
  queued = 0
  done = false
  error: Error | undefined = undefined
  /** A whole-body read is under way: never pause the socket. */
  collecting = false
  /** The reader waiting for more, if any. */
  wake: (() => void) | undefined = undefined
  private controller: Undici.Dispatcher.DispatchController | undefined = undefined
  private timer: ReturnType<typeof setTimeout> | undefined = undefined

  /** Receives the head, or the error that came before it; cleared once called. */
  onHead: ((result: UndiciResponse | Error) => void) | undefined = undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly upload: StreamBody | undefined
  ) {}

  /** Aborts the exchange with an `AttemptTimeoutError` at `deadline` (epoch ms) unless it is over by then. */
  expireAt(deadline: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.abort(new HttpTransport.AttemptTimeoutError())
    }, Math.max(0, deadline - Date.now()))
  }

  onRequestStart(controller: Undici.Dispatcher.DispatchController): void {
    // aborted while queued or connecting: the exchange already failed, the request must not go out
    if (this.error !== undefined) controller.abort(this.error)
    else this.controller = controller
  }

  onResponseStart(
    _controller: Undici.Dispatcher.DispatchController,
    statusCode: number,
    incoming: IncomingHeaders
  ): void {
    if (statusCode < 200) return // informational: the final head follows
    const onHead = this.onHead
    this.onHead = undefined
    const { headers, setCookie } = toHeaders(incoming)
    onHead?.(new UndiciResponse(this.request, this, statusCode, headers, setCookie))
  }

  onResponseData(controller: Undici.Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk)
    this.queued += chunk.length
    this.notify()
    if (this.queued >= highWaterMark && !this.collecting) controller.pause()
  }

  onResponseEnd(): void {
    this.done = true
    this.release()
    this.notify()
  }

  /** Also called before `onRequestStart` (a refused connection, invalid options), without a controller. */
  onResponseError(_controller: Undici.Dispatcher.DispatchController | undefined, error: Error): void {
    this.fail(error)
  }

  /**
   * Closes the connection unless the exchange is over. Before the request starts (queued for a connection, or
   * connecting) there is nothing to close: the exchange fails at once, and `onRequestStart` aborts the request.
   */
  abort(reason?: Error): void {
    if (this.done || this.error !== undefined) return
    const error = reason ?? new UndiciErrors.RequestAbortedError()
    // undici reports an abort back through `onResponseError`, after which this `fail` does nothing
    this.controller?.abort(error)
    this.fail(error)
  }

  private fail(error: Error): void {
    if (this.done || this.error !== undefined) return
    this.error = error
    this.release()
    const onHead = this.onHead
    if (onHead !== undefined) {
      this.onHead = undefined
      onHead(error)
    } else {
      this.notify()
    }
  }

  /**
   * The exchange is over: its timer and stream body are stopped, and nothing is kept for an abort (the controller
   * holds the raw head; a registration would keep the exchange alive until its response is collected).
   */
  private release(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    // a response can end before its request body (the server did not read it all)
    this.upload?.stop()
    this.controller = undefined
    unconsumed.unregister(this)
  }

  /** Takes every queued chunk, resuming the socket if it was paused. */
  take(): Array<Buffer> {
    const taken = this.chunks.splice(0, this.chunks.length)
    this.queued = 0
    this.flow()
    return taken
  }

  flow(): void {
    if (this.controller?.paused === true) this.controller.resume()
  }

  private notify(): void {
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }
}

/**
 * Sends a request with undici's `dispatch`. Interrupting the call aborts the request (its socket is closed); the
 * attempt deadline the pipeline puts on a request is a timer on the exchange; undici's own timeouts are off.
 */
const send = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest,
  attempt: HttpTransport.Attempt | undefined
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (url._tag === "Left") {
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
  }
  const { origin, pathname, search } = url.right
  const dispatch = (body: RequestBody | StreamBody) => {
    const exchange = new Exchange(request, body instanceof StreamBody ? body : undefined)
    const exchanged = Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
      exchange.onHead = (result) =>
        resume(
          result instanceof UndiciResponse
            ? Effect.succeed(result)
            : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: result }))
        )
      if (attempt?.deadline !== undefined) exchange.expireAt(attempt.deadline)
      try {
        dispatcher.dispatch({
          origin,
          path: pathname + search,
          method: request.method,
          headers: request.headers,
          // undici takes an async iterable body, though its types do not say so
          body: body as RequestBody,
          headersTimeout: 0,
          bodyTimeout: 0
        }, exchange)
      } catch (cause) {
        exchange.onResponseError(undefined, cause as Error)
      }
      return Effect.sync(() => exchange.abort())
    })
    // the exchange belongs to the client's attempt from before it starts: the attempt's end closes a connection
    // still in use, whoever holds the response
    attempt?.onEnd(() => exchange.abort())
    return exchanged
  }
  const body = request.body
  return body._tag === "Stream"
    ? Effect.flatMap(Effect.runtime<never>(), (runtime) => dispatch(new StreamBody(runtime, body.stream)))
    : dispatch(inMemoryBody(body))
}

const concat = (chunks: ReadonlyArray<Buffer>): Buffer => chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)

/** UTF-8 as `TextDecoder` reads it: invalid sequences replaced, a leading byte order mark dropped. */
const utf8 = (bytes: Buffer): string => {
  const text = bytes.toString("utf8")
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly remoteAddress = Option.none<string>()
  private body: Buffer | undefined = undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    private readonly exchange: Exchange,
    readonly status: number,
    readonly headers: Headers.Headers,
    private readonly setCookie: ReadonlyArray<string> | undefined
  ) {
    super()
    unconsumed.register(this, exchange, exchange)
  }

  decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get cookies(): Cookies.Cookies {
    return this.setCookie === undefined ? Cookies.empty : Cookies.fromSetCookie(this.setCookie)
  }

  /** The whole body once it is in, its error, or `undefined` while it is still coming. */
  private settled(): Effect.Effect<Buffer, HttpClientError.ResponseError> | undefined {
    if (this.body !== undefined) return Effect.succeed(this.body)
    const exchange = this.exchange
    if (exchange.done) return Effect.succeed(this.body = concat(exchange.chunks))
    if (exchange.error !== undefined) return Effect.fail(this.decodeError(exchange.error))
    return undefined
  }

  /** The whole body; later reads share the first. Interruption closes the connection. */
  private get bytes(): Effect.Effect<Buffer, HttpClientError.ResponseError> {
    const now = this.settled()
    if (now !== undefined) return now
    const exchange = this.exchange
    return Effect.async<Buffer, HttpClientError.ResponseError>((resume) => {
      unconsumed.unregister(exchange)
      exchange.collecting = true
      exchange.flow()
      const check = () => {
        const result = this.settled()
        if (result !== undefined) resume(result)
        else exchange.wake = check
      }
      check()
      return Effect.sync(() => exchange.abort())
    })
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    const exchange = this.exchange
    unconsumed.unregister(exchange)
    const pull = Effect.async<Chunk.Chunk<Uint8Array>, Option.Option<HttpClientError.ResponseError>>((resume) => {
      const check = () => {
        if (exchange.chunks.length > 0) resume(Effect.succeed(Chunk.unsafeFromArray<Uint8Array>(exchange.take())))
        else if (exchange.done) resume(Effect.fail(Option.none()))
        else if (exchange.error !== undefined) resume(Effect.fail(Option.some(this.decodeError(exchange.error))))
        else exchange.wake = check
      }
      check()
    })
    // a reader that stops early (or is interrupted) closes the connection
    return Stream.ensuring(Stream.repeatEffectChunkOption(pull), Effect.sync(() => exchange.abort()))
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.bytes, utf8)
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text)) as unknown,
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(
      this.bytes,
      (bytes) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
    )
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.bytes, (bytes) =>
      Effect.tryPromise({
        try: () =>
          new Response(new Uint8Array(bytes), { headers: { "content-type": this.headers["content-type"] ?? "" } })
            .formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpClientResponse",
      request: this.request.toJSON(),
      status: this.status
    })
  }
}

/**
 * A lean `HttpClient` over an undici dispatcher: no per-request span of its own (the OpenAI operation span covers
 * the call), no wrapper objects, interruption by undici's abort.
 *
 * @internal
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) =>
      Effect.flatMap(
        request,
        (request) =>
          Effect.withFiberRuntime((fiber) => send(dispatcher, request, fiber.getFiberRef(HttpTransport.currentAttempt)))
      ),
    Effect.succeed
  )

/**
 * What this client does itself: undici's dispatch never follows redirects, each exchange has its attempt's deadline
 * as a timer and is aborted when its attempt's scope closes, and it adds no trace headers (no span of its own).
 *
 * @internal
 */
export const capabilities: HttpTransport.Capabilities = {
  returnsRedirects: true,
  enforcesDeadline: true,
  abortsWithScope: true,
  omitsTraceHeaders: true
}
