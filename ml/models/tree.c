/* tree.c - one CART decision tree ("tree"; scikit-learn's DecisionTreeRegressor/Classifier):
 * f(x) = sum_m c_m 1(x in R_m), recursive binary splits on one feature each, c_m the leaf
 * mean (regression) or class fractions (classification, predict = majority class).
 * It is the random forest of ml/models/rf.c with one tree grown on all rows (no bootstrap)
 * from the stream ms_rng(seed, 0); the engine is ml/ms_tree.h.
 *
 * Options (defaults as scikit-learn 1.2):
 *   -tree_criterion <auto>           gini|entropy (classification), squared_error (regression)
 *   -tree_max_depth <0>              0 = unlimited
 *   -tree_min_samples_split <2>      -tree_min_samples_leaf <1>
 *   -tree_max_features <all>         all|sqrt|log2|count|fraction searched per split (with
 *                                    fewer than all, the drawn subset depends on -seed)
 *   -tree_splitter <exact>           exact (every midpoint, as scikit-learn) or hist
 *   -tree_max_bins <255>             bins per feature for hist
 * Predictive std: none (a single tree has no ensemble spread). predict_proba: the leaf's
 * class fractions.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "rf_impl.h"

PetscErrorCode ms_model_create_tree(ms_model m) { return ms_rf_create_common(m, PETSC_TRUE); }
