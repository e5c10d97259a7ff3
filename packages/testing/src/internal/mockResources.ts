/**
 * The stateful part of the mock API: files (upload, list in cursor pages, retrieve, delete, content), uploads in
 * parts, batches through their lifecycle (each retrieve moves one step: validating → in_progress → finalizing →
 * completed, with an output file of mock results; `metadata.mock_outcome` = `failed`, `expired` (the second half of
 * the requests in the error file as `batch_expired`) or `partial` (every other one failed) for the other endings; a
 * cancelled batch has every request in its error file as `batch_cancelled`), responses (plain, streamed, stored,
 * retrieved, deleted, cancelled, their input items; answered by the mock model when there is one, which sees the
 * `previous_response_id` chain), speech audio (bytes or speech events) and images (generated, or streamed with a
 * partial image). Bodies have the spec's shapes, so the generated schemas decode them; ids and times are
 * deterministic.
 *
 * @internal
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Multipart from "@effect/platform/Multipart"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import { concat } from "./bytes.js"
import type { Answer, ModelState } from "./mockModel.js"
import { answer, itemMessages, responsesConversation } from "./mockModel.js"
import type { ReplyState, SentCall } from "./mockReply.js"
import {
  argumentPieces,
  badRequest,
  chatCompletion,
  countTokens,
  embeddingsBody,
  embeddingVector,
  errorBody,
  eventsReply as events,
  jsonReply as json,
  parseJson,
  pieces,
  replyHeaders,
  replyText,
  requestFormat,
  requestJson,
  sseEvent,
  structuredReply
} from "./mockReply.js"

interface StoredFile {
  readonly id: string
  readonly filename: string
  readonly purpose: string
  readonly created_at: number
  readonly content: Uint8Array
  readonly order: number
}

interface StoredUpload {
  readonly id: string
  readonly filename: string
  readonly purpose: string
  readonly bytes: number
  readonly mime_type: string
  readonly created_at: number
  status: "pending" | "completed" | "cancelled"
  readonly parts: Map<string, Uint8Array>
  file: StoredFile | undefined
}

interface StoredBatch {
  readonly body: Record<string, unknown>
  readonly input: StoredFile
  readonly outcome: string | undefined
  step: number
  cancelled: boolean
  /** Written once, when the batch first reads as ended: its files and counts (ids stay the same however it is polled). */
  results:
    | {
      readonly outputFileId: string
      readonly errorFileId: string | null
      readonly completed: number
      readonly failed: number
    }
    | undefined
}

/** What the resources hold, per server. @internal */
export interface Store {
  next: number
  readonly files: Map<string, StoredFile>
  readonly uploads: Map<string, StoredUpload>
  readonly batches: Map<string, StoredBatch>
  readonly responses: Map<string, StoredResponse>
}

interface StoredResponse {
  readonly response: Record<string, unknown>
  readonly input: Array<unknown>
  /** The `previous_response_id` it was created with. */
  readonly previous: string | undefined
}

/** @internal */
export const makeStore = (): Store => ({
  next: 0,
  files: new Map(),
  uploads: new Map(),
  batches: new Map(),
  responses: new Map()
})

const baseTime = 1_764_000_000

const nextId = (store: Store, prefix: string): string => {
  store.next += 1
  return `${prefix}_mock${store.next.toString(16).padStart(20, "0")}`
}

const encoder = new TextEncoder()

const notFound = (state: ReplyState, what: string, id: string) =>
  json(state, errorBody(`No such ${what}: '${id}'`, "invalid_request_error", null, "id"), 404)

/** A multipart body's text fields and files (bytes); a body that is not multipart has neither. */
const requestForm = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const parts = yield* Stream.runCollect(request.multipartStream)
  const fields: Record<string, string> = {}
  const files: Record<string, { readonly name: string; readonly content: Uint8Array }> = {}
  for (const part of Chunk.toReadonlyArray(parts)) {
    if (Multipart.isField(part)) {
      fields[part.key] = part.value
    } else if (Multipart.isFile(part)) {
      const content = concat(Chunk.toReadonlyArray(yield* Stream.runCollect(part.content)))
      files[part.key] = { name: part.name, content }
    }
  }
  return { fields, files }
}).pipe(
  // every part with a file name is a file, whatever its content type (JSON and JSONL files included)
  Effect.provideService(Multipart.FieldMimeTypes, Chunk.empty()),
  Effect.orElseSucceed(() => ({ fields: {} as Record<string, string>, files: {} as Record<string, never> }))
)

