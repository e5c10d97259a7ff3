/**
 * How the mock API consults a `MockModel`: a request read as one normalized conversation (chat messages, or the
 * Responses API's input items and the chain of stored responses before it), and the model's turn with its calls
 * given ids.
 *
 * @internal
 */
import { isRecord } from "effect/Predicate"
import type * as MockModel from "../MockModel.js"
import type { SentCall } from "./mockReply.js"
import { argumentsText, textOf } from "./mockReply.js"

/** A mock API's model and the function calls it made so far (their ids are numbered across the API). @internal */
export interface ModelState {
  readonly model: MockModel.MockModel
  calls: number
}

/** @internal */
export const makeModelState = (model: MockModel.MockModel | undefined): ModelState | undefined =>
  model === undefined ? undefined : { model, calls: 0 }

/** The model's answer, its calls ready to send; `undefined` for the default reply. @internal */
export type Answer =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "ToolCalls"; readonly calls: ReadonlyArray<SentCall> }

/** Asks the model. @internal */
export const answer = (state: ModelState, conversation: MockModel.Conversation): Answer | undefined => {
  const turn = state.model(conversation)
  if (turn === undefined || turn._tag === "Text") return turn
  return {
    _tag: "ToolCalls",
    calls: turn.calls.map((call) => {
      state.calls += 1
      return {
        id: call.id ?? `call_mock${state.calls}`,
        itemId: `fc_mock${state.calls}`,
        name: call.name,
        arguments: argumentsText(call.arguments)
      }
    })
  }
}

const stringOf = (value: unknown): string => typeof value === "string" ? value : ""

const functionTools = (tools: unknown): Array<MockModel.FunctionTool> =>
  Array.isArray(tools)
    ? tools.flatMap((tool): Array<MockModel.FunctionTool> => {
      if (!isRecord(tool) || tool.type !== "function") return []
      // chat nests the function; the Responses API does not
      const fields = isRecord(tool.function) ? tool.function : tool
      return typeof fields.name === "string"
        ? [{
          name: fields.name,
          description: typeof fields.description === "string" ? fields.description : undefined,
          parameters: fields.parameters
        }]
        : []
    })
    : []

const chatMessage = (message: unknown): Array<MockModel.Message> => {
  if (!isRecord(message)) return []
  switch (message.role) {
    case "system":
    case "developer":
    case "user":
      return [{ role: message.role, content: textOf(message.content) }]
    case "assistant":
      return [{
        role: "assistant",
        content: textOf(message.content),
        toolCalls: Array.isArray(message.tool_calls)
          ? message.tool_calls.flatMap((call) =>
            isRecord(call) && isRecord(call.function)
              ? [{
                id: stringOf(call.id),
                name: stringOf(call.function.name),
                arguments: stringOf(call.function.arguments)
              }]
              : []
          )
          : []
      }]
    case "tool":
      return [{ role: "tool", toolCallId: stringOf(message.tool_call_id), content: textOf(message.content) }]
    default:
      return []
  }
}

/** A chat completion request as the model sees it. @internal */
export const chatConversation = (
  model: string,
  messages: ReadonlyArray<unknown>,
  body: Record<string, unknown>
): MockModel.Conversation => ({
  api: "chat",
  model,
  messages: messages.flatMap(chatMessage),
  tools: functionTools(body.tools),
  toolChoice: body.tool_choice,
  body
})

/**
 * The messages of Responses API items (a request's `input`, or a stored response's `output`): messages by role,
 * `function_call` items as the calls of an assistant message (consecutive ones in one), `function_call_output` items
 * as tool messages; other items are left out.
 *
 * @internal
 */
export const itemMessages = (items: unknown): Array<MockModel.Message> => {
  if (typeof items === "string") return [{ role: "user", content: items }]
  if (!Array.isArray(items)) return []
  const messages: Array<MockModel.Message> = []
  for (const item of items) {
    if (!isRecord(item)) continue
    if (item.type === "function_call") {
      const call = { id: stringOf(item.call_id), name: stringOf(item.name), arguments: stringOf(item.arguments) }
      const last = messages[messages.length - 1]
      if (last?.role === "assistant") messages[messages.length - 1] = { ...last, toolCalls: [...last.toolCalls, call] }
      else messages.push({ role: "assistant", content: "", toolCalls: [call] })
    } else if (item.type === "function_call_output") {
      messages.push({ role: "tool", toolCallId: stringOf(item.call_id), content: textOf(item.output) })
    } else if (item.type === undefined || item.type === "message") {
      if (item.role === "assistant") {
        messages.push({ role: "assistant", content: textOf(item.content), toolCalls: [] })
      } else if (item.role === "system" || item.role === "developer" || item.role === "user") {
        messages.push({ role: item.role, content: textOf(item.content) })
      }
    }
  }
  return messages
}

/** A Responses API request as the model sees it, after the messages of the responses it follows. @internal */
export const responsesConversation = (
  model: string,
  earlier: ReadonlyArray<MockModel.Message>,
  body: Record<string, unknown>
): MockModel.Conversation => ({
  api: "responses",
  model,
  messages: [
    ...(typeof body.instructions === "string" ? [{ role: "system" as const, content: body.instructions }] : []),
    ...earlier,
    ...itemMessages(body.input)
  ],
  tools: functionTools(body.tools),
  toolChoice: body.tool_choice,
  body
})
