/* test_sisso - SISSO (ml/sisso) against closed forms:
 *  1. planted formulas are recovered from noisy data: y = 3 x1 x2 / x3^2 (1% noise) gives
 *     the one descriptor (x1*x2)/x3^2 with coefficient 3, and y = x1 exp(-x2) + 0.5 x3 gives
 *     x1/exp(x2) (the same function; the enumeration meets it before x1*exp(-x2)) and x3
 *     with coefficients 1 and 0.5; the descriptor programs evaluate to the planted terms;
 *  2. the fit on PETSC_COMM_WORLD (candidates and subsets split over the ranks) is bitwise
 *     the fit on PETSC_COMM_SELF: same strings, same coefficients;
 *  3. the space sizes follow the enumeration: rung 1 from p features has 9p unary and
 *     6 p(p-1)/2 binary candidates (division both ways), rung 2 likewise from the kept ones;
 *  4. units: y = x1 + x2 is found as (x1+x2) without units and never with x1, x2 in
 *     different units (addition forbidden);
 *  5. the l0 search equals a brute force over every subset solved by SVD least squares
 *     with intercept (LAPACK dgelsd on the raw design), for D = 1, 2, 3;
 *  6. classification: four convex classes in (x1/x2, x3) need two descriptors; the 2-D
 *     model has no row in another class's convex hull and classifies new rows.
 * Run with NP 1 and NP 2.
 */
#include "ms_rng.h"
#include "ms_test.h"
#include "sisso_impl.h"
#include <lapacke.h>
#include <string.h>

#define N 60
static char *names[3] = {"x1", "x2", "x3"};

static PetscErrorCode fit_both_cls(const ms_sisso_opts *o, const double *X, const double *y, const int64_t *lab, int K, ms_sisso_result *rw)
{
  ms_sisso_result rs;
  PetscFunctionBeginUser;
  PetscCall(ms_sisso_fit(PETSC_COMM_WORLD, o, N, 3, X, y, lab, K, names, rw));
  PetscCall(ms_sisso_fit(PETSC_COMM_SELF, o, N, 3, X, y, lab, K, names, &rs));
  MS_CHECK(rw->n_overlap == rs.n_overlap);
  MS_CHECK(rw->dim == rs.dim);
  for (int d = 0; d < rw->dim && d < rs.dim; d++) {
    MS_CHECK(!strcmp(rw->infix[d], rs.infix[d]));
    MS_CHECK(!strcmp(rw->rpn[d], rs.rpn[d]));
    MS_CHECK(rw->coef[d] == rs.coef[d]);
  }
  MS_CHECK(rw->intercept == rs.intercept);
  for (int k = 0; k <= o->rung; k++) MS_CHECK(rw->n_candidates[k] == rs.n_candidates[k] && rw->n_kept[k] == rs.n_kept[k]);
  PetscCall(ms_sisso_result_free(&rs));
  PetscFunctionReturn(0);
}

static PetscErrorCode fit_both(const ms_sisso_opts *o, const double *X, const double *y, ms_sisso_result *rw)
{
  PetscFunctionBeginUser;
  PetscCall(fit_both_cls(o, X, y, NULL, 0, rw));
  PetscFunctionReturn(0);
}

static int find(const ms_sisso_result *r, const char *s)
{
  for (int d = 0; d < r->dim; d++)
    if (!strcmp(r->infix[d], s)) return d;
  return -1;
}

