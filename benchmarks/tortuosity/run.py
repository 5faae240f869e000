#!/usr/bin/python3
"""Tortuosity benchmark: membranes at 64^3, 128^3, 200^3 on 1 and 2 ranks, then a
preconditioner comparison on the 128^3 membrane and the accuracy of the stopping test on the
smallest membrane (tau at -mismatch_tol 1e-3/1e-4/1e-5 vs 1e-10), one JSON object per line.

Membranes come from `matscreen generate` (--generator matscreen: the project's Voronoi
stanchion generator, 170 seed points, radius 3.4 * n/200 voxels, seed 1) or from
make_membrane.py (--generator proxy, the default until the generator's benchmarks settle: a
Voronoi-edge proxy written before the generator landed). Each case runs `matscreen tortuosity -axis all` under mpiexec and
reads OUT.h5: per axis setup (percolation + assembly + preconditioner set-up) and solve
seconds, iterations, tau, current mismatch; peak RSS summed over ranks (the command records
it). bytes_per_voxel subtracts the peak RSS of the same command on an 8^3 volume (MPI, PETSc
and HDF5 libraries), raw_bytes_per_voxel does not.

usage: run.py [--matscreen BIN] [--out DIR] [--sizes 64,128,200] [--ranks 1,2] [--no-pc-table]
              [--generator proxy|matscreen]
Timings depend on the machine's load: record `uptime` with them (the driver prints it).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))

PC_TABLE = [
    ("mg (default): stencil shell finest level, aggregation GMG, W-cycle", []),
    ("mg, V-cycle", ["-pc_mg_cycle_type", "v"]),
    ("mg, assembled AIJ finest level (SSOR smoother)", ["-assemble"]),
    ("gamg (PETSc defaults)", ["-pc_type", "gamg"]),
    ("gamg, unsmoothed aggregation", ["-pc_type", "gamg", "-pc_gamg_agg_nsmooths", "0"]),
    ("hypre BoomerAMG tuned (HMIS, ext+i, 0.5, P_max 4, agg_nl 1)", ["-pc_type", "hypre"]),
    ("hypre BoomerAMG, hypre defaults", ["-pc_type", "hypre", "-pc_hypre_boomeramg_coarsen_type", "Falgout",
                                         "-pc_hypre_boomeramg_interp_type", "classical",
                                         "-pc_hypre_boomeramg_strong_threshold", "0.25",
                                         "-pc_hypre_boomeramg_P_max", "0", "-pc_hypre_boomeramg_agg_nl", "0"]),
    ("jacobi", ["-pc_type", "jacobi"]),
]


def env():
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
             OPENBLAS_NUM_THREADS="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return e


def solve(binary, volume, ranks, out, axis="all", extra=()):
    cmd = ["mpiexec", "--oversubscribe", "-n", str(ranks), binary, "tortuosity", "-input", volume, "-axis", axis,
           "-output", out, "-quiet"] + list(extra)
    t0 = time.time()
    subprocess.run(cmd, check=True, env=env())
    wall = time.time() - t0
    res = []
    with h5py.File(out, "r") as f:
        g = f["tortuosity"]
        rss = int(g.attrs["peak_rss_bytes_sum"])
        n = int(g.attrs["nx"]) * int(g.attrs["ny"]) * int(g.attrs["nz"])
        for a in "xyz":
            if a not in g:
                continue
            h = g[a]
            res.append(dict(axis=a, tau=float(h["tau"][()]), porosity=float(h["porosity"][()]),
                            iterations=int(h["iterations"][()]), mismatch=float(h["current_mismatch"][()]),
                            setup_s=float(h["percolation_seconds"][()] + h["setup_seconds"][()]),
                            solve_s=float(h["solve_seconds"][()]), pc=h.attrs["pc_type"],
                            cpu_s_max_rank=float(h["cpu_seconds_max_rank"][()])))
    return res, rss, n, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(HERE, "../../build/bin/matscreen"))
    ap.add_argument("--out", default=os.path.join(HERE, "../../build/bench_tortuosity"))
    ap.add_argument("--sizes", default="64,128,200")
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--no-pc-table", action="store_true")
    ap.add_argument("--generator", choices=("proxy", "matscreen"), default="proxy")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    load = os.getloadavg()[0]
    print(json.dumps(dict(event="start", loadavg_1min=load, cpus=os.cpu_count(), generator=a.generator)), flush=True)

    def membrane(n):
        path = os.path.join(a.out, f"membrane_{a.generator}_{n}.h5")
        if os.path.exists(path):
            return path
        if a.generator == "proxy" or n < 16:
            subprocess.run([sys.executable, os.path.join(HERE, "make_membrane.py"), str(n), path, "--seed", "1"],
                           check=True, stdout=subprocess.DEVNULL)
        else:
            subprocess.run([a.matscreen, "generate", "-size", str(n), "-n_points", "170", "-radius",
                            str(max(1.2, 3.4 * n / 200)), "-seed", "1", "-output", path, "-quiet"],
                           check=True, env=env())
        return path

    base = {}
    for r in map(int, a.ranks.split(",")):
        _, rss, _, _ = solve(a.matscreen, membrane(8), r, os.path.join(a.out, "base.h5"))
        base[r] = rss
    for n in map(int, a.sizes.split(",")):
        vol = membrane(n)
        for r in map(int, a.ranks.split(",")):
            res, rss, nvox, wall = solve(a.matscreen, vol, r, os.path.join(a.out, f"out_{n}_{r}.h5"))
            for x in res:
                x.update(case="membrane", n=n, ranks=r, total_s=x["setup_s"] + x["solve_s"], peak_rss_bytes=rss,
                         bytes_per_voxel=(rss - base[r]) / nvox, raw_bytes_per_voxel=rss / nvox,
                         command_wall_s=wall)
                print(json.dumps(x), flush=True)
    if not a.no_pc_table:
        n, r = 128, 2
        vol = membrane(n)
        for name, opts in PC_TABLE:
            res, rss, nvox, wall = solve(a.matscreen, vol, r, os.path.join(a.out, "pc.h5"), "x", opts)
            x = res[0]
            x.update(case="pc_table", preconditioner=name, n=n, ranks=r, total_s=x["setup_s"] + x["solve_s"],
                     peak_rss_bytes=rss, bytes_per_voxel=(rss - base[r]) / nvox)
            print(json.dumps(x), flush=True)
    # What the physical stopping test costs in accuracy: default tolerance vs a tight solve.
    n = min(map(int, a.sizes.split(",")))
    vol = membrane(n)
    tight, _, _, _ = solve(a.matscreen, vol, 1, os.path.join(a.out, "tight.h5"), "all", ["-mismatch_tol", "1e-10"])
    for tol in ("1e-3", "1e-4", "1e-5"):
        res, _, _, _ = solve(a.matscreen, vol, 1, os.path.join(a.out, "tol.h5"), "all", ["-mismatch_tol", tol])
        for x, t in zip(res, tight):
            print(json.dumps(dict(case="accuracy", n=n, axis=x["axis"], mismatch_tol=float(tol), iterations=x["iterations"],
                                  tau=x["tau"], tau_tight=t["tau"], tight_iterations=t["iterations"],
                                  rel_error=abs(x["tau"] - t["tau"]) / t["tau"])), flush=True)
    print(json.dumps(dict(event="end", loadavg_1min=os.getloadavg()[0])), flush=True)


if __name__ == "__main__":
    main()
