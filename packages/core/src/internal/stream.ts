import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as OpenAiError from "../OpenAiError.js"
import type * as Operation from "../Operation.js"
import * as ResponseMeta from "../ResponseMeta.js"
import * as Sse from "../Sse.js"
import * as Attempt from "./attempt.js"
import type { Seen, Ticket } from "./limiterTag.js"
import * as Listener from "./listener.js"
import type { Pipeline, Prepared } from "./pipeline.js"
import * as Response from "./response.js"
import { retrying, withinTotal } from "./retry.js"
import { annotateRequestId } from "./span.js"
import type { Attempts } from "./telemetry.js"
import { counted } from "./telemetry.js"
import { idleTimeoutPull } from "./timeout.js"

/** How long a stream's body may stay open after its terminal event before the connection is cut. */
const drainLimit = Duration.millis(500)

type Values<A> = Channel.Channel<
  Chunk.Chunk<A>,
  Chunk.Chunk<Uint8Array>,
  OpenAiError.OpenAiError,
  OpenAiError.OpenAiError,
  void,
  unknown
>

const streamError = (prepared: Prepared, meta: ResponseMeta.ResponseMeta, step: Operation.StreamStepFailure<unknown>) =>
  new OpenAiError.StreamError({
    request: prepared.info,
    response: meta,
    reason: step.reason,
    error: step.error,
    detail: step.detail
  })

/**
 * Decodes SSE bytes and turns events into values with the operation's rules (made afresh for this attempt): a
 * terminal event ends the stream (after its value, if it carries one), a failure fails it after every earlier
 * value was delivered, and input that ends before a terminal event fails with a truncation error.
 */
const eventsToValues = <A>(
  response: Extract<Operation.StreamResponse<A>, { readonly _tag: "Events" }>,
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta
): Values<A> =>
  Channel.suspend(() => {
    const onEvent = response.events()
    const decoder = new Sse.Decoder()
    const events: Array<Sse.Event> = []
    const collect = (event: Sse.Event) => {
      events.push(event)
    }
    // After the terminal event, read the rest of the body (normally just its end) so the connection goes back to
    // the pool instead of being aborted; a server that keeps the body open is cut after a moment.
    const discard: Channel.Channel<never, Chunk.Chunk<Uint8Array>, never, OpenAiError.OpenAiError, void, unknown> =
      Channel.readWithCause({
        onInput: () => discard,
        onFailure: () => Channel.void,
        onDone: () => Channel.void
      })
    const drain = Channel.interruptWhen(discard, Effect.sleep(drainLimit))
    const written = <Next>(out: Array<A>, next: Next) =>
      out.length === 0 ? next : Channel.zipRight(Channel.write(Chunk.unsafeFromArray(out)), next as Values<A>)
    const loop: Values<A> = Channel.readWithCause({
      onInput: (input: Chunk.Chunk<Uint8Array>) => {
        events.length = 0
        for (const bytes of input) decoder.push(bytes, collect)
        const out: Array<A> = []
        for (let i = 0; i < events.length; i++) {
          const step = onEvent(events[i]!)
          switch (step._tag) {
            case "Emit":
              out.push(step.value)
              break
            case "Skip":
              break
            case "End":
              if (step.value !== undefined) out.push(step.value)
              return written(out, drain)
            case "Fail":
              if (step.value !== undefined) out.push(step.value)
              return written(out, Channel.fail(streamError(prepared, meta, step)))
          }
        }
        return written(out, loop)
      },
      onFailure: (cause) => Channel.failCause(cause),
      onDone: () =>
        Channel.fail(streamError(prepared, meta, {
          _tag: "Fail",
          reason: "Truncated",
          error: undefined,
          detail: `the event stream ended before its terminal event (${response.terminal.join(", ")})`
        }))
    })
    return loop
  })

const isEventStream = (meta: ResponseMeta.ResponseMeta) =>
  (meta.headers["content-type"] ?? "").toLowerCase().includes("text/event-stream")

/** The failure of a 2xx response that is not an event stream: OpenAI's error as a `StreamError`, else undecodable. */
const notAnEventStream = (
  prepared: Prepared,
  meta: ResponseMeta.ResponseMeta,
  response: HttpClientResponse.HttpClientResponse
) =>
  Effect.flatMap(Response.readText(prepared, response), (text) => {
    const { error } = Response.readErrorBody(text)
    return Effect.fail(
      error !== undefined
        ? new OpenAiError.StreamError({
          request: prepared.info,
          response: meta,
          reason: "ErrorEvent",
          error,
          detail: "the server answered with an error instead of an event stream"
        })
        : Response.invalidJson(
          prepared,
          meta,
          text,
          `expected text/event-stream, got ${meta.headers["content-type"] ?? "no content type"}`
        )
    )
  })

