/* adaboost.c - AdaBoost on the CART engine, the model "adaboost": SAMME for classes
 * (scikit-learn's AdaBoostClassifier(algorithm="SAMME")) and AdaBoost.R2 for regression
 * (scikit-learn's AdaBoostRegressor).
 *
 * Options (defaults as in scikit-learn):
 *   -adaboost_n_estimators <50>         boosting rounds (>= 1; fewer if a round is perfect or
 *                                       no better than chance)
 *   -adaboost_learning_rate <1>         shrinkage of each learner's weight (> 0)
 *   -adaboost_max_depth <0>             depth of each tree; 0 = the default: 1 (stumps) for
 *                                       classification, 3 for regression
 *   -adaboost_loss linear|square|exponential   AdaBoost.R2 loss (regression)
 *
 * SAMME (classes): weights w_i = 1/n; per round fit a tree with sample weights w, error
 * e = sum w_i [miss] / sum w_i, learner weight a = lr (ln((1-e)/e) + ln(K-1)), then
 * w_i <- w_i exp(a [miss]), normalised. Stops when e = 0 (that learner gets weight 1) or
 * e >= 1 - 1/K (that learner is dropped). Decision f_k(x) = sum_t a_t [h_t(x) = k] / sum a;
 * probabilities softmax(f / (K-1)) (two classes: softmax of (-g, g)/2 with g = f_1 - f_0);
 * class = argmax f. These are scikit-learn's formulas, so predictions agree exactly.
 * AdaBoost.R2 (regression): per round a weighted bootstrap sample of n rows (drawn from the
 * stream (seed, round)) trains a tree; relative losses L_i = |h(x_i)-y_i| / max (or its
 * square, or 1 - exp(-.)), e = sum w_i L_i, beta = e/(1-e), weight a = lr ln(1/beta),
 * w_i <- w_i beta^{lr (1-L_i)}; stop when e = 0 or e >= 0.5. Prediction: the weighted
 * median of the learners' predictions.
 *
 * Parallelism: boosting is sequential, and each round needs every row. The gathered table is
 * binned once with the rows' features shared over the ranks (ms_tree_data), then every rank
 * grows the same tree (a pure function of data, weights and stream), so the rounds need no
 * communication and every rank ends with the whole model. Cross-validation folds and grids run
 * one per rank. The learners are stored as a forest group (ml/ms_forest.h layout) plus the
 * dataset learner_weights.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_forest.h"
#include "ms_h5.h"
#include "ms_model.h"
#include <math.h>
#include <string.h>

typedef enum { ADA_LINEAR = 0, ADA_SQUARE, ADA_EXPONENTIAL } ada_loss;
static const char *const ada_loss_names[] = {"linear", "square", "exponential", "adaboost_loss", "ADA_", NULL};

typedef struct {
  PetscInt  n_estimators, max_depth;
  double    learning_rate;
  ada_loss  loss;
  ms_forest trees;    /* the learners (n_trees of them) */
  double   *alpha;    /* learner weights, n_trees */
} ada_ctx;

static PetscErrorCode ada_clear(ada_ctx *c)
{
  PetscFunctionBeginUser;
  PetscCall(ms_forest_destroy(&c->trees));
  PetscCall(PetscFree(c->alpha));
  PetscFunctionReturn(0);
}

/* Per-row leaf value of tree t: class index (classification) or value (regression). */
static double ada_tree_predict(const ms_tree *t, int64_t K, const double *x)
{
  const int64_t leaf = ms_tree_apply(t, x);
  const double *v = t->value + leaf * t->n_outputs;
  int64_t       best = 0;

  if (!K) return v[0];
  for (int64_t k = 1; k < K; k++)
    if (v[k] > v[best]) best = k;
  return (double)best;
}

