// The value a prefix of a streamed JSON document stands for (internal/partialJson.ts), rule by rule, then every prefix
// of realistic documents against the complete one.
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import { isDeepStrictEqual } from "node:util"
import { parse } from "../src/internal/partialJson.js"

/** Where a prefix ends: how many containers are still open, and whether it ends inside a string or after a digit. */
const endOf = (prefix: string): { readonly open: number; readonly tail: "string" | "number" | "other" } => {
  let open = 0
  let inString = false
  let escaped = false
  for (const ch of prefix) {
    if (inString) {
      if (escaped) escaped = false
      else if (ch === "\\") escaped = true
      else if (ch === "\"") inString = false
    } else if (ch === "\"") inString = true
    else if (ch === "{" || ch === "[") open++
    else if (ch === "}" || ch === "]") open--
  }
  return { open, tail: inString ? "string" : /[-+.\deE]$/.test(prefix) ? "number" : "other" }
}

/**
 * What is wrong with a partial value, knowing `open` containers are still open along its last entries: every entry of
 * an open container but the last is closed and equal to the complete one; the last entry is checked the same way one
 * level down; at the bottom, a closed value is equal, an open string is the beginning of the complete one, and a
 * number at the end of the text (which may still grow) is a number. `undefined` when nothing is.
 */
const inconsistency = (
  partial: unknown,
  complete: unknown,
  open: number,
  tail: "string" | "number" | "other"
): string | undefined => {
  const show = (value: unknown) => JSON.stringify(value)
  if (open === 0) {
    if (typeof partial === "string" && tail === "string") {
      return typeof complete === "string" && complete.startsWith(partial)
        ? undefined
        : `open string ${show(partial)} does not begin ${show(complete)}`
    }
    if (typeof partial === "number" && tail === "number") {
      return typeof complete === "number" ? undefined : `number ${partial} where ${show(complete)} is`
    }
    return isDeepStrictEqual(partial, complete) ? undefined : `closed ${show(partial)} is not ${show(complete)}`
  }
  if (Array.isArray(partial)) {
    if (!Array.isArray(complete) || partial.length > complete.length) return `${show(partial)} in ${show(complete)}`
    const last = partial.length - 1
    const closed = partial.findIndex((item, index) => index < last && !isDeepStrictEqual(item, complete[index]))
    if (closed >= 0) return `closed item ${closed}: ${show(partial[closed])} is not ${show(complete[closed])}`
    return last < 0 ? undefined : inconsistency(partial[last], complete[last], open - 1, tail)
  }
  if (typeof partial !== "object" || partial === null || typeof complete !== "object" || complete === null) {
    return `${show(partial)} where ${show(complete)} is`
  }
  // keys like "1" come first in an object whatever the text's order: at most one entry, the last to arrive, differs
  const fields = complete as Record<string, unknown>
  const unknown = Object.keys(partial).filter((key) => !Object.hasOwn(fields, key))
  if (unknown.length > 0) return `keys ${show(unknown)} are not in ${show(complete)}`
  const differing = Object.entries(partial).filter(([key, value]) => !isDeepStrictEqual(value, fields[key]))
  if (differing.length > 1) return `entries ${show(differing)} differ from ${show(complete)}`
  return differing.length === 0 ? undefined : inconsistency(differing[0][1], fields[differing[0][0]], open - 1, tail)
}

/** Parses every prefix of `document` (an object or array) and checks each against the complete value. */
const expectEveryPrefixConsistent = (document: string): void => {
  const complete = JSON.parse(document)
  for (let length = 0; length <= document.length; length++) {
    const prefix = document.slice(0, length)
    const partial = parse(prefix)
    if (prefix.trim() === "") {
      expect(partial).toBeUndefined()
      continue
    }
    const { open, tail } = endOf(prefix)
    const problem = inconsistency(partial, complete, open, tail)
    if (problem !== undefined) expect.fail(`after ${JSON.stringify(prefix)}: ${problem}`)
  }
  expect(parse(document)).toStrictEqual(complete)
}

