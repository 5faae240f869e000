#!/usr/bin/python3
"""Parity of the model zoo (knn, gnb, svm, xgb) with scikit-learn (run by CTest, label parity).

    zoo_parity.py MODE --matscreen EXE --probe PROBE --mpiexec MPIEXEC

MODE knn: KNeighborsRegressor / KNeighborsClassifier (uniform and distance weights, p = 1 and 2)
          predictions and probabilities (1e-10), on 1 and 2 ranks
     gnb: GaussianNB probabilities (1e-8) and classes, on 1 and 2 ranks, plus a constant-offset
          feature (1e6 + small spread) where a one-pass variance would lose every digit
     svm: SVC (RBF, 3 classes, 'ovo' decision values; linear, 2 classes) decision values within
          1e-4, predicted classes equal; SVR (RBF) predictions within 1e-4; Platt probabilities
          sum to one and agree with scikit-learn's argmax on most rows; identical on 2 ranks
     xgb: the xgboost Python package (Debian python3-xgboost, the same 1.7 library) with the same
          parameters: regression predictions bit-identical (1 and 2 ranks), 2- and 3-class
          probabilities (float precision; 3 classes also on 2 ranks); a model file in the
          layout written before UBJSON (text JSON in `booster_json`) predicts the same bits
     adaboost: AdaBoostClassifier(algorithm="SAMME") probabilities and classes exactly (2 and 3
          classes, 1 and 2 ranks); AdaBoost.R2 held-out R^2 within 0.03 of AdaBoostRegressor's
          (its bootstrap streams differ) and clearly above one depth-3 tree
     nmf: `matscreen nmf` (HALS and MU) reaches a Frobenius error no worse than 1.001 x
          scikit-learn's NMF (same nndsvda start, same solver, 200 iterations; HALS components
          equal to scikit-learn's cd ones), the stored
          error equals ||X - WH|| recomputed, 1 and 2 ranks give the same bits (also on a table
          of several row blocks and L2 chunks, one block straddling the ranks, where the error
          equals scikit-learn's to 1e-9), and a planted
          two-spectrum mixture is recovered with Pearson > 0.98
     mlp: from the same initial weights (-mlp_init) and in row order, the loss curve of 30 Adam
          epochs and the predictions equal scikit-learn's MLPRegressor / MLPClassifier (binary
          logistic and 3-class softmax outputs, two hidden layers); an ensemble of 3 members
          trained across ranks is identical on 1 and 2 ranks
Each model is trained with `matscreen train` and applied with `matscreen predict` (and the
probe for SVM decision values) on tables written here. Exit 1 listing every mismatch.
"""
import argparse
import subprocess
import sys

import numpy as np
from sklearn import datasets, naive_bayes, neighbors, svm
from sklearn.model_selection import train_test_split

FAIL = []


def check(name, got, want, rtol, atol=0.0):
    got, want = np.asarray(got, float), np.asarray(want, float)
    if got.shape != want.shape or not np.allclose(got, want, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - want)) if got.shape == want.shape else "shape %s vs %s" % (got.shape, want.shape)
        FAIL.append("%s: max abs diff %s (rtol %g, atol %g)" % (name, err, rtol, atol))
    else:
        print("ok   %s" % name)


def check_equal(name, got, want):
    if list(got) != list(want):
        bad = sum(1 for a, b in zip(got, want) if a != b)
        FAIL.append("%s: %d of %d differ" % (name, bad, len(want)))
    else:
        print("ok   %s" % name)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        sys.exit("command failed (%d): %s\n%s%s" % (r.returncode, " ".join(cmd), r.stdout, r.stderr))
    return r.stdout


def write_csv(path, X, y, classes=None):
    with open(path, "w") as f:
        f.write(",".join(["id"] + ["x%d" % j for j in range(X.shape[1])] + ["target"]) + "\n")
        for i, row in enumerate(X):
            t = ("c%d" % y[i]) if classes else repr(float(y[i]))
            f.write(",".join(["s%d" % i] + [repr(float(v)) for v in row] + [t]) + "\n")


