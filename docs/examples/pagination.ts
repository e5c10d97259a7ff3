// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/pagination.ts
// A list operation returns its first page; `next` fetches the one after, `Page.items` streams every item.
import { Files, Multipart, Page } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Option, Stream } from "effect"

const program = Effect.gen(function*() {
  for (let i = 0; i < 5; i++) {
    yield* Files.create({ file: Multipart.file(`{"n":${i}}\n`, { filename: `f${i}.jsonl` }), purpose: "batch" })
  }

  // one page at a time
  const first = yield* Files.list({ limit: 2, order: "asc" })
  yield* Console.log(`first page: ${first.data.map((file) => file.filename).join(", ")} (more: ${first.hasMore})`)
  const second = yield* first.next
  if (Option.isSome(second)) {
    yield* Console.log(`second page: ${second.value.data.map((file) => file.filename).join(", ")}`)
  }

  // every item across pages, fetched lazily: taking 3 fetches only the pages it needs
  const three = yield* Stream.runCollect(Stream.take(Page.items(Files.list({ limit: 2, order: "asc" })), 3))
  yield* Console.log(`first three: ${[...three].map((file) => file.filename).join(", ")}`)

  const all = yield* Stream.runCount(Page.items(Files.list({ limit: 2 })))
  yield* Console.log(`${all} files in all`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
