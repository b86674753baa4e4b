#!/usr/bin/env bash
# Interleaved CPU benchmark of the similarity kernels: builds the kernels
# test binary once, then runs BenchmarkScoreTopK ROUNDS times (default 5);
# each round times, shape by shape, the CPU path, a bare SGEMM of the same
# shape and (at the small shape) the naive Go loop back to back, so machine
# noise hits all of them alike. Prints the median ns/op and GFLOP/s of each
# over the rounds and the ratios the kernels targets are stated in.
#
#   tools/bench/kernels-cpu.sh [ROUNDS] [BENCHTIME]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
benchtime=${2:-3x}
bin=$(mktemp -d)/kernels.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
tools/go.sh test -c -o "$bin" ./kernels
raw=$(dirname "$bin")/raw.txt
for r in $(seq "$rounds"); do
  "$bin" -test.run '^$' -test.bench 'ScoreTopK' -test.benchtime "$benchtime" | grep '^Benchmark' >>"$raw"
done
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores; $rounds rounds of -benchtime $benchtime"
awk '
  { name = $1; sub(/-[0-9]+$/, "", name); ns[name] = ns[name] " " $3; gf[name] = gf[name] " " $5 }
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END {
    for (k in ns) { med[k] = median(ns[k]); printf "%-70s %14.0f ns/op %8.1f GFLOP/s\n", k, med[k], median(gf[k]) | "sort" }
    close("sort")
    for (k in med) if (k ~ /impl=cpu$/) {
      base = k; sub(/impl=cpu$/, "", base)
      if ((base "impl=sgemm") in med) printf "ratio %s cpu/sgemm = %.3f\n", base, med[k] / med[base "impl=sgemm"]
      if ((base "impl=go-naive") in med) printf "ratio %s go-naive/cpu = %.1f\n", base, med[base "impl=go-naive"] / med[k]
    }
  }' "$raw"
