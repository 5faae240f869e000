#!/usr/bin/python3
"""Inverse design benchmark: time per evaluation of `matscreen bo inverse` (generate the
structure + S2 by FFTW MPI + PCA scores) and per BO step (GP fit + suggestion) on 1 and 2 ranks,
at 32^3 and 64^3, beside the descriptor step done by numpy (the peer here: S2 along x, y, z of
the same generated volume by numpy.fft rfftn/|F|^2/irfftn, then the PCA projection), one JSON
object per line. The generator has no Python peer (it is our own); matscreen's figures are the
`seconds_per_evaluation` / `seconds_per_bo_step` it records in /inverse (mean over the run's
evaluations), the numpy figure is the best of --repeat runs of the descriptor step alone.

usage: run.py [--matscreen BIN] [--sizes 32,64] [--ranks 1,2] [--budget 15] [--n_init 5]
Timings depend on the machine's load: the driver prints `uptime` with them.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import h5py
import numpy as np

ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def sh(cmd):
    subprocess.run(cmd, check=True, env=ENV, stdout=subprocess.DEVNULL)


def numpy_descriptor(vol, mean, comps):
    """S2 of the pore phase along x, y, z (periodic, lags 0..n/2) and the PCA scores"""
    t = (vol == 0).astype(np.float64)
    F = np.fft.rfftn(t)
    C = np.fft.irfftn(np.abs(F) ** 2, s=t.shape) / t.size
    nz, ny, nx = t.shape
    f = np.concatenate([C[0, 0, : nx // 2 + 1], C[0, : ny // 2 + 1, 0], C[: nz // 2 + 1, 0, 0]])
    return (f - mean) @ comps.T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(os.path.dirname(__file__), "../../build/bin/matscreen"))
    ap.add_argument("--sizes", default="32,64")
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--budget", type=int, default=15)
    ap.add_argument("--n_init", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    ms = os.path.abspath(a.matscreen)
    print(json.dumps({"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()}), flush=True)
    with tempfile.TemporaryDirectory() as d:
        with open(f"{d}/space.csv", "w") as f:
            f.write("dimension,type,values\nn_points,int,6 40\nradius,real,1.5 3.5\nstretch_z,real,0.5 1\n")
        for n in map(int, a.sizes.split(",")):
            sh([ms, "generate", "-batch", "30", "-size", str(n), "-n_points_range", "6,40", "-radius_range", "1.5,3.5", "-stretch_axis", "z",
                "-seed", "5", "-output", f"{d}/set{n}.h5", "-quiet"])
            sh([ms, "describe", "-input", f"{d}/set{n}.h5", "-fit_pca", "4", "-output", f"{d}/pca{n}.h5", "-quiet"])
            sh([ms, "generate", "-size", str(n), "-n_points", "20", "-radius", "2.5", "-stretch", "1,1,0.75", "-seed", "99",
                "-output", f"{d}/t{n}.h5", "-quiet"])
            for r in map(int, a.ranks.split(",")):
                out = f"{d}/inv{n}_{r}.h5"
                cmd = (["mpiexec", "-n", str(r)] if r > 1 else []) + [ms, "bo", "inverse", "-target", f"{d}/t{n}.h5", "-space",
                                                                      f"{d}/space.csv", "-pca_model", f"{d}/pca{n}.h5", "-n_init",
                                                                      str(a.n_init), "-budget", str(a.budget), "-output", out, "-quiet"]
                t0 = time.time()
                sh(cmd)
                wall = time.time() - t0
                with h5py.File(out, "r") as f:
                    at = dict(f["inverse"].attrs)
                print(json.dumps({"tool": "matscreen", "size": n, "ranks": r, "evaluations": a.budget,
                                  "seconds_per_evaluation": float(at["seconds_per_evaluation"]),
                                  "seconds_per_bo_step": float(at["seconds_per_bo_step"]),
                                  "seconds_per_checkpoint": float(at.get("seconds_per_checkpoint", float("nan"))), "command_seconds": wall,
                                  "best_objective": float(at["best_objective"])}), flush=True)
            with h5py.File(f"{d}/t{n}.h5", "r") as f:
                vol = f["volume"][:]
            with h5py.File(f"{d}/pca{n}.h5", "r") as f:
                mean, comps = f["pca/mean"][:], f["pca/components"][:]
            best = 1e30
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                numpy_descriptor(vol, mean, comps)
                best = min(best, time.perf_counter() - t0)
            print(json.dumps({"tool": "numpy.fft descriptor only", "size": n, "ranks": 1, "seconds_per_descriptor": best}), flush=True)


if __name__ == "__main__":
    main()
