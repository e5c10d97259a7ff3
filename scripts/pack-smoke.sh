#!/usr/bin/env bash
# Packs @effect-openai/core, node, testing and redis as they would be published, installs the tarballs with npm into a
# fresh project outside the workspace, typechecks a TypeScript consumer against the shipped .d.ts, runs a chat
# completion against MockServer from plain Node ESM, and runs the core over FetchHttpClient on Node, Bun and Deno
# (scripts/runtime-smoke/; Bun and Deno installed from npm into the user cache on first use).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/effect-openai-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT

cd "$root"
npm run --silent clean
npm run --silent build
for pkg in core node testing redis; do
  # pnpm pack turns workspace: ranges into real versions; bootstrapped from npm like the README's commands
  (cd "packages/$pkg" && npx --yes pnpm@10.34.9 pack --pack-destination "$work" >/dev/null)
done
ls "$work"/*.tgz

for tarball in "$work"/*.tgz; do
  listing=$(tar -tzf "$tarball")
  for required in package/package.json package/README.md package/LICENSE package/dist/index.js package/dist/index.d.ts; do
    grep -qx "$required" <<<"$listing" || { echo "missing $required in $(basename "$tarball")"; exit 1; }
  done
  if grep -q '"workspace:' <(tar -xzOf "$tarball" package/package.json); then
    echo "workspace: protocol left in $(basename "$tarball")"; exit 1
  fi
done

mkdir "$work/consumer"
cd "$work/consumer"
npm init -y >/dev/null
npm pkg set type=module

# Exactly the install line of docs/getting-started.md (our packages replaced by their tarballs), so the documented line
# cannot drift from what works; then the testing kit and the TypeScript the docs name.
install_line=$(grep -m 1 '^npm install @effect-openai/core ' "$root/docs/getting-started.md")
[ -n "$install_line" ] || { echo "no install line in docs/getting-started.md"; exit 1; }
echo "documented: $install_line"
read -r -a documented <<<"${install_line#npm install }"
packages=()
for spec in "${documented[@]}"; do
  case "$spec" in
    @effect-openai/core) packages+=("$(ls "$work"/effect-openai-core-*.tgz)") ;;
    @effect-openai/node) packages+=("$(ls "$work"/effect-openai-node-*.tgz)") ;;
    @effect-openai/*) echo "unexpected package in the install line: $spec"; exit 1 ;;
    *) packages+=("$spec") ;;
  esac
done
npm install --no-audit --no-fund --loglevel=error "${packages[@]}" >/dev/null
npm install --no-audit --no-fund --loglevel=error -D "$work"/effect-openai-testing-*.tgz typescript@~5.9.3 \
  @types/node@^20.19.0 >/dev/null
# the Redis budget store, as docs/rate-limits.md installs it beside the core
npm install --no-audit --no-fund --loglevel=error "$work"/effect-openai-redis-*.tgz >/dev/null
copies=$(find . -path '*/node_modules/effect/package.json' | wc -l)
[ "$copies" = 1 ] || { echo "$copies copies of effect installed, expected one"; exit 1; }

cat > smoke.mjs <<'JS'
import { Chat, OpenAiClient } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { MockServer } from "@effect-openai/testing"
import { Effect, Redacted } from "effect"

const program = Effect.gen(function*() {
  const server = yield* MockServer.make()
  const { data, response } = yield* OpenAiClient.withResponse(
    Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "Say this is a test!" }] })
  ).pipe(Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url })))
  if (data.choices[0].message.content !== "This is a mock reply to: Say this is a test!") throw new Error("bad reply")
  if (!response.requestId) throw new Error("no request id")
  return `${data.choices[0].message.content} (${response.requestId})`
}).pipe(Effect.scoped)

console.log("packed packages work:", await Effect.runPromise(program))

// a budget kept in Redis: with no Redis listening the layer still builds and calls go on under the local budget
const { RateLimit } = await import("@effect-openai/core")
const { RedisBudgetStore } = await import("@effect-openai/redis")
const { Layer } = await import("effect")
const limited = Effect.gen(function*() {
  const server = yield* MockServer.make()
  const budget = RateLimit.layer({ countTokens: "characters" }).pipe(
    Layer.provide(RedisBudgetStore.layer({ url: "redis://127.0.0.1:1", connectTimeout: "200 millis" }))
  )
  const client = NodeOpenAi.layer({ apiKey: Redacted.make(server.apiKey), baseURL: server.url }).pipe(Layer.provide(budget))
  return yield* Chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
    .pipe(Effect.provide(client))
}).pipe(Effect.scoped)
console.log("packed redis store works:", (await Effect.runPromise(limited)).choices[0].message.content)
JS
node smoke.mjs

cat > consumer.ts <<'TS'
import { Chat, OpenAiClient, OpenAiError } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { OpenAiTest } from "@effect-openai/testing"
import { RateLimit } from "@effect-openai/core"
import { RedisBudgetStore } from "@effect-openai/redis"
import { Effect, Layer, Redacted } from "effect"

export const program: Effect.Effect<string, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> = Chat.completions
  .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
  .pipe(Effect.map((completion) => completion.choices[0]?.message.content ?? ""))

export const live = program.pipe(Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make("k") })))
export const test = program.pipe(Effect.provide(OpenAiTest.layer()))
export const shared = program.pipe(
  Effect.provide(
    NodeOpenAi.layer({ apiKey: Redacted.make("k") }).pipe(
      Layer.provide(RateLimit.layer({ countTokens: "characters" }).pipe(Layer.provide(RedisBudgetStore.layer())))
    )
  )
)
TS
# The tsconfig.json of docs/getting-started.md, verbatim, over consumer.ts and the getting-started example
awk '/^```json$/ { inside = 1; next } /^```$/ { if (inside) exit } inside' "$root/docs/getting-started.md" >tsconfig.json
node -e '
  const config = JSON.parse(require("fs").readFileSync("tsconfig.json", "utf8"))
  config.files = ["consumer.ts", "getting-started.ts"]
  require("fs").writeFileSync("tsconfig.json", JSON.stringify(config))
'
cp "$root/docs/examples/getting-started.ts" getting-started.ts
npx --no-install tsc -p tsconfig.json
echo "pack smoke test: OK (the documented install line and tsconfig; consumer.ts and the getting-started example typecheck against the shipped .d.ts)"

# Other runtimes: the core over @effect/platform's FetchHttpClient (the layer the README names for Bun and Deno), a
# chat completion and a stream against a MockServer served by Node. Bun and Deno come from npm, like Node 24 in CI.
runtimes="${XDG_CACHE_HOME:-$HOME/.cache}/effect-openai/runtimes"
bun="$runtimes/node_modules/@oven/bun-linux-x64/bin/bun"
deno="$runtimes/node_modules/@deno/linux-x64-glibc/deno"
if [ ! -x "$bun" ] || [ ! -x "$deno" ]; then
  mkdir -p "$runtimes"
  npm install --prefix "$runtimes" --no-audit --no-fund --loglevel=error @oven/bun-linux-x64@~1.4 \
    @deno/linux-x64-glibc@~2.9 >/dev/null
fi
cp "$root"/scripts/runtime-smoke/*.mjs .
node server.mjs >server.out &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [ -s server.out ] && break; sleep 0.1; done
MOCK_SERVER=$(head -n 1 server.out)
export MOCK_SERVER
node fetch.mjs
"$bun" fetch.mjs
"$deno" run --allow-env=MOCK_SERVER --allow-net=127.0.0.1 --allow-read=. fetch.mjs
kill "$server"
echo "runtime smoke: OK (Node, Bun and Deno over FetchHttpClient)"
