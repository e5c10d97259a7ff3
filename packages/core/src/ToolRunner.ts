/**
 * Runs a conversation with tools to its answer: the model is called with the toolkit's tools, the tool calls it
 * makes are answered by their handlers (concurrently, up to `concurrency`), their outputs go back to the model, and
 * so on until the model answers without calling a tool, or `maxSteps` model calls were made. The official SDK's
 * `runTools`, for Chat Completions and for the Responses API, as an Effect (the answer and the transcript) or as a
 * `Stream` of steps.
 *
 * ```ts
 * const run = yield* ToolRunner.chat({ model: "gpt-4.1", messages: [{ role: "user", content: "Weather in Paris?" }] }, handled)
 * run.answer // "It is 18 °C and sunny in Paris."
 * ```
 *
 * Interrupting the run stops it at once, the running tool handlers included. Failed tool calls go back to the model
 * (see `Toolkit.OnFailure`); a refusal is a `RefusalError`, an answer cut short an `IncompleteOutputError`, and a
 * model still calling tools after `maxSteps` calls a `ToolRunnerError` (`MaxSteps`) carrying the steps so far.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as Chat from "./Chat.js"
import * as Parsed from "./internal/parsed.js"
import type * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import * as Responses from "./Responses.js"
import type * as Tool from "./Tool.js"
import * as Toolkit from "./Toolkit.js"

/**
 * The run could not go on: `MaxSteps` (the model still called tools after `maxSteps` model calls; `steps` has the
 * whole transcript), `InvalidOptions` (nothing was sent).
 *
 * @since 0.2.0
 * @category errors
 */
export class ToolRunnerError extends Data.TaggedError("ToolRunnerError")<{
  readonly reason: "MaxSteps" | "InvalidOptions"
  readonly detail: string
  /** The run's steps so far (text deltas left out). */
  readonly steps: ReadonlyArray<Step<Chat.ChatCompletionSnapshot> | Step<Responses.Response>>
}> {
  override get message(): string {
    return `ToolRunner: ${this.detail}`
  }
}

/**
 * Options of a run.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The most model calls the run makes (default 10). */
  readonly maxSteps?: number | undefined
  /** How many tool calls of one model turn run at once (default 8). */
  readonly concurrency?: number | "unbounded" | undefined
  /** What becomes of a failed tool call (default `"return"`: it goes back to the model). */
  readonly onToolFailure?: Toolkit.OnFailure | undefined
  /** Stream each model turn, so the steps include its text as it comes (`TextDelta`). */
  readonly stream?: boolean | undefined
  /** Options of each model call (timeouts, retries). */
  readonly request?: OpenAiClient.StreamRequestOptions | undefined
}

/**
 * A piece of the model's text as it streams (runs with `stream: true`).
 *
 * @since 0.2.0
 * @category models
 */
export interface TextDelta {
  readonly _tag: "TextDelta"
  /** The model call it belongs to, from 1. */
  readonly step: number
  readonly delta: string
}

/**
 * A model call's result, with the tool calls it asks for (none when it is the answer).
 *
 * @since 0.2.0
 * @category models
 */
export interface ModelResponse<Model> {
  readonly _tag: "ModelResponse"
  readonly step: number
  readonly response: Model
  readonly toolCalls: ReadonlyArray<Toolkit.ToolCall>
}

/**
 * A tool call answered (in the order they finish; the outputs go back to the model in the order of the calls).
 *
 * @since 0.2.0
 * @category models
 */
export interface ToolResult {
  readonly _tag: "ToolResult"
  readonly step: number
  readonly outcome: Toolkit.Outcome
}

/**
 * The model's answer: the run's last step.
 *
 * @since 0.2.0
 * @category models
 */
export interface Answer<Model> {
  readonly _tag: "Answer"
  readonly step: number
  readonly answer: string
  readonly response: Model
}

/**
 * A step of a Chat Completions run. The answer carries the whole conversation (the messages sent, the assistant's
 * tool calls, the tools' outputs, the answer), ready for the next user turn.
 *
 * @since 0.2.0
 * @category models
 */
