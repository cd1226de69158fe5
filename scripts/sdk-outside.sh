#!/usr/bin/env bash
# The SDK as someone outside the repository gets it: `npm pack` of @warbler/protocol and @warbler/sdk,
# installed with `ws` and TypeScript in a new folder outside the repo; the README's TypeScript quick start
# type-checks under --strict with `ws` and with the DOM's WebSocket, then runs against a fresh server
# (its own data folder, a free port): two people register with the invite code and one message arrives.
# Needs a built checkout (npm install builds it).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d /tmp/warbler-sdk-outside.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "sdk-outside: $*"; }

# The versions the repository itself uses.
ver() { node -p "require('$repo/node_modules/$1/package.json').version"; }

cd "$repo"
npm pack --silent -w packages/protocol -w packages/sdk --pack-destination "$work" >/dev/null
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "outside", "private": true, "type": "module" }' >package.json
npm install --no-audit --no-fund --silent ../warbler-protocol-*.tgz ../warbler-sdk-*.tgz \
  "ws@$(ver ws)" "@types/ws@$(ver @types/ws)" "@types/node@$(ver @types/node)" "typescript@$(ver typescript)"
[ ! -L node_modules/@warbler/sdk ] || { echo "sdk-outside: the SDK is a link, not installed from its tarball" >&2; exit 1; }
say "installed $(ls ../*.tgz | xargs -n1 basename | tr '\n' ' ')in $work/app"

# The README's first TypeScript block, as written.
awk '/^ *```ts$/ {on=1; next} on && /^ *```$/ {exit} on {sub(/^  /, ""); print}' "$repo/README.md" >quickstart.ts
grep -q "WarblerClient" quickstart.ts || { echo "sdk-outside: no TypeScript quick start in README.md" >&2; exit 1; }
# In a browser the `ws` import is left out and the DOM's WebSocket is used.
mkdir browser && grep -v "from 'ws'" quickstart.ts >browser/quickstart.ts
common='"strict": true, "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "skipLibCheck": false'
echo "{ \"compilerOptions\": { $common, \"lib\": [\"ES2022\"], \"types\": [\"node\"], \"outDir\": \"out\" }, \"files\": [\"quickstart.ts\"] }" >tsconfig.json
echo "{ \"compilerOptions\": { $common, \"lib\": [\"ES2022\", \"DOM\"], \"types\": [], \"noEmit\": true }, \"files\": [\"quickstart.ts\"] }" >browser/tsconfig.json
npx tsc -p tsconfig.json
say "quick start type-checks under --strict with ws"
npx tsc -p browser/tsconfig.json
say "quick start type-checks under --strict with the DOM's WebSocket"

# A fresh server: its own data folder, a free port, open to the invite code its first start logs.
mkdir data
WARBLER_ADMIN_PORT=0 node "$repo/packages/server/bin/warbler.js" serve --host 127.0.0.1 --port 0 --data-dir "$work/app/data" >server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do grep -q '"msg":"first start: an invite code' server.log && break; sleep 0.2; done
port=$(grep -o '"msg":"listening","port":[0-9]*' server.log | grep -o '[0-9]*$' || true)
code=$(grep -o '"code":"wbi_[A-Za-z0-9_-]*"' server.log | grep -o 'wbi_[A-Za-z0-9_-]*' || true)
[ -n "$port" ] && [ -n "$code" ] || { echo "sdk-outside: the server did not start" >&2; cat server.log >&2; exit 1; }
sed -i -e "s#ws://localhost:8080/ws#ws://127.0.0.1:$port/ws#" -e "s#wbi_…#$code#" out/quickstart.js
out=$(timeout 20 node out/quickstart.js)
[ "$out" = 'bob got "hello" from user 1' ] || { echo "sdk-outside: the quick start printed: $out" >&2; cat server.log >&2; exit 1; }
say "the quick start ran against a fresh server: $out"
