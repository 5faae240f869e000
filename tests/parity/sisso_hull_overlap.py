#!/usr/bin/env python3
"""SISSO classification against SciPy: with rung 0 and -sisso_n_sis above the number of
primary features, the 2-D model is the pair of primary features whose class domains (convex
hulls) hold the fewest rows of other classes. This counts, for every pair, the rows inside
another class's hull with scipy.spatial.Delaunay(...).find_simplex (Qhull, as SciPy wraps it),
and checks that matscreen reports the minimum count and chooses a pair attaining it, on 1 and
2 ranks. Usage: sisso_hull_overlap.py MATSCREEN MPIEXEC"""
import itertools, os, re, subprocess, sys, tempfile
import numpy as np
from scipy.spatial import Delaunay

ms, mpiexec = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
n, p, K = 90, 5, 3
X = rng.normal(size=(n, p))
lab = rng.integers(0, K, n)
X[:, 1] += 1.5 * lab  # feature 2 separates the classes partly, feature 4 a little
X[:, 3] += 0.7 * lab
names = [f"f{j + 1}" for j in range(p)]
d = tempfile.mkdtemp(prefix="sisso_hull_")
data = os.path.join(d, "c.csv")
with open(data, "w") as f:
    f.write(",".join(names) + ",cls\n")
    for x, l in zip(X, lab):
        f.write(",".join(repr(v) for v in x) + f",c{l}\n")


def overlap(a, b):
    pts = X[:, [a, b]]
    inside = np.zeros(n, bool)
    for c in range(K):
        hull = Delaunay(pts[lab == c])
        inside |= (hull.find_simplex(pts) >= 0) & (lab != c)
    return int(inside.sum())


counts = {(a, b): overlap(a, b) for a, b in itertools.combinations(range(p), 2)}
best = min(counts.values())
print("SciPy overlap counts per pair:", {f"f{a + 1},f{b + 1}": c for (a, b), c in counts.items()})
assert len(set(counts.values())) > 1, "the pairs must differ for the check to mean anything"
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
for ranks in (1, 2):
    model = os.path.join(d, f"m{ranks}.h5")
    cmd = [ms, "train", "-data", data, "-target", "cls", "-model", "sisso", "-sisso_rung", "0", "-sisso_n_sis", "10", "-sisso_dim", "2",
           "-output", model, "-quiet"]
    if ranks > 1:
        cmd = [mpiexec, "--oversubscribe", "-n", "2"] + cmd
    subprocess.run(cmd, check=True, env=env)
    f = subprocess.run([ms, "formula", "-model", model], capture_output=True, text=True, check=True, env=env).stdout
    m = re.search(r"d1 = f(\d), d2 = f(\d); (\d+) training rows", f)
    assert m, f
    pair = tuple(sorted((int(m[1]) - 1, int(m[2]) - 1)))
    got = int(m[3])
    print(f"ranks {ranks}: matscreen chose f{pair[0] + 1}, f{pair[1] + 1} with {got} rows in overlap; SciPy counts {counts[pair]} "
          f"for that pair, minimum over pairs {best}")
    if got != best or counts[pair] != best:
        sys.exit("sisso_hull_overlap: matscreen's classification model is not the SciPy minimum")
print("sisso_hull_overlap: agrees with SciPy's Delaunay/Qhull point-in-hull counts")