/** The distinct values, in order, of the prefixes of `text`. */
const successive = (text: string): Array<unknown> => {
  const values: Array<unknown> = []
  for (let length = 1; length <= text.length; length++) {
    const value = parse(text.slice(0, length))
    if (JSON.stringify(value) !== JSON.stringify(values[values.length - 1])) values.push(value)
  }
  return values
}

const realistic = String.raw`{"name":"Ada \"L\" \u00e9","tags":["a","b"],"n":-12.5e3,"ok":true,"none":null,` +
  String.raw`"nested":{"list":[{"x":1},{"y":[true,false]}]}}`

/** The prefix of `realistic` up to and including `through`. */
const realisticThrough = (through: string): string => realistic.slice(0, realistic.indexOf(through) + through.length)

describe("nothing usable yet", () => {
  it("empty or whitespace-only text is undefined", () => {
    for (const text of ["", " ", "\n", "\t \r\n  "]) expect(parse(text)).toBeUndefined()
  })

  it("a top-level number or literal that is not one yet is undefined", () => {
    for (const text of ["-", " -", "1.", "1e", "-0.", "1e+", "t", "tr", "tru", "n", "nul", "f", "fals"]) {
      expect(parse(text)).toBeUndefined()
    }
  })
})

describe("complete documents", () => {
  const documents = [
    String.raw`{"a":1,"b":[true,false,null],"c":{"d":"e"}}`,
    String.raw`[]`,
    String.raw`{}`,
    String.raw` [ 1 , { "a" : [ ] } ] `,
    String.raw`"plain"`,
    String.raw`"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800"`,
    String.raw`0`,
    String.raw`-0`,
    String.raw`12`,
    String.raw`-12.5e3`,
    String.raw`1E-7`,
    String.raw`1e400`,
    String.raw`123456789012345678901234567890`,
    String.raw`0.1`,
    String.raw`true`,
    String.raw`false`,
    String.raw` null `,
    String.raw`{"a":1,"b":2,"a":3}`,
    String.raw`[[[[[["deep"]]]]]]`,
    String.raw`{"":"","\u0041":"A"}`
  ]

  it("parse exactly as JSON.parse does", () => {
    for (const document of documents) {
      const expected = JSON.parse(document)
      const actual = parse(document)
      expect(actual).toStrictEqual(expected)
      if (typeof expected === "number") expect(Object.is(actual, expected)).toBe(true)
    }
    expect(Object.is(parse("-0"), -0)).toBe(true)
  })

  it("a complete value inside a document still open is what JSON.parse makes of it (the scanner, not JSON.parse)", () => {
    for (const document of documents) {
      expect(parse(`[${document},`)).toStrictEqual([JSON.parse(document)])
      expect(parse(`{"k":${document}`)).toStrictEqual({ k: JSON.parse(document) })
    }
    expect(Object.is((parse("[-0,") as Array<number>)[0], -0)).toBe(true)
    expect(Object.keys(parse(String.raw`{"a":1,"b":2,"a":3,`) as object)).toStrictEqual(["a", "b"])
  })

  it("a __proto__ key is an own property, as JSON.parse makes it, and never the prototype", () => {
    for (const text of [String.raw`{"__proto__":{"polluted":true}}`, String.raw`{"__proto__":{"polluted":true},`]) {
      const value = parse(text) as Record<string, unknown>
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.keys(value)).toStrictEqual(["__proto__"])
      expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toStrictEqual({ polluted: true })
      expect((value as { polluted?: boolean }).polluted).toBeUndefined()
    }
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined()
  })

  it("any text JSON.parse accepts gives the same value; any other text gives no exception", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((json) => json.slice(0, -1))), (text) => {
        let expected: unknown
        try {
          expected = JSON.parse(text)
        } catch {
          expect(() => parse(text)).not.toThrow()
          return
        }
        expect(parse(text)).toStrictEqual(expected)
      }),
      { numRuns: 500 }
    )
  })
})