const fileObject = (file: StoredFile) => ({
  id: file.id,
  object: "file",
  bytes: file.content.length,
  created_at: file.created_at,
  expires_at: null,
  filename: file.filename,
  purpose: file.purpose,
  status: "processed",
  status_details: null
})

const addFile = (store: Store, filename: string, purpose: string, content: Uint8Array): StoredFile => {
  const file = {
    id: nextId(store, "file"),
    filename,
    purpose,
    created_at: baseTime + store.next,
    content,
    order: store.next
  }
  store.files.set(file.id, file)
  return file
}

/** A cursor page of `items` (`after`, `limit`, `order`), as the API's lists are. */
const cursorPage = <A extends { readonly id: string }>(
  url: string,
  items: ReadonlyArray<A>,
  view: (item: A) => unknown,
  defaultOrder: "asc" | "desc" = "desc"
) => {
  const query = new URL(url, "http://mock").searchParams
  const ordered = query.get("order") ?? defaultOrder
  const sorted = ordered === "asc" ? [...items] : [...items].reverse()
  const after = query.get("after")
  // a cursor that names no item (deleted, or never listed) ends the list rather than starting it over
  const found = after === null ? -1 : sorted.findIndex((item) => item.id === after)
  const start = after === null ? 0 : found === -1 ? sorted.length : found + 1
  const limit = Math.max(1, Number(query.get("limit") ?? 20) || 20)
  const page = sorted.slice(start, start + limit)
  return {
    object: "list",
    data: page.map(view),
    first_id: page[0]?.id ?? "",
    last_id: page[page.length - 1]?.id ?? "",
    has_more: start + limit < sorted.length
  }
}

const files = (state: ReplyState, store: Store) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/files",
      Effect.map(requestForm, ({ fields, files: parts }) => {
        const part = parts.file
        if (part === undefined) return badRequest(state, "'file' is a required property", "file")
        if (fields.purpose === undefined) return badRequest(state, "'purpose' is a required property", "purpose")
        return json(state, fileObject(addFile(store, part.name, fields.purpose, part.content)))
      })
    ),
    HttpRouter.get(
      "/v1/files",
      Effect.map(HttpServerRequest.HttpServerRequest, (request) => {
        const purpose = new URL(request.url, "http://mock").searchParams.get("purpose")
        const all = [...store.files.values()].filter((file) => purpose === null || file.purpose === purpose)
        return json(state, cursorPage(request.url, all, fileObject))
      })
    ),
    HttpRouter.get(
      "/v1/files/:id",
      Effect.map(HttpRouter.params, ({ id }) => {
        const file = store.files.get(id ?? "")
        return file === undefined ? notFound(state, "file", id ?? "") : json(state, fileObject(file))
      })
    ),
    HttpRouter.del(
      "/v1/files/:id",
      Effect.map(HttpRouter.params, ({ id }) => {
        if (!store.files.delete(id ?? "")) return notFound(state, "file", id ?? "")
        return json(state, { id, object: "file", deleted: true })
      })
    ),
    HttpRouter.get(
      "/v1/files/:id/content",
      Effect.map(HttpRouter.params, ({ id }) => {
        const file = store.files.get(id ?? "")
        if (file === undefined) return notFound(state, "file", id ?? "")
        return HttpServerResponse.uint8Array(file.content, {
          headers: { ...replyHeaders(state, 0), "content-type": "application/octet-stream" }
        })
      })
    )
  )

const uploadObject = (upload: StoredUpload) => ({
  id: upload.id,
  object: "upload",
  bytes: upload.bytes,
  created_at: upload.created_at,
  expires_at: upload.created_at + 3600,
  filename: upload.filename,
  purpose: upload.purpose,
  status: upload.status,
  file: upload.file === undefined ? null : fileObject(upload.file)
})

