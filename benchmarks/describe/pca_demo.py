#!/usr/bin/python3
"""What the two-point PCA of `describe -fit_pca` captures, on a small generated set.

Generates N membranes (`generate -batch`, n_points 40..170, radius 3.4 * size / 128 voxels,
one stretch axis at random among x, y, z, none, e in [0.5, 1]), describes them with
-fit_pca 4 and prints, as JSON lines, the correlation of each PC with porosity and with the
stretch factor per axis, and the mean PC1/PC2 position of each stretch class (the seed's latent
analysis, Section 4.2 / Appendix A, finds porosity on one component and the stretch directions
as branches about 120 degrees apart in a PC plane).

usage: pca_demo.py [--matscreen BIN] [--out DIR] [--n 120] [--size 48] [--ranks 2]
"""
import argparse
import json
import math
import os
import subprocess

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def s(x):
    return x.decode() if isinstance(x, bytes) else x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(HERE, "..", "..", "build", "bin", "matscreen"))
    ap.add_argument("--out", default="/tmp/ms_describe_pca_demo")
    ap.add_argument("--n", type=int, default=120)
    ap.add_argument("--size", type=int, default=48)
    ap.add_argument("--ranks", type=int, default=2)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    mpi = ["mpiexec", "-n", str(a.ranks)]
    batch, out = os.path.join(a.out, "set.h5"), os.path.join(a.out, "desc.h5")
    r = 3.4 * a.size / 128  # the seed's radius at 128^3, scaled to this box
    for f in (batch, out):
        if os.path.exists(f):
            os.remove(f)
    subprocess.run(mpi + [a.matscreen, "generate", "-batch", str(a.n), "-size", str(a.size), "-n_points_range", "40,170",
                          "-radius", f"{r:.3f}", "-stretch_axis", "random", "-stretch_range", "0.5,1", "-seed", "2026",
                          "-output", batch], check=True, capture_output=True, env=ENV)
    subprocess.run(mpi + [a.matscreen, "describe", "-input", batch, "-fit_pca", "4", "-ranks_per_volume", "1", "-output", out],
                   check=True, capture_output=True, env=ENV)
    with h5py.File(batch) as b, h5py.File(out) as d:
        st = np.stack([b["parameters/stretch_x"][...], b["parameters/stretch_y"][...], b["parameters/stretch_z"][...]], 1)
        names = [s(x) for x in d["describe/summary/features"].attrs["column_names"]]
        X = d["describe/summary/features"][...]
        evr = d["pca/explained_variance_ratio"][...]
    por = X[:, names.index("porosity")]
    pcs = X[:, [names.index(f"PC{i}") for i in range(1, 5)]]
    print(json.dumps({"n": a.n, "size": a.size, "explained_variance_ratio": [round(float(v), 4) for v in evr]}))
    for i in range(4):
        row = {"pc": i + 1, "corr_porosity": round(float(np.corrcoef(pcs[:, i], por)[0, 1]), 3)}
        for k, ax in enumerate("xyz"):
            row[f"corr_stretch_{ax}"] = round(float(np.corrcoef(pcs[:, i], st[:, k])[0, 1]), 3)
        print(json.dumps(row))
    cls = np.where(st.min(1) >= 0.999, 3, st.argmin(1))  # 0 x, 1 y, 2 z, 3 none
    # the class means in the plane of the two PCs least correlated with porosity
    corr = [abs(np.corrcoef(pcs[:, i], por)[0, 1]) for i in range(4)]
    plane = sorted(sorted(range(4), key=lambda i: corr[i])[:2])
    centre = pcs[cls == 3][:, plane].mean(0) if (cls == 3).any() else pcs[:, plane].mean(0)
    angles = {}
    for c, nm in enumerate("xyz"):
        m = pcs[cls == c][:, plane].mean(0) - centre
        angles[nm] = math.degrees(math.atan2(m[1], m[0]))
        print(json.dumps({"class": f"stretch {nm}", "count": int((cls == c).sum()), "plane": [p + 1 for p in plane],
                          "mean_offset_from_isotropic": [round(float(v), 4) for v in m], "angle_deg": round(angles[nm], 1)}))
    print(json.dumps({"class": "none", "count": int((cls == 3).sum())}))


if __name__ == "__main__":
    main()
