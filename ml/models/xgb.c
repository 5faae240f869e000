/* xgb.c - gradient-boosted trees on XGBoost's C API, the model "xgb" (regression with squared
 * error, classification with logistic / softmax loss).
 *
 * Options (defaults: the seed's gradient-boosting settings, spec 1.5 - 100 trees, learning
 * rate 0.1, depth 3 - and XGBoost's own for the rest):
 *   -xgb_n_estimators <100>        boosting rounds (>= 1)
 *   -xgb_learning_rate <0.1>       shrinkage nu in (0, 1]
 *   -xgb_max_depth <3>             depth of each tree (>= 1)
 *   -xgb_subsample <1>             row fraction per tree, in (0, 1]
 *   -xgb_colsample_bytree <1>      feature fraction per tree, in (0, 1]
 *   -xgb_lambda <1>                L2 penalty on leaf weights (>= 0)
 *   -xgb_alpha <0>                 L1 penalty on leaf weights (>= 0)
 *   -xgb_min_child_weight <1>      minimum Hessian sum in a leaf (>= 0)
 *   -xgb_tree_method hist|exact|approx   split finding (hist: 256-bin histograms)
 *   -xgb_max_bin <256>             histogram bins (hist)
 *
 * Threads: XGBoost runs on OMP_NUM_THREADS threads of each rank (nthread is set from
 * omp_get_max_threads(), so our OpenMP setting governs it). Seed: -seed.
 *
 * Parallelism. The training rows are gathered on rank 0 of the communicator, which boosts
 * (XGBoost's own distributed mode needs its Rabit tracker, a second launcher; cross-validation
 * folds and grids run one per rank instead). The model travels as XGBoost's UBJSON (binary
 * JSON) serialisation: broadcast after fit when there is more than one rank, stored as the
 * uint8 dataset `booster_ubj` in the model file, so every rank predicts with the same trees.
 * Files written before hold `booster_json` (text JSON); both load (XGBoost tells them apart).
 *
 * Speed (issue 10: no slower than the xgboost Python package calling the same library). Our
 * double rows go to XGBoost through its array interface, as numpy arrays do
 * (XGDMatrixCreateFromDense at fit, in-place XGBoosterPredictFromDense at prediction: no
 * float copy and no prediction DMatrix); XGBoost casts each value to float, its native
 * precision, exactly as the old explicit copy did. Rank 0 keeps the booster it trained
 * instead of reloading its own serialisation.
 *
 * Importances: XGBoost's total gain per feature, normalised to sum to one (the importance
 * scikit-learn's XGBoost wrapper and RandomForest both report).
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xgboost/c_api.h>

typedef enum { XGB_HIST = 0, XGB_EXACT, XGB_APPROX } xgb_method;
static const char *const xgb_method_names[] = {"hist", "exact", "approx", "xgb_tree_method", "XGB_", NULL};

typedef struct {
  PetscInt      n_estimators, max_depth, max_bin;
  double        learning_rate, subsample, colsample, lambda, alpha, min_child_weight;
  xgb_method    method;
  BoosterHandle booster;
  unsigned char *ubj;   /* the serialised booster (broadcast, saved); NULL until needed */
  size_t        ubj_len;
} xgb_ctx;

#define XGBCHK(call, comm)                                                                      \
  do {                                                                                          \
    if ((call) != 0) SETERRQ((comm), PETSC_ERR_LIB, "XGBoost: %s", XGBGetLastError());          \
  } while (0)

/* numpy's __array_interface__ (version 3) of n x d row-major doubles, which XGBoost reads in
   place: the same entry point the Python package uses for a float64 array. */
static void xgb_array_interface(const double *Xd, int64_t n, int64_t d, char *buf, size_t len)
{
  snprintf(buf, len, "{\"data\": [%llu, true], \"shape\": [%lld, %lld], \"typestr\": \"<f8\", \"version\": 3}",
           (unsigned long long)(uintptr_t)Xd, (long long)n, (long long)d);
}

