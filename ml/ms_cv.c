/* ms_cv.c - cross-validation tasks (candidate x repeat x fold) run in parallel.
 * See ms_validation.h for the placement rule and the reproducibility guarantee. */
#include "ms_validation.h"
#include "ms_metrics.h"
#include "ms_log.h"
#include <limits.h>
#include <math.h>
#include <string.h>

static const char *const ms_cv_reg_metrics[] = {"r2", "rmse", "mae", "mse"};
static const PetscBool   ms_cv_reg_higher[]  = {PETSC_TRUE, PETSC_FALSE, PETSC_FALSE, PETSC_FALSE};
static const char *const ms_cv_cls_metrics[] = {"accuracy", "precision_macro", "recall_macro", "f1_macro", "f1_weighted", "log_loss"};
static const PetscBool   ms_cv_cls_higher[]  = {PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_TRUE, PETSC_FALSE};

PetscErrorCode ms_validation_metrics(ms_task task, int *n, const char *const **names, const PetscBool **higher_better)
{
  PetscFunctionBegin;
  *n     = task == MS_TASK_CLASSIFICATION ? 6 : 4;
  *names = task == MS_TASK_CLASSIFICATION ? ms_cv_cls_metrics : ms_cv_reg_metrics;
  if (higher_better) *higher_better = task == MS_TASK_CLASSIFICATION ? ms_cv_cls_higher : ms_cv_reg_higher;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_validation_score(ms_model m, ms_dataset test, double *out)
{
  double *yhat, *P = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(test->n_local + 1, &yhat));
  /* A classifier with probabilities gives labels and probabilities in one call (k-NN then
     searches the neighbours once, not once for the labels and again for the log loss). */
  if (m->task == MS_TASK_CLASSIFICATION && ms_model_has_proba(m)) {
    PetscCall(PetscMalloc1(test->n_local * m->n_classes + 1, &P));
    PetscCall(ms_model_predict_label_proba(m, test, yhat, P));
  } else PetscCall(ms_model_predict(m, test, yhat));
  if (m->task == MS_TASK_REGRESSION) {
    ms_regression_scores s;
    PetscCall(ms_metrics_regression(test->comm, test->n_local, test->y, yhat, &s));
    out[0] = s.r2; out[1] = s.rmse; out[2] = s.mae; out[3] = s.mse;
  } else {
    ms_classification_scores s;
    int64_t                 *lab, *pred;
    PetscCall(PetscMalloc2(test->n_local + 1, &lab, test->n_local + 1, &pred));
    PetscCall(ms_model_labels(m, test, lab));
    for (int64_t i = 0; i < test->n_local; i++) pred[i] = (int64_t)llround(yhat[i]);
    PetscCall(ms_metrics_classification(test->comm, test->n_local, m->n_classes, lab, pred, &s));
    out[0] = s.accuracy; out[1] = s.precision_macro; out[2] = s.recall_macro; out[3] = s.f1_macro; out[4] = s.f1_weighted;
    out[5] = NAN;
    if (P) PetscCall(ms_metrics_log_loss(test->comm, test->n_local, m->n_classes, lab, P, &out[5]));
    PetscCall(ms_classification_scores_free(&s));
    PetscCall(PetscFree2(lab, pred));
  }
  PetscCall(PetscFree(P));
  PetscCall(PetscFree(yhat));
  PetscFunctionReturn(0);
}

/* Out-of-fold predictions of fitted m on test (rows te of rep): each rank stores its own
 * rows at their global positions; a class is stored as its index in rep's class list (a
 * fold's model may know fewer classes). */
static PetscErrorCode ms_cv_store_oof(ms_model m, ms_dataset rep, ms_dataset test, const int64_t *te, double *pred, double *std)
{
  double *y, *s = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(test->n_local + 1, &y));
  PetscCall(ms_model_predict(m, test, y));
  if (ms_model_has_std(m)) {
    PetscCall(PetscMalloc1(test->n_local + 1, &s));
    PetscCall(ms_model_predict_std(m, test, s));
  }
  for (int64_t i = 0; i < test->n_local; i++) {
    const int64_t row = te[test->row_start + i];
    double        v   = y[i];
    if (m->task == MS_TASK_CLASSIFICATION) {
      const char *name = m->class_names[(int64_t)llround(y[i])];
      for (int64_t c = 0; c < rep->n_classes; c++)
        if (!strcmp(rep->class_names[c], name)) v = (double)c;
    }
    pred[row] = v;
    std[row]  = s ? s[i] : NAN;
  }
  PetscCall(PetscFree(y));
  PetscCall(PetscFree(s));
  PetscFunctionReturn(0);
}

