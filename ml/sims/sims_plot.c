/* sims_plot.c - the PNG plots of the ToF-SIMS workflow: the scripts after the title and axes;
 * drawing, the atomic PNG and the errors are ms_report_gnuplot's (ml/ms_report_plot.c). */
#include "ms_error.h"
#include "ms_report.h"
#include "ms_sims.h"
#include <math.h>
#include <stdio.h>

typedef struct {
  int64_t        n, n_classes;
  const double  *x, *y, mark;
  const int64_t *cls;
  char *const   *names;
  const char    *title, *xlabel, *ylabel;
} sims_plot_data;

static void sims_axes(FILE *gp, const sims_plot_data *p)
{
  fprintf(gp, "set title ");
  ms_report_gnuplot_quoted(gp, p->title);
  fprintf(gp, "\nset xlabel ");
  ms_report_gnuplot_quoted(gp, p->xlabel);
  fprintf(gp, "\nset ylabel ");
  ms_report_gnuplot_quoted(gp, p->ylabel);
  fprintf(gp, "\nset grid\nset key outside right\n");
}

static PetscErrorCode sims_scatter_body(FILE *gp, void *ctx)
{
  const sims_plot_data *p = (const sims_plot_data *)ctx;
  int                   first = 1;
  PetscFunctionBegin;
  sims_axes(gp, p);
  for (int64_t c = 0; c < p->n_classes; c++) {
    fprintf(gp, "$c%lld << EOD\n", (long long)c);
    for (int64_t i = 0; i < p->n; i++)
      if (p->cls[i] == c) fprintf(gp, "%.10g %.10g\n", p->x[i], p->y[i]);
    fprintf(gp, "EOD\n");
  }
  fprintf(gp, "plot ");
  for (int64_t c = 0; c < p->n_classes; c++) {
    int64_t m = 0;
    for (int64_t i = 0; i < p->n; i++) m += p->cls[i] == c;
    if (!m) continue; /* a class without points would make gnuplot warn */
    fprintf(gp, "%s$c%lld using 1:2 title ", first ? "" : ", ", (long long)c);
    first = 0;
    ms_report_gnuplot_quoted(gp, p->names[c]);
    /* gnuplot repeats its 8 default colours; 12 colours x 4 point shapes keep classes apart */
    static const char *const col[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};
    fprintf(gp, " with points pt %d ps 1.2 lc rgb '%s'", (int)(5 + 2 * (c % 4)), col[c % 12]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode sims_line_body(FILE *gp, void *ctx)
{
  const sims_plot_data *p = (const sims_plot_data *)ctx;
  PetscFunctionBegin;
  sims_axes(gp, p);
  fprintf(gp, "$d << EOD\n");
  for (int64_t i = 0; i < p->n; i++) fprintf(gp, "%.10g %.10g\n", p->x[i], p->y[i]);
  fprintf(gp, "EOD\n");
  if (isfinite(p->mark)) fprintf(gp, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lc rgb 'red'\n", p->mark, p->mark);
  fprintf(gp, "plot $d using 1:2 notitle with linespoints pt 7");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_plot_scatter(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                    const double *x, const double *y, const int64_t *cls, int64_t n_classes, char *const *class_names)
{
  sims_plot_data d = {n, n_classes, x, y, NAN, cls, class_names, title, xlabel, ylabel};

  PetscFunctionBeginUser;
  PetscCall(ms_report_gnuplot(comm, path, 900, 700, "sims plot", sims_scatter_body, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_plot_line(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                 const double *x, const double *y, double mark)
{
  sims_plot_data d = {n, 0, x, y, mark, NULL, NULL, title, xlabel, ylabel};

  PetscFunctionBeginUser;
  PetscCall(ms_report_gnuplot(comm, path, 900, 700, "sims plot", sims_line_body, &d));
  PetscFunctionReturn(0);
}
