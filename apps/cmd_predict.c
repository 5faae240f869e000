/* cmd_predict.c - `matscreen predict`: apply a saved model to a table (and score it when the
 * table holds the target). */
#include "ms_commands.h"
#include "ms_cmd_table.h"
#include "ms_log.h"
#include "ms_metrics.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_report.h"
#include <math.h>
#include <string.h>

const char ms_cmd_predict_help[] =
  "usage: matscreen predict -model model.h5 -data D -output pred.csv [-id COL] [-target COL] [-features a,b]\n"
  "  Writes one row per row of D: the id (with -id), `prediction` (value or class name),\n"
  "  `std` for models with a predictive standard deviation (gpr: posterior std; rf: the std\n"
  "  across the trees' predictions, a measure of their disagreement, not a calibrated\n"
  "  predictive std), and `p_<class>` per class for\n"
  "  classifiers. The model's feature columns are taken from D by name (other columns are\n"
  "  not read). When D holds the target (-target, or the model's target column found in D)\n"
  "  the score is printed: r2, rmse and mae over the rows with a finite target for\n"
  "  regression, accuracy for classification (unknown classes fail).\n";

/* Score of the predictions y against the table's target: regression on the rows whose target is
   finite (inf tau = not percolating has no error to measure), classification on every row. */
static PetscErrorCode predict_score(MPI_Comm comm, ms_model m, ms_dataset ds, const double *y, const char *data)
{
  PetscFunctionBegin;
  if (ds->y && m->task == MS_TASK_REGRESSION) {
    double *yt, *yp;
    int64_t k = 0, skipped;
    ms_regression_scores s;
    PetscCall(PetscMalloc2(ds->n_local + 1, &yt, ds->n_local + 1, &yp));
    for (int64_t i = 0; i < ds->n_local; i++)
      if (isfinite(ds->y[i])) { yt[k] = ds->y[i]; yp[k++] = y[i]; }
    PetscCall(ms_metrics_regression(comm, k, yt, yp, &s));
    skipped = ds->n_global - s.n;
    PetscCall(PetscFree2(yt, yp));
    if (s.n > 0)
      PetscCall(ms_log(comm, "predict: score against target '%s' of %s on %lld rows%s: r2 %.6g, rmse %.6g, mae %.6g\n", ds->target_name, data,
                       (long long)s.n, skipped ? " with a finite target" : "", s.r2, s.rmse, s.mae));
    if (skipped) PetscCall(ms_log(comm, "predict: %lld rows with a missing or non-finite target are not scored\n", (long long)skipped));
  } else if (ds->labels && m->task == MS_TASK_CLASSIFICATION) {
    int64_t *yt, *yp;
    ms_classification_scores s;
    PetscCall(PetscMalloc2(ds->n_local + 1, &yt, ds->n_local + 1, &yp));
    PetscCall(ms_model_labels(m, ds, yt));
    for (int64_t i = 0; i < ds->n_local; i++) yp[i] = (int64_t)y[i];
    PetscCall(ms_metrics_classification(comm, ds->n_local, m->n_classes, yt, yp, &s));
    PetscCall(ms_log(comm, "predict: score against target '%s' of %s on %lld rows: accuracy %.6g, f1_macro %.6g\n", ds->target_name, data,
                     (long long)s.n, s.accuracy, s.f1_macro));
    PetscCall(ms_classification_scores_free(&s));
    PetscCall(PetscFree2(yt, yp));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_predict(MPI_Comm comm)
{
  ms_cmd_table t = {0};
  char         model[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "";
  PetscBool    help;
  ms_model     m;
  ms_dataset   ds;
  double      *y, *std = NULL, *P = NULL;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen predict options", NULL);
  PetscCall(ms_options_group(PetscOptionsObject, "Model"));
  PetscCall(PetscOptionsString("-model", "model file written by `matscreen train` or `cv -refit` (.h5)", NULL, model, model, sizeof model, NULL));
  PetscCall(ms_cmd_table_options(PetscOptionsObject, &t, "target column of the data, for the score (default: the model's target, if present)"));
  PetscCall(ms_options_group(PetscOptionsObject, "Output"));
  PetscCall(PetscOptionsString("-output", "predictions to write (.csv)", NULL, output, output, sizeof output, NULL));
  PetscOptionsEnd();
  t.who = "predict";
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_cmd_table_free(&t));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0], comm, MS_ERR_USER, "missing required option -model (a model file from `matscreen train`)");
  PetscCheck(output[0], comm, MS_ERR_USER, "missing required option -output (the predictions CSV to write)");

  PetscCall(ms_model_load(comm, model, &m));
  if (!t.target[0] && m->target_name) { /* score when the table holds the model's target */
    ms_table_columns cols;
    PetscCall(ms_dataset_columns(comm, t.data[0] ? t.data : "", &cols));
    for (int j = 0; j < cols.n; j++)
      if (!strcmp(cols.names[j], m->target_name)) PetscCall(PetscStrncpy(t.target, m->target_name, sizeof t.target));
    PetscCall(ms_table_columns_free(&cols));
  }
  if (t.target[0] && t.task == (PetscEnum)MS_TASK_AUTO) t.task = (PetscEnum)m->task;
  t.target_keep_nonfinite = PETSC_TRUE; /* rows without a finite target are still predicted */
  t.features_source       = "the model's features";
  PetscCall(ms_cmd_table_set_features(&t, (int)m->n_features, m->feature_names));
  PetscCall(ms_cmd_table_load(comm, &t, PETSC_FALSE, &ds));
  PetscCall(PetscMalloc1(ds->n_local + 1, &y));
  double t_predict = MPI_Wtime(); /* the model's own work, reported for benchmarks/ml */
  PetscCall(ms_model_predict(m, ds, y));
  if (ms_model_has_std(m)) {
    PetscCall(PetscMalloc1(ds->n_local + 1, &std));
    PetscCall(ms_model_predict_std(m, ds, std));
  }
  if (ms_model_has_proba(m)) {
    PetscCall(PetscMalloc1(ds->n_local * m->n_classes + 1, &P));
    PetscCall(ms_model_predict_proba(m, ds, P));
  }
  t_predict = MPI_Wtime() - t_predict;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t_predict, 1, MPI_DOUBLE, MPI_MAX, comm));
  {
    char *inputs[2] = {model, t.data};
    PetscCall(ms_report_predictions(m, ds, y, std, P, output, 2, inputs));
  }
  PetscCall(ms_log(comm, "predict: %s model from %s on %lld rows of %s in %.6g s; predictions written to %s\n", m->type, model,
                   (long long)ds->n_global, t.data, t_predict, output));
  PetscCall(predict_score(comm, m, ds, y, t.data));
  PetscCall(PetscFree(y));
  PetscCall(PetscFree(std));
  PetscCall(PetscFree(P));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_cmd_table_free(&t));
  PetscFunctionReturn(0);
}