static PetscErrorCode test_planted(void)
{
  double          X[N * 3], y[N], v[N];
  ms_rng          g;
  ms_sisso_opts   o = {2, 20, 1, MS_SISSO_OPS_ALL, NULL, 1000000};
  ms_sisso_result r;
  int             a, b;

  PetscFunctionBeginUser;
  ms_rng_init(&g, 12, 0);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < 3; j++) X[i * 3 + j] = 0.5 + 1.5 * ms_rng_uniform(&g);
    y[i] = 3 * X[i * 3] * X[i * 3 + 1] / (X[i * 3 + 2] * X[i * 3 + 2]) * (1 + 0.01 * ms_rng_normal(&g));
  }
  PetscCall(fit_both(&o, X, y, &r));
  MS_CHECK(r.dim == 1 && !strcmp(r.infix[0], "((x1*x2)/x3^2)"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "planted 1: %s = %s, coef %g, intercept %g\n", r.infix[0], r.rpn[0], r.coef[0], r.intercept));
  MS_CHECK_CLOSE(r.coef[0], 3.0, 0.01, 0);
  MS_CHECK_CLOSE(r.intercept, 0.0, 0, 0.03);
  PetscCall(ms_sisso_rpn_eval(r.rpn[0], N, 3, X, v));
  for (int i = 0; i < N; i++) MS_CHECK_CLOSE(v[i], X[i * 3] * X[i * 3 + 1] / (X[i * 3 + 2] * X[i * 3 + 2]), 1e-14, 0);
  /* closed-form space sizes (p = 3, all 14 operators: 9 unary, 5 binary with / both ways) */
  MS_CHECK(r.n_candidates[1] == 9 * 3 + 6 * 3);
  {
    const int64_t S = r.n_kept[0] + r.n_kept[1], L = r.n_kept[0];
    MS_CHECK(r.n_kept[0] == 3);
    MS_CHECK(r.n_candidates[2] == 9 * (S - L) + 6 * (S * (S - 1) / 2 - L * (L - 1) / 2));
  }
  PetscCall(ms_sisso_result_free(&r));

  ms_rng_init(&g, 12, 1);
  for (int i = 0; i < N; i++) {
    X[i * 3]     = 0.5 + 2.5 * ms_rng_uniform(&g);
    X[i * 3 + 1] = -1.0 + 2.0 * ms_rng_uniform(&g);
    X[i * 3 + 2] = 2.0 * ms_rng_uniform(&g);
    y[i]         = X[i * 3] * exp(-X[i * 3 + 1]) + 0.5 * X[i * 3 + 2] + 0.005 * ms_rng_normal(&g);
  }
  o.dim = 2;
  PetscCall(fit_both(&o, X, y, &r));
  a = find(&r, "(x1/exp(x2))");
  b = find(&r, "x3");
  MS_CHECK(r.dim == 2 && a >= 0 && b >= 0);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "planted 2: %s, %s; coef %g %g, intercept %g\n", r.infix[0], r.infix[1], r.coef[0], r.coef[1], r.intercept));
  if (a >= 0 && b >= 0) {
    MS_CHECK_CLOSE(r.coef[a], 1.0, 0.01, 0);
    MS_CHECK_CLOSE(r.coef[b], 0.5, 0.02, 0);
    PetscCall(ms_sisso_rpn_eval(r.rpn[a], N, 3, X, v));
    for (int i = 0; i < N; i++) MS_CHECK_CLOSE(v[i], X[i * 3] * exp(-X[i * 3 + 1]), 1e-13, 0);
  }
  MS_CHECK_CLOSE(r.intercept, 0.0, 0, 0.01);
  PetscCall(ms_sisso_result_free(&r));
  PetscFunctionReturn(0);
}

static PetscErrorCode test_units(void)
{
  double          X[N * 3], y[N];
  ms_rng          g;
  ms_sisso_opts   o = {1, 10, 1, MS_SISSO_OPS_ALL, NULL, 1000000};
  ms_sisso_result r;
  ms_sisso_unit   u[3];

  PetscFunctionBeginUser;
  ms_rng_init(&g, 13, 0);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < 3; j++) X[i * 3 + j] = 1.0 + ms_rng_uniform(&g);
    y[i] = X[i * 3] + X[i * 3 + 1];
  }
  PetscCall(fit_both(&o, X, y, &r));
  MS_CHECK(!strcmp(r.infix[0], "(x1+x2)"));
  PetscCall(ms_sisso_result_free(&r));
  o.units = "x1=eV,x2=A^2*s^-1,x3=1";
  PetscCall(fit_both(&o, X, y, &r));
  MS_CHECK(strcmp(r.infix[0], "(x1+x2)") && strcmp(r.infix[0], "(x1-x2)") && strcmp(r.infix[0], "|x1-x2|"));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "units: x1 + x2 with x1 in eV, x2 in A^2/s -> %s\n", r.infix[0]));
  PetscCall(ms_sisso_result_free(&r));
  /* the rules themselves: sqrt(A^2/s)... is invalid (s^-1/2 fits the 1/6 grid, s^-1/4 not) */
  PetscCall(ms_sisso_units_parse(PETSC_COMM_SELF, o.units, 3, names, u));
  {
    ms_sisso_unit t, t2;
    MS_CHECK(!ms_sisso_unit_apply(MS_SOP_EXP, &u[0], NULL, &t));
    MS_CHECK(ms_sisso_unit_apply(MS_SOP_EXP, &u[2], NULL, &t));
    MS_CHECK(ms_sisso_unit_apply(MS_SOP_SQRT, &u[1], NULL, &t) && !ms_sisso_unit_apply(MS_SOP_SQRT, &t, NULL, &t2));
    MS_CHECK(ms_sisso_unit_apply(MS_SOP_DIV, &u[0], &u[0], &t) && ms_sisso_unit_apply(MS_SOP_LOG, &t, NULL, &t2));
  }
  PetscFunctionReturn(0);
}

/* brute force: every D-subset of the columns Z (M x n) with an intercept, by dgelsd */
static double brute_rss(int64_t n, int M, const double *Z, const double *y, int D, const int *s)
{
  double     A[64 * 5], rhs[64], sv[5], rss = 0.0;
  lapack_int rank;
  (void)M;
  for (int64_t i = 0; i < n; i++) {
    A[i] = 1.0;
    for (int d = 0; d < D; d++) A[(d + 1) * n + i] = Z[s[d] * n + i];
    rhs[i] = y[i];
  }
  if (LAPACKE_dgelsd(LAPACK_COL_MAJOR, (lapack_int)n, D + 1, 1, A, (lapack_int)n, rhs, (lapack_int)n, sv, -1.0, &rank)) return -1;
  for (int64_t i = D + 1; i < n; i++) rss += rhs[i] * rhs[i]; /* dgelsd leaves the residual's rotated tail here */
  return rss;
}

