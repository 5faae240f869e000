/* GPR on three 1-D points, checked against the 3 x 3 algebra written out here from the
 * textbook formulas (Rasmussen & Williams Alg. 2.1), independent of the library's code:
 * K^{-1} by cofactors, log det by the 3 x 3 determinant, gradient by the trace formula
 * with dK written per hyperparameter, and the LML gradient also by central differences. */
#include "ms_gpr.h"
#include "ms_test.h"

static void inv3(const double K[9], double Ki[9], double *det)
{
  double a = K[0], b = K[1], c = K[2], d = K[3], e = K[4], f = K[5], g = K[6], h = K[7], i = K[8];
  double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  *det = a * A + b * B + c * C;
  Ki[0] = A / *det; Ki[1] = -(b * i - c * h) / *det; Ki[2] = (b * f - c * e) / *det;
  Ki[3] = B / *det; Ki[4] = (a * i - c * g) / *det;  Ki[5] = -(a * f - c * d) / *det;
  Ki[6] = C / *det; Ki[7] = -(a * h - b * g) / *det; Ki[8] = (a * e - b * d) / *det;
}

int main(int argc, char **argv)
{
  const double x[3] = {0.0, 1.0, 2.5}, y[3] = {0.3, -0.7, 1.1}, xs = 0.8;
  const double c = 1.7, l = 0.9, s2 = 0.05;
  double       K[9], Ki[9], det, a[3], kst[3], r2[9];
  ms_kernel    k;
  ms_gpr       gp;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* by hand: K_ij = c exp(-(xi-xj)^2 / (2 l^2)) + s2 [i==j] */
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      r2[3 * i + j] = (x[i] - x[j]) * (x[i] - x[j]) / (l * l);
      K[3 * i + j]  = c * exp(-0.5 * r2[3 * i + j]) + (i == j ? s2 : 0.0);
    }
  inv3(K, Ki, &det);
  for (int i = 0; i < 3; i++) a[i] = Ki[3 * i] * y[0] + Ki[3 * i + 1] * y[1] + Ki[3 * i + 2] * y[2];
  double lml = -0.5 * (y[0] * a[0] + y[1] * a[1] + y[2] * a[2]) - 0.5 * log(det) - 1.5 * log(2.0 * PETSC_PI);
  for (int i = 0; i < 3; i++) kst[i] = c * exp(-0.5 * (xs - x[i]) * (xs - x[i]) / (l * l));
  double mean = kst[0] * a[0] + kst[1] * a[1] + kst[2] * a[2], quad = 0.0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) quad += kst[i] * Ki[3 * i + j] * kst[j];
  double sd = sqrt(c + s2 - quad);
  /* gradient: 0.5 tr((a a^T - K^{-1}) dK), dK/dlog c = c r, dK/dlog l = c r * r2, dK/dlog s2 = s2 I */
  double gexp[3] = {0, 0, 0};
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) {
      double w = a[i] * a[j] - Ki[3 * i + j], cr = c * exp(-0.5 * r2[3 * i + j]);
      gexp[0] += 0.5 * w * cr;
      gexp[1] += 0.5 * w * cr * r2[3 * i + j];
      gexp[2] += i == j ? 0.5 * w * s2 : 0.0;
    }

  PetscCall(ms_kernel_create("rbf", 1, &k));
  PetscCall(ms_gpr_create(PETSC_COMM_SELF, k, &gp));
  gp->normalize_y = PETSC_FALSE;
  gp->jitter      = 0.0;
  PetscCall(ms_gpr_set_data(gp, 3, 1, x, y));
  double theta[3] = {log(c), log(l), log(s2)}, got, grad[3];
  PetscCall(ms_gpr_lml(gp, NULL, theta, &got, grad));
  MS_CHECK_CLOSE(got, lml, 1e-12, 1e-12);
  for (int t = 0; t < 3; t++) MS_CHECK_CLOSE(grad[t], gexp[t], 1e-10, 1e-12);
  for (int t = 0; t < 3; t++) { /* central differences of the library's own LML */
    double tp[3] = {theta[0], theta[1], theta[2]}, tm[3] = {theta[0], theta[1], theta[2]}, fp, fm, h = 1e-5;
    tp[t] += h;
    tm[t] -= h;
    PetscCall(ms_gpr_lml(gp, NULL, tp, &fp, NULL));
    PetscCall(ms_gpr_lml(gp, NULL, tm, &fm, NULL));
    MS_CHECK_CLOSE(grad[t], (fp - fm) / (2 * h), 1e-6, 1e-8);
  }
  ms_kernel_set_theta(gp->kernel, theta);
  PetscCall(ms_gpr_factor(gp));
  MS_CHECK_CLOSE(gp->lml, lml, 1e-12, 1e-12);
  double pm, ps;
  PetscCall(ms_gpr_predict_mean(gp, 1, &xs, &pm));
  PetscCall(ms_gpr_predict_std(gp, 1, &xs, &ps));
  MS_CHECK_CLOSE(pm, mean, 1e-12, 1e-12);
  MS_CHECK_CLOSE(ps, sd, 1e-10, 1e-12);
  { /* an LML evaluation elsewhere leaves the fitted posterior alone */
    double other[3] = {0.1, -0.2, -1.0}, lo, pm3;
    PetscCall(ms_gpr_lml(gp, NULL, other, &lo, NULL));
    PetscCall(ms_gpr_predict_mean(gp, 1, &xs, &pm3));
    MS_CHECK(pm3 == pm);
  }
  /* normalize_y: the fit sees (y - mean)/std, predictions come back in y units, so a
     shifted and scaled target gives the shifted and scaled mean */
  double y2[3];
  for (int i = 0; i < 3; i++) y2[i] = 10.0 + 4.0 * y[i];
  gp->normalize_y = PETSC_TRUE;
  PetscCall(ms_gpr_set_data(gp, 3, 1, x, y2));
  MS_CHECK_CLOSE(gp->y_mean, 10.0 + 4.0 * (y[0] + y[1] + y[2]) / 3.0, 1e-14, 1e-14);
  PetscCall(ms_gpr_factor(gp));
  double pm2, ps2;
  PetscCall(ms_gpr_predict_mean(gp, 1, &xs, &pm2));
  PetscCall(ms_gpr_predict_std(gp, 1, &xs, &ps2));
  /* same posterior on the normalised scale: a' = K^{-1} (y2 - m)/s */
  double yn[3], an[3];
  for (int i = 0; i < 3; i++) yn[i] = (y2[i] - gp->y_mean) / gp->y_std;
  for (int i = 0; i < 3; i++) an[i] = Ki[3 * i] * yn[0] + Ki[3 * i + 1] * yn[1] + Ki[3 * i + 2] * yn[2];
  MS_CHECK_CLOSE(pm2, gp->y_std * (kst[0] * an[0] + kst[1] * an[1] + kst[2] * an[2]) + gp->y_mean, 1e-12, 1e-12);
  MS_CHECK_CLOSE(ps2, gp->y_std * sd, 1e-10, 1e-12);
  /* optimisation from theta never ends below the LML at theta */
  ms_kernel_set_theta(gp->kernel, theta);
  PetscCall(ms_gpr_optimize(gp, 2, 7, 1e-5, 1e5));
  double lml_opt = gp->lml, lml0;
  PetscCall(ms_gpr_lml(gp, NULL, theta, &lml0, NULL));
  MS_CHECK(lml_opt >= lml0 - 1e-9);
  PetscCall(ms_gpr_destroy(&gp));

  /* singular covariance: two identical points, no noise, no jitter -> a clear error, and an
     LML of -inf (not an error) for the optimiser */
  {
    const double   xd[2] = {0.5, 0.5}, yd[2] = {1.0, 2.0};
    double         th[3] = {0.0, 0.0, log(1e-300)}, l;
    PetscErrorCode ierr;
    PetscCall(ms_kernel_create("rbf", 1, &k));
    PetscCall(ms_gpr_create(PETSC_COMM_SELF, k, &gp));
    gp->jitter = 0.0;
    PetscCall(ms_gpr_set_data(gp, 2, 1, xd, yd));
    PetscCall(ms_gpr_lml(gp, NULL, th, &l, NULL));
    MS_CHECK(isinf(l) && l < 0);
    ms_kernel_set_theta(gp->kernel, th);
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = ms_gpr_factor(gp);
    PetscCall(PetscPopErrorHandler());
    MS_CHECK(ierr == MS_ERR_USER);
    PetscCall(ms_gpr_destroy(&gp));
  }
  MS_TEST_END("gpr_closed_form");
}
