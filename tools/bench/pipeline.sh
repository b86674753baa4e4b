#!/usr/bin/env bash
# Where end-to-end time goes: the stage utilisation a record carries
# (throughput.decode_s, encode_s, tower_wait_s), for a slow tower and a
# fast one on the same kind of photos.
#
#   tools/bench/pipeline.sh [IMAGES]     (default 256)
#
# Makes IMAGES distinct ~500x375 JPEG photos (crops of
# testdata/images/photo-1920x1080.jpg at random offsets and scales, quality
# 90) as an imagefolder dataset with two classes (3/4 train, 1/4 test), then
# runs a full-data linear probe with evalclip on (1) the ViT-B/32-shaped
# random tower of tools/bench/vit_b32_random.py (TOWER names an export, or
# one is made here; ~26 images/s on 2 cores, the tower bounds the run) and
# (2) the shipped tiny CLIP model's image tower (thousands of images/s, the
# decoders bound it). Prints each record's throughput fields. The photos,
# suites and results live in a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-256}
. tools/bench/tower_env.sh
$go build -o "$tmp/evalclip" ./cmd/evalclip
"$py" - "$tmp/photos" "$n" <<'PY'
import os, random, sys
from PIL import Image
out, n = sys.argv[1], int(sys.argv[2])
src = Image.open("testdata/images/photo-1920x1080.jpg").convert("RGB")
rng = random.Random(5)
for i in range(n):
    split = "test" if i % 4 == 3 else "train"
    cls = "left" if (i // 4) % 2 == 0 else "right"
    w = rng.randint(700, 1400)
    h = w * 3 // 4
    x0 = rng.randint(0, 960 - min(w, 960) // 2) + (0 if cls == "left" else 960 - w // 2)
    x0 = max(0, min(x0, 1920 - w))
    y0 = rng.randint(0, 1080 - h)
    d = os.path.join(out, split, cls)
    os.makedirs(d, exist_ok=True)
    src.crop((x0, y0, x0 + w, y0 + h)).resize((500, 375), Image.BICUBIC).save(os.path.join(d, f"{i:04d}.jpg"), quality=90)
PY
suite() { # name, model TOML lines
  cat >"$tmp/$1.toml" <<TOML
name = "$1"
[runtime]
threads = 0
batch_size = 32
[[models]]
$2
[[datasets]]
name = "photos"
format = "imagefolder"
path = "$tmp/photos"
split = "test"
train_split = "train"
[[tasks]]
type = "linear_probe"
shots = [0]
[report]
formats = ["json"]
TOML
}
suite vit "name = \"vit-b32-random\"
path = \"$tower\"
supervised = true"
suite tiny "name = \"tinyclip-digits\"
path = \"$PWD/testdata/models/tinyclip-digits\""
for s in vit tiny; do
  "$tmp/evalclip" run --out "$tmp/out-$s" --no-cache "$tmp/$s.toml" >/dev/null
  "$py" - "$tmp/out-$s" <<'PY'
import glob, json, sys
for path in glob.glob(sys.argv[1] + "/results.json"):
    for r in json.load(open(path)):
        t = r.get("throughput") or {}
        print(json.dumps({"model": r.get("model"), **{k: t.get(k) for k in
              ("images_per_s", "tower_images_per_s", "decode_s", "encode_s", "tower_wait_s")}}))
PY
done
