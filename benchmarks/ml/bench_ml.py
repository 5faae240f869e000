#!/usr/bin/python3
"""matscreen ML layer vs scikit-learn, side by side in one run.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 benchmarks/ml/bench_ml.py \
        --matscreen build/bin/matscreen [--cases linear_fit,ridge_fit,cv] [--ranks 1,2] [--repeats 3]

Cases linear_like / ridge_like are the like-for-like fits: P ranks against peers on P BLAS
threads (numpy normal equations, matscreen's algorithm, and scikit-learn's solver), with the
coefficient agreement; linear_fit / ridge_fit keep the older comparison (every rank count
against 1 thread, and for linear an SVD against normal equations).

Prints one JSON object per line: case, data size, ranks, matscreen's own timing of the
step (from its log: fit or cross-validation only, no start-up or file reading), the
command's wall time, the peer's time (scikit-learn in this process, same data, same
thread count) and ratio = matscreen_s / peer_s (< 1: matscreen faster). Times are the
minimum over --repeats runs.

Adding a case (GPR, PCA, forests, logistic regression, ...): write `def case_<name>(ctx)`
that yields records made with ctx.record(...), and add it to CASES. ctx.data(n, d, kind)
gives cached synthetic data as (X, y, h5 path in matscreen's dataset layout);
ctx.matscreen(ranks, args, pattern) runs the command and returns (seconds parsed with the
regex `pattern` from its stdout, wall seconds).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np


class Context:
    def __init__(self, a):
        self.a = a
        self.dir = tempfile.mkdtemp(prefix="bench_ml_")
        self.cache = {}
        self.last_cpu = None  # CPU seconds of the fastest matscreen run (train prints them)

    def data(self, n, d, kind="regression", seed=0):
        key = (n, d, kind, seed)
        if key not in self.cache:
            rng = np.random.default_rng(seed)
            X = rng.normal(size=(n, d))
            w = rng.normal(size=d)
            y = X @ w + 0.3 * rng.normal(size=n)
            if kind == "classification":
                y = (y > np.median(y)).astype(int)
            path = os.path.join(self.dir, "%s_%d_%d.h5" % (kind, n, d))
            with h5py.File(path, "w") as f:
                ds = f.create_dataset("features", data=X)
                ds.attrs.create("column_names", ["x%d" % j for j in range(d)], dtype=h5py.string_dtype())
                if kind == "regression":
                    t = f.create_dataset("target", data=y.astype(float))
                    t.attrs.create("name", "y", dtype=h5py.string_dtype())
                else:
                    t = f.create_dataset("labels", data=y.astype(np.int64))
                    t.attrs.create("name", "y", dtype=h5py.string_dtype())
                    t.attrs.create("class_names", ["c0", "c1"], dtype=h5py.string_dtype())
            self.cache[key] = (X, y, path)
        return self.cache[key]

    def matscreen(self, ranks, args, pattern):
        cmd = [self.a.matscreen] + args
        if ranks > 1:
            cmd = [self.a.mpiexec, "--oversubscribe", "-n", str(ranks)] + cmd
        best, wall = float("inf"), float("inf")
        self.min_cpu = None  # the least CPU seconds of the runs (train, nmf print them)
        for _ in range(self.a.repeats):
            t0 = time.perf_counter()
            r = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
            w = time.perf_counter() - t0
            if r.returncode:
                sys.exit("failed: %s\n%s%s" % (" ".join(cmd), r.stdout, r.stderr))
            m = re.search(pattern, r.stdout)
            if not m:
                sys.exit("no timing matching %r in output of %s:\n%s" % (pattern, " ".join(cmd), r.stdout))
            if float(m.group(1)) < best:
                c = re.search(r"; CPU ([0-9.eE+-]+) s;", r.stdout)  # train: CPU seconds of the fit, all ranks
                self.last_cpu = float(c.group(1)) if c else None
            c = re.search(r"; CPU ([0-9.eE+-]+) s;", r.stdout)
            if c and (self.min_cpu is None or float(c.group(1)) < self.min_cpu):
                self.min_cpu = float(c.group(1))
            best, wall = min(best, float(m.group(1))), min(wall, w)
        return best, wall

    def peer(self, fn):
        best = float("inf")
        self.last_peer_cpu = float("inf")  # best CPU seconds of the same calls (the machine is shared)
        for _ in range(self.a.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            best = min(best, time.perf_counter() - t0)
            self.last_peer_cpu = min(self.last_peer_cpu, time.process_time() - c0)
        return best

    def record(self, case, n, d, ranks, ms, wall, peer_name, peer_s, **extra):
        rec = dict(bench="ml", case=case, n=n, d=d, ranks=ranks, matscreen_s=round(ms, 6), matscreen_wall_s=round(wall, 4),
                   peer=peer_name, peer_s=round(peer_s, 6), ratio=round(ms / peer_s, 3) if peer_s > 0 else None,
                   threads=int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0))
        rec.update(extra)
        return rec


def _fit_case(ctx, model, peer_name, make_peer, extra_args):
    for n, d in ((100000, 50), (20000, 200)):
        X, y, path = ctx.data(n, d)
        peer_s = ctx.peer(lambda: make_peer().fit(X, y))
        for ranks in ctx.a.ranks:
            ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "y", "-model", model, "-output", "m.h5"] + extra_args,
                                     r" in ([0-9.eE+-]+) s;")
            yield ctx.record("%s_fit" % model, n, d, ranks, ms, wall, peer_name, peer_s)


def case_linear_fit(ctx):
    from sklearn.linear_model import LinearRegression
    yield from _fit_case(ctx, "linear", "sklearn LinearRegression", LinearRegression, [])


PEERS_LINEAR = {
    # name: algorithm; "same" marks matscreen's own algorithm (the like-for-like kernel peer)
    "linear": {
        "sklearn LinearRegression": "SVD least squares of the n x d matrix (lstsq, gelsd)",
        "numpy normal equations + gelsd": "same: centre, G = Xc^T Xc (syrk), r = Xc^T yc, gelsd on the d x d system",
        "numpy normal equations + Cholesky": "centre, G = Xc^T Xc (syrk), r = Xc^T yc, Cholesky (potrf/potrs)",
    },
    "ridge": {
        "sklearn Ridge(alpha=1, cholesky)": "same class: normal equations + Cholesky (sklearn's own centring and checks)",
        "numpy normal equations + Cholesky": "same: centre, G = Xc^T Xc + alpha I (syrk), Cholesky (potrf/potrs)",
    },
}


def peer_linear(path, model, repeats):
    """Run in a subprocess whose OPENBLAS_NUM_THREADS is the thread count under test: time each
    peer of PEERS_LINEAR[model] (fastest of `repeats`) on X.npy / y.npy in `path` and print one
    JSON object {name: {s, coef, intercept}}. Ridge: alpha = 1, intercept unpenalised."""
    import scipy.linalg
    from sklearn.linear_model import LinearRegression, Ridge
    X, y = np.load(os.path.join(path, "X.npy")), np.load(os.path.join(path, "y.npy"))
    alpha = 1.0 if model == "ridge" else 0.0

    def sk(make):
        def fit():
            m = make().fit(X, y)
            return m.coef_, m.intercept_
        return fit

    def normal(solve):
        def fit():
            xm, ym = X.mean(0), y.mean()
            Xc = X - xm
            G, r = Xc.T @ Xc, Xc.T @ (y - ym)  # numpy calls dsyrk for A.T @ A
            G[np.diag_indices_from(G)] += alpha
            w = solve(G, r)
            return w, ym - xm @ w
        return fit
    chol = normal(lambda G, r: scipy.linalg.cho_solve(scipy.linalg.cho_factor(G), r))
    fns = {"linear": {"sklearn LinearRegression": sk(LinearRegression),
                      "numpy normal equations + gelsd": normal(lambda G, r: scipy.linalg.lstsq(G, r, cond=1e-13, lapack_driver="gelsd")[0]),
                      "numpy normal equations + Cholesky": chol},
           "ridge": {"sklearn Ridge(alpha=1, cholesky)": sk(lambda: Ridge(alpha=1.0, solver="cholesky")),
                     "numpy normal equations + Cholesky": chol}}[model]
    out = {}
    for name, fn in fns.items():
        best, cpu = float("inf"), None
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            w, b = fn()
            t, c = time.perf_counter() - t0, time.process_time() - c0  # CPU: all BLAS threads
            if t < best:
                best, cpu = t, c
        out[name] = dict(s=best, cpu=cpu, coef=[float(v) for v in w], intercept=float(b))
    print(json.dumps(out))


def _model_coef(path):
    """coef and intercept of a linear model file written by `train` (the group holding 'coef')"""
    found = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: found.append(name) if name.endswith("coef") and isinstance(obj, h5py.Dataset) else None)
        g = f[found[0]].parent
        return np.asarray(f[found[0]][:]).ravel(), float(g.attrs["intercept"])


def _like_case(ctx, model, extra_args):
    """Like for like (issue 14 item 5): matscreen's fit on P ranks x 1 thread against each peer
    of PEERS_LINEAR[model] on P BLAS threads (1 rank vs 1 thread, 2 ranks vs 2 threads), the
    same solver class beside scikit-learn's, with the coefficient agreement
    (max |coef difference| / max |coef|) of matscreen with each peer."""
    for n, d in ((100000, 50), (20000, 200)):
        X, y, path = ctx.data(n, d)
        ddir = os.path.join(ctx.dir, "linear_%d_%d" % (n, d))
        if not os.path.exists(os.path.join(ddir, "y.npy")):
            os.makedirs(ddir, exist_ok=True)
            np.save(os.path.join(ddir, "X.npy"), X)
            np.save(os.path.join(ddir, "y.npy"), y)
        for ranks in ctx.a.ranks:
            load = os.getloadavg()
            ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "y", "-model", model, "-output", "m.h5"] + extra_args,
                                     r" in ([0-9.eE+-]+) s;")
            coef, icpt = _model_coef(os.path.join(ctx.dir, "m.h5"))
            env = dict(os.environ, OPENBLAS_NUM_THREADS=str(ranks), OMP_NUM_THREADS=str(ranks))
            r = subprocess.run([sys.executable, os.path.abspath(__file__), "--peer-linear", ddir, "--peer-model", model,
                                "--repeats", str(ctx.a.repeats)], env=env, capture_output=True, text=True, check=True)
            peers = json.loads(r.stdout.strip().splitlines()[-1])
            for name, pr in peers.items():
                pc = np.asarray(pr["coef"])
                alg = PEERS_LINEAR[model][name]
                yield ctx.record("%s_like" % model, n, d, ranks, ms, wall, name, pr["s"], peer_threads=ranks, cores=ranks,
                                 peer_algorithm=alg, same_algorithm=alg.startswith("same"),
                                 matscreen_cpu_s=ctx.last_cpu, peer_cpu_s=pr.get("cpu"),
                                 coef_rel_diff=float(np.max(np.abs(coef - pc)) / np.max(np.abs(pc))),
                                 intercept_diff=abs(icpt - pr["intercept"]), load_avg=[round(v, 2) for v in load])


def case_linear_like(ctx):
    yield from _like_case(ctx, "linear", [])


def case_ridge_like(ctx):
    yield from _like_case(ctx, "ridge", ["-ridge_alpha", "1"])


def case_ridge_fit(ctx):
    from sklearn.linear_model import Ridge
    yield from _fit_case(ctx, "ridge", "sklearn Ridge(alpha=1)", lambda: Ridge(alpha=1.0), ["-ridge_alpha", "1"])


def case_cv(ctx):
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.model_selection import KFold, cross_validate
    n, d, K, R = 20000, 50, 5, 4
    X, y, path = ctx.data(n, d)
    scoring = ["r2", "neg_root_mean_squared_error", "neg_mean_absolute_error", "neg_mean_squared_error"]
    for ranks in ctx.a.ranks:
        def peer():
            for r in range(R):
                for est in (LinearRegression(), Ridge(alpha=1.0)):
                    cross_validate(est, X, y, cv=KFold(K, shuffle=True, random_state=r), scoring=scoring, n_jobs=ranks if ranks > 1 else None)
        peer_s = ctx.peer(peer)
        ms, wall = ctx.matscreen(ranks, ["cv", "-data", path, "-target", "y", "-models", "linear,ridge", "-folds", str(K),
                                         "-repeats", str(R), "-seed", "1", "-output", "cv.csv"], r", ([0-9.eE+-]+) s")
        yield ctx.record("cv_linear_ridge", n, d, ranks, ms, wall, "sklearn cross_validate (n_jobs=%d)" % ranks, peer_s,
                         folds=K, repeats=R, tasks=2 * K * R)


def case_logreg_fit(ctx):
    from sklearn.linear_model import LogisticRegression
    n, d = 50000, 30
    X, y, path = ctx.data(n, d, "classification")
    peer_s = ctx.peer(lambda: LogisticRegression().fit(X, y))
    for ranks in ctx.a.ranks:
        ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "y", "-model", "logreg", "-output", "m.h5"], r" in ([0-9.eE+-]+) s;")
        yield ctx.record("logreg_fit", n, d, ranks, ms, wall, "sklearn LogisticRegression (lbfgs, C=1)", peer_s)


def case_rf_fit(ctx):
    from sklearn.ensemble import RandomForestRegressor
    n, d, T = 5000, 20, 100
    X, y, path = ctx.data(n, d)
    for ranks in ctx.a.ranks:
        peer_s = ctx.peer(lambda: RandomForestRegressor(n_estimators=T, random_state=0, n_jobs=ranks).fit(X, y))
        ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "y", "-model", "rf", "-rf_n_trees", str(T), "-output", "m.h5"],
                                 r" in ([0-9.eE+-]+) s;")
        yield ctx.record("rf_fit", n, d, ranks, ms, wall, "sklearn RandomForestRegressor (n_jobs=%d)" % ranks, peer_s, trees=T)


def case_logreg(ctx):
    """breast_cancer scaled up to 200,000 x 30 (logreg_bench.py's data); l2, C = 1, tol 1e-4.
    benchmarks/ml/logreg_bench.py has the fuller comparison (accuracy reached, wine, tol 1e-6)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from logreg_bench import scaled_up, write_h5
    X, y, cn = scaled_up(load_breast_cancer, 200000)
    path = os.path.join(ctx.dir, "breast_cancer_200000.h5")
    write_h5(path, X, y, cn)
    peer_s = ctx.peer(lambda: LogisticRegression(multi_class="multinomial", C=1.0, tol=1e-4, max_iter=1000).fit(X, y))
    for ranks in ctx.a.ranks:
        ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "class", "-model", "logreg", "-logreg_C", "1",
                                         "-logreg_tol", "1e-4", "-logreg_max_it", "1000", "-output", "m.h5"],
                                 r" in ([0-9.eE+-]+) s;")
        yield ctx.record("logreg", X.shape[0], X.shape[1], ranks, ms, wall, "sklearn LogisticRegression(lbfgs, C=1, tol=1e-4)", peer_s)


