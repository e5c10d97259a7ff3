#!/usr/bin/env bash
# Packs @effect-openai/core, node and testing as they would be published, installs the tarballs with npm into a
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
for pkg in core node testing; do
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
npm install --no-audit --no-fund --loglevel=error "$work"/effect-openai-core-*.tgz "$work"/effect-openai-node-*.tgz \
  "$work"/effect-openai-testing-*.tgz effect@~3.22.4 @effect/platform@~0.97.2 @types/node@^20.19.0 >/dev/null

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
JS
node smoke.mjs

cat > consumer.ts <<'TS'
import { Chat, OpenAiClient, OpenAiError } from "@effect-openai/core"
import { NodeOpenAi } from "@effect-openai/node"
import { OpenAiTest } from "@effect-openai/testing"
import { Effect, Redacted } from "effect"

export const program: Effect.Effect<string, OpenAiError.OpenAiError, OpenAiClient.OpenAiClient> = Chat.completions
  .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] })
  .pipe(Effect.map((completion) => completion.choices[0]?.message.content ?? ""))

export const live = program.pipe(Effect.provide(NodeOpenAi.layer({ apiKey: Redacted.make("k") })))
export const test = program.pipe(Effect.provide(OpenAiTest.layer()))
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022",
  "noEmit": true, "skipLibCheck": false, "types": ["node"] }, "files": ["consumer.ts"] }
JSON
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "pack smoke test: OK (typechecked consumer.ts against the shipped .d.ts)"

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