def read_table(path):
    with open(path) as f:
        lines = [l.rstrip("\n") for l in f if not l.startswith("#")]
    head = lines[0].split(",")
    cols = {h: [l.split(",")[k] for l in lines[1:]] for k, h in enumerate(head)}
    return cols


class Runner:
    def __init__(self, a):
        self.a = a

    def cmd(self, np_, *args):
        pre = [self.a.mpiexec, "--oversubscribe", "-n", str(np_)] if np_ > 1 else []
        return pre + [self.a.matscreen, *args]

    def fit_predict(self, tag, np_, model_opts, train, test, classification):
        model = "%s_np%d.h5" % (tag, np_)
        pred = "%s_np%d.csv" % (tag, np_)
        run(self.cmd(np_, "train", "-data", train, "-target", "target", "-id", "id", *model_opts, "-output", model, "-quiet"))
        run(self.cmd(np_, "predict", "-model", model, "-data", test, "-id", "id", "-ignore", "target", "-output", pred, "-quiet"))
        cols = read_table(pred)
        return model, cols

    def probe(self, np_, model, test):
        pre = [self.a.mpiexec, "--oversubscribe", "-n", str(np_)] if np_ > 1 else []
        out = run(pre + [self.a.probe, "decision", model, test, "target"])
        return np.array([[float(v) for v in l.split()] for l in out.strip().splitlines()])


def probs(cols, n_classes):
    return np.array([[float(v) for v in cols["p_c%d" % k]] for k in range(n_classes)]).T


def classes(cols):
    return [int(v[1:]) for v in cols["prediction"]]


def mode_knn(r):
    X, y = datasets.make_regression(n_samples=300, n_features=6, noise=5.0, random_state=1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=2)
    write_csv("knn_reg_train.csv", Xtr, ytr)
    write_csv("knn_reg_test.csv", Xte, yte)
    Xc, yc = datasets.make_classification(n_samples=400, n_features=5, n_informative=4, n_redundant=0, n_classes=3,
                                          random_state=3)
    Xctr, Xcte, yctr, ycte = train_test_split(Xc, yc, test_size=0.3, random_state=4)
    write_csv("knn_cls_train.csv", Xctr, yctr, classes=True)
    write_csv("knn_cls_test.csv", Xcte, ycte, classes=True)
    for weights in ("uniform", "distance"):
        for p in (2, 1):
            opts = ["-model", "knn", "-knn_k", "7", "-knn_weights", weights, "-knn_p", str(p)]
            ref = neighbors.KNeighborsRegressor(7, weights=weights, p=p, algorithm="brute").fit(Xtr, ytr).predict(Xte)
            refc = neighbors.KNeighborsClassifier(7, weights=weights, p=p, algorithm="brute").fit(Xctr, yctr)
            for np_ in ((1, 2) if (weights, p) == ("distance", 2) else (1,)):
                _, cols = r.fit_predict("knn_reg", np_, opts, "knn_reg_train.csv", "knn_reg_test.csv", False)
                check("knn regression %s p=%d np%d" % (weights, p, np_), [float(v) for v in cols["prediction"]], ref, 1e-10, 1e-10)
                _, cols = r.fit_predict("knn_cls", np_, opts, "knn_cls_train.csv", "knn_cls_test.csv", True)
                check("knn proba %s p=%d np%d" % (weights, p, np_), probs(cols, 3), refc.predict_proba(Xcte), 1e-10, 1e-12)
                check_equal("knn classes %s p=%d np%d" % (weights, p, np_), classes(cols), refc.predict(Xcte))


