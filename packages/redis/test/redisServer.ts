/**
 * A real `redis-server` (Debian's package; `.ci/run` installs it) on 127.0.0.1 and a port of its own, without
 * persistence, for the life of the scope; stopped by its PID.
 */
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { createServer } from "node:net"
import { createClient } from "redis"

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** Kills the server at once (SIGKILL), as a crash would. */
  readonly kill: Effect.Effect<void>
}

const freePort = Effect.async<number>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(port)))
  })
})

const stop = (child: ChildProcess) =>
  Effect.async<void>((resume) => {
    if (child.exitCode !== null || child.signalCode !== null) return resume(Effect.void)
    child.once("exit", () => resume(Effect.void))
    child.kill("SIGKILL")
  })

/** Answers PING, or fails. */
const ping = (url: string) =>
  Effect.tryPromise(async () => {
    const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } })
    client.on("error", () => {})
    try {
      await client.connect()
      await client.ping()
    } finally {
      client.destroy()
    }
  })

export const start: Effect.Effect<RedisServer, Error, Scope.Scope> = Effect.gen(function*() {
  const port = yield* freePort
  const child = yield* Effect.acquireRelease(
    Effect.sync(() =>
      spawn("redis-server", [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no"
      ], { stdio: "ignore" })
    ),
    stop
  )
  const url = `redis://127.0.0.1:${port}`
  yield* ping(url).pipe(
    Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.upTo("10 seconds"))),
    Effect.mapError(() => new Error(`redis-server did not start on port ${port} (is it installed?)`))
  )
  return { url, port, kill: stop(child) }
})
