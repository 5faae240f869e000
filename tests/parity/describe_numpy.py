#!/usr/bin/env python3
"""Parity of `matscreen describe` against numpy.fft / numpy / scikit-learn as oracles.

usage: describe_numpy.py WORKDIR [MPIEXEC ARGS...]   (MATSCREEN = the binary)

A correlated random volume of a non-cubic shape with odd sizes (so an axis mix-up or an
odd-size lag error shows) is described with -boundary periodic and padded; S2 (along x, y, z and radially averaged), the specific surface
area, chord statistics and histograms, and porosity are compared with straightforward numpy
implementations of the definitions in ml/featurize/ms_micro.h: S2 from numpy.fft.rfftn /
irfftn (zero-padded to 2n and divided by the pairs in the window for padded), faces by
np.roll / np.diff, chords by scanning each line. Then a -fit_pca on a small generated batch is
compared with sklearn.decomposition.PCA on the same two-point table, and -pca_model on the
same batch must reproduce those scores.
"""
import os
import subprocess
import sys

import h5py
import numpy as np
from scipy import ndimage
from sklearn.decomposition import PCA

work = sys.argv[1]
launcher = sys.argv[2:]
exe = os.environ["MATSCREEN"]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = 0


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


def close(a, b, what, tol=1e-12):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = a.shape == b.shape and np.allclose(a, b, rtol=0, atol=tol, equal_nan=True)
    if not ok:
        err = np.max(np.abs(a - b)) if a.shape == b.shape else f"shapes {a.shape} vs {b.shape}"
        print(f"FAIL: {what}: max error {err}")
    global failures
    failures += not ok


def run(*args):
    cmd = launcher + [exe, "describe"] + list(args)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit(f"command failed: {' '.join(cmd)}")


