#!/usr/bin/env python3
"""Packs onnxruntime-gpu for a lent GPU machine that has no package index.

    python bench/gpu_ort_payload.py WHEEL OUTDIR [--sm 90]

WHEEL is the PyPI wheel (pip download --no-deps --only-binary=:all:
--python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64
onnxruntime-gpu==1.30.0). The CUDA provider library holds machine code for
every GPU generation (270 MB), too much for the transfer to the device
machine. This keeps the machine code of one architecture (--sm) and the PTX,
zeroes the other architectures' entries in the library's .nv_fatbin section
(the section keeps its size and layout, so nothing else moves), and writes

    OUTDIR/ort-python.tar.xz     the package's Python files and small libraries
    OUTDIR/ort-provider.so.xz    the pruned CUDA provider library
    OUTDIR/ort-pybind.so.xz      the Python extension

Unpack on the device machine with `bench/gpu_ort_payload.py --unpack OUTDIR
SITE` (standard library only) and put SITE on PYTHONPATH; import torch
before onnxruntime there, so that CUDA's and cuDNN's libraries are loaded.
"""
import argparse
import io
import lzma
import os
import struct
import sys
import tarfile
import zipfile

FATBIN_MAGIC = 0xBA55ED50
ELF_ENTRY = 2


def elf_section(data, name):
    """(offset, size) of an ELF64 little-endian section by name."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def header(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    strtab = header(shstrndx)
    for i in range(shnum):
        h = header(i)
        start = strtab[4] + h[0]
        if data[start:data.index(b"\0", start)].decode() == name:
            return h[4], h[5]
    sys.exit(f"no {name} section")


def prune_fatbin(data, keep_sm):
    """Zeroes, in place, the ELF entries of other architectures in every
    fatbin container of the .nv_fatbin section; returns (kept, zeroed)."""
    start, size = elf_section(data, ".nv_fatbin")
    pos, end, kept, zeroed = start, start + size, 0, 0
    while pos + 16 <= end:
        magic, _version, hsize, fsize = struct.unpack_from("<IHHQ", data, pos)
        if magic != FATBIN_MAGIC:
            pos += 8  # containers are 8-byte aligned
            continue
        entry, stop = pos + hsize, pos + hsize + fsize
        while entry + 32 <= stop:
            kind, _flags, ehsize, payload = struct.unpack_from("<HHIQ", data, entry)
            arch, = struct.unpack_from("<I", data, entry + 28)
            if ehsize == 0:
                break
            if kind == ELF_ENTRY and arch != keep_sm:
                body = entry + ehsize
                data[body:body + payload] = bytes(payload)
                zeroed += 1
            elif kind == ELF_ENTRY:
                kept += 1
            entry += ehsize + payload
        pos = stop
    return kept, zeroed


def pack(args):
    os.makedirs(args.outdir, exist_ok=True)
    wheel = zipfile.ZipFile(args.wheel)
    prefix = "onnxruntime/capi/"
    big = {prefix + "libonnxruntime_providers_cuda.so": "ort-provider.so.xz",
           prefix + "onnxruntime_pybind11_state.cpython-312-x86_64-linux-gnu.so": "ort-pybind.so.xz"}
    # The C API library (the extension holds the runtime itself) and
    # TensorRT's provider are not needed.
    skip = (prefix + "libonnxruntime.so", prefix + "libonnxruntime_providers_tensorrt.so")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info in wheel.infolist():
            if info.is_dir() or info.filename in big or info.filename.startswith(skip):
                continue
            member = tarfile.TarInfo(info.filename)
            member.size = info.file_size
            member.mode = 0o755 if info.filename.endswith(".so") else 0o644
            tar.addfile(member, io.BytesIO(wheel.read(info)))
    with open(os.path.join(args.outdir, "ort-python.tar.xz"), "wb") as f:
        f.write(lzma.compress(buf.getvalue(), preset=6))
    for name, out in big.items():
        data = bytearray(wheel.read(name))
        if "providers_cuda" in name:
            kept, zeroed = prune_fatbin(data, args.sm)
            print(f"{name}: kept {kept} sm_{args.sm} entries, zeroed {zeroed}")
            if kept == 0:
                sys.exit(f"no sm_{args.sm} machine code in {name}")
        with open(os.path.join(args.outdir, out), "wb") as f:
            f.write(lzma.compress(bytes(data), preset=9 | lzma.PRESET_EXTREME))
    for out in sorted(os.listdir(args.outdir)):
        print(f"{out}: {os.path.getsize(os.path.join(args.outdir, out)) / 1e6:.1f} MB")


def unpack(payload, site):
    with tarfile.open(os.path.join(payload, "ort-python.tar.xz")) as tar:
        tar.extractall(site, filter="data")
    capi = os.path.join(site, "onnxruntime", "capi")
    for out, name in (("ort-provider.so.xz", "libonnxruntime_providers_cuda.so"),
                      ("ort-pybind.so.xz",
                       "onnxruntime_pybind11_state.cpython-312-x86_64-linux-gnu.so")):
        with lzma.open(os.path.join(payload, out)) as src, open(os.path.join(capi, name), "wb") as dst:
            dst.write(src.read())
        os.chmod(os.path.join(capi, name), 0o755)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--unpack":
        return unpack(sys.argv[2], sys.argv[3])
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("wheel")
    parser.add_argument("outdir")
    parser.add_argument("--sm", type=int, default=90)
    pack(parser.parse_args())


if __name__ == "__main__":
    main()
