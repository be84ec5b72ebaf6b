"""Packages python/aiopt with the extension and runtime library that the
CMake build put in <build>/python_packages/aiopt (AIOPT_BUILD_DIR, default
../build): build aiopt first (scripts/setup.sh), then `pip install ./python`.
"""

import glob
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("AIOPT_BUILD_DIR", os.path.join(HERE, "..", "build"))
BUILT = os.path.join(BUILD, "python_packages", "aiopt")


class BuildWithExtension(build_py):
    def run(self):
        super().run()
        binaries = glob.glob(os.path.join(BUILT, "_aiopt*.so")) + \
            glob.glob(os.path.join(BUILT, "libaiopt_runtime.so"))
        if len(binaries) < 2:
            raise SystemExit("aiopt: no built extension in %s; build aiopt first "
                             "(scripts/setup.sh) or set AIOPT_BUILD_DIR" % BUILT)
        target = os.path.join(self.build_lib, "aiopt")
        for b in binaries:
            shutil.copy2(b, target)


setup(packages=["aiopt"], cmdclass={"build_py": BuildWithExtension})
