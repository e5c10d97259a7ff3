import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Option from "effect/Option"
import type * as Stream from "effect/Stream"
import type { Readable } from "node:stream"
import type * as Undici from "undici"

/** A response body nobody consumed is destroyed when its response is collected, so its socket is not held. */
const unconsumed = new FinalizationRegistry<Readable>((body) => {
  if (!body.destroyed) body.destroy()
})

const requestBody = (
  body: HttpBody.HttpBody
): Effect.Effect<Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(null)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return Effect.succeed(body.body as Uint8Array)
    case "FormData":
      return Effect.succeed(body.formData as unknown as Undici.FormData)
    case "Stream":
      return NodeStream.toReadable(body.stream)
  }
}

/**
 * Sends a request with undici's callback `request` API. Interrupting the call aborts the request (its socket is
 * closed); the timeouts are Effect's, so undici's own are off.
 */
const send = (
  dispatcher: Undici.Dispatcher,
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
  const urlResult = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
  if (urlResult._tag === "Left") {
    return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: urlResult.left }))
  }
  const url = urlResult.right
  return Effect.flatMap(
    requestBody(request.body),
    (body) =>
      Effect.async<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume, signal) => {
        dispatcher.request({
          origin: url.origin,
          path: url.pathname + url.search,
          method: request.method,
          headers: request.headers,
          body,
          signal,
          headersTimeout: 0,
          bodyTimeout: 0
        }, (error, data) => {
          if (error !== null) {
            resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: error })))
          } else {
            resume(Effect.succeed(new UndiciResponse(request, data)))
          }
        })
      })
  )
}

/** Reads a whole body; interruption destroys it (closing the socket). */
const readBody = <A>(
  response: UndiciResponse,
  read: (body: Undici.Dispatcher.ResponseData["body"]) => Promise<A>
): Effect.Effect<A, HttpClientError.ResponseError> =>
  Effect.async<A, HttpClientError.ResponseError>((resume, signal) => {
    const body = response.source.body
    unconsumed.unregister(response)
    signal.addEventListener("abort", () => body.destroy(), { once: true })
    read(body).then(
      (value) => resume(Effect.succeed(value)),
      (cause) => resume(Effect.fail(response.decodeError(cause)))
    )
  })

class UndiciResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly remoteAddress = Option.none<string>()
  private cachedHeaders: Headers.Headers | undefined = undefined
  private textRead: Promise<string> | undefined = undefined

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly source: Undici.Dispatcher.ResponseData
  ) {
    super()
    source.body.on("error", () => {})
    unconsumed.register(this, source.body, this)
  }

  decodeError(cause: unknown) {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  get status(): number {
    return this.source.statusCode
  }

  get headers(): Headers.Headers {
    return this.cachedHeaders ??= Headers.fromInput(this.source.headers as Headers.Input)
  }

  get cookies(): Cookies.Cookies {
    const header = this.source.headers["set-cookie"]
    return header === undefined ? Cookies.empty : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    unconsumed.unregister(this)
    return NodeStream.fromReadable(() => this.source.body, (cause) => this.decodeError(cause))
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    // the body can be consumed once: later reads share the first read's result
    return readBody(this, (body) => this.textRead ??= body.text())
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.flatMap(this.text, (text) =>
      Effect.try({
        try: () => (text === "" ? null : JSON.parse(text)) as unknown,
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return readBody(this, (body) => body.arrayBuffer())
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return readBody(this, (body) => body.formData() as Promise<FormData>)
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
 * the call), no wrapper objects, interruption by AbortSignal.
 *
 * @internal
 */
export const make = (dispatcher: Undici.Dispatcher): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) => Effect.flatMap(request, (request) => send(dispatcher, request)),
    Effect.succeed
  )
