// How the generated operations turn params into a query and a body (internal/params.ts).
import { Multipart } from "@effect-openai/core"
import { describe, expect, it } from "@effect/vitest"
import * as Params from "../src/internal/params.js"

describe("params", () => {
  it("query: arrays as name[], objects as name[key] to any depth, other values as text, empty ones sent as nothing", () => {
    const at = new Date("2026-01-02T03:04:05.000Z")
    expect(Params.query({
      limit: 2,
      include: ["a", "b"],
      "ids[]": ["x"],
      one: ["only"],
      none: [],
      metadata: { team: "core", nested: { deep: true } },
      effective_at: { gte: 10, lt: 20 },
      rows: [{ id: 1 }, { id: 2 }],
      grid: [["a", "b"], "c"],
      when: at,
      skipped: null,
      missing: undefined
    })).toStrictEqual({
      limit: 2,
      "include[]": ["a", "b"],
      "ids[]": ["x"],
      "one[]": ["only"],
      "metadata[team]": "core",
      "metadata[nested][deep]": true,
      "effective_at[gte]": 10,
      "effective_at[lt]": 20,
      "rows[][id]": [1, 2],
      "grid[][]": ["a", "b"],
      "grid[]": ["c"],
      when: "2026-01-02T03:04:05.000Z"
    })
    expect(Params.query(undefined)).toBeUndefined()
  })

  it("split: the named query fields apart from the body fields", () => {
    expect(Params.split({ include: ["x"], input: "hi", model: "m" }, ["include"])).toStrictEqual([
      { include: ["x"] },
      { input: "hi", model: "m" }
    ])
    expect(Params.split(undefined, ["include"])).toStrictEqual([{}, {}])
  })

  it("body: JSON unless a file is among the fields (at the top or in an array)", () => {
    expect(Params.body({ prompt: "p", n: 1 })._tag).toBe("Json")
    expect(Params.body(undefined)).toStrictEqual({ _tag: "Json", value: {} })
    expect(Params.body({ prompt: "p", image: new Blob(["x"]) })._tag).toBe("Multipart")
    expect(Params.body({ prompt: "p", image: [Multipart.file("x", { filename: "a.png" })] })._tag).toBe("Multipart")
    expect(Params.body({ prompt: "p", image: new Uint8Array([1]) })._tag).toBe("Multipart")
  })

  it("multipart: the JSON parts as one application/json part each; absent params are no fields", () => {
    const body = Params.multipart({ sdp: "v=0", session: { type: "realtime" } }, ["session"])
    if (body._tag !== "Multipart") return expect.fail(body._tag)
    expect(body.fields.sdp).toBe("v=0")
    expect(Multipart.isText(body.fields.session)).toBe(true)
    expect(body.fields.session).toMatchObject({ text: "{\"type\":\"realtime\"}", contentType: "application/json" })
    expect(Params.multipart(undefined)).toStrictEqual({ _tag: "Multipart", fields: {} })
    expect(Params.model("gpt-5")).toBe("gpt-5")
    expect(Params.model(["not", "a", "model"])).toBeUndefined()
  })
})
