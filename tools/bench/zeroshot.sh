#!/usr/bin/env bash
# Zero-shot task throughput, evalclip vs PyTorch, interleaved.
#
#   tools/bench/zeroshot.sh [ROUNDS]     (default 5)
#
# Each round runs evalclip's BenchmarkZeroShot (1 and 2 cores) and then
# tools/bench/zeroshot_torch.py with 1 and 2 threads, on the shipped tiny
# model and the 602 test digits. Prints every round and the medians.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
py=${PYTHON:-/usr/bin/python3}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go test -c -o "$bin/tasks.test" ./suites/tasks
for r in $(seq "$rounds"); do
  (cd suites/tasks && "$bin/tasks.test" -test.run '^$' -test.bench ZeroShot -test.benchtime 20x) |
    awk -v r="$r" '/^BenchmarkZeroShot/ { split($1, a, "="); sub(/-.*/, "", a[2]); print "go", r, a[2], $5, $7 }'
  for t in 1 2; do
    "$py" tools/bench/zeroshot_torch.py --threads "$t" --reps 3 |
      "$py" -c 'import json,sys; d=json.load(sys.stdin); print("torch", '"$r"', d["threads"], round(d["images_per_s"]), round(d["tower_images_per_s"]))'
  done
done | tee "$bin/rows"
echo "medians (images/s whole task, image tower):"
"$py" - "$bin/rows" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for tool in ("go", "torch"):
    for cores in ("1", "2"):
        sel = [r for r in rows if r[0] == tool and r[2] == cores]
        if sel:
            print(f"{tool:6s} cores={cores}  {statistics.median(float(r[3]) for r in sel):8.0f}  {statistics.median(float(r[4]) for r in sel):8.0f}")
PY
