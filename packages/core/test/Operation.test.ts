import { Multipart, OpenAiClient, Operation, Page } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { awaitRequests, requestCount } from "./utils.js"

// Operations declared here, as a user would for an endpoint the package does not cover.

const FileObject = Schema.Struct({ id: Schema.String, object: Schema.String, filename: Schema.String })

const upload = (fields: Multipart.Fields, options?: OpenAiClient.RequestOptions) =>
  OpenAiClient.request({
    name: "files.create",
    method: "POST",
    path: "/files",
    body: Operation.multipartBody(fields),
    response: Operation.jsonResponse(FileObject)
  }, options)

const fileReply = OpenAiTest.json({ id: "file-1", object: "file", filename: "data.jsonl" })

const bytesOf = (text: string) => new TextEncoder().encode(text)

const streamOf = (...pieces: ReadonlyArray<string>) => Stream.fromIterable(pieces.map(bytesOf))

describe("multipart bodies", () => {
  it.effect("fields of every kind and files from bytes, text, a Blob, a File and a stream, parsed by a server", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(fileReply)
      const file = yield* upload({
        purpose: "fine-tune",
        n: 2,
        stream: false,
        skipped: undefined,
        none: null,
        timestamp_granularities: ["word", "segment"],
        metadata: { team: "red", "with \"quote\"": "x" },
        bytes: Multipart.file(new Uint8Array([0, 255, 128]), { filename: "raw.bin" }),
        text: Multipart.file("{\"a\":1}\n", { filename: "data.jsonl", contentType: "application/jsonl" }),
        blob: new Blob(["blob body"], { type: "text/plain" }),
        named: new File(["file body"], "named.txt", { type: "text/plain" }),
        streamed: Multipart.file(streamOf("str", "eamed"), { filename: "s.txt", contentType: "text/plain" })
      })
      expect(file.id).toBe("file-1")
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=----effect-openai-[0-9a-f]{32}$/)
      const form = sent!.form!
      expect(form.get("purpose")).toBe("fine-tune")
      expect(form.get("n")).toBe("2")
      expect(form.get("stream")).toBe("false")
      expect(form.has("skipped")).toBe(false)
      expect(form.has("none")).toBe(false)
      expect(form.getAll("timestamp_granularities[]")).toStrictEqual(["word", "segment"])
      expect(form.get("metadata[team]")).toBe("red")
      // quotes in names are escaped as browsers escape them, and read back by the parser
      expect([...form.keys()].some((key) => key.startsWith("metadata[with"))).toBe(true)
      const files = ["bytes", "text", "blob", "named", "streamed"].map((name) => form.get(name) as File)
      expect(files.map((f) => f.name)).toStrictEqual(["raw.bin", "data.jsonl", "blob", "named.txt", "s.txt"])
      expect(files.map((f) => f.type)).toStrictEqual([
        "application/octet-stream",
        "application/jsonl",
        "text/plain",
        "text/plain",
        "text/plain"
      ])
      const contents = yield* Effect.promise(() => Promise.all(files.map((f) => f.arrayBuffer())))
      expect([...new Uint8Array(contents[0]!)]).toStrictEqual([0, 255, 128])
      expect(contents.slice(1).map((buffer) => new TextDecoder().decode(buffer))).toStrictEqual([
        "{\"a\":1}\n",
        "blob body",
        "file body",
        "streamed"
      ])
      // a stream of unknown size: no content-length, the body is chunked
      expect(sent!.headers["content-length"]).toBeUndefined()
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a body of known size has a content-length that matches its bytes", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(fileReply, fileReply)
      yield* upload({ purpose: "batch", file: Multipart.file("x".repeat(1000), { filename: "a.jsonl" }) })
      yield* upload({ purpose: "batch", file: new Blob(["y".repeat(5000)]) })
      const sent = yield* OpenAiTest.requests
      for (const request of sent) {
        expect(Number(request.headers["content-length"])).toBe(request.bodyBytes!.byteLength)
      }
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("bytes and blobs are sent again, whole, on a retry", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), fileReply)
      yield* upload({ purpose: "batch", file: new Blob(["line 1\nline 2\n"]), more: Multipart.file("abc") })
      const [first, second] = yield* OpenAiTest.requests
      expect(second!.form!.get("purpose")).toBe("batch")
      expect(yield* Effect.promise(() => (second!.form!.get("file") as File).text())).toBe("line 1\nline 2\n")
      // the same parts (a fresh boundary does not matter)
      expect([...first!.form!.keys()]).toStrictEqual([...second!.form!.keys()])
    }).pipe(Effect.provide(OpenAiTest.layer({ client: { retryPolicy: Schedule.recurs(2) } }))))

  it.effect("a body with a caller's byte stream is sent once: never retried", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(500), fileReply)
      const error = yield* Effect.flip(upload({ file: Multipart.file(streamOf("once"), { filename: "once.txt" }) }))
      expect(error._tag).toBe("InternalServerError")
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("raw bodies", () => {
  it.effect("text and bytes are sent as they are, with their content type", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.text("v=0\r\no=- answer", { status: 201, contentType: "application/sdp" }),
        OpenAiTest.empty()
      )
      const sdp = yield* OpenAiClient.request({
        name: "realtime.calls.create",
        method: "POST",
        path: "/realtime/calls",
        body: Operation.rawBody("v=0\r\no=- offer", "application/sdp"),
        response: Operation.textResponse
      })
      expect(sdp).toBe("v=0\r\no=- answer")
      yield* OpenAiClient.request({
        name: "raw.bytes",
        method: "PUT",
        path: "/raw",
        body: Operation.rawBody(new Uint8Array([1, 2, 3]), "application/octet-stream"),
        response: Operation.emptyResponse
      })
      const [text, bytes] = yield* OpenAiTest.requests
      expect(text!.headers["content-type"]).toBe("application/sdp")
      expect(text!.bodyText).toBe("v=0\r\no=- offer")
      expect(text!.headers["accept"]).toBe("*/*")
      expect(bytes!.method).toBe("PUT")
      expect([...bytes!.bodyBytes!]).toStrictEqual([1, 2, 3])
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

const binary = Uint8Array.from({ length: 256 }, (_, i) => i)

describe("response kinds", () => {
  it.effect("empty: a 200 with no body (or one to ignore) succeeds with void; an error status is still typed", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.empty(),
        OpenAiTest.json({ ignored: true }),
        OpenAiTest.error(404, { message: "No container" })
      )
      const remove = OpenAiClient.request({
        name: "containers.delete",
        method: "DELETE",
        path: "/containers/c1",
        response: Operation.emptyResponse
      })
      expect(yield* remove).toBeUndefined()
      expect(yield* remove).toBeUndefined()
      const error = yield* Effect.flip(remove)
      expect(error._tag).toBe("NotFoundError")
      expect(error.message).toContain("No container")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("bytes: every byte value arrives intact (not through UTF-8), with the response metadata", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.bytes(binary, { headers: { "x-request-id": "req_bytes" } }))
      const { data, response } = yield* OpenAiClient.withResponse(OpenAiClient.request({
        name: "files.content",
        method: "GET",
        path: "/files/file-1/content",
        response: Operation.bytesResponse
      }))
      expect([...data]).toStrictEqual([...binary])
      expect(response.requestId).toBe("req_bytes")
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["accept"]).toBe("application/octet-stream")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

const speech = (options?: OpenAiClient.StreamRequestOptions) =>
  OpenAiClient.stream({
    name: "audio.speech.create",
    method: "POST",
    path: "/audio/speech",
    body: Operation.jsonBody({ model: "gpt-4o-mini-tts", input: "hi", voice: "alloy" }),
    response: Operation.byteStreamResponse
  }, options)

describe("byte streams", () => {
  it.effect("delivers the body's bytes chunk by chunk, intact", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([binary.subarray(0, 100), binary.subarray(100)], { contentType: "audio/mpeg" })
      )
      const chunks = yield* Stream.runCollect(speech())
      expect(Chunk.size(chunks)).toBe(2)
      expect(Chunk.toReadonlyArray(chunks).flatMap((chunk) => [...chunk])).toStrictEqual([...binary])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("is retried before its first byte, never after", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.error(503),
        OpenAiTest.stream([OpenAiTest.cut("reset before the first byte")]),
        OpenAiTest.stream([binary.subarray(0, 10), OpenAiTest.cut("reset mid-body")])
      )
      const delivered: Array<number> = []
      const error = yield* speech({ maxRetries: 5 }).pipe(
        Stream.runForEach((chunk) => Effect.sync(() => delivered.push(...chunk))),
        Effect.flip,
        Effect.fork,
        Effect.tap(() => TestClock.adjust("1 minute")),
        Effect.flatMap(Fiber.join)
      )
      expect(error._tag).toBe("ConnectionError")
      expect(delivered).toStrictEqual([...binary.subarray(0, 10)])
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a gap longer than the idle timeout fails with TimeoutError (phase idle)", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([binary.subarray(0, 1), OpenAiTest.pause("1 minute"), binary]))
      const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(speech({ idleTimeout: "2 seconds" }))))
      yield* awaitRequests(1)
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("TimeoutError")
      if (error._tag === "TimeoutError") expect(error.phase).toBe("idle")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a non-2xx status is its typed error, its body read as OpenAI's error", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.error(400, { message: "Unknown voice", param: "voice" }))
      const error = yield* Effect.flip(Stream.runDrain(speech()))
      expect(error._tag).toBe("BadRequestError")
      if (error._tag === "BadRequestError") expect(error.param).toBe("voice")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("Stream.take stops reading and aborts the request", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([binary, binary, OpenAiTest.pause("1 hour"), binary]))
      const taken = yield* Stream.runCollect(Stream.take(speech(), 2))
      expect(Chunk.size(taken)).toBe(2)
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

interface ResponseEvent {
  readonly type: string
  readonly [key: string]: unknown
}

/** Responses-API-style rules: three terminal events carry the final response; others pass through. */
const responseEvents = () => {
  let seen = 0
  return (event: { readonly data: string; readonly event: string }): Operation.StreamStep<ResponseEvent> => {
    const json = Operation.eventJson({ ...event, id: undefined })
    if (Either.isLeft(json)) return json.left
    seen++
    const value = { ...(json.right as ResponseEvent), seen }
    switch (value.type) {
      case "keepalive":
        return Operation.skip
      case "response.completed":
      case "response.incomplete":
        return Operation.end(value)
      case "response.failed":
        return Operation.fail("ErrorEvent", { message: "the response failed" }, "response.failed", value)
      default:
        return Operation.emit(value)
    }
  }
}

const respond = OpenAiClient.stream({
  name: "responses.stream",
  method: "POST",
  path: "/responses",
  body: Operation.jsonBody({ model: "gpt-4o-mini", input: "hi", stream: true }),
  response: Operation.eventStreamResponse({
    terminal: ["response.completed", "response.failed", "response.incomplete"],
    events: responseEvents
  })
})

const event = (type: string) => OpenAiTest.sseEvent({ type }, type)

describe("event streams", () => {
  it.effect("a terminal event ends the stream with its final value; unknown events pass through", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.stream([
          event("response.created"),
          event("response.brand_new_event"),
          event("response.completed"),
          event("after.the.end")
        ])
      )
      const values = yield* Stream.runCollect(respond)
      expect(Chunk.toReadonlyArray(values).map((value) => value.type)).toStrictEqual([
        "response.created",
        "response.brand_new_event",
        "response.completed"
      ])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a failing terminal event delivers its value, then fails with StreamError", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([event("response.created"), event("response.failed")]))
      const delivered: Array<string> = []
      const error = yield* respond.pipe(
        Stream.runForEach((value) => Effect.sync(() => delivered.push(value.type))),
        Effect.flip
      )
      expect(delivered).toStrictEqual(["response.created", "response.failed"])
      expect(error._tag).toBe("StreamError")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a stream without any of its terminal events fails as truncated, naming them", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.stream([event("response.created")]))
      const error = yield* Effect.flip(Stream.runDrain(respond))
      expect(error._tag).toBe("StreamError")
      expect(error.message).toContain("response.completed, response.failed, response.incomplete")
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("each attempt gets fresh event rules: a retry starts clean", () =>
    Effect.gen(function*() {
      // the first attempt's rules see a keep-alive, then the connection breaks before any value: it is retried
      yield* OpenAiTest.reply(
        OpenAiTest.stream([event("keepalive"), OpenAiTest.cut("reset before any value")]),
        OpenAiTest.stream([event("response.created"), event("response.completed")])
      )
      const fiber = yield* Effect.fork(Stream.runCollect(respond))
      yield* TestClock.adjust("1 minute")
      const values = Chunk.toReadonlyArray(yield* Fiber.join(fiber))
      expect(values.map((value) => value.seen)).toStrictEqual([1, 2])
      expect(yield* requestCount).toBe(2)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("query", () => {
  it.effect("arrays repeat the parameter, in the bracket form when named so; scalars of every kind", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ object: "list", data: [] }))
      yield* OpenAiClient.request({
        name: "conversations.items.list",
        method: "GET",
        path: "/conversations/c1/items",
        query: {
          "include[]": ["message.output_text.logprobs", "reasoning.encrypted_content"],
          models: ["a", "b"],
          limit: 20,
          deleted: false,
          order: undefined,
          after: null
        },
        response: Operation.jsonResponse(Schema.Unknown)
      }, { query: { limit: 5 } })
      const [sent] = yield* OpenAiTest.requests
      expect(new URL(sent!.url).search).toBe(
        "?include%5B%5D=message.output_text.logprobs&include%5B%5D=reasoning.encrypted_content&models=a&models=b" +
          "&deleted=false&limit=5"
      )
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

// Pagination, one list style at a time.

const Item = Schema.Struct({ id: Schema.String })
const ListBody = Schema.Struct({ data: Schema.Array(Item) })

const list = (path: string, query?: Operation.QueryInput) =>
  ({
    name: "items.list",
    method: "GET",
    path,
    query,
    response: Operation.jsonResponse(ListBody)
  }) as const

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ id: `item_${from + i}` }))

describe("pagination", () => {
  it.effect("cursor: `after` is the last id; has_more ends the list; pages are fetched only when asked", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ object: "list", data: ids(0, 2), has_more: true, first_id: "item_0", last_id: "item_1" }),
        OpenAiTest.json({ object: "list", data: ids(2, 4), has_more: true }),
        OpenAiTest.json({ object: "list", data: ids(4, 5), has_more: false })
      )
      const first = yield* Page.request(list("/files", { limit: 2 }), Page.cursor<typeof Item.Type>())
      expect(first.data.map((item) => item.id)).toStrictEqual(["item_0", "item_1"])
      expect(first.hasMore).toBe(true)
      expect(yield* requestCount).toBe(1)
      const pages = Chunk.toReadonlyArray(yield* Stream.runCollect(Page.pages(Effect.succeed(first))))
      expect(pages.flatMap((page) => page.data).map((item) => item.id)).toStrictEqual(ids(0, 5).map((item) => item.id))
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => request.query)).toStrictEqual([
        { limit: "2" },
        { limit: "2", after: "item_1" },
        { limit: "2", after: "item_3" }
      ])
      // the last page has no next one, and asking for it makes no request
      expect(Option.isNone(yield* pages[2]!.next)).toBe(true)
      expect(yield* requestCount).toBe(3)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("page numbers: the next number until a page says there is no more", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ data: ids(0, 3) }),
        OpenAiTest.json({ data: ids(3, 6) }),
        OpenAiTest.json({ data: [] })
      )
      const all = yield* Stream.runCollect(Page.items(Page.request(list("/evals"), Page.pageNumber())))
      expect(Chunk.size(all)).toBe(6)
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => request.query)).toStrictEqual([{}, { page: "2" }, { page: "3" }])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("next-page tokens: the response's next_page is sent back as page until it is null", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ object: "page", data: ids(0, 1), has_more: true, next_page: "page_AAA" }),
        OpenAiTest.json({ object: "page", data: ids(1, 2), has_more: false, next_page: null })
      )
      const pages = yield* Stream.runCollect(
        Page.pages(Page.request(list("/organization/costs", { limit: 1 }), Page.nextToken()))
      )
      expect(Chunk.toReadonlyArray(pages).map((page) => page.hasMore)).toStrictEqual([true, false])
      const sent = yield* OpenAiTest.requests
      expect(sent.map((request) => request.query)).toStrictEqual([{ limit: "1" }, { limit: "1", page: "page_AAA" }])
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("a single-page list has no next page and makes no further request", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.json({ object: "list", data: ids(0, 3) }))
      const page = yield* Page.request(list("/models"), Page.single())
      expect(page.hasMore).toBe(false)
      expect(Option.isNone(yield* page.next)).toBe(true)
      expect(yield* requestCount).toBe(1)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("taking some items fetches only the pages they need; an interrupted stream fetches no more", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(
        OpenAiTest.json({ data: ids(0, 2), has_more: true }),
        OpenAiTest.json({ data: ids(2, 4), has_more: true }),
        OpenAiTest.delay("1 hour", OpenAiTest.json({ data: ids(4, 6), has_more: false }))
      )
      const taken = yield* Stream.runCollect(Stream.take(Page.items(Page.request(list("/batches"), Page.cursor())), 3))
      expect(Chunk.size(taken)).toBe(3)
      expect(yield* requestCount).toBe(2)
      const fiber = yield* Effect.fork(Stream.runDrain(Page.items(Page.request(list("/batches"), Page.cursor()))))
      yield* awaitRequests(3)
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("2 hours")
      expect(yield* requestCount).toBe(3)
      const [, , third] = yield* OpenAiTest.requests
      expect(third!.signal.aborted).toBe(true)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})

