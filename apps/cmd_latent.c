/* cmd_latent.c - `matscreen latent`: PCA diagnostics of a descriptor space of generated
 * structures and the Table 4.4 nearest-neighbour estimate of new volumes (library:
 * ml/ms_latent.h). */
#include "ms_commands.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_latent.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_report.h"
#include <math.h>
#include <string.h>

const char ms_cmd_latent_help[] =
  "usage: matscreen latent -descriptors LATENT -structures BATCH.h5 -output OUT.h5 [-csv DIAG.csv] [-plot SCORES.png]\n"
  "                        [-variance 0.95] [-leading 6] [-porosity_pc 0] [-stretch_pcs 0,0]\n"
  "                        [-new NEW -tau TAU [-estimate_csv TABLE.csv]]\n"
  "  Latent-space diagnostics (dissertation Appendix A) of generated structures: a PCA of their\n"
  "  descriptors with every component, the number of components reaching -variance of the\n"
  "  variance (scikit-learn's PCA(n_components=0.95)), and the Pearson correlation of the -leading\n"
  "  components with porosity, the stretch factors e_x, e_y, e_z and the stretch intensity (the\n"
  "  smallest factor) read from the generator's /parameters in BATCH.h5.\n"
  "  LATENT: latent.h5 of `vae encode` (/latent/mu, rows = the structures of BATCH in order), a\n"
  "  `describe -fit_pca` output (/describe/summary: its PC columns, rows matched to BATCH by their\n"
  "  ids .../structures/NNNNNN), file.h5:/path (a matrix or a table) or a CSV table.\n"
  "  Porosity component: the leading one most correlated with porosity (-porosity_pc c to choose);\n"
  "  stretch plane: the first two other leading components (-stretch_pcs a,b). -plot draws that\n"
  "  plane coloured by stretch axis (gnuplot).\n"
  "  Table 4.4 (-new, descriptors of new volumes such as CT crops, same kind as LATENT): porosity of\n"
  "  the nearest generated structure along the porosity component, stretch direction and\n"
  "  intensity of the nearest one in the stretch plane, beside the direction (argmin tau) and\n"
  "  intensity (mean(tau_min/tau_other)) computed from -tau: one table with columns tau_x, tau_y,\n"
  "  tau_z [, porosity] [, id] or one `tortuosity -axis all` output per new volume, in order.\n"
  "  OUT.h5: /latent_pca (the PCA, ms_pca layout), /diagnostics (explained_variance_ratio,\n"
  "  cumulative_variance, correlation; attributes n_components_variance, porosity_pc, stretch_pcs),\n"
  "  /scores (table: leading scores and properties per structure), /estimate (Table 4.4, with -new).\n";

/* Scores table of the training rows: leading scores, properties, stretch axis. */
static PetscErrorCode scores_table(MPI_Comm comm, const ms_latent_result *r, const ms_latent_rows *rows, const double *S, const double *props,
                                   ms_dataset *out)
{
  const int64_t nl = r->n_lead, k = r->pca->k, d = nl + MS_LATENT_NPROP + 1;
  char        **names, buf[32];
  ms_dataset    ds;
  PetscFunctionBeginUser;
  PetscCall(ms_dataset_create(comm, rows->n_local, d, &ds));
  PetscCall(PetscMalloc1(d, &names));
  for (int64_t c = 0; c < d; c++) {
    if (c < nl) snprintf(buf, sizeof buf, "PC%lld", (long long)c + 1);
    PetscCall(PetscStrallocpy(c < nl ? buf : c < d - 1 ? ms_latent_prop_names[c - nl] : "stretch_axis", &names[c]));
  }
  PetscCall(ms_dataset_set_feature_names(ds, names));
  for (int64_t c = 0; c < d; c++) PetscCall(PetscFree(names[c]));
  PetscCall(PetscFree(names));
  PetscCall(PetscStrallocpy("structure", &ds->id_name));
  PetscCall(PetscMalloc1(rows->n_local + 1, &ds->ids));
  for (int64_t i = 0; i < rows->n_local; i++) {
    const double *p = props + i * MS_LATENT_NPROP;
    double        in;
    int           axis;
    for (int64_t c = 0; c < nl; c++) ds->X[i * d + c] = S[i * k + c];
    for (int j = 0; j < MS_LATENT_NPROP; j++) ds->X[i * d + nl + j] = p[j];
    ms_latent_stretch(p + MS_LATENT_EX, &axis, &in);
    ds->X[i * d + d - 1] = axis;
    snprintf(buf, sizeof buf, "%06lld", (long long)(rows->row_start + i));
    PetscCall(PetscStrallocpy(rows->ids ? rows->ids[i] : buf, &ds->ids[i]));
  }
  *out = ds;
  PetscFunctionReturn(0);
}

