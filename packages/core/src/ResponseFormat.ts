/**
 * Structured outputs from an Effect `Schema`: one definition gives the JSON Schema sent to the model, the decoder of
 * its answer, and the TypeScript type.
 *
 * ```ts
 * const Event = Schema.Struct({ name: Schema.String, date: Schema.String, place: Schema.optional(Schema.String) })
 * const format = ResponseFormat.fromSchema(Event, { name: "event" })
 * const completion = yield* Chat.completions.create({ model, messages, response_format: format.response_format })
 * const event = yield* format.decode(completion.choices[0]!.message.content ?? "")
 * ```
 *
 * The JSON Schema is `JSONSchema.make`'s, rewritten to what OpenAI's strict mode accepts: every property required,
 * an optional one as nullable (and decoded back to absent), `additionalProperties: false` on every object, only the
 * keywords strict mode supports (others are left out; the decoder still checks them), `$defs` for recursion. A
 * schema strict mode cannot express — a refinement with no JSON Schema form, a record (arbitrary keys), a root that
 * is not an object — throws a `StrictSchemaError` naming the path when the format is made, not at the API.
 *
 * @since 0.2.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as JSONSchema from "effect/JSONSchema"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"
import type * as Chat from "./Chat.js"
import * as Parsed from "./internal/parsed.js"
import * as PartialJson from "./internal/partialJson.js"

/**
 * The model refused to answer in the format (`Chat.completions.parse`, `Responses.parse`).
 *
 * @since 0.2.0
 * @category errors
 */
export const RefusalError = Parsed.RefusalError

/**
 * @since 0.2.0
 * @category errors
 */
export type RefusalError = Parsed.RefusalError

/**
 * The answer was cut short (`length`, `content_filter`, `max_output_tokens`), so it is not the whole JSON.
 *
 * @since 0.2.0
 * @category errors
 */
export const IncompleteOutputError = Parsed.IncompleteOutputError

/**
 * @since 0.2.0
 * @category errors
 */
export type IncompleteOutputError = Parsed.IncompleteOutputError

/**
 * A schema strict mode cannot express; `path` says where.
 *
 * @since 0.2.0
 * @category errors
 */
export class StrictSchemaError extends Data.TaggedError("StrictSchemaError")<{
  readonly path: ReadonlyArray<string>
  readonly reason: string
}> {
  override get message(): string {
    return `ResponseFormat: at ${this.path.length === 0 ? "the root" : this.path.join(".")}: ${this.reason}`
  }
}

/**
 * A JSON Schema object (the same as `Chat.JsonSchema`).
 *
 * @since 0.2.0
 * @category models
 */
export type JsonSchema = Chat.JsonSchema

/**
 * A structured output format: what to send, for either API, and how to read the answer.
 *
 * @since 0.2.0
 * @category models
 */
export interface ResponseFormat<A, I = A> {
  /** `response_format` of `Chat.completions.create`. */
  readonly response_format: {
    readonly type: "json_schema"
    readonly json_schema: {
      readonly name: string
      readonly description?: string
      readonly schema: JsonSchema
      readonly strict: boolean
    }
  }
  /** `text` of `Responses.create`. */
  readonly text: {
    readonly format: {
      readonly type: "json_schema"
      readonly name: string
      readonly description?: string
      readonly schema: JsonSchema
      readonly strict: boolean
    }
  }
  /** The strict JSON Schema. */
  readonly jsonSchema: JsonSchema
  /** Decodes the model's JSON text: nulls standing for absent optional fields are dropped, then the schema decodes. */
  readonly decode: (text: string) => Effect.Effect<A, ParseResult.ParseError>
  /** The same, from a value already parsed from JSON. */
  readonly decodeUnknown: (value: unknown) => Effect.Effect<A, ParseResult.ParseError>
  /**
   * The value a prefix of the answer stands for so far, while it streams (`undefined` before there is one): the
   * JSON read as far as it goes (open strings with what has arrived, unfinished keys, numbers and literals left out),
   * nulls standing for absent optional fields dropped. It is the JSON side of the schema (`I`), not yet checked.
   */
  readonly partial: (text: string) => DeepPartial<I> | undefined
}