/* Fit candidate c on the rows with fold != k and score it on fold k, on comm; with pred/std
 * (n entries each, or NULL) also keep its predictions of fold k. */
static PetscErrorCode ms_cv_task(ms_dataset rep, MPI_Comm comm, const ms_cv_candidate *c, const int *fold, int k, double *out, double *pred,
                                 double *std)
{
  const int64_t n = rep->n_global;
  int64_t      *tr, *te, ntr = 0, nte = 0;
  ms_dataset    train, test;
  ms_model      m;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(n, &tr, n, &te));
  for (int64_t i = 0; i < n; i++) {
    if (fold[i] == k) te[nte++] = i;
    else tr[ntr++] = i;
  }
  PetscCall(ms_dataset_select(rep, comm, ntr, tr, &train));
  PetscCall(ms_dataset_select(rep, comm, nte, te, &test));
  PetscCall(ms_cv_candidate_model(comm, c, &m));
  PetscCall(ms_model_fit(m, train));
  PetscCall(ms_validation_score(m, test, out));
  if (pred) PetscCall(ms_cv_store_oof(m, rep, test, te, pred, std));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&train));
  PetscCall(ms_dataset_destroy(&test));
  PetscCall(PetscFree2(tr, te));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_cv_summarise(ms_cv_result *res)
{
  const int M = res->n_metrics, F = res->repeats * res->folds;

  PetscFunctionBegin;
  for (int c = 0; c < res->n_candidates; c++)
    for (int j = 0; j < M; j++) {
      double s = 0.0, v = 0.0, mean;
      for (int f = 0; f < F; f++) s += res->scores[(c * F + f) * M + j];
      mean = s / F;
      for (int f = 0; f < F; f++) v += PetscSqr(res->scores[(c * F + f) * M + j] - mean);
      res->mean[c * M + j] = mean;
      res->std[c * M + j]  = sqrt(v / F);
    }
  res->best = 0;
  for (int c = 1; c < res->n_candidates; c++)
    if (res->mean[c * M] > res->mean[res->best * M]) res->best = c;
  PetscFunctionReturn(0);
}

/* Gather the out-of-fold predictions on rank 0 (each has exactly one writer, zeros elsewhere,
 * so a sum is exact; NaN std comes only from its writer), score the pooled predictions of
 * every (candidate, repeat), and keep what the OOF table needs. Takes fold, oof_p, oof_s. */
