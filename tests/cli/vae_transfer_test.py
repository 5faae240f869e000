#!/usr/bin/env python3
"""`matscreen vae transfer` end to end (12 tiny 16^3 structures from `generate -batch`).

  help and errors   -help lists the options; a missing option, an unknown -target column, a
                    structure id out of range, a duplicate id and -n_train too large each fail
                    with exit status 95 (user error), one message naming the culprit, and no
                    output (neither the HDF5 nor the CSV).
  outputs           /transfer holds the per-repeat train/test MSE of both strategies; the CSV's
                    means and stds are numpy's (ddof 0) of them; 1 and 2 ranks give identical
                    per-repeat values (repeats spread over ranks, seeds per repeat).
  labels            a CSV with its rows permuted and an unlabelled (NaN) row gives the same
                    results as the ordered CSV (rows are matched to structures by id); a label
                    campaign layout (/labels/index, tau_x, tau_y, tau_z) with -target tau_mean
                    gives the same results as a CSV of the mean.
usage: vae_transfer_test.py   (env MATSCREEN)
"""
import os
import shutil
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from clitest import check, fails, finish  # noqa: E402
from clitest import run as _run  # noqa: E402


def run(args, np_=1, expect=0):
    return _run(args, np_, expect, fatal=False)


d = tempfile.mkdtemp()
os.chdir(d)
run(["generate", "-batch", "12", "-size", "32", "-n_points_range", "10,60", "-radius_range", "1.5,3", "-resize", "16", "-seed", "1", "-output", "s.h5", "-quiet"])
run(["vae", "train", "-data", "s.h5", "-vae_size", "16", "-vae_layers", "2", "-vae_channels", "4,8", "-vae_hidden", "16", "-vae_latent", "4",
     "-batch", "4", "-lr", "1e-3", "-epochs", "2", "-seed", "5", "-output", "vae.h5", "-plot", "none", "-quiet"])
with h5py.File("s.h5") as f:
    names = sorted(f["structures"].keys())
    phi = np.array([1.0 - f["structures"][k][()].mean() for k in names])  # 1 = solid
tau = phi ** -0.5
with open("lab.csv", "w") as f:
    f.write("id,tau\n" + "".join(f"{i},{t:.17g}\n" for i, t in enumerate(tau)))
perm = np.random.default_rng(3).permutation(len(tau))
with open("perm.csv", "w") as f:
    f.write("tau,id\n" + "".join(f"{tau[i]:.17g},{i}\n" for i in perm) + "nan,12\n")
with h5py.File("camp.h5", "w") as f:  # the label campaign layout: row i of /labels, index column
    g = f.create_group("labels")
    g["index"] = np.arange(len(tau), dtype=np.int64)[::-1].copy()
    g["tau_x"] = (tau * 0.9)[::-1].copy()
    g["tau_y"] = (tau * 1.0)[::-1].copy()
    g["tau_z"] = (tau * 1.1)[::-1].copy()
    g["done"] = np.ones(len(tau), dtype=np.int8)

T = ["vae", "transfer", "-model", "vae.h5", "-data", "s.h5", "-repeats", "3", "-n_train", "8", "-epochs", "3", "-batch", "4", "-lr", "1e-3", "-seed", "2"]

p = run(["vae", "transfer", "-help"])
check(all(o in p.stdout for o in ("-labels", "-target", "-id_column", "-repeats", "-n_train", "-l2", "-hidden")), "-help lists the options")
p = run(["vae", "-help"])
check("vae transfer" in p.stdout, "vae -help shows the transfer usage")


def no_output(stem):
    return not any(os.path.exists(stem + s) for s in (".h5", ".csv", ".h5.partial", ".csv.partial"))


p = run(T + ["-output", "e.h5"], expect=95)
check("missing required option -labels" in p.stderr and no_output("e"), "missing -labels named, no output")
p = run(T + ["-labels", "lab.csv", "-target", "tortuosity", "-output", "e.h5"], expect=95)
check("no numeric column 'tortuosity'" in p.stderr and "id, tau" in p.stderr and no_output("e"), "unknown -target named with the columns, no output")
with open("badid.csv", "w") as f:
    f.write("id,tau\n0,1.2\n1,1.3\n40,1.4\n")
