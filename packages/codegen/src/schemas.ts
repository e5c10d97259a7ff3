/**
 * JSON Schema → TypeScript: `Schema` code for what is decoded (responses, stream events, webhooks) and plain types
 * for what is only sent (request bodies and parameters: encoded as written, no runtime cost).
 *
 * Decoding is tolerant, as DESIGN.md requires: unknown keys are kept (the decoder preserves them), string enums stay
 * open, a required nullable field a server leaves out decodes as `null`, and a discriminated union lets a variant
 * with an unknown tag through unchanged. Nullability is read in all three spellings of the spec: `anyOf`/`oneOf`
 * with a `{type: "null"}` member, 3.0's `nullable: true` and 3.1's `type: [x, "null"]`.
 */
import type { JsonSchema } from "./spec.js"
import { refName } from "./spec.js"

/** What a schema references while it is emitted: named schemas, and whether it recurses through `$recursiveRef`. */
export interface Uses {
  recursive: boolean
}

export const newUses = (): Uses => ({ recursive: false })

/** The TypeScript identifier of a component name (`Error-2` → `Error2`). */
export const identifier = (name: string): string => {
  const cleaned = name.replace(/[^A-Za-z0-9_$]/g, "")
  return /^[0-9]/.test(cleaned) ? `_${cleaned}` : cleaned
}

const isNullSchema = (schema: JsonSchema): boolean =>
  schema.type === "null" || (Array.isArray(schema.type) && schema.type.length === 1 && schema.type[0] === "null")

/** The schema without its null alternatives, and whether it had any. */
export const splitNull = (schema: JsonSchema): { readonly schema: JsonSchema; readonly nullable: boolean } => {
  let nullable = schema.nullable === true
  let rest: JsonSchema = schema
  if (schema.nullable !== undefined) {
    const { nullable: _, ...without } = schema
    rest = without
  }
  if (Array.isArray(rest.type) && rest.type.includes("null")) {
    nullable = true
    const types = rest.type.filter((type) => type !== "null")
    rest = { ...rest, type: types.length === 1 ? types[0]! : types }
  }
  // `allOf: [X, { nullable: true, description }]`: a part that only says "nullable"
  if (rest.allOf?.some((part) => part.nullable === true && !hasShape(part))) {
    nullable = true
    rest = { ...rest, allOf: rest.allOf.filter((part) => !(part.nullable === true && !hasShape(part))) }
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const members = rest[key]
    if (members === undefined || !members.some(isNullSchema)) continue
    nullable = true
    const others = members.filter((member) => !isNullSchema(member))
    const { [key]: _, ...without } = rest
    if (others.length === 1 && !hasShape(without)) {
      // `anyOf: [X, null]` with nothing else beside it but notes: the schema is X
      rest = { ...others[0]!, ...pick(without, "description", "title", "deprecated") }
    } else {
      rest = { ...without, [key]: others }
    }
  }
  return { schema: rest, nullable }
}

const shapeKeys = [
  "$ref",
  "$recursiveRef",
  "type",
  "enum",
  "const",
  "properties",
  "additionalProperties",
  "items",
  "anyOf",
  "oneOf",
  "allOf"
] as const

const hasShape = (schema: JsonSchema): boolean => shapeKeys.some((key) => schema[key] !== undefined)

const pick = (schema: JsonSchema, ...keys: ReadonlyArray<keyof JsonSchema>): JsonSchema => {
  const out: Record<string, unknown> = {}
  for (const key of keys) if (schema[key] !== undefined) out[key] = schema[key]
  return out as JsonSchema
}

/** A property key as written in an object literal or type. */
export const propertyKey = (name: string): string =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name)

/** The string members of an enum, or `undefined` when it has others. */
const stringEnum = (schema: JsonSchema): ReadonlyArray<string> | undefined =>
  schema.enum !== undefined && schema.enum.every((member) => typeof member === "string")
    ? schema.enum as ReadonlyArray<string>
    : undefined

