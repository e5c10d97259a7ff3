/**
 * ChatKit (beta in the official SDK, `beta.chatkit`): sessions and threads. The same module as `BetaChatKit`.
 *
 * @since 0.2.0
 */
export * from "./generated/BetaChatKit.js"
