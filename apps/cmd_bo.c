/* cmd_bo.c - `matscreen bo suggest|benchmark`: Bayesian optimisation (library: ml/bo/ms_bo.h). */
#include "ms_bo.h"
#include "ms_report.h"
#include "ms_commands.h"
#include "ms_dataset.h"
#include "ms_log.h"
#include "ms_options.h"
#include <string.h>

const char ms_cmd_bo_help[] =
  "usage: matscreen bo suggest -data experiments.csv -space space.csv [-stage S] -target COL [-target2 COL2]\n"
  "                            [-batch q] [-acquisition ucb|ei|pi|ehvi] -output next.csv\n"
  "       matscreen bo benchmark -pool pool.csv -target COL [-maximize|-minimize] -strategies random,ei,pi,ucb\n"
  "                            -init 2,5,10,15,20 -repeats 200 [-budget B] [-goal 0.05] -output bench.csv\n"
  "  suggest: fits a GP (ml/ms_gpr.h) to the measured points and suggests the next q experiments of the\n"
  "  search space (levels per dimension, integer or real ranges; file format in ml/bo/ms_bo.h, e.g.\n"
  "  inputs/latp/search_space_table_4_1.csv). next.csv: one column per dimension, mean, std, acquisition.\n"
  "  Prints the suggestions, the GP hyperparameters, a leave-one-out check and, with two targets, the\n"
  "  Pareto front of the data. benchmark: the 'virtual experiment' of dissertation Section 4.1.2 on a\n"
  "  pool of measured points; bench.csv has one row per strategy and n_init; -plot draws a PNG.\n"
  "       matscreen bo inverse -target structure.h5 -space space.csv -pca_model pca.h5 -output inverse.h5\n"
  "  inverse: generator parameters of a target structure (`matscreen bo inverse -help`).\n";

