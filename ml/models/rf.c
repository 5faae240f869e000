/* rf.c - random forest ("rf"): bagged CART trees with a random feature subset per split
 * (Breiman 2001; scikit-learn's RandomForestRegressor/Classifier). The engine is
 * ml/ms_forest.h; this file maps options to it. The single decision tree ("tree",
 * ml/models/tree.c) is the same model with one tree, no bootstrap and its own prefix.
 *
 * Options (defaults as scikit-learn 1.2):
 *   -rf_n_trees <100>                number of trees
 *   -rf_max_features <auto>          all|sqrt|log2|count|fraction; auto = sqrt (classification),
 *                                    1.0 = all (regression)
 *   -rf_bootstrap <true>             grow each tree on a bootstrap sample (counts as weights)
 *   -rf_oob <false>                  out-of-bag score (accuracy or R^2), shown by view, saved
 *   -rf_criterion <auto>             gini|entropy (classification), squared_error (regression)
 *   -rf_max_depth <0>                0 = unlimited
 *   -rf_min_samples_split <2>        -rf_min_samples_leaf <1>
 *   -rf_splitter <hist>              hist (<= max_bins-1 quantile cuts per feature, computed once
 *                                    per fit) or exact (every midpoint, scikit-learn's search)
 *   -rf_max_bins <255>               cut points + 1 per feature for hist (2..256)
 *
 * Predictive std (predict writes it as `std`, regression forests only): the standard deviation
 * across the trees' predictions for the row, sqrt(mean_t (f_t(x) - f(x))^2). It measures how
 * much the trees disagree, not a calibrated predictive standard deviation: it excludes the
 * noise in the target, shrinks where trees share training rows, and is 0 wherever all trees
 * put x in leaves of equal mean. Use it to rank candidates, not as an error bar.
 *
 * Data: forests need every training row on every rank, so fit allgathers the sharded rows
 * once (ms_dataset_allgather); trees are spread over ranks and threads (ms_forest.h), and
 * the fitted forest is replicated, so predict works on each rank's own rows.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "rf_impl.h"
#include <string.h>

static const char *const criterion_list[] = {"auto", "squared_error", "gini", "entropy", NULL};

static PetscErrorCode rf_setfromoptions(ms_model m)
{
  ms_rf   *r = (ms_rf *)m->data;
  char     opt[64], mf[32];
  PetscInt crit = r->criterion + 1, split = r->splitter, bins = r->max_bins;
  PetscInt n = r->n_trees, depth = r->max_depth, mss = r->min_samples_split, msl = r->min_samples_leaf;

  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(mf, r->max_features, sizeof mf));
#define OPT(name) (PetscSNPrintf(opt, sizeof opt, "-%s_" name, r->prefix), opt)
  PetscOptionsBegin(m->comm, NULL, r->single ? "Decision tree (-model tree)" : "Random forest (-model rf; predict's std = std of the trees' predictions: their disagreement, not a calibrated predictive std)", NULL);
  if (!r->single) {
    PetscCall(PetscOptionsBoundedInt("-rf_n_trees", "Number of trees", NULL, n, &n, NULL, 1));
    PetscCall(PetscOptionsBool("-rf_bootstrap", "Grow each tree on a bootstrap sample of the rows", NULL, r->bootstrap, &r->bootstrap, NULL));
    PetscCall(PetscOptionsBool("-rf_oob", "Compute the out-of-bag score (needs -rf_bootstrap)", NULL, r->oob, &r->oob, NULL));
  }
  PetscCall(PetscOptionsString(OPT("max_features"),
                               "Features searched per split: all, sqrt, log2, a count (7) or a fraction (0.5, 1.0 = all); auto = "
                               "sqrt for classification and all for regression (rf), all (tree)",
                               NULL, mf, mf, sizeof mf, NULL));
  PetscCall(PetscOptionsEList(OPT("criterion"), "Split criterion (auto: gini for classification, squared_error for regression)", NULL,
                              criterion_list, 4, criterion_list[crit], &crit, NULL));
  PetscCall(PetscOptionsBoundedInt(OPT("max_depth"), "Maximum depth (0 = unlimited)", NULL, depth, &depth, NULL, 0));
  PetscCall(PetscOptionsBoundedInt(OPT("min_samples_split"), "Fewest rows a node needs to be split", NULL, mss, &mss, NULL, 2));
  PetscCall(PetscOptionsBoundedInt(OPT("min_samples_leaf"), "Fewest rows in each child of a split", NULL, msl, &msl, NULL, 1));
  PetscCall(PetscOptionsEList(OPT("splitter"), "Split search: hist (quantile cut points, fast) or exact (all midpoints)", NULL,
                              ms_tree_splitter_names, 2, ms_tree_splitter_names[split], &split, NULL));
  PetscCall(PetscOptionsRangeInt(OPT("max_bins"), "Bins per feature for the hist splitter", NULL, bins, &bins, NULL, 2, 256));
  PetscOptionsEnd();
#undef OPT
  if (strcmp(mf, "auto")) {
    ms_tree_max_features chk;
    PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s_max_features", r->prefix));
    PetscCall(ms_tree_max_features_parse(mf, opt, &chk)); /* fail now, not at fit */
  }
  PetscCheck(!r->oob || r->bootstrap, m->comm, MS_ERR_USER, "-rf_oob needs bootstrap samples, but -rf_bootstrap is false");
  PetscCall(PetscStrncpy(r->max_features, mf, sizeof r->max_features));
  r->criterion         = (int)crit - 1;
  r->splitter          = (ms_tree_splitter)split;
  r->max_bins          = (int)bins;
  r->n_trees           = n;
  r->max_depth         = depth;
  r->min_samples_split = mss;
  r->min_samples_leaf  = msl;
  PetscFunctionReturn(0);
}

