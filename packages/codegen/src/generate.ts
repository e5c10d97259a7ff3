/**
 * The whole output for one spec, in memory: the generated modules and the API reference page. Pure, so the
 * golden tests and the staleness check run it without touching files.
 */
import { apiDoc } from "./apiDoc.js"
import type { File } from "./modules.js"
import { layout, sharedModule } from "./modules.js"
import { operations } from "./operations.js"
import { resourceModule } from "./resources.js"
import type { Spec } from "./spec.js"

export interface Output {
  readonly files: ReadonlyArray<File>
  readonly apiDoc: string
}

export const generate = (spec: Spec): Output => {
  const ops = operations(spec.document)
  const plan = layout(spec.document, ops)
  const modules = [...new Set([...plan.modules.keys(), ...plan.home.values()])].sort()
  const files = modules.map((module) =>
    module.startsWith("shared/")
      ? sharedModule(spec.document, spec.sha256, plan, module)
      : resourceModule(
        spec.document,
        spec.sha256,
        plan,
        module,
        describe(module, plan.modules.get(module)?.length ?? 0)
      )
  )
  return { files, apiDoc: apiDoc(spec, ops) }
}

const describe = (module: string, count: number): string =>
  count === 0
    ? `${module}: the schemas of its events.`
    : `${module}: ${count} operation${count === 1 ? "" : "s"} of the OpenAI API, with their schemas.`
