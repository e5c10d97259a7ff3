/**
 * A tool the model may call, defined by an Effect `Schema`: one definition gives the JSON Schema of its parameters
 * (strict mode's form, as `ResponseFormat.fromSchema` writes it), the decoder of the arguments the model sends, and
 * their TypeScript type.
 *
 * ```ts
 * const GetWeather = Tool.make("get_weather", {
 *   description: "The weather in a city",
 *   parameters: Schema.Struct({ city: Schema.String, unit: Schema.optional(Schema.Literal("C", "F")) })
 * })
 * ```
 *
 * Put tools in a `Toolkit`, give it handlers, and let `ToolRunner` loop model → tools → model.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Chat from "./Chat.js"
import * as ResponseFormat from "./ResponseFormat.js"

/**
 * A tool that cannot be defined: a name OpenAI refuses, or two tools of one name in a toolkit.
 *
 * @since 0.2.0
 * @category errors
 */
export class ToolDefinitionError extends Data.TaggedError("ToolDefinitionError")<{
  readonly name: string
  readonly reason: string
}> {
  override get message(): string {
    return `Tool ${JSON.stringify(this.name)}: ${this.reason}`
  }
}

/**
 * A function tool of the Responses API (`tools` of `Responses.create`).
 *
 * @since 0.2.0
 * @category models
 */
export interface ResponsesFunctionTool {
  readonly type: "function"
  readonly name: string
  readonly description?: string
  readonly parameters: ResponseFormat.JsonSchema
  readonly strict: boolean
}

/**
 * A tool: its name, description and parameters, in the two shapes the APIs take.
 *
 * @since 0.2.0
 * @category models
 */
export interface Tool<Name extends string, A, I = A> {
  readonly _tag: "Tool"
  readonly name: Name
  readonly description: string | undefined
  /** The schema of the arguments. */
  readonly parameters: Schema.Schema<A, I>
  /** Whether the model is held to the JSON Schema (strict mode, the default). */
  readonly strict: boolean
  /** The JSON Schema of the parameters, as sent. */
  readonly jsonSchema: ResponseFormat.JsonSchema
  /** The tool for Chat Completions' `tools`. */
  readonly chat: Chat.Tool & { readonly type: "function" }
  /** The tool for the Responses API's `tools`. */
  readonly responses: ResponsesFunctionTool
  /** Decodes the arguments the model sent (JSON text); nulls standing for absent optional fields are dropped. */
  readonly decodeArguments: (json: string) => Effect.Effect<A, ParseResult.ParseError>
}

/**
 * Any tool.
 *
 * @since 0.2.0
 * @category models
 */

export type Any = Tool<string, any, any>

/**
 * The decoded arguments of a tool.
 *
 * @since 0.2.0
 * @category models
 */
export type Arguments<T> = T extends Tool<string, infer A, infer _I> ? A : never

const validName = /^[a-zA-Z0-9_-]{1,64}$/

const noParameters = Schema.Struct({})

/**
 * Makes a tool. Parameters default to none (an empty object). Throws `ToolDefinitionError` for a name OpenAI refuses
 * (1–64 letters, digits, `_` or `-`) and `ResponseFormat.StrictSchemaError` (naming the path) for parameters strict
 * mode cannot express; with `strict: false` they are sent as `JSONSchema.make` writes them.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <const Name extends string, A = {}, I = {}>(
  name: Name,
  options?: {
    readonly description?: string | undefined
    readonly parameters?: Schema.Schema<A, I> | undefined
    readonly strict?: boolean | undefined
  }
): Tool<Name, A, I> => {
  if (!validName.test(name)) {
    throw new ToolDefinitionError({ name, reason: "a tool's name is 1 to 64 letters, digits, `_` or `-`" })
  }
  const parameters = (options?.parameters ?? noParameters) as Schema.Schema<A, I>
  const strict = options?.strict ?? true
  const { decode, jsonSchema } = ResponseFormat.modelSchema(parameters, strict)
  const description = options?.description
  const described = description === undefined ? {} : { description }
  return {
    _tag: "Tool",
    name,
    description,
    parameters,
    strict,
    jsonSchema,
    chat: { type: "function", function: { name, ...described, parameters: jsonSchema, strict } },
    responses: { type: "function", name, ...described, parameters: jsonSchema, strict },
    // some models send no text at all for a call without arguments
    decodeArguments: (json) => decode(json === "" ? "{}" : json)
  }
}