/**
 * A value of which any field, at any depth, may be missing yet: a structured output while it streams.
 *
 * @since 0.2.0
 * @category models
 */
export type DeepPartial<T> = T extends ReadonlyArray<infer E> ? ReadonlyArray<DeepPartial<E>>
  : T extends object ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
  : T

/** The keywords strict mode accepts; the others are left out. */
const supported = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "$ref",
  "description",
  "pattern",
  "format",
  "multipleOf",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "minItems",
  "maxItems"
])

type Node = Record<string, unknown>

const isNode = (u: unknown): u is Node => typeof u === "object" && u !== null && !Array.isArray(u)

const nullNode: Node = { type: "null" }

const allowsNull = (node: Node): boolean =>
  node.type === "null" || (Array.isArray(node.type) && node.type.includes("null")) ||
  (Array.isArray(node.anyOf) && node.anyOf.some((each) => isNode(each) && allowsNull(each)))

/** The node, also accepting `null`. */
const nullable = (node: Node): Node => {
  if (allowsNull(node)) return node
  if (Array.isArray(node.anyOf)) return { ...node, anyOf: [...node.anyOf, nullNode] }
  if (typeof node.type === "string" && node.$ref === undefined) {
    return {
      ...node,
      type: [node.type, "null"],
      ...(Array.isArray(node.enum) ? { enum: [...node.enum, null] } : {})
    }
  }
  return { anyOf: [node, nullNode] }
}

