/* sisso.c - the SISSO driver: build the space, then for D = 1..dim screen n_sis new
 * descriptors against the current residual (the target for D = 1), add them to the union,
 * search all D-subsets of the union exactly (sisso_l0.c) and refit the winner by least
 * squares with intercept on the raw descriptor values (LAPACK dgelsd). The residual of the
 * D-descriptor model feeds the next screening, as in Ouyang et al. 2018. */
#include "sisso_impl.h"
#include "ms_log.h"
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

/* Least squares y ~ c0 + sum_d c_d V[sel[d]] over n rows; coef[0] = intercept. */
static PetscErrorCode sisso_refit(MPI_Comm comm, int64_t n, int D, const double *V, const int64_t *sel, const double *y, double *coef,
                                  double *resid)
{
  double    *A, *rhs, *sv;
  lapack_int rank, info;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(n * (D + 1), &A, PetscMax(n, D + 1), &rhs, D + 1, &sv));
  for (int64_t i = 0; i < n; i++) {
    A[i] = 1.0;
    for (int d = 0; d < D; d++) A[(d + 1) * n + i] = V[sel[d] * n + i];
    rhs[i] = y[i];
  }
  info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)n, D + 1, 1, A, (lapack_int)n, rhs, (lapack_int)PetscMax(n, D + 1), sv, 1e-13, &rank);
  PetscCheck(!info, comm, PETSC_ERR_LIB, "sisso: least-squares refit failed (dgelsd info %d)", (int)info);
  PetscCall(PetscArraycpy(coef, rhs, D + 1));
  for (int64_t i = 0; i < n; i++) {
    double f = coef[0];
    for (int d = 0; d < D; d++) f += coef[d + 1] * V[sel[d] * n + i];
    resid[i] = y[i] - f;
  }
  PetscCall(PetscFree3(A, rhs, sv));
  PetscFunctionReturn(0);
}

/* Classification, dimension D: the subset whose class domains hold the fewest foreign rows;
 * the rows in an overlap region are the ones the next screening looks at. On the last
 * dimension the domains, centroids and descriptor scaling go into res. */
static PetscErrorCode ms_sisso_class_fit_step(MPI_Comm comm, int64_t n, int64_t M, const double *Z, const double *V, const ms_sisso_recipe *urec,
                                              const ms_sisso_space *sp, const ms_sisso_cls *cls, char *active, int D, PetscBool last,
                                              int64_t *sel, ms_sisso_result *res)
{
  const double  *cols[MS_SISSO_MAX_DIM];
  ms_sisso_hulls h;
  double         loss, t0 = MPI_Wtime();
  int64_t        n_overlap;

  PetscFunctionBegin;
  PetscCall(ms_sisso_l0_class(comm, n, M, Z, cls, D, sel, &loss, &res->l0_subsets));
  res->l0_seconds = MPI_Wtime() - t0;
  for (int d = 0; d < D; d++) cols[d] = Z + sel[d] * n;
  PetscCall(ms_sisso_class_domains(n, D, cols, cls, &h, active, &n_overlap));
  PetscCall(ms_log(comm, "sisso: %dD classification model (%lld subsets of %lld screened, %.4f s): %lld training rows inside another class's domain\n",
                   D, (long long)res->l0_subsets, (long long)M, res->l0_seconds, (long long)n_overlap));
  for (int d = 0; d < D; d++) {
    char *f;
    PetscCall(ms_sisso_space_format(sp, &urec[sel[d]], PETSC_FALSE, &f));
    PetscCall(ms_log(comm, "  descriptor %d: %s\n", d + 1, f));
    PetscCall(PetscFree(f));
  }
  if (last) {
    int64_t tot = 0, q = 0;
    res->n_overlap = n_overlap;
    PetscCall(PetscCalloc3(D, &res->dmean, D, &res->dsd, (int64_t)cls->K * D, &res->centroid));
    for (int d = 0; d < D; d++) {
      const double *v = V + sel[d] * n;
      double        m = 0.0, ss = 0.0;
      for (int64_t i = 0; i < n; i++) m += v[i];
      m /= (double)n;
      for (int64_t i = 0; i < n; i++) ss += (v[i] - m) * (v[i] - m);
      res->dmean[d] = m;
      res->dsd[d]   = sqrt(ss / (double)n);
    }
    for (int c = 0; c < cls->K; c++) {
      int64_t nc = 0;
      for (int64_t i = 0; i < n; i++)
        if (cls->lab[i] == c) {
          nc++;
          for (int d = 0; d < D; d++) res->centroid[c * D + d] += cols[d][i];
        }
      for (int d = 0; d < D; d++) res->centroid[c * D + d] /= (double)PetscMax(nc, 1);
      tot += h.nf[c];
    }
    PetscCall(PetscMalloc2(cls->K, &res->hull_nf, PetscMax(tot, 1) * (D + 1), &res->hull));
    for (int c = 0; c < cls->K; c++) {
      res->hull_nf[c] = h.nf[c];
      for (int64_t k = 0; k < (int64_t)h.nf[c] * (D + 1); k++) res->hull[q++] = h.f[c][k];
    }
  }
  PetscCall(ms_sisso_hulls_free(&h));
  PetscFunctionReturn(0);
}

