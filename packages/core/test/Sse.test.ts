import { Sse } from "@effect-openai/core"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import fc from "fast-check"
import { bytes, decodeChunks, decodeText } from "./utils.js"

/** Splits bytes at the given offsets. */
const splitAt = (all: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(cuts.map((cut) => cut % (all.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let previous = 0
  for (const point of points) {
    chunks.push(all.slice(previous, point))
    previous = point
  }
  chunks.push(all.slice(previous))
  return chunks
}

/**
 * The reference: the WHATWG algorithm written as plainly as possible, on the whole input at once.
 */
const reference = (all: Uint8Array): Array<Sse.Event> => {
  let text = new TextDecoder("utf-8", { ignoreBOM: true }).decode(all)
  if (text.startsWith("\uFEFF")) text = text.slice(1)
  const lines = text.split(/\r\n|\r|\n/)
  lines.pop() // the last piece has no terminator: it is not a complete line
  const events: Array<Sse.Event> = []
  let data: Array<string> | undefined
  let type = ""
  let id: string | undefined
  for (const line of lines) {
    if (line === "") {
      if (data !== undefined) events.push({ event: type === "" ? "message" : type, data: data.join("\n"), id })
      data = undefined
      type = ""
      continue
    }
    if (line.startsWith(":")) continue
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? "" : line.slice(colon + 1)
    if (value.startsWith(" ")) value = value.slice(1)
    if (field === "data") (data ??= []).push(value)
    else if (field === "event") type = value
    else if (field === "id" && !value.includes("\u0000")) id = value
  }
  return events
}

describe("Sse.Decoder", () => {
  it("decodes data, event and id fields", () => {
    expect(decodeText("event: greeting\nid: 7\ndata: hello\n\n")).toStrictEqual([
      { event: "greeting", data: "hello", id: "7" }
    ])
  })

  it("defaults the event name to message and the id to undefined", () => {
    expect(decodeText("data: x\n\n")).toStrictEqual([{ event: "message", data: "x", id: undefined }])
  })

  it("accepts \\n, \\r and \\r\\n line endings, mixed", () => {
    expect(decodeText("data: a\r\rdata: b\n\ndata: c\r\n\r\ndata: d\r\n\n")).toStrictEqual([
      { event: "message", data: "a", id: undefined },
      { event: "message", data: "b", id: undefined },
      { event: "message", data: "c", id: undefined },
      { event: "message", data: "d", id: undefined }
    ])
  })

  it("treats a \\r at the end of a chunk and the \\n starting the next as one line ending", () => {
    expect(decodeText("data: a\r", "\ndata: b\r", "\n\r", "\n")).toStrictEqual([
      { event: "message", data: "a\nb", id: undefined }
    ])
    // a lone \r at a chunk end followed by a non-\n: two separate line endings
    expect(decodeText("data: a\r", "\r")).toStrictEqual([{ event: "message", data: "a", id: undefined }])
  })

  for (const [name, char] of [["2-byte", "é"], ["3-byte", "€"], ["4-byte", "😀"]] as const) {
    it(`decodes a ${name} UTF-8 sequence split across chunks`, () => {
      const all = bytes(`data: ${char}${char}\n\n`)
      for (let cut = 1; cut < all.length; cut++) {
        expect(decodeChunks([all.slice(0, cut), all.slice(cut)])).toStrictEqual([
          { event: "message", data: `${char}${char}`, id: undefined }
        ])
      }
      expect(decodeChunks([...all].map((byte) => Uint8Array.of(byte)))[0]!.data).toBe(`${char}${char}`)
    })
  }

  it("decodes invalid UTF-8 exactly as TextDecoder does (replacement characters)", () => {
    const invalid = [
      [0x80],
      [0xc3],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff, 0xfe, 0x41]
    ]
    for (const sequence of invalid) {
      const all = new Uint8Array([...bytes("data: <"), ...sequence, ...bytes(">\n\n")])
      expect(decodeChunks([all])).toStrictEqual(reference(all))
    }
  })

  it("joins multi-line data with \\n", () => {
    expect(decodeText("data: line 1\ndata: line 2\ndata:\ndata: line 4\n\n")[0]!.data).toBe("line 1\nline 2\n\nline 4")
  })

  it("ignores comment lines", () => {
    expect(decodeText(": keep-alive\n:\ndata: x\n: between\n\n: alone\n\n")).toStrictEqual([
      { event: "message", data: "x", id: undefined }
    ])
  })

  it("strips exactly one leading space from values", () => {
    expect(decodeText("data:no space\n\ndata:  two spaces\n\n").map((event) => event.data)).toStrictEqual([
      "no space",
      " two spaces"
    ])
  })

  it("reads a field without a colon as an empty value", () => {
    expect(decodeText("data\n\n")).toStrictEqual([{ event: "message", data: "", id: undefined }])
    expect(decodeText("data\ndata\n\n")[0]!.data).toBe("\n")
  })

  it("ignores retry (never pauses) and unknown fields", () => {
    expect(decodeText("retry: 10000\nfoo: bar\ndata: x\n\nretry\ndata: y\n\n").map((event) => event.data))
      .toStrictEqual(["x", "y"])
  })

  it("skips a leading BOM, also when split, but keeps one elsewhere", () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...bytes("data: x\n\n")])
    expect(decodeChunks([withBom])[0]!.data).toBe("x")
    expect(decodeChunks([withBom.slice(0, 1), withBom.slice(1, 2), withBom.slice(2)])[0]!.data).toBe("x")
    expect(decodeText("data: \uFEFFx\n\n")[0]!.data).toBe("\uFEFFx")
  })

  it("does not dispatch an event without data, and resets the event name after each event", () => {
    expect(decodeText("event: lonely\n\ndata: x\n\n")).toStrictEqual([{ event: "message", data: "x", id: undefined }])
  })

  it("keeps the last event id across events; an id with NUL is ignored", () => {
    expect(decodeText("id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000\ndata: c\n\nid\ndata: d\n\n").map((event) => event.id))
      .toStrictEqual(["1", "1", "1", ""])
  })

  it("discards an event not terminated by an empty line at the end", () => {
    expect(decodeText("data: complete\n\ndata: partial\n")).toStrictEqual([
      { event: "message", data: "complete", id: undefined }
    ])
    expect(decodeText("data: no newline at all")).toStrictEqual([])
  })

  it("has no cap on event size", () => {
    const big = "x".repeat(12 * 1024 * 1024)
    const all = bytes(`data: ${big}\n\n`)
    const chunks = splitAt(all, Array.from({ length: 200 }, (_, i) => i * 65_536))
    const [event] = decodeChunks(chunks)
    expect(event!.data.length).toBe(big.length)
  })

  it("decodes 100k events from one 10 MB chunk and from 1-byte chunks of a smaller input", () => {
    const payload = "y".repeat(90)
    const all = bytes(`data: ${payload}\n\n`.repeat(100_000))
    expect(all.length).toBeGreaterThan(9_000_000)
    const events = decodeChunks([all])
    expect(events.length).toBe(100_000)
    const small = bytes("event: e\r\ndata: {\"a\":1}\r\n\r\n".repeat(2_000))
    const single = decodeChunks([...small].map((byte) => Uint8Array.of(byte)))
    expect(single.length).toBe(2_000)
    expect(single[1_999]).toStrictEqual({ event: "e", data: "{\"a\":1}", id: undefined })
  })
})