/** A single fixed value (`const`, or a one-member enum marked `x-stainless-const`). */
const constant = (schema: JsonSchema): { readonly value: unknown } | undefined => {
  if (schema.const !== undefined) return { value: schema.const }
  if (schema.enum?.length === 1 && schema["x-stainless-const"] === true) return { value: schema.enum[0] }
  return undefined
}

/** The fields of an `allOf`, merged into one object (the spec spreads `required` across the parts too). */
export const mergeAllOf = (
  schema: JsonSchema,
  resolve: (name: string) => JsonSchema
): JsonSchema | undefined => {
  const properties: Record<string, JsonSchema> = {}
  const required = new Set<string>()
  let additional: JsonSchema["additionalProperties"]
  const visit = (part: JsonSchema): boolean => {
    if (part.$ref !== undefined) return visit(resolve(refName(part.$ref)))
    if (part.allOf !== undefined && !part.allOf.every(visit)) return false
    if (part.anyOf !== undefined || part.oneOf !== undefined) return false
    if (part.type !== undefined && part.type !== "object") return false
    Object.assign(properties, part.properties ?? {})
    for (const name of part.required ?? []) required.add(name)
    if (part.additionalProperties !== undefined && part.additionalProperties !== false) {
      additional = part.additionalProperties
    }
    return true
  }
  const { allOf, ...own } = schema
  if (!visit({ ...own, allOf: allOf ?? [] })) return undefined
  return {
    ...pick(schema, "description", "title", "deprecated"),
    type: "object",
    properties,
    required: [...required],
    ...(additional !== undefined ? { additionalProperties: additional } : {})
  }
}

/** The tag values of a union variant: a fixed string, or the members of a string enum. */
const variantTag = (
  variant: JsonSchema,
  property: string,
  resolve: (name: string) => JsonSchema
): ReadonlyArray<string> | undefined => {
  const object = variant.$ref !== undefined ? resolve(refName(variant.$ref)) : variant
  const merged = object.allOf !== undefined ? mergeAllOf(object, resolve) : object
  const tag = merged?.properties?.[property]
  if (tag === undefined || !(merged?.required ?? []).includes(property)) return undefined
  const fixed = constant(tag)
  if (fixed !== undefined) return typeof fixed.value === "string" ? [fixed.value] : undefined
  return stringEnum(tag)
}

/**
 * The component names of a union made of references alone (nothing else beside them, no `null`): the union
 * `runtime` writes as `Schema.Union`/`OpenUnion` of those names.
 */
export const refUnion = (input: JsonSchema): ReadonlyArray<string> | undefined => {
  const { nullable, schema } = splitNull(input)
  if (nullable || schema.$ref !== undefined || schema.$recursiveRef !== undefined || constant(schema) !== undefined) {
    return undefined
  }
  if (schema.enum !== undefined || schema.allOf !== undefined) return undefined
  const members = schema.oneOf ?? schema.anyOf
  if (members === undefined || members.length < 2) return undefined
  return members.every((member) => member.$ref !== undefined)
    ? members.map((member) => refName(member.$ref!))
    : undefined
}

/** How named schemas are written where they are used. */
export interface Context {
  /** A component schema by name. */
  readonly resolve: (name: string) => JsonSchema
  /** The identifier a component is referenced by (its import recorded). */
  readonly ref: (name: string) => string
  /** The identifier of the schema being emitted, for `$recursiveRef: "#"`. */
  readonly self: string
  /**
   * Fields exactly as the spec says (no `null` for optional fields, no default for lists): for a recursive schema,
   * whose type is written out and must be its encoded type too.
   */
  readonly plain?: boolean | undefined
  /**
   * The schema being written is a member of a union: its `type` values are literals, so TypeScript narrows on them
   * (a value none of the members has passes an open union as an unknown member). Elsewhere a `type` is an open
   * enum, so a new value from the server still decodes.
   */
  readonly variant?: boolean | undefined
}

