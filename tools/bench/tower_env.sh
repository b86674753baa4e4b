# Shared set-up of the benchmarks that run the ViT-B/32-shaped random tower
# (tower_cpu.sh, pipeline.sh); sourced from the repository root. Sets py
# (PYTHON, default Debian's python3), go (GO, default tools/go.sh), tmp (a
# temporary folder removed on exit) and tower: TOWER when set, else a fresh
# export of tools/bench/vit_b32_random.py in tmp.
py=${PYTHON:-/usr/bin/python3}
go=${GO:-tools/go.sh}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tower=${TOWER:-}
if [ -z "$tower" ]; then
  tower=$tmp/vit/vision.onnx
  mkdir -p "$tmp/vit"
  "$py" tools/bench/vit_b32_random.py export "$tower" >/dev/null
fi
