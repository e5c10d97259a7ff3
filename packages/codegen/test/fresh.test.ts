/**
 * The generated code is what the generator makes of the copied spec today: a change of the spec, the overrides or
 * the emitter without `npm run codegen` fails here (and so in CI), as does a hand edit of a generated file.
 */
import { existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { stalePaths } from "../src/files.js"
import { generate } from "../src/generate.js"
import { load } from "../src/spec.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const outDir = join(root, "packages/core/src/generated")

describe("generated code", () => {
  const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
  const output = generate(spec)

  it("is the copied spec's, byte for byte (run `npm run codegen` after changing the spec or the generator)", () => {
    expect(existsSync(outDir)).toBe(true)
    expect(stalePaths(output, outDir, join(root, "docs/api.md"), "docs/api.md")).toEqual([])
  })

  it("names the spec's hash in every file", () => {
    for (const file of output.files) expect(file.text).toContain(`sha256 ${spec.sha256}`)
  })
})
