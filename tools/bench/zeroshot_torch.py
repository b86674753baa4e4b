#!/usr/bin/env python3
"""Reference timing for evalclip's zero-shot benchmark: the same task in PyTorch.

Loads the shipped tiny model's weights from its ONNX files into the PyTorch
modules of tools/tinyclip/tinyclip.py, checks that the text tower reproduces
the golden text features, then runs zero-shot on the digits test split the way
CLIP_benchmark does: torchvision preprocessing on PIL images in a DataLoader-free
loop, batched image tower, normalise, 100 * cosine, top-5. Prints one JSON line
with images/s for the whole task and for the image tower alone.

    python3 tools/bench/zeroshot_torch.py --threads 1 [--reps 3]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper
from PIL import Image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tinyclip"))
import tinyclip as tc  # noqa: E402

MODEL = os.path.join(tc.ROOT, "testdata", "models", "tinyclip-digits")
GOLDEN = os.path.join(tc.ROOT, "testdata", "golden", "tinyclip-digits")


def load_model():
    tj = json.load(open(os.path.join(MODEL, "textual", "tokenizer.json")))
    bpe = tc.BPE([tuple(m.split(" ")) for m in tj["model"]["merges"]])
    model = tc.TinyCLIP(len(bpe.vocab)).eval()
    vis = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy())
           for i in onnx.load(os.path.join(MODEL, "visual", "model.onnx")).graph.initializer}
    model.visual.load_state_dict(vis)
    txt = onnx.load(os.path.join(MODEL, "textual", "model.onnx")).graph.initializer
    named = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in txt}
    # Linear weights appear as anonymous MatMul initializers (transposed), in
    # module order: per block qkv, out, fc1, fc2; then the projection.
    matmuls = [named[i.name] for i in txt if i.name.startswith("onnx::MatMul")]
    order = [f"blocks.{b}.{n}.weight" for b in range(len(model.text.blocks)) for n in ("qkv", "out", "fc1", "fc2")]
    order.append("proj.weight")
    state = {k: v for k, v in named.items() if not k.startswith("onnx::")}
    for k, w in zip(order, matmuls):
        state[k] = w.t().contiguous()
    model.text.load_state_dict(state)
    return model, bpe


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model, bpe = load_model()
    prompts = ['a photo of the number: "%d".' % c for c in range(10)]
    with torch.no_grad():
        tf = model.text(bpe.tokenize(prompts))
    want = np.load(os.path.join(GOLDEN, "text_features.npy"))
    assert np.abs(tf.numpy() - want).max() < 1e-4, "weights did not load as trained"
    x, y = tc.load_digits("test")
    pre = tc.preprocess()
    best = None
    for _ in range(args.reps):
        t0 = time.perf_counter()
        tower = 0.0
        with torch.no_grad():
            w = F.normalize(model.text(bpe.tokenize(prompts)), dim=-1)
            top = []
            for lo in range(0, len(x), args.batch):
                batch = torch.stack([pre(Image.fromarray(img, mode="L").convert("RGB")) for img in x[lo:lo + args.batch]])
                t1 = time.perf_counter()
                f = model.visual(batch)
                tower += time.perf_counter() - t1
                top.append((100.0 * F.normalize(f, dim=-1) @ w.t()).topk(5, dim=-1).indices)
            top = torch.cat(top).numpy()
        total = time.perf_counter() - t0
        acc1 = float((top[:, 0] == y).mean())
        res = {"threads": args.threads, "images_per_s": len(x) / total, "tower_images_per_s": len(x) / tower,
               "acc1": acc1}
        if best is None or res["images_per_s"] > best["images_per_s"]:
            best = res
    print(json.dumps(best))


if __name__ == "__main__":
    main()
