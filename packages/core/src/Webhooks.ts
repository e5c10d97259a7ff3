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
import { concat } from "./internal/bytes.js"

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
    | "InvalidSecret"
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

/** A header's value; a header given several times (an array, or `Headers`' comma-joined form) as one list. */
const header = (headers: HeadersInput, name: string): string | undefined => {
  if (typeof headers.get === "function") {
    return (headers as { readonly get: (name: string) => string | null }).get(name) ?? undefined
  }
  const record = headers as Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  for (const key in record) {
    if (key.toLowerCase() !== name) continue
    const value = record[key]
    return typeof value === "string" ? value : value?.join(" ")
  }
  return undefined
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

const missingSecret = new WebhookVerificationError({
  reason: "MissingSecret",
  detail: "no webhook secret: pass secret or set OPENAI_WEBHOOK_SECRET"
})

/**
 * The HMAC key: the secret from the options or `OPENAI_WEBHOOK_SECRET`, its bytes base64 after `whsec_`, else its
 * own UTF-8 bytes (as the official SDK reads it). Checked before the request, so a configuration mistake is never
 * reported as a bad request.
 */
const keyOf = (options: VerifyOptions | undefined): Effect.Effect<CryptoKey, WebhookVerificationError> =>
  Effect.gen(function*() {
    const given = options?.secret !== undefined
      ? options.secret
      : yield* Effect.mapError(Config.redacted("OPENAI_WEBHOOK_SECRET"), () => missingSecret)
    const secret = typeof given === "string" ? given : Redacted.value(given)
    const bytes = secret.startsWith("whsec_")
      ? Encoding.decodeBase64(secret.slice("whsec_".length))
      : Either.right(encoder.encode(secret))
    if (Either.isLeft(bytes)) return yield* fail("InvalidSecret", "the whsec_ secret is not base64")
    if (bytes.right.byteLength === 0) return yield* fail("InvalidSecret", "the webhook secret is empty")
    return yield* Effect.tryPromise({
      try: () =>
        crypto.subtle.importKey(
          "raw",
          bytes.right as Uint8Array<ArrayBuffer>,
          { name: "HMAC", hash: "SHA-256" },
          false,
          [
            "verify"
          ]
        ),
      catch: () => new WebhookVerificationError({ reason: "InvalidSecret", detail: "the secret cannot be an HMAC key" })
    })
  })

/** The `v1` signatures of the header: space-separated `v1,<base64>` entries (a bare `<base64>` counts as one). */
const signaturesOf = (header: string): ReadonlyArray<Uint8Array<ArrayBuffer>> =>
  header.split(/\s+/).flatMap((raw) => {
    const entry = raw.replace(/,$/, "") // `Headers` joins repeated headers with ", "
    const comma = entry.indexOf(",")
    // an entry of another scheme is not ours to check
    if (comma !== -1 && entry.slice(0, comma) !== "v1") return []
    const decoded = Encoding.decodeBase64(comma === -1 ? entry : entry.slice(comma + 1))
    return Either.isRight(decoded) && decoded.right.byteLength > 0 ? [decoded.right as Uint8Array<ArrayBuffer>] : []
  })

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
    const key = yield* keyOf(options)
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
    const signed = typeof body === "string"
      ? encoder.encode(`${id}.${timestamp}.${body}`)
      : concat([encoder.encode(`${id}.${timestamp}.`), body])
    const candidates = signaturesOf(signatures!)
    const verified = yield* Effect.promise(async () => {
      for (const candidate of candidates) {
        // crypto.subtle.verify compares in constant time
        if (await crypto.subtle.verify("HMAC", key, candidate, signed)) return true
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
    const decoded = decodeEvent(typeof body === "string" ? body : decoder.decode(body))
    return Either.isRight(decoded)
      ? Effect.succeed(decoded.right)
      : fail("InvalidPayload", "the verified body is not a webhook event")
  })
