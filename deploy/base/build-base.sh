#!/usr/bin/env bash
# Builds a local stand-in for the official `node:24-bookworm-slim` image, for machines that reach no
# container registry (this project's CI): a Debian bookworm root made by debootstrap (minbase), with
# Node's official binary and headers from the npm registry's `node-linux-<arch>` package and npm from
# the `npm` package, laid out as the official image lays them out (/usr/local/bin/node, npm, npx;
# /usr/local/include/node), with docs, man pages, locales and apt's lists removed as in a slim image.
# It is imported as TAG and stays in the engine's cache: a second run with the same TAG does nothing.
# --ca-file FILE: npm in the image trusts the certificates in FILE (npm's global `cafile`), for a machine
# whose egress to the registry passes a TLS-intercepting proxy (this project's CI: the tests pass the
# machine's own CA bundle). Such a base, and every image built on it, is for that machine only.
#
# Usage: deploy/base/build-base.sh [--arch amd64|arm64] [--node MAJOR] [--tag TAG] [--ca-file FILE]
#   defaults: --arch amd64 --node 24 --tag warbler-base:node<MAJOR>-bookworm-slim-<arch>
# Needs root, debootstrap, docker (a running engine), npm; for --arch arm64 on an amd64 host,
# qemu-user-static with binfmt (debootstrap runs the arm64 root's second stage under emulation).
# DEBIAN_MIRROR overrides the mirror (default http://deb.debian.org/debian).
set -euo pipefail
arch=amd64 major=24 tag= cafile=
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="$2"; shift 2 ;;
    --node) major="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --ca-file) cafile="$2"; shift 2 ;;
    *) echo "usage: $0 [--arch amd64|arm64] [--node MAJOR] [--tag TAG] [--ca-file FILE]" >&2; exit 2 ;;
  esac
done
case "$arch" in amd64) npmarch=x64 ;; arm64) npmarch=arm64 ;; *) echo "build-base: --arch is amd64 or arm64" >&2; exit 2 ;; esac
tag="${tag:-warbler-base:node$major-bookworm-slim-$arch}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "build-base: $tag is already built"
  exit 0
fi

work=$(mktemp -d /tmp/warbler-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"
start=$SECONDS

echo "build-base: debootstrap bookworm ($arch) into $root"
debootstrap --variant=minbase --arch="$arch" bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
  tail -20 "$work/debootstrap.log" >&2
  exit 1
}
cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
# As a slim image: no docs, man pages, locales, apt caches or lists (and none installed later).
cat >"$root/etc/dpkg/dpkg.cfg.d/slim" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
find "$root/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
rm -rf "$root"/usr/share/{man,info}/* "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/*
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

echo "build-base: node $major and npm from the npm registry"
(cd "$work" && npm pack --silent "node-linux-$npmarch@$major" >/dev/null && mkdir node && tar xzf node-linux-*.tgz -C node)
(cd "$work" && npm pack --silent "npm@11" >/dev/null && mkdir npm && tar xzf npm-*.tgz -C npm)
install -m 755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/include" "$root/usr/local/lib/node_modules"
cp -a "$work/node/package/include/node" "$root/usr/local/include/node"
cp -a "$work/npm/package" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
if [ -n "$cafile" ]; then
  mkdir -p "$root/usr/local/etc"
  install -m 644 "$cafile" "$root/usr/local/etc/npm-ca.pem"
  echo 'cafile=/usr/local/etc/npm-ca.pem' >"$root/usr/local/etc/npmrc"
fi
version=$(node -p "require('$work/node/package/package.json').version")

echo "build-base: importing as $tag"
tar -C "$root" -c . | docker import \
  --platform "linux/$arch" \
  --change "ENV NODE_VERSION=$version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
echo "build-base: $tag (node $version, $(docker image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}')) in $((SECONDS - start)) s"
