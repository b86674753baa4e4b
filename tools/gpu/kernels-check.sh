#!/usr/bin/env bash
# GPU check of evalclip's similarity kernels, prepared to run unattended in
# about five minutes on a machine with an NVIDIA GPU (compute capability
# 8.0 or newer; written for an H100):
#
#   1. the correctness tests of every CUDA implementation and dtype against
#      the float64 reference (kernels-cuda.test -test.run CUDA);
#   2. a smoke test of the PTX override folder (EVALCLIP_PTX_DIR);
#   3. the timing suite at the issue's shapes, each shape timed with PyTorch
#      (normalize+matmul+topk) before and after evalclip in the same job,
#      and the fused kernels' PTX variants (bin/ptx-*/, from make gpu-bins)
#      at the first shape;
#   4. a markdown report with speed-ups, the variants against the committed
#      PTX, and the targets checked.
#
# Usage: tools/gpu/kernels-check.sh OUTDIR [--lib DIR]...
#
#   OUTDIR      where the JSON, logs and report.md go (created)
#   --lib DIR   prepended to LD_LIBRARY_PATH (a folder holding libcuda.so.1
#               when the driver's is not on the loader path); repeatable
#
# Environment:
#   EVALCLIP_BIN   evalclip built with -tags "cuda noopenblas" (default bin/evalclip-cuda)
#   KERNELS_TEST   the kernels test binary, same tags (default bin/kernels-cuda.test)
#                  (both need glibc 2.34 or newer and the NVIDIA driver's libcuda.so.1)
#   PYTHON         interpreter with torch for the anchor (default python3; skipped if torch is missing)
#   QUICK=1        only the 50000x1000x512 shape
#   CASES          replaces the timed cases: space-separated SHAPE:K:IMPLS:REPS
#                  (e.g. "2048x1000x128:5:cuda-mma,cuda-fused:3")
#   TORCH_DEVICE   cuda (default), or cpu for a dry run
#
# Dry run without a GPU, on the host emulator (times mean nothing; this
# checks the script, the binaries and the report end to end):
#   make gpu-bins GPU_TAGS=cudaemu
#   CASES="512x1000x64:5:cuda-tiled,cuda-fused:2" TORCH_DEVICE=cpu tools/gpu/kernels-check.sh OUTDIR
#
# Build both binaries first, on any machine with the CUDA toolkit headers
# (make cuda-toolkit): `make gpu-bins`. They need only libcuda.so.1 (the
# driver) at run time.
set -uo pipefail

out=${1:?usage: kernels-check.sh OUTDIR [--lib DIR]...}
shift
while [ $# -gt 0 ]; do
  case $1 in
    --lib) export LD_LIBRARY_PATH="$2${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; shift 2 ;;
    *) echo "kernels-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${EVALCLIP_BIN:-$root/bin/evalclip-cuda}
ktest=${KERNELS_TEST:-$root/bin/kernels-cuda.test}
py=${PYTHON:-python3}
. "$root/tools/gpu/common.sh"
check_setup kernels-check "$out" "$bin" "$ktest"

{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 || true; uname -a; } >"$out/device.txt"
note "device: $(sed -n 2p "$out/device.txt")"
"$bin" version >"$out/version.txt" 2>&1
note "evalclip: $(head -1 "$out/version.txt")"

# 1. Correctness.
if (cd "$root/kernels" && timeout 170 "$ktest" -test.run 'CUDA' -test.v -test.timeout 165s) >"$out/correctness.txt" 2>&1; then
  note "correctness: PASS ($(grep -c '^--- PASS' "$out/correctness.txt") top-level tests) [$(elapsed)]"
else
  note "correctness: FAIL (see correctness.txt) [$(elapsed)]"
  grep -E '^\s*--- FAIL|kerneltest.go|cuda_test.go|panic|Error' "$out/correctness.txt" | head -20 | tee -a "$summary"
fi

