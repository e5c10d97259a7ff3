/**
 * The Responses API: create a response (`Responses.create`, or `Responses.stream` for its typed events), retrieve,
 * cancel, delete, compact it, list its input items, count input tokens; `Responses.parse` for structured outputs.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Generated from "./generated/Responses.js"
import * as Parsed from "./internal/parsed.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"

export * from "./generated/Responses.js"

/**
 * A response with `output_parsed`: its output text decoded with the format's schema.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedResponse<A> = Generated.Response & { readonly output_parsed: A }

const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null

/**
 * Creates a response in a structured output format (`ResponseFormat.fromSchema`, sent as `text.format`) and decodes
 * its output text into `output_parsed`, as the official SDK's `parse`. A refusal fails with `RefusalError`, a
 * response cut short (`incomplete`: `max_output_tokens`, `content_filter`) with `IncompleteOutputError`, an answer
 * the schema does not decode with `ResponseDecodeError` naming the path.
 *
 * @since 0.2.0
 * @category operations
 */
export const parse = <A>(
  params: Omit<Generated.CreateParams, "text" | "stream">,
  format: Parsed.Decoder<A> & { readonly text: NonNullable<Generated.CreateParams["text"]> },
  options?: OpenAiClient.RequestOptions
): Effect.Effect<
  ParsedResponse<A>,
  OpenAiError.OpenAiError | Parsed.RefusalError | Parsed.IncompleteOutputError,
  OpenAiClient.OpenAiClient
> =>
  Effect.gen(function*() {
    const { data, response } = yield* Parsed.withMeta(Generated.create({ ...params, text: format.text }, options))
    if (data.status === "incomplete") {
      const reason = isRecord(data.incomplete_details) ? data.incomplete_details.reason : undefined
      return yield* new Parsed.IncompleteOutputError({ reason: String(reason ?? "incomplete"), output: data })
    }
    let text = ""
    for (const item of data.output as ReadonlyArray<unknown>) {
      if (!isRecord(item) || item.type !== "message" || !Array.isArray(item.content)) continue
      for (const part of item.content as ReadonlyArray<unknown>) {
        if (!isRecord(part)) continue
        if (part.type === "refusal" && typeof part.refusal === "string") {
          return yield* new Parsed.RefusalError({ refusal: part.refusal, output: data })
        }
        if (part.type === "output_text" && typeof part.text === "string") text += part.text
      }
    }
    const client = yield* OpenAiClient.OpenAiClient
    const request = { method: "POST", url: `${client.baseURL}/responses` }
    const parsed = yield* Parsed.decodeAnswer(format, text, request, response)
    return { ...data, output_parsed: parsed }
  })
