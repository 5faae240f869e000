#!/usr/bin/env python3
"""The virtual-experiment loop of `matscreen bo benchmark`, written as a user would script it with
scikit-learn's GaussianProcessRegressor: the same kernel (ConstantKernel * Matern(nu=2.5) +
WhiteKernel, all bounds 1e-5..1e5, initial 1, 1, 0.01), normalize_y=True, inputs scaled to [0, 1]
by the pool's ranges, a refit of the hyperparameters at every pick (n_restarts_optimizer=0),
UCB (kappa 2.576) on the latent std (the white noise removed), picks with replacement, the
argmax over the pool (ties: lowest index). Prints one JSON line."""
import argparse, json, time
import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

ap = argparse.ArgumentParser()
ap.add_argument("--pool", required=True)
ap.add_argument("--target", required=True)
ap.add_argument("--init", type=int, default=10)
ap.add_argument("--repeats", type=int, default=200)
ap.add_argument("--kappa", type=float, default=2.576)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()

import pandas as pd
df = pd.read_csv(a.pool, comment="#")
y = df[a.target].to_numpy(float)
X = df.drop(columns=[a.target]).to_numpy(float)
U = (X - X.min(0)) / np.where(X.max(0) > X.min(0), X.max(0) - X.min(0), 1)
n = len(y)
goal = y >= y.max()
rng = np.random.default_rng(a.seed)
t0 = time.perf_counter()
succ, extras, fits = 0, [], 0
for rep in range(a.repeats):
    picks = list(rng.integers(0, n, a.init))
    if goal[picks].any():
        succ += 1; extras.append(0); continue
    for e in range(1, n - a.init + 1):
        k = ConstantKernel(1.0, (1e-5, 1e5)) * Matern(1.0, (1e-5, 1e5), nu=2.5) + WhiteKernel(0.01, (1e-5, 1e5))
        gp = GaussianProcessRegressor(k, alpha=1e-10, normalize_y=True, n_restarts_optimizer=0)
        gp.fit(U[picks], y[picks]); fits += 1
        mu, sd = gp.predict(U, return_std=True)
        noise = gp.kernel_.k2.noise_level * gp._y_train_std ** 2
        sd = np.sqrt(np.maximum(sd ** 2 - noise, 0))
        p = int(np.argmax(mu + a.kappa * sd))
        picks.append(p)
        if goal[p]:
            succ += 1; extras.append(e); break
dt = time.perf_counter() - t0
print(json.dumps({"tool": "sklearn GaussianProcessRegressor loop", "ranks": 1, "strategy": "ucb", "n_init": a.init,
                  "repeats": a.repeats, "successes": succ, "mean_extra": float(np.mean(extras)) if extras else None,
                  "gp_fits": fits, "seconds": round(dt, 2)}))