def case_rf(ctx):
    """Random forest, 200 trees on 100k x 20 make_classification, vs RandomForestClassifier
    (n_jobs=2), 1 rank x 2 threads and 2 ranks x 1 thread: see rf_bench.py (library-level
    timing of fit and predict by build/benchmarks/bench_rf)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import rf_bench
    build = os.path.dirname(os.path.dirname(ctx.a.matscreen))
    yield from rf_bench.run(build, os.path.join(ctx.dir, "rf_data"))

# The zoo's peers are code strings, run twice: warm (best of --repeats calls in this interpreter,
# after a first call has faulted in the heap) and cold (one call in a fresh interpreter, best of
# --repeats interpreters; imports and data loading outside the timer). The cold figure is what a
# script that fits once pays, and so the like-for-like one for a `matscreen train` process; the
# warm one is kept as the stricter comparison. SETUP defines `m` (or anything STMT uses).
ZOO_IMPORTS = ("import warnings\nwarnings.simplefilter('ignore')\n"
               "from sklearn import decomposition, ensemble, naive_bayes, neighbors, neural_network, svm\n"
               "from sklearn.model_selection import KFold, cross_val_score\n")

XGB_CLASS = ("import xgboost\n"
             "class XGB:\n"
             "    def fit(self, X, y):\n"
             "        self.b = xgboost.train({'eta': 0.1, 'max_depth': 3, 'tree_method': 'hist', 'nthread': 1, 'verbosity': 0},\n"
             "                               xgboost.DMatrix(X, label=y), num_boost_round=100)\n"
             "        return self\n"
             "    def predict(self, X):\n"
             "        return self.b.predict(xgboost.DMatrix(X))\n")

COLD_DRIVER = ("import sys, time, h5py\n"
               "f = h5py.File(sys.argv[1]); X = f['features'][()]\n"
               "y = f['target'][()] if 'target' in f else (f['labels'][()] if 'labels' in f else None)\n"
               "exec(sys.argv[2]); exec(sys.argv[3])\n"
               "t0 = time.perf_counter(); exec(sys.argv[4]); print(time.perf_counter() - t0)\n")


def _peer_ns(setup):
    ns = {}
    exec(ZOO_IMPORTS, ns)
    exec(setup, ns)
    return ns


def _peer_warm(ctx, X, y, setup, stmt):
    """best of --repeats runs of STMT in this interpreter, SETUP re-run before each (a fresh model)"""
    ns = _peer_ns("")
    best = float("inf")
    ctx.last_peer_cpu = float("inf")  # best CPU seconds of the same calls (the machine is shared)
    for _ in range(ctx.a.repeats):
        exec(setup, ns)
        ns.update(X=X, y=y)
        t0, c0 = time.perf_counter(), time.process_time()
        exec(stmt, ns)
        best = min(best, time.perf_counter() - t0)
        ctx.last_peer_cpu = min(ctx.last_peer_cpu, time.process_time() - c0)
    return best, ns


def _peer_cold(ctx, path, setup, stmt):
    """STMT's first run in a fresh interpreter, best of --repeats interpreters"""
    best = float("inf")
    for _ in range(ctx.a.repeats):
        r = subprocess.run(["/usr/bin/python3", "-c", COLD_DRIVER, path, ZOO_IMPORTS, setup, stmt], capture_output=True, text=True)
        if r.returncode:
            sys.exit("cold peer failed: %s\n%s" % (stmt, r.stderr))
        best = min(best, float(r.stdout.split()[-1]))
    return round(best, 6)