/** The same context for what a schema contains (its fields, its items), which are not union members. */
const inside = (context: Context): Context => context.variant === true ? { ...context, variant: false } : context

const literal = (value: unknown): string => JSON.stringify(value)

/**
 * The `Schema` expression that decodes a JSON Schema. Field wrappers (`Schema.optional`, ...) are added by the
 * struct that holds the field.
 */
export const runtime = (input: JsonSchema, context: Context, uses: Uses): string => {
  const { nullable, schema } = splitNull(input)
  if (!hasShape(schema) && nullable) return "Schema.Null"
  const inner = runtimeInner(schema, context, uses)
  return nullable ? `Schema.NullOr(${inner})` : inner
}

const runtimeInner = (schema: JsonSchema, context: Context, uses: Uses): string => {
  if (schema.$ref !== undefined) return context.ref(refName(schema.$ref))
  if (schema.$recursiveRef !== undefined) {
    uses.recursive = true
    return `Schema.suspend((): Schema.Schema<${context.self}> => ${context.self})`
  }
  const fixed = constant(schema)
  if (fixed !== undefined) return `Schema.Literal(${literal(fixed.value)})`
  if (schema.enum !== undefined) {
    const members = stringEnum(schema)
    return members !== undefined
      ? `OpenEnum(${members.map(literal).join(", ")})`
      : `Schema.Literal(${schema.enum.map(literal).join(", ")})`
  }
  if (schema.allOf !== undefined) {
    // one part with a shape (the others only describe it): that part, by its name when it has one
    const parts = schema.allOf.filter(hasShape)
    if (parts.length === 1 && schema.properties === undefined) return runtime(parts[0]!, context, uses)
    const merged = mergeAllOf(schema, context.resolve)
    if (merged !== undefined) return runtimeInner(merged, context, uses)
    return "Schema.Unknown"
  }
  const union = schema.oneOf ?? schema.anyOf
  if (union !== undefined) return runtimeUnion(schema, union, context, uses)
  const type = Array.isArray(schema.type) ? undefined : schema.type
  switch (type) {
    case "string":
      return "Schema.String"
    case "integer":
    case "number":
      return "Schema.Number"
    case "boolean":
      return "Schema.Boolean"
    case "array":
      return `Schema.Array(${
        schema.items !== undefined ? runtime(schema.items, inside(context), uses) : "Schema.Unknown"
      })`
    case "object":
    case undefined:
      if (schema.properties !== undefined || schema.additionalProperties !== undefined || type === "object") {
        return runtimeObject(schema, context, uses)
      }
      return "Schema.Unknown"
    default:
      if (Array.isArray(schema.type)) {
        return `Schema.Union(${schema.type.map((each) => runtimeInner({ type: each }, context, uses)).join(", ")})`
      }
      return "Schema.Unknown"
  }
}

const runtimeUnion = (
  schema: JsonSchema,
  members: ReadonlyArray<JsonSchema>,
  context: Context,
  uses: Uses
): string => {
  if (members.length === 0) return "Schema.Unknown"
  if (members.length === 1) return runtime(members[0]!, context, uses)
  // any string, or one of these (model ids): an open enum is both, and keeps the names in the type
  const strings = members.map(splitNull).every(({ nullable, schema }) =>
    !nullable && (schema.type === "string" && schema.format === undefined || stringEnum(schema) !== undefined) &&
    schema.$ref === undefined
  )
  const names = members.flatMap((member) => stringEnum(member) ?? [])
  if (strings && names.length > 0 && members.some((member) => member.enum === undefined)) {
    return `OpenEnum(${[...new Set(names)].map(literal).join(", ")})`
  }
  const emitted = members.map((member) => runtime(member, { ...context, variant: true }, uses))
  const property = schema.discriminator?.propertyName ?? "type"
  const tags = members.map((member) => variantTag(member, property, context.resolve))
  // an open union: every variant has a literal tag, so a value with a tag none of them knows passes through
  if (tags.every((tag) => tag !== undefined)) {
    return `OpenUnion(${literal(property)}, [${emitted.join(", ")}])`
  }
  return `Schema.Union(${emitted.join(", ")})`
}