# 2. PTX override: the embedded PTX copied to a folder must be picked up.
ptxdir=$(mktemp -d)
cp "$root"/kernels/cuda/ptx/*.ptx "$ptxdir"/
if EVALCLIP_PTX_DIR=$ptxdir timeout 60 "$bin" kernels --impl cuda-fused --dtype fp16 --n 4096 --c 1000 --d 512 --reps 3 --json \
    >"$out/ptx-override.json" 2>"$out/ptx-override.log" && grep -q "$ptxdir/mma.ptx" "$out/ptx-override.json"; then
  note "ptx override: PASS [$(elapsed)]"
else
  note "ptx override: FAIL (see ptx-override.log) [$(elapsed)]"
fi
rm -rf "$ptxdir"

# 3. Timing, PyTorch before and after evalclip for each shape.
have_torch=0
tdev=${TORCH_DEVICE:-cuda}
if "$py" -c "import torch, sys; sys.exit(0 if '$tdev' == 'cpu' or torch.cuda.is_available() else 1)" 2>/dev/null; then
  have_torch=1
  note "pytorch: $("$py" -c 'import torch; print(torch.__version__, "CUDA", torch.version.cuda)') on $tdev"
else
  note "pytorch: not available to $py (no anchor; speed-ups will be missing)"
fi
cases=(
  "50000x1000x512:5:cuda-naive,cuda-tiled,cuda-mma,cuda-fused:20"
  "50000x21841x768:5:cuda-naive,cuda-tiled,cuda-mma,cuda-fused:10"
  "5000x1000000x512:10:cuda-tiled,cuda-mma,cuda-fused:10"
)
[ "${QUICK:-}" = 1 ] && cases=("${cases[0]}")
[ -n "${CASES:-}" ] && read -r -a cases <<<"$CASES"
i=0
for c in "${cases[@]}"; do
  IFS=: read -r shape k impls reps <<<"$c"
  IFS=x read -r n cc d <<<"$shape"
  i=$((i + 1))
  for pass in a b; do
    if [ $have_torch = 1 ] && { [ $pass = a ] || [ $i -le 2 ]; }; then
      timeout 150 "$py" "$root/tools/gpu/torch_anchor.py" --device "$tdev" --case "$shape:$k" --reps "$reps" --warmup 3 \
        --out "$out/torch-$i$pass.json" >"$out/torch-$i$pass.log" 2>&1 ||
        note "pytorch $shape ($pass): FAIL (see torch-$i$pass.log)"
    fi
    if [ $pass = a ]; then
      if timeout 240 "$bin" kernels --n "$n" --c "$cc" --d "$d" --k "$k" --dtype fp32,tf32,fp16,bf16 --impl "$impls" \
          --reps "$reps" --warmup 3 --json >"$out/evalclip-$i.json" 2>"$out/evalclip-$i.log"; then
        note "timing $shape k=$k: done [$(elapsed)]"
        # PTX variants of the fused kernels (make gpu-bins), timed at the
        # first shape through the PTX override: the report compares them
        # with the committed PTX.
        if [ $i = 1 ]; then
          for vdir in "$root"/bin/ptx-*/; do
            [ -d "$vdir" ] || continue
            v=$(basename "$vdir"); v=${v#ptx-}
            if EVALCLIP_PTX_DIR=$vdir timeout 120 "$bin" kernels --n "$n" --c "$cc" --d "$d" --k "$k" \
                --dtype fp32,tf32,fp16,bf16 --impl cuda-fused --reps "$reps" --warmup 3 --json \
                >"$out/variant-$v.json" 2>"$out/variant-$v.log"; then
              note "timing $shape k=$k, fused variant $v: done [$(elapsed)]"
            else
              note "timing $shape k=$k, fused variant $v: FAIL (see variant-$v.log) [$(elapsed)]"
            fi
          done
        fi
      else
        note "timing $shape k=$k: FAIL (see evalclip-$i.log) [$(elapsed)]"
        tail -5 "$out/evalclip-$i.log" | tee -a "$summary"
      fi
    fi
  done
done

# 4. Report.
args=()
for f in "$out"/evalclip-*.json; do [ -s "$f" ] && args+=(--evalclip "$f"); done
for f in "$out"/torch-*.json; do [ -s "$f" ] && args+=(--torch "$f"); done
for f in "$out"/variant-*.json; do
  [ -s "$f" ] && { v=$(basename "$f" .json); args+=(--variant "${v#variant-}=$f"); }
done
if [ ${#args[@]} -gt 0 ] && "$py" "$root/tools/gpu/kernels_report.py" "${args[@]}" --out "$out/report.md" >/dev/null 2>"$out/report.log"; then
  note "report: $out/report.md [$(elapsed)]"
  grep -E '^- ' "$out/report.md" | tee -a "$summary"
else
  note "report: not written (see report.log)"
fi