def _zoo_fit(ctx, case, n, d, kind, args, peer_name, ctor, proba=False, setup=""):
    """fit (train's log) and predict (predict's log: the model's work, no reading or writing)
    of one model beside the peer's fit (warm and cold) and predict (+ predict_proba where
    matscreen's predict also writes class probabilities) on the same rows; CTOR is the peer's
    constructor as code"""
    if case[:-len("_fit")] not in ctx.a.zoo.split(","):
        return
    X, y, path = ctx.data(n, d, kind)
    setup = setup + "m = %s\n" % ctor
    peer_s, ns = _peer_warm(ctx, X, y, setup, "m.fit(X, y)")
    cold_s = _peer_cold(ctx, path, setup, "m.fit(X, y)")
    fitted = ns["m"]
    pred_s = ctx.peer(lambda: (fitted.predict(X), fitted.predict_proba(X) if proba else None))
    for ranks in ctx.a.ranks:
        ms, wall = ctx.matscreen(ranks, ["train", "-data", path, "-target", "y", "-output", "m.h5"] + args, r" in ([0-9.eE+-]+) s;")
        yield ctx.record(case, n, d, ranks, ms, wall, peer_name, peer_s, peer_cold_s=cold_s, ratio_cold=round(ms / cold_s, 3))
        ms, wall = ctx.matscreen(ranks, ["predict", "-model", "m.h5", "-data", path, "-output", "p.csv"],
                                 r" in ([0-9.eE+-]+) s; predictions")
        yield ctx.record(case.replace("_fit", "_predict"), n, d, ranks, ms, wall,
                         peer_name + (" predict + predict_proba" if proba else " predict"), pred_s)


