#!/usr/bin/python3
"""Parity of matscreen's ML core with scikit-learn 1.2 (run by CTest, label parity).

    ml_parity.py MODE --probe PROBE --mpiexec MPIEXEC [--np N]

MODE scalers: StandardScaler, MinMaxScaler, Normalizer(max, l1), log1p, clipping vs probe_ml
     metrics: sklearn.metrics on fixed random vectors vs probe_ml
     linear:  LinearRegression / Ridge (and StandardScaler + Ridge) on load_diabetes vs
              `matscreen train` + `matscreen predict` (predictions and saved coefficients)
     cv:      `matscreen cv` per-fold scores equal to scikit-learn's on the same folds (the
              fold assignment printed by probe_ml; scaler fitted inside each fold), identical
              on 1 and 2 ranks, and equal (1e-12) on 3 ranks where the fewer-tasks-than-ranks
              path shards each fold over a sub-communicator
Data sets come from sklearn.datasets (bundled with python3-sklearn) and are exported to CSV
in the test's working directory. Exit status 1 on any mismatch, with every mismatch listed.
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np
from sklearn import datasets, metrics, preprocessing
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.pipeline import make_pipeline

FAIL = []


def check(name, got, want, rtol, atol=0.0):
    got, want = np.asarray(got, float), np.asarray(want, float)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape %s vs %s" % (got.shape, want.shape)
        FAIL.append("%s: max abs diff %s (rtol %g, atol %g)" % (name, err, rtol, atol))
    else:
        print("ok   %s" % name)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("command failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def mpi(a, np_, *cmd):
    return [a.mpiexec, "--oversubscribe", "-n", str(np_), *cmd] if np_ > 1 else list(cmd)


def write_csv(path, X, names, y=None, target="target", ids=True):
    with open(path, "w") as f:
        f.write(",".join((["id"] if ids else []) + names + ([target] if y is not None else [])) + "\n")
        for i, row in enumerate(X):
            fields = (["s%d" % i] if ids else []) + [repr(float(v)) for v in row]
            if y is not None:
                fields.append(repr(float(y[i])))
            f.write(",".join(fields) + "\n")


def read_csv_column(path, col):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split(",")
    k = head.index(col)
    return [l.split(",")[k] for l in lines[1:]]


def mode_scalers(a):
    rng = np.random.default_rng(5)
    X = rng.lognormal(1.0, 1.5, size=(57, 6))
    X[:, 2] = 3.25            # constant column
    X[:, 4] *= 1e4            # large offset relative to spread
    names = ["c%d" % j for j in range(X.shape[1])]
    write_csv("scaler.csv", X, names, ids=False)
    oracles = {
        "standard": preprocessing.StandardScaler().fit_transform(X),
        "minmax": preprocessing.MinMaxScaler().fit_transform(X),
        "normalize_max": preprocessing.Normalizer(norm="max").fit_transform(X),
        "normalize_total": preprocessing.Normalizer(norm="l1").fit_transform(X),
        "log1p": np.log1p(X),
        "truncate": X,
    }
    for np_ in (1, a.np):
        for t, want in oracles.items():
            got = np.loadtxt(run(mpi(a, np_, a.probe, "scaler", t, "scaler.csv")).splitlines())
            check("scaler %s vs sklearn (%d ranks)" % (t, np_), got, want, rtol=1e-12, atol=1e-12)
    # New rows, half of them outside the training range in every column: transforming the
    # training table itself never clips (truncate) nor extrapolates (minmax).
    lo, hi = X.min(axis=0), X.max(axis=0)
    Xn = np.vstack([lo - 1 - rng.random((5, 6)) * (hi - lo), hi + 1 + rng.random((5, 6)) * (hi - lo),
                    lo + rng.random((7, 6)) * (hi - lo)])
    Xn[:, 2] = [2.0, 3.25, 4.5] * 5 + [3.25, 3.25]
    write_csv("scaler_new.csv", Xn, names, ids=False)
    assert ((Xn < lo) | (Xn > hi)).sum() >= 50, "new rows must leave the training range"
    new = {
        "standard": preprocessing.StandardScaler().fit(X).transform(Xn),
        "minmax": preprocessing.MinMaxScaler().fit(X).transform(Xn),
        "truncate": np.clip(Xn, lo, hi),  # clipped to the training min/max per column
    }
    for np_ in (1, a.np):
        for t, want in new.items():
            got = np.loadtxt(run(mpi(a, np_, a.probe, "scaler", t, "scaler.csv", "scaler_new.csv")).splitlines())
            check("scaler %s on new rows outside the training range (%d ranks)" % (t, np_), got, want, rtol=1e-12, atol=1e-12)


def mode_metrics(a):
    rng = np.random.default_rng(11)
    n, K = 97, 4
    y = rng.normal(10, 3, n)
    yh = y + rng.normal(0, 1.5, n)
    t = rng.integers(0, K, n)
    p = np.where(rng.random(n) < 0.6, t, rng.integers(0, K, n))
    P = rng.dirichlet(np.ones(K), n)
    P[0] = [1.0, 0.0, 0.0, 0.0]   # exercise clipping
    with open("metrics.txt", "w") as f:
        f.write("%d %d\n" % (n, K))
        for i in range(n):
            f.write("%r %r %d %d %s\n" % (y[i], yh[i], t[i], p[i], " ".join(repr(v) for v in P[i])))
    want = {
        "mse": metrics.mean_squared_error(y, yh), "rmse": np.sqrt(metrics.mean_squared_error(y, yh)),
        "mae": metrics.mean_absolute_error(y, yh), "r2": metrics.r2_score(y, yh),
        "accuracy": metrics.accuracy_score(t, p),
        "log_loss": metrics.log_loss(t, P, labels=list(range(K))),
    }
    for avg in ("macro", "weighted"):
        want["precision_" + avg] = metrics.precision_score(t, p, average=avg, zero_division=0)
        want["recall_" + avg] = metrics.recall_score(t, p, average=avg, zero_division=0)
        want["f1_" + avg] = metrics.f1_score(t, p, average=avg, zero_division=0)
    for k, (pr, rc, f1) in enumerate(zip(metrics.precision_score(t, p, average=None, zero_division=0),
                                         metrics.recall_score(t, p, average=None, zero_division=0),
                                         metrics.f1_score(t, p, average=None, zero_division=0))):
        want["precision_%d" % k], want["recall_%d" % k], want["f1_%d" % k] = pr, rc, f1
    for k, v in enumerate(metrics.confusion_matrix(t, p, labels=list(range(K))).ravel()):
        want["confusion_%d" % k] = v
    for np_ in (1, a.np):
        got = dict((l.split()[0], float(l.split()[1])) for l in run(mpi(a, np_, a.probe, "metrics", "metrics.txt")).splitlines())
        for k, v in want.items():
            check("metric %s vs sklearn (%d ranks)" % (k, np_), got.get(k, np.nan), v, rtol=1e-12, atol=1e-14)


def mode_linear(a):
    d = datasets.load_diabetes()
    X, y = d.data, d.target
    write_csv("diabetes.csv", X, list(d.feature_names), y)
    write_csv("diabetes_x.csv", X, list(d.feature_names))
    cases = [("linear", [], LinearRegression()),
             ("ridge", ["-ridge_alpha", "1"], Ridge(alpha=1.0)),
             ("ridge", ["-ridge_alpha", "0.01"], Ridge(alpha=0.01)),
             ("ridge", ["-ridge_alpha", "3", "-scaler", "standard"], make_pipeline(preprocessing.StandardScaler(), Ridge(alpha=3.0)))]
    for np_ in (1, a.np):
        for model, opts, sk in cases:
            sk.fit(X, y)
            label = "%s %s (%d ranks)" % (model, " ".join(opts), np_)
            run(mpi(a, np_, a.matscreen, "train", "-data", "diabetes.csv", "-target", "target", "-id", "id", "-model", model,
                    "-output", "model.h5", "-quiet", *opts))
            run(mpi(a, np_, a.matscreen, "predict", "-model", "model.h5", "-data", "diabetes_x.csv", "-id", "id",
                    "-output", "pred.csv", "-quiet"))
            got = np.array(read_csv_column("pred.csv", "prediction"), float)
            ids = read_csv_column("pred.csv", "id")
            if ids != ["s%d" % i for i in range(len(y))]:
                FAIL.append("%s: prediction ids out of order" % label)
            check("predictions " + label + " vs sklearn", got, sk.predict(X), rtol=1e-9, atol=1e-9)
            est = sk[-1] if hasattr(sk, "steps") else sk
            with h5py.File("model.h5", "r") as f:
                g = f["model"]
                if "-scaler" not in opts:
                    check("coef " + label, g["coef"][...], est.coef_, rtol=1e-8, atol=1e-8)
                    check("intercept " + label, g.attrs["intercept"], est.intercept_, rtol=1e-10)
                if list(g.attrs["feature_names"]) != list(d.feature_names):
                    FAIL.append("%s: feature_names %s" % (label, list(g.attrs["feature_names"])))
                want_attrs = {"type": model, "task": "regression", "target_name": "target", "seed": 0, "n_classes": 0}
                for k, v in want_attrs.items():
                    got_v = g.attrs.get(k)
                    got_v = got_v.decode() if isinstance(got_v, bytes) else got_v
                    if got_v != v:
                        FAIL.append("%s: /model attribute %s = %r, expected %r" % (label, k, got_v, v))
                sc = g["scaler"].attrs.get("type")
                sc = sc.decode() if isinstance(sc, bytes) else sc
                if sc != ("standard" if "-scaler" in opts else "none"):
                    FAIL.append("%s: /model/scaler type %r" % (label, sc))
                if "command_line" not in f.attrs or "train" not in str(f.attrs["command_line"]):
                    FAIL.append("%s: provenance attribute command_line missing" % label)


def cv_values(a, np_, *extra):
    out = "cv_np%d.csv" % np_
    run(mpi(a, np_, a.matscreen, "cv", "-data", "diabetes.csv", "-target", "target", "-id", "id", "-seed", "17",
            "-output", out, "-quiet", *extra))
    return read_csv_column(out, "value")


def mode_cv(a):
    d = datasets.load_diabetes()
    X, y = d.data, d.target
    write_csv("diabetes.csv", X, list(d.feature_names), y)
    # Per-fold parity: the same folds through scikit-learn (StandardScaler fitted per fold).
    K, R = 4, 2
    values = cv_values(a, 1, "-models", "linear,ridge", "-folds", str(K), "-repeats", str(R), "-scaler", "standard")
    with open("cv_np1.csv") as f:
        rows = [l.rstrip("\n").split(",") for l in f if not l.startswith("#")][1:]
    got = {(r[0], r[1], r[2], r[3]): float(r[4]) for r in rows}
    for r in range(R):
        fold = np.array(run([a.probe, "folds", str(len(y)), str(K), "17", str(r)]).split(), int)
        for k in range(K):
            tr, te = fold != k, fold == k
            for name, est in (("linear", LinearRegression()), ("ridge", Ridge(alpha=1.0))):
                yh = make_pipeline(preprocessing.StandardScaler(), est).fit(X[tr], y[tr]).predict(X[te])
                want = {"r2": metrics.r2_score(y[te], yh), "mse": metrics.mean_squared_error(y[te], yh),
                        "rmse": np.sqrt(metrics.mean_squared_error(y[te], yh)), "mae": metrics.mean_absolute_error(y[te], yh)}
                for m, v in want.items():
                    check("cv %s %s repeat %d fold %d vs sklearn" % (name, m, r, k), got[(name, m, str(r), str(k))], v, rtol=1e-9)
    args = ["-models", "linear,ridge", "-folds", "5", "-repeats", "2", "-cv_grid", "ridge_alpha=0.1,1"]
    # Hold-out: CV on the rest, the best (only) candidate refitted there and scored on the test rows.
    cv_values(a, a.np, "-models", "ridge", "-ridge_alpha", "0.3", "-folds", "3", "-test_fraction", "0.25")
    with open("cv_np%d.csv" % a.np) as f:
        rows = [l.rstrip("\n").split(",") for l in f if not l.startswith("#")][1:]
    got = {r[1]: float(r[4]) for r in rows if r[3] == "test"}
    is_test = np.array(run([a.probe, "holdout", str(len(y)), "0.25", "17"]).split(), int) == 1
    want_n = int(np.floor(0.25 * len(y) + 0.5))      # round half away from zero, as llround
    if is_test.sum() != want_n:
        FAIL.append("hold-out has %d rows, expected %d" % (is_test.sum(), want_n))
    yh = Ridge(alpha=0.3).fit(X[~is_test], y[~is_test]).predict(X[is_test])
    check("cv hold-out test r2 vs sklearn", got.get("r2", np.nan), metrics.r2_score(y[is_test], yh), rtol=1e-9)
    check("cv hold-out test mae vs sklearn", got.get("mae", np.nan), metrics.mean_absolute_error(y[is_test], yh), rtol=1e-9)
    v1, v2 = cv_values(a, 1, *args), cv_values(a, a.np, *args)
    if v1 != v2:
        FAIL.append("cv per-fold scores differ between 1 and %d ranks" % a.np)
    else:
        print("ok   cv: %d per-fold/mean/std values identical on 1 and %d ranks" % (len(v1), a.np))
    # Classification: stratified, repeated; per-fold accuracy ... log-loss identical on 1 and 2 ranks.
    iris = datasets.load_iris()
    with open("iris.csv", "w") as f:
        f.write("id," + ",".join("f%d" % j for j in range(4)) + ",species\n")
        for i, (x, t) in enumerate(zip(iris.data, iris.target)):
            f.write("s%d,%s,%s\n" % (i, ",".join(repr(float(v)) for v in x), iris.target_names[t]))
    cargs = ["-models", "logreg,tree", "-folds", "5", "-repeats", "2", "-stratified", "-scaler", "standard"]
    runs = []
    for np_ in (1, a.np):
        out = "cvc_np%d.csv" % np_
        run(mpi(a, np_, a.matscreen, "cv", "-data", "iris.csv", "-target", "species", "-id", "id", "-seed", "5",
                "-output", out, "-quiet", *cargs))
        runs.append(read_csv_column(out, "value"))
    if runs[0] != runs[1]:
        FAIL.append("classification cv scores differ between 1 and %d ranks" % a.np)
    else:
        print("ok   classification cv: %d values identical on 1 and %d ranks" % (len(runs[0]), a.np))
    acc = [float(v) for m, k, v in zip(read_csv_column("cvc_np1.csv", "metric"), read_csv_column("cvc_np1.csv", "fold"), runs[0])
           if m == "accuracy" and k.isdigit()]
    if len(acc) != 2 * 2 * 5 or min(acc) < 0.75:
        FAIL.append("classification cv accuracies implausible: %s" % acc)
    # 2 folds x 1 candidate on 3 ranks: fewer tasks than ranks, folds sharded on sub-communicators.
    args = ["-models", "ridge", "-folds", "2"]
    check("cv on sub-communicators (3 ranks) vs 1 rank", np.array(cv_values(a, 3, *args), float),
          np.array(cv_values(a, 1, *args), float), rtol=1e-12, atol=1e-12)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["scalers", "metrics", "linear", "cv"])
    p.add_argument("--probe")
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--np", type=int, default=2)
    a = p.parse_args()
    a.matscreen = os.environ.get("MATSCREEN", "matscreen")
    globals()["mode_" + a.mode](a)
    for f in FAIL:
        print("FAIL " + f)
    sys.exit(1 if FAIL else 0)


if __name__ == "__main__":
    main()