describe("open objects and arrays", () => {
  it("are closed, at any depth", () => {
    expect(parse("{")).toStrictEqual({})
    expect(parse("[")).toStrictEqual([])
    expect(parse("[[[")).toStrictEqual([[[]]])
    expect(parse(String.raw`{"a":[{"b":{`)).toStrictEqual({ a: [{ b: {} }] })
    expect(parse(String.raw`{"a":{"b":1},"c":[2,[3`)).toStrictEqual({ a: { b: 1 }, c: [2, [3]] })
    expect(parse(String.raw`[1,`)).toStrictEqual([1])
    expect(parse(String.raw`{"a":1,`)).toStrictEqual({ a: 1 })
    expect(parse(String.raw`{"a":[1,2]`)).toStrictEqual({ a: [1, 2] })
    expect(parse(" [ 1 ,\n ")).toStrictEqual([1])
  })
})

describe("open strings", () => {
  it("a string value still open is kept with what has arrived", () => {
    expect(parse(`"`)).toBe("")
    expect(parse(`"hel`)).toBe("hel")
    expect(parse(String.raw`{"a":"hel`)).toStrictEqual({ a: "hel" })
    expect(parse(String.raw`{"a":"`)).toStrictEqual({ a: "" })
    expect(parse(String.raw`{"a":{"b":"x y`)).toStrictEqual({ a: { b: "x y" } })
  })

  it("a complete escape is decoded; one cut in the middle is dropped, not emitted half", () => {
    expect(parse(String.raw`"ab\n`)).toBe("ab\n")
    expect(parse(String.raw`"ab\\`)).toBe("ab\\")
    expect(parse(String.raw`"ab\"`)).toBe("ab\"")
    expect(parse(String.raw`"ab\/\b\f\r\t`)).toBe("ab/\b\f\r\t")
    for (const cut of ["\"ab\\", String.raw`"ab\u`, String.raw`"ab\u0`, String.raw`"ab\u00`]) {
      expect(parse(cut)).toBe("ab")
    }
    expect(parse(String.raw`"ab\u00e`)).toBe("ab")
    expect(parse(String.raw`"ab\u00e9`)).toBe("abé")
    expect(parse(String.raw`{"a":"x\u00`)).toStrictEqual({ a: "x" })
  })

  it("unicode escapes cut at every position: whole characters only, half a surrogate pair waits for the other", () => {
    const text = String.raw`"caf\u00e9 \ud83d\ude00!"`
    expect(successive(text)).toStrictEqual(["", "c", "ca", "caf", "café", "café ", "café 😀", "café 😀!"])
    for (let length = 1; length <= text.length; length++) {
      const value = parse(text.slice(0, length)) as string
      const last = value.charCodeAt(value.length - 1)
      expect(last >= 0xd800 && last <= 0xdbff).toBe(false)
      expect(value).not.toContain("\\")
    }
    // a raw high surrogate at the end of the text, too
    expect(parse("\"x\ud83d")).toBe("x")
    expect(parse("\"x\ud83d\ude00")).toBe("x😀")
    // once the string is closed, a lone surrogate is what JSON.parse makes of it
    expect(parse(String.raw`"\ud83d"`)).toBe("\ud83d")
    expect(parse(String.raw`["\ud83d",`)).toStrictEqual(["\ud83d"])
  })

  it("an open key, or a key with no value yet, is left out", () => {
    expect(parse(String.raw`{"a":1,"b`)).toStrictEqual({ a: 1 })
    expect(parse(String.raw`{"a":1,"b"`)).toStrictEqual({ a: 1 })
    expect(parse(String.raw`{"a":1,"b":`)).toStrictEqual({ a: 1 })
    expect(parse(String.raw`{"a":1,"b" : `)).toStrictEqual({ a: 1 })
    expect(parse(String.raw`{"caf\u00`)).toStrictEqual({})
    expect(parse(String.raw`{"a":{"b"`)).toStrictEqual({ a: {} })
    expect(parse(String.raw`{"`)).toStrictEqual({})
  })
})