export type ChatStep =
  | TextDelta
  | ModelResponse<Chat.ChatCompletionSnapshot>
  | ToolResult
  | Answer<Chat.ChatCompletionSnapshot> & { readonly messages: ReadonlyArray<Chat.MessageParam> }

/**
 * A step of a Responses API run.
 *
 * @since 0.2.0
 * @category models
 */
export type ResponsesStep = TextDelta | ModelResponse<Responses.Response> | ToolResult | Answer<Responses.Response>

/**
 * A Chat Completions run's result: the answer, the last completion, the whole conversation, and every step but the
 * text deltas.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChatRun {
  readonly answer: string
  readonly completion: Chat.ChatCompletionSnapshot
  readonly messages: ReadonlyArray<Chat.MessageParam>
  readonly steps: ReadonlyArray<Exclude<ChatStep, TextDelta>>
}

/**
 * A Responses API run's result: the answer, the last response, and every step but the text deltas.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResponsesRun {
  readonly answer: string
  readonly response: Responses.Response
  readonly steps: ReadonlyArray<Exclude<ResponsesStep, TextDelta>>
}

/**
 * What a run may fail with besides the handlers' `ToolCallError` (with `onToolFailure: "fail"`).
 *
 * @since 0.2.0
 * @category models
 */
export type RunError =
  | OpenAiError.OpenAiError
  | Parsed.RefusalError
  | Parsed.IncompleteOutputError
  | ToolRunnerError
  | Toolkit.ToolCallError

// ---------------------------------------------------------------------------------------------------------------
// the loop, for either API
// ---------------------------------------------------------------------------------------------------------------

/** A step other than a text delta. */
type Step<Model> = ModelResponse<Model> | ToolResult | Answer<Model>

/** One model turn as it comes: text deltas, then the model's result. */
type TurnEvent<Model> = { readonly _tag: "Delta"; readonly delta: string } | {
  readonly _tag: "Done"
  readonly model: Model
}

/** What the loop needs of an API. */
interface Api<Model, State> {
  readonly turn: (state: State) => Stream.Stream<TurnEvent<Model>, RunError, OpenAiClient.OpenAiClient>
  readonly toolCalls: (model: Model) => ReadonlyArray<Toolkit.ToolCall>
  readonly answer: (model: Model) => Effect.Effect<string, Parsed.RefusalError | Parsed.IncompleteOutputError>
  readonly next: (state: State, model: Model, outcomes: ReadonlyArray<Toolkit.Outcome>) => State
  readonly final: (state: State, model: Model, answer: string) => Answer<Model>
}

const validated = (options: Options | undefined) => {
  const maxSteps = options?.maxSteps ?? 10
  const concurrency = options?.concurrency ?? 8
  if (!Number.isInteger(maxSteps) || maxSteps < 1) return `maxSteps must be a whole number ≥ 1 (got ${maxSteps})`
  if (concurrency !== "unbounded" && (!Number.isInteger(concurrency) || concurrency < 1)) {
    return `concurrency must be a whole number ≥ 1 or "unbounded" (got ${concurrency})`
  }
  return { maxSteps, concurrency, onFailure: options?.onToolFailure ?? "return" } as const
}

const loop = <Model, State, Tools extends Tool.Any, E, R>(
  api: Api<Model, State>,
  initial: State,
  handled: Toolkit.Handled<Tools, E, R>,
  options: Options | undefined
): Stream.Stream<
  TextDelta | ModelResponse<Model> | ToolResult | Answer<Model>,
  RunError,
  OpenAiClient.OpenAiClient | R
