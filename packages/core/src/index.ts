/**
 * Every resource of the API but the admin ones (`@effect-openai/core/Admin`) and the beta namespaces
 * (`@effect-openai/core/Beta`), and the client, its errors and its building blocks. Importing a resource by its
 * subpath (`@effect-openai/core/Files`) loads that resource alone.
 *
 * @since 0.1.0
 */

/**
 * @since 0.2.0
 */
export * as Audio from "./Audio.js"

/**
 * @since 0.2.0
 */
export * as Batches from "./Batches.js"

/**
 * @since 0.2.0
 */
export * as BatchStream from "./BatchStream.js"

/**
 * @since 0.1.0
 */
export * as Chat from "./Chat.js"

/**
 * @since 0.2.0
 */
export * as ChatKit from "./ChatKit.js"

/**
 * @since 0.2.0
 */
export * as Completions from "./Completions.js"

/**
 * @since 0.2.0
 */
export * as Containers from "./Containers.js"

/**
 * @since 0.2.0
 */
export * as ContentProvenanceChecks from "./ContentProvenanceChecks.js"

/**
 * @since 0.2.0
 */
export * as Conversations from "./Conversations.js"

/**
 * @since 0.1.0
 */
export * as Embeddings from "./Embeddings.js"

/**
 * @since 0.2.0
 */
export * as Evals from "./Evals.js"

/**
 * @since 0.2.0
 */
export * as Files from "./Files.js"

/**
 * @since 0.2.0
 */
export * as FineTuning from "./FineTuning.js"

/**
 * @since 0.1.0
 */
export * as HttpTransport from "./HttpTransport.js"

/**
 * @since 0.2.0
 */
export * as Images from "./Images.js"

/**
 * @since 0.1.0
 */
export * as Models from "./Models.js"

/**
 * @since 0.2.0
 */
export * as Moderations from "./Moderations.js"

/**
 * @since 0.1.0
 */
export * as Multipart from "./Multipart.js"

/**
 * @since 0.1.0
 */
export * as OpenAiClient from "./OpenAiClient.js"

/**
 * @since 0.1.0
 */
export * as OpenAiError from "./OpenAiError.js"

/**
 * @since 0.1.0
 */
export * as Operation from "./Operation.js"

/**
 * @since 0.1.0
 */
export * as Page from "./Page.js"

/**
 * @since 0.2.0
 */
export * as RateLimit from "./RateLimit.js"

/**
 * @since 0.2.0
 */
export * as Realtime from "./Realtime.js"

/**
 * @since 0.2.0
 */
export * as ResponseFormat from "./ResponseFormat.js"

/**
 * @since 0.1.0
 */
export * as ResponseMeta from "./ResponseMeta.js"

/**
 * @since 0.2.0
 */
export * as Responses from "./Responses.js"

/**
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"

/**
 * @since 0.2.0
 */
export * as Skills from "./Skills.js"

/**
 * @since 0.1.0
 */
export * as Sse from "./Sse.js"

/**
 * @since 0.2.0
 */
export * as Tool from "./Tool.js"

/**
 * @since 0.2.0
 */
export * as Toolkit from "./Toolkit.js"

/**
 * @since 0.2.0
 */
export * as ToolRunner from "./ToolRunner.js"

/**
 * @since 0.2.0
 */
export * as Uploads from "./Uploads.js"

/**
 * @since 0.2.0
 */
export * as VectorStores from "./VectorStores.js"

/**
 * @since 0.2.0
 */
export * as Videos from "./Videos.js"

/**
 * @since 0.2.0
 */
export * as Webhooks from "./Webhooks.js"
