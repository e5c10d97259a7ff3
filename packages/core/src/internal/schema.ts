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
 * A decoder that keeps unknown object keys, so nothing the API sends is lost.
 *
 * @internal
 */
export const decoder = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.decodeUnknown(schema, { onExcessProperty: "preserve" })

/**
 * Encodes a path parameter.
 *
 * @internal
 */
export const pathParam = (value: string): string => encodeURIComponent(value)
