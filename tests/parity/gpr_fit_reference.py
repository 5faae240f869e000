"""scikit-learn 1.2.1 reference for tests/parity/test_gpr_fit_parity.c: converged
hyperparameter fits and how many LML evaluations scikit-learn's optimiser needed.

Usage: gpr_fit_reference.py OUT.txt
Cases (kernel ConstantKernel(1) * R(length scales 1) + WhiteKernel(1), bounds 1e-5..1e5,
normalize_y=True, alpha=1e-10, one start):
  smooth3: X ~ U[0,1]^3, 200 rows (numpy default_rng(7)), y = sin(6 x0) + x1^2 - 0.5 x2 + 0.1 eps;
           kernels rbf_ard, rbf, matern52_ard (interior optima).
  bench8:  the GPR benchmark's generator (benchmarks/ml/gpr_pca_bench.py) at 250 rows:
           X ~ U[0,1]^8 (default_rng(0)), y = sum_k sin(3 x_k) + 0.1 eps; rbf_ard. Its optimum
           has the constant on its upper bound and a flat LML; the old TAO stopping rule
           spent about 3000 evaluations here.
The optimiser below is sklearn's own default call (_gpr.py, _constrained_optimization:
scipy.optimize.minimize L-BFGS-B, jac=True, bounds, default options), wrapped only to read
res.nfev. Text, whitespace-separated: "n_cases", then per case "name kernel n d n_theta",
X row-major, y, theta0, "lml nfev".
"""
import sys
import numpy as np
import scipy.optimize
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

B = (1e-5, 1e5)


def smooth3():
    rng = np.random.default_rng(7)
    X = rng.uniform(size=(200, 3))
    return X, np.sin(6 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] + 0.1 * rng.standard_normal(200)


def bench8():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(250, 8))
    return X, np.sin(3 * X).sum(1) + 0.1 * rng.standard_normal(250)


def base(kernel, d):
    ls = 1.0 if not kernel.endswith("_ard") else np.ones(d)
    if kernel.startswith("rbf"):
        return RBF(ls, B)
    return Matern(ls, B, nu=2.5)


cases = [("smooth3", smooth3, "rbf_ard"), ("smooth3", smooth3, "rbf"), ("smooth3", smooth3, "matern52_ard"),
         ("bench8", bench8, "rbf_ard")]
with open(sys.argv[1], "w") as f:
    def row(v):
        f.write(" ".join("%.17g" % x for x in np.ravel(v)) + "\n")
    f.write("%d\n" % len(cases))
    for name, data, kernel in cases:
        X, y = data()
        k = ConstantKernel(1.0, B) * base(kernel, X.shape[1]) + WhiteKernel(1.0, B)
        info = {}

        def lbfgsb(obj, theta0, bounds):
            res = scipy.optimize.minimize(obj, theta0, method="L-BFGS-B", jac=True, bounds=bounds)
            info["nfev"] = res.nfev
            return res.x, res.fun

        gp = GaussianProcessRegressor(k, alpha=1e-10, optimizer=lbfgsb, normalize_y=True).fit(X, y)
        f.write("%s %s %d %d %d\n" % (name, kernel, X.shape[0], X.shape[1], len(k.theta)))
        row(X); row(y); row(k.theta)
        f.write("%.17g %d\n" % (gp.log_marginal_likelihood_value_, info["nfev"]))