def mode_knn_ties(r):
    """Equal distances across the dgemm tiles (>= 3 training blocks of 512 rows, >= 3 query
    blocks of 256): points on an integer grid, so the squared distances are exact small
    integers and every query has duplicates at its k-th distance spread over the training rows.
    The oracle is the documented rule in numpy: the k nearest by (distance, training row)."""
    rng = np.random.default_rng(11)
    ntr, nte, d, k = 1500, 700, 3, 5
    Xtr = rng.integers(0, 6, size=(ntr, d)).astype(float)
    Xte = rng.integers(0, 6, size=(nte, d)).astype(float)
    ytr = rng.normal(size=ntr)
    ltr = rng.integers(0, 2, size=ntr)
    ltr[:2] = [0, 1]
    d2 = ((Xte[:, None, :] - Xtr[None, :, :]) ** 2).sum(axis=2)
    order = np.array([np.lexsort((np.arange(ntr), row))[:k] for row in d2])
    write_csv("knnt_reg_train.csv", Xtr, ytr)
    write_csv("knnt_reg_test.csv", Xte, np.zeros(nte))
    write_csv("knnt_cls_train.csv", Xtr, ltr, classes=True)
    write_csv("knnt_cls_test.csv", Xte, np.zeros(nte, int), classes=True)
    ref_y = ytr[order].mean(axis=1)
    ref_p = np.stack([(ltr[order] == c).mean(axis=1) for c in (0, 1)], axis=1)
    opts = ["-model", "knn", "-knn_k", str(k)]
    for np_ in (1, 2):
        _, cols = r.fit_predict("knnt_reg", np_, opts, "knnt_reg_train.csv", "knnt_reg_test.csv", False)
        check("knn ties regression np%d" % np_, [float(v) for v in cols["prediction"]], ref_y, 1e-12, 1e-12)
        _, cols = r.fit_predict("knnt_cls", np_, opts, "knnt_cls_train.csv", "knnt_cls_test.csv", True)
        check("knn ties proba np%d" % np_, probs(cols, 2), ref_p, 0.0, 1e-12)
        check_equal("knn ties classes np%d" % np_, classes(cols), list(ref_p.argmax(axis=1)))


def mode_knn_cv(r):
    """`cv -models knn` scores each fold's accuracy, F1 and log loss from one neighbour search
    (ms_model_predict_label_proba): the fold table against scikit-learn on the same folds (read
    back from -oof_output), 1 and 2 ranks."""
    from sklearn import metrics
    X, y = datasets.make_classification(n_samples=900, n_features=5, n_informative=4, n_redundant=0, n_classes=3,
                                        random_state=12)
    write_csv("knncv.csv", X, y, classes=True)
    for np_ in (1, 2):
        out, oof = "knncv_np%d.csv" % np_, "knncv_oof_np%d.csv" % np_
        run(r.cmd(np_, "cv", "-data", "knncv.csv", "-target", "target", "-id", "id", "-models", "knn", "-knn_k", "7",
                  "-folds", "4", "-seed", "2", "-output", out, "-oof_output", oof, "-quiet"))
        o = read_table(oof)
        fold = np.empty(len(y), int)
        fold[np.array(o["row"], int)] = np.array(o["fold"], int)
        got = {(m, int(f)): float(v) for m, rep, f, v in zip(*(read_table(out)[c] for c in ("metric", "repeat", "fold", "value")))
               if rep != "all"}
        want = {}
        for k in range(4):
            tr, te = fold != k, fold == k
            ref = neighbors.KNeighborsClassifier(7, algorithm="brute").fit(X[tr], y[tr])
            want[("accuracy", k)] = metrics.accuracy_score(y[te], ref.predict(X[te]))
            want[("f1_macro", k)] = metrics.f1_score(y[te], ref.predict(X[te]), average="macro")
            want[("log_loss", k)] = metrics.log_loss(y[te], ref.predict_proba(X[te]), labels=[0, 1, 2])
        keys = sorted(want)
        check("knn cv fold scores np%d" % np_, [got.get(key, np.nan) for key in keys], [want[key] for key in keys], 1e-12, 1e-12)


def mode_gnb(r):
    X, y = datasets.load_iris(return_X_y=True)
    rng = np.random.default_rng(6)
    X = np.hstack([X, 1e6 + rng.normal(0, 0.01, size=(X.shape[0], 1)) + 0.02 * y[:, None]])
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.4, random_state=5, stratify=y)
    write_csv("gnb_train.csv", Xtr, ytr, classes=True)
    write_csv("gnb_test.csv", Xte, yte, classes=True)
    ref = naive_bayes.GaussianNB().fit(Xtr, ytr)
    for np_ in (1, 2):
        _, cols = r.fit_predict("gnb", np_, ["-model", "gnb"], "gnb_train.csv", "gnb_test.csv", True)
        check("gnb proba np%d" % np_, probs(cols, 3), ref.predict_proba(Xte), 1e-6, 1e-9)
        check_equal("gnb classes np%d" % np_, classes(cols), ref.predict(Xte))


