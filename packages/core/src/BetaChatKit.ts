/**
 * ChatKit (beta): sessions and threads. Also `ChatKit` and `Beta.chatkit`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/BetaChatKit.js"