// ---------------------------------------------------------------------------------------------------------------

const fieldValue = fc.string({
  unit: fc.oneof(
    fc.constantFrom("a", "b", " ", ":", "é", "€", "😀", "\u0000", "\uFEFF", "[DONE]", "{", "}"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 })
  ),
  maxLength: 20
}).map((value) => value.replace(/[\r\n]/g, ""))

const line = fc.oneof(
  fieldValue.map((value) => `data: ${value}`),
  fieldValue.map((value) => `data:${value}`),
  fc.constant("data"),
  fieldValue.map((value) => `event: ${value}`),
  fieldValue.map((value) => `id: ${value}`),
  fieldValue.map((value) => `: ${value}`),
  fc.constant("retry: 1000"),
  fieldValue.map((value) => `unknown:${value}`),
  fc.constant("")
)

const newline = fc.constantFrom("\n", "\r", "\r\n")

/** An arbitrary event stream: lines with arbitrary line endings, an optional BOM, an optional unterminated tail. */
const streamBytes = fc.tuple(
  fc.boolean(),
  fc.array(fc.tuple(line, newline), { maxLength: 60 }),
  fc.option(line)
).map(([bom, lines, tail]) => {
  const text = lines.map(([content, ending]) => content + ending).join("") + (tail ?? "")
  const body = bytes(text)
  return bom ? new Uint8Array([0xef, 0xbb, 0xbf, ...body]) : body
})

describe("Sse.Decoder properties", () => {
  it("every way of splitting the same bytes yields the reference's events", () => {
    fc.assert(
      fc.property(streamBytes, fc.array(fc.nat(), { maxLength: 30 }), (all, cuts) => {
        expect(decodeChunks(splitAt(all, cuts))).toStrictEqual(reference(all))
      }),
      { numRuns: 500 }
    )
  })

  it("one-byte chunks yield the reference's events", () => {
    fc.assert(
      fc.property(streamBytes, (all) => {
        expect(decodeChunks([...all].map((byte) => Uint8Array.of(byte)))).toStrictEqual(reference(all))
      }),
      { numRuns: 200 }
    )
  })

  it("arbitrary bytes never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 10 }), (all, cuts) => {
        expect(decodeChunks(splitAt(all, cuts))).toStrictEqual(reference(all))
      }),
      { numRuns: 500 }
    )
  })
})

describe("Sse.decode (stream stage)", () => {
  it.effect("decodes a byte stream, keeping failures", () =>
    Effect.gen(function*() {
      const events = yield* Stream.fromIterable(["data: a\n", "\ndata: b\r", "\n\r\n"].map(bytes)).pipe(
        Sse.decode,
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(events).map((event) => event.data)).toStrictEqual(["a", "b"])
      const failed = yield* Stream.concat(Stream.make(bytes("data: a\n\n")), Stream.fail("boom")).pipe(
        Sse.decode,
        Stream.runCollect,
        Effect.flip
      )
      expect(failed).toBe("boom")
    }))
})
