import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type * as OpenAiClient from "../OpenAiClient.js"
import type * as ResponseMeta from "../ResponseMeta.js"

/** Receives the metadata of each successful response; set by `withResponse` and `withStreamResponse`. */
class ResponseListener extends Context.Tag("@effect-openai/core/OpenAiClient/ResponseListener")<
  ResponseListener,
  (meta: ResponseMeta.ResponseMeta) => Effect.Effect<void>
>() {}

/**
 * Tells the listener in context, if any, about a successful response.
 *
 * @internal
 */
export const notify = (meta: ResponseMeta.ResponseMeta): Effect.Effect<void> =>
  Effect.flatMap(
    Effect.serviceOption(ResponseListener),
    (listener) => listener._tag === "Some" ? listener.value(meta) : Effect.void
  )

/** @internal */
export const withResponse = <A, E, R>(
  self: Effect.Effect<A, E, R>
): Effect.Effect<OpenAiClient.WithResponse<A>, E | Cause.NoSuchElementException, R> =>
  Effect.suspend(() => {
    let meta: ResponseMeta.ResponseMeta | undefined
    return self.pipe(
      Effect.provideService(ResponseListener, (received) =>
        Effect.sync(() => {
          meta = received
        })),
      Effect.flatMap((data) =>
        meta === undefined
          ? Effect.fail(
            new Cause.NoSuchElementException("OpenAiClient.withResponse: the effect made no successful OpenAI call")
          )
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
