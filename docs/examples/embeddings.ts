// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/embeddings.ts
import { Embeddings } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect } from "effect"

const cosine = (a: ReadonlyArray<number>, b: ReadonlyArray<number>) => {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!
    na += a[i]! * a[i]!
    nb += b[i]! * b[i]!
  }
  return dot / Math.sqrt(na * nb)
}

const program = Effect.gen(function*() {
  // vectors come back as number[] (fetched as base64, a quarter of the bytes, and decoded for you)
  const { data, usage } = yield* Embeddings.create({
    model: "text-embedding-3-small",
    input: ["The cat sat on the mat", "A feline rested on the rug"]
  })
  yield* Console.log(`${data.length} vectors of ${data[0]?.embedding.length} dimensions, ${usage?.total_tokens} tokens`)
  yield* Console.log(`cosine similarity: ${cosine(data[0]!.embedding, data[1]!.embedding).toFixed(4)}`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