def mode_svm(r):
    Xc, yc = datasets.make_classification(n_samples=240, n_features=6, n_informative=4, n_redundant=0, n_classes=3,
                                          class_sep=0.8, random_state=7)
    Xtr, Xte, ytr, yte = train_test_split(Xc, yc, test_size=0.3, random_state=8)
    write_csv("svc_train.csv", Xtr, ytr, classes=True)
    write_csv("svc_test.csv", Xte, yte, classes=True)
    ref = svm.SVC(kernel="rbf", C=1.0, gamma="scale", decision_function_shape="ovo").fit(Xtr, ytr)
    refp = svm.SVC(kernel="rbf", C=1.0, gamma="scale", probability=True, random_state=0).fit(Xtr, ytr)
    dec = {}
    for np_ in (1, 2):
        model, cols = r.fit_predict("svc", np_, ["-model", "svm", "-seed", "3"], "svc_train.csv", "svc_test.csv", True)
        dec[np_] = r.probe(np_, model, "svc_test.csv")
        check("svc rbf ovo decision values np%d" % np_, dec[np_], ref.decision_function(Xte), 1e-9, 1e-9)
        check_equal("svc rbf classes np%d" % np_, classes(cols), ref.predict(Xte))
        P = probs(cols, 3)
        check("svc probabilities sum to one np%d" % np_, P.sum(axis=1), np.ones(len(Xte)), 1e-9, 1e-9)
        agree = np.mean(P.argmax(axis=1) == refp.predict_proba(Xte).argmax(axis=1))
        if agree < 0.9:
            FAIL.append("svc Platt argmax agrees with scikit-learn on only %.2f of rows" % agree)
        else:
            print("ok   svc Platt argmax agreement %.2f np%d" % (agree, np_))
    check("svc decision np1 == np2", dec[2], dec[1], 0.0, 0.0)

    Xb, yb = datasets.make_classification(n_samples=200, n_features=4, n_informative=3, n_redundant=0, random_state=9)
    Xbtr, Xbte, ybtr, ybte = train_test_split(Xb, yb, test_size=0.3, random_state=10)
    write_csv("svcb_train.csv", Xbtr, ybtr, classes=True)
    write_csv("svcb_test.csv", Xbte, ybte, classes=True)
    refb = svm.SVC(kernel="linear", C=0.5).fit(Xbtr, ybtr)
    model, cols = r.fit_predict("svcb", 1, ["-model", "svm", "-svm_kernel", "linear", "-svm_C", "0.5", "-svm_probability", "false"],
                                "svcb_train.csv", "svcb_test.csv", True)
    check("svc linear binary decision values", r.probe(1, model, "svcb_test.csv")[:, 0], refb.decision_function(Xbte), 1e-9, 1e-9)
    check_equal("svc linear binary classes", classes(cols), refb.predict(Xbte))
    if "p_c0" in cols:
        FAIL.append("svm with -svm_probability false still wrote probabilities")

    X, y = datasets.load_diabetes(return_X_y=True)
    y = (y - y.mean()) / y.std()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=11)
    write_csv("svr_train.csv", Xtr, ytr)
    write_csv("svr_test.csv", Xte, yte)
    refr = svm.SVR(kernel="rbf", C=2.0, epsilon=0.05).fit(Xtr, ytr).predict(Xte)
    for np_ in (1, 2):
        _, cols = r.fit_predict("svr", np_, ["-model", "svm", "-svm_C", "2", "-svm_epsilon", "0.05"], "svr_train.csv", "svr_test.csv", False)
        check("svr rbf predictions np%d" % np_, [float(v) for v in cols["prediction"]], refr, 1e-9, 1e-9)


