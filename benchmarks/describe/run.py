#!/usr/bin/python3
"""Two-point correlation benchmark: S2 of generated membranes at 128^3 and 256^3 on 1 and 2
ranks (`matscreen describe`, FFTW's MPI interface) beside numpy.fft and scipy.fft on the same
volume, one JSON object per line.

Kernel vs kernel: for matscreen the `fft_seconds` it records (r2c forward, |F|^2, c2r backward
on the already distributed indicator; FFTW_ESTIMATE plans are made before the clock starts);
for numpy/scipy the same three steps on the float64 indicator already in memory
(rfftn, abs()**2, irfftn; scipy.fft with workers=1, i.e. one core like one rank). The whole
command's wall time (read, redistribution, chords, surface, output) is reported too
(`command_seconds`, mpiexec start-up included). `setup_seconds` is matscreen's move of the
indicator into FFTW's slabs plus the fill of the FFT buffer, which is the buffer's first touch
(page faults): numpy/scipy pay their first touch inside the kernel (they allocate F and the
result), so `kernel_plus_setup_seconds` is the like-for-like figure. Best of --repeat runs each.

usage: run.py [--matscreen BIN] [--out DIR] [--sizes 128,256] [--ranks 1,2] [--boundary periodic,padded]
              [--repeat 3]
Timings depend on the machine's load: the driver prints `uptime` with them.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import scipy.fft

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
           OMPI_MCA_rmaps_base_oversubscribe="1", OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def emit(d):
    print(json.dumps(d), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default=os.path.join(HERE, "..", "..", "build", "bin", "matscreen"))
    ap.add_argument("--out", default="/tmp/ms_bench_describe")
    ap.add_argument("--sizes", default="128,256")
    ap.add_argument("--ranks", default="1,2")
    ap.add_argument("--boundary", default="periodic")
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    emit({"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()})
    for n in map(int, a.sizes.split(",")):
        vol = os.path.join(a.out, f"m{n}.h5")
        if not os.path.exists(vol):
            subprocess.run([a.matscreen, "generate", "-size", str(n), "-n_points", "170", "-radius", str(3.4 * n / 200),
                            "-seed", "1", "-output", vol], check=True, capture_output=True, env=ENV)
        with h5py.File(vol, "r") as f:
            pore = (f["volume"][...] == 0).astype(np.float64)
        for b in a.boundary.split(","):
            s = tuple(2 * d for d in pore.shape) if b == "padded" else pore.shape
            ref = None
            for lib, fwd, inv in (("numpy.fft", lambda x: np.fft.rfftn(x, s=s), lambda y: np.fft.irfftn(y, s=s)),
                                  ("scipy.fft", lambda x: scipy.fft.rfftn(x, s=s, workers=1),
                                   lambda y: scipy.fft.irfftn(y, s=s, workers=1))):
                best = float("inf")
                for _ in range(a.repeat):
                    t0 = time.perf_counter()
                    F = fwd(pore)
                    c = inv(F.real**2 + F.imag**2)
                    best = min(best, time.perf_counter() - t0)
                    del F
                pairs = float(n**3) if b == "periodic" else n * n * (n - np.arange(n // 2 + 1.0))
                ref = np.rint(c[0, 0, : n // 2 + 1]) / pairs
                del c
                emit({"bench": "s2", "tool": lib, "size": n, "boundary": b, "ranks": 1, "kernel_seconds": round(best, 4)})
            for p in map(int, a.ranks.split(",")):
                best, best_both, cmd_best, out = float("inf"), float("inf"), float("inf"), os.path.join(a.out, f"d{n}_{b}_{p}.h5")
                for _ in range(a.repeat):
                    t0 = time.perf_counter()
                    subprocess.run(["mpiexec", "-n", str(p), a.matscreen, "describe", "-input", vol, "-boundary", b, "-output", out],
                                   check=True, capture_output=True, env=ENV)
                    cmd_best = min(cmd_best, time.perf_counter() - t0)
                    with h5py.File(out, "r") as f:
                        g = f["describe"]
                        best = min(best, g.attrs["fft_seconds"])
                        redist = g.attrs["setup_seconds"]
                        both = g.attrs["fft_seconds"] + redist
                        s2x = g["s2_x"][0]
                    best_both = min(best_both, both)
                err = float(np.max(np.abs(s2x - ref)))
                emit({"bench": "s2", "tool": "matscreen describe (FFTW MPI)", "size": n, "boundary": b, "ranks": p,
                      "kernel_seconds": round(best, 4), "setup_seconds": round(redist, 4),
                      "kernel_plus_setup_seconds": round(best_both, 4),
                      "command_seconds": round(cmd_best, 3), "max_abs_diff_s2_x_vs_numpy": err})
    emit({"uptime": subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()})


if __name__ == "__main__":
    sys.exit(main())
