#!/usr/bin/env python3
"""Composition featurization throughput: `matscreen featurize composition -preset magpie` on 1
and 2 ranks vs the same work in Python (pymatgen Composition parsing + numpy fraction-weighted
statistics over the same Magpie tables; matminer is not installed here), on the OBELiX formulas
repeated to N rows. Prints one JSON line per run; both write the 132-column matrix (HDF5 for
matscreen, .npy for Python) and the first rows are checked equal.

usage: bench_composition.py BUILD_DIR [N=100000] [PY_N=N]   (env MS_SHARED_DATA: the shared data dir)
"""
import csv, json, math, os, re, resource, subprocess, sys, tempfile, time

import h5py
import numpy as np
from pymatgen.core import Composition

build = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
PY_N = int(sys.argv[3]) if len(sys.argv) > 3 else N
here = os.path.dirname(os.path.abspath(__file__))
src = os.path.dirname(os.path.dirname(here))
shared = os.environ.get("MS_SHARED_DATA") or next(
    d for d in (os.path.join(src, "..", "shared", "data"), os.path.join(src, "..", "..", "shared", "data"))
    if os.path.isdir(d))
ms = os.path.join(build, "bin", "matscreen")
magpie = os.path.join(src, "inputs", "magpie")
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
           OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1", OMPI_MCA_rmaps_base_oversubscribe="1")

with open(os.path.join(shared, "obelix", "all.csv"), newline="") as fh:
    base = [r["Reduced Composition"] for r in csv.DictReader(fh)]
formulas = [base[i % len(base)] for i in range(N)]

props = ["Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row", "CovalentRadius",
         "Electronegativity", "NsValence", "NpValence", "NdValence", "NfValence", "NValence", "NsUnfilled",
         "NpUnfilled", "NdUnfilled", "NfUnfilled", "NUnfilled", "GSvolume_pa", "GSbandgap", "GSmagmom",
         "SpaceGroupNumber"]


def python_peer(forms):
    t0 = time.perf_counter()
    table = np.full((119, len(props)), np.nan)
    for j, p in enumerate(props):
        with open(os.path.join(magpie, p + ".table"), newline="") as fh:
            for z, v in enumerate(fh.read().split("\n")[:118], start=1):
                v = v.strip()
                if v and v != "Missing":
                    table[z, j] = float(v)
    X = np.full((len(forms), 6 * len(props)), np.nan)
    for i, f in enumerate(forms):
        try:
            amt = Composition(f).get_el_amt_dict()
        except Exception:
            continue
        els = [e for e, a in amt.items() if a > 0]
        w = np.array([amt[e] for e in els]); w /= w.sum()
        V = table[[Composition(e).elements[0].Z for e in els]]          # n_el x 22
        mean = w @ V
        mx, mn = V.max(axis=0), V.min(axis=0)
        dev = w @ np.abs(V - mean)
        top = np.isclose(w, w.max(), rtol=0, atol=1e-8)
        mode = V[top].min(axis=0)
        X[i] = np.stack([mn, mx, mx - mn, mean, dev, mode], axis=1).ravel()
    return X, time.perf_counter() - t0


with tempfile.TemporaryDirectory() as tmp:
    inp = os.path.join(tmp, "formulas.csv")
    with open(inp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "formula"])
        for i, f in enumerate(formulas):
            w.writerow([i, f])
    ours = None
    # marginal CPU per formula on 1 rank (load-independent): CPU(N) - CPU(N/10) over 0.9 N rows
    small = os.path.join(tmp, "small.csv")
    with open(small, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "formula"])
        for i, f in enumerate(formulas[: N // 10]):
            w.writerow([i, f])
    cpus = []
    for f_in in (small, inp):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([ms, "featurize", "composition", "-input", f_in, "-id", "id", "-missing", "nan", "-on_error", "nan",
                        "-output", os.path.join(tmp, "m.h5"), "-quiet"], check=True, env=env, capture_output=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
    marg = (cpus[1] - cpus[0]) / (0.9 * N)
    print(json.dumps({"bench": "featurize_composition", "impl": "matscreen", "ranks": 1, "metric": "marginal CPU per formula",
                      "cpu_us_per_formula": round(marg * 1e6, 2), "formulas_per_cpu_s": round(1 / marg),
                      "includes": "CSV parse, featurize, HDF5 write"}))
    for np_ in (1, 2):
        out = os.path.join(tmp, f"f{np_}.h5")
        cmd = ([ms] if np_ == 1 else ["mpiexec", "-n", str(np_), ms]) + [
            "featurize", "composition", "-input", inp, "-id", "id", "-missing", "nan", "-on_error", "nan",
            "-output", out]
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        log = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        feat = float(re.search(r"featurize ([0-9.e+-]+) s", log).group(1))
        print(json.dumps({"bench": "featurize_composition", "impl": "matscreen", "ranks": np_, "threads": 1, "n": N,
                          "seconds": round(dt, 3), "formulas_per_s": round(N / dt), "featurize_seconds": feat,
                          "featurize_formulas_per_s": round(N / feat), "cpu_seconds_all_ranks": round(cpu, 3),
                          "includes": "seconds: process start, CSV read, featurize, HDF5 write"}))
        with h5py.File(out) as f:
            ours = f["features"][: min(N, 2000)]
    c0 = time.process_time()
    X, dt = python_peer(formulas[:PY_N])
    cpu = time.process_time() - c0
    np.save(os.path.join(tmp, "py.npy"), X)
    print(json.dumps({"bench": "featurize_composition", "impl": "python (pymatgen Composition + numpy)", "ranks": 1, "threads": 1,
                      "n": PY_N, "seconds": round(dt, 3), "formulas_per_s": round(PY_N / dt),
                      "cpu_seconds": round(cpu, 3), "formulas_per_cpu_s": round(PY_N / cpu), "includes": "table read, parse, statistics (no file I/O)"}))
    m = min(len(ours), len(X))
    ok = ~np.isnan(X[:m]).all(axis=1)  # rows pymatgen could parse
    same = np.allclose(ours[:m][ok], X[:m][ok], rtol=1e-12, atol=0, equal_nan=True)
    print(json.dumps({"bench": "featurize_composition", "check": "%d of the first %d rows equal to the peer (rtol 1e-12; the "
                      "rest pymatgen cannot parse)" % (ok.sum(), m), "ok": bool(same)}))