static PetscErrorCode ada_fit(ms_model m, ms_dataset train)
{
  ada_ctx        *c = (ada_ctx *)m->data;
  const PetscBool cls = m->task == MS_TASK_CLASSIFICATION;
  const int64_t   K = cls ? m->n_classes : 0;
  ms_dataset      rep;
  ms_tree_data    td;
  ms_tree_params  tp;
  ms_forest       f;
  double         *w, *bw, *pred, *err, *imp;
  int64_t         n, d, T = 0;

  PetscFunctionBeginUser;
  PetscCall(ada_clear(c));
  PetscCall(ms_dataset_allgather(train, &rep));
  n = rep->n_global;
  d = rep->n_features;
  PetscCall(ms_tree_data_create(train->comm, n, d, rep->X, rep->y, rep->labels, K, MS_TREE_SPLIT_EXACT, 256, &td));
  tp.criterion = cls ? MS_TREE_GINI : MS_TREE_SQUARED_ERROR;
  tp.max_depth = c->max_depth > 0 ? c->max_depth : (cls ? 1 : 3);
  tp.min_samples_split = 2;
  tp.min_samples_leaf = 1;
  tp.max_features = d;
  tp.splitter = MS_TREE_SPLIT_EXACT;
  PetscCall(PetscNew(&f));
  ms_forest_params_default(&f->params, cls);
  f->params.tree = tp;
  f->params.bootstrap = PETSC_FALSE;
  f->params.n_trees = c->n_estimators;
  f->n_features = d;
  f->n_classes = K;
  f->n_outputs = cls ? K : 1;
  PetscCall(PetscCalloc1(c->n_estimators, &f->trees));
  PetscCall(PetscCalloc1(d, &f->importances));
  PetscCall(PetscCalloc1(c->n_estimators, &c->alpha));
  PetscCall(PetscMalloc5(n, &w, n, &bw, n, &pred, n, &err, d, &imp));
  for (int64_t i = 0; i < n; i++) w[i] = 1.0 / (double)n;
  for (PetscInt t = 0; t < c->n_estimators; t++) {
    ms_rng  rng;
    ms_tree tree = {0};
    double  e = 0.0, a, emax = 0.0, wsum = 0.0;

    ms_rng_init(&rng, m->seed, (uint64_t)t);
    if (cls) PetscCall(PetscArraycpy(bw, w, n));
    else {
      /* Weighted bootstrap: n draws by inverse CDF of w (counts become tree weights). */
      double *cdf = err, u;
      cdf[0] = w[0];
      for (int64_t i = 1; i < n; i++) cdf[i] = cdf[i - 1] + w[i];
      PetscCall(PetscArrayzero(bw, n));
      for (int64_t s = 0; s < n; s++) {
        int64_t lo = 0, hi = n - 1;
        u = ms_rng_uniform(&rng) * cdf[n - 1];
        while (lo < hi) {
          const int64_t mid = (lo + hi) / 2;
          if (cdf[mid] > u) hi = mid;
          else lo = mid + 1;
        }
        bw[lo] += 1.0;
      }
    }
    PetscCall(PetscArrayzero(imp, d));
    PetscCall(ms_tree_build(td, &tp, bw, &rng, &tree, imp));
    for (int64_t i = 0; i < n; i++) pred[i] = ada_tree_predict(&tree, K, rep->X + i * d);
    if (cls) {
      for (int64_t i = 0; i < n; i++) {
        err[i] = pred[i] != (double)rep->labels[i] ? 1.0 : 0.0;
        e += w[i] * err[i];
        wsum += w[i];
      }
      e /= wsum;
      if (e <= 0.0) a = 1.0;
      else if (e >= 1.0 - 1.0 / (double)K) {
        ms_tree_free(&tree);
        if (T == 0)
          SETERRQ(train->comm, MS_ERR_USER, "adaboost: the first learner is no better than chance (weighted error %.4f >= %.4f); nothing to boost",
                  e, 1.0 - 1.0 / (double)K);
        break;
      } else a = c->learning_rate * (log((1.0 - e) / e) + log((double)K - 1.0));
    } else {
      for (int64_t i = 0; i < n; i++) {
        err[i] = fabs(pred[i] - rep->y[i]);
        if (w[i] > 0.0) emax = PetscMax(emax, err[i]);
      }
      for (int64_t i = 0; i < n; i++) {
        double L = emax > 0.0 ? err[i] / emax : err[i];
        if (c->loss == ADA_SQUARE) L *= L;
        else if (c->loss == ADA_EXPONENTIAL) L = 1.0 - exp(-L);
        err[i] = L;
        if (w[i] > 0.0) e += w[i] * L;
      }
      if (e <= 0.0) a = 1.0;
      else if (e >= 0.5) {
        ms_tree_free(&tree);
        if (T == 0) SETERRQ(train->comm, MS_ERR_USER, "adaboost: the first learner's average loss is %.4f >= 0.5; nothing to boost", e);
        break;
      } else a = c->learning_rate * log((1.0 - e) / e);
    }
    f->trees[T] = tree;
    c->alpha[T] = a;
    {
      double s = 0.0;
      for (int64_t j = 0; j < d; j++) s += imp[j];
      for (int64_t j = 0; s > 0.0 && j < d; j++) f->importances[j] += a * imp[j] / s;
    }
    T++;
    if (e <= 0.0) break;
    if (t < c->n_estimators - 1) {
      double s = 0.0;
      if (cls)
        for (int64_t i = 0; i < n; i++) w[i] = w[i] > 0.0 ? exp(log(w[i]) + a * err[i]) : 0.0;
      else {
        const double beta = e / (1.0 - e);
        for (int64_t i = 0; i < n; i++)
          if (w[i] > 0.0) w[i] *= pow(beta, (1.0 - err[i]) * c->learning_rate);
      }
      for (int64_t i = 0; i < n; i++) s += w[i];
      if (!(s > 0.0)) break;
      for (int64_t i = 0; i < n; i++) w[i] /= s;
    }
  }
  f->n_trees = T;
  {
    double s = 0.0;
    for (int64_t j = 0; j < d; j++) s += f->importances[j];
    for (int64_t j = 0; s > 0.0 && j < d; j++) f->importances[j] /= s;
  }
  c->trees = f;
  PetscCall(PetscFree5(w, bw, pred, err, imp));
  PetscCall(ms_tree_data_destroy(&td));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_check(ms_model m)
{
  PetscFunctionBeginUser;
  if (!((ada_ctx *)m->data)->trees) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "adaboost: the model is not fitted");
  PetscFunctionReturn(0);
}

