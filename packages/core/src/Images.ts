/**
 * Images: generate, edit and create variations (`Images.generate`, and `Images.generateStream` for partial images).
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Images.js"
