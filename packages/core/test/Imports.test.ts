import { describe, expect, it } from "@effect/vitest"
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const src = `${root}packages/core/src`
const recorder = fileURLToPath(new URL("fixtures/record-loads.mjs", import.meta.url))

/** The core source modules a fresh process loads to import `module` (a path below packages/core/src). */
const loadedBy = (module: string): Array<string> => {
  const dir = mkdtempSync(join(tmpdir(), "imports-"))
  const log = join(dir, "loaded.txt")
  try {
    execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        recorder,
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(`${src}/${module}`)})`
      ],
      { cwd: root, env: { ...process.env, LOADED_LOG: log, TSX_TSCONFIG_PATH: "tsconfig.json" }, stdio: "pipe" }
    )
    return readFileSync(log, "utf8").split("\n")
      .filter((url) => url.includes("/packages/core/src/"))
      .map((url) => url.slice(url.indexOf("/packages/core/src/") + "/packages/core/src/".length).replace(/\?.*$/, ""))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe("resources cost nothing until used", () => {
  it("importing one resource by subpath loads none of the others", () => {
    const chat = loadedBy("Chat.ts")
    expect(chat).toContain("Chat.ts")
    expect(chat).toContain("OpenAiClient.ts")
    for (const other of ["Models.ts", "Embeddings.ts", "Page.ts"]) expect(chat).not.toContain(other)
    const models = loadedBy("Models.ts")
    expect(models).toContain("Models.ts")
    for (const other of ["Chat.ts", "Embeddings.ts", "Page.ts"]) expect(models).not.toContain(other)
  }, 60_000)
})
