/* ms_model.c - the generic model wrapper: input checks, scaling and dispatch to ops.
 *
 * The checks live here, once, so every model fails the same way on bad input: NaN/Inf
 * (error naming row and column), a task the model does not support, fewer than two classes
 * present, constant columns (warning), feature names or count that differ between fit and
 * predict (error naming the first mismatch), classes unknown to the model (error).
 * Save/load are in ms_model_io.c.
 */
#include "ms_model.h"
#include "ms_log.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_model_create(MPI_Comm comm, const char *type, ms_model *m)
{
  ms_model_create_fn fn;

  PetscFunctionBegin;
  *m = NULL;
  PetscCall(ms_model_registry_find(type, &fn));
  if (!fn) {
    const char *const *names;
    char               known[1024] = "";
    int                n;
    PetscCall(ms_model_list(&names, &n));
    for (int i = 0; i < n; i++) {
      PetscCall(PetscStrlcat(known, i ? ", " : "", sizeof known));
      PetscCall(PetscStrlcat(known, names[i], sizeof known));
    }
    SETERRQ(comm, MS_ERR_USER, "unknown model '%s' (option -model); known models: %s", type, known);
  }
  PetscCall(PetscNew(m));
  PetscCall(PetscStrncpy((*m)->type, type, sizeof (*m)->type));
  (*m)->comm = comm;
  (*m)->task = MS_TASK_NONE;
  (*m)->target_min = (*m)->target_max = NAN;
  PetscCall(ms_scaler_create("none", &(*m)->scaler));
  (*m)->n_train_rows = -1;
  PetscCall(fn(*m));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_model_free_names(ms_model m)
{
  PetscFunctionBegin;
  for (int64_t j = 0; j < m->n_features && m->feature_names; j++) PetscCall(PetscFree(m->feature_names[j]));
  PetscCall(PetscFree(m->feature_names));
  for (int64_t c = 0; c < m->n_classes && m->class_names; c++) PetscCall(PetscFree(m->class_names[c]));
  PetscCall(PetscFree(m->class_names));
  PetscCall(PetscFree(m->target_name));
  PetscCall(PetscFree(m->train_summary));
  m->n_features = m->n_classes = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_destroy(ms_model *m)
{
  PetscFunctionBegin;
  if (!*m) PetscFunctionReturn(0);
  if ((*m)->ops.destroy) PetscCall((*m)->ops.destroy(*m));
  PetscCall(ms_model_free_names(*m));
  PetscCall(ms_scaler_destroy(&(*m)->scaler));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_set_from_options(ms_model m)
{
  PetscInt  seed = (PetscInt)m->seed, scaler = 0;
  PetscBool set;
  char      help[256];
  int       ntypes = 0;

  PetscFunctionBegin;
  while (ms_scaler_types[ntypes]) ntypes++;
  for (int k = 0; k < ntypes; k++)
    if (!strcmp(ms_scaler_type(m->scaler), ms_scaler_types[k])) scaler = k;
  PetscCall(PetscSNPrintf(help, sizeof help, "Preprocessing of the features of model '%s', fitted on the training rows only", m->type));
  PetscOptionsBegin(m->comm, NULL, "Model options (all models)", NULL);
  PetscCall(PetscOptionsBoundedInt("-seed", "Seed of every random stream of the model (with the task index)", NULL, seed, &seed, NULL, 0));
  PetscCall(PetscOptionsEList("-scaler", help, NULL, ms_scaler_types, ntypes, ms_scaler_types[scaler], &scaler, &set));
  PetscOptionsEnd();
  m->seed = (uint64_t)seed;
  if (set) {
    PetscCall(ms_scaler_destroy(&m->scaler));
    PetscCall(ms_scaler_create(ms_scaler_types[scaler], &m->scaler));
  }
  if (m->ops.setfromoptions) PetscCall(m->ops.setfromoptions(m));
  PetscFunctionReturn(0);
}

/* A shallow copy of X whose feature block is scaled; X itself is never modified. */
static PetscErrorCode ms_model_scaled(ms_model m, ms_dataset X, ms_dataset *out)
{
  PetscFunctionBegin;
  if (!strcmp(ms_scaler_type(m->scaler), "none")) { *out = X; PetscFunctionReturn(0); }
  PetscCall(PetscNew(out));
  **out = *X;
  PetscCall(PetscMalloc1(X->n_local * X->n_features, &(*out)->X));
  PetscCall(PetscArraycpy((*out)->X, X->X, X->n_local * X->n_features));
  PetscCall(ms_scaler_transform(m->scaler, X->n_local, X->n_features, (*out)->X));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_model_scaled_free(ms_dataset X, ms_dataset *out)
{
  PetscFunctionBegin;
  if (*out != X) {
    PetscCall(PetscFree((*out)->X));
    PetscCall(PetscFree(*out));
  }
  *out = NULL;
  PetscFunctionReturn(0);
}

/* Constant columns from the training summary's column min and max (ms_model_summarize: the
   range is computed once for both). */
static PetscErrorCode ms_model_warn_constant(ms_model m, ms_dataset ds)
{
  const int64_t d  = ds->n_features;
  const double *lo = m->train_summary + MS_MODEL_SUMMARY_MIN * d, *hi = m->train_summary + MS_MODEL_SUMMARY_MAX * d;
  char          list[512] = "";
  int           n_const   = 0;

  PetscFunctionBegin;
  for (int64_t j = 0; j < d; j++)
    if (lo[j] == hi[j]) {
      if (n_const++ < 8) {
        PetscCall(PetscStrlcat(list, n_const > 1 ? ", " : "", sizeof list));
        PetscCall(PetscStrlcat(list, ds->feature_names ? ds->feature_names[j] : "?", sizeof list));
      }
    }
  if (n_const)
    PetscCall(ms_warn(ds->comm, "warning: %d constant feature column(s) in the training data carry no information: %s%s\n",
                      n_const, list, n_const > 8 ? ", ..." : ""));
  PetscFunctionReturn(0);
}

/* Global count of rows per class of ds (length ds->n_classes). */
static PetscErrorCode ms_model_class_counts(ms_dataset ds, int64_t *count)
{
  PetscFunctionBegin;
  for (int64_t c = 0; c < ds->n_classes; c++) count[c] = 0;
  for (int64_t i = 0; i < ds->n_local; i++) count[ds->labels[i]]++;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, count, (int)ds->n_classes, MPI_INT64_T, MPI_SUM, ds->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_model_record(ms_model m, ms_dataset train)
{
  PetscFunctionBegin;
  PetscCall(ms_model_free_names(m));
  m->n_features = train->n_features;
  PetscCall(PetscCalloc1(m->n_features, &m->feature_names));
  for (int64_t j = 0; j < m->n_features; j++) {
    char name[32];
    PetscCall(PetscSNPrintf(name, sizeof name, "x%" PRId64, j));
    PetscCall(PetscStrallocpy(train->feature_names ? train->feature_names[j] : name, &m->feature_names[j]));
  }
  if (m->task == MS_TASK_CLASSIFICATION) {
    m->n_classes = train->n_classes;
    PetscCall(PetscCalloc1(m->n_classes, &m->class_names));
    for (int64_t c = 0; c < m->n_classes; c++) PetscCall(PetscStrallocpy(train->class_names[c], &m->class_names[c]));
  }
  PetscCall(PetscStrallocpy(train->target_name, &m->target_name));
  PetscFunctionReturn(0);
}

/* Column min/max/mean/std of the raw training features and the target's range: what a
   screen needs to tell how far a candidate lies from the data the model has seen. Also the
   check that every feature and target value is finite: a NaN or an infinity makes its
   column's (or the target's) sum non-finite, so the sums the summary needs anyway decide,
   and only then the row-by-row scan of ms_dataset_check_finite runs to name the place (or
   finds none, when finite values overflowed the sum). One fused pass for the range, the sums
   and the check, one for the variance about the mean. Collective. */
static PetscErrorCode ms_model_summarize(ms_model m, ms_dataset train)
{
  const int64_t d = train->n_features;
  double       *S, *sum, *lo, *hi, t[3] = {INFINITY, INFINITY, 0.0};
  PetscBool     finite = PETSC_TRUE;

  PetscFunctionBegin;
  PetscCall(PetscFree(m->train_summary));
  PetscCall(PetscMalloc1(4 * d, &m->train_summary));
  S  = m->train_summary;
  lo = S + MS_MODEL_SUMMARY_MIN * d;
  hi = S + MS_MODEL_SUMMARY_MAX * d;
  PetscCall(PetscCalloc1(2 * d, &sum));
  for (int64_t j = 0; j < d; j++) {
    lo[j] = PETSC_MAX_REAL;
    hi[j] = -PETSC_MAX_REAL;
  }
  for (int64_t i = 0; i < train->n_local; i++)
    for (int64_t j = 0; j < d; j++) {
      const double v = train->X[i * d + j];
      lo[j]          = PetscMin(lo[j], v);
      hi[j]          = PetscMax(hi[j], v);
      sum[j] += v;
    }
  if (train->y)
    for (int64_t i = 0; i < train->n_local; i++) {
      t[0] = PetscMin(t[0], train->y[i]);
      t[1] = PetscMin(t[1], -train->y[i]);
      t[2] += train->y[i];
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, lo, (int)d, MPI_DOUBLE, MPI_MIN, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hi, (int)d, MPI_DOUBLE, MPI_MAX, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum, (int)d, MPI_DOUBLE, MPI_SUM, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t[2], 1, MPI_DOUBLE, MPI_SUM, train->comm));
  for (int64_t j = 0; j < d; j++) finite = finite && isfinite(sum[j]) ? PETSC_TRUE : PETSC_FALSE;
  if (!finite || !isfinite(t[2])) {
    PetscErrorCode ierr = ms_dataset_check_finite(train, "training data");
    if (ierr) PetscCall(PetscFree(sum));
    PetscCall(ierr);
  }
  for (int64_t j = 0; j < d; j++) S[MS_MODEL_SUMMARY_MEAN * d + j] = sum[j] / (double)train->n_global;
  /* second pass about the mean: no cancellation for features far from zero */
  for (int64_t i = 0; i < train->n_local; i++)
    for (int64_t j = 0; j < d; j++) {
      double e = train->X[i * d + j] - S[MS_MODEL_SUMMARY_MEAN * d + j];
      sum[d + j] += e * e;
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sum + d, (int)d, MPI_DOUBLE, MPI_SUM, train->comm));
  for (int64_t j = 0; j < d; j++) S[MS_MODEL_SUMMARY_STD * d + j] = sqrt(sum[d + j] / (double)train->n_global);
  PetscCall(PetscFree(sum));
  m->target_min = m->target_max = NAN;
  if (train->y) {
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, t, 2, MPI_DOUBLE, MPI_MIN, train->comm));
    m->target_min = t[0];
    m->target_max = -t[1];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_fit(ms_model m, ms_dataset train)
{
  ms_dataset scaled;

  PetscFunctionBegin;
  if (train->n_global < 1 || train->n_features < 1)
    SETERRQ(train->comm, MS_ERR_USER, "model '%s': the training data is empty (%" PRId64 " rows, %" PRId64 " feature columns)",
            m->type, train->n_global, train->n_features);
  if (train->replicated) {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(train->comm, &size));
    /* Statistics are sums over ranks: replicated rows would be counted P times. */
    if (size > 1) SETERRQ(train->comm, MS_ERR_USER, "model '%s': fit needs row-sharded training data, not a replicated table "
                          "(build the rows with ms_dataset_select, or fit on PETSC_COMM_SELF)", m->type);
  }
  if (train->labels) m->task = MS_TASK_CLASSIFICATION;
  else if (train->y) m->task = MS_TASK_REGRESSION;
  else SETERRQ(train->comm, MS_ERR_USER, "model '%s': the training data has no target column (option -target)", m->type);
  if (m->task == MS_TASK_REGRESSION && !(m->supports & MS_MODEL_REGRESSION))
    SETERRQ(train->comm, MS_ERR_USER, "model '%s' does not do regression, but target '%s' is numeric; use a classifier or -task classification",
            m->type, train->target_name ? train->target_name : "?");
  if (m->task == MS_TASK_CLASSIFICATION && !(m->supports & MS_MODEL_CLASSIFICATION))
    SETERRQ(train->comm, MS_ERR_USER, "model '%s' does not do classification, but target '%s' has class labels; use a regressor or -task regression",
            m->type, train->target_name ? train->target_name : "?");
  m->fitted = PETSC_FALSE;
  PetscCall(ms_model_record(m, train)); /* frees the previous fit's names and summary */
  PetscCall(ms_model_summarize(m, train)); /* also the check for NaN and infinities */
  if (m->task == MS_TASK_CLASSIFICATION) {
    int64_t *count, present = 0, last = 0;
    PetscCall(PetscMalloc1(train->n_classes, &count));
    PetscCall(ms_model_class_counts(train, count));
    for (int64_t c = 0; c < train->n_classes; c++)
      if (count[c] > 0) { present++; last = c; }
    PetscCall(PetscFree(count));
    if (present < 2)
      SETERRQ(train->comm, MS_ERR_USER, "model '%s': the training rows of target '%s' hold a single class ('%s'); classification needs at least 2",
              m->type, train->target_name ? train->target_name : "?", present ? train->class_names[last] : "none");
  }
  PetscCall(ms_model_warn_constant(m, train));
  m->comm = train->comm;
  PetscCall(ms_scaler_fit(m->scaler, train));
  PetscCall(ms_model_scaled(m, train, &scaled));
  PetscCall(m->ops.fit(m, scaled));
  PetscCall(ms_model_scaled_free(train, &scaled));
  m->fitted       = PETSC_TRUE;
  m->n_train_rows = train->n_global;
  PetscFunctionReturn(0);
}

/* Same features, same order as at fit; finite values. */
static PetscErrorCode ms_model_check_input(ms_model m, ms_dataset X)
{
  const int64_t d = PetscMin(m->n_features, X->n_features);

  PetscFunctionBegin;
  if (!m->fitted) SETERRQ(X->comm, PETSC_ERR_ORDER, "model '%s' is used for prediction before it was fitted or loaded", m->type);
  for (int64_t j = 0; j < d && X->feature_names; j++)
    if (strcmp(m->feature_names[j], X->feature_names[j]))
      SETERRQ(X->comm, MS_ERR_USER, "feature column %" PRId64 " of the data is '%s' but the model was trained with '%s' there "
              "(same columns in the same order are required)", j + 1, X->feature_names[j], m->feature_names[j]);
  if (X->n_features > m->n_features)
    SETERRQ(X->comm, MS_ERR_USER, "the data has %" PRId64 " feature columns, the model %" PRId64 ": column '%s' is not a model feature "
            "(drop it with -ignore, or name a label column with -target)", X->n_features, m->n_features, X->feature_names ? X->feature_names[d] : "?");
  if (X->n_features < m->n_features)
    SETERRQ(X->comm, MS_ERR_USER, "the data has %" PRId64 " feature columns, the model %" PRId64 ": model feature '%s' is missing",
            X->n_features, m->n_features, m->feature_names[d]);
  PetscCall(ms_dataset_check_finite_features(X, "prediction data")); /* a label column is not needed here */
  if (X->labels && m->task == MS_TASK_CLASSIFICATION) {
    int64_t *lab;
    PetscCall(PetscMalloc1(X->n_local, &lab));
    PetscErrorCode ierr = ms_model_labels(m, X, lab);
    PetscCall(PetscFree(lab)); /* also when a class is unknown */
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_labels(ms_model m, ms_dataset X, int64_t *lab)
{
  int64_t *map, *count;

  PetscFunctionBegin;
  if (!X->labels) SETERRQ(X->comm, MS_ERR_USER, "the data has no class labels");
  PetscCall(PetscMalloc2(X->n_classes, &map, X->n_classes, &count));
  PetscCall(ms_model_class_counts(X, count));
  for (int64_t c = 0; c < X->n_classes; c++) {
    map[c] = -1;
    for (int64_t k = 0; k < m->n_classes; k++)
      if (!strcmp(X->class_names[c], m->class_names[k])) map[c] = k;
    if (map[c] < 0 && count[c] > 0) {
      int64_t n = count[c];
      PetscCall(PetscFree2(map, count));
      SETERRQ(X->comm, MS_ERR_USER, "class '%s' of target '%s' (%" PRId64 " rows) is unknown to model '%s', which was trained on %" PRId64
              " classes ('%s', ...)", X->class_names[c], X->target_name ? X->target_name : "?", n, m->type, m->n_classes,
              m->n_classes ? m->class_names[0] : "");
    }
  }
  for (int64_t i = 0; i < X->n_local; i++) lab[i] = map[X->labels[i]];
  PetscCall(PetscFree2(map, count));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_model_apply(ms_model m, ms_dataset X, ms_model_apply_fn fn, double *out)
{
  ms_dataset scaled;

  PetscFunctionBegin;
  PetscCall(ms_model_check_input(m, X));
  PetscCall(ms_model_scaled(m, X, &scaled));
  PetscCall(fn(m, scaled, out));
  PetscCall(ms_model_scaled_free(X, &scaled));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_apply_custom(ms_model m, ms_dataset X, ms_model_apply_fn fn, double *out)
{
  PetscFunctionBegin;
  if (!m->fitted) SETERRQ(m->comm, PETSC_ERR_ORDER, "model '%s': applied before fit", m->type);
  PetscCall(ms_model_apply(m, X, fn, out));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_predict(ms_model m, ms_dataset X, double *y)
{
  PetscFunctionBegin;
  PetscCall(ms_model_apply(m, X, m->ops.predict, y));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_predict_proba(ms_model m, ms_dataset X, double *P)
{
  PetscFunctionBegin;
  if (!ms_model_has_proba(m)) SETERRQ(X->comm, MS_ERR_USER, "model '%s' gives no class probabilities (it is not a fitted classifier)", m->type);
  PetscCall(ms_model_apply(m, X, m->ops.predict_proba, P));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_predict_std(ms_model m, ms_dataset X, double *std)
{
  PetscFunctionBegin;
  if (!ms_model_has_std(m)) SETERRQ(X->comm, MS_ERR_USER, "model '%s' gives no predictive standard deviation", m->type);
  PetscCall(ms_model_apply(m, X, m->ops.predict_std, std));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_predict_mean_std(ms_model m, ms_dataset X, double *y, double *std)
{
  ms_dataset scaled;

  PetscFunctionBegin;
  if (!ms_model_has_std(m)) SETERRQ(X->comm, MS_ERR_USER, "model '%s' gives no predictive standard deviation", m->type);
  if (!m->ops.predict_mean_std) {
    PetscCall(ms_model_predict(m, X, y));
    PetscCall(ms_model_predict_std(m, X, std));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_model_check_input(m, X));
  PetscCall(ms_model_scaled(m, X, &scaled));
  PetscCall(m->ops.predict_mean_std(m, scaled, y, std));
  PetscCall(ms_model_scaled_free(X, &scaled));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_predict_label_proba(ms_model m, ms_dataset X, double *y, double *P)
{
  ms_dataset scaled;

  PetscFunctionBegin;
  if (!ms_model_has_proba(m)) SETERRQ(X->comm, MS_ERR_USER, "model '%s' gives no class probabilities (it is not a fitted classifier)", m->type);
  if (!m->ops.predict_label_proba) {
    PetscCall(ms_model_predict(m, X, y));
    PetscCall(ms_model_predict_proba(m, X, P));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_model_check_input(m, X));
  PetscCall(ms_model_scaled(m, X, &scaled));
  PetscCall(m->ops.predict_label_proba(m, scaled, y, P));
  PetscCall(ms_model_scaled_free(X, &scaled));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_importances(ms_model m, int64_t *n_rows, double **imp)
{
  PetscFunctionBegin;
  if (!m->fitted) SETERRQ(m->comm, PETSC_ERR_ORDER, "model '%s': importances asked before fit", m->type);
  if (!m->ops.importances) SETERRQ(m->comm, MS_ERR_USER, "model '%s' has no feature importances", m->type);
  PetscCall(m->ops.importances(m, n_rows, imp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_view(ms_model m, PetscViewer v)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "model '%s' (%s), %s, %" PRId64 " features, target '%s', scaler %s, seed %llu\n", m->type,
                                   ms_task_names[m->task], m->fitted ? "fitted" : "not fitted", m->n_features,
                                   m->target_name ? m->target_name : "-", ms_scaler_type(m->scaler), (unsigned long long)m->seed));
  if (m->n_classes) {
    PetscCall(PetscViewerASCIIPrintf(v, "  classes:"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_FALSE));
    for (int64_t c = 0; c < m->n_classes; c++) PetscCall(PetscViewerASCIIPrintf(v, " %s", m->class_names[c]));
    PetscCall(PetscViewerASCIIPrintf(v, "\n"));
    PetscCall(PetscViewerASCIIUseTabs(v, PETSC_TRUE));
  }
  if (m->n_train_rows >= 0) PetscCall(PetscViewerASCIIPrintf(v, "  trained on %" PRId64 " rows\n", m->n_train_rows));
  if (m->cv.set) {
    PetscCall(PetscViewerASCIIPrintf(v, "  cross-validation (cv -refit): candidate '%s', %s %.6g +/- %.3g (mean +/- std over %" PRId64 " repeat(s) x %" PRId64
                                        " folds of %" PRId64 " rows)\n",
                                     m->cv.candidate, m->cv.metric, m->cv.mean, m->cv.std, m->cv.repeats, m->cv.folds, m->cv.n_rows));
    if (m->cv.grid_option[0]) PetscCall(PetscViewerASCIIPrintf(v, "  chosen grid value: %s %s\n", m->cv.grid_option, m->cv.grid_value));
  }
  if (m->ops.view && m->fitted) {
    PetscCall(PetscViewerASCIIPushTab(v));
    PetscCall(m->ops.view(m, v));
    PetscCall(PetscViewerASCIIPopTab(v));
  }
  if (m->ops.terms && m->fitted) {
    ms_model_terms t;
    PetscCall(ms_model_terms_get(m, &t));
    PetscCall(ms_model_terms_view(t, v));
    PetscCall(ms_model_terms_destroy(&t));
  }
  PetscFunctionReturn(0);
}

PetscBool ms_model_has_std(ms_model m) { return m->ops.predict_std ? PETSC_TRUE : PETSC_FALSE; }

PetscBool ms_model_has_proba(ms_model m)
{
  return (m->ops.predict_proba && m->task == MS_TASK_CLASSIFICATION) ? PETSC_TRUE : PETSC_FALSE;
}
