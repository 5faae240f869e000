#!/usr/bin/env python3
"""Parity of `matscreen latent` against scikit-learn / numpy as oracles, 1 rank == 2 ranks,
the seed's Table 4.4 anisotropy intensities, and bad input.

usage: latent_parity.py WORKDIR MPIEXEC...   (env MATSCREEN = the binary)

A batch of 40 generated structures (24^3, stretched along x, y, z or none) is described two
ways: the two-point PCA of `describe -fit_pca 6` (rows matched to structures by their ids) and
the latent means of a tiny VAE trained for a few epochs at 16^3 (`vae encode`, rows in batch
order). For each, `latent` runs on 1 and 2 ranks and its outputs are compared with:
  * sklearn PCA(svd_solver="full") on the same descriptor matrix: explained variance ratios,
    scores of the leading components, PCA(n_components=0.95).n_components_;
  * numpy.corrcoef of the 6 leading components' scores with the generator's porosity, e_x, e_y, e_z, min(e);
  * a brute-force numpy nearest neighbour of held-out structures (porosity: |dPC_p|, stretch:
    Euclidean in the stretch plane, first index on ties) and their properties;
  * intensity_C = mean(tau_min/tau_other) of Table 4.4 rows 1-4 (the seed's tau values) against
    the seed's published intensity_C (0.965, 0.976, 0.962, 0.977) to 0.001, direction y.
Bad input is tests/cli/latent.sh.
"""
import os
import subprocess
import sys

import h5py
import numpy as np
from sklearn.decomposition import PCA

work = sys.argv[1]
mpi = sys.argv[2:]
exe = os.environ["MATSCREEN"]
os.makedirs(work, exist_ok=True)
os.chdir(work)
failures = 0


def check(cond, what):
    global failures
    if not cond:
        print("FAIL:", what)
        failures += 1


