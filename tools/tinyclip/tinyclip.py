"""Shared pieces of the tiny CLIP fixture: data, a CLIP-style byte-level BPE, the model.

Used by train.py (trains and exports testdata/models/tinyclip-digits) and
reference.py (recomputes features and zero-shot predictions for the golden
test). Runs on Debian's python3-torch / python3-torchvision / python3-numpy,
CPU only. The evalclip product never runs this code.
"""
import gzip
import json
import math
import os
import re
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image
from torchvision import transforms

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DIGITS = os.path.join(ROOT, "testdata", "datasets", "digits")

SIZE = 32                 # image tower input
CONTEXT = 77              # text tower context, as in CLIP
WIDTH = 64                # embedding width
MEAN = (0.48145466, 0.4578275, 0.40821073)   # OpenAI CLIP normalisation
STD = (0.26862954, 0.26130258, 0.27577711)
SOT, EOT = "<|startoftext|>", "<|endoftext|>"

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


# ---------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def load_digits(split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DIGITS, prefix + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DIGITS, prefix + "-labels-idx1-ubyte.gz"))
    return x, y.astype(np.int64)


def preprocess():
    """CLIP preprocessing at SIZE: the torchvision pipeline evalclip reproduces."""
    return transforms.Compose([
        transforms.Resize(SIZE, interpolation=transforms.InterpolationMode.BICUBIC),
        transforms.CenterCrop(SIZE),
        transforms.ToTensor(),
        transforms.Normalize(MEAN, STD),
    ])


def images_to_tensor(x):
    tf = preprocess()
    return torch.stack([tf(Image.fromarray(img, mode="L").convert("RGB")) for img in x])


# ---------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    """CLIP / GPT-2 byte-to-character table: printable bytes map to themselves,
    the others to code points from 256 upwards, in byte order."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return table


# CLIP's pre-tokeniser pattern restricted to what ASCII captions need.
WORD_RE = re.compile(r"<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[a-z]+|[0-9]|[^\sa-z0-9]+")


def clean(text):
    return re.sub(r"\s+", " ", text).strip().lower()


def words(text):
    byte_enc = bytes_to_unicode()
    return ["".join(byte_enc[b] for b in w.encode("utf-8")) for w in WORD_RE.findall(clean(text))]


def learn_bpe(corpus, num_merges):
    """Learns merges over the corpus's words, CLIP-style (last symbol carries </w>)."""
    freq = {}
    for text in corpus:
        for w in words(text):
            syms = tuple(list(w[:-1]) + [w[-1] + "</w>"])
            freq[syms] = freq.get(syms, 0) + 1
    merges = []
    for _ in range(num_merges):
        pairs = {}
        for syms, n in freq.items():
            for a, b in zip(syms, syms[1:]):
                pairs[(a, b)] = pairs.get((a, b), 0) + n
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        if pairs[best] < 2:
            break
        merges.append(best)
        new = {}
        for syms, n in freq.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + n
        freq = new
    return merges