const runtimeObject = (schema: JsonSchema, context: Context, uses: Uses): string => {
  const required = new Set(schema.required ?? [])
  const tag = context.variant === true
  const fieldContext = inside(context)
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { nullable, schema: inner } = splitNull(property)
    // a union member's `type` is a literal, so TypeScript narrows on it (see `Context.variant`); a fixed string
    // elsewhere (`object: "file"`, a lone struct's `type`) is an open enum of one member, so a compatible server
    // that writes another value there still decodes
    const fixed = constant(inner)
    const tags = tag && name === "type" && fixed === undefined ? stringEnum(inner) : undefined
    const value = !(tag && name === "type") && typeof fixed?.value === "string"
      ? `OpenEnum(${literal(fixed.value)})`
      : tags !== undefined
      ? `Schema.Literal(${tags.map(literal).join(", ")})`
      : hasShape(inner)
      ? runtimeInner(inner, fieldContext, uses)
      : nullable
      ? "Schema.Null"
      : "Schema.Unknown"
    // an optional field may also come back `null` (the API sends `"user": null` for a field the spec types as an
    // optional string), so it decodes absent, `null` or its value
    // and a required list a server leaves out decodes as empty (`logprobs`, `annotations`: servers and the spec's own
    // examples omit them)
    const isList = !nullable && inner.type === "array" && value.startsWith("Schema.Array(")
    const wrapped = context.plain === true
      ? (required.has(name)
        ? (nullable ? `Schema.NullOr(${value})` : value)
        : `Schema.optional(${nullable ? `Schema.NullOr(${value})` : value})`)
      : !required.has(name)
      ? `optionalNullable(${value})`
      : isList
      ? `Schema.optionalWith(${value}, { default: () => [] })`
      : !nullable || !hasShape(inner)
      ? value
      : `sentAsNull(${value})`
    return `${doc(property, "  ")}  ${propertyKey(name)}: ${wrapped}`
  })
  const additional = schema.additionalProperties
  const record = additional === undefined || additional === false
    ? undefined
    : `Schema.Record({ key: Schema.String, value: ${
      additional === true ? "Schema.Unknown" : runtime(additional, fieldContext, uses)
    } })`
  if (fields.length === 0) return record ?? "Schema.Record({ key: Schema.String, value: Schema.Unknown })"
  const struct = `{\n${fields.join(",\n")}\n}`
  return record === undefined ? `Schema.Struct(${struct})` : `Schema.Struct(${struct}, ${record})`
}

