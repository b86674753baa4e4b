#!/usr/bin/env bash
# Side-by-side image benchmark: evalclip's decode + CLIP preprocessing
# (BenchmarkDecodePreprocess) against Pillow + torchvision on the same files,
# REPS interleaved repetitions, medians and Go/Pillow ratios as a Markdown
# table. Run from the repository root:
#
#   tools/bench/images.sh [REPS] [GO_BENCHTIME] [PY_SECONDS]
set -euo pipefail
reps=${1:-5}
benchtime=${2:-2s}
pysec=${3:-2}
go=${GO:-tools/go.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$go test -c -o "$tmp/imageproc.test" ./encoders/imageproc
for r in $(seq "$reps"); do
  (cd encoders/imageproc && "$tmp/imageproc.test" -test.run '^$' -test.bench 'DecodePreprocess' -test.benchtime "$benchtime") >>"$tmp/go.txt"
  /usr/bin/python3 tools/bench/pillow_preprocess.py "$pysec" >>"$tmp/py.txt"
done
python3 - "$tmp/go.txt" "$tmp/py.txt" "$reps" <<'PY'
import re, statistics, sys
def parse(path, prefix):
    out = {}
    for line in open(path):
        m = re.match(prefix + r"/image=(\S+?)/workers=(\d+)(?:-\d+)?\s.*?([\d.]+) img/s", line)
        if m:
            out.setdefault((m.group(1), int(m.group(2))), []).append(float(m.group(3)))
    return out
g = parse(sys.argv[1], "BenchmarkDecodePreprocess")
p = parse(sys.argv[2], "BenchmarkPillowDecodePreprocess")
print("| image | workers | evalclip img/s | Pillow+torchvision img/s | ratio |")
print("|---|---|---|---|---|")
for key in sorted(g):
    gm, pm = statistics.median(g[key]), statistics.median(p.get(key, [float("nan")]))
    print("| %s | %d | %.1f | %.1f | %.2fx |" % (key[0], key[1], gm, pm, gm / pm))
print("\nmedians of %s interleaved repetitions" % sys.argv[3])
PY
