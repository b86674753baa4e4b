#!/usr/bin/env bash
# Side-by-side image benchmark: evalclip's decode + CLIP preprocessing
# (BenchmarkDecodePreprocess; libjpeg-turbo build and CGO_ENABLED=0 pure-Go
# build) against Pillow + torchvision on the same files, REPS interleaved
# repetitions, medians and evalclip/Pillow ratios as a Markdown table. Run
# from the repository root:
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
CGO_ENABLED=0 $go test -c -o "$tmp/imageproc-purego.test" ./encoders/imageproc
for r in $(seq "$reps"); do
  (cd encoders/imageproc && "$tmp/imageproc.test" -test.run '^$' -test.bench 'DecodePreprocess' -test.benchtime "$benchtime") >>"$tmp/go.txt"
  (cd encoders/imageproc && "$tmp/imageproc-purego.test" -test.run '^$' -test.bench 'DecodePreprocess' -test.benchtime "$benchtime") >>"$tmp/purego.txt"
  /usr/bin/python3 tools/bench/pillow_preprocess.py "$pysec" >>"$tmp/py.txt"
done
python3 - "$tmp/go.txt" "$tmp/py.txt" "$reps" "$tmp/purego.txt" <<'PY'
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
q = parse(sys.argv[4], "BenchmarkDecodePreprocess")
nan = [float("nan")]
print("| image | workers | evalclip (libjpeg-turbo) img/s | evalclip (pure Go) img/s | Pillow+torchvision img/s | turbo / Pillow | pure Go / Pillow |")
print("|---|---|---|---|---|---|---|")
for key in sorted(g):
    gm, qm, pm = statistics.median(g[key]), statistics.median(q.get(key, nan)), statistics.median(p.get(key, nan))
    print("| %s | %d | %.1f | %.1f | %.1f | %.2fx | %.2fx |" % (key[0], key[1], gm, qm, pm, gm / pm, qm / pm))
print("\nmedians of %s interleaved repetitions" % sys.argv[3])
PY
