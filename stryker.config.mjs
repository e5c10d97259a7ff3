// StrykerJS mutation testing of the pipeline's rule modules: `npm run mutation` (not in CI or `npm test`; tens of
// minutes). A subset: `npm run mutation -- --mutate packages/core/src/ResponseMeta.ts` (the CLI's --mutate replaces
// the list below). Reports: .cache/mutation/ (git-ignored, and ignored by eslint and vitest).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  // What is mutated: the pipeline, i.e. every module under packages/core/src/internal/ (one rule each), plus the public
  // modules that hold rules (retry decisions, metadata parsing, SSE decoding, event steps, pagination). A new module
  // under internal/ is mutated without touching this file; the two that hold no logic are excluded by name.
  mutate: [
    "packages/core/src/internal/*.ts",
    "!packages/core/src/internal/pipeline.ts",
    "!packages/core/src/internal/version.ts",
    "packages/core/src/Operation.ts",
    "packages/core/src/Page.ts",
    "packages/core/src/RetryPolicy.ts",
    "packages/core/src/ResponseMeta.ts",
    "packages/core/src/Sse.ts"
  ],

  testRunner: "vitest",
  // Named, not found: Stryker's default "@stryker-mutator/*" scans the folder next to @stryker-mutator/core, which under
  // pnpm is core's own node_modules/.pnpm/... folder, where the vitest runner is not.
  plugins: ["@stryker-mutator/vitest-runner", "@stryker-mutator/typescript-checker"],
  // The repo's vitest.config.ts (aliases to the sources), less the tests that cannot kill a mutant or fail on main.
  // `related` (the default) runs only the test files that import the mutated modules.
  vitest: { configFile: "vitest.stryker.config.ts", related: true },
  // Each mutant runs only the tests that covered it in the initial run (static mutants, executed when a module is
  // loaded, still run every related test).
  coverageAnalysis: "perTest",
  // tsc (tsconfig.json: sources and tests, strict, exactOptionalPropertyTypes) checks each mutant before any test runs
  // it; one that does not compile is a CompileError, left out of the score and never run. About half the mutants of
  // these modules do not compile (ResponseMeta.ts + errorBody.ts: 55 of 115; RetryPolicy.ts: 37 of 108), and 10 of
  // those were survivors without the checker (`typeof x === ""`, a narrowing `if` removed, a `case` that falls through),
  // which no one could write. It costs no time (461 s against 489 s back to back): the checker takes one of the two
  // workers while it checks, and saves the test runs of the mutants it rejects.
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },

  // 2 cores: one vitest worker each. Most tests wait on sockets and timers, so 2 workers keep both cores busy; pass
  // `--concurrency 1` when the machine is needed for something else.
  concurrency: 2,
  // A mutant's time limit is (its tests' time in the initial run) * timeoutFactor + timeoutMS. Generous, so that a
  // loaded machine does not turn slow-but-correct runs into "Timeout" (which counts as killed and inflates the score).
  timeoutFactor: 3,
  timeoutMS: 15_000,
  dryRunTimeoutMinutes: 15,

  // A copy of the repo in a sandbox (not inPlace: the working tree is never touched); every node_modules folder
  // (pnpm's root and packages/*/node_modules, symlinks inside) is symlinked into it, not copied.
  inPlace: false,
  symlinkNodeModules: true,
  // Removed after a successful run; git-ignored and eslint-ignored (vitest and tsc only look under packages/ and docs/).
  tempDirName: ".stryker-tmp",
  // Nothing the tests need: build output, caches and reports, the benchmarks, the scratchpad.
  ignorePatterns: ["dist", "/.cache", "/coverage", "/scratchpad", "/packages/bench", "*.tgz"],

  reporters: ["clear-text", "progress", "html", "json"],
  // The console: the survivors and the score table (the per-test list is in the HTML report).
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: true, reportScoreTable: true },
  htmlReporter: { fileName: ".cache/mutation/mutation.html" },
  jsonReporter: { fileName: ".cache/mutation/mutation.json" },
  incrementalFile: ".cache/mutation/stryker-incremental.json",
  thresholds: { high: 80, low: 60, break: null }
}
