/**
 * The Assistants API (beta, deprecated by OpenAI in favour of the Responses API): assistants. Also
 * `Beta.assistants`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/BetaAssistants.js"
