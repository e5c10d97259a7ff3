import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as AST from "effect/SchemaAST"

/**
 * A string enum that stays open: known members are typed, any other string decodes too, because OpenAI adds
 * members without notice.
 *
 * @internal
 */
export const OpenEnum = <const Members extends ReadonlyArray<string>>(
  ..._members: Members
): Schema.Schema<Members[number] | (string & {}), string> =>
  Schema.String as Schema.Schema<Members[number] | (string & {}), string>

/**
 * `make()` on first call, then its result: schemas are compiled when an operation is first used, not at import.
 */
const lazily = <A>(make: () => A): () => A => {
  let made: A | undefined
  return () => made ??= make()
}

/**
 * A union tagged by `tag` (`type` mostly) that stays open: a value whose tag is a string none of the members has
 * passes through unchanged (OpenAI adds event and item types without notice), while a value with a known tag must
 * match its member, so a malformed known variant is still a decode error naming its path. The type is the known
 * members'; code that switches on the tag should keep a default branch. Typed as the union of the members (its
 * `members` do not list the fallback), so declarations name the members instead of spelling out their types.
 *
 * @internal
 */
export const OpenUnion = <const Members extends ReadonlyArray<Schema.Schema.All>>(
  tag: string,
  members: Members
): Schema.Union<Members> => {
  // on first use: a member may be a suspended reference to the schema being defined
  const known = lazily(() => new Set(members.flatMap((member) => tagValues(member.ast, tag))))
  const unknownTag = Schema.declare(
    (u: unknown): u is never =>
      typeof u === "object" && u !== null && typeof (u as Record<string, unknown>)[tag] === "string" &&
      !known().has((u as Record<string, unknown>)[tag]),
    { identifier: `an object with an unknown ${tag}` }
  )
  return Schema.Union(...members, unknownTag) as any
}

/** The literal values a member's `tag` field can have. */
const tagValues = (ast: AST.AST, tag: string): ReadonlyArray<unknown> => {
  switch (ast._tag) {
    case "TypeLiteral": {
      const field = ast.propertySignatures.find((each) => each.name === tag)
      return field === undefined ? [] : literals(field.type)
    }
    case "Transformation":
      return tagValues(ast.to, tag)
    case "Refinement":
      return tagValues(ast.from, tag)
    case "Suspend":
      return tagValues(ast.f(), tag)
    case "Union":
      return ast.types.flatMap((each) => tagValues(each, tag))
    default:
      return []
  }
}

const literals = (ast: AST.AST): ReadonlyArray<unknown> =>
  AST.isLiteral(ast) ? [ast.literal] : AST.isUnion(ast) ? ast.types.flatMap(literals) : []

/**
 * A field that may be missing, `null`, or present.
 *
 * @internal
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * A field the API always sends, as a value or `null`: typed `A | null`. A server that leaves it out (some
 * compatible servers do) decodes as `null` rather than failing. Keeps the decoder's fast path (a field default).
 *
 * @internal
 */
export const sentAsNull = <S extends Schema.Schema.Any>(schema: S) =>
  Schema.optionalWith(Schema.NullOr(schema), { exact: true, default: () => null })

const preserve = { onExcessProperty: "preserve" } as const

/**
 * Whether a decode can return something else than a value that already is of the type: any transformation
 * (`Schema.transform`, `Schema.Trim`, a class …) but a field default (`Schema.optionalWith(X, { default })`), which
 * only fills in a missing field. A declaration counts by its type parameters: one without (`Schema.declare(guard)`,
 * `DateFromSelf`) is a check. A recursive schema is followed until it repeats; one whose suspension leads to new nodes
 * (a recursive schema under a transformation) counts as changing values.
 *
 * @internal
 */
export const changesValues = (ast: AST.AST, seen: Set<AST.AST> = new Set(), suspended = false): boolean => {
  if (seen.has(ast)) return false
  seen.add(ast)
  const any = (asts: ReadonlyArray<AST.AST>) => asts.some((each) => changesValues(each, seen, suspended))
  switch (ast._tag) {
    case "Transformation":
      return !onlyDefaults(ast) || any([ast.from, ast.to])
    case "Declaration":
      return any(ast.typeParameters)
    case "Refinement":
      return changesValues(ast.from, seen, suspended)
    case "Suspend":
      // A suspension inside a suspension whose nodes are new (not seen) counts as changing values, so the decode is
      // the full one, which is always right: the type side of a transformation wraps each suspension in one that
      // builds new nodes on every call, so following it would never end.
      return suspended || changesValues(ast.f(), seen, true)
    case "Union":
      return any(ast.types)
    case "TupleType":
      return any([...ast.elements.map((element) => element.type), ...ast.rest.map((rest) => rest.type)])
    case "TypeLiteral":
      return any([
        ...ast.propertySignatures.map((field) => field.type),
        ...ast.indexSignatures.map((index) => index.type)
      ])
    default:
      return false
  }
}

/** A struct whose only transformation turns optional fields into required ones of the same type: defaults. */
const onlyDefaults = (ast: AST.Transformation): boolean => {
  if (!AST.isTypeLiteralTransformation(ast.transformation)) return false
  if (ast.from._tag !== "TypeLiteral" || ast.to._tag !== "TypeLiteral") return false
  const { from, to } = ast
  return ast.transformation.propertySignatureTransformations.every((field) => {
    const before = from.propertySignatures.find((each) => each.name === field.from)
    const after = to.propertySignatures.find((each) => each.name === field.to)
    return field.from === field.to && before !== undefined && after !== undefined && before.isOptional &&
      !after.isOptional &&
      (before.type === after.type || isOrUndefined(before.type, after.type) ||
        // a default for a field that itself has defaults inside (a list of structs with defaults): the field's type
        // side, rebuilt; whether the field's own schema changes values is asked of the `from` side
        sameShape(AST.typeAST(withoutUndefined(before.type)), after.type))
  })
}

