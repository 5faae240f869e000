/* cmd_train.c - `matscreen train`: fit one model on a table and save it. */
#include "ms_commands.h"
#include "ms_cmd_table.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_options.h"
#include "ms_validation.h"
#include <time.h>

/* CPU seconds of this process, all its threads (getrusage's tick-sampled figure is too
   coarse for fits of a few tens of milliseconds). */
static double ms_train_cpu_seconds(void)
{
  struct timespec t;
  return clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) ? 0.0 : (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

const char ms_cmd_train_help[] =
  "usage: matscreen train -data D -target COL -model NAME [-task regression|classification] -output model.h5\n"
  "                       [-id COL] [-ignore a,b] [-features a,b] [-nan_policy omit] [-scaler TYPE] [-seed S]\n"
  "                       [-model_view] [-<model>_<option> ...]\n"
  "  Fits the model on every row of D (CSV or HDF5; a text target gives class names) and\n"
  "  writes it to one HDF5 file for `matscreen predict`. On a label campaign table\n"
  "  (-data labels.h5:/labels) the features are the generator parameters unless -features\n"
  "  says otherwise, and -nan_policy omit drops the non-percolating rows (tau = inf).\n"
  "  `matscreen train -model NAME -help` adds the model's own options to this list.\n";

PetscErrorCode ms_cmd_train(MPI_Comm comm)
{
  ms_cmd_table t = {0};
  char         model[32] = "", output[PETSC_MAX_PATH_LEN] = "";
  PetscBool    help, view = PETSC_FALSE;
  ms_model     m = NULL;
  ms_dataset   ds;
  double       scores[8], t0, c1;
  int          n_metrics;
  const char *const *names;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen train options", NULL);
  PetscCall(ms_cmd_table_options(PetscOptionsObject, &t, "column to learn (numbers: regression; text: class names)"));
  PetscCall(ms_options_group(PetscOptionsObject, "Model"));
  PetscCall(PetscOptionsString("-model", "model type (see the list of models below)", NULL, model, model, sizeof model, NULL));
  PetscCall(ms_options_group(PetscOptionsObject, "Output"));
  PetscCall(PetscOptionsString("-output", "model file to write (.h5)", NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsBool("-model_view", "print the fitted model: coefficients, importances or kernel hyperparameters by feature", NULL, view, &view, NULL));
  PetscOptionsEnd();
  t.who = "train";
  /* The model's options are read now too, so -help lists them and misspellings fail early. */
  if (model[0]) {
    PetscCall(ms_model_create(comm, model, &m));
    PetscCall(ms_model_set_from_options(m));
  }
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    if (!m) PetscCall(ms_cmd_models_help(comm, "-model NAME; `matscreen train -model NAME -help` adds its options"));
    PetscCall(ms_model_destroy(&m));
    PetscCall(ms_cmd_table_free(&t));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(m, comm, MS_ERR_USER, "missing required option -model (e.g. -model ridge)");
  PetscCheck(output[0], comm, MS_ERR_USER, "missing required option -output (the model file to write, .h5)");

  PetscCall(ms_cmd_table_load(comm, &t, PETSC_TRUE, &ds));
  t0 = MPI_Wtime();
  c1 = ms_train_cpu_seconds();
  PetscCall(ms_model_fit(m, ds));
  c1 = ms_train_cpu_seconds() - c1;
  t0 = MPI_Wtime() - t0;
  /* CPU seconds of the fit summed over the ranks (BLAS/OpenMP threads included) */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c1, 1, MPI_DOUBLE, MPI_SUM, comm));
  PetscCall(ms_validation_score(m, ds, scores));
  PetscCall(ms_validation_metrics(m->task, &n_metrics, &names, NULL));
  {
    char *inputs[1] = {t.data};
    PetscCall(ms_model_save_inputs(m, output, 1, inputs));
  }
  PetscCall(ms_log(comm, "train: %s (%s) on %lld rows x %lld features of %s in %.3f s; CPU %.3f s; scaler %s\n", m->type,
                   ms_task_names[m->task], (long long)ds->n_global, (long long)ds->n_features, t.data, t0, c1,
                   ms_scaler_type(m->scaler)));
  PetscCall(ms_log(comm, "train: training-set %s %.6g, %s %.6g; model written to %s\n", names[0], scores[0], names[1], scores[1], output));
  if (view) PetscCall(ms_model_view(m, PETSC_VIEWER_STDOUT_(comm)));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_cmd_table_free(&t));
  PetscFunctionReturn(0);
}
