#!/usr/bin/python3
"""Outputs any tool can read, and model insight (issue 13, points 4 and 5).

  outputs_check.py csv    every CSV output of the commands reads with a plain
                          pandas.read_csv(path) and has the documented columns; its
                          provenance is in PATH.meta.json; no .partial or sidecar is left
                          by a failed run
  outputs_check.py h5     every HDF5 output records the resolved options (command line,
                          -options_file, PETSC_OPTIONS) and its input files; the parameters
                          of a single volume, a batch and a label campaign have the same
                          names and numeric types; physical quantities carry units
  outputs_check.py model  cv out-of-fold predictions (each row once per repeat, pooled
                          score = the printed one, same on 1 and 2 ranks), parity PNG,
                          inspect/-model_view name every feature, ridge coefficients =
                          numpy's normal equations, a refit file records the printed CV score

Runs in a fresh temporary directory; MATSCREEN, MS_SOURCE_DIR come from CTest.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import h5py
import numpy as np
import pandas as pd

MS = os.environ["MATSCREEN"]
SRC = os.environ["MS_SOURCE_DIR"]
ML = os.path.join(SRC, "tests", "cli", "ml_data")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, np_=1, env=None, ok=True):
    cmd = ([] if np_ == 1 else ["mpiexec", "--oversubscribe", "-n", str(np_)]) + [MS] + [str(a) for a in args]
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=240)
    if ok and p.returncode != 0:
        print(p.stdout, p.stderr)
        raise SystemExit(f"FAIL: {' '.join(cmd)} exited {p.returncode}")
    return p


def regression_table(path, n=36, seed=5):
    """y = 2 x1 - x2 + 0.5 x3 + noise; x4 is noise only."""
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, 4)) * [1.0, 2.0, 0.5, 1.0] + [0.0, 1.0, -2.0, 3.0]
    y = X @ [2.0, -1.0, 0.5, 0.0] + 0.3 * r.normal(size=n)
    df = pd.DataFrame(X, columns=["x1", "x2", "x3", "x4"])
    df.insert(0, "id", [f"s{i}" for i in range(n)])
    df["y"] = y
    df.to_csv(path, index=False, float_format="%.17g")
    return df


def plain_csv(path, columns, rows=None):
    """pandas.read_csv(path) with no options at all, columns exactly as documented."""
    check(os.path.exists(path), f"{path} written")
    with open(path) as f:
        first = f.readline()
    check(not first.startswith("#"), f"{path}: no comment lines (first line {first!r})")
    df = pd.read_csv(path)
    check(list(df.columns) == columns, f"{path}: columns {list(df.columns)} == {columns}")
    if rows is not None:
        check(len(df) == rows, f"{path}: {len(df)} rows, expected {rows}")
    side = path + ".meta.json"
    check(os.path.exists(side), f"{side} written")
    if os.path.exists(side):
        meta = json.load(open(side))
        check(meta["file"] == path and "command_line" in meta and "options" in meta, f"{side}: provenance keys")
        check(all("path" in i and "bytes" in i for i in meta["inputs"]) and len(meta["inputs"]) >= 1, f"{side}: inputs")
        for i in meta["inputs"]:
            p = i["path"].split(":")[0]
            check(i["bytes"] == os.path.getsize(p), f"{side}: size of {p}")
    check(not os.path.exists(path + ".partial") and not os.path.exists(side + ".partial"), f"{path}: no partial files")
    return df


def test_csv():
    regression_table("reg.csv")
    run("train", "-data", "reg.csv", "-target", "y", "-id", "id", "-model", "ridge", "-scaler", "standard", "-output", "ridge.h5")
    run("train", "-data", "reg.csv", "-target", "y", "-id", "id", "-model", "rf", "-rf_n_trees", 10, "-output", "rf.h5")
    run("train", "-data", os.path.join(ML, "iris.csv"), "-target", "species", "-id", "id", "-model", "logreg", "-output", "lr.h5")
    run("predict", "-model", "ridge.h5", "-data", "reg.csv", "-id", "id", "-ignore", "y", "-output", "p_ridge.csv", np_=2)
    plain_csv("p_ridge.csv", ["id", "prediction"], 36)
    run("predict", "-model", "rf.h5", "-data", "reg.csv", "-ignore", "id,y", "-output", "p_rf.csv")
    plain_csv("p_rf.csv", ["prediction", "std"], 36)
    run("predict", "-model", "lr.h5", "-data", os.path.join(ML, "iris.csv"), "-id", "id", "-target", "species", "-output", "p_lr.csv", np_=2)
    plain_csv("p_lr.csv", ["id", "prediction", "p_setosa", "p_versicolor", "p_virginica"], 150)
    run("cv", "-data", "reg.csv", "-target", "y", "-id", "id", "-models", "linear,rf", "-rf_n_trees", 5, "-folds", 3, "-seed", 1,
        "-output", "cv.csv", "-oof_output", "oof.csv", np_=2)
    df = plain_csv("cv.csv", ["model", "metric", "repeat", "fold", "value"])
    check(set(df["model"]) == {"linear", "rf"}, "cv.csv models")
    plain_csv("oof.csv", ["row", "id", "repeat", "fold", "model", "y_true", "y_pred", "std"], 2 * 36)
    run("cv", "-data", os.path.join(ML, "iris.csv"), "-target", "species", "-id", "id", "-models", "logreg", "-folds", 3, "-stratified",
        "-output", "cv_cls.csv", "-oof_output", "oof_cls.csv")
    d = plain_csv("oof_cls.csv", ["row", "id", "repeat", "fold", "model", "y_true", "y_pred"], 150)
    check(set(d["y_pred"]) <= {"setosa", "versicolor", "virginica"}, "classification OOF holds class names")
    run("convert", "-input", "reg.csv", "-output", "t.h5", "-id", "id", "-target", "y", np_=2)
    run("convert", "-input", "t.h5", "-output", "back.csv", np_=2)
    back = plain_csv("back.csv", ["id", "x1", "x2", "x3", "x4", "y"], 36)
    check(np.array_equal(back[["x1", "x2", "x3", "x4", "y"]].to_numpy(), pd.read_csv("reg.csv")[["x1", "x2", "x3", "x4", "y"]].to_numpy()),
          "CSV -> HDF5 -> CSV exact")
    run("inspect", "-model", "ridge.h5", "-output", "terms.csv")
    t = plain_csv("terms.csv", ["kind", "class", "feature", "value"], 5)
    check(list(t["feature"].fillna("")) == ["x1", "x2", "x3", "x4", ""], "inspect CSV names the features")
    # A failed run leaves neither the CSV nor its sidecar, nor partial files.
    p = run("predict", "-model", "ridge.h5", "-data", "reg.csv", "-id", "id", "-ignore", "y", "-output", "nodir/p.csv", ok=False)
    check(p.returncode != 0, "predict into a missing directory fails")
    check(not any(f.startswith("p.csv") for f in os.listdir(".")), "nothing left by the failed predict")
    # matscreen's own reader still takes comment lines (inputs may have them).
    with open("commented.csv", "w") as f:
        f.write("# a comment\n" + open("reg.csv").read())
    run("predict", "-model", "ridge.h5", "-data", "commented.csv", "-id", "id", "-ignore", "y", "-output", "p_c.csv")
    check(pd.read_csv("p_c.csv").equals(pd.read_csv("p_ridge.csv")), "input comment lines are skipped")


def options_of(f):
    names = [s.decode() if isinstance(s, bytes) else s for s in f.attrs["option_names"]]
    vals = [s.decode() if isinstance(s, bytes) else s for s in f.attrs["option_values"]]
    return dict(zip(names, vals))


def inputs_recorded(f, paths, what):
    files = [s.decode() if isinstance(s, bytes) else s for s in np.atleast_1d(f.attrs["input_files"])]
    sizes = list(np.atleast_1d(f.attrs["input_sizes"]))
    check(files == paths, f"{what}: input_files {files} == {paths}")
    for p, s in zip(files, sizes):
        check(s == os.path.getsize(p.split(":")[0]), f"{what}: input size of {p}")
    check(len(f.attrs["input_mtimes_utc"]) == len(paths), f"{what}: input mtimes")


def test_h5():
    regression_table("reg.csv")
    with open("deck.opts", "w") as f:
        f.write("-ridge_alpha 0.25\n-scaler minmax\n")
    env = {"PETSC_OPTIONS": "-seed 17"}
    run("train", "-data", "reg.csv", "-target", "y", "-id", "id", "-model", "ridge", "-options_file", "deck.opts", "-output", "m.h5", env=env, np_=2)
    with h5py.File("m.h5") as f:
        o = options_of(f)
        check(o.get("-ridge_alpha") == "0.25" and o.get("-scaler") == "minmax", f"options from -options_file recorded: {o}")
        check(o.get("-seed") == "17", "option from PETSC_OPTIONS recorded")
        check(o.get("-model") == "ridge" and o.get("-target") == "y", "command-line options recorded")
        check(f.attrs["petsc_options_env"] == "-seed 17", "PETSC_OPTIONS recorded as given")
        inputs_recorded(f, ["reg.csv"], "train")
        check(f["model"].attrs["seed"] == 17 and abs(f["model"].attrs["alpha"] - 0.25) < 1e-15, "the recorded options are the ones used")
        check(f["model"].attrs["n_train_rows"] == 36, "rows of the fit recorded")

    # single volume, batch and campaign: the same parameter names with the same numeric types
    with open("gen.opts", "w") as f:
        f.write("-radius 2\n-n_points 20\n")
    run("generate", "-size", 20, "-seed", 3, "-options_file", "gen.opts", "-output", "one.h5", np_=2, env={"PETSC_OPTIONS": "-smooth_sigma 0.5"})
    run("generate", "-batch", 3, "-size", 20, "-n_points_range", "10,20", "-radius_range", "1.5,2.5", "-seed", 3, "-output", "batch.h5", np_=2)
    run("label", "-n", 2, "-size", 14, "-n_points_range", "10,20", "-radius_range", "1.5,2.5", "-seed", 3, "-output", "lab.h5", np_=2)
    run("tortuosity", "-input", "one.h5", "-axis", "x", "-output", "tau.h5", np_=2)
    run("pca", "-input", "reg.csv", "-id", "id", "-target", "y", "-output", "pca.h5")
    one, batch, lab, tau, pca = (h5py.File(p) for p in ("one.h5", "batch.h5", "lab.h5", "tau.h5", "pca.h5"))
    o = options_of(one)
    check(o.get("-radius") == "2" and o.get("-n_points") == "20" and o.get("-smooth_sigma") == "0.5", f"generate options resolved: {o}")
    inputs_recorded(tau, ["one.h5"], "tortuosity")
    inputs_recorded(pca, ["reg.csv"], "pca")
    for f, what in ((batch, "batch"), (lab, "label")):
        check("-seed" in options_of(f) and options_of(f)["-seed"] == "3", f"{what}: options recorded")
    v, s = one["volume"].attrs, batch["structures/000000"].attrs
    kind = lambda x: "int" if np.issubdtype(np.asarray(x).dtype, np.integer) else "float" if np.issubdtype(np.asarray(x).dtype, np.floating) else "other"
    params = ["n_points", "radius", "stretch_x", "stretch_y", "stretch_z", "seed", "spheres", "sphere_fraction", "sphere_log_mean",
              "sphere_log_sd", "smooth_sigma", "voxel_size"]
    for k in params:
        check(k in v and k in s, f"parameter {k} in single and batch files")
        if k in v and k in s:
            check(kind(v[k]) in ("int", "float") and kind(v[k]) == kind(s[k]), f"{k}: single {kind(v[k])}, batch {kind(s[k])}")
        if k in lab["labels"]:
            check(kind(lab["labels"][k][0]) == kind(v[k]), f"{k}: label column {kind(lab['labels'][k][0])}, single {kind(v[k])}")
        if k in batch["parameters"]:
            check(kind(batch["parameters"][k][0]) == "float", f"/parameters/{k} float64 column")
    check(kind(v["n_points"]) == "int" and kind(v["radius"]) == "float" and kind(v["porosity"]) == "float", "numbers are numbers")
    check(kind(lab["labels"].attrs["user_seed"]) == "int" and kind(lab["labels"].attrs["n_rows"]) == "int", "campaign attributes numeric")
    # units
    for a, what in ((v, "single volume"), (s, "batch structure"), (batch["parameters"].attrs, "batch /parameters")):
        check(a.get("voxel_size_units") == "um", f"{what}: voxel_size in micrometres")
    check(v.get("radius_units") == "voxel" and s.get("radius_units") == "voxel", "radius units")
    for name, ds in lab["labels"].items():
        check("units" in ds.attrs, f"/labels/{name} has units")
    check(lab["labels/tau_x"].attrs["units"] == "1" and lab["labels/seconds"].attrs["units"] == "s", "tau dimensionless, seconds in s")
    for name, ds in batch["parameters"].items():
        check(name == "done" or "units" in ds.attrs, f"/parameters/{name} has units")
    for name, ds in tau["tortuosity/x"].items():
        check("units" in ds.attrs, f"/tortuosity/x/{name} has units")
    check(tau["tortuosity/x/tau"].attrs["units"] == "1" and tau["tortuosity/x/solve_seconds"].attrs["units"] == "s", "tortuosity units")
    check(tau["tortuosity"].attrs["voxel_size_units"] == "um", "tortuosity voxel size units")
    for name, ds in pca["pca"].items():
        check("units" in ds.attrs, f"/pca/{name} has units")


def test_model():
    df = regression_table("reg.csv")
    n = len(df)
    args = ["cv", "-data", "reg.csv", "-target", "y", "-id", "id", "-models", "ridge,rf", "-rf_n_trees", 8, "-folds", 4, "-repeats", 2,
            "-seed", 7, "-scaler", "standard", "-cv_grid", "ridge_alpha=0.5,50", "-output", "cv.csv"]
    p1 = run(*args, "-oof_output", "oof1.csv", "-refit", "best.h5", "-parity_plot", "parity.png")
    p2 = run(*args, "-oof_output", "oof2.csv", np_=2)
    oof = pd.read_csv("oof1.csv")
    check(pd.read_csv("oof2.csv").equals(oof), "OOF predictions the same on 1 and 2 ranks")
    models = sorted(set(oof["model"]))
    check(models == ["rf", "ridge -ridge_alpha 0.5", "ridge -ridge_alpha 50"], f"OOF models {models}")
    for (m, r), g in oof.groupby(["model", "repeat"]):
        check(sorted(g["row"]) == list(range(n)), f"{m} repeat {r}: every row exactly once")
        check(list(g.sort_values("row")["id"]) == list(df["id"]), f"{m} repeat {r}: ids")
        check(np.allclose(g.sort_values("row")["y_true"], df["y"], rtol=1e-15, atol=0), f"{m} repeat {r}: y_true")
        check(set(g["fold"]) == {0, 1, 2, 3}, f"{m} repeat {r}: folds")
    # folds depend on the repeat only, not on the model
    f0 = oof[oof["model"] == "rf"].sort_values(["repeat", "row"])["fold"].to_numpy()
    f1 = oof[oof["model"] == "ridge -ridge_alpha 50"].sort_values(["repeat", "row"])["fold"].to_numpy()
    check(np.array_equal(f0, f1), "the same folds for every model")
    check(oof[oof["model"] == "rf"]["std"].notna().all() and oof[oof["model"] != "rf"]["std"].isna().all(), "std for rf only")
    # pooled OOF score recomputed from the CSV = the printed one
    from sklearn.metrics import r2_score, mean_squared_error
    printed = {}
    block = p1.stdout.split("out-of-fold (pooled)")[1]
    for line in block.splitlines()[1:]:
        mm = re.match(r"^(.*?)\s{2,}(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s*$", line)
        if mm:
            printed[mm.group(1).strip()] = [float(mm.group(i)) for i in range(2, 6)]
    check(sorted(printed) == models, f"pooled scores printed for every candidate: {sorted(printed)}")
    for m, g in oof.groupby("model"):
        r2 = np.mean([r2_score(h["y_true"], h["y_pred"]) for _, h in g.groupby("repeat")])
        mse = np.mean([mean_squared_error(h["y_true"], h["y_pred"]) for _, h in g.groupby("repeat")])
        if m in printed:
            check(abs(r2 - printed[m][0]) <= 1e-9 * max(1, abs(r2)), f"{m}: OOF r2 {r2} == printed {printed[m][0]}")
            check(abs(mse - printed[m][3]) <= 1e-9 * max(1, abs(mse)), f"{m}: OOF mse {mse} == printed {printed[m][3]}")
    # parity plot
    with open("parity.png", "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", "parity.png is a PNG")
    check(os.path.getsize("parity.png") > 2000, "parity.png has content")
    # refit: the recorded CV score is the printed one and the one in cv.csv
    mm = re.search(r"refitted '([^']*)' on all rows \(CV r2 (\S+) \+/- (\S+)\)", p1.stdout)
    check(mm is not None, "refit line printed")
    cvt = pd.read_csv("cv.csv")
    with h5py.File("best.h5") as f:
        cv = f["model/cv"].attrs
        if mm:
            check(cv["candidate"] == mm.group(1), "refit candidate recorded")
            check(abs(cv["mean"] - float(mm.group(2))) <= 1e-9 * abs(cv["mean"]), f"recorded CV mean {cv['mean']} == printed {mm.group(2)}")
            check(abs(cv["std"] - float(mm.group(3))) <= 1e-9 * abs(cv["std"]) + 1e-15, "recorded CV std == printed")
        row = cvt[(cvt["model"] == cv["candidate"]) & (cvt["metric"] == "r2") & (cvt["fold"] == "mean")]
        check(len(row) == 1 and abs(row["value"].iloc[0] - cv["mean"]) <= 1e-12 * abs(cv["mean"]), "recorded CV mean == cv.csv mean")
        check(cv["metric"] == "r2" and cv["folds"] == 4 and cv["repeats"] == 2 and cv["n_rows"] == n, "metric, folds, repeats, rows")
        check(cv["grid_option"] == "-ridge_alpha" and cv["grid_value"] == "0.5" and cv["grid_value_number"] == 0.5, "chosen grid value")
        check(f["model"].attrs["n_train_rows"] == n, "refit rows")
    ins = run("inspect", "-model", "best.h5").stdout
    check("cross-validation (cv -refit): candidate 'ridge -ridge_alpha 0.5'" in ins and "chosen grid value: -ridge_alpha 0.5" in ins,
          "inspect shows the CV score and grid value")
    # ridge coefficients = numpy normal equations on the standardised features
    coef = {}
    for line in ins.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] in ("coef", "intercept"):
            coef[parts[2] if parts[0] == "coef" else "intercept"] = float(parts[3])
    check(sorted(coef) == ["intercept", "x1", "x2", "x3", "x4"], f"inspect names every feature: {sorted(coef)}")
    X = df[["x1", "x2", "x3", "x4"]].to_numpy()
    y = df["y"].to_numpy()
    Z = (X - X.mean(0)) / X.std(0)
    Zc, yc = Z - Z.mean(0), y - y.mean()
    w = np.linalg.solve(Zc.T @ Zc + 0.5 * np.eye(4), Zc.T @ yc)
    b = y.mean() - Z.mean(0) @ w
    for j, name in enumerate(["x1", "x2", "x3", "x4"]):
        check(abs(coef.get(name, np.nan) - w[j]) <= 1e-9 * max(1, abs(w[j])), f"ridge coef {name}: {coef.get(name)} vs numpy {w[j]}")
    check(abs(coef.get("intercept", np.nan) - b) <= 1e-9 * max(1, abs(b)), "ridge intercept")
    # train -model_view: every feature named, for GPR (length scale per feature) and forests
    g = run("train", "-data", "reg.csv", "-target", "y", "-id", "id", "-model", "gpr", "-gpr_kernel", "rbf_ard", "-scaler", "standard",
            "-output", "g.h5", "-model_view").stdout
    for name in ["x1", "x2", "x3", "x4"]:
        check(re.search(rf"^length_scale\s+-\s+{name}\s+\S+", g, re.M) is not None, f"gpr length scale of {name} printed")
    check(re.search(r"^amplitude\s", g, re.M) and re.search(r"^noise\s", g, re.M), "gpr amplitude and noise printed")
    r = run("inspect", "-model", "g.h5").stdout
    with h5py.File("g.h5") as f:
        ls = f["model/length_scale"][...]
    for j, name in enumerate(["x1", "x2", "x3", "x4"]):
        mm = re.search(rf"^length_scale\s+-\s+{name}\s+(\S+)", r, re.M)
        check(mm is not None and abs(float(mm.group(1)) - ls[j]) <= 1e-12 * ls[j], f"inspect gpr length scale {name} = the file's")
    f_ = run("train", "-data", "reg.csv", "-target", "y", "-id", "id", "-model", "rf", "-rf_n_trees", 20, "-output", "rf.h5", "-model_view").stdout
    imp = {m.group(1): float(m.group(2)) for m in re.finditer(r"^importance\s+-\s+(\S+)\s+(\S+)", f_, re.M)}
    check(sorted(imp) == ["x1", "x2", "x3", "x4"] and abs(sum(imp.values()) - 1) < 1e-9, f"forest importances named and normalised: {imp}")
    check(max(imp, key=imp.get) in ("x1", "x2"), "the strongest features matter most")
    l2 = run("train", "-data", os.path.join(ML, "iris.csv"), "-target", "species", "-id", "id", "-model", "logreg", "-output", "lr.h5",
             "-model_view").stdout
    for cls in ["setosa", "versicolor", "virginica"]:
        for name in ["sepal_length", "petal_width"]:
            check(re.search(rf"^coef\s+{cls}\s+{name}\s+\S+", l2, re.M) is not None, f"logreg coef {cls}/{name} printed")


def main():
    part = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        os.chdir(d)
        {"csv": test_csv, "h5": test_h5, "model": test_model}[part]()
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