/* SAMME decision f (n x K, scikit-learn's decision_function before the binary collapse). */
static void ada_decision(const ada_ctx *c, int64_t K, int64_t n, const double *X, int64_t d, double *F)
{
  const int64_t T = c->trees->n_trees;
  double        asum = 0.0;

  for (int64_t t = 0; t < T; t++) asum += c->alpha[t];
  #pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    double *f = F + i * K;
    for (int64_t k = 0; k < K; k++) f[k] = 0.0;
    for (int64_t t = 0; t < T; t++) f[(int64_t)ada_tree_predict(&c->trees->trees[t], K, X + i * d)] += c->alpha[t];
    for (int64_t k = 0; k < K; k++) f[k] /= asum;
  }
}

static PetscErrorCode ada_predict_proba(ms_model m, ms_dataset X, double *P)
{
  ada_ctx      *c = (ada_ctx *)m->data;
  const int64_t K = m->n_classes, n = X->n_local;

  PetscFunctionBeginUser;
  PetscCall(ada_check(m));
  ada_decision(c, K, n, X->X, X->n_features, P);
  for (int64_t i = 0; i < n; i++) {
    double *p = P + i * K, mx = -INFINITY, s = 0.0;
    if (K == 2) {
      const double g = p[1] - p[0];
      p[0] = -g / 2.0;
      p[1] = g / 2.0;
    } else
      for (int64_t k = 0; k < K; k++) p[k] /= (double)(K - 1);
    for (int64_t k = 0; k < K; k++) mx = PetscMax(mx, p[k]);
    for (int64_t k = 0; k < K; k++) s += (p[k] = exp(p[k] - mx));
    for (int64_t k = 0; k < K; k++) p[k] /= s;
  }
  PetscFunctionReturn(0);
}

