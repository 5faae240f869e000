#!/usr/bin/env python3
"""Transfer learning (Figure 4.13): `matscreen vae transfer` on 1 and 2 ranks (repeats spread
over ranks, 1 thread per rank) beside the PyTorch peer (torch_transfer.py: same encoder weights,
head, epochs, batch, 1 thread), on N generated structures (`generate -batch N -resize SIZE`)
with a small VAE trained first (widths 8,16,32, hidden 256, latent 32) and a synthetic label,
Bruggeman's tortuosity porosity^-1/2 (a real `label` campaign is hours of solves). One JSON line
per run: wall seconds and CPU seconds (summed over ranks; the figure that survives a shared
machine) in all and per repeat (both strategies), mean train/test MSE per strategy.
matscreen runs with plain and blocked convolution layouts (-vae_layout). A last matscreen run (1 rank) uses only FEW labelled training structures (the regime of the
issue's claim, as in tests/mpi/test_vae_transfer.c).
usage: bench_transfer.py MATSCREEN [N=300] [SIZE=32] [REPEATS=4] [EPOCHS=20] [VAE_EPOCHS=10] [FEW=20]
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

ms = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
size = int(sys.argv[3]) if len(sys.argv) > 3 else 32
repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 4
epochs = int(sys.argv[5]) if len(sys.argv) > 5 else 20
vae_epochs = int(sys.argv[6]) if len(sys.argv) > 6 else 10
few = int(sys.argv[7]) if len(sys.argv) > 7 else 20
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
CH, HID, LAT, LR = "8,16,32", "256", "32", "1e-3"
d = tempfile.mkdtemp()
data = f"{d}/s.h5"
subprocess.run([ms, "generate", "-batch", str(n), "-size", str(size * 3 // 2), "-n_points_range", "20,200", "-radius_range", "2,3.5",
                "-stretch_axis", "random", "-stretch_range", "0.5,1", "-resize", str(size), "-seed", "1", "-output", data, "-quiet"], check=True, env=env)
subprocess.run(["mpiexec", "--oversubscribe", "-n", "2", ms, "vae", "train", "-data", data, "-vae_size", str(size), "-vae_layers", "3", "-vae_channels", CH,
                "-vae_hidden", HID, "-vae_latent", LAT, "-epochs", str(vae_epochs), "-batch", "32", "-lr", LR, "-plot", "none", "-output", f"{d}/vae.h5",
                "-quiet"], check=True, env=env)
with h5py.File(data) as f:
    g = f["structures"]
    phi = np.array([1.0 - g[k][()].mean() for k in sorted(g.keys())])
ok = np.flatnonzero(phi > 0.05)  # nearly solid structures: phi^-1/2 explodes (and would not percolate)
n_train = len(ok) * 5 // 6  # the seed's 250 of 300
with open(f"{d}/tau.csv", "w") as f:
    f.write("id,tau\n" + "".join(f"{i},{phi[i] ** -0.5:.17g}\n" for i in ok))
common = ["-model", f"{d}/vae.h5", "-data", data, "-labels", f"{d}/tau.csv", "-target", "tau", "-repeats", str(repeats),
          "-epochs", str(epochs), "-batch", "64", "-lr", LR, "-quiet"]
for ranks, nt, layout in ((1, n_train, "plain"), (2, n_train, "plain"), (1, n_train, "blocked"), (1, few, "plain")):
    out = f"{d}/t{ranks}_{nt}_{layout}.h5"
    cmd = (["mpiexec", "--oversubscribe", "-n", str(ranks)] if ranks > 1 else []) + [ms, "vae", "transfer", "-n_train", str(nt), "-vae_layout", layout] + common + [
        "-output", out]
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)  # all ranks (mpiexec waits for them)
    with h5py.File(out) as f:
        a = dict(f["transfer"].attrs)
    print(json.dumps({"impl": "matscreen", "layout": layout, "ranks": ranks, "threads": 1, "n": n, "size": size, "repeats": repeats, "n_train": nt, "epochs": epochs,
                      "batch": 64, "seconds": round(t, 3), "s_per_repeat": round(t / repeats, 3),
                      "cpu_s": round(cpu, 3), "cpu_s_per_repeat": round(cpu / repeats, 3),
                      **{f"{s}_{k}_mean": round(float(a[f"{p}_mse_{k}_mean"]), 6) for s, p in (("transfer_learning", "transfer"), ("from_scratch", "scratch"))
                         for k in ("train", "test")}}), flush=True)
subprocess.run(["/usr/bin/python3", f"{here}/torch_transfer.py", f"{d}/vae.h5", data, f"{d}/tau.csv", CH, HID, LAT, str(n_train), str(repeats),
                str(epochs), "64", LR, "1"], check=True, env=env)
shutil.rmtree(d)
