#!/usr/bin/env python3
"""The KAN CLI tests' data: f(x, y) = exp(sin(pi x) + y^2) on [-1, 1]^2, no noise,
DIR/train.csv (800 rows) and DIR/test.csv (400 rows), columns x,y,f. Usage: kan_data.py DIR"""
import sys
import numpy as np

d = sys.argv[1]
rng = np.random.default_rng(0)
for name, n in (("train", 800), ("test", 400)):
    X = rng.uniform(-1, 1, (n, 2))
    f = np.exp(np.sin(np.pi * X[:, 0]) + X[:, 1] ** 2)
    np.savetxt(f"{d}/{name}.csv", np.c_[X, f], delimiter=",", header="x,y,f", comments="", fmt="%.17g")
