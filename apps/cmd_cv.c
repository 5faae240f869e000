/* cmd_cv.c - `matscreen cv`: k-fold cross-validation of several models (and a small grid). */
#include "ms_commands.h"
#include "ms_cmd_table.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_report.h"
#include "ms_validation.h"

const char ms_cmd_cv_help[] =
  "usage: matscreen cv -data D -target COL -models a,b,c -folds K -seed S [-repeats R] [-stratified] -output cv.csv\n"
  "                    [-cv_grid OPTION=v1,v2,...] [-refit best.h5] [-test_fraction F] [-<model>_<option> ...]\n"
  "  Every (model x repeat x fold) is an independent task run in parallel over the ranks;\n"
  "  folds depend only on -seed and the repeat, so any number of ranks gives the same\n"
  "  scores. Writes one row per model, metric and fold plus mean and std rows, and prints\n"
  "  a table. -cv_grid ridge_alpha=0.1,1,10 adds one candidate per value; -refit fits the\n"
  "  best candidate (by r2 or accuracy) on all rows and saves it. -test_fraction F first\n"
  "  holds out a test set (stratified with -stratified): CV selects on the rest, the best\n"
  "  candidate is refitted on the rest and scored once on the test rows (fold = test).\n"
  "  -oof_output oof.csv writes the out-of-fold predictions (row, id, repeat, fold, model,\n"
  "  y_true, y_pred, std) and prints their pooled scores; -parity_plot parity.png draws them\n"
  "  against the true values (regression; needs gnuplot). A -refit file records the CV\n"
  "  score of the saved candidate (group /model/cv; `matscreen inspect` shows it).\n";

