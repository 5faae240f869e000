"""scikit-learn 1.2.1 reference for tests/parity/test_pca_parity.c.

Usage: pca_reference.py OUT.txt
For each data set (wine, breast_cancer, a 2000 x 300 standard-normal matrix with mixed column
scales from numpy seed 0) writes: name n d, X (row-major), then PCA(svd_solver="full") fitted
on all rows: explained_variance_, explained_variance_ratio_, singular_values_, components_
(k x d), the scores of the first 5 rows, noise_variance_ of PCA(n_components=3).
"""
import sys
import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.decomposition import PCA

rng = np.random.default_rng(0)
R = rng.standard_normal((2000, 300)) * np.linspace(0.5, 3.0, 300)
sets = [("wine", load_wine().data), ("breast_cancer", load_breast_cancer().data), ("random", R)]
with open(sys.argv[1], "w") as f:
    def row(v):
        f.write(" ".join("%.17g" % x for x in np.ravel(v)) + "\n")
    f.write("%d\n" % len(sets))
    for name, X in sets:
        p = PCA(svd_solver="full").fit(X)
        f.write("%s %d %d %d\n" % (name, X.shape[0], X.shape[1], p.n_components_))
        row(X)
        row(p.explained_variance_); row(p.explained_variance_ratio_); row(p.singular_values_)
        row(p.components_); row(p.transform(X[:5]))
        row([PCA(n_components=3, svd_solver="full").fit(X).noise_variance_])
