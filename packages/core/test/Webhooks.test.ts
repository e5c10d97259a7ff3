/**
 * Webhook verification against signatures computed here, independently (node:crypto's HMAC, not the Web Crypto the
 * module uses), with the clock under TestClock.
 */
import { Webhooks } from "@effect-openai/core"
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { createHmac } from "node:crypto"

const keyBytes = Buffer.from("a fixed test key of 32 bytes!!!!")
const secret = `whsec_${keyBytes.toString("base64")}`
const now = 1_764_500_000

const sign = (id: string, timestamp: number, body: string, key: Buffer = keyBytes) =>
  createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")

const event = {
  id: "evt_1",
  object: "event",
  created_at: now,
  type: "response.completed",
  data: { id: "resp_1" }
}
const body = JSON.stringify(event)

const headersFor = (payload: string, options?: { timestamp?: number; signature?: string }) => {
  const timestamp = options?.timestamp ?? now
  return {
    "webhook-id": "wh_1",
    "webhook-timestamp": String(timestamp),
    "webhook-signature": options?.signature ?? `v1,${sign("wh_1", timestamp, payload)}`
  }
}

const atNow = <A, E>(effect: Effect.Effect<A, E>) => Effect.zipRight(TestClock.setTime(now * 1000), effect)

describe("Webhooks.unwrap", () => {
  it.effect("verifies a signed request and decodes its event", () =>
    atNow(Effect.gen(function*() {
      const decoded = yield* Webhooks.unwrap(body, headersFor(body), { secret })
      expect(decoded).toStrictEqual(event)
      if (decoded.type !== "response.completed") return expect.fail(decoded.type)
      expect(decoded.data.id).toBe("resp_1")
      // the same bytes, a Headers object, a redacted secret
      const viaHeaders = yield* Webhooks.unwrap(new TextEncoder().encode(body), new Headers(headersFor(body)), {
        secret: Redacted.make(secret)
      })
      expect(viaHeaders).toStrictEqual(event)
    })))

  it.effect("accepts any matching signature among several, and a secret without whsec_ as raw text", () =>
    atNow(Effect.gen(function*() {
      const wrong = sign("wh_1", now, body, Buffer.from("another key"))
      const signature = `v1,${wrong} v2,whatever v1,${sign("wh_1", now, body)}`
      yield* Webhooks.verifySignature(body, headersFor(body, { signature }), { secret })
      const raw = "plain text secret"
      yield* Webhooks.verifySignature(
        body,
        headersFor(body, { signature: `v1,${sign("wh_1", now, body, Buffer.from(raw))}` }),
        {
          secret: raw
        }
      )
    })))

  it.effect("refuses a body changed by one byte, a wrong secret, and a header without a matching v1 signature", () =>
    atNow(Effect.gen(function*() {
      const changed = body.replace("resp_1", "resp_2")
      const reasons = yield* Effect.all([
        Effect.flip(Webhooks.unwrap(changed, headersFor(body), { secret })),
        Effect.flip(
          Webhooks.unwrap(body, headersFor(body), { secret: `whsec_${Buffer.from("other").toString("base64")}` })
        ),
        Effect.flip(Webhooks.unwrap(body, headersFor(body, { signature: `v2,${sign("wh_1", now, body)}` }), { secret }))
      ])
      expect(reasons.map((error) => error.reason)).toStrictEqual([
        "InvalidSignature",
        "InvalidSignature",
        "InvalidSignature"
      ])
      // nothing of the body or the secret in the message
      for (const error of reasons) {
        expect(error.message).not.toContain("resp_")
        expect(error.message).not.toContain(secret.slice(6, 16))
      }
    })))

  it.effect("refuses a timestamp outside the tolerance either way (a replay), and accepts one inside it", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now * 1000)
      const at = (timestamp: number, tolerance?: number) =>
        Webhooks.verifySignature(body, headersFor(body, { timestamp }), {
          secret,
          ...(tolerance !== undefined ? { tolerance: `${tolerance} seconds` } : {})
        })
      yield* at(now - 299)
      yield* at(now + 299)
      expect((yield* Effect.flip(at(now - 301))).reason).toBe("TimestampTooOld")
      expect((yield* Effect.flip(at(now + 301))).reason).toBe("TimestampTooNew")
      yield* at(now - 3000, 3600)
      // the clock moves on: a request verified now is a replay ten minutes later
      yield* TestClock.adjust("10 minutes")
      expect((yield* Effect.flip(at(now))).reason).toBe("TimestampTooOld")
    }))

  it.effect("names a missing header, a bad timestamp, a missing secret and a body that is no event", () =>
    atNow(Effect.gen(function*() {
      const { "webhook-id": _, ...noId } = headersFor(body)
      expect((yield* Effect.flip(Webhooks.unwrap(body, noId, { secret }))).detail).toContain("webhook-id")
      const badTime = { ...headersFor(body), "webhook-timestamp": "soon" }
      expect((yield* Effect.flip(Webhooks.unwrap(body, badTime, { secret }))).reason).toBe("InvalidTimestamp")
      const noSecret = yield* Effect.flip(Webhooks.unwrap(body, headersFor(body)))
      expect(noSecret.reason).toBe("MissingSecret")
      expect(noSecret.message).toContain("OPENAI_WEBHOOK_SECRET")
      const notEvent = "[1, 2, 3]"
      const invalid = yield* Effect.flip(Webhooks.unwrap(notEvent, headersFor(notEvent), { secret }))
      expect(invalid.reason).toBe("InvalidPayload")
    })))

  it.effect("a secret that cannot be a key is InvalidSecret, whatever the request (never a defect)", () =>
    atNow(Effect.gen(function*() {
      for (const bad of ["", "whsec_", "whsec_!!not base64!!"]) {
        const error = yield* Effect.flip(Webhooks.unwrap(body, headersFor(body), { secret: bad }))
        expect(error.reason, bad).toBe("InvalidSecret")
      }
      // reported before the request is looked at: a stale request does not hide a configuration mistake
      const stale = headersFor(body, { timestamp: now - 3600 })
      expect((yield* Effect.flip(Webhooks.unwrap(body, stale, { secret: "whsec_" }))).reason).toBe("InvalidSecret")
    })))

  it.effect("reads a signature header given several times: as an array, or comma-joined by Headers", () =>
    atNow(Effect.gen(function*() {
      const wrong = `v1,${sign("wh_1", now, body, Buffer.from("an old key"))}`
      const right = `v1,${sign("wh_1", now, body)}`
      const { "webhook-signature": _, ...rest } = headersFor(body)
      yield* Webhooks.verifySignature(body, { ...rest, "webhook-signature": [wrong, right] }, { secret })
      const joined = new Headers(rest)
      joined.append("webhook-signature", wrong)
      joined.append("webhook-signature", right)
      expect(joined.get("webhook-signature")).toBe(`${wrong}, ${right}`)
      yield* Webhooks.verifySignature(body, joined, { secret })
    })))

  it.effect("reads the secret from OPENAI_WEBHOOK_SECRET, and decodes an event type newer than the spec as sent", () =>
    atNow(Effect.gen(function*() {
      const newer = JSON.stringify({ ...event, type: "video.completed", data: { id: "video_1", extra: true } })
      const decoded = yield* Webhooks.unwrap(newer, headersFor(newer))
      expect(decoded).toStrictEqual(JSON.parse(newer))
    })).pipe(
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map([["OPENAI_WEBHOOK_SECRET", secret]])))
    ))
})
