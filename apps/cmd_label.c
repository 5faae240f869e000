/* cmd_label.c - `matscreen label`: a restartable label campaign (solvers/ms_campaign.h). */
#include "ms_campaign.h"
#include "ms_commands.h"
#include "ms_log.h"
#include "ms_options.h"
#include <stdio.h>

const char ms_cmd_label_help[] =
  "Label campaign: generate N membranes (parameters sampled like `generate -batch`) and solve the\n"
  "tortuosity along x, y and z, -ranks_per_structure ranks per structure, many at once. Each\n"
  "finished row is appended to -output (/labels/<column>, done flag per row). Killed at any\n"
  "moment, the same command continues where it stopped; SIGTERM/SIGINT stop after the current\n"
  "structures with exit status 75 (run again to continue).\n"
  "  mpirun -n 8 matscreen label -n 1000 -size 64 -n_points_range 40,170 -radius_range 2,4\n"
  "         -stretch_axis random -stretch_range 0.5,1 -seed 1 -ranks_per_structure 2 -output labels.h5\n"
  "  matscreen label -params table.csv -size 64 -output labels.h5  (one structure per row, as generate)\n"
  "  job array task: add -rows START:END (rows START..END-1), then `matscreen merge`.\n";

PetscErrorCode ms_cmd_label(MPI_Comm comm)
{
  ms_campaign_def    def;
  ms_campaign_opts   o;
  ms_campaign_status st;
  char               out[PETSC_MAX_PATH_LEN] = "", rows[64] = "", params[PETSC_MAX_PATH_LEN] = "";
  PetscInt           n = 0, rps = 1;
  PetscReal          tol, alpha;
  PetscBool          help, has_rows, has_ranges, has_params, has_n;
  double            *table = NULL;

  PetscFunctionBeginUser;
  PetscCall(ms_campaign_def_init(&def));
  ms_campaign_opts_init(&o);
  tol   = def.tort.mismatch_tol;
  alpha = def.tort.mg_overcorrect[0];
  PetscOptionsBegin(comm, NULL, "matscreen label", "label");
  PetscCall(PetscOptionsString("-output", "campaign HDF5 file, created or continued (/labels/<column>)", "label", out, out, sizeof out, NULL));
  PetscCall(PetscOptionsInt("-n", "number of structures N in the campaign", "label", n, &n, &has_n));
  PetscCall(PetscOptionsString("-params", "CSV table, one structure per row, columns named like the options (instead of -n and ranges)", "label", params, params, sizeof params, &has_params));
  PetscCall(PetscOptionsInt("-ranks_per_structure", "ranks that generate and solve one structure together (divides the rank count)", "label", rps, &rps, NULL));
  PetscCall(PetscOptionsString("-rows", "START:END: solve only rows START..END-1 (job array tasks; merge the files with `matscreen merge`)", "label", rows, rows, sizeof rows, &has_rows));
  PetscCall(PetscOptionsReal("-mismatch_tol", "tortuosity: stop when |I_in - I_out| / |I_in| is below this", "label", tol, &tol, NULL));
  PetscCall(PetscOptionsReal("-mg_overcorrect", "tortuosity multigrid: coarse-grid corrections scaled by this (0 < alpha < 2; 1 continues a campaign "
                             "started before the option)", "label", alpha, &alpha, NULL));
  PetscOptionsEnd();
  PetscCall(ms_membrane_sampler_from_options(comm, &def.ranges, &has_ranges));
  PetscCall(ms_membrane_params_from_options(comm, NULL, &def.base));
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, ms_options_solver_prefixes));
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output FILE.h5 (the campaign table)");
  if (has_params) {
    int64_t nt;
    PetscCheck(!has_ranges, comm, MS_ERR_USER, "-params and the range options (-n_points_range, ...) exclude each other: the table gives every structure");
    PetscCall(ms_membrane_params_read_csv(comm, params, &def.base, &nt, &table));
    PetscCheck(!has_n || n == nt, comm, MS_ERR_USER, "-n %d but -params '%s' has %lld rows (leave -n out with a table)", (int)n, params, (long long)nt);
    n               = (PetscInt)nt;
    def.table       = table;
    def.table_path  = params;
  }
  PetscCheck(n > 0, comm, MS_ERR_USER, "missing or invalid -n %d: give the number of structures N >= 1", (int)n);
  PetscCheck(tol >= 0 && tol < 1, comm, MS_ERR_USER, "-mismatch_tol %g: expected 0 <= tol < 1", (double)tol);
  PetscCheck(alpha > 0 && alpha < 2, comm, MS_ERR_USER, "-mg_overcorrect %g: expected 0 < alpha < 2", (double)alpha);
  def.n_rows            = n;
  def.user_seed         = def.base.seed;
  def.tort.mismatch_tol = tol;
  def.tort.mg_overcorrect[0] = alpha;
  o.ranks_per_structure = rps;
  if (has_rows) {
    long long b, e;
    char      tail;
    PetscCheck(sscanf(rows, "%lld:%lld%c", &b, &e, &tail) == 2, comm, MS_ERR_USER, "-rows '%s': expected START:END (integers)", rows);
    o.row_begin = b;
    o.row_end   = e;
  }

  PetscCall(ms_campaign_run(comm, &def, &o, out, &st));
  PetscCall(PetscFree(table));
  if (st.signal) {
    PetscCall(ms_warn(comm, "label: interrupted by signal %d: %lld of %lld done; run the same command again to continue\n", st.signal,
                      (long long)st.n_done, (long long)st.n_range));
    PetscFunctionReturn(MS_CMD_EXIT_TEMPFAIL);
  }
  PetscCall(ms_log(comm, "label: %lld of %lld structures done (%lld kept from earlier runs) on %d group(s) of %d rank(s) in %.1f s, mean porosity %.4f -> %s\n",
                   (long long)st.n_done, (long long)st.n_range, (long long)st.n_done_before, st.n_groups, (int)rps, st.seconds,
                   st.mean_porosity, out));
  PetscFunctionReturn(0);
}
