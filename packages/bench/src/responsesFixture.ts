/**
 * Writes `packages/bench/fixtures/responses-stream.sse`: a Responses API stream as the API sends it (`event:` and
 * `data:` lines, `sequence_number`, `obfuscation` on deltas), deterministic (a seeded generator, fixed ids and times):
 * response.created and in_progress; a reasoning item whose summary comes in 150 deltas; a message whose text comes in
 * 2,000 output_text deltas; a function call whose arguments come in deltas; the `.done` event of each; and
 * response.completed, whose response carries the same output. Read by `responses.ts`.
 *
 *   TSX_TSCONFIG_PATH=tsconfig.json node --import tsx packages/bench/src/responsesFixture.ts
 */
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

export const fixturePath = fileURLToPath(new URL("../fixtures/responses-stream.sse", import.meta.url))

/** A seeded generator (mulberry32), so the file is the same on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const next = random(20261201)
const pick = <A>(list: ReadonlyArray<A>): A => list[Math.floor(next() * list.length)]!
const alphanumeric = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
const token = (length: number) => Array.from({ length }, () => pick([...alphanumeric])).join("")
const hex = (length: number) => Array.from({ length }, () => pick([..."0123456789abcdef"])).join("")

const words = [
  "the",
  "forecast",
  "for",
  "Lyon",
  "this",
  "week",
  "shows",
  "a",
  "mild",
  "start",
  "with",
  "clouds",
  "and",
  "light",
  "rain",
  "on",
  "Tuesday",
  "temperatures",
  "between",
  "9",
  "and",
  "14",
  "°C",
  "wind",
  "from",
  "south-west",
  "café",
  "terraces",
  "will",
  "be",
  "open",
  "by",
  "Thursday",
  "when",
  "sun",
  "returns",
  "pack",
  "an",
  "umbrella",
  "layers",
  "evenings",
  "are",
  "cooler",
  "near",
  "river",
  "Rhône",
  "Saône",
  "markets",
  "morning",
  "afternoon",
  "is",
  "best",
  "walk",
  "old",
  "town",
  "museums",
  "if",
  "it",
  "rains",
  "weekend",
  "looks",
  "dry",
  "—",
  "mostly",
  "clear"
]

/** Model-like text deltas: a word with its leading space, punctuation alone, long words split in two. */
const textDeltas = (count: number): Array<string> => {
  const deltas: Array<string> = []
  let sentence = 0
  while (deltas.length < count) {
    const word = pick(words)
    const first = sentence === 0 ? word[0]!.toUpperCase() + word.slice(1) : word
    const spaced = deltas.length === 0 || deltas.at(-1)!.endsWith("\n") ? first : ` ${first}`
    if (spaced.length > 8 && next() < 0.5) deltas.push(spaced.slice(0, 5), spaced.slice(5))
    else deltas.push(spaced)
    sentence++
    if (sentence > 8 && next() < 0.2) {
      deltas.push(next() < 0.15 ? ".\n\n" : pick([".", ".", "!", ";"]))
      sentence = 0
    } else if (next() < 0.08) deltas.push(",")
  }
  return deltas.slice(0, count)
}

/** A JSON text cut where a streaming model cuts it: a few characters a delta. */
const jsonDeltas = (text: string): Array<string> => {
  const deltas: Array<string> = []
  for (let i = 0; i < text.length;) {
    const length = 1 + Math.floor(next() * 5)
    deltas.push(text.slice(i, i + length))
    i += length
  }
  return deltas
}

const ids = {
  response: `resp_${hex(48)}`,
  reasoning: `rs_${hex(48)}`,
  message: `msg_${hex(48)}`,
  call: `fc_${hex(48)}`,
  callId: `call_${token(24)}`
}

const tool = {
  type: "function",
  name: "get_forecast",
  description: "The weather forecast for a city, day by day.",
  parameters: {
    type: "object",
    properties: {
      city: { type: "string" },
      days: { type: "integer" },
      units: { type: "string", enum: ["celsius", "fahrenheit"] },
      include: { type: "array", items: { type: "string" } }
    },
    required: ["city", "days", "units", "include"],
    additionalProperties: false
  },
  strict: true
}

