#!/usr/bin/env python3
"""Writes testdata/hostile: small crafted dataset folders and files, each
a way a careless or hostile input has broken readers before (a header that
declares gigabytes, a member that runs past its archive, duplicate and
out-of-order label entries, a stale copy of a data file, templates that
mark no class name ...), and cases.json: for each, the reader and split to
open it with and the words the error must contain (or, for "sample",
which sample must fail). internal/hostile's test opens every case under a
low memory limit: a reader that allocated what a header declares would
fail the test instead of the machine.

Standard library only. Run from the repository root:

    python3 testdata/hostile/make_hostile.py
"""
import gzip
import io
import json
import os
import shutil
import struct
import tarfile
import zlib

OUT = os.path.join("testdata", "hostile")
cases = []


def case(name, fmt, want, split="test", **extra):
    cases.append({"case": name, "format": fmt, "split": split, "error": want, **extra})
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def idx(magic, dims, payload=b""):
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + payload


# --- MNIST IDX
d = case("idx-gz-bomb", "mnist", "limit on one array")
write(f"{d}/t10k-images-idx3-ubyte.gz", gzip.compress(idx(0x803, [100000, 10000, 10000]) + bytes(4096)))
write(f"{d}/t10k-labels-idx1-ubyte", idx(0x801, [2], b"\x00\x01"))

d = case("idx-raw-truncated", "mnist", "truncated payload")
write(f"{d}/t10k-images-idx3-ubyte", idx(0x803, [2, 28, 28], bytes(100)))
write(f"{d}/t10k-labels-idx1-ubyte", idx(0x801, [2], b"\x00\x01"))

d = case("idx-raw-and-gz-differ", "mnist", "differ; remove the stale copy")
write(f"{d}/t10k-images-idx3-ubyte", idx(0x803, [2, 2, 2], bytes(8)))
write(f"{d}/t10k-labels-idx1-ubyte", idx(0x801, [2], b"\x00\x01"))
write(f"{d}/t10k-labels-idx1-ubyte.gz", gzip.compress(idx(0x801, [3], b"\x00\x01\x02")))

d = case("idx-overflow", "mnist", "overflow")
write(f"{d}/t10k-images-idx3-ubyte", idx(0x803, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF]))
write(f"{d}/t10k-labels-idx1-ubyte", idx(0x801, [2], b"\x00\x01"))


# --- MATLAB v5 (SVHN)
def mat_header():
    text = b"MATLAB 5.0 MAT-file, crafted".ljust(116, b" ")
    return text + bytes(8) + struct.pack("<H", 0x0100) + b"IM"


def elem(typ, data):
    return struct.pack("<II", typ, len(data)) + data + bytes((-len(data)) % 8)


def matrix(name, cls, dims, body):
    flags = elem(6, struct.pack("<II", cls, 0))
    dimel = elem(5, b"".join(struct.pack("<i", x) for x in dims))
    return elem(14, flags + dimel + elem(1, name) + body)


d = case("mat-huge-element", "svhn", "limit on one array")
flags = elem(6, struct.pack("<II", 9, 0))
dims = elem(5, struct.pack("<iiii", 32, 32, 3, 2))
body = flags + dims + elem(1, b"X") + struct.pack("<II", 2, 0x7FFFFFF0) + bytes(64)
write(f"{d}/test_32x32.mat", mat_header() + struct.pack("<II", 14, len(body)) + body)

d = case("mat-deep-cells", "svhn", "nested more than 32 deep")
inner = matrix(b"", 6, [0, 0], b"")
for _ in range(40):
    inner = matrix(b"", 1, [1, 1], inner)
write(f"{d}/test_32x32.mat", mat_header() + matrix(b"X", 1, [1, 1], inner))

d = case("mat-dims-overflow", "svhn", "too many elements")
write(f"{d}/test_32x32.mat", mat_header() + matrix(b"X", 9, [65535, 65535, 65535, 65535], elem(2, b"")))

d = case("mat-compressed-bomb", "svhn", "limit on one array")
body = flags + dims + elem(1, b"X") + struct.pack("<II", 2, 0x7FFFFFF0) + bytes(1 << 16)
z = zlib.compress(struct.pack("<II", 14, len(body)) + body, 9)
write(f"{d}/test_32x32.mat", mat_header() + struct.pack("<II", 15, len(z)) + z)


