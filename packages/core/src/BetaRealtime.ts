/**
 * The deprecated beta Realtime sessions. Also `Beta.realtime`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/BetaRealtime.js"