void ms_sisso_classify(const ms_sisso_result *res, int64_t n, const double *V, double *out)
{
  const int D = res->dim, K = res->n_classes;
  for (int64_t i = 0; i < n; i++) {
    double    x[MS_SISSO_MAX_DIM], best = PETSC_INFINITY;
    PetscBool in[64];
    int       nin = 0, c_in = -1, cbest = 0;
    int64_t   off = 0;
    for (int d = 0; d < D; d++) x[d] = (V[d * n + i] - res->dmean[d]) / (res->dsd[d] > 0 ? res->dsd[d] : 1.0);
    for (int c = 0; c < K; c++) {
      in[c] = res->hull_nf[c] > 0;
      for (int q = 0; q < res->hull_nf[c] && in[c]; q++) {
        const double *f = res->hull + off + (int64_t)q * (D + 1);
        double        s = f[D];
        for (int d = 0; d < D; d++) s += f[d] * x[d];
        in[c] = s <= 1e-10;
      }
      off += (int64_t)res->hull_nf[c] * (D + 1);
      if (in[c]) { nin++; c_in = c; }
    }
    if (nin == 1) { out[i] = c_in; continue; }
    /* in no domain or in several: the nearest centroid (among the containing classes) */
    for (int c = 0; c < K; c++) {
      double dist = 0.0;
      if (nin > 1 && !in[c]) continue;
      for (int d = 0; d < D; d++) dist += (x[d] - res->centroid[c * D + d]) * (x[d] - res->centroid[c * D + d]);
      if (dist < best) { best = dist; cbest = c; }
    }
    out[i] = cbest;
  }
}