def close(a, b, what, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = a.shape == b.shape and np.allclose(a, b, rtol=0, atol=tol, equal_nan=True)
    err = np.max(np.abs(a - b)) if a.shape == b.shape and a.size else f"shapes {a.shape} vs {b.shape}"
    check(ok, f"{what}: max error {err}")


def run(*args, launcher=(), status=0):
    cmd = list(launcher) + [exe] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if status == 0 and r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit(f"command failed: {' '.join(cmd)}")
    return r


GEN = ["-n_points_range", "8,30", "-radius_range", "1,2", "-stretch_axis", "random", "-stretch_range", "0.4,0.8"]
run("generate", "-batch", 40, "-size", 24, *GEN, "-seed", 3, "-output", "set.h5")
run("generate", "-batch", 4, "-size", 24, *GEN, "-seed", 99, "-output", "new.h5")
run("describe", "-input", "set.h5", "-fit_pca", 6, "-output", "desc.h5")
run("describe", "-input", "new.h5", "-pca_model", "desc.h5", "-output", "newd.h5")
run("generate", "-batch", 40, "-size", 24, "-resize", 16, *GEN, "-seed", 3, "-output", "set16.h5")
run("generate", "-batch", 4, "-size", 24, "-resize", 16, *GEN, "-seed", 99, "-output", "new16.h5")
run("vae", "train", "-data", "set16.h5", "-output", "vae.h5", "-vae_size", 16, "-vae_layers", 2, "-vae_channels", "4,8", "-vae_hidden", 32,
    "-vae_latent", 8, "-epochs", 10, "-batch", 8, "-lr", "1e-3", "-plot", "none")
run("vae", "encode", "-model", "vae.h5", "-data", "set16.h5", "-output", "lat.h5")
run("vae", "encode", "-model", "vae.h5", "-data", "new16.h5", "-output", "newlat.h5")

# Table 4.4 rows 1-4 of the seed: tau_x, tau_y, tau_z and the published intensity_C.
SEED_TAU = np.array([[1.162, 1.121, 1.161], [1.101, 1.077, 1.105], [1.165, 1.119, 1.162], [1.127, 1.104, 1.134]])
SEED_INTENSITY_C = np.array([0.965, 0.976, 0.962, 0.977])


def tau_csv(path, ids):
    with open(path, "w") as f:
        f.write("id,tau_x,tau_y,tau_z,porosity\n" if ids is not None else "tau_x,tau_y,tau_z,porosity\n")
        for q in range(4):
            t = SEED_TAU[q]
            f.write((f"{ids[q]}," if ids is not None else "") + f"{t[0]},{t[1]},{t[2]},{0.8 + 0.01 * q}\n")


def params(path):
    with h5py.File(path) as f:
        p = f["parameters"]
        e = np.stack([p["stretch_x"][:], p["stretch_y"][:], p["stretch_z"][:]], 1)
        return p["porosity"][:], e


def descriptors(spec):
    """(X, structure index per row or None) as latent must read them."""
    with h5py.File(spec) as f:
        if "latent" in f:
            return f["latent/mu"][:], None, None
        g = f["describe/summary"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g["features"].attrs["column_names"]]
        cols = [j for j, n in enumerate(names) if n.startswith("PC")]
        ids = [i.decode() if isinstance(i, bytes) else i for i in g["ids"][:]]
        return g["features"][:][:, cols], np.array([int(i.rsplit("/", 1)[1]) for i in ids]), ids


def oracle_check(tag, out, train, batch, new, est_csv):
    X, idx, _ = descriptors(train)
    por, e = params(batch)
    if idx is not None:
        por, e = por[idx], e[idx]
    emin = e.min(1)
    axis = np.where(emin < 1, e.argmin(1), -1)
    intensity = np.where(emin < 1, emin, 1.0)
    props = np.column_stack([por, e, intensity])
    pca = PCA(svd_solver="full").fit(X)
    S = pca.transform(X)
    n95 = PCA(n_components=0.95, svd_solver="full").fit(X).n_components_
    L = min(6, pca.n_components_)
    corr = np.array([[np.corrcoef(S[:, c], props[:, j])[0, 1] for j in range(5)] for c in range(L)])
    with h5py.File(out) as f:
        d = f["diagnostics"]
        close(d["explained_variance_ratio"][:], pca.explained_variance_ratio_, f"{tag}: explained variance ratio", 1e-10)
        check(d.attrs["n_components_variance"] == n95, f"{tag}: components for 95 %: {d.attrs['n_components_variance']} vs sklearn {n95}")
        close(d["correlation"][:], corr, f"{tag}: correlations with porosity and stretch", 1e-8)
        pp = int(np.argmax(np.abs(corr[:, 0])))
        check(d.attrs["porosity_pc"] == pp + 1, f"{tag}: porosity component {d.attrs['porosity_pc']} vs {pp + 1}")
        w = np.nansum(corr[:, 1:4] ** 2, axis=1)
        plane = sorted(sorted([c for c in range(L) if c != pp], key=lambda c: -w[c])[:2])
        check([d.attrs["stretch_pc_a"] - 1, d.attrs["stretch_pc_b"] - 1] == plane, f"{tag}: stretch plane")
        sc = f["scores/features"][:]
        close(sc[:, :L], S[:, :L], f"{tag}: leading scores", 1e-9)
        close(sc[:, L:L + 5], props, f"{tag}: generator properties", 0)
        close(sc[:, L + 5], axis, f"{tag}: stretch axis", 0)
        est = f["estimate/features"][:]
    Xn, _, _ = descriptors(new)
    Sn = pca.transform(Xn)
    for q in range(len(Xn)):
        ip = int(np.argmin(np.abs(S[:, pp] - Sn[q, pp])))
        isp = int(np.argmin(((S[:, plane] - Sn[q, plane]) ** 2).sum(1)))
        check(est[q, 11] == ip and est[q, 12] == isp, f"{tag}: new {q}: neighbours {est[q, 11:13]} vs brute force {ip}, {isp}")
        close([est[q, 1], est[q, 7], est[q, 9]], [por[ip], axis[isp], intensity[isp]], f"{tag}: new {q}: porosity_P, direction_P, intensity_P", 0)
    close(est[:, 8], SEED_INTENSITY_C, f"{tag}: intensity_C vs the seed's Table 4.4", 1e-3)
    close(est[:, 6], [1, 1, 1, 1], f"{tag}: direction_C (y) of Table 4.4", 0)
    close(est[:, 0], 0.8 + 0.01 * np.arange(4), f"{tag}: porosity_C from the -tau table", 1e-12)
    with open(est_csv) as fh:
        rows = [l.strip().split(",") for l in fh][1:]
    check(len(rows) == 4 and all(r[7] == "y" for r in rows), f"{tag}: direction_C column of {est_csv}")
    return pca


def compare_ranks(a, b, tag):
    with h5py.File(a) as f, h5py.File(b) as g:
        for name in ["diagnostics/explained_variance_ratio", "diagnostics/correlation", "scores/features"]:
            close(f[name][:], g[name][:], f"{tag}: {name} 1 vs 2 ranks", 1e-10)
        e1, e2 = f["estimate/features"][:], g["estimate/features"][:]
        close(e1, e2, f"{tag}: estimate 1 vs 2 ranks", 1e-12)


_, _, new_ids = descriptors("newd.h5")
tau_csv("tau_desc.csv", new_ids)
tau_csv("tau_vae.csv", None)
for tag, train, batch, new, tau in [("describe", "desc.h5", "set.h5", "newd.h5", "tau_desc.csv"),
                                    ("vae", "lat.h5", "set16.h5", "newlat.h5", "tau_vae.csv")]:
    outs = []
    for np_, launcher in [(1, ()), (2, tuple(mpi) + ("-n", "2"))]:
        out, est = f"{tag}_np{np_}.h5", f"{tag}_np{np_}_est.csv"
        run("latent", "-descriptors", train, "-structures", batch, "-output", out, "-csv", f"{tag}_np{np_}_diag.csv", "-new", new, "-tau", tau,
            "-estimate_csv", est, "-plot", f"{tag}_np{np_}.png", launcher=launcher)
        oracle_check(f"{tag} np{np_}", out, train, batch, new, est)
        with open(f"{tag}_np{np_}.png", "rb") as fh:
            check(fh.read(8) == b"\x89PNG\r\n\x1a\n", f"{tag}: -plot is a PNG")
        outs.append(out)
    compare_ranks(*outs, tag)

print("latent parity:", "FAILED" if failures else "ok", f"({failures} failure(s))")
sys.exit(1 if failures else 0)
