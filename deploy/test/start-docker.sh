#!/usr/bin/env bash
# Makes a Docker engine available for deploy/test: installs Debian's docker.io, docker-compose and
# debootstrap when missing, and starts dockerd in the background when no engine answers, then waits
# for its socket. With --arm64 also qemu-user-static, and binfmt_misc mounted so that arm64 programs run.
set -euo pipefail
want=(docker.io docker-compose debootstrap)
[ "${1:-}" = --arm64 ] && want+=(qemu-user-static binfmt-support)
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "start-docker: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
if ! docker info >/dev/null 2>&1; then
  echo "start-docker: starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -20 /var/log/dockerd.log >&2; exit 1; }
fi
if [ "${1:-}" = --arm64 ]; then
  [ -e /proc/sys/fs/binfmt_misc/status ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64
fi
echo "start-docker: engine $(docker version -f '{{.Server.Version}}'), $(docker-compose version --short)"
