#!/usr/bin/env python3
"""Copies a seed corpus for the fuzz targets out of the ONNX backend node
suite that the conformance tests run (Debian's libonnx-testdata, which
setup installs): every `--every`-th model.onnx, renamed after its test,
into DIR. With the onnx package at hand, it also writes composite models
of integration_test/lib/models.py small enough for the fuzzers' tensor
limit (4096 elements) yet past the GPU kernels' thresholds (products of
at least 16 x 16 x 8, rows of at least 32): an encoder layer, a small CNN
and the MLP, so that mutations reach the tiled products, row kernels and
fusion that single-node models never do.

    python scripts/fuzz-corpus.py DIR [--every N] [--max-bytes B] [--no-composite]
"""

import argparse
import glob
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def composite_models():
    """(name, ModelProto) of the composite seeds."""
    sys.path.insert(0, os.path.join(ROOT, "integration_test", "lib"))
    import models  # noqa: E402  (needs onnx and numpy)
    return [
        ("composite_encoder", models.transformer(layers=1, hidden=32, heads=2, seq=16, vocab=16)[0]),
        ("composite_cnn", models.cnn()[0]),
        ("composite_mlp", models.mlp()[0]),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--max-bytes", type=int, default=65536)
    parser.add_argument("--no-composite", action="store_true",
                        help="node-suite models only (no onnx package needed)")
    args = parser.parse_args()
    root = "/usr/share/libonnx-testdata/data/node"
    os.makedirs(args.dir, exist_ok=True)
    models = sorted(glob.glob(os.path.join(root, "*", "model.onnx")))[::args.every]
    copied = 0
    for m in models:
        if os.path.getsize(m) <= args.max_bytes:
            shutil.copyfile(m, os.path.join(args.dir, os.path.basename(os.path.dirname(m))))
            copied += 1
    if not args.no_composite:
        for name, model in composite_models():
            data = model.SerializeToString()
            if len(data) > args.max_bytes:
                sys.exit("fuzz-corpus.py: %s is %d bytes, over --max-bytes" % (name, len(data)))
            with open(os.path.join(args.dir, name), "wb") as f:
                f.write(data)
            copied += 1
    print("%d seed models in %s" % (copied, args.dir))


if __name__ == "__main__":
    main()
