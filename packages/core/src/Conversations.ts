/**
 * Conversations of the Responses API and their items.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Conversations.js"
