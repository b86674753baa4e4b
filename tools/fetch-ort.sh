#!/usr/bin/env bash
# Provides ONNX Runtime's shared library for evalclip without a download site:
# the library ships inside the npm package onnxruntime-node, which `npm pack`
# fetches from the npm registry. The file is checked against a pinned SHA-256
# and installed atomically.
#
#   tools/fetch-ort.sh [DEST_DIR]     (default .cache/onnxruntime/1.30.0)
set -euo pipefail

version=1.30.0
dest=${1:-.cache/onnxruntime/$version}

case "$(uname -m)" in
  x86_64|amd64)  arch=x64;   sha=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23 ;;
  aarch64|arm64) arch=arm64; sha=1f549d46250b005580b597f4164984aaf75b3bcb9f3aeb07c7f8a8fe60b23c76 ;;
  *) echo "fetch-ort: no onnxruntime-node build for $(uname -m); set EVALCLIP_ORT_LIB to a libonnxruntime.so (1.24+)" >&2; exit 1 ;;
esac
lib=$dest/libonnxruntime.so.1

if [ -f "$lib" ] && echo "$sha  $lib" | sha256sum --quiet -c - 2>/dev/null; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-ort: npm is needed to fetch onnxruntime-node (Debian: apt-get install npm)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-ort: npm pack onnxruntime-node@$version" >&2
(cd "$tmp" && npm pack --silent "onnxruntime-node@$version" >/dev/null)
member=package/bin/napi-v6/linux/$arch/libonnxruntime.so.1
tar -xzf "$tmp/onnxruntime-node-$version.tgz" -C "$tmp" "$member"
if ! echo "$sha  $tmp/$member" | sha256sum --quiet -c -; then
  echo "fetch-ort: checksum mismatch for $member of onnxruntime-node@$version (expected $sha)" >&2
  exit 1
fi
mkdir -p "$dest"
cp "$tmp/$member" "$lib.tmp.$$"
chmod 0644 "$lib.tmp.$$"
mv -f "$lib.tmp.$$" "$lib"
echo "fetch-ort: installed $lib (ONNX Runtime $version, $arch)" >&2
