/**
 * The Batch API as a Stream, over real sockets against MockServer (which runs batches through their lifecycle):
 * requests split at the limits, results matched by custom_id and decoded, per-request failures of partial, expired
 * and cancelled batches as `Failure` results, a failed batch as a typed error, interruption cancelling the batch, and
 * a batch resumed by its id.
 */
import type { OpenAiClient } from "@effect-openai/core"
import { Batches, BatchStream, Chat, Files } from "@effect-openai/core"
import * as Multipart from "@effect-openai/core/Multipart"
import { MockServer } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { client } from "./utils.js"

const withServer = <A, E>(effect: (server: MockServer.Service) => Effect.Effect<A, E, OpenAiClient.OpenAiClient>) =>
  Effect.scoped(Effect.gen(function*() {
    const server = yield* MockServer.make()
    return yield* Effect.provide(effect(server), client(server, { maxRetries: 0 }))
  }))

const questions = (n: number) =>
  Stream.fromIterable(Array.from({ length: n }, (_, i) => ({
    custom_id: `q${i}`,
    body: { model: "gpt-4o-mini", messages: [{ role: "user", content: `question ${i}` }] }
  })))

const fast = Schedule.spaced("5 millis")

const options = {
  endpoint: "/v1/chat/completions",
  schema: Chat.ChatCompletion,
  poll: fast
} as const

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

