// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/pagination.ts
// Lists with an operation declared here (the generated resources return the same pages).
import type { OpenAiClient } from "@effect-openai/core"
import { Operation, Page } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Option, Schema, Stream } from "effect"

const FileObject = Schema.Struct({ id: Schema.String, filename: Schema.String })
const FileList = Schema.Struct({ data: Schema.Array(FileObject), has_more: Schema.Boolean })

// GET /files?limit=&after=: cursor pages (`after` = the last id, until has_more is false)
const listFiles = (
  query: { readonly limit?: number; readonly purpose?: string },
  options?: OpenAiClient.RequestOptions
) =>
  Page.request(
    { name: "files.list", method: "GET", path: "/files", query, response: Operation.jsonResponse(FileList) },
    Page.cursor<typeof FileObject.Type>(),
    options
  )

const program = Effect.gen(function*() {
  // one page at a time
  const first = yield* listFiles({ limit: 2 })
  yield* Console.log(`first page: ${first.data.map((file) => file.id).join(", ")} (more: ${first.hasMore})`)
  const second = yield* first.next
  if (Option.isSome(second)) yield* Console.log(`second page: ${second.value.data.map((file) => file.id).join(", ")}`)

  // every item across pages, fetched lazily: taking 3 fetches only the pages it needs
  const three = yield* Stream.runCollect(Stream.take(Page.items(listFiles({ limit: 2 })), 3))
  yield* Console.log(`first three: ${[...three].map((file) => file.filename).join(", ")}`)

  const all = yield* Stream.runCount(Page.items(listFiles({ limit: 2 })))
  yield* Console.log(`${all} files in all`)
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
