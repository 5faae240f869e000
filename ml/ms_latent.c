/* ms_latent.c - latent PCA diagnostics and nearest-neighbour estimates (ms_latent.h). */
#include "ms_latent.h"
#include "ms_error.h"
#include "ms_report.h"
#include <limits.h>
#include <math.h>

const char *const ms_latent_prop_names[MS_LATENT_NPROP] = {"porosity", "stretch_x", "stretch_y", "stretch_z", "intensity"};

const char *ms_latent_axis_name(int axis)
{
  static const char *const n[] = {"x", "y", "z"};
  return axis >= 0 && axis < 3 ? n[axis] : "no";
}

ms_latent_opts ms_latent_opts_default(void)
{
  ms_latent_opts o = {0.95, 6, 0, {0, 0}};
  return o;
}

void ms_latent_stretch(const double e[3], int *axis, double *intensity)
{
  int a = 0;
  for (int i = 1; i < 3; i++)
    if (e[i] < e[a]) a = i;
  *axis      = e[a] < 1.0 ? a : -1;
  *intensity = e[a] < 1.0 ? e[a] : 1.0;
}

void ms_latent_tau_anisotropy(const double tau[3], int *axis, double *intensity)
{
  int a = 0;
  *axis = -1;
  *intensity = NAN;
  for (int i = 0; i < 3; i++)
    if (!isfinite(tau[i]) || tau[i] <= 0) return;
  for (int i = 1; i < 3; i++)
    if (tau[i] < tau[a]) a = i;
  double s = 0;
  for (int i = 0; i < 3; i++)
    if (i != a) s += tau[a] / tau[i];
  *axis = a;
  *intensity = s / 2;
}

/* Pearson r of every leading score column with every property, two passes (means first) so
 * the result does not suffer from cancellation; sums reduced over comm. */
