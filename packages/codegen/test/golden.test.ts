/**
 * Golden tests of the emitter: the fixture spec (one case of each rule) generates exactly the files kept in
 * `fixture/expected/` (as `<path>.golden`, so that neither tsc nor eslint reads them). After a deliberate change of the emitter, `UPDATE_GOLDEN=1 npx vitest run
 * packages/codegen/test/golden.test.ts` rewrites them; review the diff as part of the change.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { listed } from "../src/files.js"
import { generate } from "../src/generate.js"
import { load } from "../src/spec.js"

const here = dirname(fileURLToPath(import.meta.url))
const expectedDir = join(here, "fixture/expected")

describe("codegen golden files", () => {
  const output = generate(load(join(here, "fixture/spec.yaml")))
  const files = new Map(
    [...output.files.map((file) => [file.path, file.text] as const), ["api.md", output.apiDoc] as const].map((
      [path, text]
    ) => [`${path}.golden`, text])
  )

  if (process.env.UPDATE_GOLDEN === "1") {
    rmSync(expectedDir, { recursive: true, force: true })
    for (const [path, text] of files) {
      mkdirSync(dirname(join(expectedDir, path)), { recursive: true })
      writeFileSync(join(expectedDir, path), text)
    }
  }

  it("generates the same set of files", () => {
    expect(existsSync(expectedDir)).toBe(true)
    expect([...files.keys()].sort()).toEqual(listed(expectedDir).sort())
  })

  it.each([...files.keys()].sort())("%s is as expected", (path) => {
    expect(files.get(path)).toBe(readFileSync(join(expectedDir, path), "utf8"))
  })
})
