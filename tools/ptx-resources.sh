#!/usr/bin/env bash
# Assembles the committed PTX with ptxas for each target architecture (as
# the driver's JIT will on the GPU) and prints a markdown table of every
# kernel's registers, spills, static shared memory and the resident blocks
# per multiprocessor those allow at 256 threads a block. Fails when ptxas
# rejects a module.
#
#   tools/ptx-resources.sh [PTXDIR] [ARCH...]    (default kernels/cuda/ptx sm_80 sm_90)
set -euo pipefail
dir=${1:-kernels/cuda/ptx}
shift || true
archs=("$@")
[ ${#archs[@]} -eq 0 ] && archs=(sm_80 sm_90)
PTXAS=${PTXAS:-ptxas}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "| kernel | arch | registers | spill stores/loads (bytes) | static smem (bytes) | blocks/SM (256 threads) |"
echo "|---|---|---|---|---|---|"
for arch in "${archs[@]}"; do
  # Shared memory per multiprocessor usable by blocks, in KiB.
  case $arch in
    sm_80) smem_sm=164 ;;
    sm_86|sm_89) smem_sm=100 ;;
    *) smem_sm=228 ;;
  esac
  for ptx in "$dir"/*.ptx; do
    if ! "$PTXAS" -arch="$arch" -v -o "$tmp/out.cubin" "$ptx" >"$tmp/log" 2>&1; then
      echo "ptx-resources: ptxas -arch=$arch rejects $ptx:" >&2
      cat "$tmp/log" >&2
      exit 1
    fi
    awk -v arch="$arch" -v smemsm="$smem_sm" '
      /Compiling entry function/ { match($0, /'"'"'[^'"'"']+'"'"'/); k = substr($0, RSTART + 1, RLENGTH - 2); next }
      /bytes spill stores/ { match($0, /[0-9]+ bytes spill stores/); ss = substr($0, RSTART, RLENGTH) + 0
                             match($0, /[0-9]+ bytes spill loads/); sl = substr($0, RSTART, RLENGTH) + 0; next }
      /Used [0-9]+ registers/ {
        match($0, /Used [0-9]+ registers/); r = substr($0, RSTART + 5, RLENGTH - 15) + 0
        sm = 0; if (match($0, /[0-9]+ bytes smem/)) sm = substr($0, RSTART, RLENGTH) + 0
        # Registers are allocated per warp in units of 256; a block of 256
        # threads is 8 warps; 64K registers, 2048 threads per multiprocessor;
        # each block also reserves 1 KiB of shared memory.
        rw = int((r * 32 + 255) / 256) * 256
        b = int(65536 / (8 * rw)); if (b > 8) b = 8
        if (sm > 0) { bs = int(smemsm * 1024 / (sm + 1024)); if (bs < b) b = bs }
        printf "| %s | %s | %d | %d / %d | %d | %d |\n", k, arch, r, ss, sl, sm, b
      }' "$tmp/log"
  done
done
