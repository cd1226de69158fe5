#!/usr/bin/env bash
# The arm64 image under emulation (qemu-user-static with binfmt): builds the arm64 local base and the
# image for linux/arm64 on it, runs it, waits for `healthy`, and carries /healthz and a chat round trip
# (the SDK, from this machine) through a port published on 127.0.0.1. Removes what it made but the base.
# Slow: everything in the image, the compiler included, runs emulated (times: docs/deploy.md).
# Needs root and a build of this checkout (the SDK).   bash deploy/test/arm64.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/test/start-docker.sh --arm64
base=warbler-base:node24-bookworm-slim-arm64
id="warbler-arm64-$$"
image="warbler-test:$id"
cleanup() {
  docker rm -f -v "$id" >/dev/null 2>&1 || true
  docker image rm -f "$image" >/dev/null 2>&1 || true
  docker image prune -f --filter label=org.warbler.stage=build >/dev/null 2>&1 || true
}
trap cleanup EXIT
start=$SECONDS
# npm in the base trusts this machine's certificates: its egress to the registry may intercept TLS.
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
bash deploy/base/build-base.sh --arch arm64 --tag "$base" $([ -f "$ca" ] && echo --ca-file "$ca")
based=$SECONDS
DOCKER_BUILDKIT=0 docker build -q --platform linux/arm64 -f deploy/Dockerfile --build-arg BASE_IMAGE="$base" -t "$image" . >/dev/null
built=$SECONDS
arch=$(docker image inspect -f '{{.Os}}/{{.Architecture}}' "$image")
[ "$arch" = linux/arm64 ] || { echo "arm64: the image is $arch" >&2; exit 1; }
echo "arm64: $image built in $((built - based)) s, $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}')"

docker run -d --name "$id" --platform linux/arm64 -p 127.0.0.1::8080 --stop-timeout 30 "$image" >/dev/null
for _ in $(seq 1 240); do
  health=$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$id")
  case "$health" in "running healthy") break ;; exited*|*unhealthy) break ;; esac
  sleep 1
done
[ "$health" = "running healthy" ] || { docker logs --tail 30 "$id" >&2; echo "arm64: $health" >&2; exit 1; }
[ "$(docker exec "$id" uname -m)" = aarch64 ] || { echo "arm64: the container is not aarch64" >&2; exit 1; }
port=$(docker port "$id" 8080/tcp | sed -n 's/^127\.0\.0\.1:\([0-9]*\)$/\1/p' | head -1)
curl -fsS "http://127.0.0.1:$port/healthz" && echo
invite=$(docker exec "$id" warbler invite create --uses 2 | head -1 | node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>console.log(JSON.parse(s).code))')
node deploy/test/chat-once.mjs "ws://127.0.0.1:$port/ws" "$invite"
docker stop "$id" >/dev/null
[ "$(docker inspect -f '{{.State.ExitCode}}' "$id")" = 0 ] || { echo "arm64: the graceful stop did not exit 0" >&2; exit 1; }
echo "arm64: healthy, /healthz and a chat round trip under emulation, stopped with 0; base $((based - start)) s, image $((built - based)) s, run $((SECONDS - built)) s"
