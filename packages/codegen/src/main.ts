/**
 * `npm run codegen`: regenerates `packages/core/src/generated/` and `docs/api.md` from `spec/openai.openapi.yaml`
 * and `src/overrides.ts`. `npm run codegen -- --check` writes nothing and fails when a generated file is stale.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { stalePaths } from "./files.js"
import { generate } from "./generate.js"
import { load } from "./spec.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const outDir = join(root, "packages/core/src/generated")

const main = () => {
  const check = process.argv.includes("--check")
  const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
  const output = generate(spec)
  const files = new Map(output.files.map((file) => [file.path, file.text]))
  const docsPath = join(root, "docs/api.md")
  if (check) {
    const stale = stalePaths(output, outDir, docsPath, "docs/api.md")
    if (stale.length > 0) {
      console.error(`generated files are stale (run \`npm run codegen\`): ${stale.join(", ")}`)
      process.exit(1)
    }
    console.log(`${files.size} generated files and docs/api.md are up to date`)
    return
  }
  rmSync(outDir, { recursive: true, force: true })
  for (const [path, text] of files) {
    const file = join(outDir, path)
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, text)
  }
  writeFileSync(docsPath, output.apiDoc)
  console.log(`wrote ${files.size} files to packages/core/src/generated/ and docs/api.md`)
}

main()