PetscErrorCode ms_sisso_fit(MPI_Comm comm, const ms_sisso_opts *o, int64_t n, int64_t p, const double *X, const double *y, const int64_t *lab,
                            int n_classes, char *const *names, ms_sisso_result *res)
{
  ms_sisso_cls     cls = {n_classes, lab, NULL};
  char            *active = NULL;
  double          *ydummy = NULL;
  ms_sisso_space   sp;
  ms_sisso_top     top;
  ms_sisso_recipe *urec;
  uint64_t        *uhash, *excl;
  double          *Z, *V, *yc, *r, *resid, ymean = 0.0, coef[MS_SISSO_MAX_DIM + 1] = {0};
  int64_t          M = 0, cap, sel[MS_SISSO_MAX_DIM] = {0};

  PetscFunctionBegin;
  PetscCheck(o->rung >= 0 && o->rung <= MS_SISSO_MAX_RUNG, comm, MS_ERR_USER, "-sisso_rung must be 0..%d, got %d", MS_SISSO_MAX_RUNG, o->rung);
  PetscCheck(o->dim >= 1 && o->dim <= MS_SISSO_MAX_DIM, comm, MS_ERR_USER, "-sisso_dim must be 1..%d, got %d", MS_SISSO_MAX_DIM, o->dim);
  PetscCheck(o->n_sis >= 1, comm, MS_ERR_USER, "-sisso_n_sis must be >= 1, got %d", o->n_sis);
  PetscCheck(n > o->dim + 1, comm, MS_ERR_USER, "sisso: %lld training rows are too few for %d descriptors and an intercept", (long long)n, o->dim);
  PetscCheck(!lab || (n_classes >= 2 && n_classes <= 64), comm, MS_ERR_USER, "sisso classification: %d classes; 2..64 are supported", n_classes);
  PetscCall(PetscMemzero(res, sizeof *res));
  if (lab) { /* classification: no residual; the rows still in an overlap region steer screening */
    PetscCall(PetscCalloc1(n, &ydummy));
    PetscCall(PetscMalloc1(n, &active));
    for (int64_t i = 0; i < n; i++) active[i] = 1;
    cls.active = active;
    y = ydummy;
  }
  PetscCall(ms_sisso_space_build(comm, o, n, p, X, names, &sp, res));
  cap = (int64_t)o->n_sis * o->dim;
  PetscCall(PetscMalloc4(cap, &urec, cap, &uhash, cap, &excl, cap * n, &Z));
  PetscCall(PetscMalloc4(cap * n, &V, n, &yc, n, &r, n, &resid));
  PetscCall(PetscMalloc1(o->n_sis, &top.e));
  top.k = o->n_sis;
  for (int64_t i = 0; i < n; i++) ymean += y[i];
  ymean /= (double)n;
  for (int64_t i = 0; i < n; i++) resid[i] = yc[i] = y[i] - ymean;
  for (int D = 1; D <= o->dim; D++) {
    double  rn = 0.0, rm = 0.0, rss, t0 = MPI_Wtime();
    int64_t n_valid;

    /* the residual, centred and of unit norm, so |z.r|/sqrt(n) is |corr| */
    for (int64_t i = 0; i < n; i++) rm += resid[i];
    rm /= (double)n;
    for (int64_t i = 0; i < n; i++) rn += (resid[i] - rm) * (resid[i] - rm);
    rn = rn > 1e-300 ? 1.0 / sqrt(rn) : 0.0;
    for (int64_t i = 0; i < n; i++) r[i] = (resid[i] - rm) * rn;
    PetscCall(PetscArraycpy(excl, uhash, M));
    qsort(excl, M, sizeof *excl, cmp_u64);
    PetscCall(ms_sisso_screen(comm, &sp, r, lab ? &cls : NULL, M, excl, &top, &n_valid));
    if (D == 1 && sp.R >= 1) {
      res->n_kept[sp.R]  = n_valid;
      res->seconds[sp.R] = MPI_Wtime() - t0;
      PetscCall(ms_log(comm, "sisso: rung %d: %lld candidates, %lld valid (streamed, not stored), screened in %.4f s\n", sp.R,
                       (long long)res->n_candidates[sp.R], (long long)n_valid, res->seconds[sp.R]));
    }
    for (int64_t k = 0; k < top.n; k++, M++) {
      int32_t cx;
      ms_sisso_space_decode(&sp, top.e[k].idx, &urec[M]);
      (void)ms_sisso_space_eval(&sp, &urec[M], V + M * n, &cx);
      uhash[M] = ms_sisso_standardise(n, V + M * n, Z + M * n);
    }
    PetscCheck(M >= D, comm, MS_ERR_USER, "sisso: only %lld distinct valid descriptors for %d dimensions; raise -sisso_rung or add -sisso_ops",
               (long long)M, D);
    t0 = MPI_Wtime();
    if (lab) {
      PetscCall(ms_sisso_class_fit_step(comm, n, M, Z, V, urec, &sp, &cls, active, D, D == o->dim, sel, res));
      continue;
    }
    PetscCall(ms_sisso_l0(comm, n, M, Z, yc, D, sel, &rss, &res->l0_subsets));
    res->l0_seconds = MPI_Wtime() - t0;
    PetscCall(sisso_refit(comm, n, D, V, sel, y, coef, resid));
    res->rmse = 0.0;
    for (int64_t i = 0; i < n; i++) res->rmse += resid[i] * resid[i];
    res->rmse = sqrt(res->rmse / (double)n);
    {
      char *f;
      PetscCall(ms_log(comm, "sisso: %dD model (%lld subsets of %lld screened, %.4f s): training RMSE %.12g\n", D, (long long)res->l0_subsets,
                       (long long)M, res->l0_seconds, res->rmse));
      PetscCall(ms_log(comm, "  y = %.10g", coef[0]));
      for (int d = 0; d < D; d++) {
        PetscCall(ms_sisso_space_format(&sp, &urec[sel[d]], PETSC_FALSE, &f));
        PetscCall(ms_log(comm, " %+.10g * [%s]", coef[d + 1], f));
        PetscCall(PetscFree(f));
      }
      PetscCall(ms_log(comm, "\n"));
    }
  }
  res->dim       = o->dim;
  res->intercept = coef[0];
  res->n_classes = lab ? n_classes : 0;
  PetscCall(PetscMalloc3(o->dim, &res->infix, o->dim, &res->rpn, o->dim, &res->coef));
  for (int d = 0; d < o->dim; d++) {
    res->coef[d] = coef[d + 1];
    PetscCall(ms_sisso_space_format(&sp, &urec[sel[d]], PETSC_FALSE, &res->infix[d]));
    PetscCall(ms_sisso_space_format(&sp, &urec[sel[d]], PETSC_TRUE, &res->rpn[d]));
  }
  PetscCall(PetscFree(top.e));
  PetscCall(PetscFree(active));
  PetscCall(PetscFree(ydummy));
  PetscCall(PetscFree4(V, yc, r, resid));
  PetscCall(PetscFree4(urec, uhash, excl, Z));
  PetscCall(ms_sisso_space_free(&sp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_result_free(ms_sisso_result *res)
{
  PetscFunctionBegin;
  for (int d = 0; d < res->dim && res->infix; d++) {
    PetscCall(PetscFree(res->infix[d]));
    PetscCall(PetscFree(res->rpn[d]));
  }
  PetscCall(PetscFree3(res->infix, res->rpn, res->coef));
  PetscCall(PetscFree3(res->dmean, res->dsd, res->centroid));
  PetscCall(PetscFree2(res->hull_nf, res->hull));
  res->dim = 0;
  PetscFunctionReturn(0);
}
