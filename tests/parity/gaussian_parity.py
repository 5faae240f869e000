#!/usr/bin/python3
"""Parity of ms_image's Gaussian filter with scipy.ndimage.gaussian_filter (the oracle).
usage: gaussian_parity.py LAUNCHER... DUMP_PROGRAM
Runs the dump program (under the launcher, e.g. mpiexec -n 2) and compares its outputs with
SciPy on the same input, same sigma, truncate and mode; max relative error <= 1e-5."""
import subprocess, sys, tempfile, os
import numpy as np
from scipy.ndimage import gaussian_filter

shape = (17, 19, 23)
with tempfile.TemporaryDirectory() as d:
    prefix = os.path.join(d, "g")
    subprocess.run(sys.argv[1:] + [prefix], check=True)
    load = lambda w: np.fromfile(f"{prefix}_{w}.f32", dtype=np.float32).reshape(shape)
    x = load("input").astype(np.float64)
    bad = 0
    for what, sigma, truncate, mode in (("wrap", 1.7, 4.0, "wrap"), ("nearest", 1.3, 3.0, "nearest")):
        ref = gaussian_filter(x, sigma, mode=mode, truncate=truncate)
        ours = load(what).astype(np.float64)
        err = np.max(np.abs(ours - ref)) / np.max(np.abs(ref))
        print(f"{what}: sigma {sigma} truncate {truncate}: max relative difference {err:.2e}")
        if not err <= 1e-5:
            bad += 1
    sys.exit(1 if bad else 0)
