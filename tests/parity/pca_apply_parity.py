#!/usr/bin/python3
"""PCA for new data vs scikit-learn (run by CTest, label parity).

    pca_apply_parity.py --matscreen EXE --mpiexec MPIEXEC --workdir DIR

Fits `matscreen pca` on a training table (with and without -pca_standardize, on 1 and 2
ranks), saves it, applies it with `matscreen pca -apply` to new rows whose columns come in a
different order plus an extra column, and compares the scores with
sklearn PCA(svd_solver='full').fit(train).transform(new) (after StandardScaler when
standardised) within 1e-8 relative; the sample ids and class labels stored beside the scores
must be those of the input rows. Exit 1 listing every mismatch.
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

ap = argparse.ArgumentParser()
ap.add_argument("--matscreen", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
os.makedirs(a.workdir, exist_ok=True)
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
FAIL = []

rng = np.random.default_rng(7)
n, m, d = 40, 9, 6
# correlated columns on very different scales, so standardisation changes the answer
Z = rng.normal(size=(n + m, 3))
X = Z @ rng.normal(size=(3, d)) + 0.1 * rng.normal(size=(n + m, d))
X *= np.array([1.0, 10.0, 0.1, 1000.0, 3.0, 0.5])
cols = [f"peak_{j}" for j in range(d)]
classes = np.array(["A", "B", "C"])[rng.integers(0, 3, n + m)]
train = pd.DataFrame(X[:n], columns=cols)
train.insert(0, "sample", [f"s{i}" for i in range(n)])
train["cls"] = classes[:n]
new = pd.DataFrame(X[n:], columns=cols)[cols[::-1]]  # other column order
new.insert(0, "extra", rng.normal(size=m))
new.insert(0, "sample", [f"new{i}" for i in range(m)])
new["cls"] = classes[n:]
tr_csv, new_csv = os.path.join(a.workdir, "train.csv"), os.path.join(a.workdir, "new.csv")
train.to_csv(tr_csv, index=False)
new.to_csv(new_csv, index=False)


def run(np_, args):
    cmd = ([a.mpiexec, "-n", str(np_)] if np_ > 1 else []) + [a.matscreen, "pca"] + args
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode:
        FAIL.append(f"{' '.join(cmd)} failed: {r.stderr[-800:]}")
    return r.returncode == 0


def close(what, got, ref, tol=1e-8):
    err = np.max(np.abs(got - ref)) / max(1.0, np.max(np.abs(ref)))
    if not np.all(np.isfinite(got)) or err > tol:
        FAIL.append(f"{what}: max relative deviation {err:.3g} > {tol}")


for std in (False, True):
    for np_ in (1, 2):
        tag = f"std{int(std)}_np{np_}"
        fit, app = os.path.join(a.workdir, f"fit_{tag}.h5"), os.path.join(a.workdir, f"apply_{tag}.h5")
        extra = ["-pca_standardize"] if std else []
        if not run(np_, ["-input", tr_csv, "-output", fit, "-id", "sample", "-label", "cls", "-pca_n_components", "4"] + extra):
            continue
        if not run(np_, ["-apply", fit, "-input", new_csv, "-output", app, "-id", "sample", "-label", "cls"]):
            continue
        Xtr, Xnew = train[cols].to_numpy(), new[cols].to_numpy()
        if std:
            sc = StandardScaler().fit(Xtr)
            Xtr, Xnew = sc.transform(Xtr), sc.transform(Xnew)
        pca = PCA(n_components=4, svd_solver="full").fit(Xtr)
        with h5py.File(fit, "r") as f:
            close(f"{tag} training scores /scores", f["scores/features"][()], pca.transform(Xtr))
            close(f"{tag} training /pca/scores", f["pca/scores"][()], pca.transform(Xtr))
            close(f"{tag} explained_variance_ratio", f["pca/explained_variance_ratio"][()], pca.explained_variance_ratio_)
            if ("scaler" in f["pca"]) != std:
                FAIL.append(f"{tag}: /pca/scaler present = {'scaler' in f['pca']}, expected {std}")
        with h5py.File(app, "r") as f:
            close(f"{tag} scores of new rows", f["scores/features"][()], pca.transform(Xnew))
            ids = [s.decode() if isinstance(s, bytes) else s for s in f["scores/ids"][()]]
            if ids != list(new["sample"]):
                FAIL.append(f"{tag}: ids beside the scores {ids} != {list(new['sample'])}")
            cn = [s.decode() if isinstance(s, bytes) else s for s in f["scores/labels"].attrs["class_names"]]
            lab = [cn[i] for i in f["scores/labels"][()]]
            if lab != list(new["cls"]):
                FAIL.append(f"{tag}: class labels beside the scores {lab} != {list(new['cls'])}")
            names = [s.decode() if isinstance(s, bytes) else s for s in f["scores/features"].attrs["column_names"]]
            if names != ["PC1", "PC2", "PC3", "PC4"]:
                FAIL.append(f"{tag}: score column names {names}")

# a new table missing a fitted column is an error naming it
bad = os.path.join(a.workdir, "bad.csv")
new.drop(columns=["peak_3"]).to_csv(bad, index=False)
r = subprocess.run([a.matscreen, "pca", "-apply", os.path.join(a.workdir, "fit_std1_np1.h5"), "-input", bad, "-output",
                    os.path.join(a.workdir, "bad.h5"), "-label", "cls", "-id", "sample"], env=env, capture_output=True, text=True)
if r.returncode == 0 or "peak_3" not in r.stderr or os.path.exists(os.path.join(a.workdir, "bad.h5")):
    FAIL.append(f"missing column: rc {r.returncode}, stderr {r.stderr[-300:]!r}")

print("\n".join(FAIL) if FAIL else "pca -apply matches sklearn PCA.transform (plain and standardised, 1 and 2 ranks)")
sys.exit(1 if FAIL else 0)