const response = (status: string, output: ReadonlyArray<unknown>, usage: unknown) => ({
  id: ids.response,
  object: "response",
  created_at: 1_764_547_200,
  status,
  background: false,
  error: null,
  incomplete_details: null,
  instructions: null,
  max_output_tokens: null,
  max_tool_calls: null,
  model: "gpt-5-2025-08-07",
  output,
  parallel_tool_calls: true,
  previous_response_id: null,
  prompt_cache_key: null,
  reasoning: { effort: "medium", summary: "detailed" },
  safety_identifier: null,
  service_tier: "default",
  store: true,
  temperature: 1,
  text: { format: { type: "text" }, verbosity: "medium" },
  tool_choice: "auto",
  tools: [tool],
  top_logprobs: 0,
  top_p: 1,
  truncation: "disabled",
  usage,
  user: null,
  metadata: {}
})

/** The events of the stream, in order, each with its `sequence_number`. */
export const responsesStreamEvents = (): Array<Record<string, unknown>> => {
  const summaryDeltas = textDeltas(150)
  const messageDeltas = textDeltas(2_000)
  const args = JSON.stringify({
    city: "Lyon, France",
    days: 7,
    units: "celsius",
    include: ["temperature", "precipitation", "wind", "humidity", "uv_index", "sunrise", "sunset"]
  })
  const argumentDeltas = jsonDeltas(args)
  const summary = summaryDeltas.join("")
  const text = messageDeltas.join("")

  const reasoning = { id: ids.reasoning, type: "reasoning", summary: [{ type: "summary_text", text: summary }] }
  const textPart = { type: "output_text", annotations: [], logprobs: [], text }
  const message = { id: ids.message, type: "message", status: "completed", content: [textPart], role: "assistant" }
  const call = {
    id: ids.call,
    type: "function_call",
    status: "completed",
    arguments: args,
    call_id: ids.callId,
    name: "get_forecast"
  }
  const usage = {
    input_tokens: 412,
    input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
    output_tokens: 2_310,
    output_tokens_details: { reasoning_tokens: 256 },
    total_tokens: 2_722
  }

  const events: Array<Record<string, unknown>> = []
  const add = (type: string, fields: Record<string, unknown>) =>
    events.push({ type, sequence_number: events.length, ...fields })
  // the API pads each delta with random characters (`obfuscation`) so its length says nothing
  const obfuscation = (delta: string) => token(Math.max(2, 16 - delta.length))

  add("response.created", { response: response("in_progress", [], null) })
  add("response.in_progress", { response: response("in_progress", [], null) })

  const at0 = { item_id: ids.reasoning, output_index: 0 }
  add("response.output_item.added", { output_index: 0, item: { id: ids.reasoning, type: "reasoning", summary: [] } })
  add("response.reasoning_summary_part.added", {
    ...at0,
    summary_index: 0,
    part: { type: "summary_text", text: "" }
  })
  for (const delta of summaryDeltas) {
    add("response.reasoning_summary_text.delta", { ...at0, summary_index: 0, delta, obfuscation: obfuscation(delta) })
  }
  add("response.reasoning_summary_text.done", { ...at0, summary_index: 0, text: summary })
  add("response.reasoning_summary_part.done", {
    ...at0,
    summary_index: 0,
    part: { type: "summary_text", text: summary }
  })
  add("response.output_item.done", { output_index: 0, item: reasoning })

  const at1 = { item_id: ids.message, output_index: 1, content_index: 0 }
  add("response.output_item.added", {
    output_index: 1,
    item: { id: ids.message, type: "message", status: "in_progress", content: [], role: "assistant" }
  })
  add("response.content_part.added", { ...at1, part: { type: "output_text", annotations: [], logprobs: [], text: "" } })
  for (const delta of messageDeltas) {
    add("response.output_text.delta", { ...at1, delta, logprobs: [], obfuscation: obfuscation(delta) })
  }
  add("response.output_text.done", { ...at1, text, logprobs: [] })
  add("response.content_part.done", { ...at1, part: textPart })
  add("response.output_item.done", { output_index: 1, item: message })

  const at2 = { item_id: ids.call, output_index: 2 }
  add("response.output_item.added", { output_index: 2, item: { ...call, status: "in_progress", arguments: "" } })
  for (const delta of argumentDeltas) {
    add("response.function_call_arguments.delta", { ...at2, delta, obfuscation: obfuscation(delta) })
  }
  add("response.function_call_arguments.done", { ...at2, name: "get_forecast", arguments: args })
  add("response.output_item.done", { output_index: 2, item: call })

  add("response.completed", { response: response("completed", [reasoning, message, call], usage) })
  return events
}

/** The stream's bytes: one `event:` + `data:` block per event. */
export const responsesStreamSse = (): string =>
  responsesStreamEvents().map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join("")

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(fixturePath, responsesStreamSse())
  process.stdout.write(`wrote ${fixturePath}\n`)
}
