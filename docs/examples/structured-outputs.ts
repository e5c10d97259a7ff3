// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/structured-outputs.ts
// Structured outputs from an Effect Schema: the JSON Schema the model must follow, and its answer decoded.
import { Chat, ResponseFormat } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Schema, Stream } from "effect"

// 1. One definition: the JSON Schema sent (strict), the decoder, the TypeScript type
const CalendarEvent = Schema.Struct({
  name: Schema.String,
  date: Schema.String.annotations({ description: "ISO 8601 date" }),
  attendees: Schema.Array(Schema.String),
  location: Schema.optional(Schema.String) // sent as nullable (strict mode), decoded back to absent
})
const format = ResponseFormat.fromSchema(CalendarEvent, { name: "calendar_event" })

const program = Effect.gen(function*() {
  // 2. Sent as Chat's response_format (Responses.create takes format.text)
  const completion = yield* Chat.completions.create({
    model: "gpt-4o-mini",
    messages: [
      { role: "system", content: "Extract the event information." },
      { role: "user", content: "Alice and Bob are going to a science fair on Friday." }
    ],
    response_format: format.response_format
  })
  // 3. Decoded: a typed CalendarEvent, or a ParseError naming the path
  const event = yield* format.decode(completion.choices[0]?.message.content ?? "")
  yield* Console.log(JSON.stringify(event))

  // 4. Streamed: a partial value each time the JSON grows into a new one, then the decoded value
  yield* Chat.completions.streamParse({
    model: "gpt-4o-mini",
    messages: [{ role: "user", content: "Alice and Bob are going to a science fair on Friday." }]
  }, format).pipe(
    Stream.runForEach((event) =>
      event._tag === "Partial"
        ? Console.log(`partial: ${JSON.stringify(event.partial)}`)
        : Console.log(`parsed: ${JSON.stringify(event.parsed)}`)
    )
  )
})

NodeRuntime.runMain(program.pipe(Effect.provide(NodeOpenAi.layerConfig())))
