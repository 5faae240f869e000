#!/usr/bin/python3
"""The Table 4.5 procedure at a small scale with the two-point PCA instead of the VAE latent:
targets A-D of the dissertation (spec.md, Table 4.5), scaled from the seed's 200^3 box to
--size^3 (n_points by the volume ratio, radius by the length ratio, stretch unchanged), each
generated with a structure seed the candidates do not use, and --repeats BO runs per target
(different -seed: different random starts and GP restarts). Prints one JSON line per run and
one per target with the median and the best run (by final distance), like Table 4.5.

usage: table45.py [--matscreen BIN] [--size 96] [--repeats 3] [--n_init 20] [--budget 60]
Timings and results depend on the machine's load only through wall time.
"""
import argparse
import json
import os
import subprocess
import tempfile

import h5py
import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
# target: stanchion_radius, voxel points, stretch x, y, z (spec.md Table 4.5, rows "real")
SEED_TARGETS = {"A": (3.40, 100, 1.00, 0.75, 1.00), "B": (3.40, 180, 1.00, 0.75, 1.00), "C": (5.40, 180, 1.00, 0.75, 1.00),
                "D": (3.40, 180, 0.65, 0.55, 1.00)}


def sh(cmd):
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(os.path.dirname(__file__), "../../build/bin/matscreen"))
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n_init", type=int, default=20)
    ap.add_argument("--budget", type=int, default=60)
    ap.add_argument("--train", type=int, default=80)
    a = ap.parse_args()
    ms, n = os.path.abspath(a.matscreen), a.size
    L, V = n / 200.0, (n / 200.0) ** 3
    lo_n, hi_n = max(3, round(80 * V)), round(200 * V)
    lo_r, hi_r = round(2.5 * L, 2), round(6.0 * L, 2)
    with tempfile.TemporaryDirectory() as d:
        sh([ms, "generate", "-batch", str(a.train), "-size", str(n), "-n_points_range", f"{lo_n},{hi_n}", "-radius_range", f"{lo_r},{hi_r}",
            "-stretch_axis", "pair", "-stretch_range", "0.5,1", "-seed", "11", "-output", f"{d}/train.h5", "-quiet"])
        sh([ms, "describe", "-input", f"{d}/train.h5", "-fit_pca", "8", "-output", f"{d}/pca.h5", "-quiet"])
        with open(f"{d}/space.csv", "w") as f:
            f.write(f"dimension,type,values\nn_points,int,{lo_n} {hi_n}\nradius,real,{lo_r} {hi_r}\n"
                    "stretch_x,real,0.5 1\nstretch_y,real,0.5 1\n")
        for name, (r, npts, ex, ey, ez) in SEED_TARGETS.items():
            truth = {"n_points": round(npts * V), "radius": round(r * L, 3), "stretch_x": ex, "stretch_y": ey}
            sh([ms, "generate", "-size", str(n), "-n_points", str(truth["n_points"]), "-radius", str(truth["radius"]),
                "-stretch", f"{ex},{ey},{ez}", "-seed", "424242", "-output", f"{d}/t{name}.h5", "-quiet"])
            runs = []
            for rep in range(a.repeats):
                out = f"{d}/{name}{rep}.h5"
                sh([ms, "bo", "inverse", "-target", f"{d}/t{name}.h5", "-space", f"{d}/space.csv", "-pca_model", f"{d}/pca.h5",
                    "-n_init", str(a.n_init), "-budget", str(a.budget), "-seed", str(rep + 1), "-output", out, "-quiet"])
                with h5py.File(out, "r") as f:
                    bp = f["inverse/best_parameters"][:]
                    at = dict(f["inverse"].attrs)
                    hist = f["inverse/history/features"][:]
                run = {"target": name, "repeat": rep, "best_distance": float(at["best_objective"]),
                       "best_evaluation": int(at["best_evaluation"]), "n_points": float(bp[0]), "radius": float(bp[1]),
                       "stretch_x": float(bp[2]), "stretch_y": float(bp[3]),
                       "initial_best": float(hist[a.n_init - 1, 7]), "seconds_per_evaluation": float(at["seconds_per_evaluation"])}
                runs.append(run)
                print(json.dumps(run), flush=True)
            order = np.argsort([r_["best_distance"] for r_ in runs], kind="stable")
            print(json.dumps({"target": name, "size": n, "truth": truth, "best": runs[order[0]], "median": runs[order[len(runs) // 2]]}),
                  flush=True)


if __name__ == "__main__":
    main()
