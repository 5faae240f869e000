#!/usr/bin/python3
"""`matscreen sims` on the development ToF-SIMS data against scikit-learn and planted truths
(issue 10 point 4; run by CTest, label parity).

    sims_parity.py MODE --matscreen EXE --mpiexec MPIEXEC --data CSV --workdir DIR

MODE classify: 5-fold stratified CV of the default classifier (logreg, min-max scaling fitted in
         each fold) on the 138 real spectra (HEA_1.2 dropped by -min_class_size 5); the folds are
         read back from PREFIX.h5:/classify/fold and scikit-learn's
         make_pipeline(MinMaxScaler(), LogisticRegression()) is scored on exactly those folds:
         mean accuracy within 0.02. The top-15 peaks of the Ru-Pt class are Pt-bearing ions (the
         first five all, at least 12 of 15). 1 and 2 ranks give identical fold scores and peaks.
     mixtures: references = the four binary alloys minus 3 held-out spectra of each; the
         unseen spectra are 50:50 pseudo-mixtures of held-out Ru-Pd and Ru-Pt spectra; the
         predicted shares of Ru-Pd and Ru-Pt must carry most (>= 0.7) of the mixture, each >= 0.2;
         held-out R^2 >= 0.8; 1 and 2 ranks give identical predictions (R^2 to 1e-12: its sums
         are reduced in a rank-dependent order).
     nmf: a planted two-component mixture (two positive random spectra A, B; pure rows of each
         and mixtures w A + (1 - w) B with w uniform): the elbow picks 2 components, each matched
         to a different reference with Pearson r > 0.98; shares of the mixtures track w (r > 0.98).
     pca: `sims preprocess` on the real spectra: the scores of each scaling equal scikit-learn's
         PCA(4) of the same scaled table (none, log1p, standard, minmax, normalize_max; 1e-6
         relative) and the silhouette equals sklearn.metrics.silhouette_score of those scores
         (1e-8); `sims pca -references` (5 classes): top peaks are the largest |loadings| of
         sklearn's PCA of the min-max scaled references, the d^2 of every unseen spectrum to every
         class ellipse equals numpy's Mahalanobis distance, and classify -references writes
         class probabilities of the unseen spectra that sum to 1.
Exit 1 listing every failure.
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["classify", "mixtures", "nmf", "pca"])
ap.add_argument("--matscreen", required=True)
ap.add_argument("--mpiexec", required=True)
ap.add_argument("--data", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
os.makedirs(a.workdir, exist_ok=True)
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
FAIL = []
META = "state,polarity,primary_ion,replicat"


def sims(np_, sub, args):
    cmd = ([a.mpiexec, "-n", str(np_)] if np_ > 1 else []) + [a.matscreen, "sims", sub] + args
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode:
        FAIL.append(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr[-800:]}")
    return r


def out(name):
    return os.path.join(a.workdir, name)


if a.mode == "classify":
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler

    res = {}
    for np_ in (1, 2):
        p = out(f"cls_np{np_}")
        r = sims(np_, "classify", ["-input", a.data, "-label", "sample_name", "-ignore", META, "-min_class_size", "5",
                                   "-output", p, "-plots", "false"])
        if r.returncode:
            continue
        with h5py.File(p + ".h5", "r") as f:
            g = f["classify"]
            res[np_] = (g["fold"][()].astype(int), g["fold_accuracy"][()], pd.read_csv(p + "_top_peaks.csv"))
    if 1 in res:
        fold, acc, top = res[1]
        d = pd.read_csv(a.data)
        d = d[d.sample_name != "HEA_1.2"].reset_index(drop=True)
        X = d.drop(columns=["sample_name"] + META.split(",")).to_numpy()
        y = d.sample_name.to_numpy()
        if len(fold) != len(y):
            FAIL.append(f"{len(fold)} fold entries for {len(y)} spectra")
        else:
            sk = []
            for k in range(5):
                te = fold == k
                m = make_pipeline(MinMaxScaler(), LogisticRegression(max_iter=5000)).fit(X[~te], y[~te])
                sk.append(m.score(X[te], y[te]))
            print(f"5-fold accuracy: matscreen {acc.mean():.4f} {np.round(acc, 4)}, sklearn {np.mean(sk):.4f} {np.round(sk, 4)}")
            if abs(acc.mean() - np.mean(sk)) > 0.02:
                FAIL.append(f"mean CV accuracy {acc.mean():.4f} vs sklearn {np.mean(sk):.4f}: differ by more than 0.02")
            if sorted(np.bincount(fold)) != sorted([len(y) // 5 + (i < len(y) % 5) for i in range(5)]):
                FAIL.append(f"fold sizes {np.bincount(fold)} are not a 5-way split of {len(y)}")
        pt = top[top["class"] == "Ru-Pt"].sort_values("rank")["peak"].tolist()
        print("Ru-Pt top peaks:", " ".join(pt))
        n_pt = sum("Pt" in s for s in pt)
        if len(pt) != 15 or not all("Pt" in s for s in pt[:5]) or n_pt < 12:
            FAIL.append(f"Ru-Pt top-15 peaks {pt}: {n_pt} Pt-bearing (want the first 5 and >= 12)")
    if 1 in res and 2 in res:
        if not (np.array_equal(res[1][0], res[2][0]) and np.array_equal(res[1][1], res[2][1]) and res[1][2].equals(res[2][2])):
            FAIL.append("1 and 2 ranks differ (folds, fold accuracies or top peaks)")

elif a.mode == "mixtures":
    d = pd.read_csv(a.data)
    refs = ["Ru-Ir", "Ru-Pd", "Ru-Pt", "Ru-Rh"]
    d = d[d.sample_name.isin(refs)].drop(columns=META.split(",")).reset_index(drop=True)
    peaks = [c for c in d.columns if c != "sample_name"]
    # keep the peaks these classes show (the others are zero throughout and rejected by design)
    peaks = [c for c in peaks if d[c].max() > 0]
    rng = np.random.default_rng(3)
    held = {c: rng.choice(np.flatnonzero(d.sample_name == c), 3, replace=False) for c in refs}
    train = d.drop(index=np.concatenate(list(held.values())))[["sample_name"] + peaks]
    mix = []
    for i in range(3):
        for j in range(3):
            x = 0.5 * d.loc[held["Ru-Pd"][i], peaks].to_numpy(float) + 0.5 * d.loc[held["Ru-Pt"][j], peaks].to_numpy(float)
            mix.append(["PdPt_mix"] + list(x))
    table = pd.concat([train, pd.DataFrame(mix, columns=["sample_name"] + peaks)], ignore_index=True)
    csv = out("mix_input.csv")
    table.to_csv(csv, index=False)
    res = {}
    for np_ in (1, 2):
        p = out(f"mix_np{np_}")
        r = sims(np_, "mixtures", ["-input", csv, "-label", "sample_name", "-references", ",".join(refs), "-n_mixtures", "600",
                                   "-rf_n_trees", "24", "-seed", "5", "-output", p, "-plots", "false"])
        if r.returncode:
            continue
        pred = pd.read_csv(p + "_predictions.csv")
        with h5py.File(p + ".h5", "r") as f:
            r2 = f["mixtures/r2"][()]
        res[np_] = (pred, r2)
    if 1 in res:
        pred, r2 = res[1]
        s = pred[pred["class"] == "PdPt_mix"]
        pd_, pt_ = s["share_Ru-Pd"].mean(), s["share_Ru-Pt"].mean()
        print(f"PdPt_mix predicted shares: Ru-Pd {pd_:.3f}, Ru-Pt {pt_:.3f}, others {1 - pd_ - pt_:.3f}; held-out R^2 {np.round(r2, 3)}")
        if pd_ + pt_ < 0.7 or pd_ < 0.2 or pt_ < 0.2:
            FAIL.append(f"pseudo-mixture of Ru-Pd and Ru-Pt assigned {pd_:.3f} + {pt_:.3f} to those two")
        if r2.min() < 0.8:
            FAIL.append(f"held-out R^2 {r2} below 0.8")
    # same forests and predictions; R^2 only to rounding (its sums are reduced across ranks)
    if 1 in res and 2 in res and not (res[1][0].equals(res[2][0]) and np.allclose(res[1][1], res[2][1], rtol=1e-12, atol=0)):
        FAIL.append("mixtures: 1 and 2 ranks differ")

elif a.mode == "pca":
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import MinMaxScaler, Normalizer, StandardScaler

    d = pd.read_csv(a.data)
    X = d.drop(columns=["sample_name"] + META.split(",")).to_numpy()
    y = d.sample_name.to_numpy()
    p = out("pp")
    # 2 ranks; the 1201 x 1201 eigenproblems on rank 0 (ScaLAPACK's path is pca_parity's)
    if sims(2, "preprocess", ["-input", a.data, "-label", "sample_name", "-ignore", META, "-output", p, "-plots", "false",
                              "-pca_scalapack_min_d", "100000"]).returncode == 0:
        scaled = {"none": X, "log1p": np.log1p(X), "standard": StandardScaler().fit_transform(X),
                  "minmax": MinMaxScaler().fit_transform(X), "normalize_max": Normalizer(norm="max").fit_transform(X)}
        with h5py.File(p + ".h5", "r") as f:
            for name, Z in scaled.items():
                S = f[f"preprocess/{name}/scores"][()]
                R = PCA(4, svd_solver="full").fit_transform(Z)
                R *= np.sign((R * S).sum(axis=0))  # component signs are a convention
                err = np.abs(S - R).max() / np.abs(R).max()
                sil = f[f"preprocess/{name}"].attrs["silhouette"]
                ref = silhouette_score(R, y)
                if err > 1e-6 or abs(sil - ref) > 1e-8:
                    FAIL.append(f"preprocess {name}: scores deviate {err:.2g}, silhouette {sil:.10f} vs sklearn {ref:.10f}")
    refs = ["Ru", "Ru-Ir", "Ru-Pd", "Ru-Pt", "Ru-Rh"]
    p = out("pc")
    if sims(1, "pca", ["-input", a.data, "-label", "sample_name", "-ignore", META, "-references", ",".join(refs), "-output", p,
                       "-plots", "false", "-top", "5"]).returncode == 0:
        isref = np.isin(y, refs)
        sc = MinMaxScaler().fit(X[isref])
        pca = PCA(4, svd_solver="full").fit(sc.transform(X[isref]))
        names = d.drop(columns=["sample_name"] + META.split(",")).columns
        top = pd.read_csv(p + "_top_peaks.csv")
        for c in range(2):
            want = [names[j] for j in np.argsort(-np.abs(pca.components_[c]), kind="stable")[:5]]
            got = top[top.component == f"PC{c + 1}"].sort_values("rank").peak.tolist()
            if got != want:
                FAIL.append(f"pca top peaks of PC{c + 1}: {got} != sklearn {want}")
        T = pca.transform(sc.transform(X[isref]))[:, :2]
        U = pca.transform(sc.transform(X[~isref]))[:, :2]
        reg = pd.read_csv(p + "_regions.csv")
        yr = y[isref]
        for cls in sorted(refs):
            Tc = T[yr == cls]
            mu, Cinv = Tc.mean(axis=0), np.linalg.inv(np.cov(Tc.T))
            d2 = np.einsum("ij,jk,ik->i", U - mu, Cinv, U - mu)
            got = reg[f"d2_{cls}"].to_numpy()
            if not np.allclose(got, d2, rtol=1e-4, atol=1e-6):
                FAIL.append(f"pca: d^2 to the {cls} ellipse deviates by {np.abs(got - d2).max():.3g}")
            if not np.array_equal(reg[f"inside_{cls}"].to_numpy(), (d2 <= -2 * np.log(0.05)).astype(int)):
                FAIL.append(f"pca: inside flags of {cls} differ from d^2 <= chi2_2(0.95)")
    p = out("cu")
    if sims(2, "classify", ["-input", a.data, "-label", "sample_name", "-ignore", META, "-references", ",".join(refs), "-output", p,
                            "-plots", "false"]).returncode == 0:
        u = pd.read_csv(p + "_unseen.csv")
        P = u[[f"p_{c}" for c in refs]].to_numpy()
        if len(u) != (~np.isin(y, refs)).sum() or not np.allclose(P.sum(axis=1), 1.0, atol=1e-6):
            FAIL.append(f"classify -references: {len(u)} unseen rows, probability sums {P.sum(axis=1)[:3]}")

else:
    rng = np.random.default_rng(11)
    dd = 60
    ma = rng.random(dd) < 0.5
    A = rng.gamma(0.6, 100.0, dd) * ma + 1e-3
    B = rng.gamma(0.6, 100.0, dd) * (~ma | (rng.random(dd) < 0.3)) + 1e-3
    A[0] += 50.0
    B[1] += 50.0
    rows, w = [], rng.random(30)
    for _ in range(6):
        rows.append(["A"] + list(A * rng.uniform(0.9, 1.1)))
        rows.append(["B"] + list(B * rng.uniform(0.9, 1.1)))
    for wi in w:
        rows.append(["mix"] + list(wi * A + (1 - wi) * B))
    cols = [f"m{j}" for j in range(dd)]
    csv = out("nmf_input.csv")
    pd.DataFrame(rows, columns=["cls"] + cols).to_csv(csv, index=False)
    p = out("nmf_planted")
    args = ["-input", csv, "-label", "cls", "-references", "A,B", "-kmin", "1", "-kmax", "4", "-nmf_max_iter", "500", "-nmf_tol", "1e-8",
            "-plots", "false"]
    r = sims(2, "nmf", args + ["-output", p])
    r1 = sims(1, "nmf", args + ["-output", p + "_np1"])
    if r.returncode == 0 and r1.returncode == 0:
        with h5py.File(p + ".h5", "r") as f2, h5py.File(p + "_np1.h5", "r") as f1:
            for name in ("reconstruction_err", "components", "shares"):
                if not np.array_equal(f1["nmf/" + name][()], f2["nmf/" + name][()]):
                    FAIL.append(f"nmf: /nmf/{name} differs between 1 and 2 ranks")
        with h5py.File(p + ".h5", "r") as f:
            g = f["nmf"]
            k = int(g.attrs["n_components"])
            P = g["pearson"][()]
            S = g["shares"][()]
        print(f"elbow at {k} components; Pearson with (A, B):\n{np.round(P, 5)}")
        if k != 2:
            FAIL.append(f"elbow chose {k} components, planted 2")
        else:
            best = P.argmax(axis=1)
            if sorted(best) != [0, 1] or P.max(axis=1).min() <= 0.98:
                FAIL.append(f"components not matched one-to-one with Pearson > 0.98: {P}")
            # share of the component matched to A in the mixture rows tracks the intensity share of A
            ca = int(np.flatnonzero(best == 0)[0])
            tot = w * A.sum() + (1 - w) * B.sum()
            r_w = np.corrcoef(S[12:, ca], w * A.sum() / tot)[0, 1]
            if r_w <= 0.98:
                FAIL.append(f"shares of the A component correlate {r_w:.4f} with the planted intensity shares")

print("\n".join(FAIL) if FAIL else f"sims {a.mode}: all checks pass")
sys.exit(1 if FAIL else 0)
