import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src`, import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against the sources, not dist/, so no build is needed first.
    alias: ["core", "node", "redis", "testing"].flatMap((pkg) => [
      { find: new RegExp(`^@effect-openai/${pkg}$`), replacement: `${src(pkg)}/index.ts` },
      { find: new RegExp(`^@effect-openai/${pkg}/(.*)$`), replacement: `${src(pkg)}/$1.ts` }
    ])
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "docs/examples/**/*.test.ts"],
    testTimeout: 30_000
  }
})