static int ada_cmp_pair(const void *a, const void *b)
{
  const double *x = (const double *)a, *y = (const double *)b;
  return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

static PetscErrorCode ada_predict(ms_model m, ms_dataset X, double *y)
{
  ada_ctx      *c = (ada_ctx *)m->data;
  const int64_t n = X->n_local, d = X->n_features;

  PetscFunctionBeginUser;
  PetscCall(ada_check(m));
  if (m->task == MS_TASK_CLASSIFICATION) {
    const int64_t K = m->n_classes;
    double       *F;
    PetscCall(PetscMalloc1(n * K + 1, &F));
    ada_decision(c, K, n, X->X, d, F);
    for (int64_t i = 0; i < n; i++) {
      int64_t best = 0;
      if (K == 2) best = F[2 * i + 1] - F[2 * i] > 0.0 ? 1 : 0;
      else
        for (int64_t k = 1; k < K; k++)
          if (F[i * K + k] > F[i * K + best]) best = k;
      y[i] = (double)best;
    }
    PetscCall(PetscFree(F));
  } else {
    const int64_t T = c->trees->n_trees;
    PetscBool     failed = PETSC_FALSE;
    /* Weighted median: sort (prediction, learner) pairs, first learner whose cumulative
       weight reaches half the total (scikit-learn's rule). */
    #pragma omp parallel
    {
      double *pair = (double *)malloc(sizeof(double) * (size_t)(2 * T));
      if (!pair) {
        #pragma omp atomic write
        failed = PETSC_TRUE;
      } else {
        #pragma omp for schedule(static)
        for (int64_t i = 0; i < n; i++) {
          double tot = 0.0, cum = 0.0;
          for (int64_t t = 0; t < T; t++) {
            pair[2 * t] = ada_tree_predict(&c->trees->trees[t], 0, X->X + i * d);
            pair[2 * t + 1] = (double)t;
            tot += c->alpha[t];
          }
          qsort(pair, (size_t)T, 2 * sizeof(double), ada_cmp_pair);
          y[i] = pair[2 * (T - 1)];
          for (int64_t t = 0; t < T; t++) {
            cum += c->alpha[(int64_t)pair[2 * t + 1]];
            if (cum >= 0.5 * tot) {
              y[i] = pair[2 * t];
              break;
            }
          }
        }
      }
      free(pair);
    }
    if (failed) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "adaboost: out of memory");
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_importances(ms_model m, int64_t *n_rows, double **imp)
{
  ada_ctx *c = (ada_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ada_check(m));
  *n_rows = 1;
  PetscCall(PetscMalloc1(m->n_features, imp));
  PetscCall(PetscArraycpy(*imp, c->trees->importances, m->n_features));
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_setfromoptions(ms_model m)
{
  ada_ctx  *c = (ada_ctx *)m->data;
  PetscEnum l = (PetscEnum)c->loss;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "AdaBoost on CART (-model adaboost)", "ms_model");
  PetscCall(PetscOptionsInt("-adaboost_n_estimators", "Boosting rounds (>= 1)", NULL, c->n_estimators, &c->n_estimators, NULL));
  PetscCall(PetscOptionsReal("-adaboost_learning_rate", "Shrinkage of each learner's weight (> 0)", NULL, c->learning_rate, &c->learning_rate, NULL));
  PetscCall(PetscOptionsInt("-adaboost_max_depth", "Tree depth; 0 = 1 for classification, 3 for regression", NULL, c->max_depth, &c->max_depth, NULL));
  PetscCall(PetscOptionsEnum("-adaboost_loss", "AdaBoost.R2 loss (regression)", NULL, ada_loss_names, l, &l, NULL));
  PetscOptionsEnd();
  c->loss = (ada_loss)l;
  if (c->n_estimators < 1) SETERRQ(m->comm, MS_ERR_USER, "-adaboost_n_estimators must be >= 1, got %" PetscInt_FMT, c->n_estimators);
  if (c->max_depth < 0) SETERRQ(m->comm, MS_ERR_USER, "-adaboost_max_depth must be >= 0, got %" PetscInt_FMT, c->max_depth);
  if (!(c->learning_rate > 0.0) || !isfinite(c->learning_rate))
    SETERRQ(m->comm, MS_ERR_USER, "-adaboost_learning_rate must be a finite number > 0, got %g", c->learning_rate);
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_save(ms_model m, hid_t group)
{
  ada_ctx    *c = (ada_ctx *)m->data;
  hid_t       g;
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCall(ada_check(m));
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCall(ms_h5_attr_set_int(group, "n_estimators", c->n_estimators));
  PetscCall(ms_h5_attr_set_double(group, "learning_rate", c->learning_rate));
  PetscCall(ms_h5_attr_set_int(group, "max_depth", c->max_depth));
  PetscCall(ms_h5_attr_set_string(group, "loss", ada_loss_names[c->loss]));
  PetscCall(ms_h5_write_rows_double(group, "learner_weights", c->trees->n_trees, 0, rank ? 0 : c->trees->n_trees, 0, c->alpha));
  PetscCall(ms_h5_group_ensure(group, "learners", &g));
  PetscCall(ms_forest_save(c->trees, m->comm, g));
  H5Gclose(g);
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_load(ms_model m, hid_t group)
{
  ada_ctx *c = (ada_ctx *)m->data;
  int64_t  v, dims[3];
  int      rank;
  char    *s;
  hid_t    g;

  PetscFunctionBeginUser;
  PetscCall(ada_clear(c));
  PetscCall(ms_h5_attr_get_int(group, "n_estimators", &v));
  c->n_estimators = (PetscInt)v;
  PetscCall(ms_h5_attr_get_int(group, "max_depth", &v));
  c->max_depth = (PetscInt)v;
  PetscCall(ms_h5_attr_get_double(group, "learning_rate", &c->learning_rate));
  PetscCall(ms_h5_attr_get_string(group, "loss", &s));
  for (int k = 0; k < 3; k++)
    if (!strcmp(s, ada_loss_names[k])) c->loss = (ada_loss)k;
  PetscCall(PetscFree(s));
  g = H5Gopen2(group, "learners", H5P_DEFAULT);
  if (g < 0) SETERRQ(m->comm, MS_ERR_READ, "adaboost model: missing group 'learners'");
  PetscCall(ms_forest_load(g, &c->trees));
  H5Gclose(g);
  if (c->trees->n_features != m->n_features || c->trees->n_classes != (m->task == MS_TASK_CLASSIFICATION ? m->n_classes : 0))
    SETERRQ(m->comm, MS_ERR_READ, "adaboost model: the learners do not match the model's features or classes");
  PetscCall(ms_h5_dataset_shape(group, "learner_weights", &rank, dims));
  if (rank != 1 || dims[0] != c->trees->n_trees) SETERRQ(m->comm, MS_ERR_READ, "adaboost model: learner_weights must hold one weight per learner");
  PetscCall(PetscMalloc1(c->trees->n_trees, &c->alpha));
  PetscCall(ms_h5_read_rows_double(group, "learner_weights", 0, c->trees->n_trees, 0, c->alpha));
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_view(ms_model m, PetscViewer viewer)
{
  ada_ctx *c = (ada_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "AdaBoost (%s): %" PetscInt64_FMT " of %" PetscInt_FMT " learners kept, trees of depth %" PetscInt64_FMT ", learning rate %g",
                                   m->task == MS_TASK_CLASSIFICATION ? "SAMME" : "R2", (PetscInt64)(c->trees ? c->trees->n_trees : 0),
                                   c->n_estimators, (PetscInt64)(c->trees ? c->trees->params.tree.max_depth : c->max_depth), c->learning_rate));
  if (m->task != MS_TASK_CLASSIFICATION) PetscCall(PetscViewerASCIIPrintf(viewer, ", loss %s", ada_loss_names[c->loss]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode ada_destroy(ms_model m)
{
  PetscFunctionBeginUser;
  if (m->data) PetscCall(ada_clear((ada_ctx *)m->data));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_adaboost(ms_model m)
{
  ada_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->n_estimators = 50;
  c->learning_rate = 1.0;
  c->max_depth = 0;
  c->loss = ADA_LINEAR;
  m->data = c;
  m->supports = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = ada_setfromoptions;
  m->ops.fit = ada_fit;
  m->ops.predict = ada_predict;
  m->ops.predict_proba = ada_predict_proba;
  m->ops.importances = ada_importances;
  m->ops.save = ada_save;
  m->ops.load = ada_load;
  m->ops.view = ada_view;
  m->ops.destroy = ada_destroy;
  PetscFunctionReturn(0);
}
