/**
 * A resource module: its schemas, the parameter type of each operation and the operations themselves, laid out as
 * the official SDK lays them out (`VectorStores.files.retrieve(fileId, { vector_store_id })`).
 */
import { docBlock, indent } from "./format.js"
import type { File, Layout, Writer } from "./modules.js"
import {
  byteStreamName,
  emitComponentIn,
  eventStreamName,
  placeOf,
  unionDeclaration,
  webhookSchemas,
  writerFor
} from "./modules.js"
import { camel, pascal } from "./names.js"
import type { OperationModel } from "./operations.js"
import { newUses, propertyKey, runtime, tsObject, tsType } from "./schemas.js"
import type { Document, JsonSchema } from "./spec.js"
import { refName, resolveRef } from "./spec.js"

const reserved = new Set(["delete", "import", "export", "new", "function", "default", "in", "with"])

/** An object schema written in place: its properties, no union, no `allOf`, no reference. */
const isPlainObject = (schema: JsonSchema): boolean =>
  schema.$ref === undefined && schema.allOf === undefined && schema.anyOf === undefined &&
  schema.oneOf === undefined && schema.properties !== undefined && schema.additionalProperties === undefined

/** The name of an operation's parameter type: its path inside the module, e.g. `FilesRetrieveParams`. */
const paramsName = (path: ReadonlyArray<string>) => `${path.map(pascal).join("")}Params`

/** A function of the module, with its name inside its namespace. */
interface Fn {
  readonly path: ReadonlyArray<string>
  readonly code: string
}

const operationDoc = (operation: OperationModel, extra: ReadonlyArray<string>) => {
  const text = (operation.description ?? operation.summary ?? "").trim()
  return docBlock([
    ...(text === "" ? [] : [text, ""]),
    `\`${operation.method} ${operation.path}\``,
    ...(operation.admin ? ["", "Needs the admin key (`adminApiKey` / `OPENAI_ADMIN_KEY`)."] : []),
    ...extra,
    ...(operation.deprecated ? ["", "@deprecated"] : []),
    "",
    "@since 0.2.0"
  ])
}

interface Emitted {
  readonly declarations: Array<string>
  readonly functions: Array<Fn>
}

