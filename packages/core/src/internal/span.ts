import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import type * as ResponseMeta from "../ResponseMeta.js"

/**
 * Sets the request id on the operation's span. Not `Effect.annotateCurrentSpan`: without a span it builds (and
 * drops) an exception with a stack trace, which cost ~15 µs per call under the default tracer.
 *
 * @internal
 */
export const annotateRequestId = (meta: ResponseMeta.ResponseMeta): Effect.Effect<void> => {
  const requestId = meta.requestId
  return requestId === undefined ? Effect.void : Effect.contextWith((context: Context.Context<never>) => {
    const span = Context.getOption(context, Tracer.ParentSpan)
    if (span._tag === "Some" && span.value._tag === "Span") span.value.attribute("openai.request_id", requestId)
  })
}

/**
 * Effect's default tracer, which records nothing anyone can read: under it, telemetry makes no spans.
 *
 * @internal
 */
export const nativeTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)
