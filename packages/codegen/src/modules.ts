/**
 * Which module each schema and operation lands in, and the text of every module.
 *
 * One module per top-level resource of the official SDK (`Files`, `VectorStores`, `Admin`, `BetaAssistants`, ...)
 * holds its operations and the schemas only it uses. A schema used by several resources lives in a shared module
 * named after the set of resources that use it, so importing one resource loads only what that resource reaches
 * (importing `Chat` never loads the Responses item model). Imports only ever go from a set to a larger one, so the
 * module graph has no cycles.
 *
 * A schema that is decoded somewhere (a response, a stream event, a webhook) is emitted as a `Schema` and its type;
 * one that is only sent is a type, with no runtime cost.
 */
import { docBlock, indent } from "./format.js"
import { pascal } from "./names.js"
import type { OperationModel } from "./operations.js"
import * as overrides from "./overrides.js"
import { identifier, newUses, refUnion, runtime, splitNull, tsObject, tsType } from "./schemas.js"
import type { Context } from "./schemas.js"
import type { Document, JsonSchema } from "./spec.js"
import { refName } from "./spec.js"

/** Module names the official SDK spells otherwise than its namespace's Pascal case. */
const moduleWords: Readonly<Record<string, string>> = { chatkit: "ChatKit" }

const moduleName = (name: string): string => moduleWords[name] ?? pascal(name)

/** The module of an operation and its path inside it (namespaces, then the function). */
export const placeOf = (
  operation: OperationModel
): { readonly module: string; readonly path: ReadonlyArray<string> } => {
  const [first, second, ...rest] = operation.sdkPath
  if (first === "beta") return { module: `Beta${moduleName(second!)}`, path: rest }
  if (first === "admin") return { module: "Admin", path: [second!, ...rest] }
  return { module: moduleName(first!), path: [second!, ...rest].filter((each) => each !== undefined) }
}

/** The function of an operation's body as a byte stream, beside its function `fn`. */
export const byteStreamName = (fn: string): string => `${fn}ByteStream`

/** The function of an operation's event stream, beside its function `fn` (`create` → `stream`). */
export const eventStreamName = (fn: string): string => fn === "create" ? "stream" : `${fn}Stream`

/** Every component a schema references, transitively. */
const closure = (document: Document, roots: Iterable<string>): Set<string> => {
  const seen = new Set<string>()
  const visit = (name: string) => {
    if (seen.has(name)) return
    seen.add(name)
    for (const each of refsOf(document.components.schemas[name]!)) visit(each)
  }
  for (const root of roots) visit(root)
  return seen
}

/** The components a schema references directly. */
export const refsOf = (schema: JsonSchema | undefined, into: Set<string> = new Set()): Set<string> => {
  if (schema === undefined || typeof schema !== "object") return into
  if (schema.$ref !== undefined) into.add(refName(schema.$ref))
  for (const value of Object.values(schema)) {
    if (Array.isArray(value)) { for (const each of value) refsOf(each as JsonSchema, into) }
    else if (typeof value === "object" && value !== null) refsOf(value as JsonSchema, into)
  }
  return into
}

/** A file of the output, relative to `packages/core/src/generated/`. */
export interface File {
  readonly path: string
  readonly text: string
}

/** The decoded part of an operation: the JSON response schema, or the stream's event schema. */
const decodedRoots = (operation: OperationModel): Set<string> => {
  const roots = new Set<string>()
  if (operation.response.kind === "json") refsOf(operation.response.schema, roots)
  if (operation.stream !== undefined) roots.add(operation.stream.events)
  return roots
}

const sentRoots = (operation: OperationModel): Set<string> => {
  const roots = new Set<string>()
  if (operation.body.kind !== "none") refsOf(operation.body.schema, roots)
  for (const param of operation.query) refsOf(param.schema, roots)
  return roots
}

export interface Layout {
  /** The module of every emitted component. */
  readonly home: ReadonlyMap<string, string>
  /** Components emitted as a `Schema` (decoded somewhere); the others are types only. */
  readonly decoded: ReadonlySet<string>
  readonly modules: ReadonlyMap<string, ReadonlyArray<OperationModel>>
  /** Components that are members of a union: somewhere in the spec, or the webhook events' (see `Context.variant`). */
  readonly variants: ReadonlySet<string>
}

/**
 * The components named as members of a `oneOf`/`anyOf` anywhere in the document (a `$recursiveRef: "#"` member
 * names the component it is in), plus `more`.
 */
