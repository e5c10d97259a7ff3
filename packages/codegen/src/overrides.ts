/**
 * What the spec does not say, or says wrong, kept by hand; everything else comes from the spec itself. Keys are
 * `METHOD /path` as the spec writes them (with `?beta=true` where it has one).
 *
 * Read with the generator's rules in mind (`operations.ts`): a function's path comes from the URL (`/vector_stores/
 * {id}/files` → `vectorStores.files.list|create`, `/batches/{id}/cancel` → `batches.cancel`), so only the names
 * the official SDK chose otherwise are listed here.
 */

/** URL prefixes that live under another namespace in the official SDK (longest first). */
export const prefixes: ReadonlyArray<readonly [path: string, namespace: string]> = [
  ["/realtime/transcription_sessions", "beta.realtime.transcriptionSessions"],
  ["/realtime/sessions", "beta.realtime.sessions"],
  ["/organization", "admin.organization"],
  ["/projects", "admin.organization.projects"],
  ["/assistants", "beta.assistants"],
  ["/threads", "beta.threads"],
  ["/chatkit", "beta.chatkit"]
]

/** Path segments whose camel case the official SDK writes otherwise. */
export const words: Readonly<Record<string, string>> = {
  admin_api_keys: "adminAPIKeys"
}

/** Functions the official SDK names otherwise than the URL rule would. */
export const names: Readonly<Record<string, string>> = {
  "GET /files/{file_id}/content": "files.content",
  "POST /fine_tuning/alpha/graders/run": "fineTuning.alpha.graders.run",
  "POST /fine_tuning/alpha/graders/validate": "fineTuning.alpha.graders.validate",
  "GET /fine_tuning/jobs/{fine_tuning_job_id}/events": "fineTuning.jobs.listEvents",
  "POST /images/edits": "images.edit",
  "POST /images/generations": "images.generate",
  "POST /images/variations": "images.createVariation",
  "POST /organization/certificates/activate": "admin.organization.certificates.activate",
  "POST /organization/certificates/deactivate": "admin.organization.certificates.deactivate",
  "POST /organization/projects/{project_id}/certificates/activate": "admin.organization.projects.certificates.activate",
  "POST /organization/projects/{project_id}/certificates/deactivate":
    "admin.organization.projects.certificates.deactivate",
  "GET /organization/costs": "admin.organization.usage.costs",
  "GET /organization/usage/audio_speeches": "admin.organization.usage.audioSpeeches",
  "GET /organization/usage/audio_transcriptions": "admin.organization.usage.audioTranscriptions",
  "GET /organization/usage/code_interpreter_sessions": "admin.organization.usage.codeInterpreterSessions",
  "GET /organization/usage/completions": "admin.organization.usage.completions",
  "GET /organization/usage/embeddings": "admin.organization.usage.embeddings",
  "GET /organization/usage/file_search_calls": "admin.organization.usage.fileSearchCalls",
  "GET /organization/usage/images": "admin.organization.usage.images",
  "GET /organization/usage/moderations": "admin.organization.usage.moderations",
  "GET /organization/usage/vector_stores": "admin.organization.usage.vectorStores",
  "GET /organization/usage/web_search_calls": "admin.organization.usage.webSearchCalls",
  "GET /organization/projects/{project_id}/rate_limits": "admin.organization.projects.rateLimits.listRateLimits",
  "POST /organization/projects/{project_id}/rate_limits/{rate_limit_id}":
    "admin.organization.projects.rateLimits.updateRateLimit",
  "POST /evals/{eval_id}/runs/{run_id}": "evals.runs.cancel",
  "POST /threads/runs": "beta.threads.createAndRun",
  "GET /vector_stores/{vector_store_id}/file_batches/{batch_id}/files": "vectorStores.fileBatches.listFiles",
  "GET /vector_stores/{vector_store_id}/files/{file_id}/content": "vectorStores.files.content",
  "POST /vector_stores/{vector_store_id}/search": "vectorStores.search",
  "POST /videos/characters": "videos.createCharacter",
  "GET /videos/characters/{character_id}": "videos.getCharacter",
  "POST /videos/edits": "videos.edit",
  "POST /videos/extensions": "videos.extend",
  "GET /videos/{video_id}/content": "videos.downloadContent",
  "POST /responses/input_tokens": "responses.inputTokens.count",
  "POST /responses/compact": "responses.compact",
  "GET /chatkit/threads/{thread_id}/items": "beta.chatkit.threads.listItems",
  "POST /uploads/{upload_id}/parts": "uploads.parts.create",
  "POST /organization/projects/{project_id}/service_accounts/{service_account_id}/api_keys":
    "admin.organization.projects.serviceAccounts.apiKeys.create"
}