describe("numbers still arriving", () => {
  it("a number at the end is kept once it is a number, and may still grow", () => {
    expect(parse("1")).toBe(1)
    expect(parse("12")).toBe(12)
    expect(parse("123")).toBe(123)
    expect(parse("[12")).toStrictEqual([12])
    expect(parse(String.raw`{"n":1.5`)).toStrictEqual({ n: 1.5 })
    expect(parse("[1e5")).toStrictEqual([1e5])
    expect(parse("[1E+5")).toStrictEqual([1e5])
    expect(parse("[-0.25e-1")).toStrictEqual([-0.025])
    expect(Object.is((parse("[-0") as Array<number>)[0], -0)).toBe(true)
  })

  it("a number at the end that is not one yet is left out", () => {
    for (const cut of ["-", "1.", "-1.", "1e", "1E", "1e+", "1e-", "1.5e", "0.", "-0e"]) {
      expect(parse(`[7,${cut}`)).toStrictEqual([7])
      expect(parse(String.raw`{"a":7,"n":${cut}`)).toStrictEqual({ a: 7 })
    }
  })

  it("a number followed by anything is complete, and must be one", () => {
    expect(parse("[12,")).toStrictEqual([12])
    expect(parse("[12 ")).toStrictEqual([12])
    expect(parse("12 ")).toBe(12)
    for (const text of ["[01", "01", "[1.,", "[1.e5", "[-a", "[1.5.", "[+1", "[.5", "[1e,", "[- 1", "[1-2", "[0x1"]) {
      expect(parse(text)).toBeUndefined()
    }
  })
})

describe("literals still arriving", () => {
  it("are left out until complete; true, false and null are kept", () => {
    expect(parse("[tr")).toStrictEqual([])
    expect(parse("[true")).toStrictEqual([true])
    expect(parse("[true,f")).toStrictEqual([true])
    expect(parse("[true,fals")).toStrictEqual([true])
    expect(parse("[true,false")).toStrictEqual([true, false])
    expect(parse(String.raw`{"a":nul`)).toStrictEqual({})
    expect(parse(String.raw`{"a":null`)).toStrictEqual({ a: null })
    expect(parse("true")).toBe(true)
    expect(parse("null")).toBeNull()
  })

  it("a word that cannot become a literal is not JSON", () => {
    for (const text of ["[trux", "[True", "[nulll", "[truefalse", "[nan", "NaN", "Infinity", "[undefined", "x"]) {
      expect(parse(text)).toBeUndefined()
    }
  })
})

describe("array elements cut in the middle", () => {
  it("follow the same rules: a partial string is kept, a partial number or literal dropped", () => {
    expect(parse(String.raw`["ab","c`)).toStrictEqual(["ab", "c"])
    expect(parse("[1, tr")).toStrictEqual([1])
    expect(parse("[1, -")).toStrictEqual([1])
    expect(parse("[1, 2")).toStrictEqual([1, 2])
    expect(parse(String.raw`[{"a":1},{"b`)).toStrictEqual([{ a: 1 }, {}])
    expect(parse(String.raw`[{"a":1},{"b":"x`)).toStrictEqual([{ a: 1 }, { b: "x" }])
    expect(parse(String.raw`[["a"],["b\u00`)).toStrictEqual([["a"], ["b"]])
  })
})

describe("text that cannot begin a JSON document", () => {
  it("is undefined, and never throws", () => {
    const invalid = [
      String.raw`{"a" 1}`,
      "]",
      "}",
      ",",
      ":",
      String.raw`{"a":1}}`,
      String.raw`{"a":1}x`,
      "[1]]",
      "[1] 2",
      "1 2",
      String.raw`"a" "b"`,
      String.raw`"a"x`,
      "true false",
      "{,",
      "[,",
      String.raw`{"a":1,}`,
      "[1,]",
      "{1:2}",
      "{'a':1}",
      String.raw`{"a":1]`,
      "[1}",
      String.raw`{"a"}`,
      String.raw`{"a"::`,
      String.raw`"a\x"`,
      String.raw`"a\x`,
      String.raw`"\u12G4"`,
      String.raw`"\u1G`,
      "\"a\nb\"",
      "\"a\tb",
      "\ufeff{}",
      "\u00a0[1",
      "[1\u00a0"
    ]
    for (const text of invalid) {
      expect(() => parse(text)).not.toThrow()
      expect(parse(text)).toBeUndefined()
    }
  })
})

