#!/usr/bin/env bash
# GPU check of evalclip's ONNX encoders on an ONNX Runtime execution
# provider (CUDA by default), prepared to run unattended in about a minute:
#
#   1. every fixture model (open_clip static/fp16, Hugging Face, combined)
#      encoded on the provider and compared with PyTorch's embeddings
#      (onnx.test -test.run ProviderMatchesPyTorch);
#   2. configs/quickstart.toml run on the provider and on the CPU in the
#      same job: the top-1 accuracies must be equal; the throughput of both
#      is reported (the tiny model measures overheads, not a GPU's rate).
#
# Usage: tools/gpu/encoders-check.sh OUTDIR
#
# Environment:
#   EVALCLIP_ORT_LIB  an ONNX Runtime library with the provider (its
#                     providers_* libraries beside it, CUDA and cuDNN on
#                     LD_LIBRARY_PATH); the npm build is CPU-only. Unset:
#                     the lookup, which for cuda prefers the folder that
#                     `make ort-gpu` fills (.cache/onnxruntime/1.29.0-cuda)
#   PROVIDER          cuda (default), tensorrt, or cpu for a dry run
#   EVALCLIP_BIN      evalclip (default bin/evalclip-cuda, from make gpu-bins)
#   ONNX_TEST         the encoders/onnx test binary (default bin/onnx.test)
#   PYTHON            python3 to read the results (default python3)
set -uo pipefail

out=${1:?usage: encoders-check.sh OUTDIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${EVALCLIP_BIN:-$root/bin/evalclip-cuda}
otest=${ONNX_TEST:-$root/bin/onnx.test}
provider=${PROVIDER:-cuda}
py=${PYTHON:-python3}
. "$root/tools/gpu/common.sh"
check_setup encoders-check "$out" "$bin" "$otest"
note "provider: $provider; ONNX Runtime: ${EVALCLIP_ORT_LIB:-(default lookup)}"
"$bin" version >"$out/version.txt" 2>&1
note "evalclip: $(head -1 "$out/version.txt")"

# 1. Fixture models against PyTorch.
if (cd "$root/encoders/onnx" && EVALCLIP_TEST_PROVIDER=$provider EVALCLIP_REQUIRE_ORT=1 timeout 120 "$otest" \
    -test.run 'ProviderMatchesPyTorch' -test.v) >"$out/fixtures.txt" 2>&1; then
  note "fixtures on $provider: PASS [$(elapsed)]"
else
  note "fixtures on $provider: FAIL (see fixtures.txt) [$(elapsed)]"
fi
grep -E 'max abs difference|--- (FAIL|SKIP)' "$out/fixtures.txt" | sed 's/; .*//' | tee -a "$summary"

# 2. The quickstart suite on the provider and on the CPU.
for p in "$provider" cpu; do
  sed -e "s|^provider = .*|provider = \"$p\"|" -e "s|\"\\.\\./testdata|\"$root/testdata|" \
    "$root/configs/quickstart.toml" >"$out/quickstart-$p.toml"
  rm -rf "$out/run-$p"
  if timeout 120 "$bin" run -q --no-report --no-cache --out "$out/run-$p" "$out/quickstart-$p.toml" >"$out/run-$p.log" 2>&1; then
    note "quickstart on $p: done [$(elapsed)]"
  else
    note "quickstart on $p: FAIL (see run-$p.log) [$(elapsed)]"
  fi
  [ "$p" = "$provider" ] && [ "$p" = cpu ] && break
done
"$py" - "$out" "$provider" <<'PY' | tee -a "$summary"
import json, os, sys
out, provider = sys.argv[1], sys.argv[2]
def rec(p):
    path = os.path.join(out, f"run-{p}", "results.json")
    if not os.path.exists(path):
        return None
    return json.load(open(path))[0]
g, c = rec(provider), rec("cpu")
for name, r in ((provider, g), ("cpu", c)):
    if r:
        t = r.get("throughput", {})
        print(f"  {name}: acc1 {r['metrics']['acc1']:.4f}, {t.get('images_per_s', 0):.0f} images/s "
              f"(tower {t.get('tower_images_per_s', 0):.0f}), run provider {r['run']['provider']}")
if g and c:
    same = g["metrics"]["acc1"] == c["metrics"]["acc1"] and g["run"]["provider"] == provider
    print(f"quickstart {provider} vs cpu: {'PASS' if same else 'FAIL'} (top-1 {g['metrics']['acc1']:.4f} vs {c['metrics']['acc1']:.4f})")
else:
    print("quickstart comparison: FAIL (a run is missing)")
PY
