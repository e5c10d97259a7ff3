import * as ConfigError from "effect/ConfigError"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type * as OpenAiClient from "../OpenAiClient.js"
import type * as Operation from "../Operation.js"

/** A header name HTTP accepts (an RFC 9110 token). */
const headerName = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/**
 * What keeps `value` out of an HTTP header, if anything: a CR or LF (header injection), or a character HTTP cannot
 * carry (a control other than tab, DEL, or past U+00FF). Caught here, it is a clear error instead of a transport
 * failure.
 *
 * @internal
 */
export const headerValueProblem = (value: string): string | undefined => {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code === 0x0a || code === 0x0d) return "contains a line break (CR or LF)"
    if ((code < 0x20 && code !== 0x09) || code === 0x7f || code > 0xff) {
      return "has a character HTTP headers cannot carry (a control character or one past U+00FF)"
    }
  }
  return undefined
}

/**
 * What is wrong with a header input, if anything.
 *
 * @internal
 */
export const headersProblem = (input: Operation.HeadersInput | undefined): string | undefined => {
  if (input === undefined) return undefined
  for (const name in input) {
    if (!headerName.test(name)) return `Header name ${JSON.stringify(name)} is not a valid HTTP header name`
    const value = input[name]
    const problem = typeof value === "string" ? headerValueProblem(value) : undefined
    if (problem !== undefined) return `Header ${JSON.stringify(name)} ${problem}`
  }
  return undefined
}

/**
 * `input` decoded as a positive duration, `fallback` when absent, or what is wrong with it.
 *
 * @internal
 */
export const decodeLimit = (
  name: string,
  input: Duration.DurationInput | undefined,
  fallback: Duration.Duration
): Either.Either<Duration.Duration, string> => {
  if (input === undefined) return Either.right(fallback)
  const decoded = Duration.decodeUnknown(input)
  return decoded._tag === "Some" && Duration.greaterThan(decoded.value, Duration.zero)
    ? Either.right(decoded.value)
    : Either.left(`${name} must be a positive duration, got ${String(input)}`)
}

/**
 * What is wrong with a retry count, if anything.
 *
 * @internal
 */
export const retriesProblem = (maxRetries: number | undefined): string | undefined =>
  maxRetries === undefined || (Number.isInteger(maxRetries) && maxRetries >= 0)
    ? undefined
    : `maxRetries must be a whole number >= 0, got ${maxRetries}`

/** A page in a browser (not Node, Deno, Bun or a worker), detected as the official SDK does. */
const isBrowser = () => {
  const global = globalThis as { window?: { document?: unknown }; navigator?: unknown }
  return typeof global.window !== "undefined" && typeof global.window.document !== "undefined" &&
    typeof global.navigator !== "undefined"
}

/** @internal */
export const defaultTimeout: Duration.Duration = Duration.minutes(10)

/** @internal */
export const defaultStreamIdleTimeout: Duration.Duration = Duration.minutes(5)

/**
 * The two limits of a client or a call.
 *
 * @internal
 */
export interface Limits {
  /** Per attempt. */
  readonly timeout: Duration.Duration
  /** Between chunks of a stream. */
  readonly idle: Duration.Duration
  /** Across attempts and retry waits (a stream's until it is open); infinite when not set. */
  readonly total: Duration.Duration
}

const invalid = (path: string, message: string) => ConfigError.InvalidData([path], message)

/** What is wrong with a key as an `Authorization` header value (never quoting it), or `undefined`. */
const secretProblem = (secret: Redacted.Redacted<string>): string | undefined => {
  const value = Redacted.value(secret)
  return typeof value !== "string" || value.trim() === "" ? "is empty" : headerValueProblem(value)
}

/**
 * Checks the client options, once; their limits decoded.
 *
 * @internal
 */
export const options = (options: OpenAiClient.Options): Either.Either<Limits, ConfigError.ConfigError> => {
  if (options.dangerouslyAllowBrowser !== true && isBrowser()) {
    return Either.left(invalid(
      "dangerouslyAllowBrowser",
      "Refusing to build the OpenAI client in a browser: the API key would be exposed to everyone who loads the " +
        "page. Call the API from a server instead, or pass dangerouslyAllowBrowser: true if exposing this key is " +
        "intended."
    ))
  }
  // the messages never quote a key
  const keyProblem = secretProblem(options.apiKey)
  if (keyProblem === "is empty") {
    return Either.left(invalid("apiKey", "The OpenAI API key is empty: set OPENAI_API_KEY or pass apiKey"))
  }
  if (keyProblem !== undefined) return Either.left(invalid("apiKey", `The OpenAI API key ${keyProblem}`))
  const adminProblem = options.adminApiKey === undefined ? undefined : secretProblem(options.adminApiKey)
  if (adminProblem !== undefined) return Either.left(invalid("adminApiKey", `The OpenAI admin key ${adminProblem}`))
  if (options.baseURL !== undefined) {
    let url: URL | undefined
    try {
      url = new URL(options.baseURL)
    } catch {
      url = undefined
    }
    if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
      return Either.left(
        invalid("baseURL", `baseURL must be an absolute http(s) URL, got ${JSON.stringify(options.baseURL)}`)
      )
    }
  }
  const retries = retriesProblem(options.maxRetries)
  if (retries !== undefined) return Either.left(invalid("maxRetries", retries))
  for (const [name, value] of [["organization", options.organization], ["project", options.project]] as const) {
    const problem = value === undefined ? undefined : headerValueProblem(value)
    if (problem !== undefined) return Either.left(invalid(name, `${name} ${problem}`))
  }
  const badHeader = headersProblem(options.defaultHeaders)
  if (badHeader !== undefined) return Either.left(invalid("defaultHeaders", badHeader))
  const timeout = decodeLimit("timeout", options.timeout, defaultTimeout)
  if (Either.isLeft(timeout)) return Either.left(invalid("timeout", timeout.left))
  const idle = decodeLimit("streamIdleTimeout", options.streamIdleTimeout, defaultStreamIdleTimeout)
  if (Either.isLeft(idle)) return Either.left(invalid("streamIdleTimeout", idle.left))
  const total = decodeLimit("totalTimeout", options.totalTimeout, Duration.infinity)
  if (Either.isLeft(total)) return Either.left(invalid("totalTimeout", total.left))
  return Either.right({ timeout: timeout.right, idle: idle.right, total: total.right })
}

/**
 * Checks one call's options (the defaults were checked once): its limits decoded, or what is wrong.
 *
 * @internal
 */
export const requestOptions = (
  options: OpenAiClient.StreamRequestOptions | undefined,
  defaults: Limits
): Either.Either<Limits, string> => {
  if (options === undefined) return Either.right(defaults)
  const timeout = decodeLimit("timeout", options.timeout, defaults.timeout)
  if (Either.isLeft(timeout)) return Either.left(timeout.left)
  const idle = decodeLimit("idleTimeout", options.idleTimeout, defaults.idle)
  if (Either.isLeft(idle)) return Either.left(idle.left)
  const total = decodeLimit("totalTimeout", options.totalTimeout, defaults.total)
  if (Either.isLeft(total)) return Either.left(total.left)
  const problem = retriesProblem(options.maxRetries) ?? headersProblem(options.headers)
  return problem === undefined
    ? Either.right({ timeout: timeout.right, idle: idle.right, total: total.right })
    : Either.left(problem)
}