const uploads = (state: ReplyState, store: Store) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/uploads",
      Effect.map(requestJson, (body) => {
        if (
          !isRecord(body) || typeof body.filename !== "string" || typeof body.bytes !== "number" ||
          typeof body.purpose !== "string" || typeof body.mime_type !== "string"
        ) {
          return badRequest(state, "filename, purpose, bytes and mime_type are required")
        }
        const upload: StoredUpload = {
          id: nextId(store, "upload"),
          filename: body.filename,
          purpose: body.purpose,
          bytes: body.bytes,
          mime_type: body.mime_type,
          created_at: baseTime + store.next,
          status: "pending",
          parts: new Map(),
          file: undefined
        }
        store.uploads.set(upload.id, upload)
        return json(state, uploadObject(upload))
      })
    ),
    HttpRouter.post(
      "/v1/uploads/:id/parts",
      Effect.gen(function*() {
        const { id } = yield* HttpRouter.params
        const upload = store.uploads.get(id ?? "")
        if (upload === undefined) return notFound(state, "upload", id ?? "")
        if (upload.status !== "pending") return badRequest(state, `Upload ${upload.id} is ${upload.status}`)
        const { files: parts } = yield* requestForm
        if (parts.data === undefined) return badRequest(state, "'data' is a required property", "data")
        const partId = nextId(store, "part")
        upload.parts.set(partId, parts.data.content)
        return json(state, {
          id: partId,
          object: "upload.part",
          created_at: baseTime + store.next,
          upload_id: upload.id
        })
      })
    ),
    HttpRouter.post(
      "/v1/uploads/:id/complete",
      Effect.gen(function*() {
        const { id } = yield* HttpRouter.params
        const upload = store.uploads.get(id ?? "")
        if (upload === undefined) return notFound(state, "upload", id ?? "")
        if (upload.status !== "pending") return badRequest(state, `Upload ${upload.id} is ${upload.status}`)
        const body = yield* requestJson
        const partIds = isRecord(body) && Array.isArray(body.part_ids) ? body.part_ids : []
        const parts = partIds.map((partId) => upload.parts.get(String(partId)))
        if (parts.some((part) => part === undefined)) return badRequest(state, "Unknown part id", "part_ids")
        const size = parts.reduce((sum, part) => sum + part!.length, 0)
        if (size !== upload.bytes) {
          return badRequest(state, `The parts hold ${size} bytes; the upload was created for ${upload.bytes}`)
        }
        const content = new Uint8Array(size)
        let offset = 0
        for (const part of parts) {
          content.set(part!, offset)
          offset += part!.length
        }
        upload.status = "completed"
        upload.file = addFile(store, upload.filename, upload.purpose, content)
        return json(state, uploadObject(upload))
      })
    ),
    HttpRouter.post(
      "/v1/uploads/:id/cancel",
      Effect.map(HttpRouter.params, ({ id }) => {
        const upload = store.uploads.get(id ?? "")
        if (upload === undefined) return notFound(state, "upload", id ?? "")
        upload.status = "cancelled"
        return json(state, uploadObject(upload))
      })
    )
  )

const batchSteps = ["validating", "in_progress", "finalizing", "completed"] as const

/** The mock result of one batch request line: a chat completion or embeddings, or the error of a bad line. */
const batchResult = (
  state: ReplyState,
  store: Store,
  line: unknown,
  failure: { readonly code: string; readonly message: string } | undefined
) => {
  const customId = isRecord(line) && typeof line.custom_id === "string" ? line.custom_id : null
  const body = isRecord(line) && isRecord(line.body) ? line.body : {}
  const model = typeof body.model === "string" ? body.model : "gpt-4o-mini"
  if (failure !== undefined || customId === null) {
    return {
      id: nextId(store, "batch_req"),
      custom_id: customId,
      response: null,
      error: failure ?? { code: "invalid_request", message: "The request line has no custom_id" }
    }
  }
  const url = isRecord(line) ? line.url : undefined
  const result = url === "/v1/embeddings"
    ? embeddingsBody({
      model,
      vectors: [embeddingVector(String(body.input ?? ""), 8)],
      base64: false,
      tokens: countTokens(String(body.input ?? ""))
    })
    : chatCompletion(state, model, Array.isArray(body.messages) ? body.messages : [])
  return {
    id: nextId(store, "batch_req"),
    custom_id: customId,
    response: { status_code: 200, request_id: `req_${store.next}`, body: result },
    error: null
  }
}

