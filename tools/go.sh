#!/usr/bin/env bash
# Runs a Go toolchain new enough for evalclip (go.mod's go line), so that
# `make` works on a machine whose Go is missing or old. It uses, in order:
# $GO_BIN, `go` on PATH, /usr/local/go/bin/go, a toolchain cached in
# .cache/go; failing those it fetches the official toolchain module from the
# Go module proxy (the archive `GOTOOLCHAIN=goX.Y.Z` downloads) and checks
# the archive against a pinned SHA-256.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
want=$(awk '$1 == "go" { print $2; exit }' "$root/go.mod")   # e.g. 1.26 or 1.26.0
fetch=1.26.8                                                   # toolchain fetched when none fits

newer_or_equal() { # $1 >= $2, dotted numeric
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
}
usable() {
  local v
  v=$("$1" env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  newer_or_equal "$v" "$want"
}

for cand in "${GO_BIN:-}" "$(command -v go || true)" /usr/local/go/bin/go "$root/.cache/go/bin/go"; do
  if [ -n "$cand" ] && [ -x "$cand" ] && usable "$cand"; then
    exec "$cand" "$@"
  fi
done

case "$(uname -m)" in
  x86_64|amd64) arch=amd64; sha=30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7 ;;
  aarch64|arm64) arch=arm64; sha=02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99 ;;
  *) echo "go.sh: install Go $want or newer for $(uname -m)" >&2; exit 1 ;;
esac
proxy=${GOPROXY:-https://proxy.golang.org}
proxy=${proxy%%,*}
[ "$proxy" = direct ] || [ "$proxy" = off ] && proxy=https://proxy.golang.org
mod="golang.org/toolchain/@v/v0.0.1-go$fetch.linux-$arch"
for tool in curl unzip; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl unzip ca-certificates >/dev/null
    else
      echo "go.sh: need $tool to fetch Go $fetch (or install Go $want+ yourself)" >&2; exit 1
    fi
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "go.sh: fetching Go $fetch from $proxy" >&2
curl -fsSL "$proxy/$mod.zip" -o "$tmp/go.zip"
if ! echo "$sha  $tmp/go.zip" | sha256sum --quiet -c -; then
  echo "go.sh: checksum mismatch for $mod.zip (expected $sha)" >&2; exit 1
fi
unzip -q "$tmp/go.zip" -d "$tmp/x"
src=$(echo "$tmp"/x/golang.org/toolchain@*)
mkdir -p "$root/.cache"
rm -rf "$root/.cache/go.new"
mv "$src" "$root/.cache/go.new"
rm -rf "$root/.cache/go"
mv "$root/.cache/go.new" "$root/.cache/go"
exec "$root/.cache/go/bin/go" "$@"