static PetscErrorCode test_l0(void)
{
  enum { M = 10, NN = 30 };
  double  raw[NN], Z[M * NN], y[NN], yc[NN], ym = 0.0;
  ms_rng  g;

  PetscFunctionBeginUser;
  ms_rng_init(&g, 14, 0);
  for (int a = 0; a < M; a++) {
    for (int i = 0; i < NN; i++) raw[i] = ms_rng_normal(&g) + 0.3 * a;
    MS_CHECK(ms_sisso_standardise(NN, raw, Z + a * NN) != 0);
  }
  for (int i = 0; i < NN; i++) ym += (y[i] = 2.0 * Z[3 * NN + i] - Z[7 * NN + i] + ms_rng_normal(&g));
  for (int i = 0; i < NN; i++) yc[i] = y[i] - ym / NN;
  for (int D = 1; D <= 3; D++) {
    int64_t best[MS_SISSO_MAX_DIM], nsub;
    int     s[3] = {0, 1, 2}, bs[3] = {-1, -1, -1};
    double  rss, brss = PETSC_INFINITY;
    PetscCall(ms_sisso_l0(PETSC_COMM_WORLD, NN, M, Z, yc, D, best, &rss, &nsub));
    /* every subset in lexicographic order */
    for (;;) {
      double r = brute_rss(NN, M, Z, y, D, s);
      if (r < brss) { brss = r; PetscCall(PetscArraycpy(bs, s, D)); }
      int i = D - 1;
      while (i >= 0 && s[i] == M - D + i) i--;
      if (i < 0) break;
      s[i]++;
      for (int j = i + 1; j < D; j++) s[j] = s[j - 1] + 1;
    }
    for (int d = 0; d < D; d++) MS_CHECK(best[d] == bs[d]);
    MS_CHECK_CLOSE(rss, brss, 1e-9, 0);
    MS_CHECK(nsub == (D == 1 ? 10 : D == 2 ? 45 : 120));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "l0 D=%d: best subset %d..., rss %.12g (brute force %.12g)\n", D, (int)best[0], rss, brss));
  }
  PetscFunctionReturn(0);
}

/* Classification: 4 classes, the quadrants of (x1/x2, x3) around (1, 1.25). Each class is
 * convex there, so a 2-D model with no overlapping row exists, while no single descriptor
 * separates all four (1-D intervals of two classes always overlap). New rows are classified
 * by the domain holding them. */
static PetscErrorCode test_classify(void)
{
  double          X[N * 3], Xt[N * 3], V[2 * N], c[N];
  int64_t         lab[N], labt[N], ok = 0;
  ms_rng          g;
  ms_sisso_opts   o = {1, 15, 1, MS_SISSO_OPS_ALL, NULL, 1000000};
  ms_sisso_result r;

  PetscFunctionBeginUser;
  ms_rng_init(&g, 15, 0);
  for (int i = 0; i < 2 * N; i++) {
    double *x = i < N ? X + 3 * i : Xt + 3 * (i - N), q;
    for (int j = 0; j < 3; j++) x[j] = 0.5 + 1.5 * ms_rng_uniform(&g);
    q = x[0] / x[1];
    if (fabs(q - 1.0) < 0.08 || fabs(x[2] - 1.25) < 0.08) { i--; continue; } /* a margin between the classes */
    (i < N ? lab : labt)[i % N] = (q > 1.0) + 2 * (x[2] > 1.25);
  }
  PetscCall(fit_both_cls(&o, X, NULL, lab, 4, &r));
  MS_CHECK(r.n_overlap > 0); /* one descriptor cannot do it */
  PetscCall(ms_sisso_result_free(&r));
  o.dim = 2;
  PetscCall(fit_both_cls(&o, X, NULL, lab, 4, &r));
  MS_CHECK(r.n_overlap == 0);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "classification 2D: %s, %s; %lld rows in overlap\n", r.infix[0], r.infix[1], (long long)r.n_overlap));
  for (int d = 0; d < 2; d++) PetscCall(ms_sisso_rpn_eval(r.rpn[d], N, 3, Xt, V + d * N));
  ms_sisso_classify(&r, N, V, c);
  for (int i = 0; i < N; i++) ok += c[i] == (double)labt[i];
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "classification 2D: %lld of %d new rows right\n", (long long)ok, N));
  MS_CHECK(ok >= 9 * N / 10); /* chance is 1/4; rows beyond a training hull go to the nearest centroid */
  PetscCall(ms_sisso_result_free(&r));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-quiet", NULL));
  PetscCall(test_planted());
  PetscCall(test_units());
  PetscCall(test_l0());
  PetscCall(test_classify());
  MS_TEST_END("sisso");
}
