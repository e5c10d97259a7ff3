/**
 * Pages of list operations and a lazy stream of every item across them, for the three list styles of the API:
 * cursors (`after` = the last id, `has_more`: files, batches, fine-tuning jobs...), page numbers, and opaque
 * next-page tokens (`next_page`: usage and costs). A page fetches the next one only when asked, and a stream of
 * items fetches each page only when the items before it are consumed, so interrupting it stops fetching.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import type * as Operation from "./Operation.js"

/**
 * One page of a list.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A, B = unknown> {
  /** The items of this page. */
  readonly data: ReadonlyArray<A>
  /** Whether the API says more items follow. */
  readonly hasMore: boolean
  /** The decoded list response, e.g. for `first_id` or `object`. */
  readonly body: B
  /** The next page, fetched when run; `None` after the last page (without a request). */
  readonly next: Effect.Effect<Option.Option<Page<A, B>>, OpenAiError.OpenAiError>
}

/**
 * How a list response reads: its items, whether more follow, and the query that asks for the next page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pagination<A, B> {
  readonly read: (
    body: B,
    query: Operation.QueryInput | undefined
  ) => {
    readonly data: ReadonlyArray<A>
    readonly hasMore: boolean
    /** The query parameters of the next page; `undefined` when there is none. */
    readonly next: Operation.QueryInput | undefined
  }
}

const field = (body: unknown, name: string): unknown => isRecord(body) ? body[name] : undefined

const dataOf = <A>(body: unknown): ReadonlyArray<A> => {
  const data = field(body, "data")
  return Array.isArray(data) ? data as ReadonlyArray<A> : []
}

/** The response's `last_id`, else the last item's `id`. */
const lastId = (body: unknown, data: ReadonlyArray<unknown>): string | undefined => {
  const stated = field(body, "last_id")
  if (typeof stated === "string" && stated !== "") return stated
  const id = field(data[data.length - 1], "id")
  return typeof id === "string" ? id : undefined
}

/**
 * Cursor pages, the API's most common style: `has_more` says whether more follow, and the next page is asked for
 * with `after` set to the response's `last_id`, or else the last item's `id`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const cursor = <A, B = unknown>(options?: {
  /** The query parameter of the cursor. Default `after`. */
  readonly param?: string | undefined
  readonly items?: ((body: B) => ReadonlyArray<A>) | undefined
  readonly hasMore?: ((body: B) => boolean) | undefined
  readonly cursor?: ((body: B, items: ReadonlyArray<A>) => string | undefined) | undefined
}): Pagination<A, B> => {
  const param = options?.param ?? "after"
  return {
    read: (body) => {
      const data = options?.items?.(body) ?? dataOf<A>(body)
      const hasMore = options?.hasMore?.(body) ?? field(body, "has_more") === true
      const after = options?.cursor !== undefined ? options.cursor(body, data) : lastId(body, data)
      return { data, hasMore, next: hasMore && after !== undefined ? { [param]: after } : undefined }
    }
  }
}

/**
 * Numbered pages: the next page is the current number (the operation's `param`, else `first`) plus one. More
 * follow while the response's `has_more` says so, or (without it) while a page has items.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pageNumber = <A, B = unknown>(options?: {
  /** The query parameter of the page number. Default `page`. */
  readonly param?: string | undefined
  /** The number of the first page. Default 1. */
  readonly first?: number | undefined
  readonly items?: ((body: B) => ReadonlyArray<A>) | undefined
  readonly hasMore?: ((body: B) => boolean) | undefined
}): Pagination<A, B> => {
  const param = options?.param ?? "page"
  return {
    read: (body, query) => {
      const data = options?.items?.(body) ?? dataOf<A>(body)
      const stated = field(body, "has_more")
      const hasMore = options?.hasMore?.(body) ?? (typeof stated === "boolean" ? stated : data.length > 0)
      const current = Number(query?.[param] ?? options?.first ?? 1)
      return { data, hasMore, next: hasMore ? { [param]: current + 1 } : undefined }
    }
  }
}

