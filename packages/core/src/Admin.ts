/**
 * The administration API (`Admin.organization.*`): projects, users, groups, roles, API keys, invites, certificates,
 * audit logs, usage and costs, spend limits and alerts. Every operation here needs the admin key (`adminApiKey` /
 * `OPENAI_ADMIN_KEY`), which is sent for these alone. Not in the root import: `import * as Admin from
 * "@effect-openai/core/Admin"`.
 *
 * Generated from the OpenAI spec (every operation, its parameters and schemas; see `docs/api.md`).
 *
 * @since 0.2.0
 */
export * from "./generated/Admin.js"