const refName = (ref: string): string => ref.replace(/^#\/\$defs\//, "")

/**
 * A `$ref` with keywords beside it (a refinement of a named schema, e.g. `Schema.Int.pipe(Schema.between(1, 5))`) as
 * its definition with those keywords over it: strict mode takes a `$ref` alone. Other nodes as they are.
 */
const inlined = (node: Node, defs: Node): Node => {
  if (typeof node.$ref !== "string") return node
  const { $ref, ...siblings } = node
  const def = defs[refName($ref)]
  return Object.keys(siblings).some((key) => supported.has(key)) && isNode(def) ? { ...def, ...siblings } : node
}

/** Rewrites one node of `JSONSchema.make`'s output for strict mode. */
const strictNode = (raw: Node, path: ReadonlyArray<string>, defs: Node): Node => {
  const node = inlined(raw, defs)
  const out: Node = {}
  for (const [key, value] of Object.entries(node)) if (supported.has(key)) out[key] = value
  if (Array.isArray(node.anyOf)) {
    out.anyOf = node.anyOf.map((each, i) => strictNode(each as Node, [...path, `anyOf[${i}]`], defs))
  }
  if (Array.isArray(node.items) || node.prefixItems !== undefined) {
    throw new StrictSchemaError({
      path,
      reason: "a tuple (an array of fixed positions) cannot be expressed in strict mode; use a struct"
    })
  }
  if (isNode(node.items)) out.items = strictNode(node.items, [...path, "[]"], defs)
  if (node.type === "object" || isNode(node.properties)) {
    const properties = isNode(node.properties) ? node.properties : {}
    if (
      (node.additionalProperties !== undefined && node.additionalProperties !== false) ||
      node.patternProperties !== undefined
    ) {
      throw new StrictSchemaError({
        path,
        reason: "a record (an object with arbitrary keys) cannot be expressed in strict mode; use a struct, or an " +
          "array of key and value"
      })
    }
    const required = new Set(Array.isArray(node.required) ? node.required as Array<string> : [])
    const rewritten: Node = {}
    for (const [key, value] of Object.entries(properties)) {
      const property = strictNode(value as Node, [...path, key], defs)
      rewritten[key] = required.has(key) ? property : nullable(property)
    }
    out.type = "object"
    out.properties = rewritten
    out.required = Object.keys(rewritten)
    out.additionalProperties = false
  }
  return out
}

/** Refinements whose check has no JSON Schema form (the model could not know it), by path. */
const unexpressed = (ast: AST.AST, path: ReadonlyArray<string>, seen: Set<AST.AST>): void => {
  if (seen.has(ast)) return
  seen.add(ast)
  switch (ast._tag) {
    case "Refinement":
      // a refinement of a transformation's result (`Schema.Date`'s valid date) checks the decoded value, which the
      // model never writes: it is told the encoded side
      if (AST.getJSONSchemaAnnotation(ast)._tag === "None" && !AST.isTransformation(ast.from)) {
        throw new StrictSchemaError({
          path,
          reason: "a refinement with no JSON Schema form: the model cannot be told it; give it a `jsonSchema` " +
            "annotation, or check it after decoding"
        })
      }
      return unexpressed(ast.from, path, seen)
    case "Transformation":
      return unexpressed(ast.from, path, seen)
    case "Suspend":
      return unexpressed(ast.f(), path, seen)
    case "Union":
      return ast.types.forEach((each, i) => unexpressed(each, [...path, `anyOf[${i}]`], seen))
    case "TupleType":
      for (const element of ast.elements) unexpressed(element.type, [...path, "[]"], seen)
      for (const rest of ast.rest) unexpressed(rest.type, [...path, "[]"], seen)
      return
    case "TypeLiteral":
      for (const property of ast.propertySignatures) {
        unexpressed(property.type, [...path, String(property.name)], seen)
      }
      return
    default:
      return
  }
}

/** Drops the nulls that stand for absent optional fields, following the schema before it was made strict. */
const dropAddedNulls = (value: unknown, node: Node, defs: Node): unknown => {
  if (typeof node.$ref === "string") {
    const def = defs[refName(node.$ref)]
    return isNode(def) ? dropAddedNulls(value, def, defs) : value
  }
  if (Array.isArray(node.anyOf)) {
    const branch = Array.isArray(value)
      ? node.anyOf.find((each) => isNode(each) && isNode(resolved(each, defs).items))
      : isNode(value)
      ? node.anyOf.find((each) => isNode(each) && matches(value, each, defs))
      : undefined
    return isNode(branch) ? dropAddedNulls(value, branch, defs) : value
  }
  if (Array.isArray(value)) {
    return isNode(node.items) ? value.map((each) => dropAddedNulls(each, node.items as Node, defs)) : value
  }
  if (!isNode(value)) return value
  if (!isNode(node.properties)) return value
  const required = new Set(Array.isArray(node.required) ? node.required as Array<string> : [])
  const out: Record<string, unknown> = {}
  for (const [key, field] of Object.entries(value)) {
    const property = node.properties[key]
    if (!isNode(property)) {
      out[key] = field
    } else if (field === null && !required.has(key) && !allowsNull(property)) {
      continue
    } else {
      out[key] = dropAddedNulls(field, property, defs)
    }
  }
  return out
}

/** A node, or the definition its `$ref` names. */
const resolved = (node: Node, defs: Node): Node => {
  const def = typeof node.$ref === "string" ? defs[refName(node.$ref)] : node
  return isNode(def) ? def : {}
}

/** Whether an object may be of an object branch: its keys are the branch's, its literal fields agree. */
const matches = (value: Node, branch: Node, defs: Node): boolean => {
  const node = resolved(branch, defs)
  if (!isNode(node) || !isNode(node.properties)) return false
  const properties = node.properties
  return Object.entries(value).every(([key, field]) => {
    const property = properties[key]
    if (!isNode(property)) return false
    if (property.const !== undefined) return property.const === field
    return !Array.isArray(property.enum) || property.enum.includes(field) || field === null
  })
}

const parseJson = Schema.decodeUnknown(Schema.parseJson())

/**
 * The JSON Schema of `schema` for the model (strict mode's form unless `strict` is `false`) and the decoder of a value
 * the model wrote to it (nulls standing for absent optional fields dropped). Throws `StrictSchemaError` naming the
 * path when strict mode cannot express the schema. Shared by formats and tools.
 *
 * @internal
 */
export const modelSchema = <A, I>(
  schema: Schema.Schema<A, I>,
  strict: boolean
): {
  readonly jsonSchema: JsonSchema
  readonly decodeUnknown: (value: unknown) => Effect.Effect<A, ParseResult.ParseError>
  /** The same, from the JSON text the model wrote. */
  readonly decode: (text: string) => Effect.Effect<A, ParseResult.ParseError>
  /** Drops the nulls standing for absent optional fields (strict mode's), before decoding. */
  readonly dropNulls: (value: unknown) => unknown
} => {
  // `JSONSchema.make` writes an empty struct as "any object or array"; to the model it is an object with no fields
  const empty = AST.isTypeLiteral(schema.ast) && schema.ast.propertySignatures.length === 0 &&
    schema.ast.indexSignatures.length === 0
  const made = empty ? { type: "object", properties: {} } : JSONSchema.make(schema) as unknown as Node
  const { $defs: rawDefs, $schema: _, ...top } = made
  const defs: Node = isNode(rawDefs) ? rawDefs : {}
  // a class or a struct with an identifier is written as a `$ref` to its definition: the root is that definition
  const { $ref, ...siblings } = top
  const named = typeof $ref === "string" ? defs[refName($ref)] : undefined
  const root: Node = isNode(named) ? { ...named, ...siblings } : top
  let jsonSchema: Node
  if (strict) {
    unexpressed(schema.ast, [], new Set())
    if (root.type !== "object") {
      throw new StrictSchemaError({
        path: [],
        reason: "strict mode needs an object at the root; wrap the schema in a struct"
      })
    }
    jsonSchema = strictNode(root, [], defs)
    const rewritten = Object.entries(defs).map(([name, def]) => [name, strictNode(def as Node, ["$defs", name], defs)])
    // the definitions still referred to (not those inlined: the root's, those with keywords beside their `$ref`)
    const text = JSON.stringify([jsonSchema, ...rewritten.map(([, def]) => def)])
    const strictDefs = Object.fromEntries(rewritten.filter(([name]) => text.includes(`"#/$defs/${name}"`)))
    if (Object.keys(strictDefs).length > 0) jsonSchema = { ...jsonSchema, $defs: strictDefs }
  } else {
    jsonSchema = Object.keys(defs).length > 0 ? { ...root, $defs: defs } : root
  }
  const decodeSchema = Schema.decodeUnknown(schema, { onExcessProperty: "preserve" })
  const dropNulls = strict ? (value: unknown) => dropAddedNulls(value, root, defs) : (value: unknown) => value
  const decodeUnknown = (value: unknown) => decodeSchema(dropNulls(value))
  return { jsonSchema, decodeUnknown, decode: (text) => Effect.flatMap(parseJson(text), decodeUnknown), dropNulls }
}

/**
 * Makes a structured output format from a schema. Throws `StrictSchemaError` (naming the path) when strict mode
 * cannot express the schema; with `strict: false` the schema is sent as `JSONSchema.make` writes it.
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromSchema = <A, I>(
  schema: Schema.Schema<A, I>,
  options: { readonly name: string; readonly description?: string | undefined; readonly strict?: boolean | undefined }
): ResponseFormat<A, I> => {
  const isStrict = options.strict ?? true
  const { decode, decodeUnknown, dropNulls, jsonSchema } = modelSchema(schema, isStrict)
  const description = options.description !== undefined ? { description: options.description } : {}
  return {
    response_format: {
      type: "json_schema",
      json_schema: { name: options.name, ...description, schema: jsonSchema, strict: isStrict }
    },
    text: { format: { type: "json_schema", name: options.name, ...description, schema: jsonSchema, strict: isStrict } },
    jsonSchema,
    decode,
    decodeUnknown,
    partial: (text) => {
      const value = PartialJson.parse(text)
      return value === undefined ? undefined : dropNulls(value) as DeepPartial<I>
    }
  }
}
