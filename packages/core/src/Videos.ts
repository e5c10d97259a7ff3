/**
 * Videos: generate, remix, edit and extend videos, download their content, and characters.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Videos.js"