const lines = (content: Uint8Array): Array<unknown> =>
  new TextDecoder().decode(content).split("\n").filter((line) => line.trim() !== "").map((line) => parseJson(line))

const jsonl = (rows: ReadonlyArray<unknown>) => encoder.encode(rows.map((row) => `${JSON.stringify(row)}\n`).join(""))

/** The output (and error) file of an ended batch, written the first time it is read as ended. */
const batchResults = (state: ReplyState, store: Store, id: string, batch: StoredBatch) => {
  if (batch.results !== undefined) return batch.results
  // partial: every other request fails; expired: the second half never ran; cancelled: none did
  const all = lines(batch.input.content)
  const failure = (index: number) =>
    batch.cancelled
      ? { code: "batch_cancelled", message: "This request was not executed because the batch was cancelled." }
      : batch.outcome === "partial" && index % 2 === 1
      ? { code: "invalid_request", message: "The mock failed this request (mock_outcome: partial)" }
      : batch.outcome === "expired" && index >= Math.ceil(all.length / 2)
      ? { code: "batch_expired", message: "This request could not be executed before the completion window expired." }
      : undefined
  const results = all.map((line, index) => batchResult(state, store, line, failure(index)))
  const ok = results.filter((result) => result.error === null)
  const bad = results.filter((result) => result.error !== null)
  const save = (kind: string, rows: ReadonlyArray<unknown>) =>
    addFile(store, `batch_${id}_${kind}.jsonl`, "batch_output", jsonl(rows)).id
  batch.results = {
    outputFileId: save("output", ok),
    errorFileId: bad.length > 0 ? save("error", bad) : null,
    completed: ok.length,
    failed: bad.length
  }
  return batch.results
}

const batchObject = (state: ReplyState, store: Store, id: string, batch: StoredBatch) => {
  const total = lines(batch.input.content).length
  const status = batch.cancelled
    ? (batch.step > 0 ? "cancelled" : "cancelling")
    : batch.outcome === "failed" && batch.step > 0
    ? "failed"
    : batch.outcome === "expired" && batch.step > 1
    ? "expired"
    : batchSteps[Math.min(batch.step, 3)]!
  const results = status === "completed" || status === "expired" || status === "cancelled"
    ? batchResults(state, store, id, batch)
    : undefined
  return {
    ...batch.body,
    id,
    object: "batch",
    endpoint: batch.body.endpoint,
    input_file_id: batch.input.id,
    completion_window: batch.body.completion_window ?? "24h",
    status,
    created_at: batch.input.created_at + 1,
    output_file_id: results?.outputFileId ?? null,
    error_file_id: results?.errorFileId ?? null,
    errors: status === "failed"
      ? { object: "list", data: [{ code: "invalid_json_line", message: "The mock failed this batch", line: 1 }] }
      : null,
    request_counts: { total, completed: results?.completed ?? 0, failed: results?.failed ?? 0 },
    metadata: batch.body.metadata ?? null
  }
}

const batches = (state: ReplyState, store: Store) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/batches",
      Effect.map(requestJson, (body) => {
        if (!isRecord(body) || typeof body.input_file_id !== "string") {
          return badRequest(state, "'input_file_id' is a required property", "input_file_id")
        }
        const input = store.files.get(body.input_file_id)
        if (input === undefined) return notFound(state, "file", body.input_file_id)
        const id = nextId(store, "batch")
        const metadata = isRecord(body.metadata) ? body.metadata : {}
        const batch: StoredBatch = {
          body,
          input,
          outcome: typeof metadata.mock_outcome === "string" ? metadata.mock_outcome : undefined,
          step: 0,
          cancelled: false,
          results: undefined
        }
        store.batches.set(id, batch)
        return json(state, batchObject(state, store, id, batch))
      })
    ),
    HttpRouter.get(
      "/v1/batches/:id",
      Effect.map(HttpRouter.params, ({ id }) => {
        const batch = store.batches.get(id ?? "")
        if (batch === undefined) return notFound(state, "batch", id ?? "")
        batch.step += 1
        return json(state, batchObject(state, store, id!, batch))
      })
    ),
    HttpRouter.post(
      "/v1/batches/:id/cancel",
      Effect.map(HttpRouter.params, ({ id }) => {
        const batch = store.batches.get(id ?? "")
        if (batch === undefined) return notFound(state, "batch", id ?? "")
        batch.cancelled = true
        batch.step = 0
        return json(state, batchObject(state, store, id!, batch))
      })
    ),
    HttpRouter.get(
      "/v1/batches",
      Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
        json(
          state,
          cursorPage(
            request.url,
            [...store.batches].map(([id, batch]) => ({ id, batch })),
            ({ batch, id }) => batchObject(state, store, id, batch)
          )
        ))
    )
  )

