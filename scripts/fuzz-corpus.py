#!/usr/bin/env python3
"""Copies a seed corpus for the fuzz targets out of the ONNX backend node
suite that the conformance tests run (Debian's libonnx-testdata, which
setup installs): every `--every`-th model.onnx, renamed after its test,
into DIR.

    python scripts/fuzz-corpus.py DIR [--every N] [--max-bytes B]
"""

import argparse
import glob
import os
import shutil


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--max-bytes", type=int, default=65536)
    args = parser.parse_args()
    root = "/usr/share/libonnx-testdata/data/node"
    os.makedirs(args.dir, exist_ok=True)
    models = sorted(glob.glob(os.path.join(root, "*", "model.onnx")))[::args.every]
    copied = 0
    for m in models:
        if os.path.getsize(m) <= args.max_bytes:
            shutil.copyfile(m, os.path.join(args.dir, os.path.basename(os.path.dirname(m))))
            copied += 1
    print("%d seed models in %s" % (copied, args.dir))


if __name__ == "__main__":
    main()
