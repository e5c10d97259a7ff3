import { describe, expect, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { version } from "../src/internal/version.js"

describe("version", () => {
  it("the User-Agent version is the package's version", () => {
    const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      readonly version: string
    }
    expect(version).toBe(manifest.version)
  })
})
