/**
 * The generated code is what the generator makes of the copied spec today: a change of the spec, the overrides or
 * the emitter without `npm run codegen` fails here (and so in CI), as does a hand edit of a generated file.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { generate } from "../src/generate.js"
import { load } from "../src/spec.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const outDir = join(root, "packages/core/src/generated")

const listed = (dir: string, prefix = ""): Array<string> =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listed(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]
  )

describe("generated code", () => {
  const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
  const output = generate(spec)

  it("is the copied spec's, byte for byte (run `npm run codegen` after changing the spec or the generator)", () => {
    expect(existsSync(outDir)).toBe(true)
    const stale = output.files.filter((file) => readFileSync(join(outDir, file.path), "utf8") !== file.text)
    expect(stale.map((file) => file.path)).toEqual([])
    expect(listed(outDir).sort()).toEqual(output.files.map((file) => file.path).sort())
    expect(readFileSync(join(root, "docs/api.md"), "utf8")).toBe(output.apiDoc)
  })

  it("names the spec's hash in every file", () => {
    for (const file of output.files) expect(file.text).toContain(`sha256 ${spec.sha256}`)
  })
})
