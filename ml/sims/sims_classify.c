/* sims_classify.c - cross-validated classification of spectra with peak importances averaged
 * over folds (Figure 4.19, Table 4.6C) and the nine-classifier comparison (Table 4.7).
 *
 * The folds are ms_validation_kfold(n, K, seed, repeat 0, stratified) on the replicated
 * table, exactly the folds ms_cv_run uses, so `-compare` scores every classifier on the
 * same splits as the default model. Fold k is fitted on rank k mod P (PETSC_COMM_SELF); the
 * per-fold scores, importances and out-of-fold classes are written by their one owner and
 * summed with MPI_Allreduce, so the result does not depend on the rank count. */
#include "ms_metrics.h"
#include "ms_sims.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_sims_classify_model(MPI_Comm comm, const ms_sims_classify_opts *o, ms_model *m)
{
  ms_cv_candidate c;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&c, sizeof c));
  PetscCall(PetscStrncpy(c.type, o->model, sizeof c.type));
  /* the scaler goes through the options database so it is checked like -scaler itself */
  if (o->scaler[0]) {
    PetscCall(PetscStrncpy(c.option, "-scaler", sizeof c.option));
    PetscCall(PetscStrncpy(c.value, o->scaler, sizeof c.value));
  }
  PetscCall(ms_cv_candidate_model(comm, &c, m));
  (*m)->seed = o->seed;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sims_classify_fold(ms_dataset rep, const ms_sims_classify_opts *o, const int *fold, int k, ms_sims_classify_result *r)
{
  const int64_t n = rep->n_global, d = rep->n_features;
  int64_t      *tr, *te, ntr = 0, nte = 0, rows, *lab, *pred;
  ms_dataset    train, test;
  ms_model      m;
  double       *yhat, *imp;
  ms_classification_scores s;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n, &tr, n, &te));
  for (int64_t i = 0; i < n; i++) {
    if (fold[i] == k) te[nte++] = i;
    else tr[ntr++] = i;
  }
  PetscCall(ms_dataset_select(rep, PETSC_COMM_SELF, ntr, tr, &train));
  PetscCall(ms_dataset_select(rep, PETSC_COMM_SELF, nte, te, &test));
  PetscCall(ms_sims_classify_model(PETSC_COMM_SELF, o, &m));
  PetscCall(ms_model_fit(m, train));
  PetscCall(PetscMalloc3(nte + 1, &yhat, nte + 1, &lab, nte + 1, &pred));
  PetscCall(ms_model_predict(m, test, yhat));
  PetscCall(ms_model_labels(m, test, lab));
  for (int64_t i = 0; i < nte; i++) {
    pred[i]             = (int64_t)llround(yhat[i]);
    r->oof_pred[te[i]] = pred[i];
  }
  PetscCall(ms_metrics_classification(PETSC_COMM_SELF, nte, m->n_classes, lab, pred, &s));
  r->accuracy[k] = s.accuracy;
  r->f1[k]       = s.f1_macro;
  PetscCall(ms_classification_scores_free(&s));
  PetscCall(ms_model_importances(m, &rows, &imp));
  PetscCheck(rows >= 1 && rows <= r->n_classes, PETSC_COMM_SELF, PETSC_ERR_PLIB, "sims classify: fold %d gave %lld importance rows", k,
             (long long)rows);
  r->imp_rows = rows;
  for (int64_t q = 0; q < rows * d; q++) r->importance[q] += imp[q] / r->folds;
  PetscCall(PetscFree(imp));
  PetscCall(PetscFree3(yhat, lab, pred));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&train));
  PetscCall(ms_dataset_destroy(&test));
  PetscCall(PetscFree2(tr, te));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_classify(ms_dataset ds, const ms_sims_classify_opts *o, ms_sims_classify_result *r)
{
  ms_dataset  rep;
  PetscMPIInt rank, size;
  const int   K = o->folds;

  PetscFunctionBeginUser;
  PetscCheck(K >= 2, ds->comm, MS_ERR_USER, "sims classify: -folds must be >= 2, got %d", K);
  PetscCheck(ds->labels && ds->n_classes >= 2, ds->comm, MS_ERR_USER, "sims classify: needs at least 2 classes");
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  PetscCallMPI(MPI_Comm_size(ds->comm, &size));
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCall(ms_dataset_allgather(ds, &rep));
  r->folds     = K;
  r->n         = rep->n_global;
  r->n_classes = rep->n_classes;
  r->d         = rep->n_features;
  r->top       = PetscMin(o->top, r->d);
  /* fail before any fit when the model cannot rank peaks */
  {
    ms_model probe;
    PetscCall(ms_sims_classify_model(PETSC_COMM_SELF, o, &probe));
    PetscCheck(probe->ops.importances, ds->comm, MS_ERR_USER, "sims classify: model '%s' has no feature importances to rank peaks by",
               o->model);
    PetscCall(ms_model_destroy(&probe));
  }
  PetscCall(PetscMalloc1(r->n, &r->fold));
  PetscCall(ms_validation_kfold(r->n, K, o->seed, 0, PETSC_TRUE, rep->labels, rep->n_classes, r->fold));
  PetscCall(PetscCalloc3(K, &r->accuracy, K, &r->f1, r->n, &r->oof_pred));
  /* per-class rows (logistic regression) or one row (impurity importances): at most
     n_classes rows; the folds tell which */
  PetscCall(PetscCalloc1(r->n_classes * r->d, &r->importance));
  for (int k = rank; k < K; k += size) PetscCall(ms_sims_classify_fold(rep, o, r->fold, k, r));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &r->imp_rows, 1, MPI_INT64_T, MPI_MAX, ds->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r->accuracy, K, MPI_DOUBLE, MPI_SUM, ds->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r->f1, K, MPI_DOUBLE, MPI_SUM, ds->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r->oof_pred, (int)r->n, MPI_INT64_T, MPI_SUM, ds->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r->importance, (int)(r->n_classes * r->d), MPI_DOUBLE, MPI_SUM, ds->comm));
  for (int k = 0; k < K; k++) {
    r->mean_accuracy += r->accuracy[k] / K;
    r->mean_f1 += r->f1[k] / K;
  }
  for (int k = 0; k < K; k++) {
    r->std_accuracy += PetscSqr(r->accuracy[k] - r->mean_accuracy) / K;
    r->std_f1 += PetscSqr(r->f1[k] - r->mean_f1) / K;
  }
  r->std_accuracy = sqrt(r->std_accuracy);
  r->std_f1       = sqrt(r->std_f1);
  PetscCall(PetscMalloc1(r->imp_rows * r->top + 1, &r->top_peaks));
  {
    double *v;
    PetscCall(PetscMalloc1(r->d, &v));
    for (int64_t c = 0; c < r->imp_rows; c++) {
      for (int64_t j = 0; j < r->d; j++) v[j] = o->abs_importance ? fabs(r->importance[c * r->d + j]) : r->importance[c * r->d + j];
      PetscCall(ms_sims_top_indices(r->d, v, r->top, r->top_peaks + c * r->top));
    }
    PetscCall(PetscFree(v));
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_classify_result_free(ms_sims_classify_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->fold));
  PetscCall(PetscFree3(r->accuracy, r->f1, r->oof_pred));
  PetscCall(PetscFree(r->importance));
  PetscCall(PetscFree(r->top_peaks));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_compare(ms_dataset ds, const ms_sims_classify_opts *o, ms_cv_result *res)
{
  /* Table 4.7's models at library defaults; SVC twice, by kernel */
  static const char *const types[9][3] = {
    {"logreg", "", ""},      {"svm", "-svm_kernel", "rbf"}, {"svm", "-svm_kernel", "linear"}, {"knn", "", ""}, {"tree", "", ""},
    {"rf", "", ""},          {"adaboost", "", ""},          {"gnb", "", ""},                   {"mlp", "", ""}};
  ms_cv_candidate cand[9];
  ms_cv_opts      co = {o->folds, 1, o->seed, PETSC_TRUE, PETSC_FALSE};
  char            old[256];
  PetscBool       had = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(cand, sizeof cand));
  for (int c = 0; c < 9; c++) {
    PetscCall(PetscStrncpy(cand[c].type, types[c][0], sizeof cand[c].type));
    PetscCall(PetscStrncpy(cand[c].option, types[c][1], sizeof cand[c].option));
    PetscCall(PetscStrncpy(cand[c].value, types[c][2], sizeof cand[c].value));
    PetscCall(PetscSNPrintf(cand[c].label, sizeof cand[c].label, "%s%s%s", types[c][0], types[c][2][0] ? "_" : "", types[c][2]));
  }
  /* every candidate reads -scaler and -seed from the database: set them for the comparison
     and restore the user's values after */
  if (o->scaler[0]) {
    PetscCall(PetscOptionsGetString(NULL, NULL, "-scaler", old, sizeof old, &had));
    PetscCall(PetscOptionsSetValue(NULL, "-scaler", o->scaler));
  }
  PetscCall(ms_cv_run(ds, 9, cand, &co, res));
  if (o->scaler[0]) {
    if (had) PetscCall(PetscOptionsSetValue(NULL, "-scaler", old));
    else PetscCall(PetscOptionsClearValue(NULL, "-scaler"));
  }
  PetscFunctionReturn(0);
}
