#!/usr/bin/env python3
"""PyTorch anchor for evalclip's kernel timings.

Times what PyTorch users run for zero-shot scoring and retrieval,

    torch.topk(F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).T, k, dim=-1)

with both operands already on the GPU in the dtype (tf32: float32 tensors
with torch.backends.cuda.matmul.allow_tf32), the same way evalclip's
harness times its kernels: random inputs uniform in [-1, 1), warm-up calls,
then timed calls with CUDA events cycling through up to 4 input sets (as
many as 512 MiB of inputs hold) so caches do not flatter, median and
minimum. It also reports the largest top-k score error against float64 on
a few rows. Output: a JSON array, one object per (shape, k, dtype).

    torch_anchor.py --case 50000x1000x512:5 --dtypes fp32,fp16 --out torch.json
"""
import argparse
import json
import math
import platform
import statistics
import sys
import time

import torch
import torch.nn.functional as F

DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def parse_case(s):
    shape, _, k = s.partition(":")
    n, c, d = (int(x) for x in shape.lower().split("x"))
    return n, c, d, int(k or 5)


def score(q, k, topk):
    return torch.topk(F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).T, topk, dim=-1)


def time_case(n, c, d, topk, dtype, reps, warmup, dev):
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    torch.backends.cudnn.allow_tf32 = dtype == "tf32"
    tdt = DTYPES[dtype]
    elem = torch.tensor([], dtype=tdt).element_size()
    set_bytes = (n + c) * d * elem
    rot = max(1, min(4, math.ceil((512 << 20) / set_bytes)))
    gen = torch.Generator(device=dev).manual_seed(1)
    sets = []
    for _ in range(rot):
        q = (torch.rand(n, d, device=dev, generator=gen) * 2 - 1).to(tdt)
        k = (torch.rand(c, d, device=dev, generator=gen) * 2 - 1).to(tdt)
        sets.append((q, k))
    times = []
    cuda = dev.type == "cuda"
    if cuda:
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for call in range(warmup + reps):
        q, k = sets[call % rot]
        if cuda:
            start.record()
        else:
            t0 = time.perf_counter()
        vals, idx = score(q, k, topk)
        if cuda:
            end.record()
            end.synchronize()
            ms = start.elapsed_time(end)
        else:
            ms = (time.perf_counter() - t0) * 1e3
        if call >= warmup:
            times.append(ms)
    # Error of the top-k scores against float64 on up to 8 rows of set 0.
    q, k = sets[0]
    rows = torch.linspace(0, n - 1, steps=min(8, n), device=dev).long()
    vals, _ = score(q, k, topk)
    ref = torch.topk(F.normalize(q[rows].double(), dim=-1) @ F.normalize(k.double(), dim=-1).T, topk, dim=-1).values
    err = (vals[rows].double() - ref).abs().max().item()
    del sets, vals
    if cuda:
        torch.cuda.empty_cache()
    return {
        "impl": "torch",
        "dtype": dtype,
        "shape": f"{n}x{c}x{d}",
        "k": topk,
        "ms_median": statistics.median(times),
        "ms_min": min(times),
        "times_ms": times,
        "gflops": 2 * n * c * d / statistics.median(times) / 1e6,
        "max_abs_err": err,
        "rotations": rot,
        "device": torch.cuda.get_device_name(dev) if cuda else f"cpu ({platform.machine()})",
        "torch": torch.__version__,
        "cuda": torch.version.cuda if cuda else None,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", required=True, help="NxCxD:k (repeatable)")
    ap.add_argument("--dtypes", default="fp32,tf32,fp16,bf16")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--out", required=True, help="JSON output file")
    ap.add_argument("--device", default="cuda", help="cuda, or cpu for a dry run of the check script (CPU times)")
    args = ap.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("torch_anchor: no CUDA device visible to PyTorch")
    dev = torch.device(args.device)
    out = []
    for case in args.case:
        n, c, d, k = parse_case(case)
        for dtype in args.dtypes.split(","):
            try:
                rec = time_case(n, c, d, k, dtype, args.reps, args.warmup, dev)
            except torch.cuda.OutOfMemoryError as e:
                rec = {"impl": "torch", "dtype": dtype, "shape": f"{n}x{c}x{d}", "k": k, "error": f"out of memory: {e}"}
                torch.cuda.empty_cache()
            except RuntimeError as e:  # e.g. half matmul on an older CPU build
                rec = {"impl": "torch", "dtype": dtype, "shape": f"{n}x{c}x{d}", "k": k, "error": str(e)}
            out.append(rec)
            print(json.dumps({x: rec[x] for x in rec if x != "times_ms"}), flush=True)
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
