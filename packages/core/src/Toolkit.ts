/**
 * A set of tools and, once handled, the Effects that answer their calls.
 *
 * ```ts
 * const toolkit = Toolkit.make(GetWeather, GetTime)
 * const handled = Toolkit.handle(toolkit, {
 *   get_weather: ({ city }) => Weather.forecast(city), // Effect<Forecast, WeatherError, Weather>
 *   get_time: () => Effect.map(DateTime.now, DateTime.formatIso)
 * })
 * // handled: Toolkit.Handled<…, WeatherError, Weather> — the handlers' requirements become the runner's
 * ```
 *
 * A call is answered by {@link execute}: the arguments are decoded with the tool's schema, the handler runs, and its
 * value becomes the tool's output (a string as it is, anything else as JSON). A call of an unknown tool, arguments
 * that do not decode, or a handler that fails is a `ToolCallError`, which by default goes back to the model as the
 * tool's output (`{"error": "…"}`) so it can correct itself — never a crash. A defect (a handler that dies) is not the
 * model's to fix: it fails the run.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import { type Pipeable, pipeArguments } from "effect/Pipeable"
import type * as Chat from "./Chat.js"
import { nativeTracer } from "./internal/span.js"
import * as Tool from "./Tool.js"

/**
 * A set of tools with distinct names.
 *
 * @since 0.2.0
 * @category models
 */
export interface Toolkit<Tools extends Tool.Any> extends Pipeable {
  readonly _tag: "Toolkit"
  /** The tools by name. */
  readonly tools: ReadonlyMap<string, Tools>
  /** The tools for Chat Completions' `tools`. */
  readonly chat: ReadonlyArray<Chat.Tool>
  /** The tools for the Responses API's `tools`. */
  readonly responses: ReadonlyArray<Tool.ResponsesFunctionTool>
}

const ToolkitProto = {
  pipe() {
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  }
}

/**
 * Makes a toolkit. Throws `Tool.ToolDefinitionError` when two tools share a name.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <const Tools extends ReadonlyArray<Tool.Any>>(...tools: Tools): Toolkit<Tools[number]> => {
  const byName = new Map<string, Tools[number]>()
  for (const tool of tools) {
    if (byName.has(tool.name)) {
      throw new Tool.ToolDefinitionError({ name: tool.name, reason: "two tools of a toolkit share this name" })
    }
    byName.set(tool.name, tool)
  }
  return Object.assign(Object.create(ToolkitProto), {
    _tag: "Toolkit",
    tools: byName,
    chat: tools.map((tool) => tool.chat),
    responses: tools.map((tool) => tool.responses)
  })
}

/**
 * One handler per tool, by name: an Effect of the decoded arguments.
 *
 * @since 0.2.0
 * @category models
 */
export type Handlers<Tools extends Tool.Any> = {
  readonly [
    T in Tools as T["name"]
  ]: (args: Tool.Arguments<T>) => Effect.Effect<unknown, any, any>
}

/**
 * The failures of a set of handlers.
 *
 * @since 0.2.0
 * @category models
 */
export type HandlerError<H> = {
  [K in keyof H]: H[K] extends (...args: ReadonlyArray<never>) => Effect.Effect<infer _A, infer E, infer _R> ? E
    : never
}[keyof H]

/**
 * The requirements of a set of handlers.
 *
 * @since 0.2.0
 * @category models
 */
export type HandlerContext<H> = {
  [K in keyof H]: H[K] extends (...args: ReadonlyArray<never>) => Effect.Effect<infer _A, infer _E, infer R> ? R
    : never
}[keyof H]

/**
 * A toolkit with its handlers: what a runner needs. `E` is what the handlers may fail with, `R` what they require.
 *
 * @since 0.2.0
 * @category models
 */
export interface Handled<Tools extends Tool.Any, E, R> {
  readonly toolkit: Toolkit<Tools>
  /** @internal */
  readonly run: (name: string, args: unknown) => Effect.Effect<unknown, E, R> | undefined
}

/**
 * Gives a toolkit its handlers; their failures and requirements are the result's `E` and `R`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const handle = <Tools extends Tool.Any, const H extends Handlers<Tools>>(
  toolkit: Toolkit<Tools>,
  handlers: H
): Handled<Tools, HandlerError<H>, HandlerContext<H>> => {
  const table = handlers as unknown as Record<string, (args: unknown) => Effect.Effect<unknown, unknown, unknown>>
  return {
    toolkit,
    run: (name, args) => {
      const handler = Object.hasOwn(table, name) ? table[name] : undefined
      return handler === undefined ? undefined : handler(args) as Effect.Effect<unknown, HandlerError<H>, never>
    }
  }
}

/**
 * A call of a tool, as the model made it (the arguments as JSON text).
 *
 * @since 0.2.0
 * @category models
 */
export interface ToolCall {
  /** The call's id (`tool_call_id` in Chat Completions, `call_id` in the Responses API). */
  readonly id: string
  readonly name: string
  readonly arguments: string
}

/**
 * A tool call that could not be answered: `UnknownTool` (the model called a tool the toolkit does not have),
 * `InvalidArguments` (the arguments are not JSON or do not fit the parameters; `cause` is the `ParseError`),
 * `HandlerFailed` (`cause` is the handler's failure).
 *
 * @since 0.2.0
 * @category errors
 */
