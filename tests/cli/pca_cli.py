"""`matscreen pca` on 2 ranks vs scikit-learn 1.2.1 PCA(svd_solver="full") on wine (CSV with a
target column that must be left out): scores, components, explained variance (ratio) within
1e-10 relative to the largest; then the failures: missing -input, too many components (exit
non-zero, message names the option, no output or .partial left)."""
import os, subprocess, sys
import h5py
import numpy as np
from sklearn.datasets import load_wine
from sklearn.decomposition import PCA

exe = os.environ["MATSCREEN"]
mpi = ["mpiexec", "--oversubscribe", "-n", "2"]
X, y = load_wine(return_X_y=True)
cols = ["f%d" % i for i in range(X.shape[1])]
with open("pca_wine.csv", "w") as f:
    f.write(",".join(cols + ["cls"]) + "\n")
    for row, c in zip(X, y):
        f.write(",".join("%.17g" % v for v in row) + ",%d\n" % c)
fails = 0

def check(ok, what):
    global fails
    if not ok:
        print("FAILED:", what); fails += 1

if os.path.exists("pca_wine.h5"):
    os.remove("pca_wine.h5")
r = subprocess.run(mpi + [exe, "pca", "-input", "pca_wine.csv", "-target", "cls", "-output", "pca_wine.h5",
                          "-pca_n_components", "4"], capture_output=True, text=True)
check(r.returncode == 0, "pca run: " + r.stderr)
p = PCA(4, svd_solver="full").fit(X)
with h5py.File("pca_wine.h5") as f:
    g = f["pca"]
    ev0 = p.explained_variance_[0]
    check(np.abs(g["explained_variance"][:] - p.explained_variance_).max() <= 1e-10 * ev0, "explained_variance")
    check(np.abs(g["explained_variance_ratio"][:] - p.explained_variance_ratio_).max() <= 1e-10, "ratio")
    check(np.abs(g["components"][:2] - p.components_[:2]).max() <= 1e-8, "components (signs included)")
    s = p.transform(X)
    check(np.abs(g["scores"][:, :2] - s[:, :2]).max() <= 1e-8 * np.abs(s).max(), "scores")
    check(list(g["components"].attrs["column_names"]) == cols, "column names")
    check(abs(g.attrs["noise_variance"] - p.noise_variance_) <= 1e-10 * ev0, "noise variance")
    check("command_line" in f.attrs, "provenance")

r = subprocess.run(mpi + [exe, "pca", "-output", "x.h5"], capture_output=True, text=True)
check(r.returncode != 0 and "-input" in r.stderr, "missing -input: " + r.stderr)
r = subprocess.run(mpi + [exe, "pca", "-input", "pca_wine.csv", "-target", "cls", "-output", "bad.h5",
                          "-pca_n_components", "14"], capture_output=True, text=True, timeout=60)
check(r.returncode != 0 and "-pca_n_components" in r.stderr, "too many components: " + r.stderr)
check(not os.path.exists("bad.h5") and not os.path.exists("bad.h5.partial"), "no output left after failure")
print("pca_cli:", "FAILED" if fails else "ok")
sys.exit(1 if fails else 0)
