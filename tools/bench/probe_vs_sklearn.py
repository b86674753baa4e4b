#!/usr/bin/env python3
"""Benchmarks `evalclip probe` against scikit-learn on the same features:
the full CLIP-paper C sweep (tools/fixtures/clip_sweep.py) plus the final
fit on train+val, on synthetic class-clustered features written to .npy.

    python3 tools/bench/probe_vs_sklearn.py gen DIR [--size S | --n N --d D --k K]
    python3 tools/bench/probe_vs_sklearn.py run DIR [--reps 3] [--evalclip bin/evalclip] [--c C] [--max-iter M]
    python3 tools/bench/probe_vs_sklearn.py sklearn DIR [--warm-start] [--c C]   # one sklearn run
    python3 tools/bench/probe_vs_sklearn.py loss DIR [--reps 5]   # sklearn's loss+gradient alone

Data (seed 7): K classes in D dimensions, class centres N(0, 0.2^2) per
coordinate, unit Gaussian noise; N training samples, N/5 validation and N/5
test samples, classes balanced, float32 features, int64 labels. --size
names the issue's sizes: small 10,000 x 64 x 10, medium 25,000 x 512 x 100,
large 50,000 x 768 x 1000, and paper 50,000 x 512 x 100 (the default, the
first size measured).

`run` alternates the two tools (evalclip first in odd repetitions, sklearn
first in even ones) and prints each repetition's seconds, chosen C and
test accuracy, then the medians and the sklearn/evalclip time ratio.
Without --c the seconds are the CLIP-paper sweep plus the final fit; with
--c they are one fit on train at that C from zero. Reading the files is
not timed. --max-iter caps the iterations per fit in both tools alike.

`loss` times one evaluation of the objective and its gradient the way
sklearn's lbfgs solver calls it (LinearModelLoss with HalfMultinomialLoss on
the training features in float64, n_threads=1 as LogisticRegression passes
it), the counterpart of evalclip's BenchmarkObjective.
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

SIZES = {"small": (10000, 64, 10), "medium": (25000, 512, 100), "large": (50000, 768, 1000),
         "paper": (50000, 512, 100)}


def gen(out, n, d, k):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    centres = 0.2 * rng.standard_normal((k, d))
    for split, total in (("train", n), ("val", n // 5), ("test", n // 5)):
        y = np.arange(total) % k
        x = (centres[y] + rng.standard_normal((total, d))).astype(np.float32)
        perm = rng.permutation(len(y))
        np.save(os.path.join(out, f"{split}_features.npy"), x[perm])
        np.save(os.path.join(out, f"{split}_labels.npy"), y[perm].astype(np.int64))


def load(d, split):
    return np.load(os.path.join(d, f"{split}_features.npy")), np.load(os.path.join(d, f"{split}_labels.npy"))


def run_sklearn(d, warm_start=False, c=None, max_iter=1000):
    import warnings
    warnings.filterwarnings("ignore")
    (xtr, ytr), (xva, yva), (xte, yte) = load(d, "train"), load(d, "val"), load(d, "test")
    t = time.perf_counter()
    if c is not None:  # one fit on train from zero
        final = clip_sweep.make_clf(c, max_iter).fit(xtr, ytr)
        secs = time.perf_counter() - t
        points = [(c, float("nan"), int(final.n_iter_[0]), secs)]
    else:
        best, points, fitted = clip_sweep.sweep(xtr, ytr, xva, yva, max_iter=max_iter, warm_start=warm_start)
        c = clip_sweep.c_of(best)
        final = clip_sweep.make_clf(c, max_iter, warm=fitted[best][1] if warm_start else None)
        final.fit(np.concatenate([xtr, xva]), np.concatenate([ytr, yva]))
        secs = time.perf_counter() - t
        points.append((c, float("nan"), int(final.n_iter_[0]), 0.0))
    acc1, acc5, mpcr = clip_sweep.metrics(final, xte, yte)
    return {"tool": "sklearn" + ("-warm" if warm_start else ""), "fit_s": secs, "C": c,
            "acc1": acc1, "acc5": acc5, "mean_per_class_recall": mpcr,
            "sweep": [{"C": c, "val_acc1": a, "iterations": it, "fit_s": s} for c, a, it, s in points]}


def sklearn_loss(d, reps):
    from sklearn._loss.loss import HalfMultinomialLoss
    from sklearn.linear_model._linear_loss import LinearModelLoss
    x, y = load(d, "train")
    x = x.astype(np.float64)  # what LogisticRegression(solver="lbfgs") does
    k = int(y.max()) + 1
    loss = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=k), fit_intercept=True)
    coef = 1e-3 * ((np.arange(k * (x.shape[1] + 1)) % 7) - 3).astype(np.float64)
    sw = np.ones(len(y))
    yf = y.astype(np.float64)
    loss.loss_gradient(coef, x, yf, sw, l2_reg_strength=1.0, n_threads=1)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        loss.loss_gradient(coef, x, yf, sw, l2_reg_strength=1.0, n_threads=1)
        times.append(time.perf_counter() - t)
    n, dim = x.shape
    med = statistics.median(times)
    print(json.dumps({"tool": "sklearn", "n": n, "d": dim, "k": k, "loss_grad_s": med,
                      "gflop_per_s": 4 * n * dim * k / med / 1e9}))


def run_evalclip(d, binary, c=None, max_iter=1000):
    args = [binary, "probe", "--max-iter", str(max_iter)]
    splits = ("train", "test") if c is not None else ("train", "val", "test")
    for split in splits:
        args += [f"--{split}-features", os.path.join(d, f"{split}_features.npy"),
                 f"--{split}-labels", os.path.join(d, f"{split}_labels.npy")]
    if c is not None:
        args += ["--c", repr(c)]
    rec = json.loads(subprocess.run(args, check=True, capture_output=True, text=True).stdout)[0]
    m, p = rec["metrics"], rec["params"]
    sweep = p.get("sweep") or []
    # The final fit's iterations (train+val), like sklearn's last entry.
    sweep = sweep + [{"C": p["C"], "iterations": p.get("iterations", 0)}]
    return {"tool": "evalclip", "fit_s": p["fit_s"], "C": p["C"], "acc1": m["acc1"], "acc5": m.get("acc5"),
            "mean_per_class_recall": m["mean_per_class_recall"], "sweep": sweep}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["gen", "run", "sklearn", "loss"])
    ap.add_argument("dir")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--evalclip", default="bin/evalclip")
    ap.add_argument("--warm-start", action="store_true")
    ap.add_argument("--size", choices=sorted(SIZES), default="paper")
    ap.add_argument("--n", type=int)
    ap.add_argument("--d", type=int)
    ap.add_argument("--k", type=int)
    ap.add_argument("--c", type=float, help="one fit at this C instead of the sweep")
    ap.add_argument("--max-iter", type=int, default=1000)
    a = ap.parse_args()
    if a.mode == "gen":
        n, d, k = SIZES[a.size]
        gen(a.dir, a.n or n, a.d or d, a.k or k)
        return
    if a.mode == "loss":
        sklearn_loss(a.dir, a.reps)
        return
    if a.mode == "sklearn":
        print(json.dumps(run_sklearn(a.dir, a.warm_start, a.c, a.max_iter)))
        return
    times = {"evalclip": [], "sklearn": []}
    for rep in range(a.reps):
        order = ["evalclip", "sklearn"] if rep % 2 == 0 else ["sklearn", "evalclip"]
        for tool in order:
            if tool == "evalclip":
                r = run_evalclip(a.dir, a.evalclip, a.c, a.max_iter)
            else:
                r = run_sklearn(a.dir, c=a.c, max_iter=a.max_iter)
            times[tool].append(r["fit_s"])
            print(json.dumps({"rep": rep + 1, **{k: r[k] for k in ("tool", "fit_s", "C", "acc1", "acc5", "mean_per_class_recall")},
                              "fits": len(r["sweep"]), "iterations": sum(p["iterations"] for p in r["sweep"])}), flush=True)
    me, ms = statistics.median(times["evalclip"]), statistics.median(times["sklearn"])
    print(f"median seconds: evalclip {me:.3f}, sklearn {ms:.3f}; sklearn/evalclip = {ms / me:.2f}x")


if __name__ == "__main__":
    main()
