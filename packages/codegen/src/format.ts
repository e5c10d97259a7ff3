/**
 * Indentation of generated code: each line is indented by the brackets open before it, so the emitters can write
 * nested code without tracking indentation. Strings, template literals and comments do not count.
 */
const opens = new Set(["(", "[", "{"])
const closes = new Set([")", "]", "}"])

/** The bracket balance of a line (opens minus closes), and how many closers it starts with. */
const balance = (line: string, inComment: boolean): { delta: number; leading: number; inComment: boolean } => {
  let delta = 0
  let leading = 0
  let quote: string | undefined
  let sawOther = false
  let comment = inComment
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!
    if (comment) {
      if (char === "*" && line[i + 1] === "/") {
        comment = false
        i++
      }
      continue
    }
    if (quote !== undefined) {
      if (char === "\\") i++
      else if (char === quote) quote = undefined
      continue
    }
    if (char === "/" && line[i + 1] === "/") break
    if (char === "/" && line[i + 1] === "*") {
      comment = true
      i++
      continue
    }
    if (char === "\"" || char === "'" || char === "`") {
      quote = char
      sawOther = true
      continue
    }
    if (opens.has(char)) delta++
    else if (closes.has(char)) {
      delta--
      if (!sawOther) leading++
      continue
    }
    if (char !== " ") sawOther = true
  }
  return { delta, leading, inComment: comment }
}

/**
 * Re-indents code: one level per line that leaves brackets open (however many it opens), so `({` indents once.
 * Blank runs collapse to one blank line.
 */
export const indent = (code: string): string => {
  const out: Array<string> = []
  // brackets still open, grouped by the line that opened them
  const levels: Array<number> = []
  let inComment = false
  /** Closes `count` brackets; returns whether a level was left partly closed (it no longer indents its line). */
  const close = (count: number): boolean => {
    let left = count
    let partly = false
    while (left > 0 && levels.length > 0) {
      const top = levels.length - 1
      const taken = Math.min(left, levels[top]!)
      levels[top]! -= taken
      left -= taken
      if (levels[top] === 0) levels.pop()
      else partly = true
    }
    return partly
  }
  for (const raw of code.split("\n")) {
    const line = raw.trim()
    if (line === "") {
      if (out.length > 0 && out[out.length - 1] !== "") out.push("")
      continue
    }
    const wasComment = inComment
    const { delta, inComment: after, leading } = balance(line, inComment)
    inComment = after
    if (wasComment) {
      out.push("  ".repeat(levels.length) + (line.startsWith("*") ? " " : "") + line)
      continue
    }
    const partly = close(leading)
    out.push("  ".repeat(levels.length - (partly ? 1 : 0)) + line)
    // the rest of the line's brackets: closes after the leading ones, then opens
    const rest = delta + leading
    if (rest > 0) levels.push(rest)
    else close(-rest)
  }
  while (out[out.length - 1] === "") out.pop()
  return out.join("\n") + "\n"
}

/** A JSDoc block from lines of text (each may hold several lines); empty when there is no text. */
export const docBlock = (lines: ReadonlyArray<string>): string => {
  const text = lines.flatMap((line) => line.replace(/\*\//g, "*\\/").split("\n")).map((line) => line.trimEnd())
  while (text.length > 0 && text[text.length - 1] === "") text.pop()
  while (text.length > 0 && text[0] === "") text.shift()
  if (text.length === 0) return ""
  return `/**\n${text.map((line) => ` *${line === "" ? "" : ` ${line}`}`).join("\n")}\n */\n`
}
