/**
 * `GET /models`, `GET /models/{model}`, `DELETE /models/{model}`: `Models.list`, `Models.retrieve`,
 * `Models.delete`, generated from the spec (`generated/Models.ts`), with the names this module had before.
 *
 * @since 0.1.0
 */
import { DeleteModelResponse, ListModelsResponse } from "./generated/Models.js"

export * from "./generated/Models.js"

/**
 * The response of `GET /models` (the spec's `ListModelsResponse`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModelsPage = ListModelsResponse

/**
 * @since 0.1.0
 * @category models
 */
export type ModelsPage = ListModelsResponse

/**
 * The response of `DELETE /models/{model}` (the spec's `DeleteModelResponse`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const ModelDeleted = DeleteModelResponse

/**
 * @since 0.1.0
 * @category models
 */
export type ModelDeleted = DeleteModelResponse
