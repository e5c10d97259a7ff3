/**
 * The limiter `RateLimit` builds: before an attempt it reserves the call's cost in the store and waits for it
 * (interruptibly; a reservation never sent is given back), then lets the attempt run under the concurrency cap, takes
 * in the response's budget headers, and corrects the token estimate with the usage the response reports.
 *
 * @internal
 */
import type * as Headers from "@effect/platform/Headers"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as Option from "effect/Option"
import * as Scope from "effect/Scope"
import * as OpenAiError from "../OpenAiError.js"
import type * as RateLimit from "../RateLimit.js"
import * as ResponseMeta from "../ResponseMeta.js"
import { retryAfterFromHeaders } from "../RetryPolicy.js"
import * as Budget from "./budget.js"
import type { Limiter, Seen, Ticket } from "./limiterTag.js"
import { timeoutFail } from "./timeout.js"
import * as Tokens from "./tokens.js"

/** The in-memory store: `Budget`'s arithmetic over a map, on Effect's clock. @internal */
export const makeStoreMemory = (): RateLimit.BudgetStore => {
  const states = new Map<string, Budget.State>()
  const state = (key: string, now: number) => {
    let found = states.get(key)
    if (found === undefined) {
      found = Budget.make(now)
      states.set(key, found)
    }
    return found
  }
  return {
    inProcess: true,
    reserve: (key, cost, limits) =>
      Effect.map(Clock.currentTimeMillis, (now) => Budget.reserve(state(key, now), cost, limits, now)),
    adjust: (key, delta, limits) =>
      Effect.map(Clock.currentTimeMillis, (now) => Budget.adjust(state(key, now), delta, limits, now)),
    observe: (key, seen, limits) =>
      Effect.map(Clock.currentTimeMillis, (now) => Budget.observe(state(key, now), seen, limits, now))
  }
}

/** How long a failed store is left alone (its calls go to the local budget) before it is tried again. */
const storeRetryMillis = 5_000

const waitSeconds = Metric.histogram(
  "openai.client.rate_limit.wait",
  MetricBoundaries.exponential({ start: 0.01, factor: 2, count: 14 }),
  "Time a call waited for its rate-limit budget before it was sent, in seconds"
)

const invalid = (message: string) =>
  new OpenAiError.RateLimiterError({ request: undefined, reason: "InvalidOptions", message })

const isLimit = (value: unknown) => value === undefined || (typeof value === "number" && value >= 0)

/** The options, checked: budgets are non-negative numbers, the concurrency a positive integer. */
const check = (options: RateLimit.Options): Effect.Effect<void, OpenAiError.RateLimiterError> => {
  for (const [model, budget] of Object.entries(options.budgets ?? {})) {
    if (!isLimit(budget.requestsPerMinute) || !isLimit(budget.tokensPerMinute)) {
      return Effect.fail(invalid(`RateLimit: the budget of "${model}" must be non-negative numbers per minute`))
    }
  }
  const concurrency = options.concurrency
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) {
    return Effect.fail(invalid(`RateLimit: concurrency must be a positive integer, got ${concurrency}`))
  }
  return Effect.void
}

/** The encodings of the `gpt-tokenizer` package: o200k for current models, cl100k for GPT-4, 3.5 and ada. */
const tokenizer: Effect.Effect<Tokens.Counter, OpenAiError.RateLimiterError> = Effect.tryPromise({
  try: async () => {
    const [o200k, cl100k] = await Promise.all([
      import("gpt-tokenizer/encoding/o200k_base"),
      import("gpt-tokenizer/encoding/cl100k_base")
    ])
    const older = /^(gpt-4(?!o|\.)|gpt-3\.5|text-embedding-(ada|3)|davinci|babbage)/
    return (text: string, model: string | undefined) =>
      (model !== undefined && older.test(model) ? cl100k : o200k).countTokens(text)
  },
  catch: (cause) =>
    new OpenAiError.RateLimiterError({
      request: undefined,
      reason: "TokenizerUnavailable",
      message: "RateLimit: countTokens \"tokenizer\" needs the gpt-tokenizer package (npm i gpt-tokenizer); " +
        "or choose countTokens: \"characters\"",
      cause
    })
})

const counterOf = (
  option: RateLimit.TokenCounter | undefined
): Effect.Effect<Tokens.Counter, OpenAiError.RateLimiterError> =>
  option === "characters" ? Effect.succeed(Tokens.characters) : typeof option === "function"
    ? Effect.succeed(option)
    : tokenizer

