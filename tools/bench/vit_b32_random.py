#!/usr/bin/env python3
"""A ViT-B/32-shaped CLIP image tower with random weights, for timing the
image tower on CPU; never shipped (about 350 MB).

    python3 tools/bench/vit_b32_random.py export OUT.onnx
    python3 tools/bench/vit_b32_random.py torch OUT.onnx [--threads 2] [--batch 32] [--reps 5]

`export` builds the tower in PyTorch the way CLIP's VisionTransformer is
built (patch 32 convolution without bias, class token, learned positions,
pre-LayerNorm, 12 residual blocks of width 768 with 12 heads, MLP 3072 and
QuickGELU, post-LayerNorm of the class token, projection to 512), with
weights drawn from a fixed seed at CLIP's initialisation scales, and
exports it to ONNX (opset 14, dynamic batch, input "pixel_values" of
N x 3 x 224 x 224, output "image_embeds" N x 512) with the
preprocessor_config.json CLIP's towers carry.

`torch` times PyTorch eager with the exported weights (saved beside the
ONNX file as OUT.onnx.state.pt, since the exporter renames and folds some
initialisers): images/s over --reps batches after one warm-up batch, as
one JSON line. It first checks that the weights it read reproduce the
embeddings of a fixed input recorded at export time (OUT.onnx.check.npy)
within 1e-4.

FLOPs per image (multiply-adds x 2), counted from the shapes: printed by
both modes, for the compute-bound figure in docs/BENCHMARKS.md.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

WIDTH, LAYERS, HEADS, PATCH, SIZE, EMBED = 768, 12, 12, 32, 224, 512
TOKENS = (SIZE // PATCH) ** 2 + 1


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = nn.LayerNorm(WIDTH)
        self.attn = nn.MultiheadAttention(WIDTH, HEADS)
        self.ln_2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), QuickGELU(), nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Tower(nn.Module):
    def __init__(self):
        super().__init__()
        scale = WIDTH ** -0.5
        self.conv1 = nn.Conv2d(3, WIDTH, PATCH, PATCH, bias=False)
        self.class_embedding = nn.Parameter(scale * torch.randn(WIDTH))
        self.positional_embedding = nn.Parameter(scale * torch.randn(TOKENS, WIDTH))
        self.ln_pre = nn.LayerNorm(WIDTH)
        self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
        self.ln_post = nn.LayerNorm(WIDTH)
        self.proj = nn.Parameter(scale * torch.randn(WIDTH, EMBED))

    def forward(self, pixel_values):
        x = self.conv1(pixel_values)  # N, W, 7, 7
        x = x.reshape(x.shape[0], WIDTH, -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, WIDTH, dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding
        x = self.ln_pre(x).permute(1, 0, 2)  # tokens, N, W
        for b in self.blocks:
            x = b(x)
        x = self.ln_post(x[0])
        return x @ self.proj


def flops_per_image():
    """2 x multiply-adds: patch embedding, per block QKV/out projections,
    attention scores and weighted sums, MLP; and the final projection."""
    patches = TOKENS - 1
    macs = patches * (3 * PATCH * PATCH) * WIDTH
    per_block = TOKENS * WIDTH * 3 * WIDTH + TOKENS * WIDTH * WIDTH  # qkv, out
    per_block += 2 * TOKENS * TOKENS * WIDTH  # q k^T and attn v
    per_block += 2 * TOKENS * WIDTH * 4 * WIDTH  # mlp
    macs += LAYERS * per_block + WIDTH * EMBED
    return 2 * macs


def fixed_input(n=2):
    g = torch.Generator().manual_seed(11)
    return torch.randn(n, 3, SIZE, SIZE, generator=g)


def export(out):
    torch.manual_seed(3)
    m = Tower().eval()
    with torch.no_grad():
        for blk in m.blocks:  # CLIP's initialisation scales
            nn.init.normal_(blk.attn.in_proj_weight, std=WIDTH ** -0.5)
            nn.init.normal_(blk.attn.out_proj.weight, std=WIDTH ** -0.5 * (2 * LAYERS) ** -0.5)
            nn.init.normal_(blk.mlp[0].weight, std=(2 * WIDTH) ** -0.5)
            nn.init.normal_(blk.mlp[2].weight, std=WIDTH ** -0.5 * (2 * LAYERS) ** -0.5)
        ref = m(fixed_input()).numpy()
    torch.onnx.export(m, fixed_input(1), out, input_names=["pixel_values"], output_names=["image_embeds"],
                      dynamic_axes={"pixel_values": {0: "batch"}, "image_embeds": {0: "batch"}}, opset_version=14)
    np.save(out + ".check.npy", ref)
    torch.save(m.state_dict(), out + ".state.pt")
    with open(os.path.join(os.path.dirname(os.path.abspath(out)), "preprocessor_config.json"), "w") as f:
        json.dump({"crop_size": {"height": SIZE, "width": SIZE}, "do_center_crop": True, "do_normalize": True,
                   "do_resize": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
                   "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3,
                   "size": {"shortest_edge": SIZE}}, f, indent=2)
    print(json.dumps({"onnx": out, "bytes": os.path.getsize(out), "gflop_per_image": flops_per_image() / 1e9}))


def load_weights(path):
    """The Tower with the weights saved beside the export (OUT.onnx.state.pt;
    the ONNX exporter renames and folds some initialisers)."""
    m = Tower().eval()
    m.load_state_dict(torch.load(path + ".state.pt"))
    return m


def bench_torch(path, threads, batch, reps):
    torch.set_num_threads(threads)
    m = load_weights(path)
    with torch.no_grad():
        got = m(fixed_input()).numpy()
        want = np.load(path + ".check.npy")
        if np.max(np.abs(got - want)) > 1e-4:
            sys.exit(f"weights read from {path}.state.pt do not reproduce the export's embeddings")
        x = torch.rand(batch, 3, SIZE, SIZE)
        m(x)
        t, c = time.perf_counter(), time.process_time()
        for _ in range(reps):
            m(x)
        secs, cpu = time.perf_counter() - t, time.process_time() - c
    ips = batch * reps / secs
    # cores_busy: CPU seconds per wall second, all threads of the process
    # (the BLAS's own included, which torch.set_num_threads may not bound).
    print(json.dumps({"tool": "torch-eager", "torch": torch.__version__, "threads": threads, "batch": batch,
                      "images_per_s": ips, "gflop_per_s": ips * flops_per_image() / 1e9,
                      "cores_busy": cpu / secs}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["export", "torch"])
    ap.add_argument("onnx")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    if a.mode == "export":
        export(a.onnx)
    else:
        bench_torch(a.onnx, a.threads, a.batch, a.reps)


if __name__ == "__main__":
    main()
