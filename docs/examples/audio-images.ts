// Run: OPENAI_API_KEY=... npx tsx --tsconfig tsconfig.json docs/examples/audio-images.ts
// Speech to a file as it arrives, speech as events, an image generated and one streamed with partial images.
import { Audio, Images } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Encoding, Stream } from "effect"
import { createWriteStream, mkdtempSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const dir = mkdtempSync(join(tmpdir(), "media-"))

const program = Effect.gen(function*() {
  const speech = { model: "gpt-4o-mini-tts", voice: "alloy", input: "The quick brown fox jumps over the lazy dog." }

  // the audio bytes as a stream, written to disk chunk by chunk (interrupting closes the connection)
  const path = join(dir, "speech.mp3")
  const file = createWriteStream(path)
  yield* Stream.runForEach(Audio.speech.createByteStream(speech), (chunk) => Effect.sync(() => file.write(chunk)))
  yield* Effect.promise(() => new Promise((resolve) => file.end(resolve)))
  yield* Console.log(`speech: ${statSync(path).size} bytes in ${path}`)

  // the same speech as events (stream_format "sse"): base64 audio deltas, then usage
  const events = yield* Stream.runCollect(Audio.speech.stream(speech))
  for (const event of events) {
    if (event.type === "speech.audio.done") yield* Console.log(`speech events: ${events.length}, done`)
  }

  // an image, as base64
  const image = yield* Images.generate({
    model: "gpt-image-1",
    prompt: "An otter reading a newspaper",
    size: "1024x1024"
  })
  const png = Encoding.decodeBase64(image.data?.[0]?.b64_json ?? "")
  if (png._tag === "Right") yield* Console.log(`image: ${png.right.length} bytes of PNG`)

  // an image streamed: partial images first, then the final one
  yield* Stream.runForEach(
    Images.generateStream({ model: "gpt-image-1", prompt: "An otter reading a newspaper", partial_images: 1 }),
    (event) => Console.log(`image event: ${event.type}`)
  )
})

program.pipe(Effect.provide(NodeOpenAi.layerConfig()), NodeRuntime.runMain)
