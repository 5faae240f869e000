/* sims_plot.c - the PNG plots of the ToF-SIMS workflow, drawn by gnuplot from a script fed on
 * its standard input with the points inline (no temporary files). Rank 0 draws into
 * PATH.partial (registered as pending output) and renames it when gnuplot succeeded. */
#include "ms_error.h"
#include "ms_sims.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

/* gnuplot string literal in single quotes ('' is a quote) */
static void sims_gp_quoted(FILE *fp, const char *s)
{
  fputc('\'', fp);
  for (const char *c = s; *c; c++) {
    if (*c == '\'') fputc('\'', fp);
    if (*c != '\n') fputc(*c, fp);
  }
  fputc('\'', fp);
}

typedef void (*sims_plot_body)(FILE *gp, const void *ctx);

static PetscErrorCode sims_plot(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, sims_plot_body body,
                                const void *ctx)
{
  PetscMPIInt rank;
  int         err = 0;
  char        partial[PETSC_MAX_PATH_LEN + 16], msg[3 * PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(partial, sizeof partial, "%s.partial", path));
  if (!rank) {
    PetscCall(ms_output_register(partial));
    FILE *gp = popen("gnuplot", "w");
    if (!gp) {
      err = errno ? errno : ENOENT;
      snprintf(msg, sizeof msg, "cannot start gnuplot: %s", strerror(err));
    } else {
      fprintf(gp, "set terminal pngcairo size 900,700 noenhanced\nset output ");
      sims_gp_quoted(gp, partial);
      fprintf(gp, "\nset title ");
      sims_gp_quoted(gp, title);
      fprintf(gp, "\nset xlabel ");
      sims_gp_quoted(gp, xlabel);
      fprintf(gp, "\nset ylabel ");
      sims_gp_quoted(gp, ylabel);
      fprintf(gp, "\nset grid\nset key outside right\n");
      body(gp, ctx);
      fprintf(gp, "\nunset output\n");
      int st = pclose(gp);
      if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        err = EIO;
        snprintf(msg, sizeof msg, "gnuplot failed (status %d) drawing '%s'", st == -1 ? -1 : WEXITSTATUS(st), partial);
      } else if (rename(partial, path)) {
        err = errno;
        snprintf(msg, sizeof msg, "cannot rename '%s' to '%s': %s", partial, path, strerror(err));
      } else PetscCall(ms_output_unregister(partial));
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!err, comm, MS_ERR_FILE, "sims plot: %s", msg);
  PetscFunctionReturn(0);
}

typedef struct {
  int64_t        n, n_classes;
  const double  *x, *y, mark;
  const int64_t *cls;
  char *const   *names;
} sims_plot_data;

static void sims_scatter_body(FILE *gp, const void *ctx)
{
  const sims_plot_data *p = (const sims_plot_data *)ctx;
  int                   first = 1;
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
    sims_gp_quoted(gp, p->names[c]);
    /* gnuplot repeats its 8 default colours; 12 colours x 4 point shapes keep classes apart */
    static const char *const col[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                                      "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#000000", "#aec7e8"};
    fprintf(gp, " with points pt %d ps 1.2 lc rgb '%s'", (int)(5 + 2 * (c % 4)), col[c % 12]);
  }
}

static void sims_line_body(FILE *gp, const void *ctx)
{
  const sims_plot_data *p = (const sims_plot_data *)ctx;
  fprintf(gp, "$d << EOD\n");
  for (int64_t i = 0; i < p->n; i++) fprintf(gp, "%.10g %.10g\n", p->x[i], p->y[i]);
  fprintf(gp, "EOD\n");
  if (isfinite(p->mark)) fprintf(gp, "set arrow from %.10g, graph 0 to %.10g, graph 1 nohead dt 2 lc rgb 'red'\n", p->mark, p->mark);
  fprintf(gp, "plot $d using 1:2 notitle with linespoints pt 7");
}

PetscErrorCode ms_sims_plot_scatter(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                    const double *x, const double *y, const int64_t *cls, int64_t n_classes, char *const *class_names)
{
  sims_plot_data d = {n, n_classes, x, y, NAN, cls, class_names};

  PetscFunctionBeginUser;
  PetscCall(sims_plot(comm, path, title, xlabel, ylabel, sims_scatter_body, &d));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_plot_line(MPI_Comm comm, const char *path, const char *title, const char *xlabel, const char *ylabel, int64_t n,
                                 const double *x, const double *y, double mark)
{
  sims_plot_data d = {n, 0, x, y, mark, NULL, NULL};

  PetscFunctionBeginUser;
  PetscCall(sims_plot(comm, path, title, xlabel, ylabel, sims_line_body, &d));
  PetscFunctionReturn(0);
}
