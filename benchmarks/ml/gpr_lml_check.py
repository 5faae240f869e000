"""Independent check of a matscreen GPR model's log marginal likelihood (rbf_ard, normalize_y false).

    /usr/bin/python3 benchmarks/ml/gpr_lml_check.py MODEL.h5

Reads the training rows and hyperparameters from the model file, builds K = c RBF_ARD + (noise +
jitter) I with numpy and factors it with SciPy's cho_factor, and prints SciPy's LML beside the one
matscreen stored. Memory: about 3 n^2 * 8 bytes (n = 20,000: ~10 GB); time: one Cholesky.
"""
import sys

import h5py
import numpy as np
import scipy.linalg as sl


def main():
    with h5py.File(sys.argv[1], "r") as f:
        m = f["model"]
        if m.attrs["kernel"] not in ("rbf_ard", b"rbf_ard") or int(m.attrs["normalize_y"]):
            sys.exit("gpr_lml_check: expects an rbf_ard model fitted with -gpr_normalize_y false")
        X, y = m["x_train"][...], m["y_train"][...]
        ls, c = m["length_scale"][...], float(m.attrs["constant"])
        noise, jitter, ours = float(m.attrs["noise"]), float(m.attrs["jitter"]), float(m.attrs["log_marginal_likelihood"])
    Z = X / ls
    sq = (Z * Z).sum(1)
    K = Z @ Z.T
    K *= -2.0
    K += sq[:, None]
    K += sq[None, :]
    np.maximum(K, 0.0, out=K)
    K *= -0.5
    np.exp(K, out=K)
    K *= c
    K[np.diag_indices_from(K)] += noise + jitter
    L, low = sl.cho_factor(K, lower=True, overwrite_a=True, check_finite=False)
    a = sl.cho_solve((L, low), y, check_finite=False)
    lml = -0.5 * y @ a - np.log(np.diag(L)).sum() - 0.5 * len(y) * np.log(2.0 * np.pi)
    print('{"n": %d, "lml_scipy": %.10f, "lml_matscreen": %.10f, "rel_diff": %.3g}' % (len(y), lml, ours, (ours - lml) / abs(lml)))


if __name__ == "__main__":
    main()
