#!/usr/bin/env bash
# The Docker tests (deploy/test/docker.test.mjs) on a real engine, started here when none runs:
# the local base image, the amd64 image, a chat, a bench run, a stop under load, Compose's single profile.
# Needs root and a build of this checkout (npm install or npm run build: the SDK and the bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/test/start-docker.sh
start=$SECONDS
node --test --test-concurrency=1 deploy/test/docker.test.mjs
echo "deploy/test/run.sh: $((SECONDS - start)) s"