def mode_xgb(r):
    import xgboost
    params = {"eta": 0.1, "max_depth": 3, "tree_method": "hist", "max_bin": 256, "lambda": 1.0, "alpha": 0.0,
              "min_child_weight": 1.0, "subsample": 1.0, "colsample_bytree": 1.0, "seed": 0, "nthread": 1, "verbosity": 0}
    X, y = datasets.make_regression(n_samples=400, n_features=6, noise=3.0, random_state=12)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=13)
    write_csv("xgb_reg_train.csv", Xtr, ytr)
    write_csv("xgb_reg_test.csv", Xte, yte)
    b = xgboost.train(dict(params, objective="reg:squarederror"), xgboost.DMatrix(Xtr, label=ytr), num_boost_round=100)
    ref = b.predict(xgboost.DMatrix(Xte))
    for np_ in (1, 2):
        model, cols = r.fit_predict("xgb_reg", np_, ["-model", "xgb"], "xgb_reg_train.csv", "xgb_reg_test.csv", False)
        # same library, same float features, same trees: the same float32 predictions
        check("xgb regression np%d" % np_, [float(v) for v in cols["prediction"]], ref.astype(float), 0.0)
    # The layout of files written before UBJSON: the booster as text JSON in booster_json.
    import h5py
    with h5py.File(model, "r+") as f:
        g = next(f[k] for k in f if isinstance(f[k], h5py.Group) and "booster_ubj" in f[k])
        b = xgboost.Booster(model_file=bytearray(g["booster_ubj"][()].tobytes()))
        del g["booster_ubj"]
        g.create_dataset("booster_json", data=np.frombuffer(bytes(b.save_raw("json")), dtype=np.uint8))
    run(r.cmd(1, "predict", "-model", model, "-data", "xgb_reg_test.csv", "-id", "id", "-ignore", "target", "-output", "xgb_old.csv", "-quiet"))
    check("xgb regression from a booster_json file", [float(v) for v in read_table("xgb_old.csv")["prediction"]], ref.astype(float), 0.0)
    for K in (2, 3):
        Xc, yc = datasets.make_classification(n_samples=400, n_features=5, n_informative=4, n_redundant=0, n_classes=K,
                                              random_state=14 + K)
        Xtr, Xte, ytr, yte = train_test_split(Xc, yc, test_size=0.3, random_state=15)
        write_csv("xgb_cls_train.csv", Xtr, ytr, classes=True)
        write_csv("xgb_cls_test.csv", Xte, yte, classes=True)
        obj = dict(params, objective="binary:logistic") if K == 2 else dict(params, objective="multi:softprob", num_class=K)
        b = xgboost.train(obj, xgboost.DMatrix(Xtr, label=ytr), num_boost_round=100)
        P = b.predict(xgboost.DMatrix(Xte))
        P = np.column_stack([1 - P, P]) if K == 2 else P
        for np_ in ((1, 2) if K == 3 else (1,)):
            _, cols = r.fit_predict("xgb_cls", np_, ["-model", "xgb"], "xgb_cls_train.csv", "xgb_cls_test.csv", True)
            check("xgb %d-class probabilities np%d" % (K, np_), probs(cols, K), P, 1e-5, 1e-6)
            check_equal("xgb %d-class classes np%d" % (K, np_), classes(cols), P.argmax(axis=1))


