"""Writes the ONNX backend node test suite of the installed onnx package.

    onnx_node_suite.py OUTPUT_DIR

The onnx wheels on PyPI carry the node test generators
(onnx.backend.test.case.node) but not their data (onnx/backend/test/data/node).
This script runs the generators and writes every case in the backend test
layout (OUTPUT_DIR/<case>/model.onnx, test_data_set_0/{input,output}_*.pb),
using onnx's own writer (onnx.backend.test.cmd_tools), with numpy's random
generator seeded so that the data is the same on every run. A stamp file
naming the onnx version makes a second run with the same version a no-op.
"""

import argparse
import os
import shutil
import sys
import types
import warnings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="folder for the cases (replaced)")
    args = parser.parse_args(argv)

    import numpy as np
    import onnx
    from onnx.backend.test import cmd_tools
    from onnx.backend.test.case import node

    stamp = os.path.join(args.output, ".onnx-version")
    if os.path.exists(stamp) and open(stamp).read().strip() == onnx.__version__:
        return 0
    shutil.rmtree(args.output, ignore_errors=True)
    parent = args.output + ".tmp"
    shutil.rmtree(parent, ignore_errors=True)

    np.random.seed(0)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cases = node.collect_testcases()
        # cmd_tools writes the cases model_test.collect_testcases() returns
        # to <output>/<kind>/<name>; kind is "node" for all of them.
        cmd_tools.model_test = types.SimpleNamespace(collect_testcases=lambda: cases)
        cmd_tools.generate_data(argparse.Namespace(output=parent))
    os.rename(os.path.join(parent, "node"), args.output)
    shutil.rmtree(parent, ignore_errors=True)
    with open(stamp, "w") as f:
        f.write(onnx.__version__ + "\n")
    print("onnx_node_suite: %d cases of onnx %s in %s" % (len(cases), onnx.__version__,
                                                          args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())
