/**
 * The generated files on disk against what the generator makes: shared by `npm run codegen -- --check` and the
 * staleness test, so both judge the same way.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Output } from "./generate.js"

/** Every file under `dir`, as paths relative to it (`shared/X.ts`); none when it does not exist. */
export const listed = (dir: string, prefix = ""): Array<string> =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? listed(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`]
    )
    : []

const differs = (file: string, text: string): boolean => !existsSync(file) || readFileSync(file, "utf8") !== text

/**
 * What is out of date: generated files that differ from the output or are missing, files in `outDir` the generator
 * does not make, and `docs/api.md` (named by `docsName`) when it differs.
 */
export const stalePaths = (output: Output, outDir: string, docsPath: string, docsName: string): Array<string> => {
  const made = new Set(output.files.map((file) => file.path))
  return [
    ...output.files.filter((file) => differs(join(outDir, file.path), file.text)).map((file) => file.path),
    ...listed(outDir).filter((path) => !made.has(path)).map((path) => `${path} (not generated)`),
    ...(differs(docsPath, output.apiDoc) ? [docsName] : [])
  ]
}
