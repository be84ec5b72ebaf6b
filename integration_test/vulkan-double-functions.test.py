"""Checks of vulkan-double-functions.test: the f64 unary functions that
GLSL.std.450 has for 16- and 32-bit floats only, computed on Vulkan by
aiopt-gpu-spirv-double-math from arithmetic, against Python's math
module (the C library's functions; numpy's where it raises: C's results
at the ends of the domains), and sin, cos and tan against mpmath at 1200
bits, correctly rounded (the C library's cos is 8 ulp off at the double
closest to a multiple of pi / 2), in units in the last place of the expected value, over their whole
ranges: near 0 (where naive forms cancel), the ends of their domains,
sin, cos and tan of the largest doubles and of the doubles closest to a
multiple of pi / 2, and C's results for zeros of both signs, infinities
and NaNs."""

import math
import os
import sys

import mpmath
import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h

import aiopt_e2e

work = sys.argv[1]
rng = np.random.default_rng(65)
inf, nan = np.inf, np.nan
SPECIAL = [0.0, -0.0, inf, -inf, nan]


def magnitudes(lo, hi, n):
    """n values of both signs with magnitudes 10^lo to 10^hi."""
    return 10.0 ** rng.uniform(lo, hi, n) * rng.choice([-1.0, 1.0], n)


def libm(fn, outside):
    """fn elementwise, `outside` (numpy's) where fn raises."""
    def one(x):
        try:
            return fn(x)
        except (ValueError, OverflowError):
            return outside(x)
    return np.vectorize(one, otypes=[np.float64])


def exact(fn, outside):
    """fn correctly rounded (mpmath, 1200 bits: the reduction of the
    largest doubles by pi / 2 needs some 1100), `outside` for zeros (whose
    sign mpmath drops), infinities and NaNs."""
    def one(x):
        if not np.isfinite(x) or x == 0:
            return outside(x)
        with mpmath.workprec(1200):
            return float(fn(mpmath.mpf(x)))
    return np.vectorize(one, otypes=[np.float64])


# Each op: its inputs, the expected results, and the bound in ulp.
everywhere = magnitudes(-310, 308, 4000)
periodic = np.concatenate([
    rng.uniform(-10, 10, 4000), everywhere, [6381956970095103 * 2.0 ** 797, 1e22, 2.0 ** -26,
                                             np.pi / 4, np.pi / 2, np.finfo(np.float64).max]])
unit = np.concatenate([rng.uniform(-1, 1, 4000), magnitudes(-310, 0, 2000),
                       1 - 10.0 ** rng.uniform(-16, -1, 1000), [1.0, -1.0, 1.5, -1.5]])
hyperbolic = np.concatenate([rng.uniform(-30, 30, 4000), magnitudes(-310, 2.86, 3000),
                             [710.4, -710.4, 710.5, 22.0, -22.0, 1.0, -1.0]])
cases = {
    "Sin": (periodic, exact(mpmath.sin, np.sin), 2),
    "Cos": (periodic, exact(mpmath.cos, np.cos), 2),
    "Tan": (periodic, exact(mpmath.tan, np.tan), 3),
    "Atan": (np.concatenate([rng.uniform(-4, 4, 4000), everywhere]), libm(math.atan, np.arctan), 3),
    "Asin": (unit, libm(math.asin, np.arcsin), 3),
    "Acos": (np.concatenate([unit, -1 + 10.0 ** rng.uniform(-16, -1, 1000)]), libm(math.acos, np.arccos), 3),
    "Sinh": (hyperbolic, libm(math.sinh, np.sinh), 3),
    "Cosh": (hyperbolic, libm(math.cosh, np.cosh), 3),
    "Tanh": (hyperbolic, libm(math.tanh, np.tanh), 3),
    "Asinh": (np.concatenate([rng.uniform(-4, 4, 4000), everywhere]), libm(math.asinh, np.arcsinh), 3),
    "Acosh": (np.concatenate([1 + 10.0 ** rng.uniform(-16, 1, 3000), 10.0 ** rng.uniform(0, 308, 2000),
                              [1.0, 0.5, -2.0]]), libm(math.acosh, np.arccosh), 3),
    "Atanh": (np.concatenate([unit, [2.0]]), libm(math.atanh, np.arctanh), 3),
    "Erf": (np.concatenate([rng.uniform(-7, 7, 6000), magnitudes(-310, 1, 2000)]),
            libm(math.erf, np.sign), 4),
    "Softplus": (np.concatenate([rng.uniform(-40, 40, 4000), magnitudes(-310, 2.8, 2000),
                                 [-800.0, 800.0]]),
                 libm(lambda x: max(x, 0) + math.log1p(math.exp(-abs(x))), lambda x: x), 3),
}
names = list(cases)
inputs = [np.concatenate([cases[n][0], SPECIAL]) for n in names]
graph = h.make_graph(
    [h.make_node(n, ["x%d" % i], ["y%d" % i]) for i, n in enumerate(names)], "double_functions",
    [h.make_tensor_value_info("x%d" % i, T.DOUBLE, [len(x)]) for i, x in enumerate(inputs)],
    [h.make_tensor_value_info("y%d" % i, T.DOUBLE, None) for i in range(len(names))])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "double_functions.onnx")
onnx.save(model, path)
exe = aiopt_e2e.compile_model(path, work, "double_functions", ["--target=vulkan"])
outputs, _ = aiopt_e2e.run_compiled(exe, inputs, work)

ok = True
for name, x, g in zip(names, inputs, outputs):
    with np.errstate(all="ignore"):
        w = cases[name][1](x)
    bound = cases[name][2]
    same_special = (np.isnan(g) == np.isnan(w)) & (np.isinf(w) <= (g == w))
    # Zeros and infinities exactly, signs included.
    exact = (~np.isfinite(w) | (w == 0)) & ~np.isnan(w)
    sign_ok = np.signbit(g[exact]) == np.signbit(w[exact])
    finite = np.isfinite(w) & (w != 0)
    err = (np.abs(g[finite] - w[finite]) / np.spacing(np.abs(w[finite]))).max()
    within = err <= bound and same_special.all() and sign_ok.all()
    print("%s: %d values %s (max %.1f ulp, bound %d)" % (
        name, len(w), "ok" if within else "WRONG", err, bound))
    if not within:
        bad = ~same_special | (finite & (np.abs(g - w) > bound * np.spacing(np.abs(w))))
        for i in np.flatnonzero(bad)[:5]:
            print("  x=%r got %r want %r" % (x[i], g[i], w[i]))
    ok = ok and within
sys.exit(0 if ok else 1)
