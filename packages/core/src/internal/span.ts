import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Tracer from "effect/Tracer"
import type * as Operation from "../Operation.js"
import type * as ResponseMeta from "../ResponseMeta.js"

/**
 * Effect's default tracer records nothing anyone can read, so with it the operation span (a dozen µs per call) is
 * skipped; with any other tracer (OpenTelemetry, a test's) every call gets its span.
 */
const nativeTracer = Effect.runSync(Effect.tracer)

const spanAttributes = (operation: Operation.OperationBase) =>
  operation.model === undefined
    ? { "gen_ai.system": "openai", "gen_ai.operation.name": operation.name }
    : { "gen_ai.system": "openai", "gen_ai.operation.name": operation.name, "gen_ai.request.model": operation.model }

const spanOptions = (operation: Operation.OperationBase) => ({
  kind: "client" as const,
  captureStackTrace: false,
  attributes: spanAttributes(operation)
})

/**
 * Runs a call in its operation's span, `OpenAI <name>`.
 *
 * @internal
 */
export const withOperationSpan = <A, E>(
  operation: Operation.OperationBase,
  self: Effect.Effect<A, E>
): Effect.Effect<A, E> =>
  Effect.tracerWith((tracer) =>
    tracer === nativeTracer ? self : Effect.withSpan(self, `OpenAI ${operation.name}`, spanOptions(operation))
  )

/**
 * Opens a stream in its operation's span, `OpenAI <name>`: the span covers the opening (attempts, retries) and
 * lasts until the scope that owns the stream closes.
 *
 * @internal
 */
export const withOperationScopedSpan = <A, E, R>(
  operation: Operation.OperationBase,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | Scope.Scope> =>
  Effect.tracerWith((tracer): Effect.Effect<A, E, R | Scope.Scope> =>
    tracer === nativeTracer ? self : Effect.flatMap(
      Effect.makeSpanScoped(`OpenAI ${operation.name}`, spanOptions(operation)),
      (span) => Effect.withParentSpan(self, span)
    )
  )

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
