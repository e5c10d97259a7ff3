/**
 * The Batch API: create a batch from an uploaded JSONL file, retrieve it, cancel it, list batches.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Batches.js"
