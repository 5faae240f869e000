#!/usr/bin/python3
"""scikit-learn 1.2 reference fits for the logreg parity test (test_logreg_parity.c).

Writes OUT.h5 with
  /data/<name>    a dataset in matscreen's HDF5 layout (features + labels), standardised
                  (<name>_raw: the same, not standardised)
  /cases/<case>   attributes data, penalty, C, l1_ratio, class_weight, fit_intercept and the
                  reference coef (n_rows x d), intercept (n_rows), proba (n x n_classes)
The references are converged far below the test's 1e-4 tolerance: newton-cg (quadratic
convergence, tol 1e-10) for none/l2 and saga (tol 1e-12) for l1/elastic net; sklearn's lbfgs
stops on its f-tolerance near 1e-5 of the optimum, too early to be an oracle at 1e-4.
penalty none needs a non-separable problem (on the full, separable, data sets the optimum
is at infinity), hence the feature subsets bc3, wine4 and iris1.
"""
import sys
import warnings

import h5py
import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")  # newton-cg line-search and saga convergence chatter at these tolerances


def datasets():
    out = {}
    for name, loader in (("bc", load_breast_cancer), ("wine", load_wine), ("iris", load_iris)):
        d = loader()
        X = StandardScaler().fit_transform(d.data)
        out[name] = (X, d.target, list(d.feature_names), [str(c) for c in d.target_names])
        # raw features: the C test fits them through ms_model with -scaler standard and
        # compares with the case fitted on the standardised copy
        out[name + "_raw"] = (d.data, d.target, list(d.feature_names), [str(c) for c in d.target_names])
    for name, base, cols in (("bc3", "bc", [0, 1, 4]), ("wine4", "wine", [0, 1, 2, 3]), ("iris1", "iris", [0])):
        X, y, fn, cn = out[base]
        out[name] = (X[:, cols], y, [fn[c] for c in cols], cn)
    return out


CASES = [  # name, data, penalty, C, l1_ratio, class_weight, fit_intercept
    ("bc3_none", "bc3", "none", 1.0, 0.5, None, True),
    ("wine4_none", "wine4", "none", 1.0, 0.5, None, True),
    ("iris1_none", "iris1", "none", 1.0, 0.5, None, True),
]
for data in ("bc", "wine", "iris"):
    for C in (0.1, 1.0, 10.0):
        CASES.append((f"{data}_l2_C{C:g}", data, "l2", C, 0.5, None, True))
CASES += [
    ("bc_l2_nointercept", "bc", "l2", 1.0, 0.5, None, False),
    ("bc_l2_balanced", "bc", "l2", 1.0, 0.5, "balanced", True),
    ("wine_l2_balanced", "wine", "l2", 1.0, 0.5, "balanced", True),
    ("bc_l1_C0.1", "bc", "l1", 0.1, 0.5, None, True),
    ("bc_elasticnet_C0.1", "bc", "elasticnet", 0.1, 0.5, None, True),
    ("wine_l1", "wine", "l1", 1.0, 0.5, None, True),
    ("iris_l1", "iris", "l1", 1.0, 0.5, None, True),
    ("wine_elasticnet", "wine", "elasticnet", 1.0, 0.5, None, True),
    ("iris_elasticnet", "iris", "elasticnet", 1.0, 0.3, None, True),
    ("wine_l1_balanced", "wine", "l1", 1.0, 0.5, "balanced", True),
]


def fit(X, y, penalty, C, l1_ratio, class_weight, fit_intercept):
    kw = dict(multi_class="multinomial", C=C, class_weight=class_weight, fit_intercept=fit_intercept)
    if penalty in ("l1", "elasticnet"):
        kw.update(solver="saga", penalty=penalty, tol=1e-12, max_iter=20000)
        if penalty == "elasticnet":
            kw["l1_ratio"] = l1_ratio
    else:
        kw.update(solver="newton-cg", penalty=penalty, tol=1e-10, max_iter=200)
    return LogisticRegression(**kw).fit(X, y)


def main(path):
    data = datasets()
    with h5py.File(path, "w") as f:
        for name, (X, y, fn, cn) in data.items():
            g = f.create_group(f"data/{name}")
            d = g.create_dataset("features", data=X)
            d.attrs.create("column_names", fn, dtype=h5py.string_dtype())
            d = g.create_dataset("labels", data=y.astype(np.int64))
            d.attrs["name"] = "class"
            d.attrs.create("class_names", cn, dtype=h5py.string_dtype())
        for case, dname, penalty, C, l1_ratio, cw, fi in CASES:
            X, y = data[dname][0], data[dname][1]
            m = fit(X, y, penalty, C, l1_ratio, cw, fi)
            g = f.create_group(f"cases/{case}")
            for k, v in (("data", dname), ("penalty", penalty), ("class_weight", cw or "none")):
                g.attrs[k] = v
            g.attrs["C"] = float(C)
            g.attrs["l1_ratio"] = float(l1_ratio)
            g.attrs["fit_intercept"] = np.int64(fi)
            g.create_dataset("coef", data=m.coef_)
            g.create_dataset("intercept", data=np.asarray(m.intercept_, dtype=float))
            g.create_dataset("proba", data=m.predict_proba(X))


if __name__ == "__main__":
    main(sys.argv[1])