const unionMembers = (document: Document, more: Iterable<string>): Set<string> => {
  const into = new Set(more)
  const visit = (node: unknown, component: string | undefined) => {
    if (Array.isArray(node)) {
      for (const each of node) visit(each, component)
    } else if (typeof node === "object" && node !== null) {
      const schema = node as JsonSchema
      for (const member of [...schema.oneOf ?? [], ...schema.anyOf ?? []]) {
        if (member.$ref !== undefined) into.add(refName(member.$ref))
        if (member.$recursiveRef !== undefined && component !== undefined) into.add(component)
      }
      for (const value of Object.values(node)) visit(value, component)
    }
  }
  for (const [name, schema] of Object.entries(document.components.schemas)) visit(schema, name)
  visit(document.paths, undefined)
  visit(document.webhooks, undefined)
  return into
}

/** Webhook event schemas, decoded by the `Webhooks` module. */
export const webhookSchemas = (document: Document): ReadonlyArray<string> =>
  Object.values(document.webhooks ?? {}).flatMap((item) => {
    const schema = item.post?.requestBody?.content["application/json"]?.schema
    return schema?.$ref !== undefined ? [refName(schema.$ref)] : []
  })

/** Assigns operations and schemas to modules. */
export const layout = (document: Document, operations: ReadonlyArray<OperationModel>): Layout => {
  const modules = new Map<string, Array<OperationModel>>()
  for (const operation of operations) {
    const { module } = placeOf(operation)
    modules.set(module, [...(modules.get(module) ?? []), operation])
  }
  const users = new Map<string, Set<string>>()
  const decodedRootsAll = new Set<string>()
  const use = (module: string, names: Iterable<string>) => {
    for (const name of closure(document, names)) users.set(name, (users.get(name) ?? new Set()).add(module))
  }
  for (const [module, ops] of modules) {
    for (const operation of ops) {
      const decoded = decodedRoots(operation)
      for (const name of decoded) decodedRootsAll.add(name)
      use(module, decoded)
      use(module, sentRoots(operation))
    }
  }
  const webhooks = webhookSchemas(document)
  use("Webhooks", webhooks)
  for (const name of webhooks) decodedRootsAll.add(name)
  for (const [module, names] of Object.entries(overrides.decoded)) {
    for (const name of names) {
      // a spec without it (the golden fixture) emits nothing; the hand-written layer's import then fails to compile
      if (document.components.schemas[name] === undefined) continue
      use(module, [name])
      decodedRootsAll.add(name)
    }
  }
  const home = new Map<string, string>()
  for (const [name, set] of users) {
    home.set(name, set.size === 1 ? [...set][0]! : `shared/${[...set].sort().join("_")}`)
  }
  return { home, decoded: closure(document, decodedRootsAll), modules, variants: unionMembers(document, webhooks) }
}

const header = (sha256: string, what: string) =>
  `/**
 * ${what}
 *
 * Generated by \`npm run codegen\` from the OpenAI OpenAPI spec (sha256 ${sha256}): do not edit.
 *
 * @since 0.2.0
 */
`

/** Imports of one module, gathered while its code is written. */
class Imports {
  private readonly named = new Map<string, Map<string, boolean>>()
  private readonly namespaces = new Map<string, { readonly specifier: string; readonly typeOnly: boolean }>()
  constructor(private readonly from: string) {}

  /** A named import; `value` when it is used at runtime (else `import type`). */
  add(module: string, name: string, value: boolean) {
    const names = this.named.get(module) ?? new Map<string, boolean>()
    names.set(name, (names.get(name) ?? false) || value)
    this.named.set(module, names)
  }

  /** `import * as alias`; `typeOnly` for `import type * as alias`. */
  namespace(alias: string, specifier: string, typeOnly = false) {
    const before = this.namespaces.get(alias)
    this.namespaces.set(alias, { specifier, typeOnly: typeOnly && (before?.typeOnly ?? true) })
  }

  /** A specifier relative to this module: `effect/...` as it is; `core:X` is `src/X`; others are generated modules. */
  private relative(module: string): string {
    if (module.startsWith("effect/")) return module
    const depth = this.from.split("/").length - 1
    if (module.startsWith("core:")) return `${"../".repeat(depth + 1)}${module.slice("core:".length)}.js`
    const fromDir = this.from.split("/").slice(0, -1)
    const toParts = module.split("/")
    let common = 0
    while (common < fromDir.length && common < toParts.length - 1 && fromDir[common] === toParts[common]) common++
    const up = fromDir.length - common
    return `${up === 0 ? "./" : "../".repeat(up)}${toParts.slice(common).join("/")}.js`
  }

