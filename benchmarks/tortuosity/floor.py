#!/usr/bin/python3
"""Tortuosity at the floor: STREAM bandwidth (bench_stream, 1 and 2 ranks) and the whole
`matscreen tortuosity -axis all` command on a 128^3 membrane of porosity ~0.32, one JSON object
per line (benchmarks/RESULTS.md, "Tortuosity at the floor").

The membrane: `matscreen generate -size 128 -n_points 60 -radius 9 -stretch 1,1,0.5 -seed 1`
(porosity 0.323, cells elongated along z: tau about 3.3 / 4.8 / 2.1).

Per axis: setup and solve wall seconds (from OUT.h5), and, when the binary records them,
setup and solve CPU seconds of the busiest rank; per command: wall seconds and the CPU
seconds of mpiexec and all ranks (getrusage of the children). On a loaded machine the CPU
seconds are the figures to compare; --repeat N keeps the best run by command CPU.

usage: floor.py [--matscreen BIN] [--stream BIN] [--out DIR] [--ranks 1,2] [--repeat 3]
                [--label NAME] [--no-stream] [--no-generate]
"""
import argparse
import json
import os
import resource
import subprocess
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = ["-size", "128", "-n_points", "60", "-radius", "9", "-stretch", "1,1,0.5", "-seed", "1"]


def env():
    e = dict(os.environ)
    e.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
             OPENBLAS_NUM_THREADS="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    return e


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_cmd(binary, volume, ranks, out, extra):
    cmd = ["mpiexec", "-n", str(ranks), binary, "tortuosity", "-input", volume, "-axis", "all", "-output", out,
           "-quiet"] + extra
    c0, t0 = children_cpu(), time.time()
    subprocess.run(cmd, check=True, env=env())
    wall, cpu = time.time() - t0, children_cpu() - c0
    axes = []
    with h5py.File(out, "r") as f:
        rss = f["tortuosity"].attrs.get("peak_rss_bytes_sum")
        for a in "xyz":
            h = f["tortuosity"][a]
            d = dict(axis=a, tau=float(h["tau"][()]), iterations=int(h["iterations"][()]),
                     setup_s=float(h["percolation_seconds"][()] + h["setup_seconds"][()]),
                     solve_s=float(h["solve_seconds"][()]), cpu_s_max_rank=float(h["cpu_seconds_max_rank"][()]))
            for k in ("setup_cpu_seconds_max_rank", "solve_cpu_seconds_max_rank"):
                if k in h:
                    d[k.replace("_seconds_max_rank", "_s_max_rank")] = float(h[k][()])
            axes.append(d)
    res = dict(wall_s=wall, cpu_s_all_processes=cpu, axes=axes)
    if rss is not None:
        res["peak_rss_bytes_sum"] = int(rss)
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(HERE, "../../build/bin/matscreen"))
    ap.add_argument("--stream", default=os.path.join(HERE, "../../build/benchmarks/bench_stream"))
    ap.add_argument("--out", default=os.path.join(HERE, "../../build/bench_floor"))
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--label", default="")
    ap.add_argument("--no-stream", action="store_true")
    ap.add_argument("--extra", default="", help="extra options for the tortuosity command (space-separated)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ranks = [int(r) for r in args.ranks.split(",")]
    print(json.dumps(dict(bench="uptime", load=os.getloadavg(), label=args.label)), flush=True)
    if not args.no_stream:
        for p in ranks:
            r = subprocess.run(["mpiexec", "-n", str(p), args.stream, "-ntimes", "20"], check=True, env=env(),
                               capture_output=True, text=True)
            for line in r.stdout.splitlines():
                print(line, flush=True)
    vol = os.path.join(args.out, "membrane128_p033.h5")
    if not os.path.exists(vol):
        subprocess.run([args.matscreen, "generate"] + GEN + ["-output", vol], check=True, env=env(), stdout=subprocess.DEVNULL)
    for p in ranks:
        runs = [run_cmd(args.matscreen, vol, p, os.path.join(args.out, "t%d.h5" % p), args.extra.split())
                for _ in range(args.repeat)]
        best = min(runs, key=lambda r: r["cpu_s_all_processes"])
        best.update(bench="tortuosity_all_axes", label=args.label, ranks=p, repeat=args.repeat,
                    cpu_s_all_processes_runs=[round(r["cpu_s_all_processes"], 3) for r in runs],
                    wall_s_runs=[round(r["wall_s"], 3) for r in runs], load=os.getloadavg())
        print(json.dumps(best), flush=True)


if __name__ == "__main__":
    main()
