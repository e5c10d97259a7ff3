/**
 * The deterministic OpenAI-compatible behaviour shared by `MockServer` (over sockets) and `OpenAiTest`
 * (in memory): the routes and the state they keep (reply bodies, headers and errors are in `mockReply.ts`, the
 * stateful resources in `mockResources.ts`).
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import { isRecord, isTagged } from "effect/Predicate"
import type * as MockModel from "../MockModel.js"
import type { ModelState } from "./mockModel.js"
import { answer, chatConversation, makeModelState } from "./mockModel.js"
import type { ReplyState } from "./mockReply.js"
import {
  badRequest,
  chatChunkEvents,
  chatCompletion,
  chatToolCallCompletion,
  chatToolCallEvents,
  countTokens,
  embeddingsBody,
  embeddingVector,
  errorBody,
  eventsReply,
  jsonReply,
  makeReplyState,
  models,
  pieces,
  replyHeaders,
  requestFormat,
  requestJson,
  sseDone
} from "./mockReply.js"
import type { Store } from "./mockResources.js"
import { makeStore, resourceRoutes } from "./mockResources.js"

export * from "./mockReply.js"

/** The reply counters, the stored resources and the model. @internal */
export interface MockState extends ReplyState {
  /** Files, uploads, batches and responses created so far. */
  readonly store: Store
  /** The model that answers chat completions and responses; without one, the default mock replies. */
  readonly model: ModelState | undefined
}

/** @internal */
export const makeState = (model?: MockModel.MockModel | undefined): MockState => ({
  ...makeReplyState(),
  store: makeStore(),
  model: makeModelState(model)
})

