/**
 * The value a prefix of a JSON document stands for, so a structured output can be shown while the model streams it.
 * One pass over the text, with the stack of the containers still open:
 *
 * - Empty or whitespace-only text is `undefined`.
 * - A complete document is what `JSON.parse` returns.
 * - Open objects and arrays are closed. An open string value is kept with what has arrived, less an escape cut in the
 *   middle (`\`, `\u12`) or half a surrogate pair; an open key, or a key with no value yet, is left out.
 * - A number at the very end may still grow (`12` may become `123`): it is kept once it is a number (`12`, `1.5`),
 *   left out while it is not one yet (`-`, `1.`, `1e`).
 * - A literal still arriving (`tr`, `nul`) is left out; `true`, `false` and `null` are kept.
 * - Text that cannot begin a JSON document (`]`, `{"a" 1}`, `{"a":1}}`, anything after a complete value) is
 *   `undefined`: the function never throws.
 *
 * @internal
 */

type Container = Array<unknown> | Record<string, unknown>

/** What the grammar allows next: a value, a key, the colon after a key, or a comma / closer after a value. */
type Expected = "value" | "valueOrClose" | "key" | "keyOrClose" | "colon" | "separator"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d
const MINUS = 0x2d

const isWhitespace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

const isLowercase = (c: number): boolean => c >= 0x61 && c <= 0x7a

const isHex = (c: number): boolean => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)

/** The literals by their text. */
const literals: ReadonlyMap<string, unknown> = new Map<string, unknown>([
  ["true", true],
  ["false", false],
  ["null", null]
])

/** The index after the digits at `start`. */
const skipDigits = (text: string, start: number): number => {
  let i = start
  while (isDigit(text.charCodeAt(i))) i++
  return i
}

/**
 * The text of a string from its opening quote to `end` (its closing quote, or the end of the text less an escape cut
 * in the middle). `JSON.parse` decodes the escapes, exactly; without escapes the slice is the text.
 */
const decode = (text: string, quote: number, end: number, escaped: boolean): string =>
  escaped ? JSON.parse(`${text.slice(quote, end)}"`) : text.slice(quote + 1, end)

/** A string cut by the end of the text loses a high surrogate whose low half has not arrived. */
const withoutHalfPair = (text: string): string => {
  const last = text.charCodeAt(text.length - 1)
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text
}

/** The characters after a backslash that stand for one character. */
const simpleEscapes: ReadonlySet<number> = new Set([QUOTE, BACKSLASH, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74])

/**
 * What scanning a scalar at the current index came to: a value (`value`, and the index is after it), the beginning of
 * one cut by the end of the text that is not a value yet (`cut`, left out), or text that cannot be JSON.
 */
type Scanned = "value" | "cut" | "invalid"

/** The tokens of the text, one at a time from `index`; a scalar's value is left in `value` (no object per token). */
class Tokens {
  index = 0
  value: unknown = undefined
  constructor(readonly text: string) {}

  /** The scalar at the index: a string, a number, or `true`, `false`, `null`. */
  scalar(): Scanned {
    const c = this.text.charCodeAt(this.index)
    return c === QUOTE ? this.string() : c === MINUS || isDigit(c) ? this.number() : this.literal()
  }

  /**
   * The string whose opening quote is at the index. One cut by the end of the text is a value with what has arrived,
   * less an escape cut in the middle (`\`, `\u12`) and half a surrogate pair. A raw control character or an unknown
   * escape is invalid.
   */
  string(): Scanned {
    const text = this.text
    const quote = this.index
    let escaped = false
    let i = quote + 1
    while (i < text.length) {
      const c = text.charCodeAt(i)
      if (c === QUOTE) return this.scanned(decode(text, quote, i, escaped), i + 1)
      if (c < 0x20) return "invalid"
      if (c !== BACKSLASH) {
        i++
        continue
      }
      escaped = true
      if (i + 1 === text.length) return this.openString(quote, i, escaped)
      const escape = text.charCodeAt(i + 1)
      if (escape === 0x75) {
        for (let k = i + 2; k < i + 6; k++) {
          if (k === text.length) return this.openString(quote, i, escaped)
          if (!isHex(text.charCodeAt(k))) return "invalid"
        }
        i += 6
      } else if (simpleEscapes.has(escape)) i += 2
      else return "invalid"
    }
    return this.openString(quote, i, escaped)
  }

  /** A string cut by the end of the text: what has arrived up to `end`, less half a surrogate pair. */
  private openString(quote: number, end: number, escaped: boolean): Scanned {
    return this.scanned(withoutHalfPair(decode(this.text, quote, end, escaped)), this.text.length)
  }

