import { Sse } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"

/** Lets forked fibers run until the in-memory server has received `count` requests. */
export const awaitRequests = (count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 10_000; i++) {
      const received = yield* OpenAiTest.requests
      if (received.length >= count) return received
      yield* Effect.yieldNow()
    }
    return yield* Effect.dieMessage(`expected ${count} requests`)
  })

/** The number of requests the in-memory server has received. */
export const requestCount = Effect.map(OpenAiTest.requests, (received) => received.length)

export const messages = [{ role: "user", content: "Say this is a test!" }] as const

/** A tracer that keeps every span it makes (over the current tracer), to inspect names and attributes. */
export const recordSpans = Effect.gen(function*() {
  const base = yield* Effect.tracer
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: (f, fiber) => base.context(f, fiber)
  })
  return { spans, tracer }
})

const encoder = new TextEncoder()

/** UTF-8 bytes of a text. */
export const bytes = (text: string): Uint8Array => encoder.encode(text)

/** Decodes the chunks with the incremental SSE decoder, to its end. */
export const decodeChunks = (chunks: ReadonlyArray<Uint8Array>): Array<Sse.Event> => {
  const decoder = new Sse.Decoder()
  const out: Array<Sse.Event> = []
  for (const chunk of chunks) decoder.push(chunk, (event) => out.push(event))
  decoder.end()
  return out
}

/** {@link decodeChunks} of texts. */
export const decodeText = (...chunks: ReadonlyArray<string>): Array<Sse.Event> => decodeChunks(chunks.map(bytes))

/** A Blob whose bytes cannot be read (a file removed after it was opened). */
export class UnreadableBlob extends Blob {
  constructor(readonly error: Error) {
    super(["never read"])
  }
  override stream() {
    const error = this.error
    return new ReadableStream<Uint8Array>({
      pull: (controller) => controller.error(error)
    }) as ReturnType<Blob["stream"]>
  }
}

/** A Responses API message output item with one part (default: output text). */
export const messageItem = (part: Record<string, unknown> | string) => ({
  id: "msg_1",
  type: "message",
  role: "assistant",
  status: "completed",
  content: [typeof part === "string" ? { type: "output_text", text: part, annotations: [], logprobs: [] } : part]
})

/** A response as the Responses API sends it: every required field, in their real shapes. */
export const responseBody = (output: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  id: "resp_1",
  object: "response",
  created_at: 1_764_000_000,
  status: "completed",
  model: "gpt-5",
  output,
  error: null,
  incomplete_details: null,
  instructions: null,
  metadata: {},
  parallel_tool_calls: true,
  temperature: 1,
  top_p: 1,
  tool_choice: "auto",
  tools: [],
  ...extra
})