const notFoundModel = (state: MockState, model: string) =>
  jsonReply(
    state,
    errorBody(
      `The model \`${model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
      null
    ),
    404
  )

const knownModel = (id: string) => models.some((model) => model.id === id)

/** Validated chat completion parameters, or the 400 OpenAI would send. */
const chatParams = (
  state: MockState,
  body: unknown
):
  | { readonly model: string; readonly messages: ReadonlyArray<unknown>; readonly body: Record<string, unknown> }
  | HttpServerResponse.HttpServerResponse =>
{
  if (!isRecord(body)) return badRequest(state, "We could not parse the JSON body of your request.", null, null)
  if (typeof body.model !== "string") {
    return badRequest(state, "you must provide a model parameter", null, null)
  }
  if (!Array.isArray(body.messages)) {
    return badRequest(state, "Missing required parameter: 'messages'.", "messages", "missing_required_parameter")
  }
  if (!knownModel(body.model)) return notFoundModel(state, body.model)
  return { model: body.model, messages: body.messages, body }
}

const embeddings = (state: MockState, body: unknown): HttpServerResponse.HttpServerResponse => {
  if (!isRecord(body) || typeof body.model !== "string") {
    return badRequest(state, "you must provide a model parameter", null, null)
  }
  const input = body.input
  const texts = typeof input === "string"
    ? [input]
    : Array.isArray(input) && input.every((item) => typeof item === "string")
    ? input as Array<string>
    : Array.isArray(input) && input.length > 0
    ? (typeof input[0] === "number" ? [JSON.stringify(input)] : input.map((item) => JSON.stringify(item)))
    : undefined
  if (texts === undefined || texts.length === 0) {
    return badRequest(state, "'input' is a required property", "input", null)
  }
  if (!body.model.startsWith("text-embedding")) return notFoundModel(state, body.model)
  const dimensions = typeof body.dimensions === "number" ? body.dimensions : body.model.endsWith("large") ? 3072 : 1536
  const base64 = body.encoding_format === "base64"
  const key = JSON.stringify([body.model, texts, dimensions, base64])
  const tokens = texts.reduce((sum, text) => sum + countTokens(text), 0)
  if (state.embeddings?.key !== key) {
    state.embeddings = {
      key,
      json: JSON.stringify(embeddingsBody({
        model: body.model,
        vectors: texts.map((text) => embeddingVector(text, dimensions)),
        base64,
        tokens
      }))
    }
  }
  return HttpServerResponse.text(state.embeddings.json, {
    headers: replyHeaders(state, tokens),
    contentType: "application/json"
  })
}

const chatCompletions = (state: MockState, body: unknown): HttpServerResponse.HttpServerResponse => {
  const params = chatParams(state, body)
  if (HttpServerResponse.isServerResponse(params)) return params
  const answered = state.model === undefined
    ? undefined
    : answer(state.model, chatConversation(params.model, params.messages, params.body))
  const streamOptions = params.body.stream_options
  const includeUsage = isRecord(streamOptions) && streamOptions.include_usage === true
  if (answered?._tag === "ToolCalls") {
    const completion = chatToolCallCompletion(state, params.model, params.messages, answered.calls)
    if (params.body.stream !== true) return jsonReply(state, completion, 200, completion.usage.total_tokens)
    const events = chatToolCallEvents({
      id: completion.id,
      model: completion.model,
      created: completion.created,
      calls: answered.calls,
      usage: includeUsage ? completion.usage : undefined
    })
    events.push(sseDone)
    return eventsReply(state, events, completion.usage.total_tokens)
  }
  const completion = chatCompletion(state, params.model, params.messages, requestFormat(params.body), answered?.text)
  if (params.body.stream !== true) {
    return jsonReply(state, completion, 200, completion.usage.total_tokens)
  }
  const events = chatChunkEvents({
    id: completion.id,
    model: completion.model,
    created: completion.created,
    pieces: pieces(completion.choices[0]!.message.content),
    usage: includeUsage ? completion.usage : undefined
  })
  events.push(sseDone)
  return eventsReply(state, events, completion.usage.total_tokens)
}

const listModels = (state: MockState) =>
  jsonReply(state, { object: "list", data: models.map((model) => ({ ...model, object: "model" })) })

const retrieveModel = (state: MockState, id: string) => {
  const model = models.find((candidate) => candidate.id === id)
  return model === undefined
    ? notFoundModel(state, id)
    : jsonReply(state, { ...model, object: "model" })
}

/** The built-in routes: the operations the mock API answers, under `/v1`. */
const builtIn = (state: MockState): HttpRouter.HttpRouter =>
  HttpRouter.empty.pipe(
    HttpRouter.post("/v1/chat/completions", Effect.map(requestJson, (body) => chatCompletions(state, body))),
    HttpRouter.post("/v1/embeddings", Effect.map(requestJson, (body) => embeddings(state, body))),
    HttpRouter.get("/v1/models", Effect.sync(() => listModels(state))),
    HttpRouter.get(
      "/v1/models/:model",
      Effect.map(HttpRouter.params, (params) => retrieveModel(state, params.model ?? ""))
    ),
    HttpRouter.concat(resourceRoutes(state, state.store, state.model))
  )

/** The 404 OpenAI sends for an unknown route. */
const invalidUrl = (state: MockState, request: HttpServerRequest.HttpServerRequest) => {
  const query = request.url.indexOf("?")
  const path = query < 0 ? request.url : request.url.slice(0, query)
  return jsonReply(state, errorBody(`Invalid URL (${request.method} ${path})`, "invalid_request_error"), 404)
}

/** A 500 for a route that failed or died, so the test sees why in the body. */
const routeFailed = (state: MockState, cause: Cause.Cause<unknown>) =>
  jsonReply(state, errorBody(`The mock route failed: ${Cause.pretty(cause)}`, "server_error"), 500)

/** A route's path with its parameters unnamed: `/v1/files/:file_id` and `/v1/files/:id` are the same route. */
const routeShape = (path: string) => path.replace(/:[^/]+/g, ":")

/**
 * The mock API as an app: the built-in routes, then `routes` (a route of `routes` replaces the built-in one with the
 * same method and path), OpenAI's 404 for any other route, and a 500 with an OpenAI error body for a route that
 * fails. Paths match exactly (case and trailing slash count), as OpenAI's do.
 *
 * @internal
 */
export const app = <E = never, R = never>(
  state: MockState,
  routes?: HttpRouter.HttpRouter<E, R> | undefined
): HttpApp.Default<never, Exclude<R, HttpRouter.RouteContext>> => {
  const builtInRoutes = builtIn(state)
  // the test's routes first: a route of theirs wins over a built-in one that matches the same request
  const router = routes === undefined ? builtInRoutes : HttpRouter.concat(
    routes,
    HttpRouter.fromIterable(
      Chunk.filter(
        builtInRoutes.routes,
        (route) =>
          !Chunk.some(
            routes.routes,
            (added) => added.method === route.method && routeShape(added.path) === routeShape(route.path)
          )
      )
    )
  )
  return router.pipe(
    Effect.catchAllCause((cause) => {
      if (Cause.isInterruptedOnly(cause)) return Effect.interrupt
      const failure = Cause.failureOption(cause)
      return failure._tag === "Some" && isTagged(failure.value, "RouteNotFound")
        ? Effect.map(HttpServerRequest.HttpServerRequest, (request) => invalidUrl(state, request))
        : Effect.succeed(routeFailed(state, cause))
    }),
    HttpRouter.withRouterConfig({ caseSensitive: true, ignoreTrailingSlash: false })
  )
}
