/**
 * @since 0.1.0
 */
export * as FaultProxy from "./FaultProxy.js"

/**
 * @since 0.2.0
 */
export * as MockModel from "./MockModel.js"

/**
 * @since 0.1.0
 */
export * as MockServer from "./MockServer.js"

/**
 * @since 0.1.0
 */
export * as OpenAiTest from "./OpenAiTest.js"
