/**
 * Embeddings: `POST /embeddings`, as `Embeddings.create`.
 *
 * Unless you ask for an `encoding_format`, the vectors are requested as base64 (a quarter of the bytes of JSON
 * floats, and no float parsing) and decoded to `number[]` for you, as the official SDK does.
 *
 * The parameters are the generated `CreateEmbeddingRequest`; the response schema is written here, because the spec
 * declares `embedding` as numbers only while a base64 request gets a string there.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { CreateEmbeddingRequest } from "./generated/Embeddings.js"
import { OpenEnum } from "./internal/schema.js"
import * as OpenAiClient from "./OpenAiClient.js"
import type * as OpenAiError from "./OpenAiError.js"
import * as Operation from "./Operation.js"

/**
 * Parameters of `POST /embeddings`: the spec's `CreateEmbeddingRequest` (generated). Leave `encoding_format` unset
 * to get decoded `number[]` vectors (sent as base64 on the wire).
 *
 * @since 0.1.0
 * @category params
 */
export type EmbeddingCreateParams = CreateEmbeddingRequest

/**
 * A vector of floats, checked with one tight loop rather than per element (vectors have thousands of them).
 *
 * @since 0.1.0
 * @category schemas
 */
export const FloatVector: Schema.Schema<ReadonlyArray<number>> = Schema.declare(
  (u: unknown): u is ReadonlyArray<number> => {
    if (!Array.isArray(u)) return false
    for (let i = 0; i < u.length; i++) {
      if (typeof u[i] !== "number") return false
    }
    return true
  },
  { identifier: "FloatVector", description: "an array of numbers" }
)

/**
 * One embedding; `embedding` is a base64 string only when you asked for `encoding_format: "base64"`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Embedding = Schema.Struct({
  object: OpenEnum("embedding"),
  index: Schema.Number,
  embedding: Schema.Union(FloatVector, Schema.String)
})

/**
 * @since 0.1.0
 * @category models
 */
export interface Embedding extends Schema.Schema.Type<typeof Embedding> {}

/**
 * The response of `POST /embeddings`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CreateEmbeddingResponse = Schema.Struct({
  object: OpenEnum("list"),
  data: Schema.Array(Embedding),
  model: Schema.String,
  usage: Schema.optional(Schema.Struct({ prompt_tokens: Schema.Number, total_tokens: Schema.Number }))
})

/**
 * @since 0.1.0
 * @category models
 */
export interface CreateEmbeddingResponse extends Schema.Schema.Type<typeof CreateEmbeddingResponse> {}

/**
 * The response with every vector decoded to numbers.
 *
 * @since 0.1.0
 * @category models
 */
export interface CreateEmbeddingResponseFloats extends Omit<CreateEmbeddingResponse, "data"> {
  readonly data: ReadonlyArray<Omit<Embedding, "embedding"> & { readonly embedding: ReadonlyArray<number> }>
}

const embeddingResponse = Operation.jsonResponse(CreateEmbeddingResponse)

const NodeBuffer = (globalThis as { readonly Buffer?: { from(data: string, encoding: "base64"): Uint8Array } }).Buffer

/**
 * Decodes a base64 string of little-endian float32 values (OpenAI's `encoding_format: "base64"`).
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeBase64Floats = (base64: string): Array<number> => {
  let bytes: Uint8Array
  if (NodeBuffer !== undefined) {
    bytes = NodeBuffer.from(base64, "base64")
  } else {
    const binary = atob(base64)
    bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  }
  // a Float32Array view needs a 4-byte aligned offset; pooled buffers may not have one
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice()
  return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4)))
}

const floatsFromBase64 = (response: CreateEmbeddingResponse): CreateEmbeddingResponseFloats => ({
  ...response,
  data: response.data.map((item) => ({
    ...item,
    embedding: typeof item.embedding === "string" ? decodeBase64Floats(item.embedding) : item.embedding
  }))
})

/**
 * Creates embedding vectors for the input. Without `encoding_format`, vectors come back as `number[]` (fetched as
 * base64 and decoded); with `encoding_format`, the response is as the API sent it.
 *
 * @since 0.1.0
 * @category operations
 */
export const create: {
  (
    params: EmbeddingCreateParams & { readonly encoding_format?: undefined },
    options?: OpenAiClient.RequestOptions
  ): Effect.Effect<CreateEmbeddingResponseFloats, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
  (
    params: EmbeddingCreateParams,
    options?: OpenAiClient.RequestOptions
  ): Effect.Effect<CreateEmbeddingResponse, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
} = (
  params: EmbeddingCreateParams,
  options?: OpenAiClient.RequestOptions
): Effect.Effect<CreateEmbeddingResponseFloats, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> => {
  const defaulted = params.encoding_format === undefined
  const request = OpenAiClient.request({
    name: "embeddings.create",
    method: "POST",
    path: "/embeddings",
    body: Operation.jsonBody(defaulted ? { ...params, encoding_format: "base64" } : params),
    model: params.model,
    response: embeddingResponse
  }, options)
  // with an explicit format the response is returned as sent (the second overload's type)
  return defaulted
    ? Effect.map(request, floatsFromBase64)
    : request as Effect.Effect<CreateEmbeddingResponseFloats, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient>
}
