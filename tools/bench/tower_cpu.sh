#!/usr/bin/env bash
# Image tower on CPU, evalclip (ONNX Runtime) vs PyTorch eager, interleaved,
# on a ViT-B/32-shaped tower with random weights (never shipped; built here
# by tools/bench/vit_b32_random.py into a temporary folder unless TOWER
# names an export of it):
#
#   tools/bench/tower_cpu.sh [ROUNDS]     (default 3)
#
# Each round runs BenchmarkTowerSessionOptions (every ONNX Runtime session
# configuration it audits, 64 images per operation) and then PyTorch eager
# with 1 and 2 threads on batches of 32. Prints the medians in images/s and
# GFLOP/s (8.82 GFLOP per image), and for PyTorch the cores it kept busy
# (process CPU seconds per second: its BLAS may run threads of its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
. tools/bench/tower_env.sh
$go test -c -o "$tmp/onnx.test" ./encoders/onnx
for r in $(seq "$rounds"); do
  (cd encoders/onnx && EVALCLIP_BENCH_TOWER="$tower" "$tmp/onnx.test" -test.run '^$' -test.bench TowerSessionOptions -test.benchtime 3x) |
    awk '/^BenchmarkTowerSessionOptions/ { name = $1; sub(/^BenchmarkTowerSessionOptions\//, "", name); sub(/-[0-9]+$/, "", name); print "ort/" name, $5 }'
  for t in 1 2; do
    "$py" tools/bench/vit_b32_random.py torch "$tower" --threads "$t" --batch 32 --reps 3 |
      "$py" -c 'import json,sys; d=json.load(sys.stdin); print("torch-eager/threads=%d" % d["threads"], d["images_per_s"], d["cores_busy"])'
  done
done | tee "$tmp/rows"
"$py" - "$tmp/rows" <<'PY'
import statistics, sys
rows, busy = {}, {}
for line in open(sys.argv[1]):
    name, v, *b = line.split()
    rows.setdefault(name, []).append(float(v))
    if b:
        busy.setdefault(name, []).append(float(b[0]))
print("| configuration | images/s (median) | GFLOP/s | cores busy |")
print("|---|---:|---:|---:|")
for name, v in rows.items():
    m = statistics.median(v)
    b = "%.2f" % statistics.median(busy[name]) if name in busy else ""
    print(f"| {name} | {m:.1f} | {m * 8.8176:.0f} | {b} |")
PY
