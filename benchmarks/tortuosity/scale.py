#!/usr/bin/python3
"""Scale: one axis of a large membrane (porosity ~0.30) on 1 or 2 ranks, peak memory per voxel
and CPU seconds of set-up and solve, one JSON object per run (benchmarks/RESULTS.md,
"Scale: 500^3 and bytes per voxel (issue 14 item 2)").

The membranes keep the 128^3 block's cell size and stanchion radius (so a larger n is a larger
sample of the same material, porosity 0.30-0.31, cells elongated along z):

    matscreen generate -size N -n_points round(60 (N/128)^3) -radius 9.2 -stretch 1,1,0.5 -seed 1

Each run: `mpiexec -n R matscreen tortuosity -input vN.h5 -axis x -memory_log`; the memory
log's phases (RSS and peak summed over ranks, per voxel) are recorded with the OUT.h5
figures (tau to 17 digits, iterations, set-up / solve CPU of the busiest rank, peak RSS).
Binaries are given as label=path pairs and run interleaved, --repeat times each.

usage: scale.py --sizes 256,320 --ranks 2 [--bin after=build/bin/matscreen --bin before=DIR/matscreen]
                [--libdir before=DIR] [--repeat 1] [--out DIR] [--axis x]
"""
import argparse
import json
import os
import re
import resource
import subprocess
import time

import h5py


def env(libdir=None):
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
             OPENBLAS_NUM_THREADS="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    if libdir:
        e["LD_LIBRARY_PATH"] = libdir
    return e


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def volume(binary, n, out):
    path = os.path.join(out, f"v{n}.h5")
    if not os.path.exists(path):
        pts = round(60 * (n / 128) ** 3)
        subprocess.run(["mpiexec", "-n", "2", binary, "generate", "-size", str(n), "-n_points", str(pts), "-radius", "9.2",
                        "-stretch", "1,1,0.5", "-seed", "1", "-output", path, "-quiet"], check=True, env=env())
    return path


def run(label, binary, libdir, vol, n, ranks, axis, out):
    h5 = os.path.join(out, f"out_{label}_{n}_{ranks}.h5")
    cmd = ["nice", "-n", "10", "mpiexec", "-n", str(ranks), binary, "tortuosity", "-input", vol, "-axis", axis,
           "-memory_log", "-output", h5]
    c0, t0 = children_cpu(), time.time()
    p = subprocess.run(cmd, check=True, env=env(libdir), capture_output=True, text=True)
    wall, cpu = time.time() - t0, children_cpu() - c0
    phases = {}
    for line in p.stdout.splitlines() + p.stderr.splitlines():
        m = re.match(r"tortuosity memory (.+?)\s+RSS\s+([\d.]+) MB \(\s*([\d.]+) B/voxel.*peak\s+([\d.]+) MB \(\s*([\d.]+) B/voxel", line)
        if m:
            phases[m.group(1).strip()] = {"rss_B_per_voxel": float(m.group(3)), "peak_B_per_voxel": float(m.group(5))}
    with h5py.File(h5, "r") as f:
        g = f[f"tortuosity/{axis}"]
        rss = int(f["tortuosity"].attrs["peak_rss_bytes_sum"])
        res = dict(label=label, n=n, ranks=ranks, axis=axis, tau=float(g["tau"][()]), iterations=int(g["iterations"][()]),
                   setup_cpu_s=float(g["setup_cpu_seconds_max_rank"][()]), solve_cpu_s=float(g["solve_cpu_seconds_max_rank"][()]),
                   setup_wall_s=float(g["setup_seconds"][()] + g["percolation_seconds"][()]), solve_wall_s=float(g["solve_seconds"][()]),
                   command_wall_s=wall, command_cpu_s=cpu, peak_rss_bytes_sum=rss, peak_B_per_voxel=rss / n ** 3,
                   single_coefficients=int(f["tortuosity"].attrs.get("single_coefficients", -1)), phases=phases,
                   loadavg=os.getloadavg()[0], machine="loaded")
    return res


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--bin", action="append", default=[], help="label=path (default after=build/bin/matscreen)")
    ap.add_argument("--libdir", action="append", default=[], help="label=dir: LD_LIBRARY_PATH for that binary")
    ap.add_argument("--sizes", default="256")
    ap.add_argument("--ranks", default="2")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--axis", default="x")
    ap.add_argument("--out", default="scale_out")
    a = ap.parse_args()
    bins = dict(b.split("=", 1) for b in a.bin) or {"after": os.path.join(here, "..", "..", "build", "bin", "matscreen")}
    libs = dict(b.split("=", 1) for b in a.libdir)
    os.makedirs(a.out, exist_ok=True)
    first = next(iter(bins.values()))
    for n in [int(s) for s in a.sizes.split(",")]:
        vol = volume(first, n, a.out)
        for _ in range(a.repeat):
            for r in [int(s) for s in a.ranks.split(",")]:
                for label, b in bins.items():
                    print(json.dumps(run(label, b, libs.get(label), vol, n, r, a.axis, a.out)), flush=True)


if __name__ == "__main__":
    main()
