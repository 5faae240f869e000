#!/usr/bin/env python3
"""SISSO feature-space size and time per rung on 1 and 2 ranks (benchmarks/sisso).

For each case (p primary features, n rows, rung, dim) this generates a table with a planted
formula, runs `matscreen train -model sisso` on 1 and on 2 ranks, and prints one JSON line
per (case, ranks, rung) from the run's own log:
  rung k < last: candidates generated, kept after validity and de-duplication, seconds to
                 build (stored rung, split over ranks in candidate blocks)
  last rung:     candidates streamed and screened (never stored), valid ones, seconds of
                 the first screening pass; candidates_per_s = candidates / seconds
  l0:            subsets searched in the final l0 step and its seconds
and a summary line with the wall time, the training RMSE and whether the 1- and 2-rank
formulas are identical. Our own 1-rank run is the peer (no SISSO library is installed).

Usage: bench_sisso.py [--matscreen build/bin/matscreen] [--mpiexec mpiexec] [--quick] [--large]
"""
import argparse, json, os, re, subprocess, sys, tempfile, time
import numpy as np

CASES = [  # (p, n, rung, dim, n_sis, ops)
    (5, 100, 1, 2, 50, "all"),
    (5, 100, 2, 2, 50, "all"),
    (10, 100, 2, 2, 50, "all"),
    (20, 100, 2, 2, 50, "all"),
    (3, 100, 3, 1, 50, "mul,div,sq,inv,exp,nexp,add,sub"),
]
QUICK = CASES[:3]
LARGE = [(45, 100, 2, 1, 50, "all")]  # ~1.2e8 rung-2 candidates: the "10^8 in minutes"


def make_table(path, p, n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.5, 2.0, (n, p))
    y = 3 * X[:, 0] * X[:, 1] / X[:, 2 % p] ** 2 * (1 + 0.01 * rng.standard_normal(n))
    names = [f"x{j + 1}" for j in range(p)]
    np.savetxt(path, np.c_[X, y], delimiter=",", header=",".join(names + ["y"]), comments="", fmt="%.17g")


def run(cmd, env):
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if out.returncode:
        sys.exit(f"bench_sisso: {' '.join(cmd)} failed:\n{out.stderr}")
    return out.stdout, wall


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default="build/bin/matscreen")
    ap.add_argument("--mpiexec", default="mpiexec")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--large", action="store_true", help="also the ~1e8-candidate rung-2 case (minutes)")
    a = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
    tmp = tempfile.mkdtemp(prefix="bench_sisso_")
    for (p, n, rung, dim, n_sis, ops) in (QUICK if a.quick else CASES) + (LARGE if a.large else []):
        data = os.path.join(tmp, f"p{p}_n{n}.csv")
        make_table(data, p, n)
        formulas = {}
        for ranks in (1, 2):
            model = os.path.join(tmp, f"m{ranks}.h5")
            cmd = [a.matscreen, "train", "-data", data, "-target", "y", "-model", "sisso", "-sisso_rung", str(rung),
                   "-sisso_dim", str(dim), "-sisso_n_sis", str(n_sis), "-sisso_ops", ops, "-output", model,
                   "-progress_bar", "false"]
            if ranks > 1:
                cmd = [a.mpiexec, "-n", str(ranks)] + cmd
            log, wall = run(cmd, env)
            case = dict(p=p, n=n, rung_max=rung, dim=dim, n_sis=n_sis, ops=ops, ranks=ranks)
            for m in re.finditer(r"sisso: rung (\d+): (\d+) candidates, (\d+) kept \(valid, new\), ([\d.]+) s", log):
                k, c, kept, s = int(m[1]), int(m[2]), int(m[3]), float(m[4])
                print(json.dumps(dict(case, rung=k, stage="stored", candidates=c, kept=kept, seconds=s)))
            for m in re.finditer(r"sisso: rung (\d+): (\d+) candidates, (\d+) valid \(streamed, not stored\), screened in ([\d.]+) s", log):
                k, c, v, s = int(m[1]), int(m[2]), int(m[3]), float(m[4])
                print(json.dumps(dict(case, rung=k, stage="screened", candidates=c, valid=v, seconds=s,
                                      candidates_per_s=round(c / s) if s > 0 else None)))
            l0 = re.findall(r"sisso: (\d)D model \((\d+) subsets of (\d+) screened, ([\d.]+) s\): training RMSE (\S+)", log)
            D, subsets, screened, s, rmse = l0[-1]
            print(json.dumps(dict(case, stage="l0", dim_searched=int(D), subsets=int(subsets), screened=int(screened), seconds=float(s))))
            formulas[ranks] = subprocess.run([a.matscreen, "formula", "-model", model], capture_output=True, text=True, env=env).stdout.strip()
            print(json.dumps(dict(case, stage="total", wall_s=round(wall, 3), training_rmse=float(rmse), formula=formulas[ranks])))
        print(json.dumps(dict(p=p, n=n, rung_max=rung, stage="ranks_agree", identical=formulas[1] == formulas[2])))


if __name__ == "__main__":
    main()