PetscErrorCode ms_cmd_cv(MPI_Comm comm)
{
  ms_cmd_table     t = {0};
  char             models[512] = "", output[PETSC_MAX_PATH_LEN] = "", grid[512] = "", refit[PETSC_MAX_PATH_LEN] = "";
  char             oof[PETSC_MAX_PATH_LEN] = "", parity[PETSC_MAX_PATH_LEN] = "";
  PetscInt         folds = 5, repeats = 1, seed = 0;
  PetscReal        test_fraction = 0.0;
  double           test[8];
  PetscBool        stratified = PETSC_FALSE, help;
  int              n_cand = 0;
  ms_cv_candidate *cand = NULL;
  ms_cv_opts       o;
  ms_cv_result     res;
  ms_dataset       ds, train = NULL, test_ds = NULL;
  PetscMPIInt      size;
  double           t0;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen cv options", NULL);
  PetscCall(ms_cmd_table_options(PetscOptionsObject, &t, "column to learn (numbers: regression; text: class names)"));
  PetscCall(ms_options_group(PetscOptionsObject, "Models and validation"));
  PetscCall(PetscOptionsString("-models", "comma-separated model types to compare (see the list of models below)", NULL, models, models, sizeof models, NULL));
  PetscCall(PetscOptionsBoundedInt("-folds", "number of folds K", NULL, folds, &folds, NULL, 2));
  PetscCall(PetscOptionsBoundedInt("-repeats", "number of repeats with reshuffled folds", NULL, repeats, &repeats, NULL, 1));
  PetscCall(PetscOptionsBoundedInt("-seed", "seed of the fold shuffles (and of the models)", NULL, seed, &seed, NULL, 0));
  PetscCall(PetscOptionsBool("-stratified", "keep the class proportions in every fold (classification)", NULL, stratified, &stratified, NULL));
  PetscCall(PetscOptionsString("-cv_grid", "grid over one model option, OPTION=v1,v2,... (e.g. ridge_alpha=0.1,1,10)", NULL, grid, grid, sizeof grid, NULL));
  PetscCall(PetscOptionsString("-refit", "fit the best candidate on all rows and save it here (.h5)", NULL, refit, refit, sizeof refit, NULL));
  PetscCall(PetscOptionsRangeReal("-test_fraction", "hold out this fraction as a final test set (0: none; below 1)", NULL, test_fraction, &test_fraction, NULL, 0.0, 1.0));
  PetscCall(ms_options_group(PetscOptionsObject, "Output"));
  PetscCall(PetscOptionsString("-output", "cross-validation table to write (.csv)", NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsString("-oof_output", "write the out-of-fold predictions here (.csv)", NULL, oof, oof, sizeof oof, NULL));
  PetscCall(PetscOptionsString("-parity_plot", "draw the out-of-fold predictions against the true values here (.png, needs gnuplot)", NULL,
                               parity, parity, sizeof parity, NULL));
  PetscOptionsEnd();
  t.who = "cv";
  /* Read every candidate's options now: -help lists them and misspellings fail early. */
  if (models[0]) {
    PetscCall(ms_cv_candidates(comm, models, grid, &n_cand, &cand));
    for (int c = 0; c < n_cand; c++) {
      ms_model probe;
      PetscCall(ms_cv_candidate_model(comm, &cand[c], &probe));
      PetscCall(ms_model_destroy(&probe));
    }
  }
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    if (!n_cand) PetscCall(ms_cmd_models_help(comm, "-models a,b; `matscreen cv -models a,b -help` adds their options"));
    PetscCall(PetscFree(cand));
    PetscCall(ms_cmd_table_free(&t));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(n_cand, comm, MS_ERR_USER, "missing required option -models (e.g. -models linear,ridge)");
  PetscCheck(output[0], comm, MS_ERR_USER, "missing required option -output (the cross-validation CSV to write)");

  PetscCheck(test_fraction >= 0.0 && test_fraction < 1.0, comm, MS_ERR_USER, "-test_fraction must be in [0, 1), got %g", (double)test_fraction);

  PetscCall(ms_cmd_table_load(comm, &t, PETSC_TRUE, &ds));
  o.folds      = (int)folds;
  o.repeats    = (int)repeats;
  o.seed       = (uint64_t)seed;
  o.stratified = stratified;
  o.keep_oof   = (PetscBool)(oof[0] || parity[0]);
  if (parity[0]) PetscCall(ms_report_gnuplot_available(comm, "-parity_plot"));
  if (test_fraction > 0.0) PetscCall(ms_validation_holdout(ds, test_fraction, o.seed, stratified, &train, &test_ds));
  t0 = MPI_Wtime();
  PetscCall(ms_cv_run(train ? train : ds, n_cand, cand, &o, &res));
  t0 = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(ms_log(comm, "cv: %d candidate(s) x %d repeat(s) x %d folds on %lld rows of %s, %d ranks, %.3f s%s\n", n_cand, o.repeats,
                   o.folds, (long long)(train ? train : ds)->n_global, t.data, (int)size, t0, stratified ? " (stratified)" : ""));
  PetscCall(ms_report_cv_table(comm, &res));
  if (refit[0] || train) {
    ms_model m;
    PetscCall(ms_cv_candidate_model(comm, &res.candidates[res.best], &m));
    PetscCall(ms_model_fit(m, train ? train : ds));
    if (train) {
      PetscCall(ms_validation_score(m, test_ds, test));
      PetscCall(ms_log(comm, "cv: '%s' refitted on the %lld training rows, held-out test (%lld rows): %s %.6g, %s %.6g\n",
                       res.candidates[res.best].label, (long long)train->n_global, (long long)test_ds->n_global, res.metric_names[0],
                       test[0], res.metric_names[1], test[1]));
    }
    if (refit[0]) {
      const ms_cv_candidate *b = &res.candidates[res.best];
      char                  *inputs[1] = {t.data};
      m->cv.set                        = PETSC_TRUE;
      m->cv.mean                       = res.mean[res.best * res.n_metrics];
      m->cv.std                        = res.std[res.best * res.n_metrics];
      m->cv.folds                      = res.folds;
      m->cv.repeats                    = res.repeats;
      m->cv.n_rows                     = res.n_rows;
      PetscCall(PetscStrncpy(m->cv.metric, res.metric_names[0], sizeof m->cv.metric));
      PetscCall(PetscStrncpy(m->cv.candidate, b->label, sizeof m->cv.candidate));
      PetscCall(PetscStrncpy(m->cv.grid_option, b->option, sizeof m->cv.grid_option));
      PetscCall(PetscStrncpy(m->cv.grid_value, b->value, sizeof m->cv.grid_value));
      PetscCall(ms_model_save_inputs(m, refit, 1, inputs));
      PetscCall(ms_log(comm, "cv: refitted '%s' on %s rows (CV %s %.10g +/- %.10g); saved to %s\n", b->label, train ? "the training" : "all",
                       m->cv.metric, m->cv.mean, m->cv.std, refit));
    }
    PetscCall(ms_model_destroy(&m));
  }
  {
    char *inputs[1] = {t.data};
    PetscCall(ms_report_cv(comm, &res, train ? test : NULL, output, 1, inputs));
    if (oof[0]) PetscCall(ms_report_oof(comm, &res, oof, 1, inputs));
  }
  if (oof[0]) PetscCall(ms_log(comm, "cv: out-of-fold predictions written to %s\n", oof));
  if (parity[0]) {
    PetscCall(ms_report_parity_plot(comm, &res, ds->target_name, parity));
    PetscCall(ms_log(comm, "cv: parity plot written to %s\n", parity));
  }
  PetscCall(ms_log(comm, "cv: table written to %s\n", output));
  PetscCall(ms_cv_result_free(&res));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_dataset_destroy(&train));
  PetscCall(ms_dataset_destroy(&test_ds));
  PetscCall(PetscFree(cand));
  PetscCall(ms_cmd_table_free(&t));
  PetscFunctionReturn(0);
}
