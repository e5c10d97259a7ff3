/**
 * A linear-time decoder of server-sent events (the WHATWG `text/event-stream` format): bytes in, events out.
 *
 * - `\n`, `\r` and `\r\n` line endings, also when a `\r\n` pair is split across chunks;
 * - UTF-8 sequences split across chunks (lines are decoded only once complete);
 * - multi-line `data` joined with `\n`; comments (`:`) ignored; one leading space stripped from values; a field
 *   without a colon has an empty value; `retry` is ignored (never pauses); a leading BOM is skipped;
 * - no cap on event size; every byte is scanned once and copied at most once more (when a line spans chunks),
 *   so the cost is linear in the input whatever its chunking.
 *
 * @since 0.1.0
 */
import * as Channel from "effect/Channel"
import * as Chunk from "effect/Chunk"
import * as Stream from "effect/Stream"

/**
 * One dispatched event.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event {
  /** The `event` field, `"message"` when absent. */
  readonly event: string
  /** The `data` lines, joined with `\n`. */
  readonly data: string
  /** The last event id seen on the stream (`id` persists across events), `undefined` before any. */
  readonly id: string | undefined
}

const LF = 0x0a
const CR = 0x0d
const COLON = 0x3a
const SPACE = 0x20

const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true })

/** Node's native UTF-8 slice, when present: the same result as `TextDecoder` at a third less cost per line. */
const nodeUtf8Slice = (globalThis as {
  readonly Buffer?: { readonly prototype?: { readonly utf8Slice?: (start: number, end: number) => string } }
}).Buffer?.prototype?.utf8Slice

const decodeUtf8: (bytes: Uint8Array, from: number, to: number) => string = nodeUtf8Slice !== undefined
  ? (bytes, from, to) => nodeUtf8Slice.call(bytes, from, to)
  : (bytes, from, to) => textDecoder.decode(bytes.subarray(from, to))

const isField = (bytes: Uint8Array, from: number, to: number, name: string): boolean => {
  if (to - from !== name.length) return false
  for (let i = 0; i < name.length; i++) {
    if (bytes[from + i] !== name.charCodeAt(i)) return false
  }
  return true
}

/**
 * The incremental decoder behind {@link decode}: feed it byte chunks, collect events. Use it directly outside
 * Effect streams.
 *
 * @since 0.1.0
 * @category constructors
 */
export class Decoder {
  /** Bytes of a line that started in an earlier chunk. */
  private carry = new Uint8Array(0)
  private carryLength = 0
  /** The previous chunk ended with `\r`: a `\n` starting the next one belongs to it. */
  private afterCR = false
  /** Whether the start of the stream (where a BOM may stand) is behind us. */
  private started = false
  private data: string | undefined = undefined
  private eventType = ""
  private lastEventId: string | undefined = undefined

