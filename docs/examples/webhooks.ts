// Run: OPENAI_WEBHOOK_SECRET=whsec_... npx tsx --tsconfig tsconfig.json docs/examples/webhooks.ts
// A webhook endpoint: an HTTP server that verifies OpenAI's signature, then handles the typed event. To show the
// round trip it then sends itself a request signed as OpenAI signs them, and a forged one.
import { Webhooks } from "@effect-openai/core"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import { Console, Effect } from "effect"
import { createHmac } from "node:crypto"
import { createServer } from "node:http"

const handle = (event: Webhooks.WebhookEvent) => {
  switch (event.type) {
    case "response.completed":
      return Console.log(`response ${event.data.id} completed`)
    case "batch.completed":
      return Console.log(`batch ${event.data.id} completed`)
    default:
      // an event you do not handle, or one newer than this package
      return Console.log(`ignored ${event.type}`)
  }
}

const webhooks = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/webhooks/openai",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const body = yield* request.text // the raw body: a signature covers the bytes as sent
      const event = yield* Webhooks.unwrap(body, request.headers) // the secret: OPENAI_WEBHOOK_SECRET
      yield* handle(event)
      return HttpServerResponse.empty({ status: 200 })
    }).pipe(
      // not from OpenAI, or replayed: refuse without saying more
      Effect.catchTag(
        "WebhookVerificationError",
        (error) => Effect.as(Console.log(`refused: ${error.reason}`), HttpServerResponse.empty({ status: 400 }))
      )
    )
  )
)

// A request signed the way OpenAI signs them (HMAC-SHA256 of id.timestamp.body with the secret's key)
const send = (url: string, secret: string, payload: unknown) => {
  const body = JSON.stringify(payload)
  const timestamp = String(Math.floor(Date.now() / 1000))
  const key = Buffer.from(secret.slice("whsec_".length), "base64")
  const signature = createHmac("sha256", key).update(`wh_1.${timestamp}.${body}`).digest("base64")
  const headers = { "webhook-id": "wh_1", "webhook-timestamp": timestamp, "webhook-signature": `v1,${signature}` }
  return Effect.promise(() => fetch(url, { method: "POST", body, headers }).then((response) => response.status))
}

process.env.OPENAI_WEBHOOK_SECRET ??= `whsec_${Buffer.from("an example secret, 32 bytes long").toString("base64")}`

const program = Effect.gen(function*() {
  yield* HttpServer.serveEffect(webhooks)
  const url = yield* HttpServer.addressFormattedWith((address) => Effect.succeed(`${address}/webhooks/openai`))
  const event = {
    id: "evt_1",
    object: "event",
    created_at: 1_764_500_000,
    type: "response.completed",
    data: { id: "resp_1" }
  }
  yield* Console.log(`signed request: ${yield* send(url, process.env.OPENAI_WEBHOOK_SECRET!, event)}`)
  const forged = `whsec_${Buffer.from("somebody else's secret").toString("base64")}`
  yield* Console.log(`forged request: ${yield* send(url, forged, event)}`)
})

program.pipe(
  Effect.scoped,
  Effect.provide(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })),
  NodeRuntime.runMain
)
