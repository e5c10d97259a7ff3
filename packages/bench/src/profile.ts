/**
 * A CPU profile of one client under load, for finding hot paths:
 *
 *   TSX_TSCONFIG_PATH=tsconfig.json node --cpu-prof --cpu-prof-dir=.cache/prof --import tsx \
 *     packages/bench/src/profile.ts [effect-openai|official|floor] [chat|stream] [count]
 *
 * To compare two commits, run it from a checkout of each, alternately, with `BENCH_SERVER_ROOT` naming one of the
 * checkouts, so both clients meet the same server code.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import * as Clients from "./clients.js"
import { runConcurrent } from "./stats.js"

const [which = "effect-openai", mode = "chat", countText = "20000"] = process.argv.slice(2)
const count = Number(countText)
const root = fileURLToPath(new URL("../../..", import.meta.url))

const serverRoot = process.env.BENCH_SERVER_ROOT ?? root
const child = spawn(`${serverRoot}/node_modules/.bin/tsx`, [
  "--tsconfig",
  "tsconfig.json",
  "packages/bench/src/server.ts"
], {
  cwd: serverRoot,
  stdio: ["pipe", "pipe", "inherit"]
})
const url = await new Promise<string>((resolve) => {
  let out = ""
  child.stdout!.on("data", (data: Buffer) => {
    out += data.toString()
    const match = /READY (\S+)/.exec(out)
    if (match) resolve(match[1]!)
  })
})
const make = which === "official" ? Clients.official : which === "floor" ? Clients.undiciRequest : Clients.ours
const client = await make(url)
const start = performance.now()
const cpu = process.cpuUsage()
if (mode === "stream") {
  for (let i = 0; i < count; i++) await client.stream!(JSON.stringify({ stream: { chunks: 2000 } }))
} else {
  await runConcurrent(client.chat, count, 64)
}
const used = process.cpuUsage(cpu)
const ms = performance.now() - start
const units = mode === "stream" ? count * 2000 : count
console.log(
  `${client.name} ${mode}: ${(units / (ms / 1000)).toFixed(0)}/s, ${
    ((used.user + used.system) / units).toFixed(1)
  } µs CPU each`
)
await client.close()
child.stdin!.end()
child.kill("SIGTERM")
