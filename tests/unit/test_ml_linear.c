/* test_ml_linear.c - OLS and ridge against the normal equations solved by hand.
 * Run on 1 and 2 ranks: the rows are sharded, the answer must not change. */
#include "ms_model.h"
#include "ms_test.h"
#include "ml_test_data.h"

static PetscErrorCode fit(const char *type, const char *alpha, int64_t n, int64_t d, const double *X, const double *y, ms_model *m)
{
  ms_dataset ds;

  PetscFunctionBegin;
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, n, d, X, y, NULL, 0, NULL, &ds));
  if (alpha) PetscCall(PetscOptionsSetValue(NULL, "-ridge_alpha", alpha));
  PetscCall(ms_model_create(PETSC_COMM_WORLD, type, m));
  PetscCall(ms_model_set_from_options(*m));
  PetscCall(ms_model_fit(*m, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

/* w and b from predictions at 0 and the unit vectors (the model is affine). */
static PetscErrorCode coefficients(ms_model m, int64_t d, double *w, double *b)
{
  ms_dataset  ds;
  double      E[3 * 2] = {0, 0, 1, 0, 0, 1}, yhat[3];
  PetscMPIInt rank;

  PetscFunctionBegin;
  /* Rank-local evaluation: every rank holds the whole fitted model. */
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(ml_test_dataset(PETSC_COMM_SELF, d + 1, d, d == 1 ? (double[]){0, 1} : E, NULL, NULL, 0, NULL, &ds));
  PetscCall(ms_model_predict(m, ds, yhat));
  *b = yhat[0];
  for (int64_t j = 0; j < d; j++) w[j] = yhat[j + 1] - yhat[0];
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  ms_model m;
  double   w[2], b;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  {
    /* y = 1 + 2x exactly: OLS recovers it; ridge(alpha=1): centred x = (-1,0,1), Sxx = 2,
       Sxy = 4, w = 4/(2+1), b = mean y - w mean x = 3 - 4/3. */
    const double X[] = {0, 1, 2}, y[] = {1, 3, 5};
    PetscCall(fit("linear", NULL, 3, 1, X, y, &m));
    PetscCall(coefficients(m, 1, w, &b));
    MS_CHECK_CLOSE(w[0], 2.0, 1e-14, 1e-14);
    MS_CHECK_CLOSE(b, 1.0, 1e-14, 1e-14);
    PetscCall(ms_model_destroy(&m));
    PetscCall(fit("ridge", "1", 3, 1, X, y, &m));
    PetscCall(coefficients(m, 1, w, &b));
    MS_CHECK_CLOSE(w[0], 4.0 / 3.0, 1e-14, 1e-14);
    MS_CHECK_CLOSE(b, 5.0 / 3.0, 1e-14, 1e-14);
    PetscCall(ms_model_destroy(&m));
  }
  {
    /* Two features, 5 rows: solve (Sxx + alpha I) w = Sxy with Cramer's rule, Sxx and Sxy
       from the centred data; b = ybar - xbar.w (intercept not penalised). */
    const double X[] = {1, 0, 0, 1, 1, 1, 2, 1, 3, 5}, y[] = {1, 2, 4, 3, 7};
    const int    n   = 5;
    for (int pass = 0; pass < 3; pass++) {
      const double alpha = pass == 0 ? 0.0 : pass == 1 ? 1.0 : 2.5;
      double       xb[2] = {0, 0}, yb = 0, S[4] = {0, 0, 0, 0}, r[2] = {0, 0}, det, we[2], be;
      for (int i = 0; i < n; i++) { xb[0] += X[2 * i] / n; xb[1] += X[2 * i + 1] / n; yb += y[i] / n; }
      for (int i = 0; i < n; i++) {
        const double a = X[2 * i] - xb[0], c = X[2 * i + 1] - xb[1], t = y[i] - yb;
        S[0] += a * a; S[1] += a * c; S[3] += c * c; r[0] += a * t; r[1] += c * t;
      }
      S[2] = S[1];
      S[0] += alpha; S[3] += alpha;
      det   = S[0] * S[3] - S[1] * S[2];
      we[0] = (r[0] * S[3] - S[1] * r[1]) / det;
      we[1] = (S[0] * r[1] - S[2] * r[0]) / det;
      be    = yb - xb[0] * we[0] - xb[1] * we[1];
      PetscCall(fit(pass ? "ridge" : "linear", pass == 1 ? "1" : pass == 2 ? "2.5" : NULL, n, 2, X, y, &m));
      PetscCall(coefficients(m, 2, w, &b));
      MS_CHECK_CLOSE(w[0], we[0], 1e-12, 1e-13);
      MS_CHECK_CLOSE(w[1], we[1], 1e-12, 1e-13);
      MS_CHECK_CLOSE(b, be, 1e-12, 1e-13);
      PetscCall(ms_model_destroy(&m));
    }
  }
  {
    /* Collinear columns (x, x), y = 1 + 2x: G is singular, so the fit must take the SVD path
       and return lstsq's minimum-norm solution w = (1, 1), b = 1 (Cholesky would fail or
       return arbitrary w). */
    const double X[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}, y[] = {1, 3, 5, 7, 9};
    PetscCall(fit("linear", NULL, 5, 2, X, y, &m));
    PetscCall(coefficients(m, 2, w, &b));
    MS_CHECK_CLOSE(w[0], 1.0, 1e-12, 1e-12);
    MS_CHECK_CLOSE(w[1], 1.0, 1e-12, 1e-12);
    MS_CHECK_CLOSE(b, 1.0, 1e-12, 1e-10);
    PetscCall(ms_model_destroy(&m));
  }
  {
    /* Several row blocks per rank (70000 rows of 2 features: blocks of 32768 rows) with
       features far from zero and drifting from block to block, and a deterministic
       "noise" in y: x1 = 1e6 + i / 1000 + (i mod 7), x2 = (i mod 11) / 8,
       y = 1 + 2 x1 - 3 x2 + e_i. Reference: the centred normal equations in long double
       (two passes, 2 x 2 Cramer's rule). The blocks' Gram matrices about their own means
       must be merged to the global mean (a missing between-block term changes w), and
       sum x x^T - n m m^T in double would lose ~1e12 eps = 1e-4. */
    const int64_t n = 70000;
    double       *X, *y, we[2], be;
    long double   mx[2] = {0, 0}, my = 0, sxx[3] = {0, 0, 0}, sxy[2] = {0, 0}, det;
    PetscCall(PetscMalloc2(2 * n, &X, n, &y));
    for (int64_t i = 0; i < n; i++) {
      X[2 * i]     = 1e6 + (double)i / 1000.0 + (double)(i % 7);
      X[2 * i + 1] = (double)(i % 11) / 8.0;
      y[i]         = 1.0 + 2.0 * X[2 * i] - 3.0 * X[2 * i + 1] + (double)((i * 7919) % 13 - 6) / 10.0;
      mx[0] += X[2 * i];
      mx[1] += X[2 * i + 1];
      my += y[i];
    }
    mx[0] /= n;
    mx[1] /= n;
    my /= n;
    for (int64_t i = 0; i < n; i++) {
      long double a = X[2 * i] - mx[0], c = X[2 * i + 1] - mx[1], e = y[i] - my;
      sxx[0] += a * a;
      sxx[1] += a * c;
      sxx[2] += c * c;
      sxy[0] += a * e;
      sxy[1] += c * e;
    }
    det   = sxx[0] * sxx[2] - sxx[1] * sxx[1];
    we[0] = (double)((sxy[0] * sxx[2] - sxx[1] * sxy[1]) / det);
    we[1] = (double)((sxx[0] * sxy[1] - sxx[1] * sxy[0]) / det);
    be    = (double)(my - we[0] * mx[0] - we[1] * mx[1]);
    PetscCall(fit("linear", NULL, n, 2, X, y, &m));
    PetscCall(coefficients(m, 2, w, &b));
    MS_CHECK_CLOSE(w[0], we[0], 1e-10, 0);
    MS_CHECK_CLOSE(w[1], we[1], 1e-10, 0);
    MS_CHECK_CLOSE(b, be, 0, 1e-3); /* extrapolated from x1 = 1e6 to 0: |b error| ~ 1e6 |w error| */
    PetscCall(PetscFree2(X, y));
    PetscCall(ms_model_destroy(&m));
  }
  MS_TEST_END("ml_linear");
}
