/**
 * Realtime: client secrets for browser sessions, and SIP/WebRTC call control (`Realtime.calls.*`).
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Realtime.js"