const withoutUndefined = (ast: AST.AST): AST.AST =>
  AST.isUnion(ast) && ast.types.length === 2 && ast.types.some(AST.isUndefinedKeyword)
    ? ast.types.find((each) => !AST.isUndefinedKeyword(each))!
    : ast

/** Two ASTs of the same shape whose leaves are the same nodes (as `AST.typeAST` rebuilds them each call). */
const sameShape = (a: AST.AST, b: AST.AST): boolean => {
  if (a === b) return true
  const all = (as: ReadonlyArray<AST.AST>, bs: ReadonlyArray<AST.AST>) =>
    as.length === bs.length && as.every((each, i) => sameShape(each, bs[i]!))
  if (AST.isTupleType(a) && AST.isTupleType(b)) {
    return a.elements.length === b.elements.length &&
      a.elements.every((each, i) => each.isOptional === b.elements[i]!.isOptional) &&
      all(a.elements.map((each) => each.type), b.elements.map((each) => each.type)) &&
      all(a.rest.map((each) => each.type), b.rest.map((each) => each.type))
  }
  if (AST.isTypeLiteral(a) && AST.isTypeLiteral(b)) {
    return a.propertySignatures.length === b.propertySignatures.length &&
      a.propertySignatures.every((each, i) => {
        const other = b.propertySignatures[i]!
        return each.name === other.name && each.isOptional === other.isOptional && sameShape(each.type, other.type)
      }) &&
      all(a.indexSignatures.map((each) => each.type), b.indexSignatures.map((each) => each.type))
  }
  if (AST.isUnion(a) && AST.isUnion(b)) return all(a.types, b.types)
  if (AST.isRefinement(a) && AST.isRefinement(b)) return a.filter === b.filter && sameShape(a.from, b.from)
  return false
}

/** `A | undefined`, as an optional field's type is written. */
const isOrUndefined = (union: AST.AST, member: AST.AST): boolean =>
  AST.isUnion(union) && union.types.length === 2 && union.types.includes(member) &&
  union.types.some(AST.isUndefinedKeyword)

/**
 * Fast path: a value that already is of the type (checked with `Schema.is`, several times cheaper than a decode,
 * extra keys allowed) is returned as it is; anything else goes through the full decode, which applies defaults
 * and reports errors. Only for schemas whose decode would return an equal value (no transformation but field
 * defaults: see `changesValues`); any other schema always gets the full decode, but for a union tagged by `type`
 * (OpenAI's events and items): a value is decoded by its member alone, each member with its own fast path, so the
 * small delta events of a stream are not decoded in full because the lifecycle events beside them have to be.
 * Compiled on the first call.
 */
const withFastPath = <A, I, Out>(
  schema: Schema.Schema<A, I>,
  full: (schema: Schema.Schema<A, I>) => (input: unknown) => Out,
  as: (value: A) => Out
): (input: unknown) => Out => {
  const compiled = lazily(() => {
    const changes = changesValues(schema.ast)
    return {
      is: changes ? undefined : Schema.is(schema),
      decode: full(schema),
      members: changes
        ? byTag(schema.ast, (member) => withFastPath(Schema.make<A, I, never>(member), full, as))
        : undefined
    }
  })
  return (input: unknown): Out => {
    const { decode, is, members } = compiled()
    if (is !== undefined) return is(input) ? as(input) : decode(input)
    if (members !== undefined && typeof input === "object" && input !== null) {
      const tag = (input as Record<string, unknown>).type
      const member = typeof tag === "string" ? members.get(tag) : undefined
      if (member !== undefined) return member(input)
    }
    return decode(input)
  }
}

/**
 * The decoders of a union's members by their `type` literal, when each member has its own (an open union's fallback
 * for unknown tags, a declaration, aside); `undefined` for any other schema.
 */
const byTag = <D>(ast: AST.AST, make: (member: AST.AST) => D): Map<string, D> | undefined => {
  if (!AST.isUnion(ast)) return undefined
  const members = new Map<string, D>()
  for (const member of ast.types) {
    const tags = tagValues(member, "type")
    if (tags.length === 0 && AST.isDeclaration(member)) continue
    if (tags.length === 0 || tags.some((tag) => typeof tag !== "string" || members.has(tag))) return undefined
    const decode = make(member)
    for (const tag of tags as ReadonlyArray<string>) members.set(tag, decode)
  }
  return members.size > 0 ? members : undefined
}

/**
 * A decoder that keeps unknown object keys, so nothing the API sends is lost; compiled on its first call.
 *
 * @internal
 */
export const decoder = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Effect.Effect<A, ParseResult.ParseError> =>
  withFastPath(schema, (each) => Schema.decodeUnknown(each, preserve), Effect.succeed)

/**
 * {@link decoder} returning an `Either`, for per-event decoding in streams.
 *
 * @internal
 */
export const decoderEither = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Either.Either<A, ParseResult.ParseError> =>
  withFastPath(schema, (each) => Schema.decodeUnknownEither(each, preserve), Either.right)

/**
 * Encodes a path parameter.
 *
 * @internal
 */
export const pathParam = (value: string): string => encodeURIComponent(value)
