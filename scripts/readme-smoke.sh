#!/usr/bin/env bash
# Runs the README quick start's first command (`npm install && npm start`) in this checkout and checks
# that the server answers on http://localhost:8080, then stops it with SIGTERM and expects a clean exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
  echo "readme-smoke: port 8080 is already in use; cannot check the quick start" >&2
  exit 1
fi

log=$(mktemp)
data_existed=0; [ -e data ] && data_existed=1
setsid bash -c 'npm install --no-audit --no-fund && exec npm start' >"$log" 2>&1 &
pid=$!
cleanup() { kill -TERM -- -"$pid" 2>/dev/null || true; }
trap cleanup EXIT

ok=0
for _ in $(seq 1 240); do
  if curl -fsS http://localhost:8080/healthz >/dev/null 2>&1; then ok=1; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ $ok -ne 1 ]; then
  echo "readme-smoke: the server did not answer on http://localhost:8080/healthz" >&2
  cat "$log" >&2
  exit 1
fi
[ -f data/warbler.db ] || { echo "readme-smoke: no data/warbler.db after start" >&2; exit 1; }
echo "readme-smoke: npm start serves http://localhost:8080 with its data in ./data"
# The install built the web app, and the server serves it at /.
curl -fsS http://localhost:8080/ | grep -q '<div id="app">' || { echo "readme-smoke: / does not serve the web app" >&2; exit 1; }
echo "readme-smoke: http://localhost:8080/ serves the web app"

# A fresh install's first start logs an invite code; with it, two people chat as the README shows.
if [ $data_existed -eq 0 ]; then
  code=$(grep -o '"msg":"first start: an invite code for the first accounts","code":"wbi_[A-Za-z0-9_-]*"' "$log" | grep -o 'wbi_[A-Za-z0-9_-]*' || true)
  [ -n "$code" ] || { echo "readme-smoke: the first start logged no invite code" >&2; cat "$log" >&2; exit 1; }
  node scripts/readme-chat.mjs ws://localhost:8080/ws "$code"
fi

# Signal the server process itself (as a supervisor would); npm passes its exit code through.
pkill -TERM -s "$pid" -f '^node [^ ]*dist/src/cli.js serve'
code=0
wait "$pid" || code=$?
trap - EXIT
if [ $code -ne 0 ]; then
  echo "readme-smoke: npm start exited with $code after SIGTERM" >&2
  cat "$log" >&2
  exit 1
fi
grep -q '"msg":"stopped"' "$log" || { echo "readme-smoke: no graceful stop logged" >&2; cat "$log" >&2; exit 1; }
[ $data_existed -eq 1 ] || rm -rf data
echo "readme-smoke: stopped cleanly on SIGTERM"
