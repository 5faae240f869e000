#!/usr/bin/env python3
"""KAN B-spline basis (ml/kan/kan_bspline.c) against SciPy's BSpline.basis_element: every basis
function and its derivative at random points of the whole knot span, for uniform grids (the
ones KAN layers use: G intervals extended by k knots each side) and random non-uniform knots,
degrees 1..4. Tolerance 1e-12 (absolute, the functions are at most 1).
Usage: kan_bspline_parity.py PROBE"""
import subprocess, sys
import numpy as np
from scipy.interpolate import BSpline

probe = sys.argv[1]
rng = np.random.default_rng(3)
cases = []
for (G, k, lo, hi) in [(5, 3, -1.0, 2.0), (10, 3, 0.0, 1.0), (3, 1, -2.0, 2.0), (7, 2, 0.5, 4.0), (4, 4, -1.0, 1.0)]:
    h = (hi - lo) / G
    t = lo + (np.arange(G + 2 * k + 1) - k) * h
    cases.append((k, t))
for k in (1, 2, 3, 4):
    t = np.sort(rng.uniform(-3, 3, 12 + k))
    cases.append((k, t))
lines, xs = [], []
for k, t in cases:
    x = rng.uniform(t[0], t[-1], 40)
    xs.append(x)
    lines.append(" ".join([str(k), str(len(t))] + [repr(v) for v in t] + [str(len(x))] + [repr(v) for v in x]))
out = subprocess.run([probe], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True).stdout.splitlines()
row, worst = 0, 0.0
for (k, t), x in zip(cases, xs):
    nb = len(t) - k - 1
    for xv in x:
        left, right = out[row].split("|")
        B = np.array(left.split(), float); dB = np.array(right.split(), float)
        row += 1
        for m in range(nb):
            e = BSpline.basis_element(t[m:m + k + 2], extrapolate=False)
            ref = np.nan_to_num(e(xv)); dref = np.nan_to_num(e.derivative()(xv))
            worst = max(worst, abs(B[m] - ref), abs(dB[m] - dref) / max(1.0, abs(dref)))
            if abs(B[m] - ref) > 1e-12 or abs(dB[m] - dref) > 1e-12 * max(1.0, abs(dref)):
                sys.exit(f"kan_bspline_parity: k={k} t={t.tolist()} x={xv}: B_{m} {B[m]} vs SciPy {ref}, dB {dB[m]} vs {dref}")
print(f"kan_bspline_parity: {row} points x basis functions agree with SciPy BSpline (max diff {worst:.2e})")
