/**
 * Fine-tuning: jobs, their events and checkpoints, checkpoint permissions (admin key), and the alpha graders.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/FineTuning.js"
