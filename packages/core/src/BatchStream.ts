/**
 * The Batch API as a `Stream`: requests in, results out, matched by `custom_id`. `BatchStream.run` writes the requests
 * as JSONL files (split at the API's limits: 50,000 requests and 200 MB a file), uploads each, creates its batch,
 * polls it with a `Schedule` until it ends, and streams its results — decoded with your schema — and its per-request
 * errors. Interrupting the stream cancels the batches still running; `BatchStream.resume(batchId)` picks up a batch
 * after a crash (record the ids `onBatch` hands you).
 *
 * Batches cost half of synchronous calls and have their own, much larger, rate limits: the path past one machine's
 * throughput for work that can wait up to 24 hours.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Sink from "effect/Sink"
import * as Stream from "effect/Stream"
import * as Batches from "./generated/Batches.js"
import * as Files from "./generated/Files.js"
import { concat } from "./internal/bytes.js"
import * as Multipart from "./Multipart.js"
import type * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"

/**
 * One request of a batch: its `custom_id` (unique in the run) and its body (what the endpoint's function takes).
 *
 * @since 0.2.0
 * @category models
 */
export interface Request {
  readonly custom_id: string
  readonly body: unknown
}

/**
 * The result of one request: its decoded body, or why it has none (the API's error for it, a non-2xx status, the
 * batch expired or was cancelled before it ran, or a body the schema does not decode).
 *
 * @since 0.2.0
 * @category models
 */
export type Result<A> =
  | {
    readonly _tag: "Success"
    readonly custom_id: string
    readonly batch_id: string
    readonly status_code: number
    readonly request_id: string | undefined
    readonly body: A
  }
  | {
    readonly _tag: "Failure"
    readonly custom_id: string
    readonly batch_id: string
    readonly status_code: number | undefined
    /** The API's code (`batch_expired`, `batch_cancelled`, `invalid_request`, ...), or `decode_error`. */
    readonly code: string
    readonly message: string
    readonly body: unknown
  }

/**
 * A batch gave no results: it `failed` validation (its `errors` say why), the poll schedule ended before it did, or
 * an output line could not be read; or `run` was given limits that make no sense (`InvalidOptions`, nothing sent).
 *
 * @since 0.2.0
 * @category errors
 */
export class BatchStreamError extends Data.TaggedError("BatchStreamError")<{
  /** The batch, when there is one (`InvalidOptions` is before any). */
  readonly batch: Batches.Batch | undefined
  readonly reason: "Failed" | "InvalidOutput" | "NotEnded" | "InvalidOptions"
  readonly message: string
}> {}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options<A, I> {
  /** The endpoint every request goes to. */
  readonly endpoint: Batches.CreateParams["endpoint"]
  /** Decodes each successful body, e.g. `Chat.ChatCompletion`. */
  readonly schema: Schema.Schema<A, I>
  /** At most this many requests a batch. Default 50,000 (the API's limit). */
  readonly maxRequests?: number | undefined
  /** At most this many bytes of JSONL a batch. Default 200,000,000 (the API's limit is 200 MB). */
  readonly maxBytes?: number | undefined
  /** How often a running batch is polled. Default every 10 seconds, then a minute once it has run 10 minutes. */
  readonly poll?: Schedule.Schedule<unknown> | undefined
  /** Batches running at once. Default 4. */
  readonly concurrency?: number | undefined
  /** Metadata of every batch. */
  readonly metadata?: Readonly<Record<string, string>> | undefined
  /** Told every batch once it is created: record its id to `resume` it after a crash. */
  readonly onBatch?: ((batch: Batches.Batch) => Effect.Effect<void>) | undefined
}

const terminal = new Set(["completed", "failed", "expired", "cancelled"])

/**
 * The poll of a running batch when `poll` is not given: every 10 seconds for its first 10 minutes, then every minute.
 *
 * @since 0.2.0
 * @category schedules
 */
export const defaultPoll: Schedule.Schedule<unknown> = Schedule.andThen(
  Schedule.spaced("10 seconds").pipe(Schedule.upTo("10 minutes")),
  Schedule.spaced("1 minute")
)

const encoder = new TextEncoder()

