/**
 * A fault-injecting TCP proxy on 127.0.0.1, put between a client and an upstream HTTP server (usually a
 * `MockServer`). Each accepted connection takes the next queued {@link Fault}; a connection without one is passed
 * through untouched. It breaks what an HTTP-level mock cannot: refused and reset connections, stalls, bytes
 * dripped one at a time, and raw replies from a misbehaving "proxy" (HTML error pages, truncated bodies,
 * redirects).
 *
 * @since 0.1.0
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Http from "node:http"
import * as Net from "node:net"

/**
 * What to do to one connection.
 *
 * - `Refuse`: reset the connection as soon as it is accepted (what a client sees of a refusing firewall; a port
 *   with nothing listening gives a true `ECONNREFUSED`).
 * - `ResetBeforeHeaders`: read the request, then reset before any byte of the response.
 * - `ResetAfterBytes`: pass the response through and reset after `bytes` bytes of its body (as sent on the wire,
 *   chunked framing included).
 * - `StallHeaders`: read the request and never answer; the connection stays open until the client closes it.
 * - `StallAfterBytes`: pass `bytes` bytes of the response body through, then go silent with the connection open.
 * - `Drip`: pass the response through one byte per write, `interval` apart (default: as fast as possible).
 * - `Respond`: answer with this raw reply instead of the upstream's, then close the connection. A
 *   `content-length` header given here is sent as is, so a larger one than the body truncates it.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Refuse" }
  | { readonly _tag: "ResetBeforeHeaders" }
  | { readonly _tag: "ResetAfterBytes"; readonly bytes: number }
  | { readonly _tag: "StallHeaders" }
  | { readonly _tag: "StallAfterBytes"; readonly bytes: number }
  | { readonly _tag: "Drip"; readonly interval?: Duration.DurationInput | undefined }
  | {
    readonly _tag: "Respond"
    readonly status: number
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly body?: string | undefined
  }

/**
 * A connection the proxy accepted.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connection {
  /** The fault applied to it, if any. */
  readonly fault: Fault | undefined
  /** Bytes received from the client (0: it connected but sent no request, as undici does after an abort). */
  readonly bytesFromClient: number
  /** Bytes of the response written to the client. */
  readonly bytesToClient: number
  /** Whether the client's socket is still open. */
  readonly open: boolean
}

/**
 * A running proxy.
 *
 * @since 0.1.0
 * @category models
 */
export interface FaultProxy {
  /** The upstream URL with the proxy's origin, e.g. `http://127.0.0.1:41235/v1`. */
  readonly url: string
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number
  /** Queues faults: each following connection takes the next one. */
  readonly fault: (...faults: ReadonlyArray<Fault>) => Effect.Effect<void>
  /** Every connection accepted so far, oldest first. */
  readonly connections: Effect.Effect<ReadonlyArray<Connection>>
}

/**
 * A raw HTML error page, as a reverse proxy in front of the API sends it (e.g. 502 Bad Gateway).
 *
 * @since 0.1.0
 * @category constructors
 */
