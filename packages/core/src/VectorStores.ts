/**
 * Vector stores for file search: stores, their files and file batches, and search.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/VectorStores.js"
