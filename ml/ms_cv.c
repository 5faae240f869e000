/* ms_cv.c - cross-validation tasks (candidate x repeat x fold) run in parallel.
 * See ms_validation.h for the placement rule and the reproducibility guarantee. */
#include "ms_validation.h"
#include "ms_error.h"
#include "ms_metrics.h"
#include "ms_log.h"
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
  double *yhat;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(test->n_local + 1, &yhat));
  PetscCall(ms_model_predict(m, test, yhat));
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
    if (ms_model_has_proba(m)) {
      double *P;
      PetscCall(PetscMalloc1(test->n_local * m->n_classes + 1, &P));
      PetscCall(ms_model_predict_proba(m, test, P));
      PetscCall(ms_metrics_log_loss(test->comm, test->n_local, m->n_classes, lab, P, &out[5]));
      PetscCall(PetscFree(P));
    }
    PetscCall(ms_classification_scores_free(&s));
    PetscCall(PetscFree2(lab, pred));
  }
  PetscCall(PetscFree(yhat));
  PetscFunctionReturn(0);
}

/* Fit candidate c on the rows with fold != k and score it on fold k, on comm. */
static PetscErrorCode ms_cv_task(ms_dataset rep, MPI_Comm comm, const ms_cv_candidate *c, const int *fold, int k, double *out)
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

PetscErrorCode ms_cv_run(ms_dataset ds, int n_candidates, const ms_cv_candidate *cand, const ms_cv_opts *o, ms_cv_result *res)
{
  ms_dataset  rep;
  PetscMPIInt rank, size;
  int        *fold;
  int64_t     n;
  int         T, M;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(res, sizeof *res));
  if (!ds->labels && !ds->y) SETERRQ(ds->comm, MS_ERR_USER, "cross-validation needs a target column (option -target)");
  if (o->repeats < 1) SETERRQ(ds->comm, MS_ERR_USER, "option -repeats must be >= 1, got %d", o->repeats);
  /* Here, with the table's row numbers, rather than in every fold with the fold's. */
  PetscCall(ms_dataset_check_finite(ds, "cross-validation data"));
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
  PetscCall(PetscMalloc1(n * o->repeats, &fold));
  for (int r = 0; r < o->repeats; r++)
    PetscCall(ms_validation_kfold(n, o->folds, o->seed, r, o->stratified, rep->labels, rep->n_classes, fold + r * n));

  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  if (T >= size) {
    ms_progress prog;
    int         done = 0;
    /* Progress as rank 0 sees its own share of the tasks (no communication while working). */
    PetscErrorCode lerr = 0, gerr;
    PetscCall(ms_progress_begin(ds->comm, "cross-validation (rank 0's tasks)", (T + size - 1) / size, &prog));
    for (int t = rank; t < T && !lerr; t += size) {
      const int c = t / (o->repeats * o->folds), r = (t / o->folds) % o->repeats, k = t % o->folds;
      /* A task fails on its own rank: stop taking tasks and agree below, so the job ends with
         one message (the lowest failing rank's) and no MPI_Abort. */
      lerr = ms_cv_task(rep, PETSC_COMM_SELF, &cand[c], fold + r * n, k, res->scores + (size_t)t * M);
      if (!lerr) PetscCall(ms_progress_update(&prog, ++done));
    }
    PetscCall(ms_error_agree(ds->comm, lerr, &gerr));
    if (gerr) return gerr; /* reported once by ms_error_agree */
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
    PetscErrorCode lerr, gerr;
    PetscCall(PetscMalloc1(M, &out));
    lerr = ms_cv_task(rep, sub, &cand[c], fold + r * n, k, out);
    PetscCall(ms_error_agree(ds->comm, lerr, &gerr));
    if (gerr) return gerr; /* reported once by ms_error_agree */
    if (!subrank) PetscCall(PetscArraycpy(res->scores + (size_t)t * M, out, M));
    PetscCall(PetscFree(out));
    PetscCallMPI(MPI_Comm_free(&sub));
  }
  /* Each score has exactly one writer and zeros elsewhere: the sum is exact. */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, res->scores, T * M, MPI_DOUBLE, MPI_SUM, ds->comm));
  PetscCall(ms_cv_summarise(res));
  PetscCall(PetscFree(fold));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cv_result_free(ms_cv_result *res)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(res->candidates));
  PetscCall(PetscFree3(res->scores, res->mean, res->std));
  PetscFunctionReturn(0);
}
