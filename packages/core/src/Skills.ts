/**
 * Skills: upload, version and download skills for the agents' tools.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Skills.js"
