#!/usr/bin/env python3
"""Reference tokenizer speed for tools/bench/tokenizer_kinds.sh: encodes the
ImageNet-1k prompts of one language (templates x class names of
shared/reference) one at a time with python3-sentencepiece, or with the
independent BERT tokenizer of tools/fixtures/make_hf_tokenizers.py, and
prints tokens_per_s counting the ids without the specials (as Go's
Encode does).

    spm_tokens.py --models DIR --kind spm_t5 --lang en --ref REFDIR
    spm_tokens.py --models DIR --train   # train the models into DIR once
"""
import argparse
import json
import os
import pickle
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
import make_hf_tokenizers as hft  # noqa: E402


def prompts(ref, lang):
    names = json.load(open(os.path.join(ref, lang + "_classnames.json")))["imagenet1k"]
    temps = json.load(open(os.path.join(ref, lang + "_zeroshot_classification_templates.json")))["imagenet1k"]
    return [t.replace("{c}", c) for t in temps for c in names]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--train", action="store_true")
    ap.add_argument("--kind")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--ref")
    a = ap.parse_args()
    if a.train:
        _, spms, vocab = hft.build(a.models)
        with open(os.path.join(a.models, "index.pkl"), "wb") as f:
            pickle.dump({"spm": {k: v[0] for k, v in spms.items()}, "vocab": vocab}, f)
        return
    idx = pickle.load(open(os.path.join(a.models, "index.pkl"), "rb"))
    ps = prompts(a.ref, a.lang)
    if a.kind == "wordpiece":
        ids = {t: i for i, t in enumerate(idx["vocab"])}
        enc = lambda s: hft.wordpiece_ids(s, ids)[1:-1]  # noqa: E731
    else:
        import sentencepiece as spm
        sp = spm.SentencePieceProcessor(model_file=idx["spm"][a.kind])
        enc = sp.encode
    for p in ps:  # warm-up, as the Go side warms its piece cache
        enc(p)
    n = 0
    start = time.perf_counter()
    for p in ps:
        n += len(enc(p))
    s = time.perf_counter() - start
    print("kind=%s lang=%s prompts=%d tokens=%d tokens_per_s=%.0f" % (a.kind, a.lang, len(ps), n, n / s))


if __name__ == "__main__":
    main()