# ---- oracles ----
def s2_oracle(pore, padded):
    n = np.array(pore.shape)  # (nz, ny, nx)
    g = 2 * n if padded else n
    f = np.fft.rfftn(pore.astype(float), s=tuple(g))
    c = np.rint(np.fft.irfftn(np.abs(f) ** 2, s=tuple(g)))
    lag = [np.where(np.arange(gi) <= ni // 2, np.arange(gi), np.arange(gi) - gi) if not padded
           else np.where(np.arange(gi) < ni, np.arange(gi), np.arange(gi) - gi) for gi, ni in zip(g, n)]
    dz, dy, dx = np.meshgrid(*lag, indexing="ij")
    pairs = ((n[0] - abs(dz)) * (n[1] - abs(dy)) * (n[2] - abs(dx))).astype(float) if padded else np.full(c.shape, float(n.prod()))
    valid = (abs(dz) <= n[0] // 2) & (abs(dy) <= n[1] // 2) & (abs(dx) <= n[2] // 2)
    s2 = np.where(pairs > 0, c / np.maximum(pairs, 1), 0)
    ax = {"x": s2[0, 0, : n[2] // 2 + 1], "y": s2[0, : n[1] // 2 + 1, 0], "z": s2[: n[0] // 2 + 1, 0, 0]}
    nr = n.min() // 2 + 1
    shell = np.rint(np.sqrt(dx**2 + dy**2 + dz**2)).astype(int)
    m = valid & (shell < nr)
    num = np.bincount(shell[m], weights=c[m], minlength=nr)
    den = np.bincount(shell[m], weights=pairs[m], minlength=nr)
    return ax, num / den


def chords_oracle(pore, axis, padded):
    a = np.moveaxis(pore, axis, -1).reshape(-1, pore.shape[axis])
    n = a.shape[1]
    hist = np.zeros(n, dtype=np.int64)
    for line in a:
        if padded:
            runs, run, start = [], 0, 0
            for i, p in enumerate(line):
                if p:
                    if run == 0:
                        start = i
                    run += 1
                else:
                    if run and start != 0:
                        runs.append(run)
                    run = 0
            # a run still open at the end touches the face: left out
        else:
            if line.all():
                continue
            f = int(np.argmin(line))  # first solid voxel
            rolled = np.roll(line, -f)  # starts with a solid voxel
            runs, run = [], 0
            for p in list(rolled[1:]) + [False]:
                if p:
                    run += 1
                elif run:
                    runs.append(run)
                    run = 0
        for r in runs:
            hist[r - 1] += 1
    return hist


def faces_oracle(pore, padded):
    f = 0
    for ax in range(3):
        if padded:
            f += np.count_nonzero(np.diff(pore.astype(np.int8), axis=ax))
        else:
            f += np.count_nonzero(pore != np.roll(pore, -1, axis=ax))
    return f


# ---- one random correlated volume ----
rng = np.random.default_rng(20261204)
field = ndimage.gaussian_filter(rng.standard_normal((17, 22, 25)), sigma=1.5, mode="wrap")
vol = (field > 0.1).astype(np.uint8)  # 0 = pore
pore = vol == 0
with h5py.File("rand.h5", "w") as h:
    d = h.create_dataset("volume", data=vol)
    d.attrs["voxel_size"] = 0.5
for b in ("periodic", "padded"):
    run("-input", "rand.h5", "-boundary", b, "-output", f"{b}.h5", "-csv", f"{b}.csv")
    padded = b == "padded"
    ax, rad = s2_oracle(pore, padded)
    with h5py.File(f"{b}.h5", "r") as h:
        g = h["describe"]
        for a in "xyz":
            close(g[f"s2_{a}"][0], ax[a], f"{b} S2 along {a} vs numpy.fft")
        close(g["s2_radial"][0], rad, f"{b} radial S2 vs numpy.fft")
        names = [s.decode() if isinstance(s, bytes) else s for s in g["summary/features"].attrs["column_names"]]
        row = dict(zip(names, g["summary/features"][0]))
        close(row["porosity"], pore.mean(), f"{b} porosity")
        close(g["s2_x"][0][0], pore.mean(), f"{b} S2(0) = porosity")
        sv = faces_oracle(pore, padded) / pore.size
        close(row["specific_surface_area"], sv, f"{b} specific surface area")
        close(row["specific_surface_area_per_um"], sv / 0.5, f"{b} specific surface area per um")
        for axis, a in ((2, "x"), (1, "y"), (0, "z")):
            h_ref = chords_oracle(pore, axis, padded)
            close(g[f"chord_hist_{a}"][0], h_ref, f"{b} chord histogram {a}", tol=0)
            lengths = np.repeat(np.arange(1, len(h_ref) + 1), h_ref)
            close(row[f"chord_mean_{a}"], lengths.mean(), f"{b} chord mean {a}", tol=1e-12)
            close(row[f"chord_std_{a}"], lengths.std(), f"{b} chord std {a}", tol=1e-12)
            close(row[f"chord_count_{a}"], len(lengths), f"{b} chord count {a}", tol=0)
    import pandas as pd
    t = pd.read_csv(f"{b}.csv")
    check(list(t["volume"]) == ["rand.h5:/volume"], f"{b} CSV ids")
    close(t["porosity"].values, [pore.mean()], f"{b} CSV porosity")

# ---- PCA of the two-point statistics: fit on a batch, apply to it again ----
subprocess.run(launcher + [exe, "generate", "-batch", "6", "-size", "20", "-n_points_range", "8,30", "-radius_range", "1.5,2.5",
                           "-stretch_axis", "random", "-stretch_range", "0.6,1", "-seed", "5", "-output", "batch.h5"],
               check=True, capture_output=True)
run("-input", "batch.h5", "-fit_pca", "3", "-output", "fit.h5")
run("-input", "batch.h5", "-pca_model", "fit.h5", "-output", "apply.h5")
with h5py.File("fit.h5", "r") as h, h5py.File("apply.h5", "r") as h2:
    X = h["describe/two_point/features"][...]
    check(X.shape == (6, 3 * 11), f"two-point table shape {X.shape}")
    names = [s.decode() if isinstance(s, bytes) else s for s in h["describe/summary/features"].attrs["column_names"]]
    sc = h["describe/summary/features"][:, [names.index(f"PC{i}") for i in (1, 2, 3)]]
    ref = PCA(n_components=3, svd_solver="full").fit_transform(X)
    close(np.abs(sc), np.abs(ref), "PCA scores vs sklearn (up to sign)", tol=1e-8)
    close(sc, ref * np.sign(np.sum(ref * sc, axis=0)), "PCA scores vs sklearn (signs per component)", tol=1e-8)
    names2 = [s.decode() if isinstance(s, bytes) else s for s in h2["describe/summary/features"].attrs["column_names"]]
    sc2 = h2["describe/summary/features"][:, [names2.index(f"PC{i}") for i in (1, 2, 3)]]
    close(sc2, sc, "-pca_model scores == -fit_pca scores", tol=1e-10)
    ids = [s.decode() if isinstance(s, bytes) else s for s in h["describe/summary/ids"][...]]
    check(ids[0] == "batch.h5:/structures/000000" and len(ids) == 6, f"batch ids {ids[:2]}")

print("describe parity:", "FAILED" if failures else "ok", f"({failures} failed checks)")
sys.exit(1 if failures else 0)