static PetscErrorCode bo_suggest(MPI_Comm comm)
{
  char        data_path[PETSC_MAX_PATH_LEN] = "", space_path[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "";
  char        stage[256] = "", t1[256] = "", t2[256] = "";
  ms_bo_opts  o;
  PetscBool   help;
  ms_bo_space s;
  ms_bo_data  data;
  ms_bo_model m;
  ms_bo_result r;
  ms_bo_loo   loo[2];

  PetscFunctionBeginUser;
  ms_bo_opts_default(&o);
  PetscOptionsBegin(comm, NULL, "matscreen bo suggest options", NULL);
  PetscCall(PetscOptionsString("-data", "measured experiments (CSV: dimension columns + target)", NULL, data_path, data_path, sizeof data_path, NULL));
  PetscCall(PetscOptionsString("-space", "search space (CSV: [stage,]dimension[,unit][,type],values)", NULL, space_path, space_path, sizeof space_path, NULL));
  PetscCall(PetscOptionsString("-stage", "stage of the space file to use (required when it has several)", NULL, stage, stage, sizeof stage, NULL));
  PetscCall(PetscOptionsString("-target", "target column", NULL, t1, t1, sizeof t1, NULL));
  PetscCall(PetscOptionsString("-target2", "second target column (with -acquisition ehvi)", NULL, t2, t2, sizeof t2, NULL));
  PetscCall(PetscOptionsString("-output", "CSV of the suggestions", NULL, out, out, sizeof out, NULL));
  PetscOptionsEnd();
  PetscCall(ms_bo_opts_set_from_options(comm, &o));
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(data_path[0], comm, MS_ERR_USER, "missing required option -data (the measured experiments, CSV)");
  PetscCheck(space_path[0], comm, MS_ERR_USER, "missing required option -space (the search space, CSV)");
  PetscCheck(t1[0], comm, MS_ERR_USER, "missing required option -target (the column to optimise)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (CSV for the suggestions)");

  const char *targets[2] = {t1, t2};
  int         n_obj      = t2[0] ? 2 : 1;
  PetscCall(ms_bo_space_read(comm, space_path, stage, &s));
  PetscCall(ms_bo_data_read(comm, data_path, s, n_obj, targets, &data));
  if (ms_bo_space_is_finite(s)) {
    int64_t N;
    PetscCall(ms_bo_space_size(s, &N));
    PetscCall(ms_log(comm, "bo suggest: space %s%s%s: %lld dimensions, %lld candidates; data %s: %lld rows\n", space_path, s->stage ? " stage " : "",
                     s->stage ? s->stage : "", (long long)s->d, (long long)N, data_path, (long long)data.n));
  } else
    PetscCall(ms_log(comm, "bo suggest: space %s: %lld dimensions (with real ranges); data %s: %lld rows\n", space_path, (long long)s->d, data_path,
                     (long long)data.n));
  PetscCall(ms_bo_model_fit(comm, s, &data, &o, &m));
  char *names[66];
  for (int64_t k = 0; k < s->d; k++) names[k] = s->dim[k].name;
  for (int k = 0; k < n_obj; k++) names[s->d + k] = data.target[k];
  PetscCall(ms_bo_model_view(m, names));
  PetscCall(ms_bo_model_loo(m, loo));
  for (int k = 0; k < n_obj; k++)
    PetscCall(ms_log(comm, "leave-one-out (%s%s, %lld rows): rmse %.4g, mae %.4g, r2 %.4f, mean |z| %.3f, |z| <= 1.96 for %.0f %%\n",
                     o.log10[k] ? "log10 " : "", data.target[k], (long long)data.n, loo[k].rmse, loo[k].mae, loo[k].r2, loo[k].mean_abs_z,
                     100.0 * loo[k].coverage95));
  if (n_obj == 2) {
    PetscCall(ms_log(comm, "Pareto front of the data (%lld points; %s, %s):\n", (long long)m->nf, data.target[0], data.target[1]));
    for (int64_t i = 0; i < m->nf; i++) {
      int64_t row = m->front_idx[i];
      PetscCall(ms_log(comm, "  row %lld:", (long long)row + 1));
      for (int64_t k = 0; k < s->d; k++) PetscCall(ms_log(comm, " %s=%g", s->dim[k].name, data.X[row * s->d + k]));
      PetscCall(ms_log(comm, " -> %g, %g\n", data.Y[row * 2], data.Y[row * 2 + 1]));
    }
  }
  PetscCall(ms_bo_suggest(m, 0, NULL, &r));
  PetscCall(ms_log(comm, "suggestions (%s, %s, batch %lld; mean/std of %s%s):\n", ms_bo_acq_names[o.acq.type],
                   o.batch > 1 ? ms_bo_batch_names[o.batch_type] : "single", (long long)o.batch, o.log10[0] ? "log10 " : "", data.target[0]));
  PetscCall(ms_bo_result_view(comm, s, &data, &r));
  {
    char *inputs[3] = {data_path, space_path, NULL};
    PetscCall(ms_bo_result_write(comm, s, &data, &r, out, inputs));
  }
  PetscCall(ms_log(comm, "bo suggest: wrote %s\n", out));
  PetscCall(ms_bo_result_free(&r));
  PetscCall(ms_bo_model_destroy(&m));
  PetscCall(ms_bo_data_free(&data));
  PetscCall(ms_bo_space_destroy(&s));
  PetscFunctionReturn(0);
}

static PetscErrorCode bo_benchmark(MPI_Comm comm)
{
  char             pool[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", plot[PETSC_MAX_PATH_LEN] = "", target[256] = "", id[256] = "";
  char            *strat[8], *ignore[64];
  PetscInt         nstrat = 8, ninit = 32, n_ignore = 64, repeats = 200, budget = 0, refit = 1, init[32];
  PetscBool        help, set, maximize = PETSC_FALSE;
  ms_bo_opts       o;
  ms_bo_bench_opts b;
  ms_bo_bench_result r;

  PetscFunctionBeginUser;
  ms_bo_opts_default(&o);
  o.restarts = 0; /* one LML start per pick, as a scripted scikit-learn loop would do */
  PetscCall(PetscMemzero(&b, sizeof b));
  b.replacement = PETSC_TRUE;
  PetscOptionsBegin(comm, NULL, "matscreen bo benchmark options", NULL);
  PetscCall(PetscOptionsString("-pool", "pool of measured points (CSV or HDF5 table)", NULL, pool, pool, sizeof pool, NULL));
  PetscCall(PetscOptionsString("-target", "target column", NULL, target, target, sizeof target, NULL));
  PetscCall(PetscOptionsString("-id", "text column with sample ids (ignored)", NULL, id, id, sizeof id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "columns that are not inputs", NULL, ignore, &n_ignore, &set));
  if (!set) n_ignore = 0;
  PetscCall(PetscOptionsBool("-maximize", "maximise the target (default; the opposite of -minimize)", NULL, maximize, &maximize, NULL));
  PetscCall(PetscOptionsStringArray("-strategies", "strategies: random, ei, pi, ucb", NULL, strat, &nstrat, &set));
  if (!set) nstrat = 0;
  PetscCall(PetscOptionsIntArray("-init", "numbers of initial random picks", NULL, init, &ninit, &set));
  if (!set) ninit = 0;
  PetscCall(PetscOptionsInt("-repeats", "repeats per strategy and n_init", NULL, repeats, &repeats, NULL));
  PetscCall(PetscOptionsInt("-budget", "total evaluations per repeat, initial picks included (0: pool size)", NULL, budget, &budget, NULL));
  PetscCall(PetscOptionsBool("-replacement", "picks with replacement (the seed's choice)", NULL, b.replacement, &b.replacement, NULL));
  PetscCall(PetscOptionsReal("-noise_std", "observation noise std added to every pick", NULL, b.noise_std, &b.noise_std, NULL));
  PetscCall(PetscOptionsBool("-noise_relative", "-noise_std is relative to |y|", NULL, b.noise_relative, &b.noise_relative, NULL));
  PetscCall(PetscOptionsReal("-goal", "0: hit the pool optimum; q in (0,1): hit the top q of the pool", NULL, b.goal, &b.goal, NULL));
  PetscCall(PetscOptionsInt("-refit_every", "refit GP hyperparameters every k picks (refactor in between)", NULL, refit, &refit, NULL));
  PetscCall(PetscOptionsString("-output", "CSV table (one row per strategy and n_init)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-plot", "PNG like Figure 4.2 (gnuplot); default: none", NULL, plot, plot, sizeof plot, NULL));
  PetscOptionsEnd();
  PetscCall(ms_bo_opts_set_from_options(comm, &o));
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(pool[0], comm, MS_ERR_USER, "missing required option -pool (the measured points)");
  PetscCheck(target[0], comm, MS_ERR_USER, "missing required option -target");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (CSV table)");
  PetscCheck(nstrat > 0, comm, MS_ERR_USER, "missing required option -strategies (random,ei,pi,ucb)");
  PetscCheck(ninit > 0, comm, MS_ERR_USER, "missing required option -init (e.g. 2,5,10,15,20)");
  PetscCheck(!(maximize && o.minimize[0]), comm, MS_ERR_USER, "-maximize and -minimize contradict each other");
  PetscCheck(repeats >= 1, comm, MS_ERR_USER, "-repeats must be >= 1, got %d", (int)repeats);
  if (plot[0]) PetscCall(ms_report_gnuplot_available(comm, "-plot")); /* before the long run, not after */
  b.n_strategies = nstrat;
  for (PetscInt i = 0; i < nstrat; i++) {
    int found = -1;
    for (int k = 0; k < 5; k++)
      if (!strcmp(strat[i], ms_bo_acq_names[k]) && k != MS_BO_EHVI) found = k;
    PetscCheck(found >= 0, comm, MS_ERR_USER, "-strategies: unknown strategy '%s'; allowed: random, ei, pi, ucb", strat[i]);
    b.strategies[i] = (ms_bo_acq_type)found;
    PetscCall(PetscFree(strat[i]));
  }
  b.n_n_init = ninit;
  for (PetscInt i = 0; i < ninit; i++) b.n_init[i] = init[i];
  b.repeats     = repeats;
  b.budget      = budget;
  b.refit_every = refit;

  const char *ig[65];
  for (PetscInt i = 0; i < n_ignore; i++) ig[i] = ignore[i];
  ig[n_ignore] = NULL;
  ms_csv_read_opts ro = {target, MS_TASK_REGRESSION, id[0] ? id : NULL, ig, MS_NAN_ERROR, NULL, PETSC_FALSE};
  ms_dataset       ds, rep;
  PetscCall(ms_dataset_load(comm, pool, &ro, &ds));
  PetscCall(ms_dataset_check_finite(ds, pool));
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(ms_log(comm, "bo benchmark: pool %s: %lld rows x %lld inputs; %lld strategies x %lld n_init x %lld repeats\n", pool,
                   (long long)rep->n_global, (long long)rep->n_features, (long long)nstrat, (long long)ninit, (long long)repeats));
  PetscCall(ms_bo_bench_run(comm, rep->n_global, rep->n_features, rep->X, rep->y, rep->feature_names, &o, &b, &r));
  PetscCall(ms_bo_bench_write(comm, &b, &r, out));
  PetscCall(ms_log(comm, "%-8s %6s %10s %12s %10s\n", "strategy", "n_init", "successes", "mean_extra", "std_extra"));
  for (int64_t row = 0; row < r.n_rows; row++)
    PetscCall(ms_log(comm, "%-8s %6lld %6lld/%-3lld %12.2f %10.2f\n", ms_bo_acq_names[b.strategies[row / ninit]], (long long)b.n_init[row % ninit],
                     (long long)r.successes[row], (long long)repeats, r.mean_extra[row], r.std_extra[row]));
  if (plot[0]) PetscCall(ms_bo_bench_plot(comm, &b, &r, plot));
  PetscCall(ms_log(comm, "bo benchmark: wrote %s%s%s\n", out, plot[0] ? " and " : "", plot));
  PetscCall(ms_bo_bench_result_free(&r));
  PetscCall(ms_dataset_destroy(&rep));
  PetscCall(ms_dataset_destroy(&ds));
  for (PetscInt i = 0; i < n_ignore; i++) PetscCall(PetscFree(ignore[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_bo(MPI_Comm comm)
{
  int    argc;
  char **argv;

  PetscFunctionBeginUser;
  /* the word after `bo` (PETSc's options parser skips words that are not options) */
  PetscCall(PetscGetArgs(&argc, &argv));
  const char *sub = argc >= 2 ? argv[1] : "";
  if (!strcmp(sub, "suggest")) PetscCall(bo_suggest(comm));
  else if (!strcmp(sub, "benchmark")) PetscCall(bo_benchmark(comm));
  else if (!strcmp(sub, "inverse")) {
    PetscErrorCode ierr = ms_cmd_bo_inverse(comm);
    if (ierr == MS_CMD_EXIT_TEMPFAIL) PetscFunctionReturn(ierr); /* interrupted, checkpoint kept: exit 75 */
    PetscCall(ierr);
  }
  else {
    PetscBool help;
    PetscCall(ms_options_help_requested(&help));
    if (help) {
      PetscCall(ms_log(comm, "%s", ms_cmd_bo_help));
      PetscFunctionReturn(0);
    }
    SETERRQ(comm, MS_ERR_USER, "bo: unknown subcommand '%s'; use `matscreen bo suggest ...`, `matscreen bo benchmark ...` or `matscreen bo inverse ...`", sub);
  }
  PetscFunctionReturn(0);
}