p = run(T + ["-labels", "badid.csv", "-target", "tau", "-output", "e.h5"], expect=95)
check("row 3" in p.stderr and "40" in p.stderr and "0..11" in p.stderr and no_output("e"), "structure id out of range named (row, value), no output")
with open("dup.csv", "w") as f:
    f.write("id,tau\n0,1.2\n1,1.3\n1,1.4\n")
p = run(T + ["-labels", "dup.csv", "-target", "tau", "-output", "e.h5"], np_=2, expect=95)
check("rows 2 and 3 both label structure 1" in p.stderr and no_output("e"), "duplicate id named on 2 ranks, no output")
p = run(T[:-10] + ["-n_train", "12", "-labels", "lab.csv", "-target", "tau", "-output", "e.h5"], expect=95)
check("-n_train 12 must be in 1..11" in p.stderr and no_output("e"), "-n_train too large named, no output")

p = run(T + ["-labels", "lab.csv", "-target", "tau", "-output", "e.h5", "-csv", "lab.csv"], expect=95)
check("is the input file" in p.stderr and "repeats" not in p.stderr and not os.path.exists("e.h5"), "an output naming an input refused before any work")
run(T + ["-labels", "lab.csv", "-target", "tau", "-output", "one.h5"])
run(T + ["-labels", "lab.csv", "-target", "tau", "-output", "two.h5"], np_=2)
run(T + ["-labels", "perm.csv", "-target", "tau", "-output", "permout.h5"], np_=2)
run(T + ["-labels", "camp.h5:/labels", "-output", "camp.h5out.h5"])


def load(path):
    with h5py.File(path) as f:
        g = f["transfer"]
        return {k: g[k][()] for k in ("transfer_mse_train", "transfer_mse_test", "scratch_mse_train", "scratch_mse_test")}, dict(g.attrs)


one, attrs = load("one.h5")
two, _ = load("two.h5")
prm, _ = load("permout.h5")
cmp_, _ = load("camp.h5out.h5")
check(all(one[k].shape == (3,) and np.all(np.isfinite(one[k])) for k in one), "per-repeat MSEs: 3 finite values per strategy and set")
check(all(np.array_equal(one[k], two[k]) for k in one), "1 and 2 ranks: identical per-repeat MSEs")
check(all(np.array_equal(one[k], prm[k]) for k in one), "permuted CSV with an unlabelled row: identical results (matched by id)")
check(attrs["n_train"] == 8 and attrs["n_test"] == 4, "split sizes recorded")
# tau_mean of the campaign = mean(0.9, 1.0, 1.1) * tau = tau (to rounding): same results to rounding
check(all(np.allclose(one[k], cmp_[k], rtol=1e-4, atol=1e-7) for k in one), "campaign layout + tau_mean = CSV of the mean")
rows = [l.strip().split(",") for l in open("one.csv")]
check(rows[0] == ["strategy", "mse_train_mean", "mse_train_std", "mse_test_mean", "mse_test_std", "repeats", "n_train", "n_test"], "CSV header")
for r, s in zip(rows[1:], ("transfer", "scratch")):
    tr, te = one[f"{s}_mse_train"], one[f"{s}_mse_test"]
    want = [tr.mean(), tr.std(), te.mean(), te.std()]
    check(np.allclose([float(x) for x in r[1:5]], want, rtol=1e-8, atol=0), f"CSV {r[0]}: mean/std = numpy's of the per-repeat values")
check(os.path.exists("one.csv.meta.json"), "CSV provenance sidecar")
with h5py.File("one.h5") as f:
    check("option_names" in f.attrs and "input_files" in f.attrs, "HDF5 provenance attributes")
os.chdir("/")
if not fails:
    shutil.rmtree(d)  # kept for inspection on failure
finish("vae_transfer_test")