export const htmlError = (status: number, reason = Http.STATUS_CODES[status] ?? "Error"): Fault => ({
  _tag: "Respond",
  status,
  headers: { "content-type": "text/html" },
  body: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center>` +
    `<hr><center>nginx</center></body></html>`
})

/**
 * A redirect to `location` (default status 307, which keeps the method and body).
 *
 * @since 0.1.0
 * @category constructors
 */
export const redirect = (location: string, status = 307): Fault => ({
  _tag: "Respond",
  status,
  headers: { location, "content-length": "0" }
})

const rawReply = (fault: Extract<Fault, { _tag: "Respond" }>): Buffer => {
  const body = Buffer.from(fault.body ?? "")
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(fault.headers ?? {})) headers[name.toLowerCase()] = value
  headers["connection"] ??= "close"
  headers["content-length"] ??= String(body.length)
  const head = `HTTP/1.1 ${fault.status} ${Http.STATUS_CODES[fault.status] ?? "Unknown"}\r\n` +
    Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n"
  return Buffer.concat([Buffer.from(head, "latin1"), body])
}

const headEnd = Buffer.from("\r\n\r\n")

/**
 * Starts a proxy to `upstream` (an `http://host:port/...` URL) for the life of the scope; it listens on an
 * ephemeral port of 127.0.0.1. Closing the scope closes every connection.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (upstream: string): Effect.Effect<FaultProxy, Error, Scope.Scope> =>
  Effect.gen(function*() {
    const target = new URL(upstream)
    const upstreamPort = Number(target.port || (target.protocol === "https:" ? 443 : 80))
    const queue: Array<Fault> = []
    const log: Array<{ -readonly [K in keyof Connection]: Connection[K] }> = []
    const sockets = new Set<Net.Socket>()
    const upstreams = new Set<Net.Socket>()

    const handle = (client: Net.Socket) => {
      const record: (typeof log)[number] = { fault: queue.shift(), bytesFromClient: 0, bytesToClient: 0, open: true }
      const fault = record.fault
      log.push(record)
      sockets.add(client)
      client.setNoDelay(true)
      client.on("error", () => {})
      client.on("data", (chunk: Buffer) => {
        record.bytesFromClient += chunk.length
      })
      // the bytes of a dripped response not yet written, and the timer of the next one
      const pending: Array<number> = []
      let dripTimer: ReturnType<typeof setTimeout> | undefined
      client.on("close", () => {
        record.open = false
        sockets.delete(client)
        clearTimeout(dripTimer)
      })
      const toClient = (bytes: Buffer) => {
        if (client.destroyed) return
        record.bytesToClient += bytes.length
        client.write(bytes)
      }
      switch (fault?._tag) {
        case "Refuse":
          client.resetAndDestroy()
          return
        case "ResetBeforeHeaders":
          client.once("data", () => client.resetAndDestroy())
          return
        case "StallHeaders":
          return
        case "Respond":
          client.once("data", () => {
            const reply = rawReply(fault)
            record.bytesToClient += reply.length
            client.end(reply)
          })
          return
      }
      const upstreamConnection = Net.connect({ host: target.hostname, port: upstreamPort, noDelay: true })
      upstreams.add(upstreamConnection)
      upstreamConnection.on("close", () => upstreams.delete(upstreamConnection))
      client.on("close", () => upstreamConnection.destroy())
      upstreamConnection.on("error", () => client.destroy())
      // the upstream ended its side: end the client's once everything received is written (a drip may lag)
      let upstreamEnded = false
      const endIfDone = () => {
        if (upstreamEnded && pending.length === 0 && !client.destroyed) client.end()
      }
      upstreamConnection.on("end", () => {
        upstreamEnded = true
        if (fault?._tag !== "StallAfterBytes") endIfDone()
      })
      client.pipe(upstreamConnection)
      if (fault === undefined) {
        upstreamConnection.on("data", toClient)
        return
      }
      if (fault._tag === "Drip") {
        const millis = fault.interval === undefined ? 0 : Duration.toMillis(Duration.decode(fault.interval))
        let dripping = false
        const drip = () => {
          const byte = pending.shift()
          if (byte === undefined || client.destroyed) {
            dripping = false
            endIfDone()
            return
          }
          toClient(Buffer.of(byte))
          if (millis === 0) setImmediate(drip)
          else dripTimer = setTimeout(drip, millis)
        }
        upstreamConnection.on("data", (chunk: Buffer) => {
          for (const byte of chunk) pending.push(byte)
          if (!dripping) {
            dripping = true
            drip()
          }
        })
        return
      }
      // ResetAfterBytes / StallAfterBytes: count body bytes after the response head
      let head: Buffer | undefined = Buffer.alloc(0)
      let budget = fault.bytes
      const cut = () => {
        if (fault._tag === "ResetAfterBytes") {
          client.resetAndDestroy()
        } else {
          upstreamConnection.destroy()
        }
      }
      upstreamConnection.on("data", (chunk: Buffer) => {
        if (budget < 0) return
        let body = chunk
        if (head !== undefined) {
          head = Buffer.concat([head, chunk])
          const end = head.indexOf(headEnd)
          if (end < 0) return
          toClient(head.subarray(0, end + headEnd.length))
          body = head.subarray(end + headEnd.length)
          head = undefined
        }
        if (body.length < budget) {
          toClient(body)
          budget -= body.length
          return
        }
        toClient(body.subarray(0, budget))
        budget = -1
        cut()
      })
    }

    const server = Net.createServer(handle)
    yield* Effect.async<void, Error>((resume) => {
      server.once("error", (error) => resume(Effect.fail(error)))
      server.listen(0, "127.0.0.1", () => resume(Effect.void))
    })
    yield* Effect.addFinalizer(() =>
      Effect.async<void>((resume) => {
        for (const socket of sockets) socket.destroy()
        for (const socket of upstreams) socket.destroy()
        server.close(() => resume(Effect.void))
      })
    )
    const port = (server.address() as Net.AddressInfo).port
    const url = new URL(target)
    url.host = `127.0.0.1:${port}`
    return {
      url: url.toString().replace(/\/$/, ""),
      port,
      fault: (...faults) =>
        Effect.sync(() => {
          queue.push(...faults)
        }),
      connections: Effect.sync(() => log.map((record) => ({ ...record })))
    }
  })
