# lit configuration of test/: FileCheck tests of every op, import mapping,
# lowering, pipeline and tool.
import os
import sys

sys.path.insert(0, os.path.join(config.aiopt_src_root, "test"))
import aiopt_lit  # noqa: E402

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.aiopt_obj_root, "test")
aiopt_lit.configure(config, lit_config, "aiopt", [".mlir", ".onnxtxt", ".test"])