/** The messages of a Responses `input` (text, or input items), as chat messages for the mock model's reply. */
const inputMessages = (input: unknown): Array<unknown> =>
  typeof input === "string"
    ? [{ role: "user", content: input }]
    : Array.isArray(input)
    ? input.filter((item) => isRecord(item) && typeof item.role === "string")
    : []

const functionCallItem = (call: SentCall, status: string, args: string) => ({
  id: call.itemId,
  type: "function_call",
  call_id: call.id,
  name: call.name,
  arguments: args,
  status
})

const outputTokens = (output: Answer): number =>
  output._tag === "Text"
    ? countTokens(output.text)
    : output.calls.reduce((sum, call) => sum + countTokens(call.arguments), 0)

/** A response to the request `body`, echoing its settings as the API does. */
const responseObject = (
  id: string,
  body: Record<string, unknown> & { readonly model: string },
  output: Answer,
  status: string,
  inputTokens: number
) => {
  const text = output._tag === "Text" ? output.text : ""
  return {
    id,
    object: "response",
    created_at: baseTime,
    status,
    completed_at: status === "completed" ? baseTime + 1 : null,
    model: body.model,
    output: status !== "completed"
      ? []
      : output._tag === "Text"
      ? [{
        id: `msg_${id.slice("resp_".length)}`,
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text, annotations: [], logprobs: [] }]
      }]
      : output.calls.map((call) => functionCallItem(call, "completed", call.arguments)),
    output_text: status === "completed" ? text : null,
    error: null,
    incomplete_details: null,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    metadata: {},
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === "string" ? body.previous_response_id : null,
    temperature: 1,
    top_p: 1,
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools as Array<unknown> : [],
    usage: status === "completed"
      ? {
        input_tokens: inputTokens,
        input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        output_tokens: outputTokens(output),
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: inputTokens + outputTokens(output)
      }
      : null
  }
}

/** The events of the output of a streamed response: the message built piece by piece. */
const messageEvents = (id: string, text: string): Array<Record<string, unknown>> => {
  const itemId = `msg_${id.slice("resp_".length)}`
  const part = (value: string) => ({ type: "output_text", text: value, annotations: [], logprobs: [] })
  const item = (status: string, content: Array<unknown>) => ({
    id: itemId,
    type: "message",
    role: "assistant",
    status,
    content
  })
  return [
    { type: "response.output_item.added", output_index: 0, item: item("in_progress", []) },
    { type: "response.content_part.added", item_id: itemId, output_index: 0, content_index: 0, part: part("") },
    ...pieces(text).map((delta) => ({
      type: "response.output_text.delta",
      item_id: itemId,
      output_index: 0,
      content_index: 0,
      delta,
      logprobs: []
    })),
    { type: "response.output_text.done", item_id: itemId, output_index: 0, content_index: 0, text, logprobs: [] },
    { type: "response.content_part.done", item_id: itemId, output_index: 0, content_index: 0, part: part(text) },
    { type: "response.output_item.done", output_index: 0, item: item("completed", [part(text)]) }
  ]
}

/** The events of the output of a streamed response: each function call, its arguments in several deltas. */
const functionCallEvents = (calls: ReadonlyArray<SentCall>): Array<Record<string, unknown>> =>
  calls.flatMap((call, index) => [
    { type: "response.output_item.added", output_index: index, item: functionCallItem(call, "in_progress", "") },
    ...argumentPieces(call.arguments).map((delta) => ({
      type: "response.function_call_arguments.delta",
      item_id: call.itemId,
      output_index: index,
      delta
    })),
    {
      type: "response.function_call_arguments.done",
      item_id: call.itemId,
      output_index: index,
      name: call.name,
      arguments: call.arguments
    },
    {
      type: "response.output_item.done",
      output_index: index,
      item: functionCallItem(call, "completed", call.arguments)
    }
  ])

