#!/usr/bin/env python3
"""Reference timing for evalclip's image benchmark: Pillow decode +
torchvision CLIP preprocessing at 224 (Resize(224, BICUBIC), CenterCrop(224),
ToTensor(), Normalize(OpenAI mean/std)) on the same JPEG files that
BenchmarkDecodePreprocess (encoders/imageproc) uses, on one process and on
one process per core (as a torch DataLoader with num_workers would).

Prints Go benchmark-format lines (img/s) so tools/bench/images.sh can put
them beside the Go numbers. Run from the repository root with Debian's
python3-pil and python3-torchvision:

    /usr/bin/python3 tools/bench/pillow_preprocess.py [seconds-per-case]
"""
import io
import multiprocessing as mp
import os
import sys
import time

import torch
from PIL import Image
from torchvision import transforms as T

IMAGES = ["photo-500x375.jpg", "photo-1920x1080.jpg"]
TF = T.Compose([
    T.Resize(224, interpolation=T.InterpolationMode.BICUBIC),
    T.CenterCrop(224),
    T.ToTensor(),
    T.Normalize((0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)),
])


def one(data):
    return TF(Image.open(io.BytesIO(data)).convert("RGB"))


def run(data, seconds):
    torch.set_num_threads(1)
    one(data)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        one(data)
        n += 1
    return n, time.perf_counter() - t0


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    cores = os.cpu_count()
    for name in IMAGES:
        data = open(os.path.join("testdata", "images", name), "rb").read()
        for workers in (1, cores):
            with mp.Pool(workers) as pool:
                res = pool.starmap(run, [(data, seconds)] * workers)
            n = sum(r[0] for r in res)
            wall = max(r[1] for r in res)
            print("BenchmarkPillowDecodePreprocess/image=%s/workers=%d %d %.0f ns/op %.2f img/s"
                  % (name, workers, n, wall / n * 1e9, n / wall))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