/* Engine parameters for the task of the data at hand (auto defaults resolved here). */
static PetscErrorCode rf_params(ms_model m, ms_forest_params *p)
{
  ms_rf          *r   = (ms_rf *)m->data;
  const PetscBool cls = m->task == MS_TASK_CLASSIFICATION ? PETSC_TRUE : PETSC_FALSE;
  char            opt[64];

  PetscFunctionBeginUser;
  ms_forest_params_default(p, cls);
  if (r->criterion >= 0) p->tree.criterion = (ms_tree_criterion)r->criterion;
  PetscCheck(cls == (p->tree.criterion != MS_TREE_SQUARED_ERROR), m->comm, MS_ERR_USER,
             "-%s_criterion %s does not fit %s target '%s' (use %s)", r->prefix, ms_tree_criterion_names[p->tree.criterion],
             cls ? "the classification" : "the regression", m->target_name ? m->target_name : "", cls ? "gini or entropy" : "squared_error");
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s_max_features", r->prefix));
  if (strcmp(r->max_features, "auto")) PetscCall(ms_tree_max_features_parse(r->max_features, opt, &p->max_features));
  else if (r->single) p->max_features.kind = MS_TREE_MAXF_ALL;
  p->n_trees                = r->single ? 1 : r->n_trees;
  p->bootstrap              = r->single ? PETSC_FALSE : r->bootstrap;
  p->oob                    = r->single ? PETSC_FALSE : r->oob;
  p->tree.max_depth         = r->max_depth;
  p->tree.min_samples_split = r->min_samples_split;
  p->tree.min_samples_leaf  = r->min_samples_leaf;
  p->tree.splitter          = r->splitter;
  p->max_bins               = r->max_bins;
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_predict_std(ms_model m, ms_dataset X, double *std);

static PetscErrorCode rf_fit(ms_model m, ms_dataset train)
{
  ms_rf           *r = (ms_rf *)m->data;
  ms_dataset       rep = train;
  ms_forest_params p;
  char             opt[64];

  PetscFunctionBeginUser;
  PetscCall(rf_params(m, &p));
  if (p.max_features.kind == MS_TREE_MAXF_COUNT && p.max_features.value > (double)train->n_features) {
    PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s_max_features", r->prefix));
    SETERRQ(m->comm, MS_ERR_USER, "%s %.0f exceeds the %" PRId64 " feature columns of the data", opt, p.max_features.value, train->n_features);
  }
  if (!train->replicated) PetscCall(ms_dataset_allgather(train, &rep));
  PetscCall(ms_forest_destroy(&r->forest));
  PetscCall(ms_forest_fit(train->comm, &p, m->seed, rep->n_global, rep->n_features, rep->X, rep->y,
                          m->task == MS_TASK_CLASSIFICATION ? rep->labels : NULL, m->task == MS_TASK_CLASSIFICATION ? m->n_classes : 0,
                          &r->forest));
  if (rep != train) PetscCall(ms_dataset_destroy(&rep));
  /* The ensemble spread exists for regression forests only; ms_model_has_std reads the op. */
  m->ops.predict_std = !r->single && m->task == MS_TASK_REGRESSION ? rf_predict_std : NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_predict(ms_model m, ms_dataset X, double *y)
{
  PetscFunctionBeginUser;
  PetscCall(ms_forest_predict(((ms_rf *)m->data)->forest, X->n_local, X->X, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_predict_proba(ms_model m, ms_dataset X, double *P)
{
  PetscFunctionBeginUser;
  PetscCheck(m->task == MS_TASK_CLASSIFICATION, m->comm, MS_ERR_USER, "model '%s' was fitted for regression: it has no class probabilities", m->type);
  PetscCall(ms_forest_predict_proba(((ms_rf *)m->data)->forest, X->n_local, X->X, P));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_predict_std(ms_model m, ms_dataset X, double *std)
{
  PetscFunctionBeginUser;
  PetscCheck(m->task == MS_TASK_REGRESSION, m->comm, MS_ERR_USER, "model '%s' was fitted for classification: it has no predictive std", m->type);
  PetscCall(ms_forest_predict_std(((ms_rf *)m->data)->forest, X->n_local, X->X, std));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_predict_mean_std(ms_model m, ms_dataset X, double *y, double *std)
{
  PetscFunctionBeginUser;
  PetscCheck(m->task == MS_TASK_REGRESSION, m->comm, MS_ERR_USER, "model '%s' was fitted for classification: it has no predictive std", m->type);
  PetscCall(ms_forest_predict_mean_std(((ms_rf *)m->data)->forest, X->n_local, X->X, y, std));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_importances(ms_model m, int64_t *n_rows, double **imp)
{
  ms_forest f = ((ms_rf *)m->data)->forest;
  PetscFunctionBeginUser;
  *n_rows = 1;
  PetscCall(PetscMalloc1(f->n_features, imp));
  PetscCall(PetscArraycpy(*imp, f->importances, f->n_features));
  PetscFunctionReturn(0);
}

/* Impurity importances by feature (normalised to sum 1, as scikit-learn's
 * feature_importances_). */
static PetscErrorCode rf_terms(ms_model m, ms_model_terms t)
{
  ms_forest f = ((ms_rf *)m->data)->forest;
  PetscFunctionBeginUser;
  for (int64_t j = 0; j < f->n_features; j++) PetscCall(ms_model_terms_add(t, "importance", NULL, m->feature_names[j], f->importances[j]));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_save(ms_model m, hid_t group)
{
  PetscFunctionBeginUser;
  PetscCall(ms_forest_save(((ms_rf *)m->data)->forest, m->comm, group));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_load(ms_model m, hid_t group)
{
  ms_rf *r = (ms_rf *)m->data;
  PetscFunctionBeginUser;
  PetscCall(ms_forest_destroy(&r->forest));
  PetscCall(ms_forest_load(group, &r->forest));
  PetscCheck(r->forest->n_features == m->n_features && r->forest->n_classes == (m->task == MS_TASK_CLASSIFICATION ? m->n_classes : 0),
             m->comm, MS_ERR_READ, "model '%s': the forest has %" PRId64 " features and %" PRId64 " classes, the model %" PRId64 " and %" PRId64,
             m->type, r->forest->n_features, r->forest->n_classes, m->n_features, m->n_classes);
  m->ops.predict_std = !r->single && m->task == MS_TASK_REGRESSION ? rf_predict_std : NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_view(ms_model m, PetscViewer v)
{
  ms_rf    *r = (ms_rf *)m->data;
  ms_forest f = r->forest;
  char      mf[32];
  double    nodes = 0, leaves = 0;

  PetscFunctionBeginUser;
  if (!f) {
    PetscCall(PetscViewerASCIIPrintf(v, "%s (not fitted)\n", r->single ? "decision tree" : "random forest"));
    PetscFunctionReturn(0);
  }
  for (int64_t t = 0; t < f->n_trees; t++) {
    nodes += (double)f->trees[t].n_nodes;
    for (int64_t k = 0; k < f->trees[t].n_nodes; k++) leaves += f->trees[t].node[k].feature < 0;
  }
  ms_tree_max_features_format(&f->params.max_features, mf, sizeof mf);
  PetscCall(PetscViewerASCIIPrintf(v, "%s %s: %" PRId64 " tree%s, criterion %s, %s splits, max_features %s (%" PRId64 " of %" PRId64 "), "
                                   "%.0f nodes and %.0f leaves per tree",
                                   r->single ? "decision tree" : "random forest", f->n_classes ? "classifier" : "regressor", f->n_trees,
                                   f->n_trees > 1 ? "s" : "", ms_tree_criterion_names[f->params.tree.criterion],
                                   ms_tree_splitter_names[f->params.tree.splitter], mf, f->params.tree.max_features, f->n_features,
                                   nodes / (double)f->n_trees, leaves / (double)f->n_trees));
  if (f->has_oob) PetscCall(PetscViewerASCIIPrintf(v, ", OOB %s %.4f (%" PRId64 " rows)", f->n_classes ? "accuracy" : "R^2", f->oob_score, f->n_oob));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode rf_destroy(ms_model m)
{
  ms_rf *r = (ms_rf *)m->data;
  PetscFunctionBeginUser;
  PetscCall(ms_forest_destroy(&r->forest));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_rf_create_common(ms_model m, PetscBool single)
{
  ms_rf *r;
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&r));
  m->summary = single ? "one CART decision tree (regression or classification)"
                      : "random forest of CART trees, trees spread over the ranks (regression or classification)";
  r->single            = single;
  r->prefix            = single ? "tree" : "rf";
  r->n_trees           = 100;
  r->bootstrap         = PETSC_TRUE;
  r->oob               = PETSC_FALSE;
  r->criterion         = -1;
  r->max_depth         = 0;
  r->min_samples_split = 2;
  r->min_samples_leaf  = 1;
  /* One tree is cheap to search exactly (and then matches scikit-learn's tree split for
     split); a forest multiplies the cost by n_trees, so it bins (see benchmarks/RESULTS.md). */
  r->splitter = single ? MS_TREE_SPLIT_EXACT : MS_TREE_SPLIT_HIST;
  r->max_bins = 255;
  PetscCall(PetscStrncpy(r->max_features, "auto", sizeof r->max_features));
  m->data               = r;
  m->supports           = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = rf_setfromoptions;
  m->ops.fit            = rf_fit;
  m->ops.predict        = rf_predict;
  m->ops.predict_proba  = rf_predict_proba;
  m->ops.predict_std    = single ? NULL : rf_predict_std;
  m->ops.predict_mean_std = rf_predict_mean_std; /* used only while predict_std is set */
  m->ops.importances    = rf_importances;
  m->ops.save           = rf_save;
  m->ops.load           = rf_load;
  m->ops.view           = rf_view;
  m->ops.terms          = rf_terms;
  m->ops.destroy        = rf_destroy;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_rf(ms_model m) { return ms_rf_create_common(m, PETSC_FALSE); }
