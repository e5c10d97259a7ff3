/**
 * Uploads in parts, for files larger than one request (`Uploads.create`, `Uploads.parts.create`,
 * `Uploads.complete`).
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Uploads.js"
