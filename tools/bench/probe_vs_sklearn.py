#!/usr/bin/env python3
"""Benchmarks `evalclip probe` against scikit-learn on the same features:
the full CLIP-paper C sweep (tools/fixtures/clip_sweep.py) plus the final
fit on train+val, on synthetic class-clustered features written to .npy.

    python3 tools/bench/probe_vs_sklearn.py gen DIR    # write the data set
    python3 tools/bench/probe_vs_sklearn.py run DIR [--reps 3] [--evalclip bin/evalclip]
    python3 tools/bench/probe_vs_sklearn.py sklearn DIR [--warm-start]   # one sklearn sweep

Data (seed 7): 100 classes in 512 dimensions, class centres N(0, 0.2^2)
per coordinate, unit Gaussian noise; train 500, val 100, test 100 samples per
class (50,000 / 10,000 / 10,000), float32 features, int64 labels.

`run` alternates the two tools (evalclip first in odd repetitions, sklearn
first in even ones) and prints each repetition's seconds, chosen C and
test accuracy, then the medians and the sklearn/evalclip time ratio.
Seconds are the sweep plus the final fit, without reading the files.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures"))
import clip_sweep  # noqa: E402

K, D = 100, 512
PER_CLASS = {"train": 500, "val": 100, "test": 100}


def gen(out):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    centres = 0.2 * rng.standard_normal((K, D))
    for split, n in PER_CLASS.items():
        y = np.repeat(np.arange(K), n)
        x = (centres[y] + rng.standard_normal((len(y), D))).astype(np.float32)
        perm = rng.permutation(len(y))
        np.save(os.path.join(out, f"{split}_features.npy"), x[perm])
        np.save(os.path.join(out, f"{split}_labels.npy"), y[perm].astype(np.int64))


def load(d, split):
    return np.load(os.path.join(d, f"{split}_features.npy")), np.load(os.path.join(d, f"{split}_labels.npy"))


def run_sklearn(d, warm_start=False):
    import warnings
    warnings.filterwarnings("ignore")
    (xtr, ytr), (xva, yva), (xte, yte) = load(d, "train"), load(d, "val"), load(d, "test")
    t = time.perf_counter()
    best, points, fitted = clip_sweep.sweep(xtr, ytr, xva, yva, warm_start=warm_start)
    final = clip_sweep.make_clf(clip_sweep.c_of(best), warm=fitted[best][1] if warm_start else None)
    final.fit(np.concatenate([xtr, xva]), np.concatenate([ytr, yva]))
    secs = time.perf_counter() - t
    acc1, acc5, mpcr = clip_sweep.metrics(final, xte, yte)
    return {"tool": "sklearn" + ("-warm" if warm_start else ""), "fit_s": secs, "C": clip_sweep.c_of(best),
            "acc1": acc1, "acc5": acc5, "mean_per_class_recall": mpcr,
            "sweep": [{"C": c, "val_acc1": a, "iterations": it, "fit_s": s} for c, a, it, s in points]}


def run_evalclip(d, binary):
    args = [binary, "probe"]
    for split in ("train", "val", "test"):
        args += [f"--{split}-features", os.path.join(d, f"{split}_features.npy"),
                 f"--{split}-labels", os.path.join(d, f"{split}_labels.npy")]
    rec = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)[0]
    m, p = rec["metrics"], rec["params"]
    return {"tool": "evalclip", "fit_s": p["fit_s"], "C": p["C"], "acc1": m["acc1"], "acc5": m.get("acc5"),
            "mean_per_class_recall": m["mean_per_class_recall"], "sweep": p["sweep"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gen", "run", "sklearn"])
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--evalclip", default="bin/evalclip")
    ap.add_argument("--warm-start", action="store_true")
    a = ap.parse_args()
    if a.mode == "gen":
        gen(a.dir)
        return
    if a.mode == "sklearn":
        print(json.dumps(run_sklearn(a.dir, a.warm_start)))
        return
    times = {"evalclip": [], "sklearn": []}
    for rep in range(a.reps):
        order = ["evalclip", "sklearn"] if rep % 2 == 0 else ["sklearn", "evalclip"]
        for tool in order:
            r = run_evalclip(a.dir, a.evalclip) if tool == "evalclip" else run_sklearn(a.dir)
            times[tool].append(r["fit_s"])
            print(json.dumps({"rep": rep + 1, **{k: r[k] for k in ("tool", "fit_s", "C", "acc1", "acc5", "mean_per_class_recall")},
                              "fits": len(r["sweep"]), "iterations": sum(p["iterations"] for p in r["sweep"])}), flush=True)
    me, ms = statistics.median(times["evalclip"]), statistics.median(times["sklearn"])
    print(f"median seconds: evalclip {me:.1f}, sklearn {ms:.1f}; sklearn/evalclip = {ms / me:.2f}x")


if __name__ == "__main__":
    main()
