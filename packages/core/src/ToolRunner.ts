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
 * model still calling tools after `maxSteps` calls a `ToolRunnerError` (`MaxSteps`) carrying the steps so far. With a
 * `format` (`ResponseFormat.fromSchema`) the answer is also decoded: `parsed`, or a `ResponseDecodeError`.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { isRecord } from "effect/Predicate"
import * as Stream from "effect/Stream"
import * as Chat from "./Chat.js"
import { chatContentDelta, responseTextDelta } from "./internal/deltas.js"
import * as Parsed from "./internal/parsed.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import type * as ResponseFormat from "./ResponseFormat.js"
import type * as ResponseMeta from "./ResponseMeta.js"
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
export interface Options<E = unknown> {
  /** The most model calls the run makes (default 10). */
  readonly maxSteps?: number | undefined
  /** How many tool calls of one model turn run at once (default 8). */
  readonly concurrency?: number | "unbounded" | undefined
  /** What becomes of a failed tool call (default `"return"`: it goes back to the model). */
  readonly onToolFailure?: Toolkit.OnFailure<E> | undefined
  /** Stream each model turn, so the steps include its text as it comes (`TextDelta`). */
  readonly stream?: boolean | undefined
  /** Options of each model call (timeouts, retries). */
  readonly request?: OpenAiClient.StreamRequestOptions | undefined
}

/**
 * Options of a run whose answer is structured: `format` (`ResponseFormat.fromSchema`) is sent with every model call
 * (Chat: `response_format`, in place of the parameters' own; Responses: `text.format`, the parameters' other `text`
 * settings kept), so the model answers in it once it calls no more tools, and the answer is decoded with it (the
 * run's and the `Answer` step's `parsed`). An answer the schema does not decode is a `ResponseDecodeError` with the
 * path; tool calls are not affected (their arguments follow each tool's own schema).
 *
 * @since 0.2.0
 * @category models
 */
export interface FormatOptions<E, A, I = A> extends Options<E> {
  readonly format: ResponseFormat.ResponseFormat<A, I>
}

/**
 * The decoded answer of a run with a `format`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ParsedAnswer<A> {
  readonly parsed: A
}

/**
 * The steps of a run with a `format`: the same, the `Answer` step with its decoded answer.
 *
 * @since 0.2.0
 * @category models
 */
export type ParsedSteps<S, A> = S extends { readonly _tag: "Answer" } ? S & ParsedAnswer<A> : S

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
 * Tokens of a Chat Completions run: the sum over its model calls, as each reported it (streamed turns ask for it with
 * `stream_options.include_usage`).
 *
 * @since 0.2.0
 * @category models
 */
export interface ChatUsage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
}

/**
 * Tokens of a Responses API run: the sum over its model calls.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResponsesUsage {
  readonly input_tokens: number
  readonly output_tokens: number
  readonly total_tokens: number
}

/**
 * A Chat Completions run's result: the answer, the last completion, the whole conversation, the tokens of all its
 * calls, and every step but the text deltas.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChatRun {
  readonly answer: string
  readonly completion: Chat.ChatCompletionSnapshot
  readonly messages: ReadonlyArray<Chat.MessageParam>
  readonly usage: ChatUsage
  readonly steps: ReadonlyArray<Exclude<ChatStep, TextDelta>>
}

/**
 * A Responses API run's result: the answer (the last response's output text), the last response, the tokens of all
 * its calls, and every step but the text deltas.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResponsesRun {
  readonly answer: string
  readonly response: Responses.Response
  readonly usage: ResponsesUsage
  readonly steps: ReadonlyArray<Exclude<ResponsesStep, TextDelta>>
}

/**
 * What a run may fail with: a model call's `OpenAiError`, a refusal, an answer or a turn cut short, the runner's own
 * errors, and (with `onToolFailure: "fail"`) a tool call's `ToolCallError` with the handlers' failure `E`.
 *
 * @since 0.2.0
 * @category models
 */
