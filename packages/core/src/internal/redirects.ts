import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as HttpTransport from "../HttpTransport.js"

/** The redirects followed, as `fetch` follows them; any other 3xx is an `ApiError`. */
const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308])

/** Redirects followed per attempt (as `fetch`); the next one is answered with its 3xx status as an `ApiError`. */
const maxRedirects = 20

/**
 * Whether a response is a redirect the client may follow.
 *
 * @internal
 */
export const isRedirect = (response: HttpClientResponse.HttpClientResponse): boolean =>
  redirectStatuses.has(response.status)

/**
 * The request a redirect asks for, with `fetch`'s rules: 303 (and 301/302 after a POST) becomes a GET without a
 * body (fetch keeps a HEAD, but `Operation.Method` has none); 307/308 keep the method and body, so they are
 * followed only when the body can be sent again. Going to another origin drops the credential headers, for that
 * hop and every later one. `undefined` when the response is not a redirect that can be followed.
 *
 * @internal
 */
export const redirectRequest = (
  request: HttpClientRequest.HttpClientRequest,
  response: HttpClientResponse.HttpClientResponse,
  resendable: boolean
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
    (response.status === 303 && request.method !== "GET") ||
    ((response.status === 301 || response.status === 302) && request.method === "POST")
  ) {
    next = HttpClientRequest.setBody(HttpClientRequest.setMethod(next, "GET"), HttpBody.empty)
  } else if (!resendable && request.body._tag !== "Empty") {
    return undefined
  }
  const crossOrigin = to.origin !== from.value.origin
  if (crossOrigin) {
    next = HttpClientRequest.make(next.method)(next.url, {
      urlParams: next.urlParams,
      hash: Option.getOrUndefined(next.hash),
      headers: Headers.remove(next.headers, Object.keys(next.headers).filter(HttpTransport.isCredentialHeader)),
      body: next.body
    })
  }
  return { request: next, crossOrigin }
}

/**
 * Follows redirects from `response` with {@link redirectRequest}'s rules, up to 20 hops; `send(request, sameOrigin)`
 * makes each hop, told whether every hop so far stayed on the first origin (trace context stops at the first that
 * did not). The body of each redirect is read to its end first, so its connection is reused.
 *
 * @internal
 */
export const follow = <R>(
  send: (
    request: HttpClientRequest.HttpClientRequest,
    sameOrigin: boolean
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, R>,
  request: HttpClientRequest.HttpClientRequest,
  response: HttpClientResponse.HttpClientResponse,
  resendable: boolean
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, R> => {
  const hop = (
    request: HttpClientRequest.HttpClientRequest,
    response: HttpClientResponse.HttpClientResponse,
    hops: number,
    sameOrigin: boolean
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError, R> => {
    const next = hops < maxRedirects ? redirectRequest(request, response, resendable) : undefined
    if (next === undefined) return Effect.succeed(response)
    const stillSameOrigin = sameOrigin && !next.crossOrigin
    return Effect.ignore(Stream.runDrain(response.stream)).pipe(
      Effect.zipRight(send(next.request, stillSameOrigin)),
      Effect.flatMap((redirected) => hop(next.request, redirected, hops + 1, stillSameOrigin))
    )
  }
  return hop(request, response, 0, true)
}