export class ToolCallError<E = unknown> extends Data.TaggedError("ToolCallError")<{
  readonly reason: "UnknownTool" | "InvalidArguments" | "HandlerFailed"
  readonly call: ToolCall
  /** The handler's failure (`HandlerFailed`), the `ParseError` (`InvalidArguments`), or nothing (`UnknownTool`). */
  readonly cause?: E | ParseResult.ParseError | undefined
}> {
  override get message(): string {
    switch (this.reason) {
      case "UnknownTool":
        return `There is no tool named ${JSON.stringify(this.call.name)}`
      case "InvalidArguments":
        return `The arguments of ${this.call.name} do not fit its parameters: ${
          ParseResult.isParseError(this.cause) ? ParseResult.TreeFormatter.formatErrorSync(this.cause) : "not JSON"
        }`
      case "HandlerFailed":
        return `${this.call.name} failed: ${describe(this.cause)}`
    }
  }
}

const describe = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "message" in error && typeof error.message === "string") {
    return error.message === "" && "_tag" in error ? String(error._tag) : error.message
  }
  if (typeof error === "string") return error
  try {
    return JSON.stringify(error) ?? String(error)
  } catch {
    return String(error)
  }
}

/**
 * What becomes of a failed call: `"return"` (the default) sends `{"error": message}` to the model as the tool's
 * output; `"fail"` fails the run with the `ToolCallError`; a function writes the output itself.
 *
 * @since 0.2.0
 * @category models
 */
export type OnFailure<E = unknown> = "return" | "fail" | ((error: ToolCallError<E>) => string)

/**
 * How a call was answered: the output sent back to the model, and the handler's value or the error.
 *
 * @since 0.2.0
 * @category models
 */
export type Outcome<E = unknown> =
  | { readonly _tag: "Success"; readonly call: ToolCall; readonly value: unknown; readonly output: string }
  | { readonly _tag: "Failure"; readonly call: ToolCall; readonly error: ToolCallError<E>; readonly output: string }

/** The text a value is sent to the model as: a string as it is, anything else as JSON (which may throw). */
const outputOf = (value: unknown): string => {
  if (typeof value === "string") return value
  const json = JSON.stringify(value)
  return json === undefined ? "null" : json
}

/**
 * Answers one call: decodes its arguments, runs its handler, and turns the value into the tool's output. A failure
 * is handled as `onFailure` says (default `"return"`); interruption interrupts the handler. With a tracer installed
 * (e.g. `@effect/opentelemetry`), the call is an `execute_tool {name}` span after the GenAI conventions
 * (`gen_ai.tool.name`, `gen_ai.tool.call.id`, `gen_ai.tool.type`, `error.type` for a failed call), the handler's own
 * spans below it.
 *
 * @since 0.2.0
 * @category execution
 */
export const execute = <Tools extends Tool.Any, E, R>(
  handled: Handled<Tools, E, R>,
  call: ToolCall,
  onFailure: OnFailure<E> = "return"
): Effect.Effect<Outcome<E>, ToolCallError<E>, R> =>
  Effect.tracerWith((tracer) => {
    if (tracer === nativeTracer) return answer(handled, call, onFailure)
    const tool = handled.toolkit.tools.get(call.name)
    return Effect.useSpan(`execute_tool ${call.name}`, {
      kind: "internal",
      captureStackTrace: false,
      attributes: {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": call.name,
        "gen_ai.tool.call.id": call.id,
        "gen_ai.tool.type": "function",
        ...(tool?.description !== undefined ? { "gen_ai.tool.description": tool.description } : {})
      }
    }, (span) =>
      answer(handled, call, onFailure).pipe(
        Effect.tapBoth({
          onFailure: (error) => Effect.sync(() => span.attribute("error.type", `${error._tag}.${error.reason}`)),
          onSuccess: (outcome) =>
            outcome._tag === "Failure"
              ? Effect.sync(() => span.attribute("error.type", `${outcome.error._tag}.${outcome.error.reason}`))
              : Effect.void
        }),
        Effect.withParentSpan(span)
      ))
  })

const answer = <Tools extends Tool.Any, E, R>(
  handled: Handled<Tools, E, R>,
  call: ToolCall,
  onFailure: OnFailure<E>
): Effect.Effect<Outcome<E>, ToolCallError<E>, R> => {
  const failed = (error: ToolCallError<E>): Effect.Effect<Outcome<E>, ToolCallError<E>> => {
    if (onFailure === "fail") return Effect.fail(error)
    const output = onFailure === "return" ? JSON.stringify({ error: error.message }) : onFailure(error)
    return Effect.succeed({ _tag: "Failure", call, error, output })
  }
  const tool = handled.toolkit.tools.get(call.name)
  if (tool === undefined) return failed(new ToolCallError({ reason: "UnknownTool", call }))
  return Effect.matchEffect(tool.decodeArguments(call.arguments), {
    onFailure: (cause) => failed(new ToolCallError<E>({ reason: "InvalidArguments", call, cause })),
    onSuccess: (args) => {
      const running = handled.run(call.name, args)
      if (running === undefined) return failed(new ToolCallError({ reason: "UnknownTool", call }))
      return Effect.matchEffect(running, {
        onFailure: (cause) => failed(new ToolCallError<E>({ reason: "HandlerFailed", call, cause })),
        onSuccess: (value): Effect.Effect<Outcome<E>, ToolCallError<E>> => {
          let output: string
          try {
            output = outputOf(value)
          } catch (cause) {
            // a value JSON cannot write (a bigint, a cycle): the handler's failure, not the run's
            return failed(new ToolCallError<E>({ reason: "HandlerFailed", call, cause: cause as E }))
          }
          return Effect.succeed({ _tag: "Success", call, value, output })
        }
      })
    }
  })
}
