/**
 * The clients under comparison, each used the way its users would, behind one small interface.
 */
import { Chat, Embeddings } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as AiOpenAi from "@effect/ai-openai/OpenAiClient"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createParser } from "eventsource-parser"
import OpenAI from "openai"
import * as Undici from "undici"

export const apiKey = "bench-key"
export const chatParams: { model: string; messages: Array<{ role: "user"; content: string }> } = {
  model: "gpt-4o-mini",
  messages: [{ role: "user", content: "Say this is a test!" }]
}

export interface StreamResult {
  readonly chunks: number
  readonly firstChunkMs: number
}

export interface BenchClient {
  readonly name: string
  readonly chat: () => Promise<unknown>
  /** Consumes one chat stream whose fault header asks the server for `chunks` content chunks. */
  readonly stream?: ((faultHeader: string) => Promise<StreamResult>) | undefined
  readonly embeddings?: ((input: ReadonlyArray<string>, format: "float" | "base64") => Promise<number>) | undefined
  readonly close: () => Promise<void>
}

const faultHeaders = (fault: string) => ({ "x-mock-fault": fault })

/** effect-openai: the Node layer, one runtime, `runPromise` per call. */
export const ours = async (baseURL: string): Promise<BenchClient> => {
  const runtime = ManagedRuntime.make(NodeOpenAi.layer({ apiKey: Redacted.make(apiKey), baseURL }))
  await runtime.runPromise(Effect.void)
  return {
    name: "effect-openai",
    chat: () => runtime.runPromise(Chat.completions.create(chatParams)),
    stream: (fault) => {
      const start = performance.now()
      let firstChunkMs = 0
      let chunks = 0
      return runtime.runPromise(
        Chat.completions.stream(chatParams, { headers: faultHeaders(fault) }).pipe(
          Stream.runForEach(() =>
            Effect.sync(() => {
              if (chunks++ === 0) firstChunkMs = performance.now() - start
            })
          ),
          Effect.map(() => ({ chunks, firstChunkMs }))
        )
      )
    },
    embeddings: (input, format) =>
      runtime.runPromise(
        format === "base64"
          ? Effect.map(Embeddings.create({ model: "text-embedding-3-small", input }), (r) => r.data.length)
          : Effect.map(
            Embeddings.create({ model: "text-embedding-3-small", input, encoding_format: "float" }),
            (r) => r.data.length
          )
      ),
    close: () => runtime.dispose()
  }
}

/** The official SDK. */
export const official = async (baseURL: string): Promise<BenchClient> => {
  const client = new OpenAI({ apiKey, baseURL })
  return {
    name: "openai (official)",
    chat: () => client.chat.completions.create(chatParams),
    stream: async (fault) => {
      const start = performance.now()
      let firstChunkMs = 0
      let chunks = 0
      const stream = await client.chat.completions.create({ ...chatParams, stream: true }, {
        headers: faultHeaders(fault)
      })
      for await (const _ of stream) {
        if (chunks++ === 0) firstChunkMs = performance.now() - start
      }
      return { chunks, firstChunkMs }
    },
    embeddings: async (input, format) => {
      const response = format === "base64"
        ? await client.embeddings.create({ model: "text-embedding-3-small", input: [...input] })
        : await client.embeddings.create({
          model: "text-embedding-3-small",
          input: [...input],
          encoding_format: "float"
        })
      return response.data.length
    },
    close: async () => {}
  }
}

/** @effect/ai-openai 0.41 over @effect/platform-node's undici layer. */
export const effectAi = async (baseURL: string): Promise<BenchClient> => {
  const runtime = ManagedRuntime.make(
    AiOpenAi.layer({ apiKey: Redacted.make(apiKey), apiUrl: baseURL }).pipe(Layer.provide(NodeHttpClient.layerUndici))
  )
  const client = await runtime.runPromise(AiOpenAi.OpenAiClient)
  return {
    name: "@effect/ai-openai",
    chat: () => runtime.runPromise(client.client.createChatCompletion(chatParams as never)),
    stream: (fault) => {
      const start = performance.now()
      let firstChunkMs = 0
      let chunks = 0
      const request = HttpClientRequest.post("/chat/completions").pipe(
        HttpClientRequest.setHeaders(faultHeaders(fault)),
        HttpClientRequest.bodyUnsafeJson({ ...chatParams, stream: true })
      )
      return runtime.runPromise(
        client.streamRequest(request, Chat.ChatCompletionChunk).pipe(
          Stream.runForEach(() =>
            Effect.sync(() => {
              if (chunks++ === 0) firstChunkMs = performance.now() - start
            })
          ),
          Effect.map(() => ({ chunks, firstChunkMs }))
        )
      )
    },
    close: () => runtime.dispose()
  }
}

const bareHeaders = {
  authorization: `Bearer ${apiKey}`,
  "content-type": "application/json",
  accept: "application/json"
}

/** Bare `undici.fetch` + `JSON.parse`. */
export const undiciFetch = async (baseURL: string): Promise<BenchClient> => {
  const body = JSON.stringify(chatParams)
  return {
    name: "undici.fetch",
    chat: async () => {
      const response = await Undici.fetch(`${baseURL}/chat/completions`, { method: "POST", headers: bareHeaders, body })
      return JSON.parse(await response.text())
    },
    close: async () => {}
  }
}

/** Bare `undici.request` + `body.json()`: the floor a Node client can approach. */
export const undiciRequest = async (baseURL: string): Promise<BenchClient> => {
  const url = new URL(baseURL)
  const agent = new Undici.Agent()
  const body = JSON.stringify(chatParams)
  return {
    name: "undici.request (floor)",
    chat: async () => {
      const response = await agent.request({
        origin: url.origin,
        path: `${url.pathname}/chat/completions`,
        method: "POST",
        headers: bareHeaders,
        body
      })
      return response.body.json()
    },
    stream: async (fault) => {
      const start = performance.now()
      let firstChunkMs = 0
      let chunks = 0
      const response = await agent.request({
        origin: url.origin,
        path: `${url.pathname}/chat/completions`,
        method: "POST",
        headers: { ...bareHeaders, accept: "text/event-stream", ...faultHeaders(fault) },
        body: JSON.stringify({ ...chatParams, stream: true })
      })
      const parser = createParser({
        onEvent: (event) => {
          if (event.data === "[DONE]") return
          JSON.parse(event.data)
          if (chunks++ === 0) firstChunkMs = performance.now() - start
        }
      })
      const decoder = new TextDecoder()
      for await (const bytes of response.body) parser.feed(decoder.decode(bytes as Uint8Array, { stream: true }))
      return { chunks, firstChunkMs }
    },
    close: () => agent.close()
  }
}

export const allClients = [ours, official, effectAi, undiciFetch, undiciRequest] as const