def mode_adaboost(r):
    from sklearn import ensemble, metrics
    for K in (2, 3):
        Xc, yc = datasets.make_classification(n_samples=300, n_features=5, n_informative=4, n_redundant=0, n_classes=K,
                                              random_state=20 + K)
        Xtr, Xte, ytr, yte = train_test_split(Xc, yc, test_size=0.3, random_state=21)
        write_csv("ada_cls_train.csv", Xtr, ytr, classes=True)
        write_csv("ada_cls_test.csv", Xte, yte, classes=True)
        ref = ensemble.AdaBoostClassifier(n_estimators=50, algorithm="SAMME", random_state=0).fit(Xtr, ytr)
        for np_ in ((1, 2) if K == 3 else (1,)):
            _, cols = r.fit_predict("ada_cls", np_, ["-model", "adaboost"], "ada_cls_train.csv", "ada_cls_test.csv", True)
            check("adaboost SAMME %d-class probabilities np%d" % (K, np_), probs(cols, K), ref.predict_proba(Xte), 1e-9, 1e-12)
            check_equal("adaboost SAMME %d-class classes np%d" % (K, np_), classes(cols), ref.predict(Xte))
    # AdaBoost.R2 resamples rows at random: the streams differ from numpy's, so compare the
    # held-out accuracy (and check that boosting beats a single depth-3 tree).
    X, y = datasets.make_friedman1(n_samples=600, noise=0.5, random_state=22)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=23)
    write_csv("ada_reg_train.csv", Xtr, ytr)
    write_csv("ada_reg_test.csv", Xte, yte)
    ref = metrics.r2_score(yte, ensemble.AdaBoostRegressor(n_estimators=50, random_state=0).fit(Xtr, ytr).predict(Xte))
    from sklearn.tree import DecisionTreeRegressor
    stump = metrics.r2_score(yte, DecisionTreeRegressor(max_depth=3, random_state=0).fit(Xtr, ytr).predict(Xte))
    for loss in ("linear", "square"):
        _, cols = r.fit_predict("ada_reg", 1, ["-model", "adaboost", "-adaboost_loss", loss, "-seed", "5"], "ada_reg_train.csv", "ada_reg_test.csv", False)
        got = metrics.r2_score(yte, [float(v) for v in cols["prediction"]])
        if got < ref - 0.03 or got < stump + 0.05:
            FAIL.append("adaboost R2 (%s) test R^2 %.4f: scikit-learn %.4f, one depth-3 tree %.4f" % (loss, got, ref, stump))
        else:
            print("ok   adaboost R2 (%s) test R^2 %.4f (scikit-learn %.4f, one tree %.4f)" % (loss, got, ref, stump))