/**
 * One attempt of a stream: send, check the status (and, for events, the content type), tell the listener, and pull
 * the first chunk of values, all in a scope of its own that owns the connection from the moment the response
 * exists: closed if the attempt fails (so an interruption or a retry never leaves a connection open), kept open for
 * the rest of the stream otherwise.
 */
const attempt = <A>(
  pipeline: Pipeline,
  operation: Operation.StreamOperation<A>,
  prepared: Prepared,
  outer: Scope.Scope,
  ticket: Ticket
) =>
  Effect.flatMap(Scope.fork(outer, ExecutionStrategy.sequential), (scope) => {
    const run = (seen: Seen | undefined) =>
      Attempt.runUntilFirstChunk(
        pipeline,
        prepared,
        scope,
        exchange(pipeline, operation, prepared, seen)
      )
    // under a budget, the concurrency permit is the attempt scope's: held for the rest of the stream
    const limited = pipeline.limiter === undefined ? run(undefined) : pipeline.limiter.attempt(ticket, run, scope)
    return Effect.onError(limited, (cause) => Scope.close(scope, Exit.failCause(cause)))
  })

/** Sends, checks the status and content type, tells the listener (and the budget), and pulls the first chunk. */
const exchange = <A>(
  pipeline: Pipeline,
  operation: Operation.StreamOperation<A>,
  prepared: Prepared,
  seen: Seen | undefined
) =>
  Effect.gen(function*() {
    const response = yield* Attempt.send(pipeline, prepared)
    if (seen !== undefined) yield* seen(response.status, response.headers)
    const meta = ResponseMeta.make(response.status, response.headers)
    yield* annotateRequestId(meta)
    if (meta.status < 200 || meta.status >= 300) return yield* Response.statusError(prepared, meta, response)
    const kind = operation.response
    if (kind._tag === "Events" && !isEventStream(meta)) return yield* notAnEventStream(prepared, meta, response)
    yield* Listener.notify(meta)
    // the idle timeout watches bytes, so comments and keep-alive events count as activity
    const bytes = yield* idleTimeoutPull(
      yield* Stream.toPull(
        Stream.mapError(response.stream, (error) => Attempt.transportError(prepared, error))
      ),
      prepared.limits.idle,
      () => new OpenAiError.TimeoutError({ request: prepared.info, timeout: prepared.limits.idle, phase: "idle" })
    )
    const chunks = Stream.repeatEffectChunkOption(bytes)
    const values = (kind._tag === "Events"
      ? Stream.pipeThroughChannel(chunks, eventsToValues(kind, prepared, meta))
      : chunks) as Stream.Stream<A, OpenAiError.OpenAiError>
    const pull = yield* Stream.toPull(values)
    const first = yield* Effect.catchAll(
      pull,
      (error) => error._tag === "None" ? Effect.succeed(Chunk.empty<A>()) : Effect.fail(error.value)
    )
    return { first, pull }
  })

/**
 * Opens a streamed response: retried (by the call's policy) only until its first chunk of values, with the attempt
 * timeout until then; succeeds with the stream of every value (that first chunk, then the rest with the idle
 * timeout between chunks), whose connection belongs to the scope.
 *
 * @internal
 */
export const open = <A>(
  pipeline: Pipeline,
  operation: Operation.StreamOperation<A>,
  prepared: Prepared,
  attempts?: Attempts | undefined
): Effect.Effect<Stream.Stream<A, OpenAiError.OpenAiError>, OpenAiError.OpenAiError, Scope.Scope> =>
  Effect.flatMap(
    Effect.scope,
    (outer) => {
      const ticket: Ticket = { info: prepared.info, model: operation.model, body: operation.body }
      const limiter = pipeline.limiter
      return Effect.map(
        withinTotal(
          prepared,
          retrying(counted(attempts, attempt(pipeline, operation, prepared, outer, ticket)), prepared.policy)
        ),
        ({ first, pull }) => {
          const values = Stream.concat(Stream.fromChunk(first), Stream.repeatEffectChunkOption(pull))
          // the usage a stream reports (its last chunk, its terminal event) corrects the budget's estimate
          return limiter === undefined
            ? values
            : Stream.mapChunksEffect(values, (chunk) => Effect.as(limiter.used(ticket, chunk), chunk))
        }
      )
    }
  )
