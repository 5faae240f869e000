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

typedef struct {
  const ms_bo_bench_opts   *b;
  const ms_bo_bench_result *r;
} bench_plot_ctx;

/* one inline data block per strategy ($s0, $s1, ...: n_init successes mean_extra std_extra),
   then the two panels of Figure 4.2 */
static PetscErrorCode bench_plot_body(FILE *gp, void *vctx)
{
  const bench_plot_ctx *c = vctx;
  const int64_t         ns = c->b->n_strategies, ni = c->b->n_n_init;

  PetscFunctionBeginUser;
  for (int64_t st = 0; st < ns; st++) {
    fprintf(gp, "$s%lld << EOD\n", (long long)st);
    for (int64_t k = 0; k < ni; k++) {
      int64_t row = st * ni + k;
      fprintf(gp, "%lld %lld %.6g %.6g\n", (long long)c->b->n_init[k], (long long)c->r->successes[row], c->r->mean_extra[row],
              c->r->std_extra[row]);
    }
    fprintf(gp, "EOD\n");
  }
  fprintf(gp, "set multiplot layout 1,2\nset xlabel 'initial random picks'\nset key bottom right\n");
  fprintf(gp, "set title 'successes out of %lld repeats'\nset yrange [0:%lld]\nplot ", (long long)c->b->repeats,
          (long long)(c->b->repeats * 1.05 + 1));
  for (int64_t st = 0; st < ns; st++) {
    fprintf(gp, "%s$s%lld using 1:2 with linespoints title ", st ? ", " : "", (long long)st);
    ms_report_gnuplot_quoted(gp, ms_bo_acq_names[c->b->strategies[st]]);
  }
  fprintf(gp, "\nset title 'mean extra tries (successful repeats)'\nset autoscale y\nset yrange [0:*]\nplot ");
  for (int64_t st = 0; st < ns; st++) {
    fprintf(gp, "%s$s%lld using 1:3 with linespoints title ", st ? ", " : "", (long long)st);
    ms_report_gnuplot_quoted(gp, ms_bo_acq_names[c->b->strategies[st]]);
  }
  fprintf(gp, "\nunset multiplot\n");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_bench_plot(MPI_Comm comm, const ms_bo_bench_opts *b, const ms_bo_bench_result *r, const char *png)
{
  bench_plot_ctx c = {b, r};

  PetscFunctionBeginUser;
  PetscCall(ms_report_gnuplot(comm, png, 1100, 450, "bo benchmark -plot", bench_plot_body, &c));
  PetscFunctionReturn(0);
}