  /** `import`/`export` statements of the named imports from the modules `which` selects, values and types apart. */
  private statements(keyword: "import" | "export", which: (module: string) => boolean): Array<string> {
    const lines: Array<string> = []
    for (const [module, names] of [...this.named].sort(([a], [b]) => a.localeCompare(b))) {
      if (!which(module)) continue
      const values = [...names].filter(([, value]) => value).map(([name]) => name).sort()
      const types = [...names].filter(([, value]) => !value).map(([name]) => name).sort()
      const specifier = this.relative(module)
      if (values.length > 0) lines.push(`${keyword} { ${values.join(", ")} } from "${specifier}"`)
      if (types.length > 0) lines.push(`${keyword} type { ${types.join(", ")} } from "${specifier}"`)
    }
    return lines
  }

  /**
   * `export { ... } from` for the names imported from shared modules, so a resource's module names every schema its
   * declarations use (`Chat.CompletionUsage`), wherever it lives.
   */
  reexports(): string {
    return this.statements("export", (module) => module.startsWith("shared/")).join("\n")
  }

  render(): string {
    const lines: Array<string> = []
    for (const [alias, { specifier, typeOnly }] of [...this.namespaces].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`import ${typeOnly ? "type " : ""}* as ${alias} from "${this.relative(specifier)}"`)
    }
    return [...lines, ...this.statements("import", () => true)].join("\n")
  }
}

export interface Writer {
  readonly module: string
  readonly imports: Imports
  readonly layout: Layout
  readonly document: Document
  /** `value`: the reference is evaluated at runtime (a `Schema`), else it names a type. */
  readonly context: (self: string, value: boolean) => Context
  /** The module's header comment. */
  readonly header: (what: string) => string
  /** Adds the imports the finished code uses (effect modules, the package's own). */
  readonly finish: (code: string) => void
}