# --- webdataset shards
def tar_bytes(members):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return b.getvalue()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5277ede0000000049454e44ae426082")


def wds(name, want, shards, templates=None):
    d = case(name, "wds", want)
    write(f"{d}/classnames.txt", b"cat\ndog\n")
    for i, s in enumerate(shards):
        write(f"{d}/test/{i}.tar", s)
    if templates is not None:
        write(f"{d}/zeroshot_classification_templates.txt", templates)


good = tar_bytes([("s0.png", PNG), ("s0.cls", b"1")])
member = bytearray(tar_bytes([("s0.png", PNG), ("s0.cls", b"0")]))
size_field = b"%011o\x00" % (5 * 10 ** 9)  # 5 GB declared for the first member
member[124:136] = size_field
chk = sum(member[:148]) + 8 * 32 + sum(member[156:512])
member[148:156] = b"%06o\x00 " % chk
wds("wds-member-past-end", "bytes but the shard holds", [bytes(member)])
wds("wds-two-cls", "has two .cls members", [tar_bytes([("s0.png", PNG), ("s0.cls", b"0"), ("s0.cls", b"1")])])
wds("wds-key-in-two-shards", "keys must be unique across shards", [good, good])
wds("wds-template-without-class", "has no {c} or {}", [good], b"a photo of a {c}.\n# comment\na photo.\n")
wds("wds-templates-empty", "no entries", [good], b"\n# only a comment\n\n")

# --- CSV manifests
d = case("csv-huge-label", "csv", "more than the limit of 1000000")
write(f"{d}/a.png", PNG)
write(f"{d}/test.csv", b"path,label\na.png,2000000000\n")

d = case("csv-row-twice", "csv", "is listed again")
write(f"{d}/a.png", PNG)
write(f"{d}/b.png", PNG)
write(f"{d}/test.csv", b"path,label\na.png,0\nb.png,1\n./a.png,1\n")

# --- ImageNet label files
d = case("imagenet-loc-duplicate", "imagenet", "is labelled again")
for i in (1, 2):
    write(f"{d}/ILSVRC2012_img_val/ILSVRC2012_val_{i:08d}.JPEG", PNG)
write(f"{d}/LOC_val_solution.csv", b"ImageId,PredictionString\nILSVRC2012_val_00000001,n01440764 1 2 3 4\n"
      b"ILSVRC2012_val_00000002,n01443537 1 2 3 4\nILSVRC2012_val_00000001,n01443537 1 2 3 4\n")

d = case("imagenet-synset-duplicate", "imagenet", "is listed again")
write(f"{d}/ILSVRC2012_img_val/ILSVRC2012_val_00000001.JPEG", PNG)
write(f"{d}/LOC_val_solution.csv", b"ImageId,PredictionString\nILSVRC2012_val_00000001,n01440764 1 2 3 4\n")
write(f"{d}/LOC_synset_mapping.txt", b"n01440764 tench\nn01443537 goldfish\nn01440764 tench again\n")

d = case("imagenet-blank-label-line", "imagenet", "blank line among the per-image labels")
for i in (1, 2, 3):
    write(f"{d}/ILSVRC2012_img_val/ILSVRC2012_val_{i:08d}.JPEG", PNG)
write(f"{d}/imagenet_2012_validation_synset_labels.txt", b"n01440764\n\nn01443537\nn01440764\n\n")

# --- Pets annotations
d = case("pets-image-twice", "pets", "already listed")
write(f"{d}/images/Abyssinian_1.jpg", PNG)
write(f"{d}/annotations/test.txt", b"Abyssinian_1 1 1 1\nAbyssinian_1 1 1 1\n")

# --- Image bombs inside an image folder: the dataset opens, the sample fails.
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


d = case("image-pixel-bomb", "imagefolder", "more than the 178956970-pixel limit", sample=0)
bomb = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)) + \
    png_chunk(b"IDAT", zlib.compress(bytes(1000))) + png_chunk(b"IEND", b"")
write(f"{d}/cat/bomb.png", bomb)
write(f"{d}/dog/ok.png", PNG)

with open(os.path.join(OUT, "cases.json"), "w") as f:
    json.dump(cases, f, indent=1)
    f.write("\n")
