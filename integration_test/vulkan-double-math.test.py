"""Checks of vulkan-double-math.test: f64 Exp, Log and Pow computed on
Vulkan (aiopt-gpu-spirv-double-math, from arithmetic: GLSL.std.450 has
them for 16- and 32-bit floats only; every f64 op rounded once,
aiopt-gpu-spirv-exact-doubles) against numpy, in units in the last
place, over their whole ranges (subnormals included), and C's results for
the special values: zeros of both signs, infinities, NaNs, negative bases,
integer exponents (exact where the result is representable); and f64
Round (to even, from additions of 2^52: lavapipe's own f64 RoundEven
rounds ties toward zero on some hosts), exactly numpy's."""

import os
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h

import aiopt_e2e

work = sys.argv[1]
rng = np.random.default_rng(64)
inf, nan = np.inf, np.nan

# Exp: the whole range and past both ends.
exp_x = np.concatenate([
    rng.uniform(-750, 712, 20000), rng.uniform(-1, 1, 2000), rng.uniform(-745.2, -700, 2000),
    [0.0, -0.0, 1e-300, -1e-300, 709.78, 709.79, -745.13, -745.14, inf, -inf, nan]])
# Log: magnitudes from subnormals to the largest double, around 1, and
# the special values.
log_x = np.concatenate([
    10.0 ** rng.uniform(-323, 308, 20000), rng.uniform(0.5, 2, 4000),
    [5e-324, 2.2e-308, 1.0, np.nextafter(1, 2), np.nextafter(1, 0), 0.0, -0.0, -1.0, inf, -inf,
     nan]])
# Pow: integer bases to integer exponents (exact), general pairs, and C's
# special cases.
ib = rng.integers(-12, 13, 3000).astype(np.float64)
ie = rng.integers(-64, 65, 3000).astype(np.float64)
gb = 10.0 ** rng.uniform(-5, 5, 8000)
ge = rng.uniform(-30, 30, 8000)
special = [(x, y) for x in (0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, -0.5, inf, -inf, nan)
           for y in (0.0, -0.0, 1.0, -1.0, 3.0, -3.0, 2.0, 0.5, -0.5, 65.0, -65.0, 66.0, 1e300,
                     1e308, -1e308, inf, -inf, nan)]
pow_x = np.concatenate([ib, gb, [p[0] for p in special]])
pow_y = np.concatenate([ie, ge, [p[1] for p in special]])

# Round (to even): ties of both signs, values near them, large values
# (2^52 and above are integers), signed zeros, infinities and NaN.
halves = rng.integers(-100000, 100000, 2000) + 0.5
round_x = np.concatenate([
    halves, np.nextafter(halves, 0), np.nextafter(halves, np.inf), rng.uniform(-1e6, 1e6, 2000),
    [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, -0.3, 0.0, -0.0, 2.0 ** 52 - 0.5, 2.0 ** 52, 2.0 ** 52 + 1,
     -(2.0 ** 53) - 2, 1e300, inf, -inf, nan]])

n_exp, n_log, n_pow, n_round = len(exp_x), len(log_x), len(pow_x), len(round_x)
nodes = [h.make_node("Exp", ["a"], ["exp"]), h.make_node("Log", ["b"], ["log"]),
         h.make_node("Pow", ["c", "d"], ["pow"]), h.make_node("Round", ["e"], ["round"])]
graph = h.make_graph(
    nodes, "double_math",
    [h.make_tensor_value_info("a", T.DOUBLE, [n_exp]), h.make_tensor_value_info("b", T.DOUBLE, [n_log]),
     h.make_tensor_value_info("c", T.DOUBLE, [n_pow]), h.make_tensor_value_info("d", T.DOUBLE, [n_pow]),
     h.make_tensor_value_info("e", T.DOUBLE, [n_round])],
    [h.make_tensor_value_info(n, T.DOUBLE, None) for n in ("exp", "log", "pow", "round")])
model = h.make_model(graph, opset_imports=[h.make_opsetid("", 17)])
os.makedirs(work, exist_ok=True)
path = os.path.join(work, "double_math.onnx")
import onnx  # noqa: E402
onnx.save(model, path)
exe = aiopt_e2e.compile_model(path, work, "double_math", ["--target=vulkan"])
(got_exp, got_log, got_pow, got_round), _ = aiopt_e2e.run_compiled(
    exe, [exp_x, log_x, pow_x, pow_y, round_x], work)

with np.errstate(all="ignore"):
    want = {"exp": np.exp(exp_x), "log": np.log(log_x), "pow": np.power(pow_x, pow_y)}
got = {"exp": got_exp, "log": got_log, "pow": got_pow}


def ulps(g, w):
    """Distance in units in the last place of the expected value."""
    spacing = np.spacing(np.abs(w))
    return np.abs(g - w) / spacing


# Bounds in ulp (measured: 1, 1 and 2). pow's y ln |x| is carried to twice
# the precision: its rounding alone would be some 230 ulp of e^ here.
bounds = {"exp": 2, "log": 2, "pow": 4}
ok = True
for name in ("exp", "log", "pow"):
    g, w = got[name], want[name]
    same_special = (np.isnan(g) == np.isnan(w)) & (np.isinf(w) <= (g == w))
    # Zeros and infinities exactly, signs included.
    exact = (~np.isfinite(w) | (w == 0)) & ~np.isnan(w)
    sign_ok = np.signbit(g[exact]) == np.signbit(w[exact])
    finite = np.isfinite(w) & (w != 0)
    err = ulps(g[finite], w[finite]).max()
    within = err <= bounds[name] and same_special.all() and sign_ok.all()
    print("%s: %d values %s (max %.1f ulp, bound %d)" % (
        name, len(w), "ok" if within else "WRONG", err, bounds[name]))
    ok = ok and within

# Integer powers whose results are integers below 2^53 come out exact (as
# integer Pow, raised in f64, needs).
ints = (ie >= 0) & (np.abs(want["pow"][:3000]) < 2.0 ** 53)
exact_ints = (got["pow"][:3000][ints] == want["pow"][:3000][ints]).all()
print("integer powers exact: %s" % exact_ints)

# Round: exactly numpy's (ties to even), signs included, NaN for NaN.
want_round = np.round(round_x)
finite = ~np.isnan(want_round)
round_ok = bool((got_round[finite] == want_round[finite]).all() and
                (np.signbit(got_round[finite]) == np.signbit(want_round[finite])).all() and
                np.isnan(got_round[~finite]).all())
print("round: %d values %s" % (n_round, "exact" if round_ok else "WRONG"))
sys.exit(0 if ok and exact_ints and round_ok else 1)
