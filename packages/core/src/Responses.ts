/**
 * The Responses API: create a response (`Responses.create`, or `Responses.stream` for its typed events), retrieve,
 * cancel, delete, compact it, list its input items, count input tokens.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Responses.js"