> => {
  const settings = validated(options)
  if (typeof settings === "string") {
    return Stream.fail(new ToolRunnerError({ reason: "InvalidOptions", detail: settings, steps: [] }))
  }
  const { concurrency, maxSteps, onFailure } = settings
  // the steps of this run, for a MaxSteps error: made afresh each time the stream runs
  let seen: Array<Step<Model>> = []
  const record = <A extends Step<Model>>(step: A): A => {
    seen.push(step)
    return step
  }
  const turn = (
    state: State,
    step: number
  ): Stream.Stream<
    TextDelta | ModelResponse<Model> | ToolResult | Answer<Model>,
    RunError,
    OpenAiClient.OpenAiClient | R
  > =>
    Stream.suspend(() => {
      let model: Option.Option<Model> = Option.none()
      const deltas = Stream.filterMap(api.turn(state), (event): Option.Option<TextDelta> => {
        if (event._tag === "Delta") return Option.some({ _tag: "TextDelta", step, delta: event.delta })
        model = Option.some(event.model)
        return Option.none()
      })
      return Stream.concat(
        deltas,
        Stream.suspend(() =>
          Option.match(model, {
            onNone: () => Stream.die(new Error("ToolRunner: a model turn ended without its result")),
            onSome: (model) => afterTurn(state, model, step)
          })
        )
      )
    })
  const afterTurn = (state: State, model: Model, step: number) => {
    const toolCalls = api.toolCalls(model)
    const response = Stream.succeed(
      record<ModelResponse<Model>>({ _tag: "ModelResponse", step, response: model, toolCalls })
    )
    if (toolCalls.length === 0) {
      return Stream.concat(
        response,
        Stream.fromEffect(
          Effect.map(api.answer(model), (answer) => record({ ...api.final(state, model, answer), step }))
        )
      )
    }
    if (step >= maxSteps) {
      return Stream.concat(
        response,
        Stream.suspend(() =>
          Stream.fail(
            new ToolRunnerError({
              reason: "MaxSteps",
              detail: `the model still called tools after ${maxSteps} model calls (maxSteps)`,
              // Model is one of the two APIs' results
              steps: [...seen] as unknown as ToolRunnerError["steps"]
            })
          )
        )
      )
    }
    const outcomes: Array<Toolkit.Outcome> = new Array(toolCalls.length)
    const results = Stream.mergeAll(
      toolCalls.map((call, index) =>
        Stream.fromEffect(Effect.map(Toolkit.execute(handled, call, onFailure), (outcome): ToolResult => {
          outcomes[index] = outcome
          return record({ _tag: "ToolResult", step, outcome })
        }))
      ),
      { concurrency }
    )
    return response.pipe(
      Stream.concat(results),
      Stream.concat(Stream.suspend(() => turn(api.next(state, model, outcomes), step + 1)))
    )
  }
  return Stream.suspend(() => {
    seen = []
    return turn(initial, 1)
  })
}

/** Runs a run's steps to the answer, keeping every step but the text deltas. */
const collect = <S extends { readonly _tag: string }, R>(
  steps: Stream.Stream<S, RunError, R>
): Effect.Effect<
  { readonly steps: Array<Exclude<S, TextDelta>>; readonly answer: Extract<S, { readonly _tag: "Answer" }> },
  RunError,
  R
> =>
  Effect.map(
    Stream.runFold(steps, [] as Array<Exclude<S, TextDelta>>, (all, step) => {
      if (step._tag !== "TextDelta") all.push(step as Exclude<S, TextDelta>)
      return all
    }),
    // the stream ends with its answer, or fails
    (all) => ({ steps: all, answer: all[all.length - 1] as unknown as Extract<S, { readonly _tag: "Answer" }> })
  )

// ---------------------------------------------------------------------------------------------------------------
// Chat Completions
// ---------------------------------------------------------------------------------------------------------------

/**
 * The parameters of a Chat Completions run: those of `Chat.completions.create`; the toolkit's tools are added to
 * `tools`.
 *
 * @since 0.2.0
 * @category models
 */
export type ChatParams = Omit<Chat.ChatCompletionCreateParams, "stream">

const chatToolCalls = (completion: Chat.ChatCompletionSnapshot): ReadonlyArray<Toolkit.ToolCall> => {
  const calls: Array<Toolkit.ToolCall> = []
  for (const call of completion.choices[0]?.message.tool_calls ?? []) {
    if (call.type === "function") {
      calls.push({ id: call.id, name: call.function.name, arguments: call.function.arguments })
    } else if (call.type === "custom") calls.push({ id: call.id, name: call.custom.name, arguments: call.custom.input })
  }
  return calls
}

