import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

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
 * A field that may be missing, `null`, or present.
 *
 * @internal
 */
export const optionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * `make()` on first call, then its result: schemas are compiled when an operation is first used, not at import.
 */
const lazily = <A>(make: () => A): () => A => {
  let made: A | undefined
  return () => made ??= make()
}

const preserve = { onExcessProperty: "preserve" } as const

/**
 * Fast path: a value that already is of the type (checked with `Schema.is`, several times cheaper than a decode,
 * extra keys allowed) is returned as it is; anything else goes through the full decode, which applies defaults
 * and reports errors. Only for schemas without transformations (our response schemas), where a decode would
 * return an equal value. Both are compiled on the first call.
 */
const withFastPath = <A, I, Out>(
  schema: Schema.Schema<A, I>,
  full: () => (input: unknown) => Out,
  as: (value: A) => Out
) => {
  const compiled = lazily(() => ({ is: Schema.is(schema), decode: full() }))
  return (input: unknown): Out => {
    const { decode, is } = compiled()
    return is(input) ? as(input) : decode(input)
  }
}

/**
 * A decoder that keeps unknown object keys, so nothing the API sends is lost; compiled on its first call.
 *
 * @internal
 */
export const decoder = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Effect.Effect<A, ParseResult.ParseError> =>
  withFastPath(schema, () => Schema.decodeUnknown(schema, preserve), Effect.succeed)

/**
 * {@link decoder} returning an `Either`, for per-event decoding in streams.
 *
 * @internal
 */
export const decoderEither = <A, I>(
  schema: Schema.Schema<A, I>
): (input: unknown) => Either.Either<A, ParseResult.ParseError> =>
  withFastPath(schema, () => Schema.decodeUnknownEither(schema, preserve), Either.right)

/**
 * Encodes a path parameter.
 *
 * @internal
 */
export const pathParam = (value: string): string => encodeURIComponent(value)