def mode_nmf(r):
    import h5py
    from sklearn.decomposition import NMF
    rng = np.random.default_rng(30)
    W0 = rng.gamma(2.0, 1.0, size=(200, 3))
    H0 = rng.gamma(1.5, 1.0, size=(3, 40))
    X = W0 @ H0 + rng.uniform(0, 0.05, size=(200, 40))
    write_csv("nmf.csv", X, np.zeros(len(X)))
    res = {}
    for solver, sk in (("hals", "cd"), ("mu", "mu")):
        refm = NMF(n_components=3, init="nndsvda", solver=sk, max_iter=200, tol=0.0, random_state=0).fit(X)
        ref = refm.reconstruction_err_
        for np_ in (1, 2):
            out = "nmf_%s_np%d.h5" % (solver, np_)
            run(r.cmd(np_, "nmf", "-data", "nmf.csv", "-id", "id", "-ignore", "target", "-nmf_n_components", "3",
                      "-nmf_solver", solver, "-nmf_max_iter", "200", "-nmf_tol", "0", "-output", out, "-quiet"))
            with h5py.File(out) as f:
                H, W = f["/nmf/components"][()], f["/nmf/weights"][()]
                err = f["/nmf"].attrs["reconstruction_err"]
            res[solver, np_] = H
            check("nmf %s reconstruction error recomputed np%d" % (solver, np_), np.linalg.norm(X - W @ H), err, 1e-10)
            if solver == "hals":
                check("nmf hals components vs scikit-learn (same nndsvda start, 200 sweeps)", H, refm.components_, 1e-4, 1e-6)
            if err > 1.001 * ref:
                FAIL.append("nmf %s: ||X - WH|| %.6g worse than scikit-learn's %.6g (200 iterations)" % (solver, err, ref))
            else:
                print("ok   nmf %s error %.6g vs scikit-learn %.6g np%d" % (solver, err, ref, np_))
        check("nmf %s components np1 == np2" % solver, res[solver, 2], res[solver, 1], 0.0, 0.0)
    # Several row blocks (256 rows) cut into L2 chunks (120 rows at d = 200), one block straddling
    # the rank boundary on 2 ranks: the same bits on 1 and 2 ranks, scikit-learn's error.
    W0 = rng.gamma(2.0, 1.0, size=(1100, 4))
    H0 = rng.gamma(1.0, 1.0, size=(4, 200))
    X = W0 @ H0 + rng.uniform(0, 0.1, size=(1100, 200))
    write_csv("nmf_big.csv", X, np.zeros(len(X)))
    for solver, sk in (("hals", "cd"), ("mu", "mu")):
        ref = NMF(n_components=4, init="nndsvda", solver=sk, max_iter=100, tol=0.0).fit(X).reconstruction_err_
        got = {}
        for np_ in (1, 2):
            out = "nmf_big_%s_np%d.h5" % (solver, np_)
            run(r.cmd(np_, "nmf", "-data", "nmf_big.csv", "-id", "id", "-ignore", "target", "-nmf_n_components", "4",
                      "-nmf_solver", solver, "-nmf_max_iter", "100", "-nmf_tol", "0", "-output", out, "-quiet"))
            with h5py.File(out) as f:
                got[np_] = (f["/nmf/components"][()], f["/nmf/weights"][()], f["/nmf"].attrs["reconstruction_err"])
        check("nmf %s multi-block components np1 == np2" % solver, got[2][0], got[1][0], 0.0, 0.0)
        check("nmf %s multi-block weights np1 == np2" % solver, got[2][1], got[1][1], 0.0, 0.0)
        check("nmf %s multi-block error vs scikit-learn" % solver, np.array(got[1][2]), np.array(ref), 1e-9)
    # A planted two-component mixture: the components are the two pure spectra.
    x = np.linspace(0, 1, 60)
    s1 = np.exp(-((x - 0.3) / 0.05) ** 2) + 0.3 * np.exp(-((x - 0.7) / 0.03) ** 2)
    s2 = np.exp(-((x - 0.55) / 0.04) ** 2) + 0.5 * np.exp(-((x - 0.85) / 0.05) ** 2)
    a = rng.uniform(0, 1, size=(120, 1))
    Xm = a * s1 + (1 - a) * s2 + rng.uniform(0, 0.01, size=(120, 60))
    write_csv("nmf_mix.csv", Xm, np.zeros(len(Xm)))
    run(r.cmd(2, "nmf", "-data", "nmf_mix.csv", "-id", "id", "-ignore", "target", "-nmf_n_components", "2", "-output", "nmf_mix.h5", "-quiet"))
    with h5py.File("nmf_mix.h5") as f:
        H = f["/nmf/components"][()]
    c = [[np.corrcoef(h, t)[0, 1] for t in (s1, s2)] for h in H]
    best = max(min(c[0][0], c[1][1]), min(c[0][1], c[1][0]))
    if best < 0.98:
        FAIL.append("nmf: planted spectra recovered with Pearson %.4f < 0.98" % best)
    else:
        print("ok   nmf recovers a planted two-component mixture (Pearson %.4f)" % best)


