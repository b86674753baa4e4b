#!/usr/bin/env python3
"""Reference timing for BenchmarkBootstrap (reports/compare): a paired
percentile bootstrap of the accuracy difference the way a numpy script does
it (resample sample indices, 1,000 replicates per chunk to bound memory).
Same data shape as the Go benchmark: n samples, ~70% correct, 10% flipped.
Prints replicates per second for n = 10,000 and 50,000.

    /usr/bin/python3 tools/bench/bootstrap_numpy.py
"""
import time

import numpy as np


def interval(old, new, reps, rng):
    d = new.astype(np.float64) - old
    n = len(d)
    out = np.empty(reps)
    chunk = 1000
    for s in range(0, reps, chunk):
        idx = rng.integers(0, n, size=(min(chunk, reps - s), n))
        out[s:s + chunk] = d[idx].mean(axis=1)
    return np.percentile(out, [2.5, 97.5])


def main():
    rng = np.random.default_rng(1)
    for n in (10000, 50000):
        old = rng.random(n) < 0.7
        new = old ^ (rng.random(n) < 0.1)
        reps = 2000
        t = time.perf_counter()
        interval(old, new, reps, rng)
        dt = time.perf_counter() - t
        print(f"numpy n={n} {reps / dt:.0f} replicates/s")


if __name__ == "__main__":
    main()