/**
 * Pages linked by an opaque token: the response's `next_page` (or another `field`) is sent back as `page` (or
 * another `param`); a missing, `null` or empty token, or `has_more: false`, ends the list.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nextToken = <A, B = unknown>(options?: {
  /** The query parameter the token is sent as. Default `page`. */
  readonly param?: string | undefined
  /** The response field holding the token. Default `next_page`. */
  readonly field?: string | undefined
  readonly items?: ((body: B) => ReadonlyArray<A>) | undefined
}): Pagination<A, B> => {
  const param = options?.param ?? "page"
  const name = options?.field ?? "next_page"
  return {
    read: (body) => {
      const data = options?.items?.(body) ?? dataOf<A>(body)
      const token = field(body, name)
      const hasMore = typeof token === "string" && token !== "" && field(body, "has_more") !== false
      return { data, hasMore, next: hasMore ? { [param]: token as string } : undefined }
    }
  }
}

/**
 * A list that comes in one page (e.g. `GET /models`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const single = <A, B = unknown>(options?: {
  readonly items?: ((body: B) => ReadonlyArray<A>) | undefined
}): Pagination<A, B> => ({
  read: (body) => ({ data: options?.items?.(body) ?? dataOf<A>(body), hasMore: false, next: undefined })
})

const fetchPage = <A, B>(
  client: OpenAiClient.Service,
  operation: Operation.Operation<B>,
  pagination: Pagination<A, B>,
  options: OpenAiClient.RequestOptions | undefined
): Effect.Effect<Page<A, B>, OpenAiError.OpenAiError> =>
  Effect.map(client.request(operation, options), (body): Page<A, B> => {
    const { data, hasMore, next } = pagination.read(body, operation.query)
    return {
      data,
      hasMore,
      body,
      next: next === undefined
        ? Effect.succeed(Option.none())
        : Effect.asSome(
          fetchPage(client, { ...operation, query: { ...operation.query, ...next } }, pagination, options)
        )
    }
  })

/**
 * Fetches the first page of a list operation; its `next` fetches the following one through the same client, with
 * the same per-call options.
 *
 * @since 0.1.0
 * @category constructors
 */
export const request = <A, B>(
  operation: Operation.Operation<B>,
  pagination: Pagination<A, B>,
  options?: OpenAiClient.RequestOptions
): Effect.Effect<Page<A, B>, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  Effect.flatMap(OpenAiClient.OpenAiClient, (client) => fetchPage(client, operation, pagination, options))

type PagesState<A, B> = { readonly _tag: "Current"; readonly page: Page<A, B> } | {
  readonly _tag: "After"
  readonly page: Page<A, B>
}

/**
 * Every page, from the first: each one is fetched only when the stream is pulled past the one before.
 *
 * @since 0.1.0
 * @category streams
 */
export const pages = <A, B, E, R>(
  self: Effect.Effect<Page<A, B>, E, R>
): Stream.Stream<Page<A, B>, E | OpenAiError.OpenAiError, R> =>
  Stream.unwrap(
    Effect.map(self, (first) =>
      Stream.unfoldEffect(
        { _tag: "Current", page: first } as PagesState<A, B>,
        (state): Effect.Effect<Option.Option<readonly [Page<A, B>, PagesState<A, B>]>, OpenAiError.OpenAiError> =>
          state._tag === "Current"
            ? Effect.succeed(Option.some([state.page, { _tag: "After", page: state.page }] as const))
            : Effect.map(
              state.page.next,
              Option.map((page) => [page, { _tag: "After", page }] as const)
            )
      ))
  )

/**
 * Every item of every page, in order: a page is fetched only when the items before it have been consumed, so
 * `Stream.take` or an interruption stops fetching.
 *
 * @since 0.1.0
 * @category streams
 */
export const items = <A, B, E, R>(
  self: Effect.Effect<Page<A, B>, E, R>
): Stream.Stream<A, E | OpenAiError.OpenAiError, R> =>
  Stream.flatMap(pages(self), (page) => Stream.fromIterable(page.data))
