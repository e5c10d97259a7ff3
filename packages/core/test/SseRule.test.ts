// The SSE decoder's rules one at a time, each at the boundary where a near-miss of the rule would decode differently:
// field names that only begin like a known one, where a BOM counts, CR/LF pairs split by an empty chunk or kept in
// one chunk, what end() discards, the chunks the stream stage emits, and the decoder without Node's Buffer.
import { Sse } from "@effect-openai/core"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { vi } from "vitest"
import { bytes, decodeChunks, decodeText } from "./utils.js"

const message = (data: string, id?: string): Sse.Event => ({ event: "message", data, id })

describe("field names", () => {
  it("a name that only begins like data, event or id (or is shorter) is an unknown field, ignored", () => {
    const text = [
      "datax: 1",
      "data-2: 2",
      "events: 3",
      "identifier: 4",
      "ids: 5",
      "dat: 6",
      "i: 7",
      "data: real",
      "",
      ""
    ].join("\n")
    expect(decodeText(text)).toStrictEqual([message("real")])
  })
})

describe("byte order mark", () => {
  it("is skipped only at the very start: at the start of a later line it is part of the field name", () => {
    expect(decodeText("data: a\n\uFEFFdata: b\n\n")).toStrictEqual([message("a")])
    expect(decodeText("data: a\n\n\uFEFFdata: b\n\ndata: c\n\n")).toStrictEqual([message("a"), message("c")])
  })

  it("only the exact bytes EF BB BF count: a first line whose first three bytes differ in any one is kept whole", () => {
    for (const start of [[0x20, 0xbb, 0xbf], [0xef, 0x20, 0xbf], [0xef, 0xbb, 0x20]]) {
      const all = new Uint8Array([...start, ...bytes("data: x\n\ndata: y\n\n")])
      // the first line reads as an unknown field ("<junk>data"), so only the second event is dispatched
      expect(decodeChunks([all])).toStrictEqual([message("y")])
    }
  })
})

describe("line endings", () => {
  it("an empty chunk between a \\r and its \\n does not split the pair", () => {
    expect(decodeChunks([bytes("data: a\r"), new Uint8Array(0), bytes("\ndata: b\n\n")])).toStrictEqual([
      message("a\nb")
    ])
    expect(decodeChunks([bytes("data: a\r"), new Uint8Array(0), new Uint8Array(0), bytes("\n\r\n")])).toStrictEqual([
      message("a")
    ])
  })

  it("\\r\\n inside one chunk is one line ending: multi-line data stays one event", () => {
    expect(decodeText("data: a\r\ndata: b\r\n\r\n")).toStrictEqual([message("a\nb")])
    expect(decodeText("id: 1\r\nevent: e\r\ndata: x\r\n\r\n")).toStrictEqual([{ event: "e", data: "x", id: "1" }])
  })

  it("a terminator at the second byte of a chunk, with more lines after it in the same chunk", () => {
    expect(decodeText("x\ndata: a\n\n")).toStrictEqual([message("a")])
    expect(decodeText("x\rdata: a\r\r")).toStrictEqual([message("a")])
    expect(decodeText("data: a\n", "\n\ndata: b\n\n")).toStrictEqual([message("a"), message("b")])
  })
})

describe("Decoder.end", () => {
  it("discards the pending event (data and name); the last event id persists, as for a reconnection", () => {
    const decoder = new Sse.Decoder()
    const out: Array<Sse.Event> = []
    decoder.push(bytes("id: 7\ndata: done\n\nevent: pending\ndata: partial\ndata: unterminated"), (e) => out.push(e))
    decoder.end()
    decoder.push(bytes("data: next\n\n"), (e) => out.push(e))
    expect(out).toStrictEqual([message("done", "7"), message("next", "7")])
  })
})

describe("Sse.decode (stream stage)", () => {
  it.effect("emits one chunk per input chunk that completes events, and none for one that completes none", () =>
    Effect.gen(function*() {
      const input = [": keep-alive\n\n", "data: a\n\ndata: b\n\n", "data: c\n", "\n", ": ping\n\n"].map(bytes)
      const chunks = yield* Stream.fromIterable(input).pipe(
        Stream.rechunk(1),
        Sse.decode,
        Stream.chunks,
        Stream.map((chunk) => Chunk.toReadonlyArray(chunk).map((event) => event.data)),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(chunks)).toStrictEqual([["a", "b"], ["c"]])
    }))

  it.effect("a chunk that completes nothing leaves its bytes for the next: events cross input chunk boundaries", () =>
    Effect.gen(function*() {
      const events = yield* Stream.fromIterable(["da", "ta: a", "\r", "\n", "\r\n", "data: b\n\n"].map(bytes)).pipe(
        Stream.rechunk(1),
        Sse.decode,
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(events)).toStrictEqual([message("a"), message("b")])
    }))
})

describe("without Node's Buffer (browsers, Deno, workers)", () => {
  it("decodes with TextDecoder: the same events, a BOM inside a value kept, invalid UTF-8 replaced", async () => {
    vi.resetModules()
    // a Buffer without its prototype (so without utf8Slice) while the module loads; Buffer.from stays for the runner
    vi.stubGlobal(
      "Buffer",
      new Proxy(Buffer, { get: (target, key) => key === "prototype" ? undefined : target[key as never] })
    )
    let Portable: typeof Sse
    try {
      Portable = await import("@effect-openai/core/Sse")
    } finally {
      vi.unstubAllGlobals()
      vi.resetModules()
    }
    expect(Portable.Decoder).not.toBe(Sse.Decoder)
    const decode = (all: Uint8Array) => {
      const decoder = new Portable.Decoder()
      const out: Array<Sse.Event> = []
      decoder.push(all, (event) => out.push(event))
      return out
    }
    const all = new Uint8Array([
      ...[0xef, 0xbb, 0xbf],
      ...bytes("event: \uFEFFnamed\ndata: \uFEFFx\ndata: é€😀\nid: \uFEFF1\n\ndata: <"),
      0xff,
      ...bytes(">\n\n")
    ])
    const expected = [
      { event: "\uFEFFnamed", data: "\uFEFFx\né€😀", id: "\uFEFF1" },
      { event: "message", data: "<\uFFFD>", id: "\uFEFF1" }
    ]
    expect(decode(all)).toStrictEqual(expected)
    expect(decodeChunks([all])).toStrictEqual(expected)
  })
})
