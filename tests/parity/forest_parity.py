#!/usr/bin/env python3
"""Oracle for test_forest_parity: scikit-learn 1.2.1 trees and forests on its bundled data
sets (breast_cancer, wine, iris: accuracy; diabetes: R^2) over repeated shuffled 5-fold CV.
Writes OUT.h5 with, per data set group: X, target (labels or y), folds (repeats x n: the
test fold of each row, so the C side uses the very same folds), the per-fold scores of
DecisionTree* and RandomForest*(100 trees), the forest's impurity importances fitted on all
rows (mean over several seeds, 300 trees, so the ranking is stable) and its OOB score.
A single tree's CV score moves by ~0.02 with random_state alone (ties between equally good
splits are broken by the random feature order), so trees get 10 repeats, each averaged over
two seeds (r and r + 1000); forests average over 100 trees and get `repeats` (default 3).
Group "exact": continuous data without ties (uniform features), where the options must
change the answer exactly: scikit-learn's DecisionTree{Regressor,Classifier}(max_depth=3)
predictions on the training rows (and the classifier's leaf probabilities, to skip rows whose
leaf has tied classes). A forest without bootstrap and with all features is that same tree
repeated; a depth limit, bootstrap or max_features that is ignored changes the predictions.
Usage: forest_parity.py OUT.h5 [repeats]"""
import sys
import h5py
import numpy as np
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import KFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

out = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
sets = {"breast_cancer": datasets.load_breast_cancer, "wine": datasets.load_wine,
        "iris": datasets.load_iris, "diabetes": datasets.load_diabetes}
with h5py.File(out, "w") as f:
    tree_repeats = max(10, repeats)
    f.attrs["repeats"] = repeats
    f.attrs["tree_repeats"] = tree_repeats
    for name, load in sets.items():
        X, y = load(return_X_y=True)
        cls = name != "diabetes"
        Tree = DecisionTreeClassifier if cls else DecisionTreeRegressor
        Forest = RandomForestClassifier if cls else RandomForestRegressor
        folds = np.zeros((tree_repeats, len(y)), dtype=np.int64)
        st, sf = np.zeros((tree_repeats, 5)), np.zeros((repeats, 5))
        for r in range(tree_repeats):
            for k, (tr, te) in enumerate(KFold(5, shuffle=True, random_state=r).split(X)):
                folds[r, te] = k
                st[r, k] = np.mean([Tree(random_state=r + s).fit(X[tr], y[tr]).score(X[te], y[te]) for s in (0, 1000)])
                if r < repeats:
                    sf[r, k] = Forest(n_estimators=100, random_state=r).fit(X[tr], y[tr]).score(X[te], y[te])
        imp = np.zeros(X.shape[1])
        for s in range(3):
            imp += Forest(n_estimators=300, random_state=100 + s).fit(X, y).feature_importances_ / 3
        oob = Forest(n_estimators=300, oob_score=True, random_state=7).fit(X, y).oob_score_
        g = f.create_group(name)
        g["X"] = X
        g["target"] = y.astype(np.int64) if cls else y
        g["folds"] = folds.ravel()  # repeats x n, flattened
        g["sk_tree_scores"], g["sk_rf_scores"] = st, sf
        g["sk_importances"] = imp
        g.attrs["sk_oob"] = oob
        g.attrs["n_classes"] = len(np.unique(y)) if cls else 0
        print(f"{name}: tree {st.mean():.4f} rf {sf.mean():.4f} oob {oob:.4f} top feature {np.argmax(imp)}"
              f" (second {np.argsort(imp)[-2]}, {imp.max():.3f} vs {np.sort(imp)[-2]:.3f})")
    rng = np.random.default_rng(3)
    X = rng.random((160, 4))
    y = np.sin(3 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=160)
    lab = ((X[:, 0] + X[:, 1] > 1).astype(int) + (X[:, 2] > 0.7)).astype(np.int64)
    g = f.create_group("exact")
    g["X"], g["y"], g["labels"] = X, y, lab
    g["sk_reg_depth3"] = DecisionTreeRegressor(max_depth=3, random_state=0).fit(X, y).predict(X)
    clf = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, lab)
    P = np.sort(clf.predict_proba(X), axis=1)
    g["sk_cls_depth3"] = clf.predict(X).astype(np.int64)
    g["sk_cls_unique"] = (P[:, -1] - P[:, -2] > 1e-12).astype(np.int64)
    print(f"exact: depth-3 tree leaves {len(np.unique(g['sk_reg_depth3'][...]))}, "
          f"classifier rows without a tie {int(g['sk_cls_unique'][...].sum())} of 160")
