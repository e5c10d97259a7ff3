/**
 * A scripted model for the mock API of `OpenAiTest` and `MockServer`: it reads each chat completion or response
 * request as one normalized {@link Conversation} and answers it with a {@link Turn} — text, or calls to the
 * request's function tools — rendered as OpenAI renders it, plain or streamed. So a tool-calling loop runs end to
 * end without the real API.
 *
 * ```ts
 * const model = MockModel.script(
 *   MockModel.toolCalls({ name: "get_weather", arguments: { city: "Paris" } }),
 *   (conversation) => MockModel.text(`It is ${conversation.messages.at(-1)?.content}.`)
 * )
 * const layer = OpenAiTest.layer({ model }) // or MockServer.make({ model })
 * ```
 *
 * @since 0.2.0
 */
import { isRecord } from "effect/Predicate"
import { formatSchema, requestFormat, simplestValue } from "./internal/mockReply.js"

/**
 * What the mock model sees of a request, the same for both APIs.
 *
 * @since 0.2.0
 * @category models
 */
export interface Conversation {
  /** `chat` for `POST /chat/completions`, `responses` for `POST /responses`. */
  readonly api: "chat" | "responses"
  readonly model: string
  /**
   * The whole conversation, oldest first, normalized: text content as a string, tool calls and their results as
   * their own messages. For the Responses API, `instructions` come first as a `system` message, then (with
   * `previous_response_id`) the stored input and output of the earlier responses of the chain, then the request's
   * `input`.
   */
  readonly messages: ReadonlyArray<Message>
  /** The request's function tools (other kinds of tools are left out). */
  readonly tools: ReadonlyArray<FunctionTool>
  /** The request's `tool_choice` as sent (`"auto"`, `"required"`, `"none"`, a named function...), if any. */
  readonly toolChoice: unknown
  /** The raw request body. */
  readonly body: Record<string, unknown>
}

/**
 * A message of a {@link Conversation}.
 *
 * @since 0.2.0
 * @category models
 */
export type Message =
  | { readonly role: "system" | "developer" | "user"; readonly content: string }
  | { readonly role: "assistant"; readonly content: string; readonly toolCalls: ReadonlyArray<MessageToolCall> }
  | { readonly role: "tool"; readonly toolCallId: string; readonly content: string }

/**
 * A function call an assistant message of the conversation made.
 *
 * @since 0.2.0
 * @category models
 */
export interface MessageToolCall {
  readonly id: string
  readonly name: string
  /** The arguments as JSON text, as sent. */
  readonly arguments: string
}

/**
 * A function tool the request offers: chat's `{ type: "function", function: { name, ... } }` or the Responses API's
 * `{ type: "function", name, ... }`.
 *
 * @since 0.2.0
 * @category models
 */
export interface FunctionTool {
  readonly name: string
  readonly description?: string | undefined
  /** The JSON schema of the arguments, as sent (`undefined` when there is none). */
  readonly parameters: unknown
}

/**
 * A function call the model answers with. `arguments` is sent as its JSON, or as it is when a string (so malformed
 * arguments can be tested too). The id defaults to `call_mock<n>`, numbered across the mock API.
 *
 * @since 0.2.0
 * @category models
 */
export interface ToolCall {
  readonly name: string
  readonly arguments: unknown
  readonly id?: string | undefined
}

/**
 * What the model answers: text, or calls to functions (`finish_reason: "tool_calls"` in a chat completion,
 * `function_call` output items in a response).
 *
 * @since 0.2.0
 * @category models
 */
export type Turn =
  | { readonly _tag: "Text"; readonly text: string }
  | { readonly _tag: "ToolCalls"; readonly calls: ReadonlyArray<ToolCall> }

/**
 * A mock model: the turn it answers a conversation with; `undefined` gives the default mock reply (the one without
 * a model: `This is a mock reply to: <last user message>`, or the simplest value of a `json_schema` format).
 *
 * @since 0.2.0
 * @category models
 */
export type MockModel = (conversation: Conversation) => Turn | undefined

/**
 * A text answer.
 *
 * @since 0.2.0
 * @category constructors
 */
export const text = (text: string): Turn => ({ _tag: "Text", text })

/**
 * An answer that calls functions, in order.
 *
 * @since 0.2.0
 * @category constructors
 */
export const toolCalls = (...calls: readonly [ToolCall, ...Array<ToolCall>]): Turn => ({ _tag: "ToolCalls", calls })

/**
 * A model that answers each request with the next step: a turn, or a function of the conversation (a turn, or
 * `undefined` for the default reply — another `MockModel`, such as {@link toolCaller}, fits). After the last step it
 * gives the default reply.
 *
 * It is stateful: the model value counts the requests it answered, so make one per test (a value shared by two
 * servers or layers, or reused across tests, goes on from where it was). Only chat completion and response requests
 * that reach the model count (not those answered with an error before it: a wrong key, a fault, a 400).
 *
 * @since 0.2.0
 * @category constructors
 */
export const script = (...steps: ReadonlyArray<Turn | MockModel>): MockModel => {
  let next = 0
  return (conversation) => {
    if (next >= steps.length) return undefined
    const step = steps[next++]!
    return typeof step === "function" ? step(conversation) : step
  }
}

/** The function `tool_choice` names: chat's `{ function: { name } }` or the Responses API's `{ name }`. */
const chosenName = (toolChoice: unknown): string | undefined =>
  !isRecord(toolChoice) || toolChoice.type !== "function"
    ? undefined
    : isRecord(toolChoice.function) && typeof toolChoice.function.name === "string"
    ? toolChoice.function.name
    : typeof toolChoice.name === "string"
    ? toolChoice.name
    : undefined

/**
 * A deterministic tool-calling model. When tool results follow the last user message, it answers text naming them
 * (`The tools answered: <content>; <content>`), or, when the request has a `json_schema` format (Chat's
 * `response_format`, the Responses API's `text.format`), the default reply: the simplest value of the format.
 * Otherwise, when the request offers function tools (and `tool_choice` is not `"none"`), it calls the one
 * `tool_choice` names, or the first, with the simplest arguments its parameters allow (as a `json_schema` format is
 * answered: `""`, `0`, `false`, the first enum member, every property). Without tools it gives the default reply.
 *
 * @since 0.2.0
 * @category models
 */
export const toolCaller: MockModel = (conversation) => {
  const messages = conversation.messages
  let lastUser = messages.length - 1
  while (lastUser >= 0 && messages[lastUser]!.role !== "user") lastUser--
  const results = messages.slice(lastUser + 1).flatMap((message) => message.role === "tool" ? [message.content] : [])
  if (results.length > 0) {
    return formatSchema(requestFormat(conversation.body)) !== undefined
      ? undefined
      : text(`The tools answered: ${results.join("; ")}`)
  }
  if (conversation.toolChoice === "none") return undefined
  const name = chosenName(conversation.toolChoice)
  const tool = conversation.tools.find((tool) => tool.name === name) ?? conversation.tools[0]
  if (tool === undefined) return undefined
  const value = simplestValue(tool.parameters)
  return toolCalls({ name: tool.name, arguments: isRecord(value) ? value : {} })
}
