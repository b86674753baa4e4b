#!/usr/bin/env bash
# Times the Go CLIP tokenizer against the Python reference implementation
# (tools/fixtures/clip_tokenizer_ref.py) on the 80 ImageNet templates x 1000
# class names, interleaving the two REPS times, and prints each run and the
# medians. Both encode one prompt at a time on one core with a warm word
# cache and count the ids Encode returns (no SOT/EOT).
#
#   tools/bench/tokenizer.sh [REPS] [REFDIR]
#
# REFDIR holds bpe_simple_vocab_16e6.txt.gz, en_classnames.json and
# en_zeroshot_classification_templates.json (default: shared/reference
# beside the repository or beside one of its parents). Needs Python 3 with
# the regex module ($PYTHON, default python3) and Go ($GO, default
# tools/go.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
reps=${1:-5}
ref=${2:-}
if [ -z "$ref" ]; then
  d=$root
  while [ "$d" != / ]; do
    if [ -f "$(dirname "$d")/shared/reference/bpe_simple_vocab_16e6.txt.gz" ]; then
      ref=$(dirname "$d")/shared/reference
      break
    fi
    d=$(dirname "$d")
  done
fi
[ -n "$ref" ] || { echo "tokenizer.sh: no shared/reference found; pass REFDIR" >&2; exit 2; }
GO=${GO:-tools/go.sh}
PYTHON=${PYTHON:-python3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GO" test -c -o "$tmp/tokenizer.test" ./encoders/tokenizer

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
metric() { # benchmark name pattern, metric unit -> value
  (cd encoders/tokenizer && GOMAXPROCS=${GOMAXPROCS:-1} "$tmp/tokenizer.test" -test.run '^$' -test.bench "$1" -test.benchtime "$2") |
    awk -v unit="$3" '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == unit) print $i }'
}

echo "rep go_warm_tokens_per_s go_nocache_tokens_per_s python_tokens_per_s ratio_warm"
: >"$tmp/go" ; : >"$tmp/goc" ; : >"$tmp/py" ; : >"$tmp/ratio"
for i in $(seq "$reps"); do
  g=$(metric '^BenchmarkEncode$/^openai$/^warm$' 400000x tokens/s)
  c=$(metric '^BenchmarkEncode$/^openai$/^nocache$' 200000x tokens/s)
  p=$("$PYTHON" tools/fixtures/clip_tokenizer_ref.py --bpe "$ref/bpe_simple_vocab_16e6.txt.gz" \
        --bench-imagenet "$ref" --reps 1 | sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p')
  r=$(awk -v g="$g" -v p="$p" 'BEGIN {printf "%.1f", g / p}')
  echo "$i $g $c $p $r"
  echo "$g" >>"$tmp/go"; echo "$c" >>"$tmp/goc"; echo "$p" >>"$tmp/py"; echo "$r" >>"$tmp/ratio"
done
echo "median $(median <"$tmp/go") $(median <"$tmp/goc") $(median <"$tmp/py") $(median <"$tmp/ratio")"
