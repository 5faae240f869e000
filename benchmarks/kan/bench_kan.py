#!/usr/bin/env python3
"""KAN against an MLP of the same parameter count on smooth 2-D functions (benchmarks/kan).

For each function f on [-1, 1]^2 (800 training rows, 400 test rows, no noise) this trains
  kan      matscreen -model kan, [2, 5, 1], G = 5, cubic: 2*5*(8+2) + 5*1*(8+2) = 150 parameters,
           full-batch Adam, 1500 epochs, step 0.02
  kan-lbfgs  the same KAN trained by L-BFGS (PETSc TAO LMVM, at most 1500 iterations)
  kan-sparse-snap  the pykan recipe for a formula: the Adam KAN with the L1 + entropy penalty
           (-kan_lambda 0.002), pruning (-kan_prune 0.02: edges and dead nodes), then every edge
           snapped (-kan_snap auto) and the snapped edges fine-tuned jointly (L-BFGS): the test
           RMSE of the snapped network, i.e. of the printed formula (in the JSON line)
  mlp      matscreen -model mlp, one hidden layer of 37 ReLU units: 2*37 + 37 + 37 + 1 = 149
           parameters, Adam, 1500 epochs, step 0.01, mini-batches of 200, no early stop
  sklearn  scikit-learn MLPRegressor with the same settings as mlp (the peer)
and prints one JSON line per (function, model): test RMSE and training wall seconds.
Usage: bench_kan.py [--matscreen build/bin/matscreen]
"""
import argparse, json, os, subprocess, tempfile, time
import numpy as np
import pandas as pd
from sklearn.neural_network import MLPRegressor

FUNCS = {
    "exp(sin(pi x)+y^2)": lambda x, y: np.exp(np.sin(np.pi * x) + y ** 2),
    "sin(pi x)+y^2": lambda x, y: np.sin(np.pi * x) + y ** 2,
    "x*y": lambda x, y: x * y,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--matscreen", default="build/bin/matscreen")
    a = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    tmp = tempfile.mkdtemp(prefix="bench_kan_")
    rng = np.random.default_rng(0)
    for fname, f in FUNCS.items():
        Xtr = rng.uniform(-1, 1, (800, 2)); Xte = rng.uniform(-1, 1, (400, 2))
        ytr = f(Xtr[:, 0], Xtr[:, 1]); yte = f(Xte[:, 0], Xte[:, 1])
        tr, te = os.path.join(tmp, "train.csv"), os.path.join(tmp, "test.csv")
        pd.DataFrame({"x": Xtr[:, 0], "y": Xtr[:, 1], "f": ytr}).to_csv(tr, index=False, float_format="%.17g")
        pd.DataFrame({"x": Xte[:, 0], "y": Xte[:, 1], "f": yte}).to_csv(te, index=False, float_format="%.17g")
        for name, opts, n_params in (
            ("kan", ["-model", "kan", "-kan_widths", "5", "-kan_grid", "5", "-kan_epochs", "1500", "-kan_lr", "0.02"], 150),
            ("kan-lbfgs", ["-model", "kan", "-kan_widths", "5", "-kan_grid", "5", "-kan_epochs", "1500", "-kan_optimizer", "lbfgs"], 150),
            ("kan-sparse-snap", ["-model", "kan", "-kan_widths", "5", "-kan_grid", "5", "-kan_epochs", "1500", "-kan_lr", "0.02",
                                 "-kan_lambda", "0.002", "-kan_prune", "0.02", "-kan_snap", "auto"], 150),
            ("mlp", ["-model", "mlp", "-mlp_hidden", "37", "-mlp_max_iter", "1500", "-mlp_learning_rate", "0.01", "-mlp_tol", "0",
                     "-mlp_n_iter_no_change", "1500", "-mlp_alpha", "0"], 149)):
            model = os.path.join(tmp, name + ".h5"); pred = os.path.join(tmp, name + ".csv")
            t0 = time.perf_counter()
            subprocess.run([a.matscreen, "train", "-data", tr, "-target", "f", "-seed", "1", "-output", model, "-quiet"] + opts,
                           check=True, env=env)
            wall = time.perf_counter() - t0
            subprocess.run([a.matscreen, "predict", "-model", model, "-data", te, "-target", "f", "-output", pred, "-quiet"], check=True, env=env)
            p = pd.read_csv(pred, comment="#")["prediction"].to_numpy()
            row = dict(function=fname, model=name, params=n_params, test_rmse=float(np.sqrt(np.mean((p - yte) ** 2))), train_wall_s=round(wall, 3))
            if name.endswith("snap"):
                row["formula"] = subprocess.run([a.matscreen, "formula", "-model", model], check=True, env=env, capture_output=True,
                                                text=True).stdout.strip()
            print(json.dumps(row), flush=True)
        t0 = time.perf_counter()
        m = MLPRegressor(hidden_layer_sizes=(37,), solver="adam", learning_rate_init=0.01, max_iter=1500, tol=0, n_iter_no_change=1500,
                         alpha=0, batch_size=200, random_state=1).fit(Xtr, ytr)
        wall = time.perf_counter() - t0
        p = m.predict(Xte)
        print(json.dumps(dict(function=fname, model="sklearn MLPRegressor", params=149, test_rmse=float(np.sqrt(np.mean((p - yte) ** 2))),
                              train_wall_s=round(wall, 3))), flush=True)


if __name__ == "__main__":
    main()
