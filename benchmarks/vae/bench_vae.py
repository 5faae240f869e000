#!/usr/bin/env python3
"""VAE training throughput: `matscreen vae train` on 1 and 2 ranks (1 thread per rank) beside
PyTorch on the CPU with the same architecture (Table 4.3 widths 16,32,64,128, hidden 2048,
latent 256, at the given input sizes), batch 64 and threads (1, and 2 to match 2 ranks);
matscreen with plain (ncdhw) and blocked (oneDNN's choice + reorders) convolution layouts.
Structures from `matscreen generate -batch N -resize SIZE`. One JSON line per run:
structures/s = training structures / median epoch time after the first (steps + validation),
and the peak resident memory per rank (process).
usage: bench_vae.py MATSCREEN [N=128] [EPOCHS=3] [SIZES=32,64] [LAYOUTS=plain,blocked] [PEER=torch|none]
(PEER none: matscreen only, e.g. to re-measure a change against an earlier PyTorch run.)
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile

import h5py

ms = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 128
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
sizes = [int(s) for s in (sys.argv[4] if len(sys.argv) > 4 else "32,64").split(",")]
layouts = (sys.argv[5] if len(sys.argv) > 5 else "plain,blocked").split(",")  # blocked needs 2-3x the memory
peer = sys.argv[6] if len(sys.argv) > 6 else "torch"
here = os.path.dirname(os.path.abspath(__file__))
env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
ARCH = ["-vae_channels", "16,32,64,128", "-vae_hidden", "2048", "-vae_latent", "256", "-batch", "64", "-lr", "1e-5"]
d = tempfile.mkdtemp()
for size in sizes:
    data = f"{d}/s{size}.h5"
    subprocess.run([ms, "generate", "-batch", str(n), "-size", str(size * 3 // 2), "-n_points_range", "20,120", "-radius_range", "2,3.5",
                    "-stretch_axis", "random", "-stretch_range", "0.5,1", "-resize", str(size), "-seed", "1", "-output", data, "-quiet"],
                   check=True, env=env)
    for ranks, layout in [(r, lay) for r in (1, 2) for lay in layouts]:
        out = f"{d}/v{size}_{ranks}_{layout}.h5"
        cmd = (["mpiexec", "--oversubscribe", "-n", str(ranks)] if ranks > 1 else []) + [ms, "vae", "train", "-data", data, "-vae_size", str(size),
                                                                                       "-epochs", str(epochs), "-plot", "none", "-output", out, "-quiet",
                                                                                       "-vae_layout", layout] + ARCH
        subprocess.run(cmd, check=True, env=env)
        with h5py.File(out) as f:
            h = f["history"]
            t = statistics.median(h["epoch_seconds"][1:]) if epochs > 1 else h["epoch_seconds"][0]
            print(json.dumps({"impl": "matscreen", "layout": layout, "size": size, "channels": [16, 32, 64, 128], "hidden": 2048, "latent": 256, "batch": 64,
                              "threads": 1, "ranks": ranks, "n_train": int(h.attrs["n_train"]), "epochs": epochs,
                              "structures_per_s": round(h.attrs["n_train"] / t, 3), "peak_rss_mb": round(float(h.attrs["peak_rss_per_rank_mb"]), 1)}),
                  flush=True)
    for threads in ((1, 2) if peer == "torch" else ()):
        subprocess.run(["/usr/bin/python3", f"{here}/torch_vae.py", data, str(size), "16,32,64,128", "2048", "256", "64", str(epochs), str(threads)],
                       check=True, env=dict(env, OMP_NUM_THREADS=str(threads)))