/** A line of the JSONL: what `/v1/batches` expects of each request. */
const lineOf = (endpoint: string, request: Request): Uint8Array =>
  encoder.encode(
    `${JSON.stringify({ custom_id: request.custom_id, method: "POST", url: endpoint, body: request.body })}\n`
  )

/**
 * Groups lines so that no group goes over `maxRequests` lines or `maxBytes` bytes: each line costs the larger of its
 * share of either limit, and a group holds at most a whole (a line larger than `maxBytes` alone is a group of its
 * own, which the API refuses).
 */
const grouped = (maxRequests: number, maxBytes: number) =>
  Sink.foldWeighted({
    // a persistent chunk: the initial value is the same for every group
    initial: Chunk.empty<Uint8Array>(),
    maxCost: 1,
    cost: (_: Chunk.Chunk<Uint8Array>, line: Uint8Array) => Math.max(1 / maxRequests, line.length / maxBytes),
    body: (lines, line) => Chunk.append(lines, line)
  })

/** One line of an output or error file, as the API writes it. */
const OutputLine = Schema.Struct({
  custom_id: Schema.String,
  response: Schema.optional(Schema.NullOr(Schema.Struct({
    status_code: Schema.Number,
    request_id: Schema.optional(Schema.NullOr(Schema.String)),
    body: Schema.Unknown
  }))),
  error: Schema.optional(Schema.NullOr(Schema.Struct({
    code: Schema.optional(Schema.NullOr(Schema.String)),
    message: Schema.optional(Schema.NullOr(Schema.String))
  })))
})

const decodeLine = Schema.decodeUnknownEither(Schema.parseJson(OutputLine), { onExcessProperty: "preserve" })

/** The lines of a file's content, as they arrive. */
const fileLines = (fileId: string) =>
  Files.contentByteStream(fileId).pipe(
    Stream.decodeText(),
    Stream.splitLines,
    Stream.filter((line) => line.trim() !== "")
  )

const errorMessage = (body: unknown): string => {
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = (body as { error: unknown }).error
    if (typeof error === "object" && error !== null && "message" in error) return String(error.message)
  }
  return "the request failed"
}

/** The results of an ended batch: its output file, then its error file. */
const results = <A, I>(
  batch: Batches.Batch,
  schema: Schema.Schema<A, I>
): Stream.Stream<Result<A>, OpenAiError.OpenAiError | BatchStreamError, OpenAiClient.OpenAiClient> => {
  const decodeBody = Schema.decodeUnknownEither(schema, { onExcessProperty: "preserve" })
  const read = (text: string): Effect.Effect<Result<A>, BatchStreamError> => {
    const line = decodeLine(text)
    if (Either.isLeft(line)) {
      return Effect.fail(
        new BatchStreamError({
          batch,
          reason: "InvalidOutput",
          message: `a line of batch ${batch.id}'s results is not what the API writes: ${line.left.message}`
        })
      )
    }
    const { custom_id, error, response } = line.right
    const base = { custom_id, batch_id: batch.id }
    if (response != null && response.status_code >= 200 && response.status_code < 300) {
      const body = decodeBody(response.body)
      return Effect.succeed(
        Either.isRight(body)
          ? {
            _tag: "Success",
            ...base,
            status_code: response.status_code,
            request_id: response.request_id ?? undefined,
            body: body.right
          }
          : {
            _tag: "Failure",
            ...base,
            status_code: response.status_code,
            code: "decode_error",
            message: body.left.message,
            body: response.body
          }
      )
    }
    return Effect.succeed({
      _tag: "Failure",
      ...base,
      status_code: response?.status_code,
      code: error?.code ?? (response != null ? `http_${response.status_code}` : "unknown"),
      message: error?.message ?? (response != null ? errorMessage(response.body) : "no result"),
      body: response?.body
    })
  }
  const files = [batch.output_file_id, batch.error_file_id].filter((id): id is string => typeof id === "string")
  return Stream.flatMap(Stream.fromIterable(files), (id) => Stream.mapEffect(fileLines(id), read))
}