static PetscErrorCode write_diag_h5(MPI_Comm comm, hid_t fid, const ms_latent_result *r)
{
  hid_t         g;
  const int64_t k = r->pca->k;
  double       *cum;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_group_ensure(fid, "/latent_pca", &g));
  PetscCall(ms_pca_save(r->pca, g));
  H5Gclose(g);
  PetscCall(ms_h5_group_ensure(fid, "/diagnostics", &g));
  PetscCall(PetscMalloc1(k, &cum));
  for (int64_t c = 0; c < k; c++) cum[c] = (c ? cum[c - 1] : 0) + r->pca->explained_variance_ratio[c];
  /* replicated arrays: rank 0 writes all rows, the others none */
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_write_rows_double(g, "explained_variance_ratio", k, 0, rank ? 0 : k, 0, r->pca->explained_variance_ratio));
  PetscCall(ms_h5_write_rows_double(g, "cumulative_variance", k, 0, rank ? 0 : k, 0, cum));
  PetscCall(ms_h5_write_rows_double(g, "correlation", r->n_lead, 0, rank ? 0 : r->n_lead, MS_LATENT_NPROP, r->corr));
  hid_t ds = H5Dopen2(g, "correlation", H5P_DEFAULT);
  PetscCall(ms_h5_attr_set_strings(ds, "column_names", MS_LATENT_NPROP, (char *const *)ms_latent_prop_names));
  PetscCall(ms_h5_attr_set_string(ds, "rows", "leading components PC1.., Pearson r of their scores with each column"));
  H5Dclose(ds);
  PetscCall(ms_h5_attr_set_int(g, "n_components_variance", r->n_variance));
  PetscCall(ms_h5_attr_set_int(g, "porosity_pc", r->porosity_pc + 1));
  PetscCall(ms_h5_attr_set_int(g, "stretch_pc_a", r->stretch_pc[0] + 1));
  PetscCall(ms_h5_attr_set_int(g, "stretch_pc_b", r->stretch_pc[1] + 1));
  H5Gclose(g);
  PetscCall(PetscFree(cum));
  PetscFunctionReturn(0);
}

static PetscErrorCode diag_csv(MPI_Comm comm, const ms_latent_result *r, const char *path, int n_in, char *const *in)
{
  ms_text     t = {0};
  PetscMPIInt rank;
  double      cum = 0;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int64_t c = 0; c < r->pca->k && !rank; c++) {
    cum += r->pca->explained_variance_ratio[c];
    PetscCall(ms_text_printf(&t, "PC%lld,%.10g,%.10g", (long long)c + 1, r->pca->explained_variance_ratio[c], cum));
    for (int j = 0; j < MS_LATENT_NPROP; j++)
      if (c < r->n_lead) PetscCall(ms_text_printf(&t, ",%.10g", r->corr[c * MS_LATENT_NPROP + j]));
      else PetscCall(ms_text_printf(&t, ","));
    PetscCall(ms_text_printf(&t, ",%s\n", c == r->porosity_pc ? "porosity" : c == r->stretch_pc[0] || c == r->stretch_pc[1] ? "stretch" : ""));
  }
  PetscCall(ms_report_write_csv(comm, path,
                                "component,explained_variance_ratio,cumulative_variance,r_porosity,r_stretch_x,r_stretch_y,r_stretch_z,r_intensity,role",
                                &t, n_in, in));
  PetscCall(ms_text_free(&t));
  PetscFunctionReturn(0);
}

