#!/usr/bin/env python3
"""Write the seeded synthetic data set of the "rf" benchmark case once (HDF5, the layout of
ms_dataset_write_h5 plus a train/test split): make_classification or make_regression,
n_train + n_test rows x 20 features. Usage: rf_data.py OUT.h5 [classification|regression] [n_train]"""
import sys
import h5py
import numpy as np
from sklearn.datasets import make_classification, make_regression

out = sys.argv[1]
task = sys.argv[2] if len(sys.argv) > 2 else "classification"
n_train = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
n_test = n_train // 4
n = n_train + n_test
if task == "classification":
    X, y = make_classification(n_samples=n, n_features=20, n_informative=10, n_redundant=5,
                               n_classes=2, flip_y=0.02, random_state=20261121)
else:
    X, y = make_regression(n_samples=n, n_features=20, n_informative=10, noise=10.0,
                           random_state=20261121)
    y = y + 0.02 * y**2 / np.std(y)  # mild non-linearity so depth matters
with h5py.File(out, "w") as f:
    f["X_train"], f["X_test"] = X[:n_train], X[n_train:]
    if task == "classification":
        f["labels_train"], f["labels_test"] = y[:n_train].astype(np.int64), y[n_train:].astype(np.int64)
    else:
        f["y_train"], f["y_test"] = y[:n_train], y[n_train:]
    f.attrs["task"] = task
