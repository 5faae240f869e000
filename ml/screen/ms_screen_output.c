/* ms_screen_output.c - the screen's results: CSV (ms_report_write_csv: atomic, provenance
 * comments), its HDF5 twin (ms_h5: atomic, provenance attributes) and the score histogram as
 * a PNG drawn by gnuplot from a generated script. Rank 0 holds the rows; the writes are
 * collective so every rank takes part in the atomic commit. */
#include "ms_screen.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_report.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *id_column(ms_screen_source src) { return src->id_name ? src->id_name : "id"; }

PetscErrorCode ms_screen_write_csv(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, const ms_screen_result *res, const char *path,
                                   const char *const *inputs)
{
  ms_text head = {0}, rows = {0};

  PetscFunctionBegin;
  PetscCall(ms_text_printf(&head, "rank,index"));
  if (src->has_ids) {
    PetscCall(ms_text_printf(&head, ","));
    PetscCall(ms_text_field(&head, id_column(src), PETSC_TRUE));
  }
  for (int64_t j = 0; j < src->n_columns; j++) PetscCall(ms_text_field(&head, src->columns[j], PETSC_FALSE));
  PetscCall(ms_text_printf(&head, ",prediction,std%s,score,distance,in_domain", o->model2 ? ",prediction2,std2" : ""));
  for (int64_t i = 0; i < res->n_rows && res->rows; i++) {
    const ms_screen_row *r = &res->rows[i];
    PetscCall(ms_text_printf(&rows, "%lld,%lld", (long long)i + 1, (long long)r->index));
    if (src->has_ids) PetscCall(ms_text_field(&rows, r->id, PETSC_FALSE));
    for (int64_t j = 0; j < src->n_columns; j++) PetscCall(ms_text_printf(&rows, ",%.17g", r->x[j]));
    PetscCall(ms_text_printf(&rows, ",%.17g,%.17g", r->pred, r->std));
    if (o->model2) PetscCall(ms_text_printf(&rows, ",%.17g,%.17g", r->pred2, r->std2));
    PetscCall(ms_text_printf(&rows, ",%.17g,%.17g,%d\n", r->score, r->distance, r->in_domain));
  }
  if (!rows.s) PetscCall(ms_text_printf(&rows, "%s", ""));
  int n_inputs = 0;
  while (inputs && inputs[n_inputs]) n_inputs++;
  PetscCall(ms_report_write_csv(comm, path, head.s, &rows, n_inputs, (char *const *)inputs));
  PetscCall(ms_text_free(&head));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_write_h5(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, const ms_screen_result *res, const char *path,
                                  const char *const *inputs)
{
  ms_h5_file  f;
  hid_t       g, hg;
  PetscMPIInt rank;
  int64_t     n = res->n_rows, nl;
  double     *col, *edges;
  int64_t    *idx;
  const char *names[] = {"prediction", "std", "prediction2", "std2", "score", "distance"};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  nl = rank ? 0 : n;
  PetscCall(ms_h5_create(comm, path, &f));
  for (const char *const *p = inputs; p && *p; p++) PetscCall(ms_h5_add_input(f, *p));
  PetscCall(ms_h5_group_ensure(f->fid, "/screen", &g));
  PetscCall(ms_h5_attr_set_string(g, "mode", o->pareto ? "pareto" : "top_k"));
  PetscCall(ms_h5_attr_set_string(g, "rank_by", ms_screen_rank_names[o->rank]));
  PetscCall(ms_h5_attr_set_string(g, "goal", o->maximize ? "max" : "min"));
  PetscCall(ms_h5_attr_set_double(g, "kappa", o->kappa));
  PetscCall(ms_h5_attr_set_double(g, "threshold", o->threshold));
  PetscCall(ms_h5_attr_set_double(g, "domain_tol", o->domain_tol));
  PetscCall(ms_h5_attr_set_int(g, "top_k", o->top_k));
  PetscCall(ms_h5_attr_set_int(g, "n_candidates", res->n_total));
  PetscCall(ms_h5_attr_set_int(g, "n_scored", res->n_scored));
  PetscCall(ms_h5_attr_set_int(g, "n_passed_filters", res->n_passed));
  PetscCall(ms_h5_attr_set_int(g, "n_out_of_domain", res->n_out_of_domain));
  PetscCall(ms_h5_attr_set_int(g, "resumed_from", res->resumed_from));
  PetscCall(ms_h5_attr_set_double(g, "seconds", res->seconds));
  PetscCall(ms_h5_attr_set_int(g, "n_rows", n));
  /* no row passed: the row datasets are left out (HDF5 cannot write zero-length selections
     collectively); n_rows = 0 says so */
  if (n > 0) {
    PetscCall(PetscMalloc3(n + 1, &col, n + 1, &idx, PetscMax(n * src->n_columns, 1), &edges));
    for (int64_t i = 0; i < nl; i++) idx[i] = res->rows[i].index;
    PetscCall(ms_h5_write_rows_int(g, "index", n, 0, nl, idx));
    for (int64_t i = 0; i < nl; i++)
      for (int64_t j = 0; j < src->n_columns; j++) edges[i * src->n_columns + j] = res->rows[i].x[j];
    PetscCall(ms_h5_write_rows_double(g, "candidates", n, 0, nl, src->n_columns, edges));
    {
      hid_t d = H5Dopen2(g, "candidates", H5P_DEFAULT);
      PetscCall(ms_h5_attr_set_strings(d, "column_names", (int)src->n_columns, src->columns));
      H5Dclose(d);
    }
    for (int k = 0; k < 6; k++) {
      if (k >= 2 && k < 4 && !o->model2) continue;
      for (int64_t i = 0; i < nl; i++) {
        const ms_screen_row *r = &res->rows[i];
        col[i] = k == 0 ? r->pred : k == 1 ? r->std : k == 2 ? r->pred2 : k == 3 ? r->std2 : k == 4 ? r->score : r->distance;
      }
      PetscCall(ms_h5_write_rows_double(g, names[k], n, 0, nl, 0, col));
    }
    for (int64_t i = 0; i < nl; i++) idx[i] = res->rows[i].in_domain;
    PetscCall(ms_h5_write_rows_int(g, "in_domain", n, 0, nl, idx));
    PetscCall(PetscFree3(col, idx, edges));
    if (src->has_ids) {
      /* fixed-length strings (parallel HDF5 writes no variable-length data); rank 0 writes
         independently, the others take part in the collective create only */
      hid_t   t = H5Tcopy(H5T_C_S1);
      hsize_t dn = (hsize_t)n;
      H5Tset_size(t, MS_SCREEN_ID_LEN);
      H5Tset_strpad(t, H5T_STR_NULLPAD);
      hid_t  fs = H5Screate_simple(1, &dn, NULL);
      hid_t  d  = H5Dcreate2(g, "ids", t, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      herr_t rc = d < 0 ? -1 : 0;
      if (!rank && d >= 0) {
        char *buf;
        PetscCall(PetscMalloc1(n * MS_SCREEN_ID_LEN, &buf));
        for (int64_t i = 0; i < n; i++) memcpy(buf + i * MS_SCREEN_ID_LEN, res->rows[i].id, MS_SCREEN_ID_LEN);
        rc = H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        PetscCall(PetscFree(buf));
      }
      if (d >= 0) {
        PetscCall(ms_h5_attr_set_string(d, "name", id_column(src)));
        H5Dclose(d);
      }
      H5Sclose(fs);
      H5Tclose(t);
      PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "%s: cannot write /screen/ids", path);
    }
  }
  if (res->hist_bins > 0) {
    int64_t *counts;
    PetscCall(ms_h5_group_ensure(g, "histogram", &hg));
    PetscCall(PetscMalloc2(res->hist_bins + 2, &counts, res->hist_bins + 1, &edges));
    if (!rank) PetscCall(PetscArraycpy(counts, res->hist, res->hist_bins + 2));
    PetscCallMPI(MPI_Bcast(counts, res->hist_bins + 2, MPI_INT64_T, 0, comm));
    for (int b = 0; b <= res->hist_bins; b++) edges[b] = res->hist_lo + (res->hist_hi - res->hist_lo) * b / res->hist_bins;
    PetscCall(ms_h5_write_rows_int(hg, "counts", res->hist_bins, 0, rank ? 0 : res->hist_bins, counts + 1));
    PetscCall(ms_h5_write_rows_double(hg, "edges", res->hist_bins + 1, 0, rank ? 0 : res->hist_bins + 1, 0, edges));
    PetscCall(ms_h5_attr_set_int(hg, "underflow", counts[0]));
    PetscCall(ms_h5_attr_set_int(hg, "overflow", counts[res->hist_bins + 1]));
    PetscCall(ms_h5_attr_set_string(hg, "of", "score of every candidate with a finite score, before filters"));
    PetscCall(PetscFree2(counts, edges));
    MS_H5CHK(H5Gclose(hg), comm, "closing /screen/histogram of %s", path);
  }
  MS_H5CHK(H5Gclose(g), comm, "closing /screen of %s", path);
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

typedef struct {
  const ms_screen_opts   *o;
  const ms_screen_result *res;
} hist_plot_ctx;

/* the scores' histogram as boxes, points inline */
static PetscErrorCode hist_plot_body(FILE *gp, void *vctx)
{
  const hist_plot_ctx    *c   = vctx;
  const ms_screen_result *res = c->res;
  const double            w   = (res->hist_hi - res->hist_lo) / res->hist_bins;
  char                    title[512], xlabel[256];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(title, sizeof title, "matscreen screen: %s of %lld candidates (%lld below, %lld above the range)",
                          ms_screen_rank_names[c->o->rank], (long long)res->n_scored, (long long)res->hist[0],
                          (long long)res->hist[res->hist_bins + 1]));
  PetscCall(PetscSNPrintf(xlabel, sizeof xlabel, "score (%s%s)", ms_screen_rank_names[c->o->rank],
                          c->o->rank == MS_SCREEN_RANK_PROB ? ": probability" : ""));
  fprintf(gp, "set title ");
  ms_report_gnuplot_quoted(gp, title);
  fprintf(gp, "\nset xlabel ");
  ms_report_gnuplot_quoted(gp, xlabel);
  fprintf(gp, "\nset ylabel 'candidates'\nset style fill solid 0.6\nset boxwidth %.17g\nset grid\n", w);
  fprintf(gp, "plot '-' using 1:2 with boxes notitle lc rgb '#3060a0'\n");
  for (int b = 0; b < res->hist_bins; b++) fprintf(gp, "%.17g %lld\n", res->hist_lo + (b + 0.5) * w, (long long)res->hist[b + 1]);
  fprintf(gp, "e\n");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_plot_histogram(MPI_Comm comm, const ms_screen_opts *o, const ms_screen_result *res, const char *png)
{
  hist_plot_ctx c = {o, res};

  PetscFunctionBegin;
  if (res->hist_bins <= 0) {
    PetscCall(ms_warn(comm, "warning: no histogram to plot (-histogram %s): no bins\n", png));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_report_gnuplot(comm, png, 800, 500, "screen -histogram", hist_plot_body, &c));
  PetscFunctionReturn(0);
}
