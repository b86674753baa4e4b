#!/usr/bin/env python3
"""Exports an open_clip model to ONNX in the open_clip/immich layout evalclip reads.

For models that are not on the Hugging Face Hub as ONNX (`evalclip models` lists
those that are). Optional: evalclip itself never needs Python. Needs PyTorch and
open_clip (pip install open_clip_torch), and the onnx package for models over 2 GB.

    python3 tools/export/open_clip_to_onnx.py --model ViT-B-32 --pretrained laion2b_s34b_b79k --out models/ViT-B-32-laion
    python3 tools/export/open_clip_to_onnx.py --model ViT-B-32 --checkpoint my_run/epoch_32.pt --out models/mine
    python3 tools/export/open_clip_to_onnx.py --config my_arch.json --checkpoint ckpt.pt --out models/mine

writes

    DIR/visual/model.onnx           input "image" float32 [batch,3,H,W] -> "embedding" float32 [batch,D]
    DIR/visual/preprocess_cfg.json  open_clip's preprocessing (size, mean, std, interpolation, resize_mode)
    DIR/textual/model.onnx          input "text" int32 [batch,context] -> "embedding" float32 [batch,D]
    DIR/textual/...                 the tokenizer: bpe_simple_vocab_16e6.txt.gz for CLIP's BPE, else the
                                    Hugging Face tokenizer files (tokenizer.json, ...)
    DIR/config.json                 the open_clip model config, plus "open_clip_model", "pretrained" and the
                                    learned scoring: "logit_scale" (exp of the log scale) and, for SigLIP
                                    models, "logit_bias"

Both towers take a dynamic batch. Towers over 2 GB keep their weights in
model.onnx_data beside model.onnx (ONNX's external data). Embeddings are the
towers' outputs before L2 normalisation, as open_clip's encode_image and
encode_text return them; evalclip normalises. Then:

    evalclip run suite.toml      # with [[models]] path = "models/ViT-B-32-laion"
"""
import argparse
import gzip
import json
import os
import shutil
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", help="open_clip model name (open_clip.list_models()), e.g. ViT-B-32")
    p.add_argument("--config", help="a model config JSON file instead of a named model (custom architectures)")
    p.add_argument("--pretrained", help="open_clip pretrained tag (open_clip.list_pretrained()), e.g. openai")
    p.add_argument("--checkpoint", help="a checkpoint file (open_clip training output or a state dict) instead of a tag")
    p.add_argument("--out", required=True, help="output folder (must not exist, or be empty)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument("--quick-gelu", action="store_true", help="force QuickGELU (for OpenAI-trained weights under a -quickgelu-less name)")
    a = p.parse_args(argv)
    if bool(a.model) == bool(a.config):
        p.error("give exactly one of --model and --config")
    if a.pretrained and a.checkpoint:
        p.error("give --pretrained or --checkpoint, not both")
    if a.config and not a.checkpoint:
        p.error("--config needs --checkpoint (an untrained custom model is not worth exporting)")
    return a


def main(argv):
    args = parse_args(argv)
    import torch
    import open_clip

    if os.path.exists(args.out) and os.listdir(args.out):
        sys.exit(f"{args.out} exists and is not empty")
    name = args.model
    if args.config:
        with open(args.config) as f:
            cfg = json.load(f)
        name = os.path.splitext(os.path.basename(args.config))[0]
        open_clip.add_model_config(args.config)
    model, _, _ = open_clip.create_model_and_transforms(
        name, pretrained=args.checkpoint or args.pretrained, force_quick_gelu=args.quick_gelu, device="cpu")
    model.eval()
    tokenizer = open_clip.get_tokenizer(name)
    cfg = open_clip.get_model_config(name) or {}
    pp = dict(open_clip.get_model_preprocess_cfg(model))
    size = pp.get("size", 224)
    h, w = (size, size) if isinstance(size, int) else tuple(size)
    context = getattr(tokenizer, "context_length", None) or cfg.get("text_cfg", {}).get("context_length", 77)

    class Visual(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, image):
            return self.m.encode_image(image)

    class Textual(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, text):
            return self.m.encode_text(text.long())

    visual_dir = os.path.join(args.out, "visual")
    textual_dir = os.path.join(args.out, "textual")
    os.makedirs(visual_dir, exist_ok=True)
    os.makedirs(textual_dir, exist_ok=True)
    image = torch.randn(2, 3, h, w)
    text = tokenizer(["a photo of a cat.", "a diagram"]).to(torch.int32)
    # Traced with gradients on: under no_grad, PyTorch's attention takes a
    # fused fast path (aten::_native_multi_head_attention) ONNX cannot express.
    for tower, dummy, inp, folder in ((Visual(model), image, "image", visual_dir), (Textual(model), text, "text", textual_dir)):
        path = os.path.join(folder, "model.onnx")
        torch.onnx.export(tower, (dummy,), path, input_names=[inp], output_names=["embedding"],
                          dynamic_axes={inp: {0: "batch"}, "embedding": {0: "batch"}},
                          opset_version=args.opset, do_constant_folding=True)
        gather_external_data(path)
        print(f"wrote {path}", file=sys.stderr)

    out_pp = {"size": [h, w], "mode": pp.get("mode", "RGB"), "mean": list(pp.get("mean", open_clip.OPENAI_DATASET_MEAN)),
              "std": list(pp.get("std", open_clip.OPENAI_DATASET_STD)), "interpolation": pp.get("interpolation", "bicubic"),
              "resize_mode": pp.get("resize_mode", "shortest"), "fill_color": pp.get("fill_color", 0)}
    with open(os.path.join(visual_dir, "preprocess_cfg.json"), "w") as f:
        json.dump(out_pp, f, indent=2)
    write_tokenizer(tokenizer, textual_dir, open_clip)
    cfg = dict(cfg)
    cfg["open_clip_model"] = args.model or name
    cfg["pretrained"] = args.pretrained or os.path.basename(args.checkpoint or "")
    # The learned scoring, for probabilities (evalclip's calibration
    # metrics): CLIP's softmax scale, SigLIP's sigmoid scale and bias.
    with torch.no_grad():
        cfg["logit_scale"] = float(model.logit_scale.exp())
        if getattr(model, "logit_bias", None) is not None:
            cfg["logit_bias"] = float(model.logit_bias)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    print(args.out)


def gather_external_data(path):
    """Puts the weights of a tower over 2 GB into one model.onnx_data file."""
    folder = os.path.dirname(path)
    stray = [f for f in os.listdir(folder) if f not in ("model.onnx", "preprocess_cfg.json")]
    if not stray:
        return
    import onnx
    m = onnx.load(path)  # reads the per-tensor files torch wrote
    onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx_data", size_threshold=1024)
    for f in stray:
        if f != "model.onnx_data":
            os.remove(os.path.join(folder, f))


def write_tokenizer(tokenizer, folder, open_clip):
    if type(tokenizer).__name__ == "SimpleTokenizer":
        vocab = os.path.join(os.path.dirname(open_clip.__file__), "bpe_simple_vocab_16e6.txt.gz")
        shutil.copy(vocab, os.path.join(folder, "bpe_simple_vocab_16e6.txt.gz"))
        with gzip.open(vocab) as f:
            f.read(1)  # a readable gzip file
        return
    hf = getattr(tokenizer, "tokenizer", None)
    if hf is not None and hasattr(hf, "save_pretrained"):
        hf.save_pretrained(folder)
        return
    sys.exit(f"cannot save a {type(tokenizer).__name__} tokenizer; save it into {folder} by hand")


if __name__ == "__main__":
    main(sys.argv[1:])