/** The events of a streamed response: created, in progress, its output, completed. */
const responseEvents = (response: ReturnType<typeof responseObject>, output: Answer): Array<string> => {
  const open = { ...response, status: "in_progress", output: [], output_text: null, usage: null }
  const payloads: Array<Record<string, unknown>> = [
    { type: "response.created", response: open },
    { type: "response.in_progress", response: open },
    ...(output._tag === "Text" ? messageEvents(response.id, output.text) : functionCallEvents(output.calls)),
    { type: "response.completed", response }
  ]
  return payloads.map((payload, index) => sseEvent({ ...payload, sequence_number: index }, String(payload.type)))
}

/**
 * The messages of the responses before `id` in its `previous_response_id` chain, oldest first, each one's input then
 * output; `undefined` when `id` is no stored response.
 */
const chainMessages = (store: Store, id: string) => {
  const chain: Array<StoredResponse> = []
  for (let next: string | undefined = id; next !== undefined;) {
    const stored = store.responses.get(next)
    if (stored === undefined) break
    chain.unshift(stored)
    next = stored.previous
  }
  if (chain.length === 0) return undefined
  return chain.flatMap((stored) => [...itemMessages(stored.input), ...itemMessages(stored.response.output)])
}

const responses = (state: ReplyState, store: Store, model: ModelState | undefined) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/responses",
      Effect.map(requestJson, (body) => {
        if (!isRecord(body) || typeof body.model !== "string") {
          return badRequest(state, "'model' is a required property", "model")
        }
        const previous = typeof body.previous_response_id === "string" ? body.previous_response_id : undefined
        const earlier = previous === undefined ? [] : chainMessages(store, previous)
        if (earlier === undefined) {
          return badRequest(
            state,
            `Previous response with id '${previous}' not found.`,
            "previous_response_id",
            "previous_response_not_found"
          )
        }
        const answered = model === undefined
          ? undefined
          : answer(model, responsesConversation(body.model, earlier, body))
        const messages = inputMessages(body.input)
        const output: Answer = answered ?? {
          _tag: "Text",
          text: structuredReply(requestFormat(body)) ?? replyText(messages)
        }
        const inputTokens = countTokens(JSON.stringify(body.input ?? ""))
        const id = nextId(store, "resp")
        const response = responseObject(
          id,
          { ...body, model: body.model },
          output,
          body.background === true ? "queued" : "completed",
          inputTokens
        )
        if (body.store !== false) {
          store.responses.set(id, { response, input: Array.isArray(body.input) ? body.input : messages, previous })
        }
        return body.stream === true
          ? events(state, responseEvents(response, output), response.usage?.total_tokens ?? 0)
          : json(state, response, 200, response.usage?.total_tokens ?? 0)
      })
    ),
    HttpRouter.get(
      "/v1/responses/:id",
      Effect.map(HttpRouter.params, ({ id }) => {
        const stored = store.responses.get(id ?? "")
        return stored === undefined ? notFound(state, "response", id ?? "") : json(state, stored.response)
      })
    ),
    HttpRouter.del(
      "/v1/responses/:id",
      Effect.map(HttpRouter.params, ({ id }) =>
        store.responses.delete(id ?? "")
          ? HttpServerResponse.empty({ headers: replyHeaders(state, 0) })
          : notFound(state, "response", id ?? ""))
    ),
    HttpRouter.post(
      "/v1/responses/:id/cancel",
      Effect.map(HttpRouter.params, ({ id }) => {
        const stored = store.responses.get(id ?? "")
        if (stored === undefined) return notFound(state, "response", id ?? "")
        if (stored.response.status !== "queued" && stored.response.status !== "in_progress") {
          return badRequest(state, "Only background responses that have not finished can be cancelled")
        }
        const cancelled = { ...stored.response, status: "cancelled" }
        store.responses.set(id!, { ...stored, response: cancelled })
        return json(state, cancelled)
      })
    ),
    HttpRouter.get(
      "/v1/responses/:id/input_items",
      Effect.gen(function*() {
        const { id } = yield* HttpRouter.params
        const request = yield* HttpServerRequest.HttpServerRequest
        const stored = store.responses.get(id ?? "")
        if (stored === undefined) return notFound(state, "response", id ?? "")
        // as the API lists them: a message's text content as an input_text part
        const items = stored.input.map((item, index) => {
          const fields = isRecord(item) ? item : { role: "user", content: String(item) }
          return {
            id: `msg_in${index}_${id}`,
            type: "message",
            status: "completed",
            ...fields,
            content: typeof fields.content === "string"
              ? [{ type: "input_text", text: fields.content }]
              : fields.content
          }
        })
        return json(state, cursorPage(request.url, items, (item) => item))
      })
    )
  )