def sk_mlp_from(kind, X, y, W, b, hidden, max_iter, classes=None):
    """A scikit-learn MLP started from the given weights (warm start with the fitted-state
    attributes set by hand), trained in row order (shuffle=False)."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.preprocessing import LabelBinarizer
    cls = MLPClassifier if kind == "cls" else MLPRegressor
    m = cls(hidden_layer_sizes=hidden, shuffle=False, max_iter=max_iter, random_state=0, warm_start=True, tol=0.0,
            n_iter_no_change=max_iter + 1)
    m._validate_data(X, y, reset=True)
    if kind == "cls":
        m.classes_ = np.unique(y)
        m._label_binarizer = LabelBinarizer().fit(m.classes_)
        m.n_outputs_ = 1 if len(m.classes_) == 2 else len(m.classes_)
        m.out_activation_ = "logistic" if len(m.classes_) == 2 else "softmax"
    else:
        m.n_outputs_, m.out_activation_ = 1, "identity"
    m.n_layers_ = len(hidden) + 2
    m.coefs_, m.intercepts_ = [w.copy() for w in W], [c.copy() for c in b]
    m.n_iter_, m.t_, m.loss_curve_, m._no_improvement_count, m.best_loss_ = 0, 0, [], 0, np.inf
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(X, y)
    return m


def mode_mlp(r):
    import h5py
    rng = np.random.default_rng(40)
    hidden = (9, 6)
    cases = []
    X, y = datasets.make_regression(n_samples=250, n_features=5, noise=5.0, random_state=41)
    X = (X - X.mean(0)) / X.std(0)
    y = (y - y.mean()) / y.std()
    cases.append(("reg", X, y, 1))
    for K in (2, 3):
        Xc, yc = datasets.make_classification(n_samples=240, n_features=5, n_informative=4, n_redundant=0, n_classes=K,
                                              random_state=42 + K)
        cases.append(("cls", (Xc - Xc.mean(0)) / Xc.std(0), yc, 1 if K == 2 else K))
    for kind, X, y, n_out in cases:
        units = [X.shape[1], *hidden, n_out]
        W = [rng.uniform(-0.5, 0.5, (units[l], units[l + 1])) for l in range(len(units) - 1)]
        b = [rng.uniform(-0.5, 0.5, units[l + 1]) for l in range(len(units) - 1)]
        with h5py.File("mlp_init.h5", "w") as f:
            for l in range(len(W)):
                f["coef_%d" % l], f["intercept_%d" % l] = W[l], b[l]
        write_csv("mlp_train.csv", X, y, classes=(kind == "cls"))
        ref = sk_mlp_from(kind, X, y, W, b, hidden, 30)
        tag = "%s%d" % (kind, n_out)
        for np_ in (1, 2):
            model, cols = r.fit_predict("mlp", np_, ["-model", "mlp", "-mlp_hidden", "9,6", "-mlp_shuffle", "false", "-mlp_max_iter", "30",
                                                     "-mlp_tol", "0", "-mlp_n_iter_no_change", "31", "-mlp_init", "mlp_init.h5"],
                                        "mlp_train.csv", "mlp_train.csv", kind == "cls")
            with h5py.File(model) as f:
                curve = f["/model/loss_curve"][()]
            check("mlp %s loss curve (30 epochs, same start) np%d" % (tag, np_), curve, ref.loss_curve_, 1e-9, 1e-12)
            if kind == "cls":
                K = len(np.unique(y))
                check("mlp %s probabilities np%d" % (tag, np_), probs(cols, K), ref.predict_proba(X), 1e-8, 1e-10)
            else:
                check("mlp %s predictions np%d" % (tag, np_), [float(v) for v in cols["prediction"]], ref.predict(X), 1e-8, 1e-10)
    # An ensemble trains its members across ranks: identical on 1 and 2 ranks, with a spread.
    X, y = cases[0][1], cases[0][2]
    write_csv("mlp_train.csv", X, y)
    preds = {}
    for np_ in (1, 2):
        _, cols = r.fit_predict("mlp_ens", np_, ["-model", "mlp", "-mlp_hidden", "16", "-mlp_max_iter", "40", "-mlp_n_members", "3",
                                                 "-seed", "7"], "mlp_train.csv", "mlp_train.csv", False)
        preds[np_] = (np.array(cols["prediction"], float), np.array(cols["std"], float))
    check("mlp ensemble predictions np1 == np2", preds[2][0], preds[1][0], 0.0, 0.0)
    check("mlp ensemble std np1 == np2", preds[2][1], preds[1][1], 0.0, 0.0)
    if not (preds[1][1] > 0).all():
        FAIL.append("mlp ensemble: a std of 0 means the members are identical (seeds not per member)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["knn", "knn_ties", "knn_cv", "gnb", "svm", "xgb", "adaboost", "nmf", "mlp"])
    ap.add_argument("--matscreen", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--mpiexec", required=True)
    a = ap.parse_args()
    {"knn": mode_knn, "knn_ties": mode_knn_ties, "knn_cv": mode_knn_cv, "gnb": mode_gnb, "svm": mode_svm, "xgb": mode_xgb, "adaboost": mode_adaboost, "nmf": mode_nmf, "mlp": mode_mlp}[a.mode](Runner(a))
    if FAIL:
        print("\n".join("FAIL %s" % f for f in FAIL))
        sys.exit(1)
    print("all %s checks passed" % a.mode)


if __name__ == "__main__":
    main()
