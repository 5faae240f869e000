"""scikit-learn 1.2.1 reference for tests/parity/test_gpr_fit_parity.c: a converged
hyperparameter fit and how many LML evaluations scikit-learn's optimiser needed.

Usage: gpr_fit_reference.py OUT.txt
Data: X ~ U[0,1]^3 (200 rows, numpy default_rng(7)), y = sin(6 x0) + x1^2 - 0.5 x2 + 0.1 eps.
Per kernel (ConstantKernel(1) * R(length scales 1) + WhiteKernel(1), bounds 1e-5..1e5,
normalize_y=True, alpha=1e-10, one start): the start theta, the LML scikit-learn reaches and
the number of objective (LML + gradient) evaluations of its default optimiser. The optimiser
below is sklearn's own default call (_gpr.py, _constrained_optimization: scipy.optimize.minimize
L-BFGS-B, jac=True, bounds, default options), wrapped only to read res.nfev.
Text, whitespace-separated: "n d nk", X row-major, y, then per kernel
"name n_theta", theta0, "lml nfev".
"""
import sys
import numpy as np
import scipy.optimize
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

N, D = 200, 3
rng = np.random.default_rng(7)
X = rng.uniform(size=(N, D))
y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.1 * rng.standard_normal(N)
b = (1e-5, 1e5)
kernels = {
    "rbf_ard": lambda: RBF(np.ones(D), b),
    "rbf": lambda: RBF(1.0, b),
    "matern52_ard": lambda: Matern(np.ones(D), b, nu=2.5),
}
with open(sys.argv[1], "w") as f:
    def row(v):
        f.write(" ".join("%.17g" % x for x in np.ravel(v)) + "\n")
    f.write("%d %d %d\n" % (N, D, len(kernels)))
    row(X); row(y)
    for name, base in kernels.items():
        k = ConstantKernel(1.0, b) * base() + WhiteKernel(1.0, b)
        info = {}

        def lbfgsb(obj, theta0, bounds):
            res = scipy.optimize.minimize(obj, theta0, method="L-BFGS-B", jac=True, bounds=bounds)
            info["nfev"] = res.nfev
            return res.x, res.fun

        gp = GaussianProcessRegressor(k, alpha=1e-10, optimizer=lbfgsb, normalize_y=True).fit(X, y)
        f.write("%s %d\n" % (name, len(k.theta)))
        row(k.theta)
        f.write("%.17g %d\n" % (gp.log_marginal_likelihood_value_, info["nfev"]))
        print(name, gp.log_marginal_likelihood_value_, info["nfev"], gp.kernel_.theta)
