#!/usr/bin/env bash
# Times the Go tokenizer.json pipelines (SentencePiece unigram and BPE,
# WordPiece) against their references on the ImageNet-1k prompts in English
# and Chinese (80 templates x 1000 class names each, shared/reference),
# interleaving the two sides REPS times; prints each run and the medians.
# Both encode one prompt at a time on one core after a warm-up pass and
# count the ids without the specials. The SentencePiece reference is
# python3-sentencepiece (C++) on the models tools/fixtures/make_hf_tokenizers.py
# trains (the same ones testdata/hf holds, converted); the WordPiece
# reference is that script's pure-Python BERT tokenizer.
#
#   tools/bench/tokenizer_kinds.sh [REPS] [REFDIR]
#
# Needs Debian's sentencepiece and python3-sentencepiece ($PYTHON, default
# /usr/bin/python3) and Go ($GO, default tools/go.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
reps=${1:-5}
ref=${2:-}
if [ -z "$ref" ]; then
  d=$root
  while [ "$d" != / ]; do
    if [ -f "$(dirname "$d")/shared/reference/cn_classnames.json" ]; then
      ref=$(dirname "$d")/shared/reference
      break
    fi
    d=$(dirname "$d")
  done
fi
[ -n "$ref" ] || { echo "tokenizer_kinds.sh: no shared/reference found; pass REFDIR" >&2; exit 2; }
GO=${GO:-tools/go.sh}
PYTHON=${PYTHON:-/usr/bin/python3}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GO" test -c -o "$tmp/tokenizer.test" ./encoders/tokenizer
mkdir "$tmp/models"
"$PYTHON" tools/bench/spm_tokens.py --models "$tmp/models" --train

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
gometric() { # lang kind mode -> tokens/s
  (cd encoders/tokenizer && GOMAXPROCS=1 "$tmp/tokenizer.test" -test.run '^$' \
    -test.bench "^BenchmarkEncodeKinds\$/^$1\$/^$2\$/^$3\$" -test.benchtime 200000x) |
    awk '/^Benchmark/ { for (i = 1; i < NF; i++) if ($(i+1) == "tokens/s") print $i }'
}

# warm: Go's piece cache filled by the warm-up pass; nocache: the model
# runs on every piece, as SentencePiece (which has no cache) does.
echo "lang kind rep go_warm go_nocache ref ratio_warm ratio_nocache"
for lang in en cn; do
  for kind in spm_unigram spm_t5 spm_bpe spm_xlmr wordpiece; do
    : >"$tmp/go"; : >"$tmp/goc"; : >"$tmp/ref"; : >"$tmp/ratio"; : >"$tmp/ratioc"
    for i in $(seq "$reps"); do
      g=$(gometric "$lang" "$kind" warm)
      c=$(gometric "$lang" "$kind" nocache)
      p=$("$PYTHON" tools/bench/spm_tokens.py --models "$tmp/models" --kind "$kind" --lang "$lang" --ref "$ref" |
          sed -n 's/.*tokens_per_s=\([0-9.]*\).*/\1/p')
      r=$(awk -v g="$g" -v p="$p" 'BEGIN {printf "%.2f", g / p}')
      rc=$(awk -v g="$c" -v p="$p" 'BEGIN {printf "%.2f", g / p}')
      echo "$lang $kind $i $g $c $p $r $rc"
      echo "$g" >>"$tmp/go"; echo "$c" >>"$tmp/goc"; echo "$p" >>"$tmp/ref"; echo "$r" >>"$tmp/ratio"; echo "$rc" >>"$tmp/ratioc"
    done
    echo "$lang $kind median $(median <"$tmp/go") $(median <"$tmp/goc") $(median <"$tmp/ref") $(median <"$tmp/ratio") $(median <"$tmp/ratioc")"
  done
done