export type RunError<E = unknown> =
  | OpenAiError.OpenAiError
  | Parsed.RefusalError
  | Parsed.IncompleteOutputError
  | ToolRunnerError
  | Toolkit.ToolCallError<E>

// ---------------------------------------------------------------------------------------------------------------
// the loop, for either API
// ---------------------------------------------------------------------------------------------------------------

/**
 * A step other than a text delta: what a run's transcript holds.
 *
 * @since 0.2.0
 * @category models
 */
export type Step<Model> = ModelResponse<Model> | ToolResult | Answer<Model>

/** One model turn as it comes: text deltas, then the model's result. */
type TurnEvent<Model> = { readonly _tag: "Delta"; readonly delta: string } | {
  readonly _tag: "Done"
  readonly model: Model
  /** The response's metadata, for a decode error. */
  readonly meta: ResponseMeta.ResponseMeta
}

/** The options the loop reads: a run's, with or without a format. */
type AnyOptions<E> = Options<E> & {
  readonly format?: ResponseFormat.ResponseFormat<unknown, unknown> | undefined
}

/** What the loop needs of an API. */
interface Api<Model, State> {
  /** The path of the model call, for a decode error's request. */
  readonly path: string
  /** The model call of a turn (`step` counts from 1). */
  readonly turn: (
    state: State,
    step: number
  ) => Stream.Stream<TurnEvent<Model>, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
  readonly toolCalls: (model: Model) => ReadonlyArray<Toolkit.ToolCall>
  /** The turn was cut short (its tool calls may be too), or `undefined`. */
  readonly incomplete: (model: Model) => Parsed.IncompleteOutputError | undefined
  /** The answer text; `structured`: the text of a structured answer (one JSON text). */
  readonly answer: (
    model: Model,
    structured: boolean
  ) => Effect.Effect<string, Parsed.RefusalError | Parsed.IncompleteOutputError>
  readonly next: (state: State, model: Model, outcomes: ReadonlyArray<Toolkit.Outcome>) => State
  readonly final: (state: State, model: Model, answer: string) => Omit<Answer<Model>, "step">
}

const validated = <E>(options: AnyOptions<E> | undefined) => {
  const maxSteps = options?.maxSteps ?? 10
  const concurrency = options?.concurrency ?? 8
  if (!Number.isInteger(maxSteps) || maxSteps < 1) return `maxSteps must be a whole number ≥ 1 (got ${maxSteps})`
  if (concurrency !== "unbounded" && (!Number.isInteger(concurrency) || concurrency < 1)) {
    return `concurrency must be a whole number ≥ 1 or "unbounded" (got ${concurrency})`
  }
  return { maxSteps, concurrency, onFailure: options?.onToolFailure ?? "return", format: options?.format } as const
}

