/**
 * The Assistants API's threads, messages, runs and run steps (beta, deprecated by OpenAI). Also `Beta.threads`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/BetaThreads.js"