/** @internal */
export const make = (
  options: RateLimit.Options,
  store: RateLimit.BudgetStore
): Effect.Effect<Limiter, OpenAiError.RateLimiterError> =>
  Effect.gen(function*() {
    yield* check(options)
    const counter = yield* counterOf(options.countTokens)
    const semaphore = options.concurrency === undefined ? undefined : yield* Effect.makeSemaphore(options.concurrency)
    const budgets = options.budgets ?? {}
    const partition = options.partition ?? "default"
    const learn = options.learn ?? true
    const failFast = options.onStoreFailure === "fail"
    const storeTimeout = Duration.decode(options.storeTimeout ?? "5 seconds")
    const marginMillis = Duration.toMillis(Duration.decode(options.margin ?? "1 second"))
    const local = makeStoreMemory()
    let storeDownUntil = 0

    const limitsOf = (model: string | undefined): Budget.Limits => {
      const budget = (model !== undefined ? budgets[model] : undefined) ?? budgets["*"]
      return { requests: budget?.requestsPerMinute, tokens: budget?.tokensPerMinute, marginMillis }
    }
    const keyOf = (model: string | undefined) => `${partition}:${model ?? "*"}`

    /** A store call, bounded by `storeTimeout`; a failure goes to the local budget or fails the call. */
    const call = <A>(
      info: OpenAiError.RequestInfo | undefined,
      use: (store: RateLimit.BudgetStore) => Effect.Effect<A, { readonly message: string }>
    ): Effect.Effect<A, OpenAiError.RateLimiterError> =>
      store.inProcess === true ? use(store).pipe(Effect.orDie) : Effect.flatMap(Clock.currentTimeMillis, (now) => {
        if (now < storeDownUntil) return use(local).pipe(Effect.orDie)
        // interruptible even inside the attempt's uninterruptible reservation, so the timeout can end it
        return timeoutFail(
          Effect.interruptible(use(store)),
          storeTimeout,
          () => ({ message: `no answer within ${Duration.format(storeTimeout)}` })
        ).pipe(
          Effect.catchAll((error) =>
            failFast
              ? Effect.fail(
                new OpenAiError.RateLimiterError({
                  request: info,
                  reason: "StoreFailed",
                  message: `RateLimit: the budget store failed: ${error.message}`,
                  cause: error
                })
              )
              : Effect.zipRight(
                Effect.zipRight(
                  Effect.sync(() => {
                    storeDownUntil = now + storeRetryMillis
                  }),
                  Effect.logWarning(
                    `RateLimit: the budget store failed (${error.message}); using this process's budget for ${
                      storeRetryMillis / 1000
                    } s`
                  )
                ),
                use(local).pipe(Effect.orDie)
              )
          )
        )
      })

    const waitFor = (millis: number, ticket: Ticket): Effect.Effect<void> => {
      if (millis <= 0) return Effect.void
      return Effect.zipRight(
        Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
          Effect.sync(() => {
            if (Option.isSome(span)) {
              span.value.attribute("openai.rate_limit.wait_ms", millis)
              span.value.event("openai.rate_limit.wait", BigInt(Date.now()) * 1_000_000n, {
                "openai.rate_limit.wait_ms": millis,
                "gen_ai.request.model": ticket.model ?? ""
              })
            }
          })),
        Effect.zipRight(
          Metric.update(Metric.tagged(waitSeconds, "gen_ai.request.model", ticket.model ?? ""), millis / 1000),
          Effect.sleep(Duration.millis(millis))
        )
      )
    }

    /** What a response's status and headers say about the budget. */
    const seenIn = (status: number, headers: Headers.Headers, now: number): Budget.Seen => {
      const rateLimit = ResponseMeta.parseRateLimit(headers)
      return {
        limitRequests: learn ? rateLimit.limitRequests : undefined,
        limitTokens: learn ? rateLimit.limitTokens : undefined,
        remainingRequests: rateLimit.remainingRequests,
        remainingTokens: rateLimit.remainingTokens,
        retryAfterMillis: status === 429 ? retryAfterFromHeaders(headers, now) : undefined
      }
    }

    const observe = (ticket: Ticket, seen: Budget.Seen): Effect.Effect<void> =>
      call(ticket.info, (s) => s.observe(keyOf(ticket.model), seen, limitsOf(ticket.model))).pipe(
        Effect.catchAll(() => Effect.void)
      )

    /** The tokens to give back (or, negative, to charge) once the usage is known. */
    const refundOf = (estimate: number, value: unknown): number => {
      const used = Tokens.usageOf(value)
      return used === undefined ? 0 : estimate - used
    }

    const estimates = new WeakMap<Ticket, number>()
    const costs = new WeakMap<Ticket, Budget.Cost>()

    /** A streamed call's usage, reported by one of its values: the estimate corrected once. */
    const used = (ticket: Ticket, values: Iterable<unknown>): Effect.Effect<void> => {
      const estimate = estimates.get(ticket)
      if (estimate === undefined) return Effect.void
      let refund = 0
      for (const value of values) {
        refund = refundOf(estimate, value)
        if (refund !== 0) break
      }
      if (refund === 0) return Effect.void
      estimates.delete(ticket)
      return call(
        ticket.info,
        (s) => s.adjust(keyOf(ticket.model), { requests: 0, tokens: refund }, limitsOf(ticket.model))
      ).pipe(Effect.catchAll(() => Effect.void))
    }

    const withPermit = <A, E, R>(effect: Effect.Effect<A, E, R>, scope: Scope.Scope | undefined) =>
      semaphore === undefined
        ? effect
        : scope === undefined
        ? semaphore.withPermits(1)(effect)
        : Effect.zipRight(
          Effect.uninterruptibleMask((restore) =>
            Effect.zipRight(restore(semaphore.take(1)), Scope.addFinalizer(scope, semaphore.release(1)))
          ),
          effect
        )

    const attempt = <A, E, R>(
      ticket: Ticket,
      run: (seen: Seen) => Effect.Effect<A, E, R>,
      scope?: Scope.Scope
    ): Effect.Effect<A, E | OpenAiError.RateLimiterError, R> =>
      Effect.suspend(() => {
        const key = keyOf(ticket.model)
        const limits = limitsOf(ticket.model)
        // counted once a call, not again on each retry (a long prompt takes the tokenizer a while)
        let cost = costs.get(ticket)
        if (cost === undefined) {
          cost = { requests: 1, tokens: Tokens.estimate(ticket.body, ticket.model, counter) }
          costs.set(ticket, cost)
        }
        return Effect.uninterruptibleMask((restore) =>
          Effect.flatMap(call(ticket.info, (s) => s.reserve(key, cost, limits)), (
            reservation
          ): Effect.Effect<A, E | OpenAiError.RateLimiterError, R> => {
            if (reservation._tag === "TooLarge") {
              return Effect.fail(
                new OpenAiError.RateLimiterError({
                  request: ticket.info,
                  reason: "TooLarge",
                  message: `RateLimit: the request needs ${reservation.cost} ${reservation.resource} and the budget ` +
                    `of ${ticket.model ?? "this operation"} allows ${reservation.limit} per minute`
                })
              )
            }
            let sent = false
            // a response read whole tells its headers and its usage in one store call, after its body; a stream (or
            // an error) tells its headers at once, and a stream its usage when a value reports it
            let deferred: Budget.Seen | undefined
            const seen: Seen = (status, headers) =>
              Effect.flatMap(Clock.currentTimeMillis, (now) => {
                const info = seenIn(status, headers, now)
                if (scope === undefined && status >= 200 && status < 300) {
                  deferred = info
                  return Effect.void
                }
                return observe(ticket, info)
              })
            if (scope !== undefined) estimates.set(ticket, cost.tokens)
            const body = Effect.zipRight(
              waitFor(reservation.waitMillis, ticket),
              withPermit(
                Effect.suspend(() => {
                  sent = true
                  return run(seen)
                }),
                scope
              )
            )
            return restore(body).pipe(
              Effect.tap((value) => {
                if (scope !== undefined) return Effect.void
                const refund = refundOf(cost.tokens, value)
                return deferred === undefined && refund === 0
                  ? Effect.void
                  : observe(ticket, { ...deferred, refundTokens: refund })
              }),
              Effect.onExit(() =>
                sent
                  ? Effect.void
                  : call(ticket.info, (s) => s.adjust(key, cost, limits)).pipe(Effect.catchAll(() => Effect.void))
              )
            )
          })
        )
      })

    return { attempt, used }
  })
