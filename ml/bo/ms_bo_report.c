/* ms_bo_report.c - the outputs of `matscreen bo`: suggestion table (CSV and stdout) and the
 * benchmark table and figure. CSVs go through ms_report_write_csv (atomic, provenance). */
#include "ms_bo.h"
#include "ms_error.h"
#include "ms_log.h"
#include "ms_report.h"
#include <math.h>
#include <unistd.h>

static PetscErrorCode result_header(ms_bo_space s, const ms_bo_data *data, const ms_bo_result *r, ms_text *h)
{
  PetscFunctionBeginUser;
  for (int64_t k = 0; k < s->d; k++) PetscCall(ms_text_field(h, s->dim[k].name, k == 0 ? PETSC_TRUE : PETSC_FALSE));
  if (r->n_obj == 1) PetscCall(ms_text_printf(h, ",mean,std"));
  else
    for (int k = 0; k < 2; k++) PetscCall(ms_text_printf(h, ",mean_%s,std_%s", data->target[k], data->target[k]));
  PetscCall(ms_text_printf(h, ",acquisition"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_result_write(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_result *r, const char *path,
                                  char *const *inputs)
{
  ms_text     h = {0}, rows = {0};
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(result_header(s, data, r, &h));
  if (!rank)
    for (int64_t b = 0; b < r->q; b++) {
      for (int64_t k = 0; k < r->d; k++) PetscCall(ms_text_printf(&rows, "%s%.17g", k ? "," : "", r->X[b * r->d + k]));
      for (int64_t k = 0; k < r->n_obj; k++) PetscCall(ms_text_printf(&rows, ",%.17g,%.17g", r->mean[b * r->n_obj + k], r->std[b * r->n_obj + k]));
      PetscCall(ms_text_printf(&rows, ",%.17g\n", r->acq[b]));
    }
  int n_inputs = 0;
  while (inputs && inputs[n_inputs]) n_inputs++;
  PetscCall(ms_report_write_csv(comm, path, h.s, &rows, n_inputs, inputs));
  PetscCall(ms_text_free(&h));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_result_view(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(ms_log(comm, "%4s", "#"));
  for (int64_t k = 0; k < s->d; k++) PetscCall(ms_log(comm, " %16s", s->dim[k].name));
  for (int64_t k = 0; k < r->n_obj; k++) PetscCall(ms_log(comm, " %14s %12s", r->n_obj == 1 ? "mean" : data->target[k], "std"));
  PetscCall(ms_log(comm, " %12s\n", "acquisition"));
  for (int64_t b = 0; b < r->q; b++) {
    PetscCall(ms_log(comm, "%4lld", (long long)b + 1));
    for (int64_t k = 0; k < r->d; k++) PetscCall(ms_log(comm, " %16.6g", r->X[b * r->d + k]));
    for (int64_t k = 0; k < r->n_obj; k++) PetscCall(ms_log(comm, " %14.6g %12.4g", r->mean[b * r->n_obj + k], r->std[b * r->n_obj + k]));
    PetscCall(ms_log(comm, " %12.5g\n", r->acq[b]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_bench_write(MPI_Comm comm, const ms_bo_bench_opts *b, const ms_bo_bench_result *r, const char *path)
{
  ms_text     rows = {0};
  PetscMPIInt rank;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank)
    for (int64_t row = 0; row < r->n_rows; row++) {
      int64_t st = row / b->n_n_init, ni = row % b->n_n_init;
      PetscCall(ms_text_printf(&rows, "%s,%lld,%lld,%lld,%.6g,%.6g,%.6g,%.6g,%.6g\n", ms_bo_acq_names[b->strategies[st]], (long long)b->n_init[ni],
                               (long long)b->repeats, (long long)r->successes[row], (double)r->successes[row] / (double)b->repeats,
                               r->mean_extra[row], r->std_extra[row], r->mean_total[row], r->std_total[row]));
    }
  PetscCall(ms_report_write_csv(comm, path, "strategy,n_init,repeats,successes,success_rate,mean_extra,std_extra,mean_total,std_total", &rows, 0, NULL));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_bench_plot(MPI_Comm comm, const ms_bo_bench_opts *b, const ms_bo_bench_result *r, const char *png)
{
  PetscMPIInt rank;
  int         status = 0;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    char  dat[PETSC_MAX_PATH_LEN], gp[PETSC_MAX_PATH_LEN], cmd[3 * PETSC_MAX_PATH_LEN];
    FILE *f;
    PetscCall(PetscSNPrintf(dat, sizeof dat, "%s.dat", png));
    PetscCall(PetscSNPrintf(gp, sizeof gp, "%s.gp", png));
    f = fopen(dat, "w");
    PetscCheck(f, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write %s", dat);
    /* one gnuplot data block per strategy (blank-line pairs separate the blocks) */
    for (int64_t st = 0; st < b->n_strategies; st++) {
      fprintf(f, "# %s\n", ms_bo_acq_names[b->strategies[st]]);
      for (int64_t ni = 0; ni < b->n_n_init; ni++) {
        int64_t row = st * b->n_n_init + ni;
        fprintf(f, "%lld %lld %.6g %.6g\n", (long long)b->n_init[ni], (long long)r->successes[row], r->mean_extra[row], r->std_extra[row]);
      }
      fprintf(f, "\n\n");
    }
    fclose(f);
    f = fopen(gp, "w");
    PetscCheck(f, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write %s", gp);
    fprintf(f, "set terminal pngcairo size 1100,450 noenhanced\nset output '%s.partial'\nset multiplot layout 1,2\n", png);
    fprintf(f, "set xlabel 'initial random picks'\nset key bottom right\nset title 'successes out of %lld repeats'\nset yrange [0:%lld]\n",
            (long long)b->repeats, (long long)(b->repeats * 1.05 + 1));
    fprintf(f, "plot ");
    for (int64_t st = 0; st < b->n_strategies; st++)
      fprintf(f, "%s'%s' index %lld using 1:2 with linespoints title '%s'", st ? ", " : "", dat, (long long)st, ms_bo_acq_names[b->strategies[st]]);
    fprintf(f, "\nset title 'mean extra tries (successful repeats)'\nset autoscale y\nset yrange [0:*]\nplot ");
    for (int64_t st = 0; st < b->n_strategies; st++)
      fprintf(f, "%s'%s' index %lld using 1:3 with linespoints title '%s'", st ? ", " : "", dat, (long long)st, ms_bo_acq_names[b->strategies[st]]);
    fprintf(f, "\nunset multiplot\n");
    fclose(f);
    PetscCall(PetscSNPrintf(cmd, sizeof cmd, "gnuplot '%s' 2>/dev/null", gp));
    status = system(cmd);
    if (!status) {
      char part[PETSC_MAX_PATH_LEN];
      PetscCall(PetscSNPrintf(part, sizeof part, "%s.partial", png));
      status = rename(part, png);
    }
  }
  PetscCallMPI(MPI_Bcast(&status, 1, MPI_INT, 0, comm));
  if (status) PetscCall(ms_warn(comm, "bo benchmark: gnuplot could not draw %s (is gnuplot installed?); the table is complete\n", png));
  PetscFunctionReturn(0);
}
