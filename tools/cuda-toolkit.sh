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

src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ]; then
  # deb822 format: add contrib and non-free to every Components line.
  if grep -q '^Components:' "$src" && ! grep -q '^Components:.*non-free\b' "$src"; then
    echo "cuda-toolkit: enabling contrib non-free in $src" >&2
    sed -i -E '/^Components:/ { / contrib/! s/$/ contrib/; / non-free( |$)/! s/$/ non-free/ }' "$src"
  fi
elif [ -f /etc/apt/sources.list ]; then
  if ! grep -Eq '^deb .* non-free( |$)' /etc/apt/sources.list; then
    echo "cuda-toolkit: enabling contrib non-free in /etc/apt/sources.list" >&2
    sed -i -E '/^deb / { / contrib/! s/$/ contrib/; / non-free( |$)/! s/$/ non-free/ }' /etc/apt/sources.list
  fi
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