/** A JSDoc block from a schema's description (and `@deprecated`), indented; empty without either. */
export const doc = (schema: JsonSchema, indent: string): string => {
  const lines: Array<string> = []
  const text = (schema.description ?? "").trim()
  if (text !== "") lines.push(...text.replace(/\*\//g, "*\\/").split("\n").map((line) => line.trimEnd()))
  if (schema.deprecated === true) lines.push("@deprecated")
  if (lines.length === 0) return ""
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`
  return `${indent}/**\n${
    lines.map((line) => `${indent} *${line === "" ? "" : ` ${line}`}`).join("\n")
  }\n${indent} */\n`
}

/** How the TypeScript type of a request is written: file fields accept what a multipart body takes. */
export interface TypeOptions {
  readonly multipart: boolean
  /** The type a decoded value has: string enums open, as `OpenEnum` decodes them. */
  readonly decoded?: boolean | undefined
}

/** The TypeScript type of a JSON Schema, for values that are only sent. */
export const tsType = (input: JsonSchema, context: Context, uses: Uses, options: TypeOptions): string => {
  const { nullable, schema } = splitNull(input)
  if (!hasShape(schema)) return nullable ? "null" : "unknown"
  const inner = tsInner(schema, context, uses, options)
  return nullable ? `${inner} | null` : inner
}

const parens = (type: string): string => /[|&]/.test(type) && !/^[{(]/.test(type) ? `(${type})` : type

const tsInner = (schema: JsonSchema, context: Context, uses: Uses, options: TypeOptions): string => {
  if (schema.$ref !== undefined) return context.ref(refName(schema.$ref))
  if (schema.$recursiveRef !== undefined) {
    uses.recursive = true
    return context.self
  }
  const fixed = constant(schema)
  if (fixed !== undefined) return literal(fixed.value)
  if (schema.enum !== undefined) {
    const members = schema.enum.map(literal).join(" | ")
    return options.decoded === true && stringEnum(schema) !== undefined ? `${members} | (string & {})` : members
  }
  if (schema.allOf !== undefined) {
    const parts = schema.allOf.filter(hasShape).map((part) => parens(tsType(part, context, uses, options)))
    const own = schema.properties !== undefined ? [tsObject(schema, context, uses, options)] : []
    const all = [...parts, ...own]
    return all.length === 0 ? "unknown" : all.join(" & ")
  }
  const union = schema.oneOf ?? schema.anyOf
  if (union !== undefined) {
    const members = union.map((member) => parens(tsType(member, { ...context, variant: true }, uses, options)))
    // `string` beside string literals (model ids: any string, or one of these) keeps the literals for completion
    const literals = members.some((member) => /^\(?"/.test(member))
    const written = members.map((member) => member === "string" && literals ? "(string & {})" : member)
    return written.length === 0 ? "unknown" : [...new Set(written)].join(" | ")
  }
  switch (Array.isArray(schema.type) ? undefined : schema.type) {
    case "string":
      return schema.format === "binary" && options.multipart ? "Multipart.Value" : "string"
    case "integer":
    case "number":
      return "number"
    case "boolean":
      return "boolean"
    case "array":
      return `ReadonlyArray<${
        schema.items !== undefined ? tsType(schema.items, inside(context), uses, options) : "unknown"
      }>`
    default:
      if (Array.isArray(schema.type)) {
        return schema.type.map((each) => tsInner({ type: each }, context, uses, options)).join(" | ")
      }
      if (schema.properties !== undefined || schema.additionalProperties !== undefined || schema.type === "object") {
        return tsObject(schema, context, uses, options)
      }
      return "unknown"
  }
}

/** An object type: `readonly` fields, optional ones also taking `undefined`. */
export const tsObject = (schema: JsonSchema, context: Context, uses: Uses, options: TypeOptions): string => {
  const required = new Set(schema.required ?? [])
  const tag = context.variant === true
  const fieldContext = inside(context)
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    // as the runtime decodes them: a union member's `type` values are literals; a fixed string elsewhere is an
    // open enum
    const fixed = constant(splitNull(property).schema)
    const type = options.decoded === true && tag && name === "type"
      ? tsType(property, fieldContext, uses, { ...options, decoded: false })
      : options.decoded === true && typeof fixed?.value === "string"
      ? `${tsType(property, fieldContext, uses, options)} | (string & {})`
      : tsType(property, fieldContext, uses, options)
    const optional = !required.has(name)
    return `${doc(property, "  ")}  readonly ${propertyKey(name)}${optional ? "?" : ""}: ${type}${
      optional ? " | undefined" : ""
    }`
  })
  const additional = schema.additionalProperties
  if (additional !== undefined && additional !== false) {
    // beside named fields the index signature must admit theirs too, so it is `unknown` there
    const value = additional === true || fields.length > 0 ? "unknown" : tsType(additional, fieldContext, uses, options)
    fields.push(`  readonly [key: string]: ${value}`)
  }
  if (fields.length === 0) return "{ readonly [key: string]: unknown }"
  return `{\n${fields.join("\n")}\n}`
}
