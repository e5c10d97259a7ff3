/**
 * @since 0.1.0
 */
export * as NodeFile from "./NodeFile.js"

/**
 * @since 0.1.0
 */
export * as NodeOpenAi from "./NodeOpenAi.js"
