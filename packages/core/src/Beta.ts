/**
 * The beta namespaces of the official SDK, as in `client.beta.*`: `Beta.assistants`, `Beta.threads`,
 * `Beta.chatkit`, `Beta.realtime` and `Beta.responses` (the `?beta=true` Responses endpoints). Importing this module
 * loads all five; import one (`@effect-openai/core/BetaResponses`) to load it alone.
 *
 * @since 0.2.0
 */

/**
 * @since 0.2.0
 */
export * as assistants from "./BetaAssistants.js"

/**
 * @since 0.2.0
 */
export * as chatkit from "./BetaChatKit.js"

/**
 * @since 0.2.0
 */
export * as realtime from "./BetaRealtime.js"

/**
 * @since 0.2.0
 */
export * as responses from "./BetaResponses.js"

/**
 * @since 0.2.0
 */
export * as threads from "./BetaThreads.js"
