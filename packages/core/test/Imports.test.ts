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

/** The resource modules: the public ones over generated code, and the generated ones (not the shared schemas). */
const isResource = (file: string): boolean =>
  file.startsWith("generated/")
    ? !file.startsWith("generated/shared/")
    : !file.startsWith("internal/") && !infrastructure.has(file)

const infrastructure = new Set([
  "index.ts",
  "HttpTransport.ts",
  "Multipart.ts",
  "OpenAiClient.ts",
  "OpenAiError.ts",
  "Operation.ts",
  "Page.ts",
  "ResponseMeta.ts",
  "RetryPolicy.ts",
  "Sse.ts"
])

describe("resources cost nothing until used", () => {
  it("importing one resource by subpath loads none of the others", () => {
    const chat = loadedBy("Chat.ts")
    expect(chat).toContain("Chat.ts")
    expect(chat).toContain("OpenAiClient.ts")
    for (const other of ["Models.ts", "Embeddings.ts"]) expect(chat).not.toContain(other)
    const models = loadedBy("Models.ts")
    expect(models).toContain("Models.ts")
    for (const other of ["Chat.ts", "Embeddings.ts", "Page.ts"]) expect(models).not.toContain(other)
  }, 60_000)

  it.each([
    ["Chat", "Chat"],
    ["Responses", "Responses"],
    ["Files", "Files"],
    ["Admin", "Admin"]
  ])("importing %s loads its own modules and the schemas it shares, no other resource", (module, generated) => {
    const loaded = loadedBy(`${module}.ts`).filter((file) => file !== "")
    expect(loaded).toContain(`generated/${generated}.ts`)
    expect(loaded.filter(isResource).sort()).toEqual([`${module}.ts`, `generated/${generated}.ts`].sort())
    // a shared schema module is loaded only by the resources that use its schemas (its name lists them)
    for (const shared of loaded.filter((file) => file.startsWith("generated/shared/"))) {
      expect(shared.slice("generated/shared/".length, -".ts".length).split("_")).toContain(generated)
    }
  }, 60_000)
})