/** The code without its comments (which may mention any name). */
const withoutComments = (code: string): string => code.replace(/\/\*[\s\S]*?\*\//g, "")

/** Modules of the package the generated code may use, by the name it uses them under. */
const packageModules: ReadonlyArray<readonly [alias: string, specifier: string, typeOnly: boolean]> = [
  ["Effect", "effect/Effect", true],
  ["Stream", "effect/Stream", true],
  ["OpenAiClient", "core:OpenAiClient", false],
  ["OpenAiError", "core:OpenAiError", true],
  ["Operation", "core:Operation", false],
  ["Page", "core:Page", false],
  ["Multipart", "core:Multipart", true],
  ["Params", "core:internal/params", false]
]

export const writerFor = (module: string, layout: Layout, document: Document, sha256: string): Writer => {
  const imports = new Imports(module)
  return {
    module,
    imports,
    layout,
    document,
    header: (what) => header(sha256, what),
    finish: (text) => {
      const code = withoutComments(text)
      schemaImports(imports, code)
      for (const [alias, specifier, typeOnly] of packageModules) {
        if (!new RegExp(`\\b${alias}\\.`).test(code)) continue
        // a namespace used in code (not only in types) is a value import
        const asValue = !typeOnly || new RegExp(`\\b${alias}\\.[a-z]`).test(code)
        imports.namespace(alias, specifier, !asValue)
      }
      if (/\bpathParam\(/.test(code)) imports.add("core:internal/schema", "pathParam", true)
    },
    context: (self, value) => ({
      self,
      resolve: (name) => document.components.schemas[name]!,
      ref: (name) => {
        const id = identifier(name)
        const home = layout.home.get(name)!
        if (home !== module) imports.add(home, id, value)
        return id
      }
    })
  }
}

/** Components in an order where each comes after those it references (the spec's `$ref` graph has no cycles). */
const ordered = (document: Document, names: ReadonlyArray<string>): ReadonlyArray<string> => {
  const inside = new Set(names)
  const out: Array<string> = []
  const done = new Set<string>()
  const visit = (name: string) => {
    if (done.has(name)) return
    done.add(name)
    for (const each of [...refsOf(document.components.schemas[name])].sort()) if (inside.has(each)) visit(each)
    out.push(name)
  }
  for (const name of [...names].sort()) visit(name)
  return out
}

const schemaImports = (imports: Imports, code: string) => {
  const helpers = ["OpenEnum", "OpenUnion", "optionalNullable", "sentAsNull"].filter((name) =>
    new RegExp(`\\b${name}\\(`).test(code)
  )
  for (const helper of helpers) imports.add("core:internal/schema", helper, true)
  if (/\bSchema\./.test(code)) {
    // `Schema.Schema.Type<...>` alone is a type use
    const asValue = /\bSchema\.(?!Schema\b)[A-Za-z]/.test(code.replace(/Schema\.Schema\.(Type|Encoded)</g, ""))
    imports.namespace("Schema", "effect/Schema", !asValue)
  }
}

const isStruct = (code: string) => code.startsWith("Schema.Struct(")

/** One component: a `Schema` and its type when decoded, a type only when not. */
const emitComponent = (writer: Writer, name: string): string => {
  const schema = writer.document.components.schemas[name]!
  const id = identifier(name)
  const described = [
    (schema.description ?? schema.title ?? `\`${name}\` in the OpenAI spec.`).trim(),
    ...(schema.deprecated === true ? ["", "@deprecated"] : []),
    "",
    "@since 0.2.0"
  ]
  const docs = docBlock([...described, "@category models"])
  const schemaDocs = docBlock([`Decodes {@link ${id}}.`, "", "@since 0.2.0", "@category schemas"])
  if (!writer.layout.decoded.has(name)) {
    const uses = newUses()
    const { nullable, schema: inner } = splitNull(schema)
    const object = !nullable && inner.$ref === undefined && inner.anyOf === undefined && inner.oneOf === undefined &&
      inner.allOf === undefined && inner.enum === undefined &&
      (inner.type === "object" || inner.properties !== undefined)
    if (object) {
      return `${docs}export interface ${id} ${tsObject(inner, writer.context(id, false), uses, { multipart: true })}\n`
    }
    return `${docs}export type ${id} = ${tsType(schema, writer.context(id, false), uses, { multipart: true })}\n`
  }
  const uses = newUses()
  const variant = writer.layout.variants.has(name)
  const code = runtime(schema, { ...writer.context(id, true), variant }, uses)
  if (uses.recursive) {
    // a recursive schema needs its type written out; it is decoded as the spec says it, without field defaults, so
    // its encoded type is its type
    const plain = runtime(schema, { ...writer.context(id, true), plain: true, variant }, newUses())
    const type = tsType(schema, { ...writer.context(id, false), variant }, newUses(), {
      multipart: false,
      decoded: true
    })
    return `${docs}export interface ${id} ${type}\n\n${schemaDocs}export const ${id}: Schema.Schema<${id}> = ${plain}\n`
  }
  const members = refUnion(schema)
  if (members !== undefined) return unionDeclaration(id, members.map(identifier), code, schemaDocs, docs)
  if (isStruct(code)) {
    return `${schemaDocs}export const ${id} = ${code}\n\n${docs}export interface ${id} extends Schema.Schema.Type<typeof ${id}> {}\n`
  }
  return `${schemaDocs}export const ${id} = ${code}\n\n${docs}export type ${id} = Schema.Schema.Type<typeof ${id}>\n`
}

/**
 * A union of named members, annotated with them: its declaration names them instead of spelling them out (a large
 * union's inferred type is more than the compiler will write into a declaration file).
 */
export const unionDeclaration = (
  id: string,
  members: ReadonlyArray<string>,
  code: string,
  schemaDocs: string,
  docs: string
): string =>
  `${schemaDocs}export const ${id}: Schema.Union<[${
    members.map((member) => `typeof ${member}`).join(", ")
  }]> = ${code}\n\n${docs}export type ${id} = Schema.Schema.Type<typeof ${id}>\n`

/** The components that live in `module`, in dependency order. */
const componentsOf = (layout: Layout, document: Document, module: string): ReadonlyArray<string> =>
  ordered(document, [...layout.home].filter(([, home]) => home === module).map(([name]) => name))

/** The components that live in the writer's module, emitted in dependency order. */
export const emitComponentIn = (writer: Writer): string =>
  componentsOf(writer.layout, writer.document, writer.module).map((name) => emitComponent(writer, name)).join("\n")

/** A shared module: schemas only. */
export const sharedModule = (document: Document, sha256: string, layout: Layout, module: string): File => {
  const writer = writerFor(module, layout, document, sha256)
  const body = emitComponentIn(writer)
  writer.finish(body)
  const users = module.slice("shared/".length).split("_").join(", ")
  return {
    path: `${module}.ts`,
    text: indent(`${writer.header(`Schemas shared by ${users}.`)}${writer.imports.render()}\n\n${body}`)
  }
}
