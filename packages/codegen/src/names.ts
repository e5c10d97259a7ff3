/** Names as the emitted code spells them. */

/** `vector_stores` → `vectorStores`, `file-batches` → `fileBatches`. */
export const camel = (name: string): string =>
  name.replace(/[-_]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase())

/** `files` → `Files`. */
export const pascal = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1)