/** Deterministic audio bytes for a text: an ID3-tagged header and the text's bytes, repeated to a plausible size. */
const speechBytes = (text: string): Uint8Array => {
  const body = encoder.encode(text.repeat(Math.max(1, Math.ceil(2048 / Math.max(1, text.length)))))
  const out = new Uint8Array(3 + body.length)
  out.set(encoder.encode("ID3"))
  out.set(body, 3)
  return out
}

const audioTypes: Readonly<Record<string, string>> = {
  mp3: "audio/mpeg",
  opus: "audio/opus",
  aac: "audio/aac",
  flac: "audio/flac",
  wav: "audio/wav",
  pcm: "audio/pcm"
}

/** A 1×1 transparent PNG. */
const pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

const media = (state: ReplyState) =>
  HttpRouter.empty.pipe(
    HttpRouter.post(
      "/v1/audio/speech",
      Effect.map(requestJson, (body) => {
        if (!isRecord(body) || typeof body.input !== "string") {
          return badRequest(state, "'input' is a required property", "input")
        }
        const bytes = speechBytes(body.input)
        const tokens = countTokens(body.input)
        if (body.stream_format === "sse") {
          const chunks = Array.from({ length: Math.ceil(bytes.length / 1024) }, (_, i) =>
            sseEvent({
              type: "speech.audio.delta",
              audio: Encoding.encodeBase64(bytes.slice(i * 1024, (i + 1) * 1024))
            }))
          const usage = {
            input_tokens: tokens,
            output_tokens: Math.ceil(bytes.length / 64),
            total_tokens: tokens + Math.ceil(bytes.length / 64)
          }
          return events(state, [...chunks, sseEvent({ type: "speech.audio.done", usage })], tokens)
        }
        const format = typeof body.response_format === "string" ? body.response_format : "mp3"
        return HttpServerResponse.uint8Array(bytes, {
          headers: { ...replyHeaders(state, tokens), "content-type": audioTypes[format] ?? "audio/mpeg" }
        })
      })
    ),
    HttpRouter.post(
      "/v1/images/generations",
      Effect.map(requestJson, (body) => {
        if (!isRecord(body) || typeof body.prompt !== "string") {
          return badRequest(state, "'prompt' is a required property", "prompt")
        }
        const n = typeof body.n === "number" ? body.n : 1
        const usage = {
          input_tokens: countTokens(body.prompt),
          input_tokens_details: { text_tokens: countTokens(body.prompt), image_tokens: 0 },
          output_tokens: 272,
          total_tokens: countTokens(body.prompt) + 272
        }
        const image = {
          created_at: baseTime,
          size: "1024x1024",
          quality: "low",
          background: "opaque",
          output_format: "png"
        }
        if (body.stream === true) {
          return events(state, [
            sseEvent({ type: "image_generation.partial_image", b64_json: pngBase64, ...image, partial_image_index: 0 }),
            sseEvent({ type: "image_generation.completed", b64_json: pngBase64, ...image, usage })
          ])
        }
        return json(
          state,
          {
            created: baseTime,
            data: Array.from({ length: n }, () => ({ b64_json: pngBase64, revised_prompt: body.prompt })),
            background: "opaque",
            output_format: "png",
            quality: "low",
            size: "1024x1024",
            usage
          },
          200,
          usage.total_tokens
        )
      })
    )
  )

/** Every stateful route. @internal */
export const resourceRoutes = (
  state: ReplyState,
  store: Store,
  model?: ModelState | undefined
): HttpRouter.HttpRouter =>
  HttpRouter.concatAll(
    files(state, store),
    uploads(state, store),
    batches(state, store),
    responses(state, store, model),
    media(state)
  )
