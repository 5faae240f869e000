/* ms_report_oof.c - out-of-fold predictions of cross-validation as a CSV table, and their
 * parity plot (PNG drawn by gnuplot from a generated script). See ms_report.h. */
#include "ms_report.h"
#include "ms_error.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The OOF table lives on rank 0 (ms_cv_oof); the other ranks contribute no rows. */
PetscErrorCode ms_report_oof(MPI_Comm comm, const ms_cv_result *res, const char *path, int n_inputs, char *const *inputs)
{
  const ms_cv_oof *f = &res->oof;
  ms_text          head = {0}, rows = {0};
  PetscMPIInt      rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_text_printf(&head, "row"));
  if (!rank && f->ids) PetscCall(ms_text_field(&head, f->id_name, PETSC_FALSE));
  PetscCall(ms_text_printf(&head, ",repeat,fold,model,y_true,y_pred"));
  if (!rank && f->any_std) PetscCall(ms_text_printf(&head, ",std"));
  for (int c = 0; !rank && c < res->n_candidates; c++)
    for (int r = 0; r < res->repeats; r++)
      for (int64_t i = 0; i < f->n; i++) {
        const size_t at = ((size_t)c * res->repeats + r) * f->n + i;
        PetscCall(ms_text_printf(&rows, "%" PRId64, i));
        if (f->ids) PetscCall(ms_text_field(&rows, f->ids[i], PETSC_FALSE));
        PetscCall(ms_text_printf(&rows, ",%d,%d", r, f->fold[(size_t)r * f->n + i]));
        PetscCall(ms_text_field(&rows, res->candidates[c].label, PETSC_FALSE));
        if (f->n_classes) {
          PetscCall(ms_text_field(&rows, f->class_names[(int64_t)f->y_true[i]], PETSC_FALSE));
          PetscCall(ms_text_field(&rows, f->class_names[(int64_t)llround(f->pred[at])], PETSC_FALSE));
        } else PetscCall(ms_text_printf(&rows, ",%.17g,%.17g", f->y_true[i], f->pred[at]));
        if (f->any_std) {
          if (isnan(f->std[at])) PetscCall(ms_text_printf(&rows, ","));
          else PetscCall(ms_text_printf(&rows, ",%.17g", f->std[at]));
        }
        PetscCall(ms_text_printf(&rows, "\n"));
      }
  PetscCall(ms_report_write_csv(comm, path, head.s, &rows, n_inputs, inputs));
  PetscCall(ms_text_free(&head));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

typedef struct {
  const ms_cv_result *res;
  const char         *target;
} parity_ctx;

/* The parity plot's script after the terminal: axes from the range of all values, one data
 * block of (true, predicted) per candidate, y = x, candidates in the legend with their score. */
static PetscErrorCode parity_body(FILE *gp, void *ctx)
{
  const parity_ctx *p   = (const parity_ctx *)ctx;
  const ms_cv_result *res = p->res;
  const ms_cv_oof  *f   = &res->oof;
  double            lo = INFINITY, hi = -INFINITY;
  size_t            all = (size_t)res->n_candidates * res->repeats * f->n;

  PetscFunctionBegin;
  for (int64_t i = 0; i < f->n; i++) lo = PetscMin(lo, f->y_true[i]), hi = PetscMax(hi, f->y_true[i]);
  for (size_t i = 0; i < all; i++) lo = PetscMin(lo, f->pred[i]), hi = PetscMax(hi, f->pred[i]);
  if (!(hi > lo)) hi = lo + 1.0;
  const double pad = 0.03 * (hi - lo);
  fprintf(gp, "set title ");
  ms_report_gnuplot_quoted(gp, "out-of-fold predictions (cross-validation)");
  fprintf(gp, "\nset xlabel ");
  ms_report_gnuplot_quoted(gp, p->target ? p->target : "true value");
  fprintf(gp, "\nset ylabel 'predicted'\nset size square\nset key top left\nset grid\n");
  fprintf(gp, "set xrange [%.17g:%.17g]\nset yrange [%.17g:%.17g]\n", lo - pad, hi + pad, lo - pad, hi + pad);
  for (int c = 0; c < res->n_candidates; c++) {
    fprintf(gp, "$m%d << EOD\n", c);
    for (int r = 0; r < res->repeats; r++)
      for (int64_t i = 0; i < f->n; i++) fprintf(gp, "%.17g %.17g\n", f->y_true[i], f->pred[((size_t)c * res->repeats + r) * f->n + i]);
    fprintf(gp, "EOD\n");
  }
  fprintf(gp, "plot x title 'y = x' with lines lc rgb 'gray' dt 2");
  for (int c = 0; c < res->n_candidates; c++) {
    char title[256];
    snprintf(title, sizeof title, "%s (%s %.4g)", res->candidates[c].label, res->metric_names[0],
             res->oof_scores ? res->oof_scores[c * res->n_metrics] : NAN);
    fprintf(gp, ", $m%d using 1:2 title ", c);
    ms_report_gnuplot_quoted(gp, title);
    fprintf(gp, " with points pt 7 ps 0.6");
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_parity_plot(MPI_Comm comm, const ms_cv_result *res, const char *target, const char *path)
{
  parity_ctx p = {res, target};
  PetscFunctionBegin;
  PetscCheck(res->task == MS_TASK_REGRESSION, comm, MS_ERR_USER, "-parity_plot draws predicted against true values: it needs a regression target");
  PetscCall(ms_report_gnuplot(comm, path, 900, 900, "-parity_plot", parity_body, &p));
  PetscFunctionReturn(0);
}
