/**
 * The spec's operations, read into what the emitter needs: the function's path (as in the official SDK), its
 * parameters (the last path parameter positional, the others named, query and body fields beside them), the body
 * and response kinds, streaming, pagination and credentials.
 */
import { camel } from "./names.js"
import * as overrides from "./overrides.js"
import type { Document, HttpMethod, JsonSchema, OperationObject, Parameter, PathItem } from "./spec.js"
import { deref, httpMethods, resolveRef } from "./spec.js"

export interface PathParam {
  readonly name: string
  readonly description: string | undefined
}

export interface QueryParam {
  /** The name on the wire, without a trailing `[]`. */
  readonly name: string
  readonly description: string | undefined
  readonly required: boolean
  readonly deprecated: boolean
  readonly schema: JsonSchema
}

export type Body =
  | { readonly kind: "none" }
  | {
    readonly kind: "json" | "multipart" | "multipartOrJson"
    readonly schema: JsonSchema
    readonly required: boolean
    /** Multipart parts sent as JSON rather than expanded (`encoding` with `application/json`). */
    readonly jsonParts: ReadonlyArray<string>
  }

export type ResponseKind =
  | { readonly kind: "json"; readonly schema: JsonSchema }
  | { readonly kind: "empty" | "text" | "bytes" }

/** A streaming form of an operation, as the overrides give it. */
export type Stream = overrides.StreamOverride

export type Pagination =
  | { readonly style: "cursor"; readonly param: string; readonly cursorField: string | undefined }
  | { readonly style: "nextToken"; readonly param: string; readonly field: string }

export interface OperationModel {
  /** `METHOD /path` as the spec writes it. */
  readonly key: string
  readonly method: Uppercase<HttpMethod>
  /** The URL path template, without a query. */
  readonly path: string
  /** Query parameters fixed by the path (`?beta=true`). */
  readonly fixedQuery: Readonly<Record<string, string>>
  /** The SDK-style path, e.g. `["vectorStores", "files", "retrieve"]`. */
  readonly sdkPath: ReadonlyArray<string>
  readonly summary: string | undefined
  readonly description: string | undefined
  readonly deprecated: boolean
  readonly admin: boolean
  readonly positional: PathParam | undefined
  readonly named: ReadonlyArray<PathParam>
  readonly query: ReadonlyArray<QueryParam>
  readonly headers: Readonly<Record<string, string>>
  readonly body: Body
  readonly response: ResponseKind
  readonly stream: Stream | undefined
  readonly pagination: Pagination | undefined
}

const segmentName = (segment: string): string => overrides.words[segment] ?? camel(segment)

const isParam = (segment: string): boolean => segment.startsWith("{")

/** Whether `path` is `start` or lies below it. */
const under = (path: string, start: string): boolean => path === start || path.startsWith(`${start}/`)

/**
 * The SDK path the URL gives: namespaces from its static segments, and the function from the method (`list` or
 * `create` on a collection, `retrieve`/`update`/`delete` on an item). A POST to a static segment after an item
 * that holds nothing below it is an action (`/batches/{id}/cancel` → `batches.cancel`); a POST beside a GET that
 * reads one object (not a list) updates it (`/organization/data_retention`).
 */
const sdkPathOf = (
  method: HttpMethod,
  path: string,
  beta: boolean,
  paths: ReadonlyArray<string>,
  listing: boolean,
  /** Whether a GET of the same path reads one object (then a POST there updates it). */
  singleton: boolean
): ReadonlyArray<string> => {
  const prefix = overrides.prefixes.find(([start]) => under(path, start))
  const rest = prefix === undefined ? path : path.slice(prefix[0].length)
  const namespace = [...(prefix === undefined ? [] : prefix[1].split(".")), ...(beta ? ["beta"] : [])]
  const segments = rest.split("/").filter((segment) => segment !== "")
  const names = segments.filter((segment) => !isParam(segment)).map(segmentName)
  const last = segments[segments.length - 1]
  const onItem = last !== undefined && isParam(last)
  const onItemNames: Partial<Record<HttpMethod, string>> = { get: "retrieve", post: "update", delete: "delete" }
  if (onItem) return [...namespace, ...names, onItemNames[method] ?? method]
  const previous = segments[segments.length - 2]
  const holdsMore = paths.some((other) => other.startsWith(`${path}/`))
  if (method === "post" && singleton) return [...namespace, ...names, "update"]
  if (method === "post" && previous !== undefined && isParam(previous) && !holdsMore) {
    return [...namespace, ...names]
  }
  const fn = method === "get" ? (listing ? "list" : "retrieve") : method === "post" ? "create" : method
  return [...namespace, ...names, fn]
}

const successOf = (operation: OperationObject) => {
  const code = Object.keys(operation.responses).find((status) => status.startsWith("2"))
  return code === undefined ? undefined : operation.responses[code]
}

const bodyOf = (document: Document, operation: OperationObject): Body => {
  if (operation.requestBody === undefined) return { kind: "none" }
  const body = deref(document, operation.requestBody)
  const json = body.content["application/json"]
  const multipart = body.content["multipart/form-data"]
  const jsonParts = Object.entries(multipart?.encoding ?? {})
    .filter(([, encoding]) => encoding.contentType === "application/json")
    .map(([name]) => name)
  if (multipart?.schema !== undefined) {
    return {
      kind: json?.schema !== undefined ? "multipartOrJson" : "multipart",
      schema: multipart.schema,
      required: body.required === true,
      jsonParts
    }
  }
  if (json?.schema !== undefined) {
    return { kind: "json", schema: json.schema, required: body.required === true, jsonParts }
  }
  return { kind: "none" }
}