const loop = <Model, State, Tools extends Tool.Any, E, R>(
  api: Api<Model, State>,
  initial: State,
  handled: Toolkit.Handled<Tools, E, R>,
  options: AnyOptions<E> | undefined
): Stream.Stream<TextDelta | Step<Model>, RunError<E>, OpenAiClient.OpenAiClient | R> => {
  const settings = validated(options)
  if (typeof settings === "string") {
    return Stream.fail(new ToolRunnerError({ reason: "InvalidOptions", detail: settings, steps: [] }))
  }
  const { concurrency, format, maxSteps, onFailure } = settings
  // everything of one run is made when it starts: the same stream may run several times, even at once
  return Stream.suspend(() => {
    const seen: Array<Step<Model>> = []
    const record = <A extends Step<Model>>(step: A): A => {
      seen.push(step)
      return step
    }
    const failure = (reason: ToolRunnerError["reason"], detail: string) =>
      // Model is one of the two APIs' results
      new ToolRunnerError({ reason, detail, steps: [...seen] as unknown as ToolRunnerError["steps"] })
    const turn = (
      state: State,
      step: number
    ): Stream.Stream<TextDelta | Step<Model>, RunError<E>, OpenAiClient.OpenAiClient | R> =>
      Stream.suspend(() => {
        let model: Option.Option<Extract<TurnEvent<Model>, { readonly _tag: "Done" }>> = Option.none()
        const deltas = Stream.filterMap(api.turn(state, step), (event): Option.Option<TextDelta> => {
          if (event._tag === "Delta") return Option.some({ _tag: "TextDelta", step, delta: event.delta })
          model = Option.some(event)
          return Option.none()
        })
        return Stream.concat(
          deltas,
          Stream.suspend(() =>
            Option.match(model, {
              onNone: () => Stream.die(new Error("ToolRunner: a model turn ended without its result")),
              onSome: (done) => afterTurn(state, done.model, done.meta, step)
            })
          )
        )
      })
    /** The answer step: the answer text, decoded with the format when there is one. */
    const answerStep = (state: State, model: Model, meta: ResponseMeta.ResponseMeta, step: number) =>
      Effect.flatMap(api.answer(model, format !== undefined), (answer) => {
        const final = { ...api.final(state, model, answer), step }
        if (format === undefined) return Effect.sync(() => record(final))
        return OpenAiClient.OpenAiClient.pipe(
          Effect.flatMap((client) =>
            Parsed.decodeAnswer(format, answer, { method: "POST", url: `${client.baseURL}${api.path}` }, meta)
          ),
          Effect.map((parsed) => record({ ...final, parsed }))
        )
      })
    const afterTurn = (state: State, model: Model, meta: ResponseMeta.ResponseMeta, step: number) => {
      const toolCalls = api.toolCalls(model)
      const response = Stream.sync(() =>
        record<ModelResponse<Model>>({ _tag: "ModelResponse", step, response: model, toolCalls })
      )
      if (toolCalls.length === 0) {
        return Stream.concat(
          response,
          Stream.fromEffect(answerStep(state, model, meta, step))
        )
      }
      // calls written by a turn cut short may be cut too: not run
      const incomplete = api.incomplete(model)
      if (incomplete !== undefined) return Stream.concat(response, Stream.fail(incomplete))
      if (step >= maxSteps) {
        return Stream.concat(
          response,
          Stream.suspend(() =>
            Stream.fail(failure("MaxSteps", `the model still called tools after ${maxSteps} model calls (maxSteps)`))
          )
        )
      }
      const outcomes: Array<Toolkit.Outcome<E>> = new Array(toolCalls.length)
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
    return turn(initial, 1)
  })
}

/** Runs a run's steps to the answer, keeping every step but the text deltas. */
const collect = <S extends { readonly _tag: string }, E, R>(
  steps: Stream.Stream<S, E, R>
): Effect.Effect<
  { readonly steps: Array<Exclude<S, TextDelta>>; readonly answer: Extract<S, { readonly _tag: "Answer" }> },
  E,
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

/** The sum of numeric fields over the model responses of a run. */
const total = <K extends string>(
  models: ReadonlyArray<unknown>,
  usageOf: (model: unknown) => unknown,
  keys: ReadonlyArray<K>
): Record<K, number> => {
  const sum = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>
  for (const model of models) {
    const usage = usageOf(model)
    if (!isRecord(usage)) continue
    for (const key of keys) if (typeof usage[key] === "number") sum[key] += usage[key]
  }
  return sum
}

const modelsOf = (steps: ReadonlyArray<{ readonly _tag: string }>) =>
  steps.flatMap((step) => step._tag === "ModelResponse" ? [(step as ModelResponse<unknown>).response] : [])

const usageField = (model: unknown) => isRecord(model) ? model.usage : undefined

/** A `tool_choice` that forces a call (`"required"`, a named tool), relaxed to `"auto"` after the first turn. */
const laterChoice = <C>(choice: C | undefined, step: number): C | "auto" | undefined =>
  step > 1 && choice !== undefined && choice !== null && choice !== "auto" && choice !== "none" ? "auto" : choice

/** A model turn of one call: its result, with the response's metadata. */
const calledTurn = <Model>(
  call: Effect.Effect<Model, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
): Stream.Stream<TurnEvent<Model>, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  Stream.fromEffect(
    Effect.map(Parsed.withMeta(call), ({ data, response }) => ({ _tag: "Done", model: data, meta: response } as const))
  )

/**
 * A streamed model turn: the text deltas as they come, then the events accumulated into the result, with the
 * response's metadata.
 */
const streamedTurn = <Model, Event>(
  events: Stream.Stream<Event, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>,
  accumulator: () => { readonly add: (event: Event) => unknown; readonly snapshot: () => Model | undefined },
  delta: (event: Event) => string | undefined
): Stream.Stream<TurnEvent<Model>, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  Stream.suspend(() => {
    const accumulated = accumulator()
    let meta: ResponseMeta.ResponseMeta | undefined
    return events.pipe(
      OpenAiClient.withStreamResponse((response) => Effect.sync(() => (meta = response))),
      Stream.filterMap((event) => {
        accumulated.add(event)
        const text = delta(event)
        return text === undefined ? Option.none() : Option.some({ _tag: "Delta", delta: text } as const)
      }),
      Stream.concat(Stream.suspend(() => {
        const model = accumulated.snapshot()
        return model === undefined || meta === undefined
          ? Stream.die(new Error("ToolRunner: a streamed model turn ended without its result"))
          : Stream.succeed({ _tag: "Done", model, meta } as const)
      }))
    )
  })

// ---------------------------------------------------------------------------------------------------------------
// Chat Completions
// ---------------------------------------------------------------------------------------------------------------

/**
 * The parameters of a Chat Completions run: those of `Chat.completions.create`; the toolkit's tools are added to
 * `tools`. A `tool_choice` that forces a call (`"required"`, a named function) applies to the first turn; later turns
 * send `"auto"`, so the model can answer.
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
    } else if (call.type === "custom") {
      calls.push({ id: call.id, name: call.custom.name, arguments: call.custom.input })
    }
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

const chatSteps = <Tools extends Tool.Any, E, R>(
  params: ChatParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options: AnyOptions<E> | undefined
): Stream.Stream<ChatStep, RunError<E>, OpenAiClient.OpenAiClient | R> => {
  const tools = [...(params.tools ?? []), ...handled.toolkit.chat]
  const format = options?.format
  const api: Api<Chat.ChatCompletionSnapshot, ReadonlyArray<Chat.MessageParam>> = {
    path: "/chat/completions",
    turn: (messages, step) => {
      const choice = laterChoice(params.tool_choice, step)
      const body = {
        ...params,
        messages,
        ...(tools.length > 0 ? { tools } : {}),
        ...(choice !== undefined ? { tool_choice: choice } : {}),
        ...(format !== undefined ? { response_format: format.response_format } : {})
      }
      if (options?.stream !== true) return calledTurn(Chat.completions.create(body, options?.request))
      return streamedTurn(
        Chat.completions.stream(
          { ...body, stream_options: { include_usage: true, ...params.stream_options } },
          options.request
        ),
        () => new Chat.ChatCompletionAccumulator(),
        chatContentDelta
      )
    },
    toolCalls: chatToolCalls,
    incomplete: (completion) => {
      const reason = completion.choices[0]?.finish_reason
      return reason === "length" || reason === "content_filter"
        ? new Parsed.IncompleteOutputError({ reason, output: completion })
        : undefined
    },
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
      answer,
      response: completion,
      messages: [...messages, { role: "assistant", content: answer }]
    })
  }
  return loop(api, params.messages, handled, options) as Stream.Stream<
    ChatStep,
    RunError<E>,
    OpenAiClient.OpenAiClient | R
  >
}

/**
 * A runner as an Effect (`chat`, `responses`): with a `format` in the options the run has `parsed`, its answer
 * decoded.
 *
 * @since 0.2.0
 * @category models
 */
export interface Runner<Params, Run> {
  <Tools extends Tool.Any, E, R, A, I>(
    params: Params,
    handled: Toolkit.Handled<Tools, E, R>,
    options: FormatOptions<E, A, I>
  ): Effect.Effect<Run & ParsedAnswer<A>, RunError<E>, OpenAiClient.OpenAiClient | R>
  <Tools extends Tool.Any, E, R>(
    params: Params,
    handled: Toolkit.Handled<Tools, E, R>,
    options?: Options<E>
  ): Effect.Effect<Run, RunError<E>, OpenAiClient.OpenAiClient | R>
}

/**
 * A runner as a `Stream` of steps (`chatStream`, `responsesStream`): with a `format` in the options the `Answer` step
 * has `parsed`, the answer decoded.
 *
 * @since 0.2.0
 * @category models
 */
export interface StepRunner<Params, Step> {
  <Tools extends Tool.Any, E, R, A, I>(
    params: Params,
    handled: Toolkit.Handled<Tools, E, R>,
    options: FormatOptions<E, A, I>
  ): Stream.Stream<ParsedSteps<Step, A>, RunError<E>, OpenAiClient.OpenAiClient | R>
  <Tools extends Tool.Any, E, R>(
    params: Params,
    handled: Toolkit.Handled<Tools, E, R>,
    options?: Options<E>
  ): Stream.Stream<Step, RunError<E>, OpenAiClient.OpenAiClient | R>
}

/** What a run's answer step carries besides its own fields: `parsed`, with a format. */
const parsedOf = (answer: object): Partial<ParsedAnswer<unknown>> => "parsed" in answer ? { parsed: answer.parsed } : {}

/**
 * Runs a Chat Completions conversation with tools, as a `Stream` of steps: each model call's result
 * (`ModelResponse`), each tool call's outcome (`ToolResult`), the text as it comes with `stream: true`
 * (`TextDelta`), and last the `Answer` (with `parsed`, the answer decoded, when the options have a `format`). Only
 * the first choice is followed.
 *
 * @since 0.2.0
 * @category running
 */
export const chatStream: StepRunner<ChatParams, ChatStep> = chatSteps as StepRunner<ChatParams, ChatStep>

/**
 * Runs a Chat Completions conversation with tools to its answer: the answer text, the last completion, the whole
 * conversation, the tokens of all its calls and the steps (see {@link chatStream}); with a `format`
 * ({@link FormatOptions}), the answer decoded too (`parsed`).
 *
 * @since 0.2.0
 * @category running
 */
export const chat: Runner<ChatParams, ChatRun> = <Tools extends Tool.Any, E, R>(
  params: ChatParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: AnyOptions<E>
): Effect.Effect<ChatRun & ParsedAnswer<unknown>, RunError<E>, OpenAiClient.OpenAiClient | R> =>
  Effect.map(collect(chatSteps(params, handled, options)), ({ answer, steps }) => ({
    answer: answer.answer,
    completion: answer.response,
    messages: answer.messages,
    usage: total(modelsOf(steps), usageField, ["prompt_tokens", "completion_tokens", "total_tokens"]),
    steps,
    // without a format there is no `parsed`, and the signature without one says so
    ...parsedOf(answer) as ParsedAnswer<unknown>
  }))

// ---------------------------------------------------------------------------------------------------------------
// Responses API
// ---------------------------------------------------------------------------------------------------------------

/**
 * The parameters of a Responses API run: those of `Responses.create`; the toolkit's tools are added to `tools`. Each
 * turn after the first sends the tools' outputs (`function_call_output` items) and chains to the last response with
 * `previous_response_id`; in a `conversation`, the conversation keeps the history instead; with `store: false`
 * nothing is kept server-side, so each turn resends the whole conversation as `input` (add `include:
 * ["reasoning.encrypted_content"]` for reasoning models). A `tool_choice` that forces a call applies to the first turn
 * only, as in {@link ChatParams}.
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

const responsesSteps = <Tools extends Tool.Any, E, R>(
  params: ResponsesParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options: AnyOptions<E> | undefined
): Stream.Stream<ResponsesStep, RunError<E>, OpenAiClient.OpenAiClient | R> => {
  const format = options?.format
  const tools = [...(params.tools ?? []), ...handled.toolkit.responses] as NonNullable<Responses.CreateParams["tools"]>
  // the history lives server-side: in the conversation, or behind previous_response_id
  const history = params.conversation != null ? "conversation" : params.store === false ? "resent" : "chained"
  const api: Api<Responses.Response, ResponsesState> = {
    path: "/responses",
    turn: (state, step) => {
      const choice = laterChoice(params.tool_choice, step)
      const body: Responses.CreateParams = {
        ...params,
        input: state.input,
        ...(tools.length > 0 ? { tools } : {}),
        ...(choice !== undefined ? { tool_choice: choice } : {}),
        ...(state.previous !== undefined ? { previous_response_id: state.previous } : {}),
        ...(format !== undefined ? { text: { ...params.text, format: format.text.format } } : {})
      }
      if (options?.stream !== true) return calledTurn(Responses.create(body, options?.request))
      return streamedTurn(
        Responses.stream(body, options.request),
        () => new Responses.ResponseAccumulator(),
        responseTextDelta
      )
    },
    toolCalls: responsesToolCalls,
    incomplete: (response) => {
      if (response.status !== "incomplete") return undefined
      const reason = isRecord(response.incomplete_details) ? response.incomplete_details.reason : undefined
      return new Parsed.IncompleteOutputError({ reason: String(reason ?? "incomplete"), output: response })
    },
    answer: (response, structured) => Parsed.responseText(response, structured ? "first" : "all"),
    next: (state, response, outcomes) => {
      const outputs = outcomes.map((outcome) => ({
        type: "function_call_output" as const,
        call_id: outcome.call.id,
        output: outcome.output
      }))
      switch (history) {
        case "chained":
          return { input: outputs, previous: response.id }
        case "conversation":
          return { input: outputs, previous: undefined }
        case "resent":
          return {
            input: [...asItems(state.input), ...response.output, ...outputs] as Responses.CreateParams["input"],
            previous: state.previous
          }
      }
    },
    final: (_, response, answer) => ({ _tag: "Answer", answer, response })
  }
  return loop(api, { input: params.input, previous: params.previous_response_id ?? undefined }, handled, options)
}

/**
 * Runs a Responses API conversation with tools, as a `Stream` of steps (see {@link chatStream}); function calls are
 * answered with `function_call_output` items. With a `format` the answer is the first output text, decoded
 * (`parsed`), as `Responses.parse` reads it.
 *
 * @since 0.2.0
 * @category running
 */
export const responsesStream: StepRunner<ResponsesParams, ResponsesStep> = responsesSteps as StepRunner<
  ResponsesParams,
  ResponsesStep
>

/**
 * Runs a Responses API conversation with tools to its answer: the answer text, the last response, the tokens of all
 * its calls and the steps (see {@link responsesStream}); with a `format` ({@link FormatOptions}), the answer decoded
 * too (`parsed`).
 *
 * @since 0.2.0
 * @category running
 */
export const responses: Runner<ResponsesParams, ResponsesRun> = <Tools extends Tool.Any, E, R>(
  params: ResponsesParams,
  handled: Toolkit.Handled<Tools, E, R>,
  options?: AnyOptions<E>
): Effect.Effect<ResponsesRun & ParsedAnswer<unknown>, RunError<E>, OpenAiClient.OpenAiClient | R> =>
  Effect.map(collect(responsesSteps(params, handled, options)), ({ answer, steps }) => ({
    answer: answer.answer,
    response: answer.response,
    usage: total(modelsOf(steps), usageField, ["input_tokens", "output_tokens", "total_tokens"]),
    steps,
    ...parsedOf(answer) as ParsedAnswer<unknown>
  }))