def _zoo_nmf(ctx):
    """NMF: `matscreen nmf`'s fit time (its log) beside sklearn.decomposition.NMF on the same
    non-negative rows, same k, init (nndsvda), solver (hals = scikit-learn's cd; mu) and a fixed
    200 iterations (tol 0 on both sides), with both reconstruction errors; also both sides' CPU
    seconds (the least of the runs: the fit's CPU from the log, all ranks; the peer's process time)"""
    if "nmf" not in ctx.a.zoo.split(","):
        return
    n, d, k = 10000, 500, 10
    rng = np.random.default_rng(0)
    X = rng.gamma(2.0, size=(n, k)) @ rng.gamma(1.0, size=(k, d)) + 0.1 * np.abs(rng.normal(size=(n, d)))
    path = os.path.join(ctx.dir, "nmf_%d_%d.h5" % (n, d))
    with h5py.File(path, "w") as f:
        ds = f.create_dataset("features", data=X)
        ds.attrs.create("column_names", ["p%d" % j for j in range(d)], dtype=h5py.string_dtype())
    for solver, sk_solver in (("hals", "cd"), ("mu", "mu")):
        setup = "m = decomposition.NMF(n_components=%d, init='nndsvda', solver='%s', max_iter=200, tol=0.0)\n" % (k, sk_solver)
        peer_s, ns = _peer_warm(ctx, X, None, setup, "m.fit_transform(X)")
        peer_cpu = ctx.last_peer_cpu
        cold_s = _peer_cold(ctx, path, setup, "m.fit_transform(X)")
        sk_err = float(ns["m"].reconstruction_err_)
        for ranks in ctx.a.ranks:
            ms, wall = ctx.matscreen(ranks, ["nmf", "-data", path, "-nmf_n_components", str(k), "-nmf_solver", solver, "-nmf_max_iter", "200",
                                             "-nmf_tol", "0", "-output", "nmf.h5"], r"iterations\) in ([0-9.eE+-]+) s;")
            with h5py.File(os.path.join(ctx.dir, "nmf.h5")) as f:
                err = float(f["/nmf"].attrs["reconstruction_err"])
            yield ctx.record("nmf_%s_fit" % solver, n, d, ranks, ms, wall, "sklearn NMF(k=10, nndsvda, solver=%s, 200 iterations)" % sk_solver,
                             peer_s, peer_cold_s=cold_s, ratio_cold=round(ms / cold_s, 3), err=err, peer_err=sk_err,
                             matscreen_cpu_s=ctx.min_cpu, peer_cpu_s=round(peer_cpu, 4),
                             cpu_ratio=round(ctx.min_cpu / peer_cpu, 3) if ctx.min_cpu and peer_cpu > 0 else None)


