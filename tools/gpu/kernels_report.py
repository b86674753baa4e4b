#!/usr/bin/env python3
"""Joins evalclip kernel records with the PyTorch anchor into a markdown
report: per shape and dtype, each implementation's median time, GFLOP/s,
fraction of the measured peak, and speed-up over PyTorch timed in the same
run, then the issue's targets checked one by one.

    kernels_report.py --evalclip a.json [--evalclip b.json ...] --torch torch.json
                      [--variant NAME=file.json ...] --out report.md

A variant is the same implementations run with other PTX (EVALCLIP_PTX_DIR):
its medians are compared with the main run's.
"""
import argparse
import json


def load(paths):
    recs = []
    for p in paths:
        with open(p) as f:
            recs.extend(json.load(f))
    return recs


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evalclip", action="append", default=[])
    ap.add_argument("--torch", action="append", default=[])
    ap.add_argument("--variant", action="append", default=[], help="NAME=records.json")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    ours = [r for r in load(args.evalclip) if not r.get("error")]
    torch = {}
    for r in load(args.torch):
        if not r.get("error"):
            torch.setdefault((r["shape"], r["k"], r["dtype"]), []).append(r)
    lines = ["# Kernel timings", ""]
    dev = {r["params"]["device"] for r in ours}
    tver = {(r["torch"], r["cuda"]) for rs in torch.values() for r in rs}
    lines.append(f"Device: {', '.join(sorted(dev))}. PyTorch: {', '.join(f'{a} (CUDA {b})' for a, b in sorted(tver)) or 'not run'}.")
    lines.append("Times are medians of the timed calls (CUDA events); PyTorch runs normalize+matmul+topk on the same shapes in the same job.")
    lines.append("")
    lines.append("| shape | k | dtype | impl | ms (median) | ms (min) | GFLOP/s | frac of peak | peak GFLOP/s | max abs err | PyTorch ms | speed-up |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    key = lambda r: (r["params"]["shape"], r["params"]["k"], r["params"]["dtype"], r["params"]["impl"])
    best = {}
    for r in sorted(ours, key=key):
        p, m = r["params"], r["metrics"]
        t = torch.get((p["shape"], p["k"], p["dtype"]))
        tms = min(x["ms_median"] for x in t) if t else None
        speed = f"{tms / m['ms_median']:.2f}x" if tms else "-"
        lines.append(f"| {p['shape']} | {p['k']} | {p['dtype']} | {p['impl']} | {m['ms_median']:.3f} | {m['ms_min']:.3f} | "
                     f"{m['gflops']:.0f} | {m['frac_peak']:.2f} | {m['peak_gflops']:.0f} | {m['max_abs_err']:.2g} | "
                     f"{f'{tms:.3f}' if tms else '-'} | {speed} |")
        best[key(r)] = (m, tms)
    for (shape, k, dtype), rs in sorted(torch.items()):
        for t in rs:
            lines.append(f"| {shape} | {k} | {dtype} | torch {t['torch']} | {t['ms_median']:.3f} | {t['ms_min']:.3f} | "
                         f"{t['gflops']:.0f} | - | - | {t['max_abs_err']:.2g} | - | 1.00x |")
    for v in args.variant:
        name, _, path = v.partition("=")
        lines += ["", f"## PTX variant {name}", "",
                  "| shape | k | dtype | impl | ms (median), committed PTX | ms (median), variant | variant speed-up |",
                  "|---|---|---|---|---|---|---|"]
        for r in sorted((r for r in load([path]) if not r.get("error")), key=key):
            p, m = r["params"], r["metrics"]
            base = best.get(key(r))
            if base:
                b = base[0]["ms_median"]
                lines.append(f"| {p['shape']} | {p['k']} | {p['dtype']} | {p['impl']} | {b:.3f} | {m['ms_median']:.3f} | {b / m['ms_median']:.2f}x |")
            else:
                lines.append(f"| {p['shape']} | {p['k']} | {p['dtype']} | {p['impl']} | - | {m['ms_median']:.3f} | - |")
    compiled = {}
    for r in ours:
        m = r.get("extra", {}).get("peak_method", "")
        if "; compiled: " in m:
            compiled[r["params"]["dtype"]] = m.split("; compiled: ", 1)[1]
    if compiled:
        lines += ["", "## Kernels as the driver compiled them", "",
                  "Registers, local memory (spills and stack) and resident blocks of 256 threads per multiprocessor, from the driver's JIT of the PTX that ran.", ""]
        for dt, text in sorted(compiled.items()):
            lines.append(f"- {dt}: {text}")
    lines += ["", "## Targets", ""]

    def target(desc, shape, k, dtype, impl, want_speed=None, floor_factor=None):
        got = best.get((shape, k, dtype, impl))
        if not got:
            lines.append(f"- {desc}: NOT MEASURED")
            return
        m, tms = got
        parts, ok = [], True
        if want_speed is not None:
            if tms is None:
                parts.append("no PyTorch time")
                ok = False
            else:
                s = tms / m["ms_median"]
                parts.append(f"{s:.2f}x PyTorch (want >= {want_speed}x)")
                ok &= s >= want_speed
        if floor_factor is not None:
            floor = m["gflops"] * m["ms_median"] / m["peak_gflops"]  # 2NCD / peak, in ms
            parts.append(f"{m['ms_median'] / floor:.2f}x the tensor-core floor {floor:.3f} ms (want <= {floor_factor}x)")
            ok &= m["ms_median"] <= floor_factor * floor
        lines.append(f"- {desc}: {'PASS' if ok else 'FAIL'}: " + "; ".join(parts))

    for dt in ("fp16", "bf16"):
        target(f"fused {dt} 50000x1000x512 k=5", "50000x1000x512", 5, dt, "cuda-fused", want_speed=5, floor_factor=2)
    for dt in ("fp32", "tf32", "fp16", "bf16"):
        target(f"retrieval {dt} 5000x1000000x512 k=10", "5000x1000000x512", 10, dt, "cuda-fused", want_speed=3)
    target("fp32 path 50000x1000x512 k=5", "50000x1000x512", 5, "fp32", "cuda-fused", want_speed=1.5)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