static PetscErrorCode ms_cv_oof_finish(ms_dataset rep, const ms_cv_opts *o, ms_cv_result *res, int *fold, double *oof_p, double *oof_s)
{
  const int64_t n = rep->n_global;
  const int     C = res->n_candidates, R = o->repeats, M = res->n_metrics;
  const int     len = (int)((size_t)C * R * n);
  PetscMPIInt   rank;
  ms_cv_oof    *f = &res->oof;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(rep->comm, &rank));
  PetscCallMPI(MPI_Reduce(rank ? oof_p : MPI_IN_PLACE, oof_p, len, MPI_DOUBLE, MPI_SUM, 0, rep->comm));
  PetscCallMPI(MPI_Reduce(rank ? oof_s : MPI_IN_PLACE, oof_s, len, MPI_DOUBLE, MPI_SUM, 0, rep->comm));
  PetscCall(PetscCalloc1((size_t)C * M, &res->oof_scores));
  if (rank) {
    PetscCall(PetscFree2(oof_p, oof_s));
    PetscCall(PetscFree(fold));
  } else {
    f->n    = n;
    f->fold = fold;
    f->pred = oof_p;
    f->std  = oof_s;
    PetscCall(PetscMalloc1(n + 1, &f->y_true));
    for (int64_t i = 0; i < n; i++) f->y_true[i] = rep->labels ? (double)rep->labels[i] : rep->y[i];
    f->n_classes = rep->labels ? rep->n_classes : 0;
    if (f->n_classes) {
      PetscCall(PetscMalloc1(f->n_classes, &f->class_names));
      for (int64_t c = 0; c < f->n_classes; c++) PetscCall(PetscStrallocpy(rep->class_names[c], &f->class_names[c]));
    }
    if (rep->ids) {
      PetscCall(PetscStrallocpy(rep->id_name ? rep->id_name : "id", &f->id_name));
      PetscCall(PetscMalloc1(n, &f->ids));
      for (int64_t i = 0; i < n; i++) PetscCall(PetscStrallocpy(rep->ids[i], &f->ids[i]));
    }
    for (size_t i = 0; i < (size_t)len; i++) f->any_std = (PetscBool)(f->any_std || !isnan(oof_s[i]));
    /* Pooled scores on this rank alone (PETSC_COMM_SELF): the rows are all here. */
    for (int c = 0; c < C; c++)
      for (int r = 0; r < R; r++) {
        const double *p = oof_p + ((size_t)c * R + r) * n;
        if (!rep->labels) {
          ms_regression_scores s;
          PetscCall(ms_metrics_regression(PETSC_COMM_SELF, n, rep->y, p, &s));
          res->oof_scores[c * M + 0] += s.r2 / R;
          res->oof_scores[c * M + 1] += s.rmse / R;
          res->oof_scores[c * M + 2] += s.mae / R;
          res->oof_scores[c * M + 3] += s.mse / R;
        } else {
          ms_classification_scores s;
          int64_t                 *yp;
          PetscCall(PetscMalloc1(n + 1, &yp));
          for (int64_t i = 0; i < n; i++) yp[i] = (int64_t)llround(p[i]);
          PetscCall(ms_metrics_classification(PETSC_COMM_SELF, n, rep->n_classes, rep->labels, yp, &s));
          res->oof_scores[c * M + 0] += s.accuracy / R;
          res->oof_scores[c * M + 1] += s.precision_macro / R;
          res->oof_scores[c * M + 2] += s.recall_macro / R;
          res->oof_scores[c * M + 3] += s.f1_macro / R;
          res->oof_scores[c * M + 4] += s.f1_weighted / R;
          res->oof_scores[c * M + 5] = NAN;
          PetscCall(ms_classification_scores_free(&s));
          PetscCall(PetscFree(yp));
        }
      }
  }
  PetscCallMPI(MPI_Bcast(res->oof_scores, C * M, MPI_DOUBLE, 0, rep->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cv_run(ms_dataset ds, int n_candidates, const ms_cv_candidate *cand, const ms_cv_opts *o, ms_cv_result *res)
{
  ms_dataset  rep;
  PetscMPIInt rank, size;
  int        *fold;
  int64_t     n;
  int         T, M;
  double     *oof_p = NULL, *oof_s = NULL;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(res, sizeof *res));
  if (!ds->labels && !ds->y) SETERRQ(ds->comm, MS_ERR_USER, "cross-validation needs a target column (option -target)");
  if (o->repeats < 1) SETERRQ(ds->comm, MS_ERR_USER, "option -repeats must be >= 1, got %d", o->repeats);
  res->task          = ds->labels ? MS_TASK_CLASSIFICATION : MS_TASK_REGRESSION;
  PetscCall(ms_validation_metrics(res->task, &res->n_metrics, &res->metric_names, &res->higher_better));
  M                  = res->n_metrics;
  res->n_candidates  = n_candidates;
  res->repeats       = o->repeats;
  res->folds         = o->folds;
  T                  = n_candidates * o->repeats * o->folds;
  PetscCall(PetscMalloc1(n_candidates, &res->candidates));
  PetscCall(PetscArraycpy(res->candidates, cand, n_candidates));
  PetscCall(PetscCalloc3(T * M, &res->scores, n_candidates * M, &res->mean, n_candidates * M, &res->std));

  /* Every candidate must handle the task: fail here, on all ranks together, rather than
     inside a task on one rank. */
  for (int c = 0; c < n_candidates; c++) {
    ms_model probe;
    PetscCall(ms_model_create(PETSC_COMM_SELF, cand[c].type, &probe));
    const int need = res->task == MS_TASK_REGRESSION ? MS_MODEL_REGRESSION : MS_MODEL_CLASSIFICATION, has = probe->supports;
    PetscCall(ms_model_destroy(&probe));
    if (!(has & need))
      SETERRQ(ds->comm, MS_ERR_USER, "model '%s' (in -models) does not do %s, which target '%s' needs", cand[c].type,
              ms_task_names[res->task], ds->target_name ? ds->target_name : "?");
  }
  PetscCall(ms_dataset_allgather(ds, &rep));
  n = rep->n_global;
  if (o->keep_oof) {
    const size_t len = (size_t)n_candidates * o->repeats * n;
    PetscCheck(len < (size_t)INT_MAX, ds->comm, PETSC_ERR_SUP, "out-of-fold predictions: %zu values exceed one MPI message", len);
    PetscCall(PetscCalloc2(len, &oof_p, len, &oof_s));
  }
  PetscCall(PetscMalloc1(n * o->repeats, &fold));
  for (int r = 0; r < o->repeats; r++)
    PetscCall(ms_validation_kfold(n, o->folds, o->seed, r, o->stratified, rep->labels, rep->n_classes, fold + r * n));

  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  if (T >= size) {
    ms_progress prog;
    int         done = 0;
    /* Progress as rank 0 sees its own share of the tasks (no communication while working). */
    PetscCall(ms_progress_begin(ds->comm, "cross-validation (rank 0's tasks)", (T + size - 1) / size, &prog));
    for (int t = rank; t < T; t += size) {
      const int c = t / (o->repeats * o->folds), r = (t / o->folds) % o->repeats, k = t % o->folds;
      const size_t at = ((size_t)c * o->repeats + r) * n;
      PetscCall(ms_cv_task(rep, PETSC_COMM_SELF, &cand[c], fold + r * n, k, res->scores + (size_t)t * M, oof_p ? oof_p + at : NULL,
                           oof_p ? oof_s + at : NULL));
      PetscCall(ms_progress_update(&prog, ++done));
    }
    PetscCall(ms_progress_end(&prog));
  } else {
    /* Fewer tasks than ranks: contiguous rank groups, one per task. */
    MPI_Comm    sub;
    PetscMPIInt subrank;
    const int   t = (int)(((int64_t)rank * T) / size);
    const int   c = t / (o->repeats * o->folds), r = (t / o->folds) % o->repeats, k = t % o->folds;
    double     *out;
    PetscCallMPI(MPI_Comm_split(ds->comm, t, rank, &sub));
    PetscCallMPI(MPI_Comm_rank(sub, &subrank));
    PetscCall(PetscMalloc1(M, &out));
    const size_t at = ((size_t)c * o->repeats + r) * n;
    PetscCall(ms_cv_task(rep, sub, &cand[c], fold + r * n, k, out, oof_p ? oof_p + at : NULL, oof_p ? oof_s + at : NULL));
    if (!subrank) PetscCall(PetscArraycpy(res->scores + (size_t)t * M, out, M));
    PetscCall(PetscFree(out));
    PetscCallMPI(MPI_Comm_free(&sub));
  }
  /* Each score has exactly one writer and zeros elsewhere: the sum is exact. */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, res->scores, T * M, MPI_DOUBLE, MPI_SUM, ds->comm));
  PetscCall(ms_cv_summarise(res));
  res->n_rows = n;
  if (o->keep_oof) PetscCall(ms_cv_oof_finish(rep, o, res, fold, oof_p, oof_s));
  else PetscCall(PetscFree(fold));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cv_result_free(ms_cv_result *res)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(res->candidates));
  PetscCall(PetscFree3(res->scores, res->mean, res->std));
  PetscCall(PetscFree(res->oof_scores));
  PetscCall(PetscFree(res->oof.fold));
  PetscCall(PetscFree2(res->oof.pred, res->oof.std));
  PetscCall(PetscFree(res->oof.y_true));
  for (int64_t c = 0; c < res->oof.n_classes; c++) PetscCall(PetscFree(res->oof.class_names[c]));
  PetscCall(PetscFree(res->oof.class_names));
  for (int64_t i = 0; res->oof.ids && i < res->oof.n; i++) PetscCall(PetscFree(res->oof.ids[i]));
  PetscCall(PetscFree(res->oof.ids));
  PetscCall(PetscFree(res->oof.id_name));
  PetscFunctionReturn(0);
}