def case_zoo(ctx):
    """The model zoo (knn, gnb, svm (RBF and linear classes, RBF regression), xgb, adaboost (SAMME and R2), mlp, nmf): fit time from `matscreen train`'s log
    (no start-up or file reading) beside the scikit-learn / xgboost fit on the same data with the
    same hyperparameters and one thread, warm (peer_s, ratio) and cold (peer_cold_s, ratio_cold:
    the peer's first fit in a fresh interpreter). knn's fit stores the rows; its cost is in
    prediction, so knn is timed by 5-fold CV (fit + predict of every fold) against cross_val_score."""
    yield from _zoo_fit(ctx, "gnb_fit", 200000, 50, "classification", ["-model", "gnb"], "sklearn GaussianNB", "naive_bayes.GaussianNB()",
                        proba=True)
    yield from _zoo_fit(ctx, "svm_fit", 5000, 20, "classification", ["-model", "svm", "-svm_probability", "false"],
                        "sklearn SVC(rbf, C=1, gamma=scale)", "svm.SVC()")
    yield from _zoo_fit(ctx, "svm_platt_fit", 5000, 20, "classification", ["-model", "svm"],
                        "sklearn SVC(probability=True)", "svm.SVC(probability=True)", proba=True)
    yield from _zoo_fit(ctx, "svr_fit", 5000, 20, "regression", ["-model", "svm"],
                        "sklearn SVR(rbf, C=1, epsilon=0.1, gamma=scale)", "svm.SVR()")
    yield from _zoo_fit(ctx, "svm_linear_fit", 5000, 20, "classification", ["-model", "svm", "-svm_kernel", "linear", "-svm_probability", "false"],
                        "sklearn SVC(linear, C=1)", "svm.SVC(kernel='linear')")
    yield from _zoo_fit(ctx, "adaboost_r2_fit", 20000, 20, "regression", ["-model", "adaboost"],
                        "sklearn AdaBoostRegressor(R2 linear, 50 trees of depth 3)", "ensemble.AdaBoostRegressor(random_state=0)")
    yield from _zoo_fit(ctx, "adaboost_fit", 20000, 20, "classification", ["-model", "adaboost"],
                        "sklearn AdaBoostClassifier(SAMME, 50 stumps)", "ensemble.AdaBoostClassifier(algorithm='SAMME')",
                        proba=True)
    yield from _zoo_fit(ctx, "mlp_fit", 20000, 20, "regression", ["-model", "mlp", "-mlp_max_iter", "30", "-mlp_tol", "0"],
                        "sklearn MLPRegressor(100, adam, 30 epochs)",
                        "neural_network.MLPRegressor(max_iter=30, tol=0.0, n_iter_no_change=1000)")
    try:
        import xgboost  # noqa: F401 (the peer needs the Python package)
        yield from _zoo_fit(ctx, "xgb_fit", 100000, 20, "regression", ["-model", "xgb"], "xgboost.train (same library, Python)", "XGB()",
                            setup=XGB_CLASS)
    except ImportError:
        pass
    yield from _zoo_nmf(ctx)
    if "knn" not in ctx.a.zoo.split(","):
        return
    n, d = 20000, 20
    X, y, path = ctx.data(n, d, "classification")
    stmt = "cross_val_score(neighbors.KNeighborsClassifier(algorithm='brute'), X, y, cv=KFold(5, shuffle=True, random_state=0))"
    peer_s, _ = _peer_warm(ctx, X, y, "", stmt)
    cold_s = _peer_cold(ctx, path, "", stmt)
    for ranks in ctx.a.ranks:
        ms, wall = ctx.matscreen(ranks, ["cv", "-data", path, "-target", "y", "-models", "knn", "-folds", "5", "-seed", "1", "-output", "cv.csv"],
                                 r", ([0-9.eE+-]+) s")
        yield ctx.record("knn_cv5", n, d, ranks, ms, wall, "sklearn cross_val_score(KNeighborsClassifier brute, 5 folds)", peer_s,
                         peer_cold_s=cold_s, ratio_cold=round(ms / cold_s, 3))


CASES = {"linear_fit": case_linear_fit, "linear_like": case_linear_like, "ridge_like": case_ridge_like, "ridge_fit": case_ridge_fit, "cv": case_cv, "logreg_fit": case_logreg_fit,
         "logreg": case_logreg, "rf_fit": case_rf_fit, "rf": case_rf,
         "zoo": case_zoo}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--matscreen", default="build/bin/matscreen")
    p.add_argument("--mpiexec", default="mpiexec")
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--ranks", default="1,2")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--zoo", default="gnb,svm,svm_platt,svr,svm_linear,adaboost,adaboost_r2,mlp,xgb,nmf,knn", help="models of the zoo case")
    p.add_argument("--peer-linear", help=argparse.SUPPRESS)  # internal: the peers of linear_like, in a subprocess
    p.add_argument("--peer-model", default="linear", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.peer_linear:
        return peer_linear(a.peer_linear, a.peer_model, a.repeats)
    a.matscreen = os.path.abspath(a.matscreen)
    a.ranks = [int(r) for r in a.ranks.split(",")]
    ctx = Context(a)
    for name in a.cases.split(","):
        for rec in CASES[name](ctx):
            print(json.dumps(rec), flush=True)


if __name__ == "__main__":
    main()
