#!/usr/bin/env python3
"""SISSO end to end against a NumPy brute force (itertools + numpy.linalg.lstsq).

The rung-1 space of 3 positive primary features with all 14 operators is small (45
candidates plus the 3 primaries); with -sisso_n_sis above its size the screened union is the whole space, so the
D-dimensional model SISSO reports must have the smallest training RMSE of any D-subset of the
space with an intercept. This rebuilds the space independently in NumPy (same operator
definitions, duplicates included: they do not change the minimum), solves every subset by
lstsq, and compares the minimum with the RMSE matscreen prints for D = 1, 2, 3, on 1 and 2
ranks (relative 1e-9).
Usage: sisso_bruteforce.py MATSCREEN MPIEXEC"""
import itertools, os, re, subprocess, sys, tempfile
import numpy as np

ms, mpiexec = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(8)
n = 40
X = rng.uniform(0.5, 2.0, (n, 3))
y = np.sin(X[:, 0]) * X[:, 1] + np.log(X[:, 2]) + 0.05 * rng.standard_normal(n)  # not in the space: no exact answer
d = tempfile.mkdtemp(prefix="sisso_bf_")
data = os.path.join(d, "t.csv")
np.savetxt(data, np.c_[X, y], delimiter=",", header="a,b,c,y", comments="", fmt="%.17g")

cols = [X[:, j] for j in range(3)]
for j in range(3):
    x = X[:, j]
    cols += [x**2, x**3, 1 / x, np.sqrt(x), np.cbrt(x), np.exp(x), np.exp(-x), np.log(x), np.abs(x)]
for i, j in itertools.combinations(range(3), 2):
    a, b = X[:, i], X[:, j]
    cols += [a + b, a - b, a * b, np.abs(a - b), a / b, b / a]
F = np.array(cols).T
assert F.shape[1] == 3 + 45


def best_rmse(D):
    best = np.inf
    for s in itertools.combinations(range(F.shape[1]), D):
        A = np.c_[np.ones(n), F[:, s]]
        if np.linalg.matrix_rank(A) < D + 1:
            continue
        c = np.linalg.lstsq(A, y, rcond=None)[0]
        best = min(best, np.sqrt(np.mean((y - A @ c) ** 2)))
    return best


ref = {D: best_rmse(D) for D in (1, 2, 3)}
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
for ranks in (1, 2):
    cmd = [ms, "train", "-data", data, "-target", "y", "-model", "sisso", "-sisso_rung", "1", "-sisso_n_sis", "100", "-sisso_dim", "3",
           "-output", os.path.join(d, f"m{ranks}.h5"), "-progress_bar", "false"]
    if ranks > 1:
        cmd = [mpiexec, "--oversubscribe", "-n", "2"] + cmd
    log = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    got = {int(m[1]): float(m[2]) for m in re.finditer(r"sisso: (\d)D model .* training RMSE (\S+)", log)}
    for D in (1, 2, 3):
        print(f"ranks {ranks} D={D}: matscreen RMSE {got[D]:.12g}, brute force {ref[D]:.12g}")
        if abs(got[D] - ref[D]) > 1e-9 * ref[D]:
            sys.exit(f"sisso_bruteforce: D={D} on {ranks} rank(s): {got[D]} != brute-force minimum {ref[D]}")
print("sisso_bruteforce: l0 over the whole rung-1 space equals the NumPy brute force")
