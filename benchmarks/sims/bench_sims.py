#!/usr/bin/python3
"""`matscreen sims classify -compare` and `sims mixtures` wall time beside scikit-learn doing the
same work (issue 10 point 5). One JSON line per measurement on stdout.

    bench_sims.py --matscreen EXE [--mpiexec mpiexec] [--data CSV] [--repeats 3]
                  [--n_mixtures 2000] [--trees 100] [--workdir DIR]

classify -compare: the nine classifiers of Table 4.7 (LR, SVC RBF, SVC linear, k-NN, tree, RF,
  AdaBoost, Gaussian NB, MLP), min-max scaling fitted in each of 5 stratified folds, on the 138
  development spectra minus HEA_1.2 (135 x 1201). matscreen on 1 and 2 ranks (whole command:
  start-up, CSV parse, folds, reports); scikit-learn 1.2 with the same folds (read from
  matscreen's output), n_jobs = 1 and 2 (cross_validate over the folds), SVC with
  probability=True as ours, MLP max_iter 200, AdaBoost algorithm SAMME (ours).
mixtures: -n_mixtures pseudo-mixtures of 2 spectra of the 5 reference classes (Ru and the four
  binaries; 80 % train), one random forest of -trees trees per class share (scikit-learn:
  MultiOutputRegressor(RandomForestRegressor) with n_jobs 1 / 2, max_features 1.0 as ours for
  regression), held-out R^2, predictions for the 53 other spectra. matscreen's whole command vs
  numpy generation + sklearn fit + predict.
Timings are wall seconds, the minimum over --repeats.
"""
import argparse
import json
import os
import subprocess
import time

import h5py
import numpy as np
import pandas as pd

here = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--matscreen", required=True)
ap.add_argument("--mpiexec", default="mpiexec")
ap.add_argument("--data", default=os.path.join(here, "..", "..", "inputs", "tofsims", "positive_mode_processed.csv"))
ap.add_argument("--repeats", type=int, default=3)
ap.add_argument("--n_mixtures", type=int, default=2000)
ap.add_argument("--trees", type=int, default=100)
ap.add_argument("--workdir", default="/tmp/bench_sims")
a = ap.parse_args()
os.makedirs(a.workdir, exist_ok=True)
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
META = "state,polarity,primary_ion,replicat"
REFS = ["Ru", "Ru-Ir", "Ru-Pd", "Ru-Pt", "Ru-Rh"]


def emit(**kw):
    print(json.dumps(kw), flush=True)


def run(np_, args):
    cmd = ([a.mpiexec, "-n", str(np_)] if np_ > 1 else []) + [a.matscreen, "sims"] + args
    best = 1e30
    for _ in range(a.repeats):
        t = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


# ---- classify -compare ------------------------------------------------------------------
pref = os.path.join(a.workdir, "cmp")
for np_ in (1, 2):
    t = run(np_, ["classify", "-input", a.data, "-label", "sample_name", "-ignore", META, "-min_class_size", "5", "-compare",
                  "-plots", "false", "-output", pref])
    cmp = pd.read_csv(pref + "_compare.csv")
    acc = cmp[(cmp.metric == "accuracy") & (cmp.fold == "mean")].set_index("model")["value"].round(4).to_dict()
    emit(bench="sims_classify_compare", impl="matscreen", ranks=np_, seconds=round(t, 3), accuracy=acc)

with h5py.File(pref + ".h5", "r") as f:
    fold = f["classify/fold"][()].astype(int)
d = pd.read_csv(a.data)
d = d[d.sample_name != "HEA_1.2"].reset_index(drop=True)
X = d.drop(columns=["sample_name"] + META.split(",")).to_numpy()
y = d.sample_name.to_numpy()

from sklearn.ensemble import AdaBoostClassifier, RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import PredefinedSplit, cross_validate
from sklearn.multioutput import MultiOutputRegressor
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
import warnings

warnings.filterwarnings("ignore")
models = {"logreg": LogisticRegression(), "svm_rbf": SVC(probability=True), "svm_linear": SVC(kernel="linear", probability=True),
          "knn": KNeighborsClassifier(), "tree": DecisionTreeClassifier(), "rf": RandomForestClassifier(),
          "adaboost": AdaBoostClassifier(algorithm="SAMME"), "gnb": GaussianNB(), "mlp": MLPClassifier()}
for jobs in (1, 2):
    best, acc = 1e30, {}
    for _ in range(a.repeats):
        t = time.perf_counter()
        for name, m in models.items():
            r = cross_validate(make_pipeline(MinMaxScaler(), m), X, y, cv=PredefinedSplit(fold), scoring=["accuracy", "f1_macro"], n_jobs=jobs)
            acc[name] = round(float(r["test_accuracy"].mean()), 4)
        best = min(best, time.perf_counter() - t)
    emit(bench="sims_classify_compare", impl="sklearn", n_jobs=jobs, seconds=round(best, 3), accuracy=acc,
         note="fit/score only: no CSV parse or process start-up")

# ---- mixtures -----------------------------------------------------------------------------
pref = os.path.join(a.workdir, "mix")
for np_ in (1, 2):
    t = run(np_, ["mixtures", "-input", a.data, "-label", "sample_name", "-ignore", META, "-references", ",".join(REFS),
                  "-n_mixtures", str(a.n_mixtures), "-rf_n_trees", str(a.trees), "-plots", "false", "-output", pref])
    with h5py.File(pref + ".h5", "r") as f:
        r2 = float(f["mixtures"].attrs["r2_mean"])
    emit(bench="sims_mixtures", impl="matscreen", ranks=np_, seconds=round(t, 3), n_mixtures=a.n_mixtures, trees=a.trees, r2_mean=round(r2, 4))

d = pd.read_csv(a.data).drop(columns=META.split(","))
ref = d[d.sample_name.isin(REFS)]
Xr, yr = ref.drop(columns=["sample_name"]).to_numpy(), ref.sample_name.to_numpy()
Xu = d[~d.sample_name.isin(REFS)].drop(columns=["sample_name"]).to_numpy()
for jobs in (1, 2):
    best = 1e30
    for _ in range(a.repeats):
        t = time.perf_counter()
        rng = np.random.default_rng(0)
        n, K = a.n_mixtures, len(REFS)
        idx = {c: np.flatnonzero(yr == c) for c in REFS}
        Xm, T = np.zeros((n, Xr.shape[1])), np.zeros((n, K))
        for i in range(n):
            cs = rng.choice(K, 2, replace=False)
            w = rng.exponential(size=2)
            w /= w.sum()
            for q, c in enumerate(cs):
                Xm[i] += w[q] * Xr[rng.choice(idx[REFS[c]])]
                T[i, c] = w[q]
        te = rng.random(n) < 0.2
        m = MultiOutputRegressor(RandomForestRegressor(n_estimators=a.trees, max_features=1.0, random_state=0), n_jobs=jobs)
        m.fit(Xm[~te], T[~te])
        r2 = m.score(Xm[te], T[te])
        m.predict(Xu)
        best = min(best, time.perf_counter() - t)
    emit(bench="sims_mixtures", impl="sklearn", n_jobs=jobs, seconds=round(best, 3), n_mixtures=a.n_mixtures, trees=a.trees, r2_mean=round(r2, 4),
         note="MultiOutputRegressor(RandomForestRegressor), one forest per class share as ours")
