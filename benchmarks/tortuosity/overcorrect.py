#!/usr/bin/python3
"""Over-corrected multigrid (-mg_overcorrect): `matscreen tortuosity -axis all` on one volume with a
list of option sets, one JSON object per run with iterations, tau, set-up / solve wall and solve
CPU seconds (busiest rank) per axis (benchmarks/RESULTS.md, "Over-corrected coarse-grid
correction"). Runs everything at nice 19 (a shared machine).

usage: overcorrect.py VOLUME RANKS 'OPTS;OPTS;...' [MATSCREEN]
  e.g. overcorrect.py v256.h5 1 '-mg_overcorrect 1;-mg_overcorrect 1.6;-mg_overcorrect 1.6 -mg_shell_levels 1'
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import h5py

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    vol, ranks, cases = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(";")
    binary = sys.argv[4] if len(sys.argv) > 4 else os.path.join(HERE, "../../build/bin/matscreen")
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMP_NUM_THREADS="1",
               OPENBLAS_NUM_THREADS="1")
    for extra in cases:
        fd, out = tempfile.mkstemp(suffix=".h5", dir=os.path.dirname(os.path.abspath(vol)))
        os.close(fd)
        cmd = ["nice", "-n", "19", "mpiexec", "-n", str(ranks), binary, "tortuosity", "-input", vol, "-axis", "all",
               "-output", out, "-quiet"] + extra.split()
        r0, t0 = resource.getrusage(resource.RUSAGE_CHILDREN), time.time()
        subprocess.run(cmd, check=True, env=env)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        res = dict(vol=os.path.basename(vol), ranks=ranks, extra=extra, wall=round(time.time() - t0, 2),
                   cpu=round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2), load=os.getloadavg()[0], axes={})
        with h5py.File(out, "r") as f:
            for a in "xyz":
                h = f["tortuosity"][a]
                d = dict(tau=float(h["tau"][()]), its=int(h["iterations"][()]), setup=round(float(h["setup_seconds"][()]), 2),
                         solve=round(float(h["solve_seconds"][()]), 2))
                if "solve_cpu_seconds_max_rank" in h:
                    d["solve_cpu"] = round(float(h["solve_cpu_seconds_max_rank"][()]), 2)
                res["axes"][a] = d
        os.remove(out)
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