describe("pagination rules, one by one", () => {
  it("cursor: last_id first, else the last item's id; no cursor or no has_more means no next page", () => {
    const cursor = Page.cursor()
    expect(cursor.read({ data: [{ id: "a" }, { id: "b" }], has_more: true, last_id: "z" }, undefined).next)
      .toStrictEqual({ after: "z" })
    expect(cursor.read({ data: [{ id: "a" }, { id: "b" }], has_more: true, last_id: "" }, undefined).next)
      .toStrictEqual({ after: "b" })
    expect(cursor.read({ data: [], has_more: true }, undefined)).toStrictEqual({
      data: [],
      hasMore: true,
      next: undefined
    })
    expect(cursor.read({ data: [{ id: 1 }], has_more: true }, undefined).next).toBeUndefined()
    expect(cursor.read({ data: [{ id: "a" }], has_more: false, last_id: "a" }, undefined).next).toBeUndefined()
    expect(cursor.read({ data: [{ id: "a" }], has_more: "yes" }, undefined).hasMore).toBe(false)
    expect(cursor.read("not a list", undefined)).toStrictEqual({ data: [], hasMore: false, next: undefined })
  })

  it("cursor: every reader and the parameter can be replaced", () => {
    const custom = Page.cursor<string, { readonly items: ReadonlyArray<string>; readonly more: boolean }>({
      param: "starting_after",
      items: (body) => body.items,
      hasMore: (body) => body.more,
      cursor: (_, items) => items.at(-1)
    })
    expect(custom.read({ items: ["x", "y"], more: true }, undefined)).toStrictEqual({
      data: ["x", "y"],
      hasMore: true,
      next: { starting_after: "y" }
    })
  })

  it("page numbers: from the query's number or the first; has_more when stated, else a non-empty page", () => {
    const numbered = Page.pageNumber({ first: 0 })
    expect(numbered.read({ data: [1] }, undefined).next).toStrictEqual({ page: 1 })
    expect(numbered.read({ data: [1] }, { page: 4 }).next).toStrictEqual({ page: 5 })
    expect(numbered.read({ data: [] }, { page: 4 })).toStrictEqual({ data: [], hasMore: false, next: undefined })
    expect(numbered.read({ data: [1], has_more: false }, undefined).next).toBeUndefined()
    expect(numbered.read({ data: [], has_more: true }, { page: 2 }).next).toStrictEqual({ page: 3 })
    const named = Page.pageNumber<number, { readonly rows: ReadonlyArray<number> }>({
      param: "p",
      items: (body) => body.rows,
      hasMore: (body) => body.rows.length === 2
    })
    expect(named.read({ rows: [1, 2] }, undefined)).toStrictEqual({ data: [1, 2], hasMore: true, next: { p: 2 } })
    expect(named.read({ rows: [1] }, undefined).next).toBeUndefined()
  })

  it("next-page tokens: a missing, null or empty token, or has_more false, ends the list", () => {
    const tokens = Page.nextToken()
    expect(tokens.read({ data: [1], next_page: "t2" }, undefined)).toStrictEqual({
      data: [1],
      hasMore: true,
      next: { page: "t2" }
    })
    for (const body of [{ data: [1] }, { data: [1], next_page: null }, { data: [1], next_page: "" }]) {
      expect(tokens.read(body, undefined).next).toBeUndefined()
    }
    expect(tokens.read({ data: [1], next_page: "t2", has_more: false }, undefined).next).toBeUndefined()
    const groups = Page.nextToken<string, { readonly groups: ReadonlyArray<string>; readonly next: string | null }>({
      field: "next",
      param: "after",
      items: (body) => body.groups
    })
    expect(groups.read({ groups: ["g"], next: "cursor_1" }, undefined)).toStrictEqual({
      data: ["g"],
      hasMore: true,
      next: { after: "cursor_1" }
    })
  })

  it("a single page: its items, never a next one", () => {
    expect(Page.single().read({ data: [1, 2], has_more: true }, undefined)).toStrictEqual({
      data: [1, 2],
      hasMore: false,
      next: undefined
    })
    expect(
      Page.single<number, { readonly n: ReadonlyArray<number> }>({ items: (body) => body.n }).read(
        { n: [3] },
        undefined
      ).data
    )
      .toStrictEqual([3])
  })
})