/** The assistant message that asked for the calls, as it goes back in `messages`. */
const assistantMessage = (completion: Chat.ChatCompletionSnapshot): Chat.MessageParam => {
  const message = completion.choices[0]!.message
  return {
    role: "assistant",
    content: message.content,
    ...(message.tool_calls != null ? { tool_calls: message.tool_calls } : {})
  }
}

/**
 * Runs a Chat Completions conversation with tools, as a `Stream` of steps: each model call's result
 * (`ModelResponse`), each tool call's outcome (`ToolResult`), the text as it comes with `stream: true`
 * (`TextDelta`), and last the `Answer`. Only the first choice is followed.
 *
 * @since 0.2.0
 * @category running
 */
export const chatStream = <Tools extends Tool.Any, E, R>(
  params: ChatParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: Options
): Stream.Stream<ChatStep, RunError, OpenAiClient.OpenAiClient | R> => {
  const tools = [...(params.tools ?? []), ...handled.toolkit.chat]
  const api: Api<Chat.ChatCompletionSnapshot, ReadonlyArray<Chat.MessageParam>> = {
    turn: (messages) => {
      const body = { ...params, messages, tools }
      if (options?.stream !== true) {
        return Stream.fromEffect(
          Effect.map(Chat.completions.create(body, options?.request), (model) => ({ _tag: "Done", model } as const))
        )
      }
      return Stream.suspend(() => {
        const accumulator = new Chat.ChatCompletionAccumulator()
        return Chat.completions.stream(body, options.request).pipe(
          Stream.mapConcat((chunk): ReadonlyArray<TurnEvent<Chat.ChatCompletionSnapshot>> => {
            accumulator.add(chunk)
            const delta = chunk.choices.find((choice) => choice.index === 0)?.delta.content
            return delta == null || delta === "" ? [] : [{ _tag: "Delta", delta }]
          }),
          Stream.concat(Stream.sync(() => ({ _tag: "Done", model: accumulator.snapshot() } as const)))
        )
      })
    },
    toolCalls: chatToolCalls,
    answer: (completion) => Parsed.choiceText(completion.choices[0], completion),
    next: (messages, completion, outcomes) => [
      ...messages,
      assistantMessage(completion),
      ...outcomes.map((outcome): Chat.MessageParam => ({
        role: "tool",
        tool_call_id: outcome.call.id,
        content: outcome.output
      }))
    ],
    final: (messages, completion, answer) => ({
      _tag: "Answer",
      step: 0,
      answer,
      response: completion,
      messages: [...messages, { role: "assistant", content: answer }]
    } as Answer<Chat.ChatCompletionSnapshot>)
  }
  return loop(api, params.messages, handled, options) as Stream.Stream<
    ChatStep,
    RunError,
    OpenAiClient.OpenAiClient | R
  >
}

/**
 * Runs a Chat Completions conversation with tools to its answer: the answer text, the last completion, the whole
 * conversation and the steps (see {@link chatStream}).
 *
 * @since 0.2.0
 * @category running
 */
export const chat = <Tools extends Tool.Any, E, R>(
  params: ChatParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: Options
): Effect.Effect<ChatRun, RunError, OpenAiClient.OpenAiClient | R> =>
  Effect.map(collect(chatStream(params, handled, options)), ({ answer, steps }) => ({
    answer: answer.answer,
    completion: answer.response,
    messages: answer.messages,
    steps
  }))

// ---------------------------------------------------------------------------------------------------------------
// Responses API
// ---------------------------------------------------------------------------------------------------------------

/**
 * The parameters of a Responses API run: those of `Responses.create`; the toolkit's tools are added to `tools`.
 * With `store: false` every turn resends the whole conversation as `input` (add `include:
 * ["reasoning.encrypted_content"]` for reasoning models); otherwise each turn chains to the last with
 * `previous_response_id` and sends only the tools' outputs.
 *
 * @since 0.2.0
 * @category models
 */
