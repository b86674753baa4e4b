#!/usr/bin/env bash
# Provides ONNX Runtime with its CUDA (and TensorRT) execution provider for
# GPU runners, without a download site: the core library comes from the npm
# package onnxruntime-node, the provider libraries (built for CUDA 13 and
# cuDNN 9) from the npm package com.github.asus4.onnxruntime.linux-x64-gpu.
# Every file is checked against a pinned SHA-256 and the folder is installed
# atomically beside the CPU build, where evalclip's lookup prefers it for
# `provider = "cuda"` or `"tensorrt"`:
#
#   .cache/onnxruntime/1.29.0-cuda/libonnxruntime.so.1
#                                  libonnxruntime_providers_shared.so
#                                  libonnxruntime_providers_cuda.so
#                                  libonnxruntime_providers_tensorrt.so
#
# At run time the CUDA provider also needs the NVIDIA driver (libcuda.so.1)
# and the CUDA 13 runtime, cuBLAS, cuRAND and cuDNN 9 libraries on the loader
# path; `evalclip validate` names any that are missing.
#
#   tools/fetch-ort-gpu.sh [DEST_DIR]     (default .cache/onnxruntime/1.29.0-cuda)
set -euo pipefail

version=1.29.0
gpu_pkg=com.github.asus4.onnxruntime.linux-x64-gpu
gpu_version=0.4.9
dest=${1:-.cache/onnxruntime/$version-cuda}

if [ "$(uname -m)" != x86_64 ] && [ "$(uname -m)" != amd64 ]; then
  echo "fetch-ort-gpu: the npm CUDA provider build is for linux x64 only, not $(uname -m);" \
       "set EVALCLIP_ORT_LIB to a CUDA-enabled libonnxruntime.so (1.24+)" >&2
  exit 1
fi

# file name, then its pinned SHA-256 and where it sits in its package.
core=libonnxruntime.so.1
core_sha=89688f5cf51c7e31befbb7b9101bc027799009b18d1baa9a5b1146a72e69538d
core_member=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
providers=(
  "libonnxruntime_providers_shared.so c6a12593396095f5670160e284c35d1700b7708cf3037b7042e2a5200ccae772"
  "libonnxruntime_providers_cuda.so 56cf3254b118ad837ccc4ed8f6d1b23504bbf7ef91b34cbc0b289cb7f10b3037"
  "libonnxruntime_providers_tensorrt.so ef6071798a339038ad66c428fb1a809cf8e499bffc3b6870e4e8bc4f4c6a6320"
)

installed() {
  [ -f "$dest/$core" ] && echo "$core_sha  $dest/$core" | sha256sum --quiet -c - 2>/dev/null || return 1
  local p
  for p in "${providers[@]}"; do
    set -- $p
    echo "$2  $dest/$1" | sha256sum --quiet -c - 2>/dev/null || return 1
  done
}
if installed; then
  echo "fetch-ort-gpu: $dest is current (ONNX Runtime $version with the CUDA provider)" >&2
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "fetch-ort-gpu: npm is needed to fetch the packages (Debian: apt-get install npm)" >&2
  exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch-ort-gpu: npm pack onnxruntime-node@$version $gpu_pkg@$gpu_version (about 290 MB)" >&2
(cd "$tmp" && npm pack --silent "onnxruntime-node@$version" "$gpu_pkg@$gpu_version" >/dev/null)
stage=$tmp/stage
mkdir -p "$stage" "$tmp/core" "$tmp/gpu"
tar -xzf "$tmp/onnxruntime-node-$version.tgz" -C "$tmp/core" "$core_member"
tar -xzf "$tmp/$gpu_pkg-$gpu_version.tgz" -C "$tmp/gpu"

check() { # FILE SHA WHAT
  if ! echo "$2  $1" | sha256sum --quiet -c - 2>/dev/null; then
    echo "fetch-ort-gpu: checksum mismatch for $3 (expected $2)" >&2
    exit 1
  fi
}
check "$tmp/core/$core_member" "$core_sha" "$core_member of onnxruntime-node@$version"
cp "$tmp/core/$core_member" "$stage/$core"
for p in "${providers[@]}"; do
  set -- $p
  src=$tmp/gpu/package/Plugins/Linux/x64/$1
  [ -f "$src" ] || { echo "fetch-ort-gpu: $gpu_pkg@$gpu_version has no Plugins/Linux/x64/$1" >&2; exit 1; }
  check "$src" "$2" "$1 of $gpu_pkg@$gpu_version"
  cp "$src" "$stage/$1"
done
chmod 0644 "$stage"/*

# Swap the folder in whole: a reader sees the old set or the new one.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp.$$"
mv "$stage" "$dest.tmp.$$"
if [ -e "$dest" ]; then
  mv "$dest" "$dest.old.$$"
fi
mv "$dest.tmp.$$" "$dest"
rm -rf "$dest.old.$$"
echo "fetch-ort-gpu: installed $dest (ONNX Runtime $version, CUDA 13 / cuDNN 9 provider, TensorRT provider)" >&2

# Say what the provider still needs from the machine (not an error here: the
# folder may be built for another machine).
onpath() { # LIB: found by the loader cache or in LD_LIBRARY_PATH
  ldconfig -p 2>/dev/null | grep -q "^[[:space:]]*$1 " && return 0
  local d
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do
    [ -n "$d" ] && [ -e "$d/$1" ] && return 0
  done
  return 1
}
missing=()
for lib in libcuda.so.1 libcudart.so.13 libcublas.so.13 libcublasLt.so.13 libcurand.so.10 libcudnn.so.9; do
  onpath "$lib" || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fetch-ort-gpu: note: this machine's loader path lacks ${missing[*]}: the CUDA provider needs the" \
       "NVIDIA driver and the CUDA 13 runtime, cuBLAS, cuRAND and cuDNN 9 libraries where it runs" >&2
fi