  /**
   * Decodes a chunk, calling `onEvent` for each event it completes, in order.
   *
   * @since 0.1.0
   */
  push(chunk: Uint8Array, onEvent: (event: Event) => void): void {
    const length = chunk.length
    let start = 0
    if (this.afterCR && length > 0) {
      this.afterCR = false
      if (chunk[0] === LF) start = 1
    }
    // next positions of each terminator, each found by one forward scan: linear even when one kind is absent
    let nextLF = -2
    let nextCR = -2
    while (start < length) {
      if (nextLF !== -1 && nextLF < start) nextLF = chunk.indexOf(LF, start)
      if (nextCR !== -1 && nextCR < start) nextCR = chunk.indexOf(CR, start)
      const end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR)
      if (end === -1) {
        this.append(chunk, start, length)
        return
      }
      if (this.carryLength > 0) {
        this.append(chunk, start, end)
        this.line(this.carry, 0, this.carryLength, onEvent)
        this.carryLength = 0
      } else {
        this.line(chunk, start, end, onEvent)
      }
      if (chunk[end] === CR) {
        if (end + 1 < length) {
          start = chunk[end + 1] === LF ? end + 2 : end + 1
        } else {
          this.afterCR = true
          start = end + 1
        }
      } else {
        start = end + 1
      }
    }
  }

  /**
   * Ends the stream: an event not terminated by an empty line is discarded, as the standard requires.
   *
   * @since 0.1.0
   */
  end(): void {
    this.carryLength = 0
    this.data = undefined
    this.eventType = ""
  }

  private append(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.carryLength + (to - from)
    if (needed > this.carry.length) {
      const grown = new Uint8Array(Math.max(needed, this.carry.length * 2, 256))
      grown.set(this.carry.subarray(0, this.carryLength))
      this.carry = grown
    }
    if (to - from <= 32) {
      // a short copy by hand costs less than creating a subarray view
      for (let i = from, j = this.carryLength; i < to; i++, j++) this.carry[j] = chunk[i]!
    } else {
      this.carry.set(chunk.subarray(from, to), this.carryLength)
    }
    this.carryLength = needed
  }

  private line(bytes: Uint8Array, from: number, to: number, onEvent: (event: Event) => void): void {
    if (!this.started) {
      this.started = true
      if (to - from >= 3 && bytes[from] === 0xef && bytes[from + 1] === 0xbb && bytes[from + 2] === 0xbf) from += 3
    }
    if (from === to) {
      this.dispatch(onEvent)
      return
    }
    if (bytes[from] === COLON) return
    // the field name ends at the first colon of the line (bounded scan: never past the line's end)
    let colon = from
    while (colon < to && bytes[colon] !== COLON) colon++
    let valueStart = colon + 1
    if (valueStart < to && bytes[valueStart] === SPACE) valueStart++
    if (valueStart > to) valueStart = to
    if (isField(bytes, from, colon, "data")) {
      const value = decodeUtf8(bytes, valueStart, to)
      this.data = this.data === undefined ? value : `${this.data}\n${value}`
    } else if (isField(bytes, from, colon, "event")) {
      this.eventType = decodeUtf8(bytes, valueStart, to)
    } else if (isField(bytes, from, colon, "id")) {
      const value = decodeUtf8(bytes, valueStart, to)
      if (!value.includes("\u0000")) this.lastEventId = value
    }
    // `retry` and unknown fields are ignored
  }

  private dispatch(onEvent: (event: Event) => void): void {
    const data = this.data
    const eventType = this.eventType
    this.data = undefined
    this.eventType = ""
    if (data === undefined) return
    onEvent({ event: eventType === "" ? "message" : eventType, data, id: this.lastEventId })
  }
}

/**
 * The decoder as a channel stage from byte chunks to event chunks.
 *
 * @since 0.1.0
 * @category channels
 */
export const decoder = <E, Done>(): Channel.Channel<
  Chunk.Chunk<Event>,
  Chunk.Chunk<Uint8Array>,
  E,
  E,
  void,
  Done
> =>
  Channel.suspend(() => {
    const state = new Decoder()
    let out: Array<Event> = []
    const collect = (event: Event) => {
      out.push(event)
    }
    const loop: Channel.Channel<Chunk.Chunk<Event>, Chunk.Chunk<Uint8Array>, E, E, void, Done> = Channel
      .readWithCause({
        onInput: (input: Chunk.Chunk<Uint8Array>) => {
          for (const bytes of input) state.push(bytes, collect)
          if (out.length === 0) return loop
          const events = Chunk.unsafeFromArray(out)
          out = []
          return Channel.zipRight(Channel.write(events), loop)
        },
        onFailure: (cause) => Channel.failCause(cause),
        onDone: () => {
          state.end()
          return Channel.void
        }
      })
    return loop
  })

/**
 * Decodes a stream of bytes into server-sent events.
 *
 * @since 0.1.0
 * @category combinators
 */
export const decode = <E, R>(self: Stream.Stream<Uint8Array, E, R>): Stream.Stream<Event, E, R> =>
  Stream.pipeThroughChannel(self, decoder<E, unknown>())
