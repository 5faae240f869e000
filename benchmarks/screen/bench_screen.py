#!/usr/bin/env python3
"""Screening throughput, side by side with scikit-learn (one JSON line per figure).

  benchmarks/screen/bench_screen.py [--build build] [--forest-n 200000] [--gpr-n 10000]
                                    [--big 0]          # e.g. --big 100000000: the 10^8 run
                                    [--big-ranks 2]    # e.g. 1,2: the big run on 1 rank too

forest  200 trees (bootstrap, max_features 1.0, unlimited depth, as sklearn's defaults) on
        2,000 x 5 training rows. Both libraries fit on the same data with the same
        hyperparameters; the *predict-only* times are compared: `matscreen screen` (its
        own loop time, /screen attribute `seconds`: read chunks from HDF5, predict, keep the
        top 10; model loading excluded) on 1 and 2 ranks against sklearn's
        RandomForestRegressor.predict (n_jobs 1 and 2) on the same candidate table.
gpr     2,000 training rows, kernel 1.0 * RBF(1.0) + White(0.01), hyperparameters fixed (no
        optimisation) in both, normalize_y True in both; screen -rank ucb (mean and std of
        every candidate) against GaussianProcessRegressor.predict(return_std=True), and
        against the floor: a bare BLAS-3 triangular solve (scipy.linalg.blas.dtrsm, the same
        OpenBLAS) of the 2000 x 2000 Cholesky factor with 2000 x N right-hand sides.
big     a sampled space of --big candidates through the forest on 2 ranks (nice; --big-ranks 1,2
        adds a 1-rank run), with the
        ranks' resident memory sampled every 0.5 s (VmRSS of the larger rank; peak and at 25/50/90 %
        of the run) to show that memory does not grow with N.
Timings on this machine are shared with other work: label them ("loaded machine").
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--build", default=os.path.join(os.path.dirname(__file__), "..", "..", "build"))
ap.add_argument("--forest-n", type=int, default=200000)
ap.add_argument("--gpr-n", type=int, default=10000)
ap.add_argument("--big", type=int, default=0)
ap.add_argument("--big-ranks", default="2")
ap.add_argument("--skip", default="")
args = ap.parse_args()
MS = os.path.abspath(os.path.join(args.build, "bin", "matscreen"))
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")
os.environ.update({k: env[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")})


def emit(**kw):
    kw["machine"] = "loaded"
    print(json.dumps(kw), flush=True)


def ms(argv, np_=1, check=True):
    cmd = (["mpiexec", "--oversubscribe", "-n", str(np_)] if np_ > 1 else []) + [MS] + argv
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if check and p.returncode:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr}")
    return p


def write_table(path, X, y=None, names=("a", "b", "c", "d", "e")):
    with h5py.File(path, "w") as f:
        d = f.create_dataset("features", data=X)
        d.attrs["column_names"] = np.array(list(names), dtype=h5py.string_dtype())
        if y is not None:
            t = f.create_dataset("target", data=y)
            t.attrs["name"] = "y"


def f_true(X):
    return np.sin(3 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.3 * X[:, 3] * X[:, 4]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def screen_seconds(model, cand, np_, extra=()):
    """loop seconds (the screen's own), wall seconds and CPU seconds of the whole process(es),
    start-up and model loading included: on a shared machine CPU seconds compare better."""
    out = os.path.join(tmp, f"s{np_}.csv")
    t0, c0 = time.perf_counter(), children_cpu()
    ms(["screen", "-model", model, "-candidates", cand, "-output", out, "-top", "10", "-quiet", "-checkpoint", "false", *extra], np_)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    with h5py.File(out[:-4] + ".h5") as f:
        return f["screen"].attrs["seconds"], wall, cpu


tmp = tempfile.mkdtemp(prefix="bench_screen_")
rng = np.random.default_rng(0)
Xtr = rng.uniform(0, 1, (2000, 5))
ytr = f_true(Xtr) + 0.05 * rng.normal(size=2000)
write_table(f"{tmp}/train.h5", Xtr, ytr)

if "forest" not in args.skip:
    from sklearn.ensemble import RandomForestRegressor
    ms(["train", "-data", f"{tmp}/train.h5", "-target", "y", "-model", "rf", "-rf_n_trees", "200", "-rf_max_features", "all",
        "-seed", "1", "-output", f"{tmp}/rf.h5", "-quiet"])
    Xc = rng.uniform(0, 1, (args.forest_n, 5))
    write_table(f"{tmp}/cand.h5", Xc)
    write_table(f"{tmp}/cand_small.h5", Xc[:1000])
    # start-up and model loading: the CPU seconds of the same screen on 1,000 rows
    fixed = screen_seconds(f"{tmp}/rf.h5", f"{tmp}/cand_small.h5", 1)[2]
    for np_ in (1, 2):
        loop, wall, cpu = screen_seconds(f"{tmp}/rf.h5", f"{tmp}/cand.h5", np_)
        if np_ == 1:
            cpu1, loop1 = cpu - fixed, loop
        emit(bench="screen_forest", impl="matscreen screen", ranks=np_, n=args.forest_n, seconds=round(loop, 3), wall=round(wall, 3),
             per_s=round(args.forest_n / loop), cpu_s=round(cpu, 3), cpu_s_fixed_1rank=round(fixed, 3))
    for jobs in (1, 2):
        rf = RandomForestRegressor(n_estimators=200, max_features=1.0, random_state=1, n_jobs=jobs).fit(Xtr, ytr)
        t0, c0 = time.perf_counter(), time.process_time()
        rf.predict(Xc)
        s, cpu = time.perf_counter() - t0, time.process_time() - c0
        emit(bench="screen_forest", impl="sklearn RandomForestRegressor.predict", n_jobs=jobs, n=args.forest_n, seconds=round(s, 3),
             per_s=round(args.forest_n / s), cpu_s=round(cpu, 3))
        if jobs == 1:
            # like for like on a shared machine: CPU seconds of sklearn's predict over those of
            # the 1-rank screen's loop (its CPU seconds minus start-up and model loading)
            emit(bench="screen_forest_ratio", vs="sklearn n_jobs=1", cpu_ratio=round(cpu / cpu1, 2), wall_ratio=round(s / loop1, 2))

if "gpr" not in args.skip:
    import scipy.linalg as sl
    from scipy.linalg.blas import dtrsm
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    ms(["train", "-data", f"{tmp}/train.h5", "-target", "y", "-model", "gpr", "-gpr_optimize", "false", "-gpr_length_scale", "1",
        "-gpr_constant", "1", "-gpr_noise", "0.01", "-output", f"{tmp}/gpr.h5", "-quiet"])
    N = args.gpr_n
    Xg = rng.uniform(0, 1, (N, 5))
    write_table(f"{tmp}/gcand.h5", Xg)
    write_table(f"{tmp}/gcand_small.h5", Xg[:100])
    gfixed = screen_seconds(f"{tmp}/gpr.h5", f"{tmp}/gcand_small.h5", 1, ["-rank", "ucb", "-chunk", "8192"])[2]
    for np_ in (1, 2):
        loop, wall, cpu = screen_seconds(f"{tmp}/gpr.h5", f"{tmp}/gcand.h5", np_, ["-rank", "ucb", "-chunk", "8192"])
        if np_ == 1:
            gcpu1, gloop1 = cpu - gfixed, loop
        emit(bench="screen_gpr_std", impl="matscreen screen -rank ucb", ranks=np_, n=N, n_train=2000, seconds=round(loop, 3),
             wall=round(wall, 3), per_s=round(N / loop), cpu_s=round(cpu, 3), cpu_s_fixed_1rank=round(gfixed, 3))
    gp = GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.01), optimizer=None, normalize_y=True).fit(Xtr, ytr)
    t0, c0 = time.perf_counter(), time.process_time()
    gp.predict(Xg, return_std=True)
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit(bench="screen_gpr_std", impl="sklearn GaussianProcessRegressor.predict(return_std=True)", n=N, n_train=2000, seconds=round(s, 3),
         per_s=round(N / s), cpu_s=round(cpu, 3))
    # the floor: L^{-1} K*^T for all N queries, one BLAS-3 call per 8192 columns as screen's chunks
    K = gp.kernel_(Xtr)
    L = sl.cholesky(K + 1e-10 * np.eye(2000), lower=True)
    B = np.asfortranarray(rng.uniform(0, 1, (2000, N)))
    t0, c0 = time.perf_counter(), time.process_time()
    for c in range(0, N, 8192):
        dtrsm(1.0, L, B[:, c:c + 8192], lower=1, overwrite_b=1)
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    emit(bench="screen_gpr_std", impl="floor: dtrsm 2000x2000 lower, N right-hand sides (scipy -> OpenBLAS)", n=N, seconds=round(s, 3),
         per_s=round(N / s), cpu_s=round(cpu, 3))
    emit(bench="screen_gpr_ratio", vs="dtrsm floor", cpu_ratio=round(gcpu1 / cpu, 2), wall_ratio=round(gloop1 / s, 2))

if args.big:
    # forest model from above (train it when the forest part was skipped)
    if not os.path.exists(f"{tmp}/rf.h5"):
        ms(["train", "-data", f"{tmp}/train.h5", "-target", "y", "-model", "rf", "-rf_n_trees", "200", "-rf_max_features", "all",
            "-seed", "1", "-output", f"{tmp}/rf.h5", "-quiet"])
    for big_np in [int(r) for r in args.big_ranks.split(",")]:
        cmd = ["nice", "mpiexec", "--oversubscribe", "-n", str(big_np), MS, "screen", "-model", f"{tmp}/rf.h5",
               "-space", "a=0:1:0.1,b=0:1:0.1,c=0:1:0.1,d=0:1:0.1,e=0:1:0.1", "-space_sample", "uniform", "-n", str(args.big), "-seed", "3",
               "-output", f"{tmp}/big.csv", "-top", "100", "-progress_step", "10"]
        samples, ticks = [], {}
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        stop = False

        def sample():
            while not stop:
                pids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()
                rss = []
                for q in pids:
                    try:
                        for line in open(f"/proc/{q}/status"):
                            if line.startswith("VmRSS:"):
                                rss.append(int(line.split()[1]))
                        st = open(f"/proc/{q}/stat").read().rsplit(")", 1)[1].split()
                        ticks[q] = int(st[11]) + int(st[12])  # utime + stime of the rank
                    except OSError:
                        pass
                if rss:
                    samples.append((time.perf_counter() - t0, max(rss)))
                time.sleep(0.5)

        th = threading.Thread(target=sample)
        th.start()
        out = p.communicate()[0]
        stop = True
        th.join()
        wall = time.perf_counter() - t0
        cpu = sum(ticks.values()) / max(len(ticks), 1) / os.sysconf("SC_CLK_TCK")  # CPU s per rank (last sample)
        with h5py.File(f"{tmp}/big.h5") as f:
            loop = f["screen"].attrs["seconds"]
        T = samples[-1][0] if samples else 1
        # resident memory at a given fraction of the run (the sample closest to it)
        at = lambda frac: min(samples, key=lambda s: abs(s[0] - frac * T))[1] if samples else 0
        emit(bench="screen_forest_big", ranks=big_np, n=args.big, seconds=round(loop, 1), wall=round(wall, 1), per_s=round(args.big / loop),
             rss_kb_peak=max(r for _, r in samples), rss_kb_at_25pct=at(0.25), rss_kb_at_50pct=at(0.5), rss_kb_at_90pct=at(0.9),
             projected_1e8_minutes=round(1e8 / (args.big / loop) / 60, 1), cpu_s_per_rank=round(cpu, 1))
