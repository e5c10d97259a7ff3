/**
 * The OpenAI client on Node.js: `@effect-openai/core`'s pipeline over undici's `dispatch` API with a keep-alive
 * dispatcher, through a lean `HttpClient` of this package.
 *
 * @since 0.1.0
 */
import * as HttpTransport from "@effect-openai/core/HttpTransport"
import * as OpenAiClient from "@effect-openai/core/OpenAiClient"
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Undici from "undici"
import { Agent } from "undici"
import * as internal from "./internal/undiciHttpClient.js"

/**
 * Options of the Node layer: the client options, plus an optional undici dispatcher.
 *
 * @since 0.1.0
 * @category models
 */
export interface NodeOptions {
  /**
   * Your own undici dispatcher (a `ProxyAgent`, an `Agent` with connection limits or socket timeouts...). You own
   * it: the layer does not close it. By default the layer creates a keep-alive `Agent` and closes it when released.
   */
  readonly dispatcher?: Undici.Dispatcher | undefined
}

/**
 * A lean `HttpClient` over an undici dispatcher: undici's `dispatch` API with a handler of its own, interruption by
 * undici's abort (the socket is closed), an attempt's deadline as a timer on the exchange (it declares both through
 * `HttpTransport`), and no HTTP span of its own (the client's `OpenAI <operation>` span covers each call). It costs a fraction of `@effect/platform-node`'s `layerUndici` per request (see
 * docs/benchmarks.md).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeHttpClient: (dispatcher: Undici.Dispatcher) => HttpClient.HttpClient = internal.make

/**
 * The lean undici `HttpClient` as a layer: over the given dispatcher (which you own), or a fresh keep-alive
 * `Agent` that lives as long as the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (
  dispatcher?: Undici.Dispatcher
): Layer.Layer<HttpClient.HttpClient | HttpTransport.Declared> =>
  dispatcher === undefined
    ? Layer.unwrapScoped(
      Effect.map(
        Effect.acquireRelease(
          Effect.sync(() => new Agent()),
          (agent) => Effect.promise(() => agent.destroy())
        ),
        (agent) => HttpTransport.layer(internal.make(agent), internal.capabilities)
      )
    )
    : HttpTransport.layer(internal.make(dispatcher), internal.capabilities)

/**
 * The client from explicit options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: OpenAiClient.Options & NodeOptions
): Layer.Layer<OpenAiClient.OpenAiClient, ConfigError.ConfigError> =>
  OpenAiClient.layer(options).pipe(Layer.provide(layerHttpClient(options.dispatcher)))

/**
 * The client configured from the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`, `OPENAI_ORG_ID`,
 * `OPENAI_PROJECT_ID`); options given here win. A missing key fails the layer with a `ConfigError`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options?: Partial<OpenAiClient.Options> & NodeOptions
): Layer.Layer<OpenAiClient.OpenAiClient, ConfigError.ConfigError> =>
  OpenAiClient.layerConfig(options).pipe(Layer.provide(layerHttpClient(options?.dispatcher)))
