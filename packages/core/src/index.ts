/**
 * @since 0.1.0
 */
export * as Chat from "./Chat.js"

/**
 * @since 0.1.0
 */
export * as Embeddings from "./Embeddings.js"

/**
 * @since 0.1.0
 */
export * as HttpTransport from "./HttpTransport.js"

/**
 * @since 0.1.0
 */
export * as Models from "./Models.js"

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
 * @since 0.1.0
 */
export * as ResponseMeta from "./ResponseMeta.js"

/**
 * @since 0.1.0
 */
export * as Sse from "./Sse.js"

/**
 * @since 0.1.0
 */
export * as RetryPolicy from "./RetryPolicy.js"
