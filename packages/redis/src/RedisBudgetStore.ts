/**
 * A `RateLimit` budget store in Redis: every process and replica that uses the same Redis (and partition) shares
 * one budget per model. Each operation is one Lua script Redis runs atomically, on its own clock.
 *
 * ```ts
 * const Budget = RateLimit.layer({ budgets: { "gpt-4o-mini": { requestsPerMinute: 500 } } }).pipe(
 *   Layer.provide(RedisBudgetStore.layer({ url: "redis://127.0.0.1:6379" }))
 * )
 * const OpenAi = NodeOpenAi.layerConfig().pipe(Layer.provide(Budget))
 * ```
 *
 * When Redis is down or slow, nothing waits on it: commands fail at once while the client reconnects in the
 * background (no offline queue), and the limiter's `onStoreFailure` decides — the process's own budget (default)
 * or a `RateLimiterError`. The layer builds even when Redis is down at start.
 *
 * @since 0.2.0
 */
import { RateLimit } from "@effect-openai/core"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { createClient } from "redis"
import { script, sha1 } from "./internal/script.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Default `redis://127.0.0.1:6379`. */
  readonly url?: string | undefined
  /** Prefix of the keys, one per partition and model. Default `effect-openai:budget:`. */
  readonly prefix?: string | undefined
  /** The longest a connection attempt may take. Default 1 second. */
  readonly connectTimeout?: Duration.DurationInput | undefined
}

/**
 * What the store needs of a client: `EVALSHA` and `EVAL` with keys and arguments, as node-redis's client has them.
 *
 * @since 0.2.0
 * @category models
 */
export interface Client {
  readonly evalSha: (sha: string, options: { keys: Array<string>; arguments: Array<string> }) => Promise<unknown>
  readonly eval: (script: string, options: { keys: Array<string>; arguments: Array<string> }) => Promise<unknown>
}

const text = (value: number | undefined): string => value === undefined ? "" : String(value)

const failed = (cause: unknown) =>
  new RateLimit.BudgetStoreError({
    message: cause instanceof Error ? cause.message : String(cause),
    cause
  })

/** Runs the script: by its SHA-1, loading it once when Redis does not have it yet. */
const run = (client: Client, key: string, args: Array<string>): Effect.Effect<unknown, RateLimit.BudgetStoreError> =>
  Effect.tryPromise({
    try: async () => {
      const options = { keys: [key], arguments: args }
      try {
        return await client.evalSha(sha1, options)
      } catch (error) {
        if (error instanceof Error && error.message.startsWith("NOSCRIPT")) return await client.eval(script, options)
        throw error
      }
    },
    catch: failed
  })

/**
 * The store over a client you manage (connected, and closed by you).
 *
 * @since 0.2.0
 * @category constructors
 */
export const fromClient = (client: Client, options: Pick<Options, "prefix"> = {}): RateLimit.BudgetStore => {
  const prefix = options.prefix ?? "effect-openai:budget:"
  return {
    reserve: (key, cost, limits) =>
      Effect.flatMap(
        run(client, prefix + key, [
          "reserve",
          String(cost.requests),
          String(cost.tokens),
          text(limits.requests),
          text(limits.tokens),
          text(limits.marginMillis)
        ]),
        (reply): Effect.Effect<RateLimit.Reservation, RateLimit.BudgetStoreError> => {
          const [tag, a, b, c] = Array.isArray(reply) ? reply.map(String) : []
          if (tag === "granted") return Effect.succeed({ _tag: "Granted" as const, waitMillis: Number(a) })
          if (tag === "toolarge") {
            return Effect.succeed({
              _tag: "TooLarge" as const,
              resource: a === "requests" ? "requests" as const : "tokens" as const,
              limit: Number(b),
              cost: Number(c)
            })
          }
          return Effect.fail(failed(`unexpected reply ${JSON.stringify(reply)}`))
        }
      ),
    adjust: (key, delta, limits) =>
      Effect.asVoid(
        run(client, prefix + key, [
          "adjust",
          String(delta.requests),
          String(delta.tokens),
          text(limits.requests),
          text(limits.tokens)
        ])
      ),
    observe: (key, seen, limits) =>
      Effect.asVoid(
        run(client, prefix + key, [
          "observe",
          text(seen.limitRequests),
          text(seen.limitTokens),
          text(seen.remainingRequests),
          text(seen.remainingTokens),
          text(seen.retryAfterMillis),
          text(limits.requests),
          text(limits.tokens),
          text(seen.refundTokens)
        ])
      )
  }
}

/**
 * Connects to Redis for the life of the scope and makes the store. The connection is tried for `connectTimeout`;
 * if Redis is not there yet, the store is made anyway (its calls fail until the client, reconnecting in the
 * background, gets through) and a warning is logged.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<RateLimit.BudgetStore, never, Scope.Scope> =>
  Effect.gen(function*() {
    const connectTimeout = Duration.decode(options.connectTimeout ?? "1 second")
    const client = createClient({
      url: options.url ?? "redis://127.0.0.1:6379",
      // while disconnected a command fails at once instead of waiting in memory for the reconnection
      disableOfflineQueue: true,
      socket: {
        connectTimeout: Duration.toMillis(connectTimeout),
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000)
      }
    })
    let lastError: string | undefined
    // the client reports socket errors here while it reconnects; without a listener they would end the process
    client.on("error", (error: unknown) => {
      lastError = error instanceof Error ? error.message : String(error)
    })
    yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
    const connected = yield* Effect.tryPromise(() => client.connect()).pipe(
      Effect.timeout(connectTimeout),
      Effect.option
    )
    if (connected._tag === "None") {
      yield* Effect.logWarning(
        `RedisBudgetStore: Redis is not reachable yet (${lastError ?? "no answer"}); the limiter uses its ` +
          "onStoreFailure rule until it is"
      )
    }
    return fromClient(client as unknown as Client, options)
  })

/**
 * The store as a layer, for `RateLimit.layer`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<RateLimit.BudgetStoreTag> =>
  Layer.scoped(RateLimit.BudgetStoreTag, make(options))
