/**
 * Webhooks: check that a request really comes from OpenAI, then decode its event. `Webhooks.unwrap(body, headers)`
 * verifies the `webhook-signature` (HMAC-SHA256 of `webhook-id.webhook-timestamp.body` with your endpoint's
 * `whsec_...` secret, compared in constant time, any of several signatures in the header), refuses a timestamp more
 * than five minutes from now (a replay), and only then parses the body into a typed {@link WebhookEvent}. Every
 * failure is a {@link WebhookVerificationError} that says why without echoing the body or the secret.
 *
 * Pass the body exactly as received (the raw text or bytes, not a re-serialized object): a signature covers bytes.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { WebhookEvent } from "./generated/Webhooks.js"

export * from "./generated/Webhooks.js"

/**
 * Why a webhook request was refused.
 *
 * @since 0.2.0
 * @category errors
 */
export class WebhookVerificationError extends Data.TaggedError("WebhookVerificationError")<{
  readonly reason:
    | "MissingSecret"
    | "MissingHeader"
    | "InvalidTimestamp"
    | "TimestampTooOld"
    | "TimestampTooNew"
    | "InvalidSignature"
    | "InvalidPayload"
  readonly detail: string
}> {
  override get message(): string {
    return `Webhook verification failed (${this.reason}): ${this.detail}`
  }
}

/**
 * The request's headers: a `Headers`, Node's `IncomingHttpHeaders`, or `@effect/platform`'s headers (any case).
 *
 * @since 0.2.0
 * @category models
 */
export type HeadersInput =
  | { readonly get: (name: string) => string | null }
  | Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * @since 0.2.0
 * @category models
 */
export interface VerifyOptions {
  /** The endpoint's signing secret (`whsec_...`). Default: the `OPENAI_WEBHOOK_SECRET` configuration. */
  readonly secret?: string | Redacted.Redacted<string> | undefined
  /** How far the `webhook-timestamp` may be from now, either way. Default 5 minutes. */
  readonly tolerance?: Duration.DurationInput | undefined
}

const defaultTolerance = Duration.minutes(5)

const fail = (reason: WebhookVerificationError["reason"], detail: string) =>
  Effect.fail(new WebhookVerificationError({ reason, detail }))

const header = (headers: HeadersInput, name: string): string | undefined => {
  if (typeof headers.get === "function") {
    return (headers as { readonly get: (name: string) => string | null }).get(name) ?? undefined
  }
  const record = headers as Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  for (const key in record) {
    if (key.toLowerCase() !== name) continue
    const value = record[key]
    return typeof value === "string" ? value : value?.[0]
  }
  return undefined
}

const encoder = new TextEncoder()

const secretOf = (options: VerifyOptions | undefined) =>
  options?.secret !== undefined
    ? Effect.succeed(options.secret)
    : Effect.mapError(
      Config.redacted("OPENAI_WEBHOOK_SECRET"),
      () =>
        new WebhookVerificationError({
          reason: "MissingSecret",
          detail: "no webhook secret: pass secret or set OPENAI_WEBHOOK_SECRET"
        })
    )

/** The key bytes: base64 after `whsec_`, else the secret's own UTF-8 bytes (as the official SDK reads it). */
const keyBytes = (secret: string): Either.Either<Uint8Array, string> =>
  secret.startsWith("whsec_")
    ? Either.mapLeft(Encoding.decodeBase64(secret.slice("whsec_".length)), () => "the whsec_ secret is not base64")
    : Either.right(encoder.encode(secret))

const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((size, part) => size + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.byteLength
  }
  return out
}

/**
 * Checks a webhook request's signature and timestamp; succeeds with nothing when it is OpenAI's.
 *
 * @since 0.2.0
 * @category verification
 */
export const verifySignature = (
  body: string | Uint8Array,
  headers: HeadersInput,
  options?: VerifyOptions
): Effect.Effect<void, WebhookVerificationError> =>
  Effect.gen(function*() {
    const id = header(headers, "webhook-id")
    const timestamp = header(headers, "webhook-timestamp")
    const signatures = header(headers, "webhook-signature")
    for (
      const [name, value] of [["webhook-id", id], ["webhook-timestamp", timestamp], [
        "webhook-signature",
        signatures
      ]] as const
    ) {
      if (value === undefined || value === "") return yield* fail("MissingHeader", `the ${name} header is missing`)
    }
    const seconds = Number(timestamp)
    if (!/^\d+$/.test(timestamp!) || !Number.isSafeInteger(seconds)) {
      return yield* fail("InvalidTimestamp", "webhook-timestamp is not a number of seconds")
    }
    const tolerance = Duration.toMillis(Duration.decode(options?.tolerance ?? defaultTolerance))
    const now = yield* Clock.currentTimeMillis
    if (now - seconds * 1000 > tolerance) return yield* fail("TimestampTooOld", "webhook-timestamp is too old")
    if (seconds * 1000 - now > tolerance) return yield* fail("TimestampTooNew", "webhook-timestamp is in the future")
    const secret = yield* secretOf(options)
    const key = keyBytes(typeof secret === "string" ? secret : Redacted.value(secret))
    if (Either.isLeft(key)) return yield* fail("InvalidSignature", key.left)
    const signed = concat(encoder.encode(`${id}.${timestamp}.`), typeof body === "string" ? encoder.encode(body) : body)
    const candidates = signatures!.split(" ").flatMap((entry) => {
      const comma = entry.indexOf(",")
      // `v1,<base64>`; an entry of another scheme is not ours to check
      if (comma !== -1 && entry.slice(0, comma) !== "v1") return []
      const decoded = Encoding.decodeBase64(comma === -1 ? entry : entry.slice(comma + 1))
      return Either.isRight(decoded) ? [Uint8Array.from(decoded.right)] : []
    })
    const verified = yield* Effect.promise(async () => {
      const hmac = await crypto.subtle.importKey(
        "raw",
        Uint8Array.from(key.right),
        { name: "HMAC", hash: "SHA-256" },
        false,
        [
          "verify"
        ]
      )
      for (const candidate of candidates) {
        // crypto.subtle.verify compares in constant time
        if (await crypto.subtle.verify("HMAC", hmac, candidate, signed)) return true
      }
      return false
    })
    if (!verified) return yield* fail("InvalidSignature", "no signature in webhook-signature matches the body")
  })

const decodeEvent = Schema.decodeUnknownEither(Schema.parseJson(WebhookEvent), { onExcessProperty: "preserve" })

/**
 * Verifies a webhook request ({@link verifySignature}) and decodes its event. An event of a type newer than this
 * package decodes as sent; a body that is not an event fails with reason `InvalidPayload`.
 *
 * @since 0.2.0
 * @category verification
 */
export const unwrap = (
  body: string | Uint8Array,
  headers: HeadersInput,
  options?: VerifyOptions
): Effect.Effect<WebhookEvent, WebhookVerificationError> =>
  Effect.flatMap(verifySignature(body, headers, options), () => {
    const decoded = decodeEvent(typeof body === "string" ? body : new TextDecoder().decode(body))
    return Either.isRight(decoded)
      ? Effect.succeed(decoded.right)
      : fail("InvalidPayload", "the verified body is not a webhook event")
  })
