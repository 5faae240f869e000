/* cmd_inspect.c - `matscreen inspect`: what a saved model learned, named by feature
 * (library: ms_model_view, ms_model_terms_get in ml/ms_model.h). */
#include "ms_commands.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_report.h"

const char ms_cmd_inspect_help[] =
  "usage: matscreen inspect -model M.h5 [-output terms.csv]\n"
  "  Prints a model file written by `train` or `cv -refit`: type, task, features, scaler,\n"
  "  rows it was trained on, its cross-validation score when it came from `cv -refit`\n"
  "  (metric, mean +/- std, folds, rows, chosen grid value), and its parameters named by\n"
  "  feature: coefficients and intercepts (linear, ridge; logreg per class), impurity\n"
  "  importances (rf, tree), kernel amplitude, length scale per feature and noise (gpr).\n"
  "  Coefficients and length scales refer to the features after the model's scaler.\n"
  "  -output writes the parameters as CSV: kind,class,feature,value.\n";

PetscErrorCode ms_cmd_inspect(MPI_Comm comm)
{
  char           model[PETSC_MAX_PATH_LEN] = "", output[PETSC_MAX_PATH_LEN] = "";
  PetscBool      help;
  ms_model       m;
  ms_model_terms t;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen inspect options", NULL);
  PetscCall(PetscOptionsString("-model", "model file written by `matscreen train` or `cv -refit` (.h5)", NULL, model, model, sizeof model, NULL));
  PetscCall(PetscOptionsString("-output", "also write the parameters here (.csv: kind,class,feature,value)", NULL, output, output, sizeof output, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(model[0], comm, MS_ERR_USER, "missing required option -model (a model file from `matscreen train` or `cv -refit`)");

  PetscCall(ms_model_load(comm, model, &m));
  PetscCall(ms_log(comm, "inspect: %s\n", model));
  PetscCall(ms_model_view(m, PETSC_VIEWER_STDOUT_(comm)));
  if (!m->ops.terms) PetscCall(ms_log(comm, "inspect: model '%s' has no named parameters to list\n", m->type));
  if (output[0]) {
    char *inputs[1] = {model};
    PetscCall(ms_model_terms_get(m, &t));
    PetscCall(ms_report_terms(comm, t, output, 1, inputs));
    PetscCall(ms_log(comm, "inspect: %lld parameters written to %s\n", (long long)t->n, output));
    PetscCall(ms_model_terms_destroy(&t));
  }
  PetscCall(ms_model_destroy(&m));
  PetscFunctionReturn(0);
}