describe("BatchStream", () => {
  it.live("runs requests as batches split at maxRequests, and streams each result decoded, by custom_id", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const created: Array<string> = []
        const results = yield* collect(BatchStream.run(questions(5), {
          ...options,
          maxRequests: 2,
          onBatch: (batch) => Effect.sync(() => created.push(batch.id))
        }))
        expect(created).toHaveLength(3)
        expect(results.map((result) => result.custom_id).sort()).toStrictEqual(["q0", "q1", "q2", "q3", "q4"])
        for (const result of results) {
          if (result._tag !== "Success") return expect.fail(`${result.custom_id}: ${result._tag}`)
          expect(result.status_code).toBe(200)
          expect(result.body.choices[0]!.message.content).toBe(
            `This is a mock reply to: question ${result.custom_id.slice(1)}`
          )
          expect(created).toContain(result.batch_id)
        }
        const served = yield* server.requests
        const uploads = served.filter((request) => request.method === "POST" && request.path === "/files")
        expect(uploads).toHaveLength(3)
        expect(served.filter((request) => request.method === "POST" && request.path === "/batches")).toHaveLength(3)
      })
    ))

  it.live("splits at maxBytes too: no file over it", () =>
    withServer((server) =>
      Effect.gen(function*() {
        // each line is about 150 bytes: 400 bytes hold two
        const results = yield* collect(BatchStream.run(questions(5), { ...options, maxBytes: 400 }))
        expect(results).toHaveLength(5)
        const files = yield* Files.list({ purpose: "batch" })
        expect(files.data).toHaveLength(3)
        for (const file of files.data) expect(file.bytes).toBeLessThanOrEqual(400)
        expect((yield* server.requests).filter((request) => request.path === "/batches")).toHaveLength(3)
      })
    ))

  it.live("a partially failed batch: the failed requests are Failure results with the API's error", () =>
    withServer(() =>
      Effect.gen(function*() {
        const results = yield* collect(
          BatchStream.run(questions(4), { ...options, metadata: { mock_outcome: "partial" } })
        )
        const failed = results.filter((result) => result._tag === "Failure")
        expect(failed.map((result) => result.custom_id).sort()).toStrictEqual(["q1", "q3"])
        for (const result of failed) {
          if (result._tag !== "Failure") continue
          expect(result.code).toBe("invalid_request")
        }
        expect(results.filter((result) => result._tag === "Success")).toHaveLength(2)
      })
    ))

  it.live("an expired batch: what ran, and the rest as batch_expired failures", () =>
    withServer(() =>
      Effect.gen(function*() {
        const results = yield* collect(
          BatchStream.run(questions(4), { ...options, metadata: { mock_outcome: "expired" } })
        )
        const byId = Object.fromEntries(results.map((result) => [result.custom_id, result]))
        expect(byId.q0?._tag).toBe("Success")
        expect(byId.q1?._tag).toBe("Success")
        expect(byId.q2).toMatchObject({ _tag: "Failure", code: "batch_expired" })
        expect(byId.q3).toMatchObject({ _tag: "Failure", code: "batch_expired" })
      })
    ))

  it.live("a failed batch fails the stream with BatchStreamError, naming the API's reasons", () =>
    withServer(() =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          collect(BatchStream.run(questions(2), { ...options, metadata: { mock_outcome: "failed" } }))
        )
        if (error._tag !== "BatchStreamError") return expect.fail(error._tag)
        expect(error.reason).toBe("Failed")
        expect(error.message).toContain("The mock failed this batch")
        expect(error.batch?.status).toBe("failed")
      })
    ))

  it.live("a body the schema does not decode is a decode_error Failure, the rest go on", () =>
    withServer(() =>
      Effect.gen(function*() {
        const results = yield* collect(
          BatchStream.run(questions(2), {
            ...options,
            schema: Schema.Struct({ embedding: Schema.Array(Schema.Number) })
          })
        )
        expect(results).toHaveLength(2)
        for (const result of results) expect(result).toMatchObject({ _tag: "Failure", code: "decode_error" })
      })
    ))

  it.live("interrupting the stream while a batch runs cancels the batch", () =>
    withServer((server) =>
      Effect.gen(function*() {
        const created = yield* Deferred.make<string>()
        const fiber = yield* Effect.fork(collect(BatchStream.run(questions(2), {
          ...options,
          poll: Schedule.spaced("1 hour"),
          onBatch: (batch) => Deferred.succeed(created, batch.id)
        })))
        const id = yield* Deferred.await(created)
        yield* Fiber.interrupt(fiber)
        const served = yield* server.requests
        expect(served.some((request) => request.method === "POST" && request.path === `/batches/${id}/cancel`))
          .toBe(true)
        // the API has it cancelled: every request in the error file as batch_cancelled
        const results = yield* collect(BatchStream.resume(id, { schema: Chat.ChatCompletion, poll: fast }))
        expect(results.map((result) => result._tag === "Failure" ? result.code : result._tag)).toStrictEqual([
          "batch_cancelled",
          "batch_cancelled"
        ])
      })
    ))

  it.live("resume: a batch created elsewhere (another process, before a crash) is followed to its results", () =>
    withServer(() =>
      Effect.gen(function*() {
        const jsonl = ["a", "b"].map((id) =>
          JSON.stringify({
            custom_id: id,
            method: "POST",
            url: "/v1/chat/completions",
            body: { model: "gpt-4o-mini", messages: [{ role: "user", content: id }] }
          })
        ).join("\n")
        const file = yield* Files.create({ file: Multipart.file(jsonl, { filename: "in.jsonl" }), purpose: "batch" })
        const batch = yield* Batches.create({
          input_file_id: file.id,
          endpoint: "/v1/chat/completions",
          completion_window: "24h"
        })
        const results = yield* collect(BatchStream.resume(batch.id, { schema: Chat.ChatCompletion, poll: fast }))
        expect(results.map((result) => result.custom_id)).toStrictEqual(["a", "b"])
        expect(results.every((result) => result._tag === "Success")).toBe(true)
      })
    ))

  it.live("limits that make no sense fail with BatchStreamError InvalidOptions, and nothing is sent", () =>
    withServer((server) =>
      Effect.gen(function*() {
        for (const limits of [{ maxRequests: 0 }, { maxRequests: 1.5 }, { maxBytes: -1 }]) {
          const error = yield* Effect.flip(collect(BatchStream.run(questions(2), { ...options, ...limits })))
          if (error._tag !== "BatchStreamError") return expect.fail(error._tag)
          expect(error.reason).toBe("InvalidOptions")
          expect(error.batch).toBeUndefined()
        }
        expect(yield* server.requests).toHaveLength(0)
      })
    ))

  it("the default poll: every 10 seconds for 10 minutes, then every minute", () => {
    const delays = Effect.runSync(
      Schedule.run(Schedule.delays(BatchStream.defaultPoll), 0, Array.from({ length: 65 }, () => undefined))
    )
    const seconds = Chunk.toReadonlyArray(delays).map(Duration.toSeconds)
    expect(seconds.slice(0, 3)).toStrictEqual([10, 10, 10])
    expect(seconds.slice(58, 65)).toStrictEqual([10, 10, 60, 60, 60, 60, 60])
  })

  it.live("a poll schedule that ends before the batch does is a BatchStreamError, never results of a running batch", () =>
    withServer(() =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          collect(BatchStream.run(questions(1), { ...options, poll: Schedule.recurs(1) }))
        )
        if (error._tag !== "BatchStreamError") return expect.fail(error._tag)
        expect(error.reason).toBe("NotEnded")
      })
    ))
})