const emitOperation = (writer: Writer, operation: OperationModel, emitted: Emitted, counter: { n: number }) => {
  const { path } = placeOf(operation)
  const { document } = writer
  const typeContext = writer.context("", false)
  const uses = newUses()

  // the parameter type: named path parameters, query fields and the body's fields, in one object
  const own: Record<string, JsonSchema> = {}
  const ownRequired: Array<string> = []
  for (const param of operation.named) {
    own[param.name] = { type: "string", ...(param.description !== undefined ? { description: param.description } : {}) }
    ownRequired.push(param.name)
  }
  for (const param of operation.query) {
    own[param.name] = {
      ...param.schema,
      ...(param.description !== undefined ? { description: param.description } : {}),
      ...(param.deprecated ? { deprecated: true } : {})
    }
    if (param.required) ownRequired.push(param.name)
  }
  const body = operation.body
  // an inline object body joins the other fields in one interface
  const inlineBody = body.kind !== "none" && isPlainObject(body.schema) ? body.schema : undefined
  if (inlineBody !== undefined) {
    Object.assign(own, inlineBody.properties ?? {})
    ownRequired.push(...(body.kind !== "none" && body.required ? inlineBody.required ?? [] : []))
  }
  const hasOwn = Object.keys(own).length > 0
  const bodyType = body.kind === "none" || inlineBody !== undefined
    ? undefined
    : tsType(body.schema, typeContext, uses, { multipart: body.kind !== "json" })
  const name = paramsName(path)
  let paramsType: string | undefined
  let paramsRequired = ownRequired.length > 0
  if (body.kind !== "none" && body.required) paramsRequired = true
  if (hasOwn || bodyType !== undefined) {
    const ownType = hasOwn
      ? tsObject({ type: "object", properties: own, required: ownRequired }, typeContext, uses, {
        multipart: body.kind !== "none" && body.kind !== "json"
      })
      : undefined
    const docs = docBlock([`Parameters of \`${operation.sdkPath.join(".")}\`.`, "", "@since 0.2.0"])
    if (bodyType === undefined) emitted.declarations.push(`${docs}export interface ${name} ${ownType}\n`)
    else if (ownType === undefined) emitted.declarations.push(`${docs}export type ${name} = ${bodyType}\n`)
    else emitted.declarations.push(`${docs}export type ${name} = (${bodyType}) & ${ownType}\n`)
    paramsType = name
  }

  // the response
  const n = counter.n++
  let resultType: string
  let responseConst: string
  const response = operation.response
  switch (response.kind) {
    case "json": {
      const ref = response.schema.$ref
      let typeName: string
      if (ref !== undefined) {
        typeName = writer.context("", true).ref(refName(ref))
      } else {
        typeName = `${path.map(pascal).join("")}Response`
        const code = runtime(response.schema, writer.context(typeName, true), newUses())
        emitted.declarations.push(
          `${
            docBlock([`The response of \`${operation.sdkPath.join(".")}\`.`, "", "@since 0.2.0"])
          }export const ${typeName} = ${code}\n\n` +
            `${docBlock(["@since 0.2.0"])}export type ${typeName} = Schema.Schema.Type<typeof ${typeName}>\n`
        )
      }
      responseConst = `Operation.jsonResponse(${typeName})`
      resultType = typeName
      break
    }
    case "empty":
      responseConst = "Operation.emptyResponse"
      resultType = "void"
      break
    case "text":
      responseConst = "Operation.textResponse"
      resultType = "string"
      break
    case "bytes":
      responseConst = "Operation.bytesResponse"
      resultType = "Uint8Array"
      break
  }
  const responseName = `response${n}`
  emitted.declarations.push(`const ${responseName} = ${responseConst}\n`)

  // the descriptor
  const positional = operation.positional === undefined ? undefined : camel(operation.positional.name)
  const pathExpr = "`" +
    operation.path.replace(
      /\{([^}]+)\}/g,
      (_, param: string) => `\${pathParam(${param === operation.positional?.name ? positional : param})}`
    ) + "`"
  const bodyFields = body.kind === "none" ? [] : Object.keys(resolveRef(document, body.schema).properties ?? {})
  const queryNames = operation.query.map((param) => param.name)
  const fieldsVar = operation.named.length > 0 ? "fields" : "params"
  // the fields beside the named path parameters, when some may be there (query or body)
  const restUsed = body.kind !== "none" || operation.query.length > 0
  const destructure = operation.named.length > 0
    ? `const { ${operation.named.map((param) => param.name).join(", ")}${restUsed ? ", ...fields" : ""} } = params\n`
    : ""
  let queryExpr: string | undefined
  let bodyVar = fieldsVar
  let split = ""
  if (operation.method === "GET" || operation.method === "DELETE") {
    if (operation.query.length > 0) queryExpr = `Params.query(${fieldsVar})`
  } else if (queryNames.length > 0) {
    split = `const [queryFields, bodyFields] = Params.split(${fieldsVar}, ${JSON.stringify(queryNames)})\n`
    queryExpr = "Params.query(queryFields)"
    bodyVar = "bodyFields"
  }
  const fixed = Object.keys(operation.fixedQuery).length > 0 ? JSON.stringify(operation.fixedQuery) : undefined
  if (fixed !== undefined) queryExpr = queryExpr === undefined ? fixed : `{ ...${queryExpr}, ...${fixed} }`
  const bodyExpr = (extra: string | undefined) => {
    if (body.kind === "none") return undefined
    const value = extra === undefined ? bodyVar : `{ ...${bodyVar}, ${extra} }`
    switch (body.kind) {
      case "json":
        return `Operation.jsonBody(${value})`
      case "multipart":
        return body.jsonParts.length > 0
          ? `Params.multipart(${value}, ${JSON.stringify(body.jsonParts)})`
          : `Params.multipart(${value})`
      case "multipartOrJson":
        return `Params.body(${value})`
    }
  }
  const headers = Object.keys(operation.headers).length > 0 ? JSON.stringify(operation.headers) : undefined
  const model = bodyFields.includes("model")
    ? `Params.model(${fieldsVar}?.model)`
    : operation.positional?.name === "model"
    ? positional
    : undefined
  const descriptor = (response: string, bodyExtra: string | undefined, queryExtra: string | undefined) => {
    const query = queryExtra === undefined
      ? queryExpr
      : queryExpr === undefined
      ? queryExtra
      : `{ ...${queryExpr}, ...${queryExtra} }`
    const bodyCode = bodyExpr(bodyExtra)
    return [
      `name: ${JSON.stringify(operation.sdkPath.join("."))}`,
      `method: "${operation.method}"`,
      `path: ${pathExpr}`,
      ...(query !== undefined ? [`query: ${query}`] : []),
      ...(bodyCode !== undefined ? [`body: ${bodyCode}`] : []),
      ...(headers !== undefined ? [`headers: ${headers}`] : []),
      ...(operation.admin ? [`credential: "admin"`] : []),
      ...(model !== undefined ? [`model: ${model}`] : []),
      `response: ${response}`
    ].join(",\n")
  }
  const args = (optionsType: string) =>
    [
      ...(positional !== undefined ? [`${positional}: string`] : []),
      ...(paramsType !== undefined ? [`params${paramsRequired ? "" : "?"}: ${paramsType}`] : []),
      `options?: OpenAiClient.${optionsType}`
    ].join(", ")
  const fn = (
    fnPath: ReadonlyArray<string>,
    docs: string,
    optionsType: string,
    returnType: string,
    call: (descriptor: string) => string,
    response: string,
    bodyExtra?: string,
    queryExtra?: string
  ) => {
    const prelude = destructure + split
    const request = call(`{\n${descriptor(response, bodyExtra, queryExtra)}\n}`)
    const bodyCode = prelude === "" ? request : `{\n${prelude}return ${request}\n}`
    emitted.functions.push({
      path: fnPath,
      code: `${docs}(${args(optionsType)}): ${returnType} => ${bodyCode}`
    })
  }

  const effectOf = (type: string) => `Effect.Effect<${type}, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>`
  const streamOf = (type: string) => `Stream.Stream<${type}, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>`
  const request = (descriptor: string) => `OpenAiClient.request(${descriptor}, options)`
  if (operation.pagination !== undefined) {
    const pagination = operation.pagination
    const page = `Page.Page<${resultType}["data"][number], ${resultType}>`
    const types = `<${resultType}["data"][number], ${resultType}>`
    const paginationExpr = pagination.style === "cursor"
      ? pagination.cursorField === undefined
        ? `Page.cursor${types}()`
        : `Page.cursor${types}({ cursor: (body) => typeof body.${pagination.cursorField} === "string" ? body.${pagination.cursorField} : undefined })`
      : `Page.nextToken${types}({ param: ${JSON.stringify(pagination.param)}, field: ${
        JSON.stringify(pagination.field)
      } })`
    emitted.declarations.push(`const pagination${n} = ${paginationExpr}\n`)
    fn(
      path,
      operationDoc(operation, [
        "",
        "The first page; its `next` fetches the following one, and `Page.items` streams every item."
      ]),
      "RequestOptions",
      effectOf(page),
      (d) => `Page.request(${d}, pagination${n}, options)`,
      responseName
    )
  } else {
    fn(path, operationDoc(operation, []), "RequestOptions", effectOf(resultType), request, responseName)
  }
  if (response.kind === "bytes") {
    const fnName = path[path.length - 1]!
    fn(
      [...path.slice(0, -1), byteStreamName(fnName)],
      operationDoc(operation, ["", "The body as a stream of byte chunks, read as it arrives."]),
      "StreamRequestOptions",
      streamOf("Uint8Array"),
      (d) => `OpenAiClient.stream(${d}, options)`,
      "Operation.byteStreamResponse"
    )
  }
  const stream = operation.stream
  if (stream !== undefined) {
    const events = writer.context("", true).ref(stream.events)
    const streamName = `stream${n}`
    emitted.declarations.push(
      `const ${streamName} = Operation.eventsResponse(${events}, { terminal: [${
        stream.terminal.map((each) => JSON.stringify(each)).join(", ")
      }]${
        stream.failing === undefined
          ? ""
          : `, failing: [${stream.failing.map((each) => JSON.stringify(each)).join(", ")}]`
      } })\n`
    )
    const fnName = path[path.length - 1]!
    const trigger = stream.set ?? { stream: true }
    const extra = Object.entries(trigger).map(([key, value]) => `${propertyKey(key)}: ${JSON.stringify(value)}`).join(
      ", "
    )
    fn(
      [...path.slice(0, -1), eventStreamName(fnName)],
      operationDoc(operation, [
        "",
        `Streamed: the events as they arrive, until ${stream.terminal.map((each) => `\`${each}\``).join(" or ")}.`
      ]),
      "StreamRequestOptions",
      streamOf(events),
      (d) => `OpenAiClient.stream(${d}, options)`,
      streamName,
      stream.trigger === "body" ? extra : undefined,
      stream.trigger === "query" ? `{ ${extra} }` : undefined
    )
  }
}

/** The union of the spec's webhook events (the spec has none: each webhook names its own schema). */
const webhookUnion = (writer: Writer): string => {
  const names = webhookSchemas(writer.document).map((name) => writer.context("", true).ref(name))
  return unionDeclaration(
    "WebhookEvent",
    names,
    `OpenUnion("type", [${names.join(", ")}])`,
    docBlock([
      "Any event OpenAI sends to a webhook, tagged by `type`; an event type newer than this package decodes as sent.",
      "",
      "@since 0.2.0",
      "@category schemas"
    ]),
    docBlock(["Any event OpenAI sends to a webhook.", "", "@since 0.2.0", "@category models"])
  )
}

/** The namespace objects of a module, nested as the functions' paths say. */
const renderFunctions = (functions: ReadonlyArray<Fn>): string => {
  interface Node {
    readonly children: Map<string, Node>
    code: string | undefined
  }
  const root: Node = { children: new Map(), code: undefined }
  for (const fn of functions) {
    let node = root
    for (const segment of fn.path) {
      let child = node.children.get(segment)
      if (child === undefined) {
        child = { children: new Map(), code: undefined }
        node.children.set(segment, child)
      }
      node = child
    }
    if (node.code !== undefined || node.children.size > 0) throw new Error(`two functions at ${fn.path.join(".")}`)
    node.code = fn.code
  }
  const render = (node: Node): string => {
    if (node.code !== undefined) {
      if (node.children.size > 0) throw new Error("a function and a namespace share a name")
      return node.code
    }
    return `{\n${
      [...node.children].map(([key, child]) => {
        const code = render(child)
        // the function's JSDoc goes before its key
        const match = /^(\/\*\*[\s\S]*?\*\/\n)([\s\S]*)$/.exec(code)
        return match !== null ? `${match[1]}${propertyKey(key)}: ${match[2]}` : `${propertyKey(key)}: ${code}`
      }).join(",\n\n")
    }\n}`
  }
  const out: Array<string> = []
  for (const [key, child] of root.children) {
    const code = render(child)
    const match = /^(\/\*\*[\s\S]*?\*\/\n)([\s\S]*)$/.exec(code)
    const docs = match !== null ? match[1]! : docBlock([`The \`${key}\` operations.`, "", "@since 0.2.0"])
    const value = match !== null ? match[2]! : code
    if (reserved.has(key)) {
      out.push(`${docs}const ${key}_ = ${value}\n\nexport {\n${docs}${key}_ as ${key}\n}\n`)
    } else {
      out.push(`${docs}export const ${key} = ${value}\n`)
    }
  }
  return out.join("\n")
}

/** A resource module: its own schemas, then its operations. */
export const resourceModule = (
  document: Document,
  sha256: string,
  layout: Layout,
  module: string,
  description: string
): File => {
  const writer = writerFor(module, layout, document, sha256)
  const components = emitComponentIn(writer)
  const emitted: Emitted = { declarations: [], functions: [] }
  const counter = { n: 0 }
  for (const operation of layout.modules.get(module) ?? []) emitOperation(writer, operation, emitted, counter)
  if (module === "Webhooks") emitted.declarations.push(webhookUnion(writer))
  const functions = renderFunctions(emitted.functions)
  const body = [components, emitted.declarations.join("\n"), functions].filter((each) => each !== "").join("\n")
  writer.finish(body)
  return {
    path: `${module}.ts`,
    text: indent(`${writer.header(description)}${writer.imports.render()}\n\n${reexports(writer)}${body}`)
  }
}

const reexports = (writer: Writer): string => {
  const lines = writer.imports.reexports()
  return lines === ""
    ? ""
    : `${docBlock(["The shared schemas this module's declarations use.", "", "@since 0.2.0"])}${lines}\n\n`
}
