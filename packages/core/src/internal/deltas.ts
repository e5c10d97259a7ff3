/**
 * The text a stream event adds to the answer, one rule per API, for the helpers that follow an answer as it streams
 * (`textDeltas`, `streamParse`, the tool runner).
 *
 * @internal
 */
import type { CreateChatCompletionStreamResponse } from "../generated/Chat.js"
import type { ResponseStreamEvent } from "../generated/Responses.js"

/** The first choice's content delta of a chat chunk; `undefined` when there is none or it is empty. @internal */
export const chatContentDelta = (chunk: CreateChatCompletionStreamResponse): string | undefined => {
  for (const choice of chunk.choices) {
    if (choice.index === 0) {
      const content = choice.delta.content
      return content === undefined || content === null || content === "" ? undefined : content
    }
  }
  return undefined
}

/** The output text delta of a Responses event; `undefined` for other events and empty deltas. @internal */
export const responseTextDelta = (event: ResponseStreamEvent): string | undefined =>
  event.type === "response.output_text.delta" && typeof event.delta === "string" && event.delta !== ""
    ? event.delta
    : undefined