class BPE:
    """Byte-level BPE with CLIP's vocabulary layout: 256 byte symbols, the same
    with </w>, one token per merge, then <|startoftext|> and <|endoftext|>."""

    def __init__(self, merges):
        chars = list(bytes_to_unicode().values())
        vocab = chars + [c + "</w>" for c in chars] + ["".join(m) for m in merges] + [SOT, EOT]
        self.vocab = vocab
        self.encoder = {t: i for i, t in enumerate(vocab)}
        self.ranks = {m: i for i, m in enumerate(merges)}
        self.merges = merges
        self.sot, self.eot = self.encoder[SOT], self.encoder[EOT]

    def bpe(self, w):
        syms = list(w[:-1]) + [w[-1] + "</w>"]
        while len(syms) > 1:
            pairs = [(self.ranks.get((a, b), math.inf), i) for i, (a, b) in enumerate(zip(syms, syms[1:]))]
            rank, _ = min(pairs)
            if rank == math.inf:
                break
            pair = self.merges[rank]
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == pair:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            syms = out
        return syms

    def encode(self, text):
        ids = []
        for w in words(text):
            if w in (SOT, EOT):
                ids.append(self.encoder[w])
            else:
                ids.extend(self.encoder[s] for s in self.bpe(w))
        return ids

    def tokenize(self, texts, pad_id=0):
        out = torch.full((len(texts), CONTEXT), pad_id, dtype=torch.long)
        for i, t in enumerate(texts):
            ids = [self.sot] + self.encode(t)[:CONTEXT - 2] + [self.eot]
            out[i, :len(ids)] = torch.tensor(ids)
        return out

    def tokenizer_json(self):
        """A Hugging Face tokenizers file (BPE model), as open_clip/immich ship."""
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.sot, "content": SOT, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": True, "special": True},
                {"id": self.eot, "content": EOT, "single_word": False, "lstrip": False, "rstrip": False,
                 "normalized": True, "special": True},
            ],
            "normalizer": {"type": "Sequence", "normalizers": [
                {"type": "NFC"},
                {"type": "Replace", "pattern": {"Regex": "\\s+"}, "content": " "},
                {"type": "Lowercase"}]},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+"},
                 "behavior": "Removed", "invert": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
            "post_processor": {"type": "RobertaProcessing", "sep": [EOT, self.eot], "cls": [SOT, self.sot],
                               "trim_offsets": False, "add_prefix_space": False},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": EOT, "continuing_subword_prefix": "",
                      "end_of_word_suffix": "</w>", "fuse_unk": False, "byte_fallback": False,
                      "vocab": self.encoder, "merges": [a + " " + b for a, b in self.merges]},
        }


# ---------------------------------------------------------------- model

class ImageTower(nn.Module):
    def __init__(self, width=WIDTH, channels=(32, 64, 128)):
        super().__init__()
        c1, c2, c3 = channels
        self.conv1 = nn.Conv2d(3, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.conv3 = nn.Conv2d(c2, c3, 3, padding=1)
        self.proj = nn.Linear(c3, width)

    def forward(self, image):
        x = F.max_pool2d(F.gelu(self.conv1(image)), 2)   # 16x16
        x = F.max_pool2d(F.gelu(self.conv2(x)), 2)       # 8x8
        x = F.gelu(self.conv3(x))
        x = x.mean(dim=(2, 3))
        return self.proj(x)


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.ln2 = nn.LayerNorm(width)
        self.fc1 = nn.Linear(width, 4 * width)
        self.fc2 = nn.Linear(4 * width, width)

    def forward(self, x, mask):
        b, t, w = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(b, t, h, w // h).transpose(1, 2)
        k = k.reshape(b, t, h, w // h).transpose(1, 2)
        v = v.reshape(b, t, h, w // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(w // h) + mask
        y = att.softmax(dim=-1) @ v
        x = x + self.out(y.transpose(1, 2).reshape(b, t, w))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class TextTower(nn.Module):
    """CLIP's text transformer in miniature: causal attention, features taken at
    the end-of-text token (the highest id, found with argmax as CLIP does)."""

    def __init__(self, vocab_size, width=WIDTH, layers=2, heads=4):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, width)
        self.pos = nn.Parameter(torch.randn(CONTEXT, width) * 0.01)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        self.proj = nn.Linear(width, width, bias=False)
        self.register_buffer("mask", torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1))

    def forward(self, text):
        text = text.long()
        x = self.tok(text) + self.pos
        for blk in self.blocks:
            x = blk(x, self.mask)
        x = self.ln(x)
        x = x[torch.arange(x.shape[0]), text.argmax(dim=-1)]
        return self.proj(x)


class TinyCLIP(nn.Module):
    def __init__(self, vocab_size, width=WIDTH, channels=(32, 64, 128), layers=2):
        super().__init__()
        self.visual = ImageTower(width, channels)
        self.text = TextTower(vocab_size, width, layers)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))