/** Polls a batch until it ends; fails with `BatchStreamError` when it failed. */
const untilEnded = (
  batch: Batches.Batch,
  poll: Schedule.Schedule<unknown>
): Effect.Effect<Batches.Batch, OpenAiError.OpenAiError | BatchStreamError, OpenAiClient.OpenAiClient> =>
  Effect.flatMap(
    terminal.has(batch.status)
      ? Effect.succeed(batch)
      : Effect.repeat(
        Batches.retrieve(batch.id),
        Schedule.passthrough(Schedule.whileInput(poll, (each: Batches.Batch) => !terminal.has(each.status)))
      ),
    (ended): Effect.Effect<Batches.Batch, BatchStreamError> =>
      !terminal.has(ended.status)
        ? Effect.fail(
          new BatchStreamError({
            batch: ended,
            reason: "NotEnded",
            message: `the poll schedule ended before batch ${ended.id} did (status ${ended.status})`
          })
        )
        : ended.status === "failed"
        ? Effect.fail(
          new BatchStreamError({
            batch: ended,
            reason: "Failed",
            message: `batch ${ended.id} failed: ${
              (ended.errors?.data ?? []).map((error) => error.message ?? error.code).join("; ") || "no reason given"
            }`
          })
        )
        : Effect.succeed(ended)
  )

/**
 * Follows a batch to its end, cancelling it if the stream is interrupted first, and streams its results.
 */
const follow = <A, I>(
  batch: Batches.Batch,
  options: Pick<Options<A, I>, "schema" | "poll">
): Stream.Stream<Result<A>, OpenAiError.OpenAiError | BatchStreamError, OpenAiClient.OpenAiClient> =>
  Stream.unwrap(
    untilEnded(batch, options.poll ?? defaultPoll).pipe(
      Effect.onInterrupt(() => Effect.ignore(Batches.cancel(batch.id))),
      Effect.map((ended) => results(ended, options.schema))
    )
  )

/**
 * Runs a stream of requests as batches and streams their results as each batch ends. Results come batch by batch,
 * in the order the API writes them (match them by `custom_id`); per-request failures are `Failure` results, never the
 * stream's error.
 *
 * @since 0.2.0
 * @category constructors
 */
export const run = <A, I, E, R>(
  requests: Stream.Stream<Request, E, R>,
  options: Options<A, I>
): Stream.Stream<Result<A>, E | OpenAiError.OpenAiError | BatchStreamError, R | OpenAiClient.OpenAiClient> => {
  const maxRequests = options.maxRequests ?? 50_000
  const maxBytes = options.maxBytes ?? 200_000_000
  if (!(Number.isInteger(maxRequests) && maxRequests >= 1) || !(maxBytes > 0)) {
    return Stream.fail(
      new BatchStreamError({
        batch: undefined,
        reason: "InvalidOptions",
        message: `maxRequests must be a positive integer and maxBytes positive, got ${maxRequests} and ${maxBytes}`
      })
    )
  }
  const groups = requests.pipe(
    Stream.map((request) => lineOf(options.endpoint, request)),
    Stream.transduce(grouped(maxRequests, maxBytes))
  )
  return Stream.flatMap(
    groups,
    (lines) =>
      Stream.unwrap(Effect.gen(function*() {
        const file = yield* Files.create({
          file: Multipart.file(concat(Chunk.toReadonlyArray(lines)), {
            filename: "batch.jsonl",
            contentType: "application/jsonl"
          }),
          purpose: "batch"
        })
        const batch = yield* Batches.create({
          input_file_id: file.id,
          endpoint: options.endpoint,
          completion_window: "24h",
          ...(options.metadata !== undefined ? { metadata: options.metadata } : {})
        })
        if (options.onBatch !== undefined) yield* options.onBatch(batch)
        return follow(batch, options)
      })),
    { concurrency: options.concurrency ?? 4 }
  )
}

/**
 * Picks up a batch by its id (after a crash, or from another process): polls it to its end — cancelling it if the
 * stream is interrupted first — and streams its results.
 *
 * @since 0.2.0
 * @category constructors
 */
export const resume = <A, I>(
  batchId: string,
  options: Pick<Options<A, I>, "schema" | "poll">
): Stream.Stream<Result<A>, OpenAiError.OpenAiError | BatchStreamError, OpenAiClient.OpenAiClient> =>
  Stream.unwrap(Effect.map(Batches.retrieve(batchId), (batch) => follow(batch, options)))
