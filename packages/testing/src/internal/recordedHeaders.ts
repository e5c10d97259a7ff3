import { isCredentialHeader } from "@effect-openai/core/HttpTransport"

const redactedCopy = (headers: Readonly<Record<string, string>>) => {
  const out: Record<string, string> = {}
  for (const name in headers) out[name] = isCredentialHeader(name) ? "<redacted>" : headers[name]!
  return out
}

const RecordedHeadersProto = {
  toJSON(this: Record<string, string>) {
    return redactedCopy(this)
  },
  toString(this: Record<string, string>) {
    return JSON.stringify(redactedCopy(this))
  },
  [Symbol.for("nodejs.util.inspect.custom")](this: Record<string, string>) {
    return redactedCopy(this)
  }
}

/**
 * A plain copy of recorded headers (lower-case names) that reads as sent but whose printed forms (JSON, `String`,
 * `util.inspect`) hide the headers the client never sends to another origin (the same list: authorization, API
 * keys, cookies, `openai-*`).
 *
 * @internal
 */
export const recordHeaders = (
  headers: Readonly<Record<string, string | undefined>>
): Readonly<Record<string, string>> => {
  const out = Object.create(RecordedHeadersProto) as Record<string, string>
  for (const name in headers) {
    const value = headers[name]
    if (value !== undefined) out[name.toLowerCase()] = value
  }
  return out
}