describe("event helpers", () => {
  const event = (data: string, name = "message") => ({ event: name, data, id: undefined })

  it("eventJson: JSON is the value; an error event or an error object fails with the error; bad JSON never echoes", () => {
    expect(Operation.eventJson(event("{\"a\":1}"))).toStrictEqual(Either.right({ a: 1 }))
    const errorEvent = Operation.eventJson(event("{\"error\":{\"message\":\"boom\",\"code\":5}}"))
    expect(errorEvent).toStrictEqual(
      Either.left(Operation.fail("ErrorEvent", { message: "boom", code: "5" }, "an event with an error object"))
    )
    const named = Operation.eventJson(event("{\"message\":\"down\"}", "error"))
    expect(named).toStrictEqual(Either.left(Operation.fail("ErrorEvent", { message: "down" }, "an error event")))
    // the Responses streams' shape: the error's fields beside `type: "error"` (with or without `event: error`)
    for (const name of ["message", "error"]) {
      const typed = Operation.eventJson(event("{\"type\":\"error\",\"code\":\"server_error\",\"message\":\"x\"}", name))
      expect(typed).toStrictEqual(
        Either.left(Operation.fail("ErrorEvent", { code: "server_error", message: "x" }, "an error event"))
      )
    }
    const bad = Operation.eventJson(event("{secret"))
    expect(bad).toStrictEqual(
      Either.left(Operation.fail("InvalidEvent", undefined, "an event's data is not valid JSON (7 characters)"))
    )
    const badError = Operation.eventJson(event("oops", "error"))
    expect(badError).toStrictEqual(
      Either.left(Operation.fail("ErrorEvent", undefined, "an error event whose data is not JSON (4 characters)"))
    )
    expect(JSON.stringify(bad)).not.toContain("secret")
  })

  it("steps: end and fail carry a value only when given; invalidEvent names the paths, not the values", () => {
    expect(Operation.end()).toStrictEqual({ _tag: "End" })
    expect(Operation.end(1)).toStrictEqual({ _tag: "End", value: 1 })
    expect(Operation.fail("Truncated", undefined, "d")).toStrictEqual({
      _tag: "Fail",
      reason: "Truncated",
      error: undefined,
      detail: "d"
    })
    expect(Operation.fail("ErrorEvent", undefined, "d", 2).value).toBe(2)
    const decoded = Schema.decodeUnknownEither(
      Schema.Struct({ a: Schema.Struct({ b: Schema.Number }), c: Schema.String })
    )({
      a: { b: "secret-value" },
      c: 1
    })
    if (Either.isRight(decoded)) return expect.fail("decoded")
    const failure = Operation.invalidEvent("a chunk", decoded.left)
    expect(failure.reason).toBe("InvalidEvent")
    expect(failure.detail).toBe("a chunk does not have the expected shape at a.b")
    expect(failure.detail).not.toContain("secret-value")
  })
})
