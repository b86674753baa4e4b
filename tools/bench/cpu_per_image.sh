#!/usr/bin/env bash
# CPU time per image (task-clock, from perf stat) of decode + CLIP
# preprocessing at 224 on one core, evalclip (libjpeg-turbo build) vs Pillow
# + torchvision, on the same files. CPU time is less sensitive than wall time
# to other work on a shared machine. Each figure is (run with N images - run
# with 1 image) / (N - 1), median of REPS interleaved repetitions. Needs
# perf (Debian linux-perf). Run from the repository root:
#
#   tools/bench/cpu_per_image.sh [REPS]
set -euo pipefail
reps=${1:-5}
go=${GO:-tools/go.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
$go test -c -o "$tmp/imageproc.test" ./encoders/imageproc
cat >"$tmp/pillow.py" <<'PY'
import io, sys
import torch
from PIL import Image
from torchvision import transforms as T
torch.set_num_threads(1)
tf = T.Compose([T.Resize(224, interpolation=T.InterpolationMode.BICUBIC), T.CenterCrop(224), T.ToTensor(),
                T.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711))])
data = open(sys.argv[1], "rb").read()
for _ in range(int(sys.argv[2])):
    tf(Image.open(io.BytesIO(data)).convert("RGB"))
PY
cpu() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
for r in $(seq "$reps"); do
  for img in photo-500x375.jpg:400 photo-1920x1080.jpg:60; do
    name=${img%%:*} n=${img##*:}
    g1=$(cd encoders/imageproc && cpu "$tmp/imageproc.test" -test.run '^$' -test.bench "DecodePreprocess/image=$name/workers=1\$" -test.benchtime 1x -test.cpu 1)
    gn=$(cd encoders/imageproc && cpu "$tmp/imageproc.test" -test.run '^$' -test.bench "DecodePreprocess/image=$name/workers=1\$" -test.benchtime "${n}x" -test.cpu 1)
    p1=$(cpu /usr/bin/python3 "$tmp/pillow.py" "testdata/images/$name" 1)
    pn=$(cpu /usr/bin/python3 "$tmp/pillow.py" "testdata/images/$name" "$n")
    echo "$name $(echo "($gn - $g1) / ($n - 1)" | bc -l) $(echo "($pn - $p1) / ($n - 1)" | bc -l)"
  done
done >"$tmp/cpu.txt"
python3 - "$tmp/cpu.txt" "$reps" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, g, p = line.split()
    rows.setdefault(name, ([], []))
    rows[name][0].append(float(g)); rows[name][1].append(float(p))
print("| image | evalclip CPU ms/img | Pillow+torchvision CPU ms/img | Pillow / evalclip |")
print("|---|---|---|---|")
for name, (g, p) in sorted(rows.items()):
    gm, pm = statistics.median(g), statistics.median(p)
    print("| %s | %.2f | %.2f | %.2fx |" % (name, gm, pm, pm / gm))
print("\nmedians of %s interleaved repetitions" % sys.argv[2])
PY
