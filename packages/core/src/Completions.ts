/**
 * The legacy text completions endpoint (`Completions.create`, and `Completions.stream`).
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Completions.js"