/** Headers an operation needs that the spec only shows in its curl examples (by URL prefix). */
export const headers: ReadonlyArray<readonly [path: string, headers: Readonly<Record<string, string>>]> = [
  ["/assistants", { "OpenAI-Beta": "assistants=v2" }],
  ["/threads", { "OpenAI-Beta": "assistants=v2" }],
  ["/vector_stores", { "OpenAI-Beta": "assistants=v2" }],
  ["/realtime/sessions", { "OpenAI-Beta": "assistants=v2" }],
  ["/realtime/transcription_sessions", { "OpenAI-Beta": "assistants=v2" }],
  ["/chatkit", { "OpenAI-Beta": "chatkit_beta=v1" }]
]

/** Operations that need the admin key although the spec gives them no `security` (their description says so). */
export const adminKey: ReadonlyArray<string> = [
  "GET /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
  "POST /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions",
  "DELETE /fine_tuning/checkpoints/{fine_tuned_model_checkpoint}/permissions/{permission_id}"
]

/** Responses the spec declares wrong or not at all: these are bytes (or text), whatever the declared type. */
export const responses: Readonly<Record<string, "bytes" | "text">> = {
  "GET /files/{file_id}/content": "bytes",
  "GET /containers/{container_id}/files/{file_id}/content": "bytes",
  "GET /skills/{skill_id}/content": "bytes",
  "GET /skills/{skill_id}/versions/{version}/content": "bytes",
  "GET /videos/{video_id}/content": "bytes",
  "POST /audio/speech": "bytes"
}

/** A streaming form of an operation: what turns it on, its events and its rules. */
export interface StreamOverride {
  /** `stream: true` in the body, or `stream=true` in the query. */
  readonly trigger: "body" | "query"
  /** The fields that turn streaming on, when not `stream: true`. */
  readonly set?: Readonly<Record<string, unknown>>
  /** The component schema of one event (a union tagged by `type`). */
  readonly events: string
  /** The events that end the stream. */
  readonly terminal: ReadonlyArray<string>
  /** Terminal events that fail the stream (after being delivered): the response failed. */
  readonly failing?: ReadonlyArray<string>
}

/**
 * Operations that stream. The spec declares some (`text/event-stream`) and not others; either way the rules are
 * here. Chat's stream keeps its hand-written rules (`Chat.ts`).
 */
export const streams: Readonly<Record<string, StreamOverride>> = {
  "POST /responses": {
    trigger: "body",
    events: "ResponseStreamEvent",
    terminal: ["response.completed", "response.incomplete", "response.failed"],
    failing: ["response.failed"]
  },
  "GET /responses/{response_id}": {
    trigger: "query",
    events: "ResponseStreamEvent",
    terminal: ["response.completed", "response.incomplete", "response.failed"],
    failing: ["response.failed"]
  },
  "POST /responses?beta=true": {
    trigger: "body",
    events: "BetaResponseStreamEvent",
    terminal: ["response.completed", "response.incomplete", "response.failed"],
    failing: ["response.failed"]
  },
  "GET /responses/{response_id}?beta=true": {
    trigger: "query",
    events: "BetaResponseStreamEvent",
    terminal: ["response.completed", "response.incomplete", "response.failed"],
    failing: ["response.failed"]
  },
  "POST /completions": { trigger: "body", events: "CreateCompletionResponse", terminal: ["[DONE]"] },
  "POST /images/generations": {
    trigger: "body",
    events: "ImageGenStreamEvent",
    terminal: ["image_generation.completed"]
  },
  "POST /images/edits": { trigger: "body", events: "ImageEditStreamEvent", terminal: ["image_edit.completed"] },
  "POST /audio/transcriptions": {
    trigger: "body",
    events: "CreateTranscriptionResponseStreamEvent",
    terminal: ["transcript.text.done"]
  },
  "POST /audio/speech": {
    trigger: "body",
    set: { stream_format: "sse" },
    events: "CreateSpeechResponseStreamEvent",
    terminal: ["speech.audio.done"]
  }
}

/**
 * Schemas a hand-written layer decodes that no generated function reaches, by the module that holds them. Chat's
 * stream keeps its own rules (`Chat.ts`) over the spec's chunk schema.
 */
export const decoded: Readonly<Record<string, ReadonlyArray<string>>> = {
  Chat: ["CreateChatCompletionStreamResponse"]
}

/** Deprecations the official SDK marks and the spec does not (the Assistants API and the beta realtime sessions). */
export const deprecated: ReadonlyArray<string> = [
  "/assistants",
  "/threads",
  "/realtime/sessions",
  "/realtime/transcription_sessions"
]