static PetscErrorCode xgb_set(BoosterHandle b, const char *k, const char *v)
{
  PetscFunctionBeginUser;
  XGBCHK(XGBoosterSetParam(b, k, v), PETSC_COMM_SELF);
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_params(ms_model m, xgb_ctx *c, BoosterHandle b)
{
  char v[64];

  PetscFunctionBeginUser;
  PetscCall(xgb_set(b, "booster", "gbtree"));
  PetscCall(xgb_set(b, "verbosity", "0"));
  PetscCall(xgb_set(b, "tree_method", xgb_method_names[c->method]));
#define XGB_NUM(key, fmt, val) \
  do { snprintf(v, sizeof v, fmt, val); PetscCall(xgb_set(b, key, v)); } while (0)
  XGB_NUM("eta", "%.17g", c->learning_rate);
  XGB_NUM("max_depth", "%d", (int)c->max_depth);
  XGB_NUM("max_bin", "%d", (int)c->max_bin);
  XGB_NUM("subsample", "%.17g", c->subsample);
  XGB_NUM("colsample_bytree", "%.17g", c->colsample);
  XGB_NUM("lambda", "%.17g", c->lambda);
  XGB_NUM("alpha", "%.17g", c->alpha);
  XGB_NUM("min_child_weight", "%.17g", c->min_child_weight);
  XGB_NUM("seed", "%llu", (unsigned long long)m->seed);
  XGB_NUM("nthread", "%d", omp_get_max_threads());
  if (m->task == MS_TASK_CLASSIFICATION && m->n_classes > 2) {
    PetscCall(xgb_set(b, "objective", "multi:softprob"));
    XGB_NUM("num_class", "%d", (int)m->n_classes);
  } else PetscCall(xgb_set(b, "objective", m->task == MS_TASK_CLASSIFICATION ? "binary:logistic" : "reg:squarederror"));
#undef XGB_NUM
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_clear(xgb_ctx *c)
{
  PetscFunctionBeginUser;
  if (c->booster) XGBoosterFree(c->booster);
  c->booster = NULL;
  PetscCall(PetscFree(c->ubj));
  c->ubj_len = 0;
  PetscFunctionReturn(0);
}

/* c->ubj from the booster (rank 0 after fit, before a broadcast or a save). */
static PetscErrorCode xgb_serialise(xgb_ctx *c)
{
  const char *buf;
  bst_ulong   blen;

  PetscFunctionBeginUser;
  if (c->ubj) PetscFunctionReturn(0);
  XGBCHK(XGBoosterSaveModelToBuffer(c->booster, "{\"format\": \"ubj\"}", &blen, &buf), PETSC_COMM_SELF);
  PetscCall(PetscMalloc1(blen + 1, &c->ubj));
  PetscCall(PetscMemcpy(c->ubj, buf, blen));
  c->ubj_len = (size_t)blen;
  PetscFunctionReturn(0);
}

/* Booster from c->ubj (after the broadcast or a load; JSON or UBJSON, XGBoost detects which). */
static PetscErrorCode xgb_deserialise(ms_model m, xgb_ctx *c)
{
  PetscFunctionBeginUser;
  if (c->booster) XGBoosterFree(c->booster);
  c->booster = NULL;
  XGBCHK(XGBoosterCreate(NULL, 0, &c->booster), m->comm);
  XGBCHK(XGBoosterLoadModelFromBuffer(c->booster, c->ubj, (bst_ulong)c->ubj_len), m->comm);
  {
    char v[16];
    snprintf(v, sizeof v, "%d", omp_get_max_threads());
    PetscCall(xgb_set(c->booster, "nthread", v));
  }
  PetscFunctionReturn(0);
}

/* The training rows (features and target as double) on rank 0 only, where XGBoost boosts; on
   one rank the dataset's own arrays (*own = true, nothing copied). */
static PetscErrorCode xgb_gather_root(ms_model m, ms_dataset ds, double **X, double **t, PetscBool *own)
{
  const int64_t d = ds->n_features;
  PetscMPIInt   size, rank;
  double       *tl;
  int          *counts = NULL, *displs = NULL, mine;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  *X = NULL;
  *t = NULL;
  *own = PETSC_FALSE;
  if (size == 1 && m->task == MS_TASK_REGRESSION) {
    *X   = ds->X;
    *t   = ds->y;
    *own = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(ds->n_local + 1, &tl));
  for (int64_t i = 0; i < ds->n_local; i++) tl[i] = m->task == MS_TASK_CLASSIFICATION ? (double)ds->labels[i] : ds->y[i];
  if (size == 1) {
    *X = ds->X;
    *t = tl;
    PetscFunctionReturn(0);
  }
  PetscCheck(ds->n_global * d < INT32_MAX, ds->comm, PETSC_ERR_SUP, "xgb: %lld training values exceed 32-bit MPI counts",
             (long long)(ds->n_global * d));
  if (!rank) {
    PetscCall(PetscMalloc2(size, &counts, size, &displs));
    PetscCall(PetscMalloc1(ds->n_global * d + 1, X));
    PetscCall(PetscMalloc1(ds->n_global + 1, t));
  }
  for (int pass = 0; pass < 2; pass++) { /* features (width d), then the target (width 1) */
    const int64_t w = pass ? 1 : d;
    mine = (int)(ds->n_local * w);
    PetscCallMPI(MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, ds->comm));
    if (!rank)
      for (int r = 0; r < size; r++) displs[r] = r ? displs[r - 1] + counts[r - 1] : 0;
    PetscCallMPI(MPI_Gatherv(pass ? tl : ds->X, mine, MPI_DOUBLE, pass ? *t : *X, counts, displs, MPI_DOUBLE, 0, ds->comm));
  }
  PetscCall(PetscFree(tl));
  if (!rank) PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

/* Boost on rank 0's n x d rows X with target t; c->booster holds the result. */
static PetscErrorCode xgb_boost(ms_model m, xgb_ctx *c, const double *X, const double *t, int64_t n, int64_t d)
{
  DMatrixHandle dm;
  float        *lab;
  char          ai[160], cfg[64];

  PetscFunctionBeginUser;
  xgb_array_interface(X, n, d, ai, sizeof ai);
  snprintf(cfg, sizeof cfg, "{\"missing\": NaN, \"nthread\": %d}", omp_get_max_threads());
  XGBCHK(XGDMatrixCreateFromDense(ai, cfg, &dm), PETSC_COMM_SELF);
  PetscCall(PetscMalloc1(n + 1, &lab));
  for (int64_t i = 0; i < n; i++) lab[i] = (float)t[i];
  XGBCHK(XGDMatrixSetFloatInfo(dm, "label", lab, (bst_ulong)n), PETSC_COMM_SELF);
  PetscCall(PetscFree(lab));
  XGBCHK(XGBoosterCreate(&dm, 1, &c->booster), PETSC_COMM_SELF);
  PetscCall(xgb_params(m, c, c->booster));
  for (PetscInt it = 0; it < c->n_estimators; it++) XGBCHK(XGBoosterUpdateOneIter(c->booster, (int)it, dm), PETSC_COMM_SELF);
  XGDMatrixFree(dm);
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_fit(ms_model m, ms_dataset train)
{
  xgb_ctx       *c = (xgb_ctx *)m->data;
  PetscMPIInt    rank, size;
  unsigned long  len = 0;
  double        *X, *t;
  PetscBool      own;
  PetscErrorCode ierr = 0;
  char           err[1024] = "";

  PetscFunctionBeginUser;
  PetscCall(xgb_clear(c));
  PetscCall(xgb_gather_root(m, train, &X, &t, &own));
  PetscCallMPI(MPI_Comm_rank(train->comm, &rank));
  PetscCallMPI(MPI_Comm_size(train->comm, &size));
  if (!rank) {
    ierr = xgb_boost(m, c, X, t, train->n_global, train->n_features);
    if (!ierr && size > 1) ierr = xgb_serialise(c);
    if (ierr) snprintf(err, sizeof err, "%s", XGBGetLastError()); /* failures are XGBoost's but for memory */
    len = (unsigned long)c->ubj_len;
  }
  if (!own) {
    if (X != train->X) PetscCall(PetscFree(X));
    PetscCall(PetscFree(t));
  }
  if (size == 1) {
    PetscCall(ierr);
    PetscFunctionReturn(0);
  }
  /* Every rank learns whether rank 0's boosting failed, and why, so none waits for the model. */
  int failed = ierr != 0;
  PetscCallMPI(MPI_Bcast(&failed, 1, MPI_INT, 0, train->comm));
  PetscCallMPI(MPI_Bcast(err, sizeof err, MPI_CHAR, 0, train->comm));
  if (failed) SETERRQ(train->comm, PETSC_ERR_LIB, "XGBoost (rank 0): %s", err[0] ? err : "failed");
  PetscCallMPI(MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG, 0, train->comm));
  if (rank) PetscCall(PetscMalloc1(len + 1, &c->ubj));
  PetscCallMPI(MPI_Bcast(c->ubj, (int)len, MPI_BYTE, 0, train->comm));
  c->ubj_len = len;
  if (rank) PetscCall(xgb_deserialise(m, c));
  PetscFunctionReturn(0);
}

/* Raw XGBoost output for the local rows: n values (regression, binary P(class 1)) or n x K,
   predicted in place from our double rows (owned by XGBoost until the next call). */
static PetscErrorCode xgb_raw(ms_model m, ms_dataset X, float const **out, bst_ulong *len)
{
  xgb_ctx         *c = (xgb_ctx *)m->data;
  char             ai[160];
  bst_ulong const *shape;
  bst_ulong        dim;

  PetscFunctionBeginUser;
  if (!c->booster) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "xgb: the model is not fitted");
  *out = NULL;
  *len = 0;
  if (X->n_local == 0) PetscFunctionReturn(0);
  xgb_array_interface(X->X, X->n_local, X->n_features, ai, sizeof ai);
  XGBCHK(XGBoosterPredictFromDense(c->booster, ai,
                                   "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": 0, "
                                   "\"strict_shape\": false, \"missing\": NaN, \"cache_id\": 0}",
                                   NULL, &shape, &dim, out), PETSC_COMM_SELF);
  *len = 1;
  for (bst_ulong k = 0; k < dim; k++) *len *= shape[k];
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_predict_proba(ms_model m, ms_dataset X, double *P)
{
  const int64_t K = m->n_classes, n = X->n_local;
  float const  *o;
  bst_ulong     len;

  PetscFunctionBeginUser;
  PetscCall(xgb_raw(m, X, &o, &len));
  if (K == 2) {
    PetscCheck(len == (bst_ulong)n, PETSC_COMM_SELF, PETSC_ERR_LIB, "XGBoost returned %lu values for %lld rows", (unsigned long)len, (long long)n);
    for (int64_t i = 0; i < n; i++) {
      P[2 * i + 1] = (double)o[i];
      P[2 * i] = 1.0 - (double)o[i];
    }
  } else {
    PetscCheck(len == (bst_ulong)(n * K), PETSC_COMM_SELF, PETSC_ERR_LIB, "XGBoost returned %lu values for %lld rows", (unsigned long)len, (long long)n);
    for (int64_t i = 0; i < n * K; i++) P[i] = (double)o[i];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_predict(ms_model m, ms_dataset X, double *y)
{
  const int64_t K = m->n_classes, n = X->n_local;

  PetscFunctionBeginUser;
  if (m->task == MS_TASK_CLASSIFICATION) {
    double *P;
    PetscCall(PetscMalloc1(n * K + 1, &P));
    PetscCall(xgb_predict_proba(m, X, P));
    for (int64_t i = 0; i < n; i++) {
      int64_t best = 0;
      for (int64_t k = 1; k < K; k++)
        if (P[i * K + k] > P[i * K + best]) best = k;
      y[i] = (double)best;
    }
    PetscCall(PetscFree(P));
  } else {
    float const *o;
    bst_ulong    len;
    PetscCall(xgb_raw(m, X, &o, &len));
    PetscCheck(len == (bst_ulong)n, PETSC_COMM_SELF, PETSC_ERR_LIB, "XGBoost returned %lu values for %lld rows", (unsigned long)len, (long long)n);
    for (int64_t i = 0; i < n; i++) y[i] = (double)o[i];
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_importances(ms_model m, int64_t *n_rows, double **imp)
{
  xgb_ctx           *c = (xgb_ctx *)m->data;
  bst_ulong          nf, dim;
  char const       **names;
  bst_ulong const   *shape;
  float const       *score;
  double             sum = 0.0;

  PetscFunctionBeginUser;
  XGBCHK(XGBoosterFeatureScore(c->booster, "{\"importance_type\": \"total_gain\"}", &nf, &names, &dim, &shape, &score), m->comm);
  PetscCall(PetscCalloc1(m->n_features, imp));
  *n_rows = 1;
  /* Features without a split are absent; names are "f<j>" since the matrix carries none. A
     multi-class booster reports one score per feature (summed over classes) in 1.7. */
  for (bst_ulong i = 0; i < nf; i++) {
    long j = -1;
    if (sscanf(names[i], "f%ld", &j) == 1 && j >= 0 && j < m->n_features) (*imp)[j] += (double)score[i];
  }
  for (int64_t j = 0; j < m->n_features; j++) sum += (*imp)[j];
  for (int64_t j = 0; sum > 0.0 && j < m->n_features; j++) (*imp)[j] /= sum;
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_setfromoptions(ms_model m)
{
  xgb_ctx  *c = (xgb_ctx *)m->data;
  PetscEnum e = (PetscEnum)c->method;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "Gradient boosting on XGBoost (-model xgb)", "ms_model");
  PetscCall(PetscOptionsInt("-xgb_n_estimators", "Boosting rounds (>= 1)", NULL, c->n_estimators, &c->n_estimators, NULL));
  PetscCall(PetscOptionsReal("-xgb_learning_rate", "Shrinkage of each tree, in (0, 1]", NULL, c->learning_rate, &c->learning_rate, NULL));
  PetscCall(PetscOptionsInt("-xgb_max_depth", "Depth of each tree (>= 1)", NULL, c->max_depth, &c->max_depth, NULL));
  PetscCall(PetscOptionsReal("-xgb_subsample", "Row fraction sampled per tree, in (0, 1]", NULL, c->subsample, &c->subsample, NULL));
  PetscCall(PetscOptionsReal("-xgb_colsample_bytree", "Feature fraction sampled per tree, in (0, 1]", NULL, c->colsample, &c->colsample, NULL));
  PetscCall(PetscOptionsReal("-xgb_lambda", "L2 penalty on leaf weights (>= 0)", NULL, c->lambda, &c->lambda, NULL));
  PetscCall(PetscOptionsReal("-xgb_alpha", "L1 penalty on leaf weights (>= 0)", NULL, c->alpha, &c->alpha, NULL));
  PetscCall(PetscOptionsReal("-xgb_min_child_weight", "Minimum Hessian sum in a leaf (>= 0)", NULL, c->min_child_weight, &c->min_child_weight, NULL));
  PetscCall(PetscOptionsEnum("-xgb_tree_method", "Split finding", NULL, xgb_method_names, e, &e, NULL));
  PetscCall(PetscOptionsInt("-xgb_max_bin", "Histogram bins for -xgb_tree_method hist (>= 2)", NULL, c->max_bin, &c->max_bin, NULL));
  PetscOptionsEnd();
  c->method = (xgb_method)e;
  if (c->n_estimators < 1) SETERRQ(m->comm, MS_ERR_USER, "-xgb_n_estimators must be >= 1, got %" PetscInt_FMT, c->n_estimators);
  if (c->max_depth < 1) SETERRQ(m->comm, MS_ERR_USER, "-xgb_max_depth must be >= 1, got %" PetscInt_FMT, c->max_depth);
  if (c->max_bin < 2) SETERRQ(m->comm, MS_ERR_USER, "-xgb_max_bin must be >= 2, got %" PetscInt_FMT, c->max_bin);
  if (!(c->learning_rate > 0.0 && c->learning_rate <= 1.0)) SETERRQ(m->comm, MS_ERR_USER, "-xgb_learning_rate must be in (0, 1], got %g", c->learning_rate);
  if (!(c->subsample > 0.0 && c->subsample <= 1.0)) SETERRQ(m->comm, MS_ERR_USER, "-xgb_subsample must be in (0, 1], got %g", c->subsample);
  if (!(c->colsample > 0.0 && c->colsample <= 1.0)) SETERRQ(m->comm, MS_ERR_USER, "-xgb_colsample_bytree must be in (0, 1], got %g", c->colsample);
  if (!(c->lambda >= 0.0) || !(c->alpha >= 0.0) || !(c->min_child_weight >= 0.0))
    SETERRQ(m->comm, MS_ERR_USER, "-xgb_lambda, -xgb_alpha and -xgb_min_child_weight must be >= 0");
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_save(ms_model m, hid_t group)
{
  xgb_ctx *c = (xgb_ctx *)m->data;

  PetscFunctionBeginUser;
  if (!c->booster) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "xgb: the model is not fitted");
  PetscCall(xgb_serialise(c));
  PetscCall(ms_h5_attr_set_int(group, "n_estimators", c->n_estimators));
  PetscCall(ms_h5_attr_set_double(group, "learning_rate", c->learning_rate));
  PetscCall(ms_h5_attr_set_int(group, "max_depth", c->max_depth));
  PetscCall(ms_h5_attr_set_string(group, "tree_method", xgb_method_names[c->method]));
  PetscCall(ms_h5_attr_set_string(group, "xgboost_format", "ubj (XGBoosterSaveModelToBuffer)"));
  PetscCall(ms_h5_write_bytes(group, "booster_ubj", c->ubj_len, c->ubj));
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_load(ms_model m, hid_t group)
{
  xgb_ctx  *c = (xgb_ctx *)m->data;
  int64_t   v;
  char     *s;
  PetscBool ubj;

  PetscFunctionBeginUser;
  PetscCall(xgb_clear(c));
  PetscCall(ms_h5_attr_get_int(group, "n_estimators", &v));
  c->n_estimators = (PetscInt)v;
  PetscCall(ms_h5_attr_get_int(group, "max_depth", &v));
  c->max_depth = (PetscInt)v;
  PetscCall(ms_h5_attr_get_double(group, "learning_rate", &c->learning_rate));
  PetscCall(ms_h5_attr_get_string(group, "tree_method", &s));
  for (int k = 0; k < 3; k++)
    if (!strcmp(s, xgb_method_names[k])) c->method = (xgb_method)k;
  PetscCall(PetscFree(s));
  /* booster_json: files written before the switch to UBJSON */
  PetscCall(ms_h5_link_exists(group, "booster_ubj", &ubj));
  PetscCall(ms_h5_read_bytes(group, ubj ? "booster_ubj" : "booster_json", &c->ubj_len, &c->ubj));
  PetscCall(xgb_deserialise(m, c));
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_view(ms_model m, PetscViewer viewer)
{
  xgb_ctx *c = (xgb_ctx *)m->data;
  int      major, minor, patch;

  PetscFunctionBeginUser;
  XGBoostVersion(&major, &minor, &patch);
  PetscCall(PetscViewerASCIIPrintf(viewer, "gradient boosting (XGBoost %d.%d.%d, %s): %" PetscInt_FMT " trees, learning rate %g, depth %" PetscInt_FMT "\n",
                                   major, minor, patch, xgb_method_names[c->method], c->n_estimators, c->learning_rate, c->max_depth));
  PetscFunctionReturn(0);
}

static PetscErrorCode xgb_destroy(ms_model m)
{
  PetscFunctionBeginUser;
  if (m->data) PetscCall(xgb_clear((xgb_ctx *)m->data));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_xgb(ms_model m)
{
  xgb_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->n_estimators = 100;
  c->learning_rate = 0.1;
  c->max_depth = 3;
  c->max_bin = 256;
  c->subsample = 1.0;
  c->colsample = 1.0;
  c->lambda = 1.0;
  c->alpha = 0.0;
  c->min_child_weight = 1.0;
  c->method = XGB_HIST;
  m->data = c;
  m->supports = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = xgb_setfromoptions;
  m->ops.fit = xgb_fit;
  m->ops.predict = xgb_predict;
  m->ops.predict_proba = xgb_predict_proba;
  m->ops.importances = xgb_importances;
  m->ops.save = xgb_save;
  m->ops.load = xgb_load;
  m->ops.view = xgb_view;
  m->ops.destroy = xgb_destroy;
  PetscFunctionReturn(0);
}
