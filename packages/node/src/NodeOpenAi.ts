/**
 * The OpenAI client on Node.js: `@effect-openai/core`'s pipeline over undici's `request` API with a keep-alive
 * dispatcher (`@effect/platform-node`'s `NodeHttpClient.layerUndici`).
 *
 * @since 0.1.0
 */
import * as OpenAiClient from "@effect-openai/core/OpenAiClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import type * as ConfigError from "effect/ConfigError"
import * as Layer from "effect/Layer"
import type * as Undici from "undici"

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
 * The undici `HttpClient` layer: over the given dispatcher, or a fresh keep-alive `Agent` scoped to the layer.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerHttpClient = (dispatcher?: Undici.Dispatcher) =>
  dispatcher === undefined
    ? NodeHttpClient.layerUndici
    : NodeHttpClient.layerUndiciWithoutDispatcher.pipe(
      Layer.provide(Layer.succeed(NodeHttpClient.Dispatcher, dispatcher))
    )

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