  /**
   * The number at the index. At the end of the text, the beginning of a number that is not one yet (`-`, `1.`, `1e+`)
   * is cut. What follows a complete number is left to the grammar (`01` fails there: a digit cannot follow a value).
   */
  number(): Scanned {
    const text = this.text
    const start = this.index
    let i = text.charCodeAt(start) === MINUS ? start + 1 : start
    // the integer part: `0`, or digits not starting with `0`
    const integer = i
    i = text.charCodeAt(i) === 0x30 ? i + 1 : skipDigits(text, i)
    if (i === integer) return this.incomplete(i)
    if (text.charCodeAt(i) === 0x2e) {
      const fraction = i + 1
      i = skipDigits(text, fraction)
      if (i === fraction) return this.incomplete(i)
    }
    const e = text.charCodeAt(i)
    if (e === 0x65 || e === 0x45) {
      const sign = text.charCodeAt(i + 1)
      const exponent = sign === 0x2b || sign === MINUS ? i + 2 : i + 1
      i = skipDigits(text, exponent)
      if (i === exponent) return this.incomplete(i)
    }
    return this.scanned(Number(text.slice(start, i)), i)
  }

  /** `true`, `false` or `null` at the index; one cut by the end of the text (`tr`, `nul`) is cut. */
  literal(): Scanned {
    const text = this.text
    let end = this.index
    while (end < text.length && isLowercase(text.charCodeAt(end))) end++
    const word = text.slice(this.index, end)
    if (literals.has(word)) return this.scanned(literals.get(word), end)
    if (end < text.length || word === "") return "invalid"
    for (const literal of literals.keys()) if (literal.startsWith(word)) return this.incomplete(end)
    return "invalid"
  }

  private scanned(value: unknown, end: number): Scanned {
    this.value = value
    this.index = end
    return "value"
  }

  /** A token that stops at `end` before it is complete: cut when the text ends there, else invalid. */
  private incomplete(end: number): Scanned {
    if (end < this.text.length) return "invalid"
    this.index = end
    return "cut"
  }
}

/**
 * The values built so far. A container is added to its parent when it opens, so whatever is cut at the end, what is
 * already built is the answer.
 */
class Builder {
  root: unknown = undefined
  /** The key of the value to come in the innermost object. */
  key = ""
  private readonly open: Array<Container> = []

  get parent(): Container | undefined {
    return this.open[this.open.length - 1]
  }

  add(value: unknown): void {
    const parent = this.parent
    if (parent === undefined) this.root = value
    else if (Array.isArray(parent)) parent.push(value)
    // an own property as `JSON.parse` makes it, not the prototype setter
    else if (this.key === "__proto__") {
      Object.defineProperty(parent, this.key, { value, writable: true, enumerable: true, configurable: true })
    } else parent[this.key] = value
  }

  enter(container: Container): void {
    this.add(container)
    this.open.push(container)
  }

  leave(): void {
    this.open.pop()
  }
}

/** The single pass: the grammar's state, the stack of open containers, and a token at a time. */
const scan = (text: string): unknown => {
  const built = new Builder()
  const tokens = new Tokens(text)
  let expected: Expected = "value"
  while (tokens.index < text.length) {
    const c = text.charCodeAt(tokens.index)
    if (isWhitespace(c)) {
      tokens.index++
      continue
    }
    switch (expected) {
      case "value":
      case "valueOrClose": {
        if (c === CLOSE_BRACKET && expected === "valueOrClose") {
          built.leave()
          expected = "separator"
        } else if (c === OPEN_BRACE) {
          built.enter({})
          expected = "keyOrClose"
        } else if (c === OPEN_BRACKET) {
          built.enter([])
          expected = "valueOrClose"
        } else {
          const scanned = tokens.scalar()
          if (scanned === "invalid") return undefined
          if (scanned === "value") built.add(tokens.value)
          expected = "separator"
          continue
        }
        break
      }
      case "key":
      case "keyOrClose": {
        if (c === CLOSE_BRACE && expected === "keyOrClose") {
          built.leave()
          expected = "separator"
          break
        }
        if (c !== QUOTE || tokens.string() === "invalid") return undefined
        // a key cut by the end of the text is never used: nothing follows it
        built.key = tokens.value as string
        expected = "colon"
        continue
      }
      case "colon": {
        if (c !== COLON) return undefined
        expected = "value"
        break
      }
      case "separator": {
        const parent = built.parent
        // after a complete document only whitespace may follow
        if (parent === undefined) return undefined
        const isArray = Array.isArray(parent)
        if (c === COMMA) expected = isArray ? "value" : "key"
        else if (c === (isArray ? CLOSE_BRACKET : CLOSE_BRACE)) built.leave()
        else return undefined
        break
      }
    }
    // a one-character token
    tokens.index++
  }
  return built.root
}

/** Whether the text ends as a complete object or array would, the one case worth trying `JSON.parse` first. */
const endsWithCloser = (text: string): boolean => {
  let i = text.length - 1
  while (i >= 0 && isWhitespace(text.charCodeAt(i))) i--
  const c = text.charCodeAt(i)
  return c === CLOSE_BRACE || c === CLOSE_BRACKET
}

/**
 * The value a prefix of a JSON document stands for so far; `undefined` when nothing usable has arrived yet. Linear in
 * the length of the text; never throws.
 *
 * @internal
 */
export const parse = (text: string): unknown => {
  if (endsWithCloser(text)) {
    try {
      return JSON.parse(text)
    } catch {
      // a prefix that happens to end with a closer (or a document too deep for `JSON.parse`): scanned below
    }
  }
  return scan(text)
}
