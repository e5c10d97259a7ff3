import type * as FileSystem from "@effect/platform/FileSystem"
import type * as Headers from "@effect/platform/Headers"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Multipart from "@effect/platform/Multipart"
import type * as Path from "@effect/platform/Path"
import type * as Socket from "@effect/platform/Socket"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

/**
 * A server request whose body was read already (`MockServer` records it before routing), served again from memory
 * to the route: every body reader (text, JSON, bytes, stream, multipart) works, once or many times. The rest is the
 * request as received. Cheaper than a web `Request` rebuilt around the bytes, which the built-in routes would pay on
 * every request.
 *
 * @internal
 */
export class BufferedRequest extends Inspectable.Class implements HttpServerRequest.HttpServerRequest {
  readonly [HttpServerRequest.TypeId]: HttpServerRequest.TypeId = HttpServerRequest.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId

  constructor(
    readonly request: HttpServerRequest.HttpServerRequest,
    readonly bytes: Uint8Array,
    readonly bodyText: string
  ) {
    super()
  }

  get source(): unknown {
    return this.request.source
  }
  get url(): string {
    return this.request.url
  }
  get originalUrl(): string {
    return this.request.originalUrl
  }
  get method(): HttpMethod {
    return this.request.method
  }
  get cookies(): Readonly<Record<string, string>> {
    return this.request.cookies
  }
  get headers(): Headers.Headers {
    return this.request.headers
  }
  get remoteAddress(): Option.Option<string> {
    return this.request.remoteAddress
  }
  get upgrade(): Effect.Effect<Socket.Socket, HttpServerError.RequestError> {
    return this.request.upgrade
  }

  modify(
    options: { readonly url?: string; readonly headers?: Headers.Headers; readonly remoteAddress?: string }
  ): HttpServerRequest.HttpServerRequest {
    return new BufferedRequest(this.request.modify(options), this.bytes, this.bodyText)
  }

  private decodeError(cause: unknown) {
    return new HttpServerError.RequestError({ request: this, reason: "Decode", cause })
  }

  get text(): Effect.Effect<string, HttpServerError.RequestError> {
    return Effect.succeed(this.bodyText)
  }
  get json(): Effect.Effect<unknown, HttpServerError.RequestError> {
    // as @effect/platform-node does: an empty body is null
    return Effect.try({
      try: () => this.bodyText === "" ? null : JSON.parse(this.bodyText) as unknown,
      catch: (cause) => this.decodeError(cause)
    })
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpServerError.RequestError> {
    return Effect.try({
      try: () => UrlParams.fromInput(new URLSearchParams(this.bodyText)),
      catch: (cause) => this.decodeError(cause)
    })
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpServerError.RequestError> {
    return Effect.sync(() => this.bytes.slice().buffer)
  }
  get stream(): Stream.Stream<Uint8Array, HttpServerError.RequestError> {
    return Stream.succeed(this.bytes)
  }
  get multipartStream(): Stream.Stream<Multipart.Part, Multipart.MultipartError> {
    return Stream.pipeThroughChannel(Stream.succeed(this.bytes), Multipart.makeChannel(this.headers))
  }
  private multipartEffect:
    | Effect.Effect<Multipart.Persisted, Multipart.MultipartError, Scope.Scope | FileSystem.FileSystem | Path.Path>
    | undefined
  get multipart(): Effect.Effect<
    Multipart.Persisted,
    Multipart.MultipartError,
    Scope.Scope | FileSystem.FileSystem | Path.Path
  > {
    // persisted once, as the platform's requests do
    this.multipartEffect ??= Effect.runSync(Effect.cached(Multipart.toPersisted(this.multipartStream)))
    return this.multipartEffect
  }

  toJSON(): unknown {
    return HttpIncomingMessage.inspect(this, {
      _id: "@effect/platform/HttpServerRequest",
      method: this.method,
      url: this.originalUrl
    })
  }
}
