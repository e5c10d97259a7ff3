import { beforeEach } from "vitest"

/**
 * Tests that fail on main, skipped under StrykerJS only (vitest.stryker.config.ts): Stryker stops before testing any
 * mutant when a test fails in its initial run. Each entry is `file > describe > ... > test`; remove it when the test
 * passes again (a stale entry only costs that test's kills).
 */
const knownFailures: ReadonlySet<string> = new Set<string>([])

interface Named {
  readonly name: string
  readonly suite?: Named | undefined
}

const path = (task: Named): Array<string> => task.suite === undefined ? [task.name] : [...path(task.suite), task.name]

beforeEach((context) => {
  const name = [context.task.file.name, ...path(context.task)].join(" > ")
  if (knownFailures.has(name)) context.skip()
})