export type ResponsesParams = Omit<Responses.CreateParams, "stream">

interface ResponsesState {
  readonly input: Responses.CreateParams["input"]
  readonly previous: string | undefined
}

const responsesToolCalls = (response: Responses.Response): ReadonlyArray<Toolkit.ToolCall> => {
  const calls: Array<Toolkit.ToolCall> = []
  for (const item of response.output as ReadonlyArray<unknown>) {
    if (isRecord(item) && item.type === "function_call" && typeof item.name === "string") {
      calls.push({
        id: String(item.call_id),
        name: item.name,
        arguments: typeof item.arguments === "string" ? item.arguments : ""
      })
    }
  }
  return calls
}

const asItems = (input: Responses.CreateParams["input"]): ReadonlyArray<unknown> =>
  typeof input === "string" ? [{ role: "user", content: input }] : input ?? []

/**
 * Runs a Responses API conversation with tools, as a `Stream` of steps (see {@link chatStream}); function calls are
 * answered with `function_call_output` items.
 *
 * @since 0.2.0
 * @category running
 */
export const responsesStream = <Tools extends Tool.Any, E, R>(
  params: ResponsesParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: Options
): Stream.Stream<ResponsesStep, RunError, OpenAiClient.OpenAiClient | R> => {
  const tools = [...(params.tools ?? []), ...handled.toolkit.responses] as Responses.CreateParams["tools"]
  const chained = params.store !== false
  const api: Api<Responses.Response, ResponsesState> = {
    turn: (state) => {
      const body: Responses.CreateParams = {
        ...params,
        tools,
        input: state.input,
        ...(state.previous !== undefined ? { previous_response_id: state.previous } : {})
      }
      if (options?.stream !== true) {
        return Stream.fromEffect(
          Effect.map(Responses.create(body, options?.request), (model) => ({ _tag: "Done", model } as const))
        )
      }
      return Stream.suspend(() => {
        const accumulator = new Responses.ResponseAccumulator()
        return Responses.stream(body, options.request).pipe(
          Stream.mapConcat((event): ReadonlyArray<TurnEvent<Responses.Response>> => {
            accumulator.add(event)
            return event.type === "response.output_text.delta" && typeof event.delta === "string" &&
                event.delta !== ""
              ? [{ _tag: "Delta", delta: event.delta }]
              : []
          }),
          Stream.concat(Stream.suspend(() => {
            const model = accumulator.snapshot()
            return model === undefined
              ? Stream.die(new Error("ToolRunner: a response stream ended without a response"))
              : Stream.succeed({ _tag: "Done", model } as const)
          }))
        )
      })
    },
    toolCalls: responsesToolCalls,
    answer: Parsed.responseText,
    next: (state, response, outcomes) => {
      const outputs = outcomes.map((outcome) => ({
        type: "function_call_output" as const,
        call_id: outcome.call.id,
        output: outcome.output
      }))
      return chained
        ? { input: outputs as Responses.CreateParams["input"], previous: response.id }
        : {
          input: [...asItems(state.input), ...response.output, ...outputs] as Responses.CreateParams["input"],
          previous: state.previous
        }
    },
    final: (_, response, answer) => ({ _tag: "Answer", step: 0, answer, response })
  }
  return loop(api, { input: params.input, previous: params.previous_response_id ?? undefined }, handled, options)
}

/**
 * Runs a Responses API conversation with tools to its answer: the answer text, the last response and the steps (see
 * {@link responsesStream}).
 *
 * @since 0.2.0
 * @category running
 */
export const responses = <Tools extends Tool.Any, E, R>(
  params: ResponsesParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: Options
): Effect.Effect<ResponsesRun, RunError, OpenAiClient.OpenAiClient | R> =>
  Effect.map(collect(responsesStream(params, handled, options)), ({ answer, steps }) => ({
    answer: answer.answer,
    response: answer.response,
    steps
  }))
