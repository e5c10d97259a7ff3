/**
 * `GET /models`, `GET /models/{model}`, `DELETE /models/{model}`.
 *
 * @since 0.1.0
 */
import type * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { OpenEnum, optionalNullable, pathParam } from "./internal/schema.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import * as Operation from "./Operation.js"

/**
 * A model the API offers.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Model = Schema.Struct({
  id: Schema.String,
  object: OpenEnum("model"),
  created: Schema.Number,
  owned_by: Schema.String,
  /** The date the model shuts down (`2026-10-23`), or null when none is announced. */
  shutdown_date: optionalNullable(Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Model extends Schema.Schema.Type<typeof Model> {}

/**
 * The response of `GET /models`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModelsPage = Schema.Struct({
  object: OpenEnum("list"),
  data: Schema.Array(Model)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ModelsPage extends Schema.Schema.Type<typeof ModelsPage> {}

/**
 * The response of `DELETE /models/{model}`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModelDeleted = Schema.Struct({
  id: Schema.String,
  object: OpenEnum("model"),
  deleted: Schema.Boolean
})

/**
 * @since 0.1.0
 * @category models
 */
export interface ModelDeleted extends Schema.Schema.Type<typeof ModelDeleted> {}

const modelResponse = Operation.jsonResponse(Model)
const modelsPageResponse = Operation.jsonResponse(ModelsPage)
const modelDeletedResponse = Operation.jsonResponse(ModelDeleted)

/**
 * Lists the models available to the key.
 *
 * @since 0.1.0
 * @category operations
 */
export const list = (
  options?: OpenAiClient.RequestOptions
): Effect.Effect<ModelsPage, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  OpenAiClient.request({ name: "models.list", method: "GET", path: "/models", response: modelsPageResponse }, options)

/**
 * Retrieves one model by id.
 *
 * @since 0.1.0
 * @category operations
 */
export const retrieve = (
  model: string,
  options?: OpenAiClient.RequestOptions
): Effect.Effect<Model, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  OpenAiClient.request(
    { name: "models.retrieve", method: "GET", path: `/models/${pathParam(model)}`, model, response: modelResponse },
    options
  )

/**
 * Deletes a fine-tuned model you own.
 *
 * @since 0.1.0
 * @category operations
 */
const del = (
  model: string,
  options?: OpenAiClient.RequestOptions
): Effect.Effect<ModelDeleted, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> =>
  OpenAiClient.request(
    {
      name: "models.delete",
      method: "DELETE",
      path: `/models/${pathParam(model)}`,
      model,
      response: modelDeletedResponse
    },
    options
  )

export {
  /**
   * Deletes a fine-tuned model you own (`delete` is a reserved word, so it is exported under that name).
   *
   * @since 0.1.0
   * @category operations
   */
  del as delete
}
