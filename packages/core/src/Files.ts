/**
 * Files: upload (`Files.create`, multipart), list, retrieve, delete, and download their content (`Files.content`, or
 * `Files.contentByteStream`).
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Files.js"
