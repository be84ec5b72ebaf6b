"""The CUDA runtime's host time: aiopt-cuda programs run on the unit tests'
fake CUDA driver, whose kernels do nothing, so that what is timed is the
host's side of a run (the model's host code, the runtime's bookkeeping,
the launch queue) without a GPU.

    python bench/cuda_host.py DIR [--models resnet50,bert_base] [--repeat 300]
                                  [--env-variant LABEL[@VARIANT]=VAR=VALUE ...]

DIR is a `bench/gpu.py prepare` folder. For each model the table gives the
median time of a run, the launches a run makes and the time per launch,
for the default program and again under each --env-variant (e.g.
"graphs-64=AIOPT_CUDA_GRAPHS=64"; with @VARIANT, a prepared variant's
program), as bench/gpu.py run takes them. This is no comparison with a peer: on
a GPU the driver's launch calls and the kernels come on top, and the host
runs ahead of the device (bench/gpu.py measures that). The outputs are
meaningless (the kernels do nothing) and are not compared.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "integration_test", "lib"))
import gpu  # noqa: E402


def launches_per_run(work, name, env):
    """Launches a run makes, from the runtime's launch counts (warm-up run
    included: run_model.c runs once more than --repeat)."""
    exe = os.path.join(work, name + ".exe")
    r = subprocess.run([exe, work, "--repeat", "3"], capture_output=True, text=True,
                       env=dict(env, AIOPT_CUDA_PROFILE="launches"), check=True)
    total = re.search(r"aiopt CUDA profile: total\s+(\d+)", r.stderr)
    return int(total.group(1)) // 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir")
    parser.add_argument("--models", default="resnet50,bert_base")
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--env-variant", action="append", default=[],
                        metavar="LABEL[@VARIANT]=VAR=VALUE")
    parser.add_argument("--fake-driver", default=os.path.join(
        HERE, "..", "build", "lib", "libaiopt_fake_cuda_driver.so"))
    args = parser.parse_args()
    if not os.path.exists(args.fake_driver):
        sys.exit("no fake CUDA driver at %s: build aiopt (unittests/) first" % args.fake_driver)
    fake = {"AIOPT_CUDA_LIBRARY": os.path.abspath(args.fake_driver),
            "AIOPT_FAKE_CUDA_ANY_KERNEL": "1"}
    variants = [("aiopt", "", {})] + [gpu.parse_env_variant(v) for v in args.env_variant]
    lines = ["| model | variant | runtime settings | launches a run | "
             "host ms a run (median / p90) | host us a launch |", "|---|---|---|---:|---|---:|"]
    for name in args.models.split(","):
        for label, base, env in variants:
            work = os.path.join(args.dir, name)
            work = gpu.variant_dir(work, base) if base else work
            if not os.path.isdir(work):
                sys.exit("--env-variant %s: %s has no prepared variant '%s'" % (label, name, base))
            shown = " ".join("%s=%s" % kv for kv in env.items()) or "(defaults)"
            env = dict(fake, **env)
            launches = launches_per_run(work, name, dict(os.environ, **env))
            ms, _ = gpu.run_aiopt(work, name, args.repeat, env)
            lines.append("| %s | %s | %s | %d | %.3f / %.3f | %.2f |" % (
                name, label, shown, launches, ms[0], ms[1], ms[0] * 1e3 / launches))
            print(lines[-1], flush=True)
    print("\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