static PetscErrorCode correlations(MPI_Comm comm, int64_t n_local, int64_t k, int64_t nl, const double *S, const double *props, double *corr)
{
  const int64_t m = nl + MS_LATENT_NPROP;
  double       *mean, *acc;
  PetscFunctionBeginUser;
  PetscCall(PetscCalloc2(m + 1, &mean, nl * MS_LATENT_NPROP + m + 1, &acc));
  double n = (double)n_local;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &n, 1, MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t i = 0; i < n_local; i++) {
    for (int64_t c = 0; c < nl; c++) mean[c] += S[i * k + c];
    for (int j = 0; j < MS_LATENT_NPROP; j++) mean[nl + j] += props[i * MS_LATENT_NPROP + j];
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mean, (int)m, MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t c = 0; c < m; c++) mean[c] /= n;
  double *var = acc + nl * MS_LATENT_NPROP; /* m sums of squares */
  for (int64_t i = 0; i < n_local; i++) {
    for (int64_t c = 0; c < nl; c++) {
      const double s = S[i * k + c] - mean[c];
      var[c] += s * s;
      for (int j = 0; j < MS_LATENT_NPROP; j++) acc[c * MS_LATENT_NPROP + j] += s * (props[i * MS_LATENT_NPROP + j] - mean[nl + j]);
    }
    for (int j = 0; j < MS_LATENT_NPROP; j++) {
      const double p = props[i * MS_LATENT_NPROP + j] - mean[nl + j];
      var[nl + j] += p * p;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, (int)(nl * MS_LATENT_NPROP + m), MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t c = 0; c < nl; c++)
    for (int j = 0; j < MS_LATENT_NPROP; j++) {
      const double den = sqrt(var[c] * var[nl + j]);
      corr[c * MS_LATENT_NPROP + j] = den > 0 ? acc[c * MS_LATENT_NPROP + j] / den : NAN;
    }
  PetscCall(PetscFree2(mean, acc));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_fit(MPI_Comm comm, int64_t n_local, int64_t d, const double *X, const double *props, const ms_latent_opts *o,
                             ms_latent_result *r)
{
  double *S;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCheck(o->variance > 0 && o->variance <= 1, comm, MS_ERR_USER, "-variance %g: expected a fraction in (0, 1]", o->variance);
  PetscCheck(o->n_lead >= 2, comm, MS_ERR_USER, "-leading %lld: expected >= 2 (the stretch plane needs two components)", (long long)o->n_lead);
  PetscCall(ms_pca_create(&r->pca));
  PetscCall(ms_pca_fit(r->pca, comm, n_local, d, X));
  const int64_t k = r->pca->k;
  PetscCheck(k >= 2, comm, MS_ERR_USER, "latent: the PCA has %lld component(s); the stretch plane needs 2 (more structures or descriptors)",
             (long long)k);
  /* scikit-learn's PCA(n_components=variance): searchsorted(cumsum, variance, side="right") + 1 */
  double cum = 0;
  r->n_variance = 0;
  for (int64_t c = 0; c < k; c++) {
    cum += r->pca->explained_variance_ratio[c];
    if (cum <= o->variance) r->n_variance = c + 1;
  }
  r->n_variance = PetscMin(r->n_variance + 1, k);
  r->n_lead = PetscMin(o->n_lead, k);
  PetscCheck(o->porosity_pc >= 0 && o->porosity_pc <= r->n_lead, comm, MS_ERR_USER, "-porosity_pc %lld: expected 0 (automatic) or 1..%lld",
             (long long)o->porosity_pc, (long long)r->n_lead);
  for (int i = 0; i < 2; i++)
    PetscCheck(o->stretch_pc[i] >= 0 && o->stretch_pc[i] <= r->n_lead, comm, MS_ERR_USER,
               "-stretch_pcs %lld,%lld: expected components in 1..%lld (0,0: automatic)", (long long)o->stretch_pc[0], (long long)o->stretch_pc[1],
               (long long)r->n_lead);
  PetscCheck((o->stretch_pc[0] == 0) == (o->stretch_pc[1] == 0) && (o->stretch_pc[0] == 0 || o->stretch_pc[0] != o->stretch_pc[1]), comm,
             MS_ERR_USER, "-stretch_pcs %lld,%lld: expected two different components (or 0,0: automatic)", (long long)o->stretch_pc[0],
             (long long)o->stretch_pc[1]);

  PetscCall(PetscMalloc1(PetscMax(1, n_local * k), &S));
  PetscCall(PetscMalloc1(r->n_lead * MS_LATENT_NPROP, &r->corr));
  PetscCall(ms_pca_transform(r->pca, n_local, X, S));
  PetscCall(correlations(comm, n_local, k, r->n_lead, S, props, r->corr));
  PetscCall(PetscFree(S));

  r->porosity_pc = o->porosity_pc - 1;
  if (r->porosity_pc < 0) {
    r->porosity_pc = 0;
    for (int64_t c = 1; c < r->n_lead; c++)
      if (fabs(r->corr[c * MS_LATENT_NPROP]) > fabs(r->corr[r->porosity_pc * MS_LATENT_NPROP])) r->porosity_pc = c;
  }
  if (o->stretch_pc[0] > 0) {
    r->stretch_pc[0] = o->stretch_pc[0] - 1;
    r->stretch_pc[1] = o->stretch_pc[1] - 1;
  } else {
    /* the two leading components (other than porosity's) that carry the most stretch:
       largest r_x^2 + r_y^2 + r_z^2, first on ties; with only two leading components, both */
    double  best[2] = {-1, -1};
    int64_t pick[2] = {0, 1};
    for (int64_t c = 0; c < r->n_lead && r->n_lead >= 3; c++) {
      if (c == r->porosity_pc) continue;
      double w = 0;
      for (int j = MS_LATENT_EX; j <= MS_LATENT_EZ; j++) {
        const double v = r->corr[c * MS_LATENT_NPROP + j];
        w += isfinite(v) ? v * v : 0;
      }
      if (w > best[0]) best[1] = best[0], pick[1] = pick[0], best[0] = w, pick[0] = c;
      else if (w > best[1]) best[1] = w, pick[1] = c;
    }
    r->stretch_pc[0] = PetscMin(pick[0], pick[1]);
    r->stretch_pc[1] = PetscMax(pick[0], pick[1]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_result_free(ms_latent_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(ms_pca_destroy(&r->pca));
  PetscCall(PetscFree(r->corr));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_nearest(MPI_Comm comm, const ms_latent_result *r, int64_t n_local, int64_t row_start, const double *scores,
                                 const double *props, int64_t n_new, const double *new_scores, ms_latent_estimate *est)
{
  struct {
    double v;
    int    i;
  } *best;
  double       *got;
  const int64_t k = r->pca->k, pp = r->porosity_pc, a = r->stretch_pc[0], b = r->stretch_pc[1];
  PetscFunctionBeginUser;
  if (n_new == 0) PetscFunctionReturn(0);
  int64_t n_global = n_local;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &n_global, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscCheck(n_global < INT_MAX, comm, MS_ERR_USER, "latent: %lld training rows exceed the MPI_MINLOC index range", (long long)n_global);
  PetscCall(PetscMalloc2(2 * n_new, &best, 2 * n_new * MS_LATENT_NPROP, &got));
  for (int64_t q = 0; q < n_new; q++) {
    const double *s = new_scores + q * k;
    best[2 * q].v = best[2 * q + 1].v = INFINITY;
    best[2 * q].i = best[2 * q + 1].i = INT_MAX;
    for (int64_t i = 0; i < n_local; i++) { /* ascending rows + strict < : the lowest index wins ties */
      const double *t  = scores + i * k;
      const double  dp = fabs(s[pp] - t[pp]), da = s[a] - t[a], db = s[b] - t[b], ds = da * da + db * db;
      if (dp < best[2 * q].v) best[2 * q].v = dp, best[2 * q].i = (int)(row_start + i);
      if (ds < best[2 * q + 1].v) best[2 * q + 1].v = ds, best[2 * q + 1].i = (int)(row_start + i);
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, best, (int)(2 * n_new), MPI_DOUBLE_INT, MPI_MINLOC, comm));
  PetscCall(PetscArrayzero(got, 2 * n_new * MS_LATENT_NPROP));
  for (int64_t q = 0; q < 2 * n_new; q++) {
    const int64_t i = best[q].i - row_start;
    if (i >= 0 && i < n_local) PetscCall(PetscArraycpy(got + q * MS_LATENT_NPROP, props + i * MS_LATENT_NPROP, MS_LATENT_NPROP));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, got, (int)(2 * n_new * MS_LATENT_NPROP), MPI_DOUBLE, MPI_SUM, comm));
  for (int64_t q = 0; q < n_new; q++) {
    const double *gp = got + 2 * q * MS_LATENT_NPROP, *gs = gp + MS_LATENT_NPROP;
    est[q].porosity_row = best[2 * q].i;
    est[q].stretch_row  = best[2 * q + 1].i;
    est[q].porosity     = gp[MS_LATENT_POROSITY];
    ms_latent_stretch(gs + MS_LATENT_EX, &est[q].axis, &est[q].intensity);
  }
  PetscCall(PetscFree2(best, got));
  PetscFunctionReturn(0);
}

typedef struct {
  int64_t       n, n_new, k;
  const double *xya; /* n x 3: score a, score b, axis */
  const double *new_scores;
  int64_t       a, b;
} plot_ctx;

static PetscErrorCode plot_body(FILE *gp, void *ctx)
{
  const plot_ctx *p = (const plot_ctx *)ctx;
  static const char *const colour[4] = {"#d62728", "#2ca02c", "#1f77b4", "#7f7f7f"};
  static const char *const title[4]  = {"stretched along x", "stretched along y", "stretched along z", "isotropic"};
  PetscFunctionBegin;
  fprintf(gp, "set title 'Latent PCA scores by stretch axis'\nset xlabel 'PC%lld'\nset ylabel 'PC%lld'\nset key outside right\nset grid\n",
          (long long)p->a + 1, (long long)p->b + 1);
  for (int g = 0; g < 4; g++) {
    fprintf(gp, "$g%d << EOD\n", g);
    for (int64_t i = 0; i < p->n; i++)
      if ((int)p->xya[3 * i + 2] == (g == 3 ? -1 : g)) fprintf(gp, "%.10g %.10g\n", p->xya[3 * i], p->xya[3 * i + 1]);
    fprintf(gp, "NaN NaN\nEOD\n"); /* an empty block would be a gnuplot error */
  }
  fprintf(gp, "$new << EOD\n");
  for (int64_t q = 0; q < p->n_new; q++) fprintf(gp, "%.10g %.10g\n", p->new_scores[q * p->k + p->a], p->new_scores[q * p->k + p->b]);
  fprintf(gp, "NaN NaN\nEOD\nplot ");
  for (int g = 0; g < 4; g++) fprintf(gp, "$g%d using 1:2 title '%s' with points pt 7 ps 0.7 lc rgb '%s', ", g, title[g], colour[g]);
  fprintf(gp, "$new using 1:2 title 'new volumes' with points pt 2 ps 1.5 lw 2 lc rgb 'black'\n");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_plot(MPI_Comm comm, const ms_latent_result *r, int64_t n_local, const double *scores, const double *props,
                              int64_t n_new, const double *new_scores, const char *png)
{
  PetscMPIInt rank, size;
  double     *mine, *all = NULL;
  int        *counts = NULL, *displs = NULL;
  const int64_t k = r->pca->k;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc1(3 * n_local + 1, &mine));
  for (int64_t i = 0; i < n_local; i++) {
    int    axis;
    double in;
    ms_latent_stretch(props + i * MS_LATENT_NPROP + MS_LATENT_EX, &axis, &in);
    mine[3 * i]     = scores[i * k + r->stretch_pc[0]];
    mine[3 * i + 1] = scores[i * k + r->stretch_pc[1]];
    mine[3 * i + 2] = axis;
  }
  int cnt = (int)(3 * n_local), n = 0;
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, comm));
  for (int p = 0; p < size; p++) displs[p] = n, n += counts[p];
  if (rank == 0) PetscCall(PetscMalloc1(n + 1, &all));
  PetscCallMPI(MPI_Gatherv(mine, cnt, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, comm));
  plot_ctx c = {n / 3, n_new, k, all, new_scores, r->stretch_pc[0], r->stretch_pc[1]};
  PetscCall(ms_report_gnuplot(comm, png, 900, 700, "latent -plot", plot_body, &c));
  PetscCall(PetscFree(all));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(mine));
  PetscFunctionReturn(0);
}
