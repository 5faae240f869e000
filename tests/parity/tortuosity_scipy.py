#!/usr/bin/python3
"""Parity: matscreen tortuosity vs an independent SciPy solve of the same discretisation.

Reference: scipy.ndimage.label (6-connectivity) keeps the clusters touching both faces,
the cell-centred finite-volume system (harmonic-mean face conductances, 2*sigma to the
Dirichlet faces) is assembled over the kept voxels only (not with identity rows as the C
solver does) and solved directly with scipy.sparse.linalg.spsolve. Checked per axis: tau,
sigma_eff/sigma_P within 1e-6 (relative), porosity and percolating porosity exactly, inf for
an axis that does not percolate.

usage: tortuosity_scipy.py WORKDIR [LAUNCHER ...]   (env MATSCREEN = the binary; LAUNCHER e.g.
"mpiexec --oversubscribe -n 2" runs matscreen on 2 ranks)
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def reference(vol, sigma_of_value, axis):
    """vol: (nz, ny, nx) uint8; axis 0/1/2 = x/y/z. Returns dict like the C result."""
    sig = sigma_of_value[vol]
    cond = sig > 0
    ax = 2 - axis                                  # numpy axis of the flow
    lab, _ = ndi.label(cond)                       # default structure: 6-connectivity
    first = np.take(lab, 0, axis=ax)
    last = np.take(lab, -1, axis=ax)
    span = np.intersect1d(first[first > 0], last[last > 0])
    keep = np.isin(lab, span) & cond
    n = vol.size
    res = {"porosity": cond.sum() / n, "percolating_porosity": keep.sum() / n}
    if not keep.any():
        res.update(tau=np.inf, effective_conductivity=0.0)
        return res
    s = np.where(keep, sig, 0.0)
    idx = -np.ones(vol.shape, dtype=np.int64)
    idx[keep] = np.arange(keep.sum())
    rows, cols, vals = [], [], []
    diag = np.zeros(keep.sum())
    for d in range(3):                             # faces between neighbours along numpy axis d
        a = [slice(None)] * 3
        b = [slice(None)] * 3
        a[d] = slice(0, -1)
        b[d] = slice(1, None)
        sa, sb = s[tuple(a)], s[tuple(b)]
        both = (sa > 0) & (sb > 0)
        g = np.zeros_like(sa)
        g[both] = 2 * sa[both] * sb[both] / (sa[both] + sb[both])
        ia, ib, gg = idx[tuple(a)][both], idx[tuple(b)][both], g[both]
        rows += [ia, ib]
        cols += [ib, ia]
        vals += [-gg, -gg]
        np.add.at(diag, ia, gg)
        np.add.at(diag, ib, gg)
    rhs = np.zeros(keep.sum())
    nax = vol.shape[ax]
    inlet = [slice(None)] * 3
    outlet = [slice(None)] * 3
    inlet[ax] = 0
    outlet[ax] = nax - 1
    for face, phi in ((tuple(inlet), 1.0), (tuple(outlet), 0.0)):
        k = keep[face]
        ii = idx[face][k]
        g = 2 * s[face][k]
        np.add.at(diag, ii, g)
        np.add.at(rhs, ii, g * phi)
    m = keep.sum()
    A = sp.csr_matrix((np.concatenate(vals + [diag]),
                       (np.concatenate(rows + [np.arange(m)]), np.concatenate(cols + [np.arange(m)]))), shape=(m, m))
    x = spla.spsolve(A.tocsc(), rhs)
    k = keep[tuple(inlet)]
    i_in = np.sum(2 * s[tuple(inlet)][k] * (1 - x[idx[tuple(inlet)][k]]))
    area = n / nax
    smax = sigma_of_value.max()
    eff = i_in / smax * nax / area
    res.update(effective_conductivity=eff, tau=res["porosity"] / eff)
    return res


def run_case(work, launcher, name, vol, extra, sigma_of_value):
    path = os.path.join(work, name + ".h5")
    out = os.path.join(work, name + "_out.h5")
    with h5py.File(path, "w") as f:
        f.create_dataset("volume", data=vol)
    cmd = launcher + [os.environ["MATSCREEN"], "tortuosity", "-input", path,
                                                      "-axis", "all", "-mismatch_tol", "1e-11", "-output", out] + extra
    subprocess.run(cmd, check=True)
    bad = 0
    with h5py.File(out, "r") as f:
        for axis, a in enumerate("xyz"):
            ref = reference(vol, sigma_of_value, axis)
            got = {k: f[f"tortuosity/{a}/{k}"][()] for k in ref}
            for k in ref:
                r, g = ref[k], got[k]
                ok = (np.isinf(r) and np.isinf(g)) if np.isinf(r) else abs(g - r) <= 1e-6 * abs(r) + 1e-15
                print(f"{name} {a} {k}: matscreen {g!r} scipy {r!r} {'ok' if ok else 'MISMATCH'}")
                bad += not ok
    return bad


def main():
    work = sys.argv[1]
    launcher = sys.argv[2:]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(7)
    bad = 0
    # One phase near the site-percolation threshold: branched clusters, dead ends, isolated pores.
    vol = (rng.random((14, 17, 19)) >= 0.55).astype(np.uint8)
    sigma = np.zeros(256)
    sigma[0] = 1.0
    bad += run_case(work, launcher, "onephase", vol, [], sigma)
    # Three values: two conducting phases (1 and 0.2) and an insulator.
    vol3 = rng.choice(np.array([0, 1, 2], dtype=np.uint8), size=(12, 15, 13), p=[0.5, 0.3, 0.2])
    sigma3 = np.zeros(256)
    sigma3[:3] = [1.0, 0.2, 0.0]
    bad += run_case(work, launcher, "twophase", vol3, ["-conductivities", "1,0.2,0"], sigma3)
    # A sample that percolates along no axis: every conducting voxel is isolated.
    sparse = np.ones((8, 8, 8), dtype=np.uint8)
    sparse[1::3, 1::3, 1::3] = 0
    bad += run_case(work, launcher, "isolated", sparse, [], sigma)
    print("tortuosity_scipy:", "FAILED" if bad else "ok", f"({bad} mismatches)")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
