#!/usr/bin/env python3
"""Trains the tiny CLIP-architecture model shipped as testdata/models/tinyclip-digits.

A small CNN image tower and a 2-layer causal transformer text tower are trained
contrastively (CLIP's symmetric cross-entropy over image-caption pairs) on the
train split of testdata/datasets/digits, with captions drawn from varied
templates. Each batch holds one image per class so that no caption in a batch is
a false negative. The model is exported in the open_clip/immich split layout:

    visual/model.onnx          input "image" float32 [batch,3,32,32] -> "embedding" [batch,64]
    visual/preprocess_cfg.json
    textual/model.onnx         input "text" int32 [batch,77] -> "embedding" [batch,64]
    textual/tokenizer.json     byte-level BPE learned on the captions (CLIP vocabulary layout)

and the golden data for evalclip's tests is computed with the PyTorch model
(torchvision preprocessing, this file's tokenizer) into testdata/golden/tinyclip-digits.

Run from the repository root (CPU, a few minutes):

    python3 tools/tinyclip/train.py
"""
import json
import os
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import tinyclip as tc  # noqa: E402

OUT = os.path.join(tc.ROOT, "testdata", "models", "tinyclip-digits")
GOLDEN = os.path.join(tc.ROOT, "testdata", "golden", "tinyclip-digits")
SEED = 0
STEPS = 2500
# The evaluation prompt (CLIP_benchmark's MNIST template and class names).
EVAL_TEMPLATE = 'a photo of the number: "{c}".'
EVAL_CLASSES = [str(i) for i in range(10)]

TRAIN_TEMPLATES = [
    'a photo of the number: "{c}".',
    "a photo of the number {c}.",
    "a handwritten {c}.",
    "the digit {c}",
    "{c}",
    "a blurry photo of a {c}.",
    "an image of the digit {c}.",
    "a pixelated {c}.",
    "a low resolution photo of the number {c}.",
    "a scan of a handwritten digit {c}.",
]


def caption(label, rng):
    name = str(label) if rng.random() < 0.7 else tc.WORDS[label]
    return rng.choice(TRAIN_TEMPLATES).format(c=name)


def corpus():
    texts = [t.format(c=c) for t in TRAIN_TEMPLATES for c in EVAL_CLASSES + tc.WORDS]
    return texts + [EVAL_TEMPLATE.format(c=c) for c in EVAL_CLASSES]


def main():
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(1)   # tiny ops: one thread is fastest
    rng = random.Random(SEED)

    bpe = tc.BPE(tc.learn_bpe(corpus(), 200))
    x, y = tc.load_digits("train")
    images = tc.images_to_tensor(x)
    by_class = [np.nonzero(y == c)[0] for c in range(10)]

    model = tc.TinyCLIP(len(bpe.vocab))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=STEPS, pct_start=0.1)
    per_class = 2   # batch = 2 rounds of 10 distinct classes, losses summed per round
    model.train()
    for step in range(STEPS):
        loss = 0.0
        for _ in range(per_class):
            idx = [int(rng.choice(by_class[c])) for c in range(10)]
            img = images[idx]
            img = img + 0.05 * torch.randn_like(img)   # light augmentation
            txt = bpe.tokenize([caption(c, rng) for c in range(10)])
            fi = F.normalize(model.visual(img), dim=-1)
            ft = F.normalize(model.text(txt), dim=-1)
            logits = model.logit_scale.exp().clamp(max=100) * fi @ ft.t()
            target = torch.arange(10)
            loss = loss + (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2
        opt.zero_grad()
        (loss / per_class).backward()
        opt.step()
        sched.step()
        if step % 250 == 0 or step == STEPS - 1:
            print(f"step {step} loss {loss.item() / per_class:.4f}", flush=True)
    model.eval()
    export(model, bpe)
    golden(model, bpe)


def export(model, bpe):
    os.makedirs(os.path.join(OUT, "visual"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "textual"), exist_ok=True)
    img = torch.zeros(2, 3, tc.SIZE, tc.SIZE)
    torch.onnx.export(model.visual, (img,), os.path.join(OUT, "visual", "model.onnx"),
                      input_names=["image"], output_names=["embedding"],
                      dynamic_axes={"image": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=14)
    txt = bpe.tokenize(["a photo of the number: \"3\".", "7"]).to(torch.int32)
    torch.onnx.export(model.text, (txt,), os.path.join(OUT, "textual", "model.onnx"),
                      input_names=["text"], output_names=["embedding"],
                      dynamic_axes={"text": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=14)
    with open(os.path.join(OUT, "textual", "tokenizer.json"), "w") as f:
        json.dump(bpe.tokenizer_json(), f, ensure_ascii=False)
    with open(os.path.join(OUT, "visual", "preprocess_cfg.json"), "w") as f:
        json.dump({"size": [tc.SIZE, tc.SIZE], "mode": "RGB", "mean": list(tc.MEAN), "std": list(tc.STD),
                   "interpolation": "bicubic", "resize_mode": "shortest", "fill_color": 0}, f, indent=2)
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump({"embed_dim": tc.WIDTH, "context_length": tc.CONTEXT, "vocab_size": len(bpe.vocab),
                   "image_size": tc.SIZE, "logit_scale": float(model.logit_scale.exp())}, f, indent=2)


def golden(model, bpe):
    """Reference features and zero-shot predictions on the test split."""
    os.makedirs(GOLDEN, exist_ok=True)
    x, y = tc.load_digits("test")
    with torch.no_grad():
        feats = model.visual(tc.images_to_tensor(x))
        texts = [EVAL_TEMPLATE.format(c=c) for c in EVAL_CLASSES]
        tokens = bpe.tokenize(texts)
        text_feats = model.text(tokens)
    w = F.normalize(text_feats, dim=-1)             # one template: the mean is itself
    w = F.normalize(w, dim=-1)
    logits = 100.0 * F.normalize(feats, dim=-1) @ w.t()
    pred = logits.argmax(dim=-1).numpy()
    top5 = logits.topk(5, dim=-1).indices.numpy()
    acc1 = float((pred == y).mean())
    acc5 = float(np.mean([y[i] in top5[i] for i in range(len(y))]))
    recall = [float((pred[y == c] == c).mean()) for c in range(10)]
    np.save(os.path.join(GOLDEN, "image_features.npy"), feats.numpy().astype(np.float32))
    np.save(os.path.join(GOLDEN, "text_features.npy"), text_feats.numpy().astype(np.float32))
    np.save(os.path.join(GOLDEN, "tokens.npy"), tokens.numpy().astype(np.int64))
    np.save(os.path.join(GOLDEN, "predictions.npy"), pred.astype(np.int64))
    with open(os.path.join(GOLDEN, "summary.json"), "w") as f:
        json.dump({"template": EVAL_TEMPLATE, "classes": EVAL_CLASSES, "n": int(len(y)), "acc1": acc1,
                   "acc5": acc5, "mean_per_class_recall": float(np.mean(recall))}, f, indent=2)
    print(f"test acc1 {acc1:.4f} acc5 {acc5:.4f} mean per-class recall {np.mean(recall):.4f}")


if __name__ == "__main__":
    main()
