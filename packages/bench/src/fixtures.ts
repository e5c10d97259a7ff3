/** Inputs shared by the SSE benchmarks. */

const encoder = new TextEncoder()

/** `count` chat-chunk-like events of about `size` bytes each, optionally followed by `data: [DONE]`. */
export const sseEvents = (count: number, size: number, done = false): Uint8Array => {
  const filler = "x".repeat(Math.max(0, size - 120))
  const one =
    `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"${filler}"}}]}\n\n`
  return encoder.encode(one.repeat(count) + (done ? "data: [DONE]\n\n" : ""))
}

/** Cuts the bytes into chunks of `size` (views, no copies). */
export const chunked = (all: Uint8Array, size: number): Array<Uint8Array> => {
  const chunks: Array<Uint8Array> = []
  for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size))
  return chunks
}