typedef struct {
  double tau[3], porosity_c, intensity_c;
  int    axis_c;
} calc_row;

static double diff_pct(double p, double c) { return 100.0 * (p - c) / c; }

/* Table 4.4 as a CSV (rank 0's rows) and as an HDF5 table on rank 0's rows. */
static PetscErrorCode estimate_outputs(MPI_Comm comm, hid_t fid, const char *csv, const ms_latent_rows *nr, const ms_latent_estimate *e,
                                       const calc_row *c, int n_in, char *const *in)
{
  static const char *const cols[] = {"porosity_C", "porosity_P", "porosity_diff_pct", "tau_x", "tau_y", "tau_z", "direction_C", "direction_P",
                                     "intensity_C", "intensity_P", "intensity_diff_pct", "porosity_neighbour", "stretch_neighbour"};
  const int64_t            d = 13, n = nr->n_global;
  PetscMPIInt              rank;
  ms_dataset               ds;
  ms_text                  t = {0};
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_dataset_create(comm, rank ? 0 : n, d, &ds));
  PetscCall(ms_dataset_set_feature_names(ds, (char *const *)cols));
  PetscCall(PetscStrallocpy("sample", &ds->id_name));
  PetscCall(PetscMalloc1(ds->n_local + 1, &ds->ids));
  for (int64_t q = 0; q < ds->n_local; q++) {
    char  buf[32];
    double *x = ds->X + q * d;
    snprintf(buf, sizeof buf, "%lld", (long long)q + 1);
    PetscCall(PetscStrallocpy(nr->ids ? nr->ids[q] : buf, &ds->ids[q]));
    const double v[13] = {c[q].porosity_c, e[q].porosity, diff_pct(e[q].porosity, c[q].porosity_c), c[q].tau[0], c[q].tau[1], c[q].tau[2],
                          c[q].axis_c, e[q].axis, c[q].intensity_c, e[q].intensity, diff_pct(e[q].intensity, c[q].intensity_c),
                          (double)e[q].porosity_row, (double)e[q].stretch_row};
    PetscCall(PetscArraycpy(x, v, d));
    PetscCall(ms_text_field(&t, ds->ids[q], PETSC_TRUE));
    for (int j = 0; j < 13; j++) {
      if (j == 6 || j == 7) PetscCall(ms_text_printf(&t, ",%s", ms_latent_axis_name((int)v[j])));
      else if (!isfinite(v[j])) PetscCall(ms_text_printf(&t, ","));
      else if (j >= 11) PetscCall(ms_text_printf(&t, ",%06lld", (long long)v[j]));
      else PetscCall(ms_text_printf(&t, ",%.6g", v[j]));
    }
    PetscCall(ms_text_printf(&t, "\n"));
  }
  PetscCall(ms_dataset_write_h5(ds, fid, "/estimate"));
  if (csv[0])
    PetscCall(ms_report_write_csv(comm, csv,
                                  "sample,porosity_C,porosity_P,porosity_diff_pct,tau_x,tau_y,tau_z,direction_C,direction_P,intensity_C,intensity_P,"
                                  "intensity_diff_pct,porosity_neighbour,stretch_neighbour",
                                  &t, n_in, in));
  PetscCall(ms_text_free(&t));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_latent(MPI_Comm comm)
{
  char           desc[PETSC_MAX_PATH_LEN] = "", batch[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", csv[PETSC_MAX_PATH_LEN] = "",
                 png[PETSC_MAX_PATH_LEN] = "", news[PETSC_MAX_PATH_LEN] = "", ecsv[PETSC_MAX_PATH_LEN] = "";
  char          *taus[256];
  PetscInt       n_tau = 256, lead = 6, pp = 0, sp[2] = {0, 0}, n_sp = 2;
  PetscReal      var = 0.95;
  PetscBool      help, tau_set, sp_set;
  ms_latent_opts o = ms_latent_opts_default();

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen latent options", NULL);
  PetscCall(PetscOptionsString("-descriptors", "descriptors of the generated structures: latent.h5 (vae encode), describe.h5, file.h5:/path or a CSV",
                               NULL, desc, desc, sizeof desc, NULL));
  PetscCall(PetscOptionsString("-structures", "the `generate -batch` file of those structures (porosity and stretch in /parameters)", NULL, batch,
                               batch, sizeof batch, NULL));
  PetscCall(PetscOptionsString("-output", "HDF5 file for the PCA, diagnostics, scores and estimates (written atomically)", NULL, out, out,
                               sizeof out, NULL));
  PetscCall(PetscOptionsString("-csv", "diagnostics CSV: explained variance and correlations per component", NULL, csv, csv, sizeof csv, NULL));
  PetscCall(PetscOptionsString("-plot", "PNG of the stretch-plane scores coloured by stretch axis (gnuplot)", NULL, png, png, sizeof png, NULL));
  PetscCall(PetscOptionsReal("-variance", "cumulative explained variance ratio to reach", NULL, var, &var, NULL));
  PetscCall(PetscOptionsInt("-leading", "leading components correlated and searched", NULL, lead, &lead, NULL));
  PetscCall(PetscOptionsInt("-porosity_pc", "component (1-based) read as porosity (0: the most porosity-correlated leading one)", NULL, pp, &pp, NULL));
  PetscCall(PetscOptionsIntArray("-stretch_pcs", "two components (1-based) spanning the stretch plane (0,0: automatic)", NULL, sp, &n_sp, &sp_set));
  PetscCall(PetscOptionsString("-new", "descriptors of new volumes (same kind as -descriptors) for the Table 4.4 estimate", NULL, news, news,
                               sizeof news, NULL));
  PetscCall(PetscOptionsStringArray("-tau", "tortuosity of the new volumes: a table tau_x,tau_y,tau_z[,porosity][,id] or one `tortuosity` output per volume",
                                    NULL, taus, &n_tau, &tau_set));
  if (!tau_set) n_tau = 0;
  PetscCall(PetscOptionsString("-estimate_csv", "Table 4.4 as CSV (with -new)", NULL, ecsv, ecsv, sizeof ecsv, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    for (PetscInt i = 0; i < n_tau; i++) PetscCall(PetscFree(taus[i]));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(desc[0], comm, MS_ERR_USER, "missing required option -descriptors (latent.h5 of `vae encode` or a `describe -fit_pca` output)");
  PetscCheck(batch[0], comm, MS_ERR_USER, "missing required option -structures (the `generate -batch` file the descriptors describe)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (HDF5 file)");
  PetscCheck(!sp_set || n_sp == 2, comm, MS_ERR_USER, "-stretch_pcs: expected two components a,b (got %d values)", (int)n_sp);
  PetscCheck(!news[0] == !n_tau, comm, MS_ERR_USER, "-new and -tau go together: the estimate is printed beside the values from the tortuosity");
  PetscCheck(!ecsv[0] || news[0], comm, MS_ERR_USER, "-estimate_csv needs -new and -tau");
  o.variance      = var;
  o.n_lead        = lead;
  o.porosity_pc   = pp;
  o.stretch_pc[0] = sp[0];
  o.stretch_pc[1] = sp[1];
  PetscCall(ms_output_check(comm, out));
  if (csv[0]) PetscCall(ms_output_check(comm, csv));
  if (ecsv[0]) PetscCall(ms_output_check(comm, ecsv));
  if (png[0]) PetscCall(ms_report_gnuplot_available(comm, "-plot"));

  ms_latent_rows   rows, nr = {0};
  ms_latent_result r;
  double          *props, *S, *NS = NULL;
  PetscCall(ms_latent_rows_load(comm, desc, "-descriptors", &rows));
  PetscCall(ms_latent_props_load(comm, batch, &rows, &props));
  PetscCall(ms_log(comm, "latent: %lld structures x %lld descriptors from %s\n", (long long)rows.n_global, (long long)rows.d, desc));
  ms_latent_estimate *est = NULL;
  calc_row           *calc = NULL;
  if (news[0]) { /* read and check everything before any output is created */
    PetscCall(ms_latent_rows_load(comm, news, "-new", &nr));
    PetscCall(ms_latent_rows_replicate(comm, &nr));
    PetscCheck(nr.d == rows.d, comm, MS_ERR_USER, "-new %s: %lld descriptors per row, -descriptors %s has %lld (encode both with the same model)", news,
               (long long)nr.d, desc, (long long)rows.d);
    PetscCall(PetscCalloc2(nr.n_global + 1, &est, nr.n_global + 1, &calc));
    double *tau, *por;
    PetscCall(PetscMalloc2(3 * nr.n_global + 1, &tau, nr.n_global + 1, &por));
    PetscCall(ms_latent_tau_load(comm, (int)n_tau, taus, &nr, tau, por));
    for (int64_t q = 0; q < nr.n_global; q++) {
      for (int a = 0; a < 3; a++) calc[q].tau[a] = tau[3 * q + a];
      calc[q].porosity_c = por[q];
      ms_latent_tau_anisotropy(calc[q].tau, &calc[q].axis_c, &calc[q].intensity_c);
    }
    PetscCall(PetscFree2(tau, por));
  }

  PetscCall(ms_latent_fit(comm, rows.n_local, rows.d, rows.X, props, &o, &r));
  const int64_t k = r.pca->k;
  PetscCall(PetscMalloc1(rows.n_local * k + 1, &S));
  PetscCall(ms_pca_transform(r.pca, rows.n_local, rows.X, S));
  if (news[0]) {
    PetscCall(PetscMalloc1(nr.n_global * k + 1, &NS));
    PetscCall(ms_pca_transform(r.pca, nr.n_global, nr.X, NS));
    PetscCall(ms_latent_nearest(comm, &r, rows.n_local, rows.row_start, S, props, nr.n_global, NS, est));
  }

  char      *in[3 + 256];
  int        n_in = 0;
  ms_h5_file f;
  ms_dataset sc;
  in[n_in++] = desc;
  in[n_in++] = batch;
  if (news[0]) in[n_in++] = news;
  for (PetscInt i = 0; i < n_tau; i++) in[n_in++] = taus[i];
  PetscCall(scores_table(comm, &r, &rows, S, props, &sc));
  PetscCall(ms_h5_create(comm, out, &f));
  for (int i = 0; i < n_in; i++) PetscCall(ms_h5_add_input(f, in[i]));
  PetscCall(write_diag_h5(comm, f->fid, &r));
  PetscCall(ms_dataset_write_h5(sc, f->fid, "/scores"));
  if (news[0]) PetscCall(estimate_outputs(comm, f->fid, ecsv, &nr, est, calc, n_in, in));
  PetscCall(ms_h5_commit(&f));
  if (csv[0]) PetscCall(diag_csv(comm, &r, csv, n_in, in));
  if (png[0]) PetscCall(ms_latent_plot(comm, &r, rows.n_local, S, props, nr.n_global, NS, png));

  PetscCall(ms_log(comm, "latent: %lld of %lld components reach %.3g of the variance; PC%lld is the porosity component (r = %.3f), stretch plane PC%lld-PC%lld\n",
                   (long long)r.n_variance, (long long)k, var, (long long)r.porosity_pc + 1, r.corr[r.porosity_pc * MS_LATENT_NPROP],
                   (long long)r.stretch_pc[0] + 1, (long long)r.stretch_pc[1] + 1));
  for (int64_t q = 0; q < nr.n_global; q++)
    PetscCall(ms_log(comm, "latent: new %lld: porosity C %.4f P %.4f, direction C %s P %s, intensity C %.4f P %.4f\n", (long long)q + 1,
                     calc[q].porosity_c, est[q].porosity, ms_latent_axis_name(calc[q].axis_c), ms_latent_axis_name(est[q].axis), calc[q].intensity_c,
                     est[q].intensity));
  for (PetscInt i = 0; i < n_tau; i++) PetscCall(PetscFree(taus[i]));
  PetscCall(ms_dataset_destroy(&sc));
  PetscCall(PetscFree(S));
  PetscCall(PetscFree(NS));
  PetscCall(PetscFree2(est, calc));
  PetscCall(PetscFree(props));
  PetscCall(ms_latent_result_free(&r));
  PetscCall(ms_latent_rows_free(&rows));
  PetscCall(ms_latent_rows_free(&nr));
  PetscFunctionReturn(0);
}
