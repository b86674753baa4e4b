#!/usr/bin/env bash
# Installs Debian's CUDA toolkit (nvcc 11.8, cuda.h, libcuda) for building
# the CUDA kernels: enables the contrib and non-free components in the apt
# sources when they are missing, then apt-get installs nvidia-cuda-toolkit.
# This changes the system's configuration, so only `make cuda-toolkit` and
# CI (.ci/run) call it, never `make test`. Needs root on Debian 12.
set -euo pipefail

if command -v nvcc >/dev/null 2>&1 && [ -e /usr/include/cuda.h ]; then
  echo "cuda-toolkit: already installed: $(nvcc --version | tail -1)"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "cuda-toolkit: run as root on Debian (apt-get), or install the CUDA toolkit (nvcc, cuda.h, libcuda) yourself" >&2
  exit 1
fi

# Add contrib and non-free where missing (non-free-firmware alone is not
# enough); the edit is idempotent.
enable() { # FILE SED-ADDRESS
  local before
  before=$(cat "$1")
  sed -i -E "$2"' { / contrib( |$)/! s/$/ contrib/; / non-free( |$)/! s/$/ non-free/ }' "$1"
  if [ "$before" != "$(cat "$1")" ]; then
    echo "cuda-toolkit: enabled contrib and non-free in $1" >&2
  fi
}
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  enable /etc/apt/sources.list.d/debian.sources '/^Components:/'   # deb822 format
fi
if [ -f /etc/apt/sources.list ]; then
  enable /etc/apt/sources.list '/^deb /'
fi

for try in 1 2 3 4 5 6; do
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nvidia-cuda-toolkit >/dev/null; then
    echo "cuda-toolkit: installed: $(nvcc --version | tail -1)"
    exit 0
  fi
  echo "cuda-toolkit: apt-get failed (attempt $try; another apt may hold the lock), retrying in 20 s" >&2
  sleep 20
done
echo "cuda-toolkit: could not install nvidia-cuda-toolkit" >&2
exit 1
