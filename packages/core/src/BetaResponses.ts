/**
 * The Responses API's `?beta=true` endpoints, with their beta schemas (`BetaResponses.create`,
 * `BetaResponses.stream`, ...). Also `Beta.responses`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/BetaResponses.js"
