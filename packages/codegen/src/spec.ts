/**
 * The part of an OpenAPI 3.1 document the generator reads, and its loading. Nothing here knows about OpenAI.
 */
import yaml from "js-yaml"
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"

/** A JSON Schema as the spec writes it (only the keywords the generator reads are typed). */
export interface JsonSchema {
  readonly $ref?: string
  readonly $recursiveRef?: string
  readonly type?: string | ReadonlyArray<string>
  readonly nullable?: boolean
  readonly enum?: ReadonlyArray<unknown>
  readonly const?: unknown
  readonly format?: string
  readonly properties?: Readonly<Record<string, JsonSchema>>
  readonly required?: ReadonlyArray<string>
  readonly additionalProperties?: boolean | JsonSchema
  readonly items?: JsonSchema
  readonly prefixItems?: ReadonlyArray<JsonSchema>
  readonly anyOf?: ReadonlyArray<JsonSchema>
  readonly oneOf?: ReadonlyArray<JsonSchema>
  readonly allOf?: ReadonlyArray<JsonSchema>
  readonly discriminator?: { readonly propertyName: string }
  readonly description?: string
  readonly title?: string
  readonly deprecated?: boolean
  readonly default?: unknown
  readonly "x-stainless-const"?: boolean
}

export interface Parameter {
  readonly $ref?: string
  readonly name: string
  readonly in: "path" | "query" | "header" | "cookie"
  readonly required?: boolean
  readonly description?: string
  readonly deprecated?: boolean
  readonly style?: string
  readonly explode?: boolean
  readonly schema?: JsonSchema
}

export interface MediaType {
  readonly schema?: JsonSchema
  readonly encoding?: Readonly<Record<string, { readonly contentType?: string }>>
}

export interface RequestBody {
  readonly $ref?: string
  readonly required?: boolean
  readonly content: Readonly<Record<string, MediaType>>
}

export interface ResponseObject {
  readonly $ref?: string
  readonly description?: string
  readonly content?: Readonly<Record<string, MediaType>>
  readonly headers?: Readonly<Record<string, unknown>>
}

export interface OperationObject {
  readonly operationId: string
  readonly summary?: string
  readonly description?: string
  readonly deprecated?: boolean
  readonly tags?: ReadonlyArray<string>
  readonly parameters?: ReadonlyArray<Parameter>
  readonly requestBody?: RequestBody
  readonly responses: Readonly<Record<string, ResponseObject>>
  readonly security?: ReadonlyArray<Readonly<Record<string, ReadonlyArray<string>>>>
}

export type HttpMethod = "get" | "post" | "put" | "patch" | "delete"

export const httpMethods: ReadonlyArray<HttpMethod> = ["get", "post", "put", "patch", "delete"]

export type PathItem = Partial<Record<HttpMethod, OperationObject>> & {
  readonly parameters?: ReadonlyArray<Parameter>
}

export interface Document {
  readonly openapi: string
  readonly info: { readonly title: string; readonly version: string }
  readonly paths: Readonly<Record<string, PathItem>>
  readonly webhooks?: Readonly<Record<string, PathItem>>
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>
    readonly parameters?: Readonly<Record<string, Parameter>>
    readonly responses?: Readonly<Record<string, ResponseObject>>
    readonly requestBodies?: Readonly<Record<string, RequestBody>>
  }
}

/** A loaded spec: the document and the sha256 of its bytes (named in every generated file's header). */
export interface Spec {
  readonly document: Document
  readonly sha256: string
}

/** Reads and parses a YAML (or JSON) OpenAPI document. */
export const load = (file: string): Spec => {
  const text = readFileSync(file)
  return {
    document: yaml.load(text.toString("utf8"), { json: true }) as Document,
    sha256: createHash("sha256").update(text).digest("hex")
  }
}

const schemaPrefix = "#/components/schemas/"

/** The component name of a `#/components/schemas/...` reference. */
export const refName = (ref: string): string => {
  if (!ref.startsWith(schemaPrefix)) throw new Error(`unsupported $ref ${ref}`)
  return ref.slice(schemaPrefix.length)
}

/** A schema with its `$ref`s followed to the component they name. */
export const resolveRef = (document: Document, schema: JsonSchema): JsonSchema =>
  schema.$ref === undefined ? schema : resolveRef(document, document.components.schemas[refName(schema.$ref)]!)

/** Follows a `$ref` to `#/components/<kind>/<name>` (parameters, responses, request bodies). */
export const deref = <A extends { readonly $ref?: string }>(document: Document, value: A): A => {
  if (value.$ref === undefined) return value
  const [, , kind, name] = value.$ref.split("/")
  const table = (document.components as unknown as Record<string, Record<string, A> | undefined>)[kind!]
  const found = table?.[name!]
  if (found === undefined) throw new Error(`unresolved $ref ${value.$ref}`)
  return deref(document, found)
}
