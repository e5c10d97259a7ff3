/**
 * `npm run codegen`: regenerates `packages/core/src/generated/` and `docs/api.md` from `spec/openai.openapi.yaml`
 * and `src/overrides.ts`. `npm run codegen -- --check` writes nothing and fails when a generated file is stale.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { generate } from "./generate.js"
import { load } from "./spec.js"

const root = join(dirname(fileURLToPath(import.meta.url)), "../../..")
const outDir = join(root, "packages/core/src/generated")

const listed = (dir: string, prefix = ""): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? listed(join(dir, entry.name), `${prefix}${entry.name}/`)
        : [`${prefix}${entry.name}`]
    )
    : []

const main = () => {
  const check = process.argv.includes("--check")
  const spec = load(join(root, "packages/codegen/spec/openai.openapi.yaml"))
  const output = generate(spec)
  const files = new Map(output.files.map((file) => [file.path, file.text]))
  const docsPath = join(root, "docs/api.md")
  if (check) {
    const stale = [...files].filter(([path, text]) => {
      const file = join(outDir, path)
      return !existsSync(file) || readFileSync(file, "utf8") !== text
    }).map(([path]) => path)
    const extra = listed(outDir).filter((path) => !files.has(path))
    const docsStale = !existsSync(docsPath) || readFileSync(docsPath, "utf8") !== output.apiDoc
    if (stale.length + extra.length > 0 || docsStale) {
      console.error(
        `generated files are stale (run \`npm run codegen\`): ${
          [...stale, ...extra.map((path) => `${path} (not generated)`), ...(docsStale ? ["docs/api.md"] : [])]
            .join(", ")
        }`
      )
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
