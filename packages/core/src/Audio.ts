/**
 * Audio: speech from text (`Audio.speech.create`, as bytes, a byte stream or speech events), transcriptions and
 * translations (uploads), custom voices and voice consents.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Audio.js"