const responseOf = (key: string, document: Document, operation: OperationObject): ResponseKind => {
  const fixed = overrides.responses[key]
  if (fixed !== undefined) return { kind: fixed }
  const success = successOf(operation)
  const content = success === undefined ? undefined : deref(document, success).content
  if (content === undefined || Object.keys(content).length === 0) return { kind: "empty" }
  const json = content["application/json"]
  if (json?.schema !== undefined) return { kind: "json", schema: json.schema }
  if (Object.keys(content).some((type) => type.startsWith("text/") || type === "application/sdp")) {
    return { kind: "text" }
  }
  return { kind: "bytes" }
}

const paginationOf = (
  document: Document,
  query: ReadonlyArray<QueryParam>,
  response: ResponseKind
): Pagination | undefined => {
  if (response.kind !== "json") return undefined
  const fields = resolveRef(document, response.schema)?.properties ?? {}
  if (fields.data === undefined) return undefined
  const has = (name: string) => query.some((param) => param.name === name)
  if (has("after")) {
    // most lists say `last_id` or leave it to the last item's id; the group and role lists send `next` instead
    const cursorField = fields.last_id === undefined && fields.next !== undefined ? "next" : undefined
    return { style: "cursor", param: "after", cursorField }
  }
  if (has("page") && fields.next_page !== undefined) return { style: "nextToken", param: "page", field: "next_page" }
  return undefined
}

/** Whether a JSON response is a list (`data` beside other fields), which makes a GET `list` rather than `retrieve`. */
const isListing = (document: Document, response: ResponseKind): boolean =>
  response.kind === "json" && resolveRef(document, response.schema)?.properties?.data !== undefined

const singletonGet = (document: Document, path: string, item: PathItem, method: HttpMethod): boolean => {
  const get = item.get
  if (method !== "post" || get === undefined) return false
  const response = responseOf(`GET ${path}`, document, get)
  return response.kind === "json" && !isListing(document, response)
}

const queryOf = (document: Document, parameters: ReadonlyArray<Parameter>): ReadonlyArray<QueryParam> =>
  parameters.map((each) => deref(document, each)).filter((param) => param.in === "query").map((param) => {
    return {
      name: param.name.endsWith("[]") ? param.name.slice(0, -2) : param.name,
      description: param.description,
      required: param.required === true,
      deprecated: param.deprecated === true,
      schema: param.schema ?? {}
    }
  })

const headersOf = (path: string): Readonly<Record<string, string>> =>
  Object.assign(
    {},
    ...overrides.headers.filter(([start]) => under(path, start)).map(([, each]) => each)
  )

/**
 * Every operation of the spec, in the spec's order. An override naming an operation or schema the spec does not
 * have is an error for the spec it is given (the fixture of the golden tests has only some of them).
 */
export const operations = (document: Document): ReadonlyArray<OperationModel> => {
  const paths = Object.keys(document.paths)
  const plain = paths.map((path) => path.split("?")[0]!)
  const out: Array<OperationModel> = []
  for (const key of paths) {
    const item = document.paths[key]!
    const [path, search] = key.split("?") as [string, string | undefined]
    const fixedQuery = Object.fromEntries(new URLSearchParams(search ?? ""))
    for (const method of httpMethods) {
      const operation = item[method]
      if (operation === undefined) continue
      const opKey = `${method.toUpperCase()} ${key}`
      const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])]
      const pathParams = parameters.map((each) => deref(document, each)).filter((param) => param.in === "path")
      const ordered = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => {
        const found = pathParams.find((param) => param.name === match[1])
        return { name: match[1]!, description: found?.description }
      })
      const query = queryOf(document, parameters)
      const plainKey = `${method.toUpperCase()} ${path}`
      const response = responseOf(plainKey, document, operation)
      const pagination = paginationOf(document, query, response)
      const named = overrides.names[plainKey]
      const beta = search !== undefined
      const sdkPath = named !== undefined
        ? [...(beta ? ["beta"] : []), ...named.split(".")]
        : sdkPathOf(
          method,
          path,
          beta,
          plain,
          isListing(document, response),
          singletonGet(document, path, item, method)
        )
      const stream = overrides.streams[opKey]
      if (stream !== undefined && document.components.schemas[stream.events] === undefined) {
        throw new Error(`overrides.streams: the events of ${opKey}, ${stream.events}, are not a schema of the spec`)
      }
      out.push({
        key: opKey,
        method: method.toUpperCase() as Uppercase<HttpMethod>,
        path,
        fixedQuery,
        sdkPath,
        summary: operation.summary,
        description: operation.description,
        deprecated: operation.deprecated === true ||
          overrides.deprecated.some((start) => under(path, start)),
        admin: (operation.security ?? []).some((scheme) => "AdminApiKeyAuth" in scheme) ||
          overrides.adminKey.includes(opKey),
        positional: ordered[ordered.length - 1],
        named: ordered.slice(0, -1),
        query,
        headers: headersOf(path),
        body: bodyOf(document, operation),
        response,
        stream,
        pagination
      })
    }
  }
  return out
}
