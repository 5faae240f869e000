/* cmd_predict.c - `matscreen predict`: apply a saved model to a table. */
#include "ms_commands.h"
#include "ms_cmd_table.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_report.h"

const char ms_cmd_predict_help[] =
  "usage: matscreen predict -model model.h5 -data D -output pred.csv [-id COL] [-ignore a,b] [-target COL]\n"
  "  Writes one row per row of D: the id (with -id), `prediction` (value or class name),\n"
  "  `std` for models with a predictive standard deviation (gpr: posterior std; rf: the std\n"
  "  across the trees' predictions, a measure of their disagreement, not a calibrated\n"
  "  predictive std), and `p_<class>` per class for\n"
  "  classifiers. D must have the model's feature columns in the training order; drop\n"
  "  others with -ignore. -target names a label column to check (unknown classes fail).\n";

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
  PetscCall(PetscOptionsString("-model", "model file written by `matscreen train` (.h5)", NULL, model, model, sizeof model, NULL));
  PetscCall(ms_cmd_table_options(PetscOptionsObject, &t, "optional label/target column of the data (not a feature; checked against the model)"));
  PetscCall(PetscOptionsString("-output", "predictions to write (.csv)", NULL, output, output, sizeof output, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_cmd_table_free(&t));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0], comm, MS_ERR_USER, "missing required option -model (a model file from `matscreen train`)");
  PetscCheck(output[0], comm, MS_ERR_USER, "missing required option -output (the predictions CSV to write)");

  PetscCall(ms_model_load(comm, model, &m));
  if (t.target[0] && t.task == (PetscEnum)MS_TASK_AUTO) t.task = (PetscEnum)m->task;
  PetscCall(ms_cmd_table_load(comm, &t, PETSC_FALSE, &ds));
  PetscCall(PetscMalloc1(ds->n_local + 1, &y));
  PetscCall(ms_model_predict(m, ds, y));
  if (ms_model_has_std(m)) {
    PetscCall(PetscMalloc1(ds->n_local + 1, &std));
    PetscCall(ms_model_predict_std(m, ds, std));
  }
  if (ms_model_has_proba(m)) {
    PetscCall(PetscMalloc1(ds->n_local * m->n_classes + 1, &P));
    PetscCall(ms_model_predict_proba(m, ds, P));
  }
  {
    char *inputs[2] = {model, t.data};
    PetscCall(ms_report_predictions(m, ds, y, std, P, output, 2, inputs));
  }
  PetscCall(ms_log(comm, "predict: %s model from %s on %lld rows of %s; predictions written to %s\n", m->type, model,
                   (long long)ds->n_global, t.data, output));
  PetscCall(PetscFree(y));
  PetscCall(PetscFree(std));
  PetscCall(PetscFree(P));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_cmd_table_free(&t));
  PetscFunctionReturn(0);
}
