import { statSync } from "node:fs"
import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import type { TestSpecification } from "vitest/node"
import { BaseSequencer } from "vitest/node"
import base from "./vitest.config.js"

/**
 * Unit tests first. Stryker runs the tests covering a mutant in one vitest run and stops at the first failure, so the
 * order decides what a killed mutant costs. vitest's own order (files that failed last time first, then the slowest)
 * puts the socket and soak suites first for almost every mutant, since they killed the previous one. Here: the
 * in-process tests of packages/core/test, then the rest, each group smallest file first. Same tests, same outcome.
 */
class UnitTestsFirst extends BaseSequencer {
  override async sort(files: Array<TestSpecification>): Promise<Array<TestSpecification>> {
    const group = (file: TestSpecification) => file.moduleId.includes("/packages/core/test/") ? 0 : 1
    const size = (file: TestSpecification) => statSync(file.moduleId).size
    return [...files].sort((a, b) => group(a) - group(b) || size(a) - size(b))
  }
}

/**
 * The vitest config StrykerJS runs (`npm run mutation`, see stryker.config.mjs): the repo's vitest.config.ts (its
 * aliases resolve `@effect-openai/*` to the sources, which Stryker instruments in its sandbox) with changes that only
 * make sense under mutation testing:
 *
 * - docs-examples.test.ts runs the examples in child processes (tsx), which never see the active mutant: it can kill
 *   no mutant and costs ~10 s of every run that includes it.
 * - Soak.test.ts is a load test (1,000 requests at concurrency 64 against 1-2 s timeouts, heap and socket bounds):
 *   on a loaded 2-core machine it fails whatever the mutant, so its kills are noise (it "killed" an equivalent mutant
 *   of errorBody.ts), and it costs 6 s or more per mutant it covers, which is nearly all of them.
 * - A failing test is retried twice: a mutant counts as killed only when its test fails three times in a row, so a
 *   timing-sensitive socket test that fails once under load does not kill it. A test the mutant really breaks fails
 *   every time, so this costs only the retries of the killing test.
 * - Tests known to fail on main are skipped (scripts/stryker-known-failures.ts): Stryker refuses to start when a test
 *   fails in its initial run.
 * - The order above, and no results cache: each mutant run would otherwise rewrite node_modules/.vite/vitest (shared
 *   with the working tree through the sandbox's symlink) from two workers at once.
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        ...configDefaults.exclude,
        "packages/node/test/docs-examples.test.ts",
        "packages/node/test/Soak.test.ts"
      ],
      retry: 2,
      setupFiles: ["scripts/stryker-known-failures.ts"],
      cache: false,
      sequence: { sequencer: UnitTestsFirst }
    }
  })
)
