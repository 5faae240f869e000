"""scikit-learn 1.2.1 reference for tests/parity/test_gpr_parity.c.

Usage: gpr_reference.py OUT.txt
Writes, as whitespace-separated text (%.17g), the bundled diabetes data split into
train (first N_TRAIN rows) and test rows, then per kernel: the fixed log-hyperparameters,
sklearn's LML and gradient there, predictive mean and std on the test rows (normalize_y=True,
alpha=1e-10, optimizer=None), the optimised LML with n_restarts_optimizer=0 and 1, and the
fitted log-hyperparameters with 0 restarts (from the same start point as ours).
"""
import sys, warnings
import numpy as np
warnings.filterwarnings("ignore")  # length scales at the bound: expected on diabetes (flat LML)
from sklearn.datasets import load_diabetes
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

N_TRAIN = 150
X, y = load_diabetes(return_X_y=True)
Xtr, ytr, Xte = X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:]
d = X.shape[1]

def kernel(name, ls):
    iso = not name.endswith("_ard")
    l = ls[0] if iso else ls
    b = (1e-5, 1e5)
    base = {"rbf": lambda: RBF(l, b), "matern32": lambda: Matern(l, b, nu=1.5),
            "matern52": lambda: Matern(l, b, nu=2.5)}[name.replace("_ard", "")]()
    return ConstantKernel(1.7, b) * base + WhiteKernel(0.3, b)

names = ["rbf", "rbf_ard", "matern32", "matern32_ard", "matern52", "matern52_ard"]
ls = 0.15 + 0.02 * np.arange(d)
with open(sys.argv[1], "w") as f:
    def row(v):
        f.write(" ".join("%.17g" % x for x in np.ravel(v)) + "\n")
    f.write("%d %d %d %d\n" % (Xtr.shape[0], d, Xte.shape[0], len(names)))
    row(Xtr); row(ytr); row(Xte)
    for name in names:
        k = kernel(name, ls)
        gp = GaussianProcessRegressor(k, alpha=1e-10, optimizer=None, normalize_y=True).fit(Xtr, ytr)
        lml, grad = gp.log_marginal_likelihood(gp.kernel_.theta, eval_gradient=True)
        mean, std = gp.predict(Xte, return_std=True)
        opt = []
        for r in (0, 1):
            g2 = GaussianProcessRegressor(k, alpha=1e-10, normalize_y=True, n_restarts_optimizer=r,
                                          random_state=0).fit(Xtr, ytr)
            opt.append(g2.log_marginal_likelihood_value_)
            if r == 0:
                fitted = g2.kernel_.theta
        f.write("%s %d\n" % (name, len(gp.kernel_.theta)))
        row(gp.kernel_.theta); row([lml]); row(grad); row(mean); row(std); row(opt); row(fitted)
