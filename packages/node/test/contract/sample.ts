/**
 * A small valid value for a JSON Schema of the spec: the required fields only, the first enum member, the first
 * variant of a union, the minimum of a range, a tiny file for a binary field. Used to build a request for every
 * operation that a third-party validator of the spec must accept.
 */
import type { JsonSchema } from "../../../codegen/src/spec.js"
import { refName } from "../../../codegen/src/spec.js"

export interface Sampler {
  readonly schemas: Readonly<Record<string, JsonSchema>>
  /** A value for a `format: binary` field (a file). */
  readonly file: () => unknown
}

const isNull = (schema: JsonSchema) => schema.type === "null"

const stringOf = (schema: JsonSchema): string => {
  if (typeof (schema as { example?: unknown }).example === "string" && schema.format !== "binary") {
    return (schema as { example: string }).example
  }
  switch (schema.format) {
    case "uri":
    case "url":
      return "https://example.com/a"
    case "date-time":
      return "2026-01-01T00:00:00Z"
    case "date":
      return "2026-01-01"
    case "email":
      return "a@example.com"
    case "uuid":
      return "6f1c7a1e-3d2b-4c5a-9e8f-0a1b2c3d4e5f"
  }
  const min = (schema as { minLength?: number }).minLength ?? 1
  return "x".repeat(Math.max(1, min))
}

const numberOf = (schema: JsonSchema): number => {
  const bounds = schema as { minimum?: number; exclusiveMinimum?: number; maximum?: number }
  if (bounds.minimum !== undefined) return bounds.minimum
  if (bounds.exclusiveMinimum !== undefined) return bounds.exclusiveMinimum + 1
  if (bounds.maximum !== undefined) return Math.min(1, bounds.maximum)
  return 1
}

/** A valid value of `schema`; past a depth of 12 (only a recursive schema gets there) the value is left out. */
export const sample = (sampler: Sampler, schema: JsonSchema, depth = 0): unknown => {
  if (depth > 12) return undefined
  if (schema.$ref !== undefined) return sample(sampler, sampler.schemas[refName(schema.$ref)]!, depth + 1)
  if (schema.const !== undefined) return schema.const
  if (schema.enum !== undefined) return schema.enum.find((member) => member !== null)
  if (schema.default !== undefined && schema.default !== null && typeof schema.default !== "object") {
    return schema.default
  }
  if (schema.allOf !== undefined) {
    const parts = schema.allOf.map((part) => sample(sampler, part, depth + 1))
    if (parts.every((part) => typeof part === "object" && part !== null && !Array.isArray(part))) {
      return Object.assign({}, ...parts, schema.properties !== undefined ? sampleObject(sampler, schema, depth) : {})
    }
    return parts[0]
  }
  const union = schema.oneOf ?? schema.anyOf
  if (union !== undefined) {
    const first = union.find((member) => !isNull(member))
    if (first === undefined) return null
    if (schema.properties === undefined) return sample(sampler, first, depth + 1)
    // variants that only say which of the object's own properties are required
    const { anyOf: _, oneOf: __, ...object } = schema
    return sample(sampler, {
      ...object,
      ...first,
      properties: { ...object.properties, ...first.properties },
      required: [...(object.required ?? []), ...(first.required ?? [])]
    }, depth + 1)
  }
  const type = Array.isArray(schema.type) ? schema.type.find((each) => each !== "null") : schema.type
  switch (type) {
    case "string":
      return schema.format === "binary" ? sampler.file() : stringOf(schema)
    case "integer":
    case "number":
      return numberOf(schema)
    case "boolean":
      return false
    case "array": {
      const min = (schema as { minItems?: number }).minItems ?? 0
      return Array.from({ length: min }, () => sample(sampler, schema.items ?? {}, depth + 1))
    }
    case "null":
      return null
    default:
      if (schema.properties !== undefined || type === "object") return sampleObject(sampler, schema, depth)
      return "x"
  }
}

const sampleObject = (sampler: Sampler, schema: JsonSchema, depth: number): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const name of schema.required ?? []) {
    const property = schema.properties?.[name]
    if (property !== undefined) out[name] = sample(sampler, property, depth + 1)
  }
  return out
}