describe("every prefix of a realistic document", () => {
  it("never throws, every closed value equals the complete one, and the whole is JSON.parse's", () => {
    expectEveryPrefixConsistent(realistic)
    expectEveryPrefixConsistent(JSON.stringify(JSON.parse(realistic), null, 2))
    expectEveryPrefixConsistent(`[${realistic},${realistic}, "tail", -0.5, [], {}]`)
  })

  it("at the cuts that matter", () => {
    expect(parse(realisticThrough(String.raw`"Ada \"L`))).toStrictEqual({ name: "Ada \"L" })
    expect(parse(realisticThrough(String.raw`"Ada \"L\" \u00`))).toStrictEqual({ name: "Ada \"L\" " })
    expect(parse(realisticThrough(`"tags":["a","`))).toMatchObject({ tags: ["a", ""] })
    expect(parse(realisticThrough(`"n":-12.`))).not.toHaveProperty("n")
    expect(parse(realisticThrough(`"n":-12.5e`))).not.toHaveProperty("n")
    expect(parse(realisticThrough(`"n":-12.5`))).toHaveProperty("n", -12.5)
    expect(parse(realisticThrough(`"n":-12.5e3`))).toHaveProperty("n", -12500)
    expect(parse(realisticThrough(`"ok":tr`))).not.toHaveProperty("ok")
    expect(parse(realisticThrough(`"none":nul`))).not.toHaveProperty("none")
    expect(parse(realisticThrough(`"none":null`))).toHaveProperty("none", null)
    expect(parse(realisticThrough(`{"y":[true,fa`))).toHaveProperty("nested", { list: [{ x: 1 }, { y: [true] }] })
    expect(parse(realistic.slice(0, -1))).toStrictEqual(JSON.parse(realistic))
  })

  it("any JSON value, compact or indented: every prefix is consistent with the whole", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
          fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 })
        ),
        fc.boolean(),
        (value, indent) => expectEveryPrefixConsistent(JSON.stringify(value, null, indent ? 2 : undefined))
      ),
      { numRuns: 100 }
    )
  })
})

describe("large and deep prefixes", () => {
  it("a 1 MB array of numbers still open is read whole", () => {
    const numbers = Array.from({ length: 130_000 }, (_, k) => {
      const i = k + 1
      return i % 4 === 0 ? -i : i % 4 === 1 ? i * 1.25 : i % 4 === 2 ? i * 1e-3 : i
    })
    const text = `[${numbers.join(",")}`
    expect(text.length).toBeGreaterThan(1_000_000)
    const partial = parse(text) as Array<number>
    expect(partial).toHaveLength(numbers.length)
    // `toStrictEqual` takes seconds over 130,000 items
    expect(isDeepStrictEqual(partial, numbers)).toBe(true)
    expect(isDeepStrictEqual(parse(`${text}]`), numbers)).toBe(true)
  })

  it("a 1 MB string still open, full of escapes, is read whole", () => {
    const text = String.raw`{"text":"` + String.raw`ab\n\"\u00e9 `.repeat(80_000)
    expect(text.length).toBeGreaterThan(1_000_000)
    expect(parse(text)).toStrictEqual({ text: "ab\n\"é ".repeat(80_000) })
  })

  it("nesting deeper than a recursive parser could go", () => {
    const depth = 100_000
    const open = "[".repeat(depth)
    for (const text of [open, open + "]".repeat(depth), open + "]".repeat(depth - 1)]) {
      let value = parse(text)
      let levels = 0
      while (Array.isArray(value)) {
        levels++
        value = value[0]
      }
      expect(levels).toBe(depth)
    }
  })
})
