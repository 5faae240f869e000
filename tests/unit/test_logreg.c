/* test_logreg - logreg against closed forms and its own optimality conditions.
 *
 * Binary problems are scikit-learn's symmetric 2-class softmax with rows (-w, w): its
 * stationarity conditions, written out here independently of logreg.c, are
 *   C sum_i s_i (sigmoid(2 z_i) - y_i) x_i + dr(w) = 0,   C sum_i s_i (sigmoid(2 z_i) - y_i) = 0.
 */
#include "logreg_test_util.h"
#include "ms_h5.h"
#include "ms_test.h"

static double sig(double t) { return 1.0 / (1.0 + exp(-t)); }

/* 1-D data with overlapping classes (finite optimum without penalty). */
static const double X1[] = {-2, -1.5, -1, -0.5, 0.3, 0.8, 1.2, 2.0, -0.2, 0.6};
static const int64_t Y1[] = {0, 0, 1, 0, 1, 0, 1, 1, 1, 0};
#define N1 10

/* h(w) = C sum (sigmoid(2 w x) - y) x + dr(w), no intercept; increasing in w. */
static double h1(double w, double C, double l2, double l1)
{
  double g = 0;
  for (int i = 0; i < N1; i++) g += C * (sig(2 * w * X1[i]) - (double)Y1[i]) * X1[i];
  return g + l2 * w + l1 * (w > 0 ? 1 : w < 0 ? -1 : 0);
}

static double bisect(double C, double l2, double l1)
{
  double a = -50, b = 50;
  for (int it = 0; it < 200; it++) {
    double c = 0.5 * (a + b);
    if (h1(c, C, l2, l1) > 0) b = c; else a = c;
  }
  return 0.5 * (a + b);
}

static PetscErrorCode test_bisection(void)
{
  ms_dataset ds;
  ms_model   m = NULL;
  int64_t    R;
  const double *w, *b;
  const char *opts[] = {"-logreg_penalty l2 -logreg_C 0.7", "-logreg_penalty none", "-logreg_penalty l1 -logreg_C 3",
                        "-logreg_penalty elasticnet -logreg_l1_ratio 0.4 -logreg_C 2"};
  double      l2w[] = {1, 0, 0, 0.6}, l1w[] = {0, 0, 1, 0.4}, Cs[] = {0.7, 1, 3, 2};

  PetscFunctionBeginUser;
  PetscCall(lrt_dataset(PETSC_COMM_SELF, N1, 1, 2, X1, Y1, &ds));
  for (int c = 0; c < 4; c++) {
    char o[256];
    snprintf(o, sizeof o, "%s -logreg_fit_intercept false -logreg_tol 1e-13 -logreg_max_it 1000", opts[c]);
    PetscCall(lrt_model(PETSC_COMM_SELF, ds, o, &m));
    PetscCall(m->ops.fit(m, ds));
    PetscCall(ms_logreg_get_coefficients(m, &R, &w, &b));
    MS_CHECK(R == 1);
    MS_CHECK_CLOSE(w[0], bisect(Cs[c], l2w[c], l1w[c]), 1e-8, 1e-10);
    MS_CHECK(b[0] == 0.0);
    PetscCall(lrt_model_destroy(&m));
  }
  /* A penalty strong enough for w = 0 exactly: |C sum (1/2 - y) x| <= 1. */
  PetscCall(lrt_model(PETSC_COMM_SELF, ds, "-logreg_penalty l1 -logreg_C 0.2 -logreg_fit_intercept false", &m));
  PetscCall(m->ops.fit(m, ds));
  PetscCall(ms_logreg_get_coefficients(m, &R, &w, &b));
  MS_CHECK(fabs(0.2 * h1(0, 1, 0, 0)) <= 1);
  MS_CHECK(w[0] == 0.0);
  PetscCall(lrt_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

/* No information in X: the intercepts reproduce the class frequencies. */
static PetscErrorCode test_intercept_closed_form(void)
{
  int64_t    y[30], R, cnt[3] = {5, 9, 16};
  double     X[60] = {0};
  ms_dataset ds;
  ms_model   m = NULL;
  const double *w, *b;

  PetscFunctionBeginUser;
  for (int i = 0; i < 30; i++) y[i] = i < 5 ? 0 : i < 14 ? 1 : 2;
  /* binary: 9 of class 0 (rows 5..13 relabelled), 21 of class 1 */
  {
    int64_t yb[30];
    for (int i = 0; i < 30; i++) yb[i] = y[i] == 1 ? 0 : 1;
    PetscCall(lrt_dataset(PETSC_COMM_SELF, 30, 2, 2, X, yb, &ds));
    PetscCall(lrt_model(PETSC_COMM_SELF, ds, "-logreg_penalty none -logreg_tol 1e-12", &m));
    PetscCall(m->ops.fit(m, ds));
    PetscCall(ms_logreg_get_coefficients(m, &R, &w, &b));
    MS_CHECK(R == 1 && w[0] == 0.0 && w[1] == 0.0);
    MS_CHECK_CLOSE(b[0], 0.5 * log(21.0 / 9.0), 1e-9, 1e-12);
    PetscCall(lrt_model_destroy(&m));
    /* balanced weights make the weighted classes equal: b = 0 */
    PetscCall(lrt_model(PETSC_COMM_SELF, ds, "-logreg_class_weight balanced -logreg_tol 1e-12", &m));
    PetscCall(m->ops.fit(m, ds));
    PetscCall(ms_logreg_get_coefficients(m, &R, &w, &b));
    MS_CHECK_CLOSE(b[0], 0.0, 0, 1e-10);
    PetscCall(lrt_model_destroy(&m));
    PetscCall(ms_dataset_destroy(&ds));
  }
  PetscCall(lrt_dataset(PETSC_COMM_SELF, 30, 2, 3, X, y, &ds));
  PetscCall(lrt_model(PETSC_COMM_SELF, ds, "-logreg_penalty l2 -logreg_tol 1e-12", &m));
  PetscCall(m->ops.fit(m, ds));
  PetscCall(ms_logreg_get_coefficients(m, &R, &w, &b));
  MS_CHECK(R == 3);
  {
    double mean = (log(5.0) + log(9.0) + log(16.0)) / 3;
    for (int k = 0; k < 3; k++) MS_CHECK_CLOSE(b[k], log((double)cnt[k]) - mean, 1e-9, 1e-10);
    for (int j = 0; j < 6; j++) MS_CHECK(w[j] == 0.0);
  }
  PetscCall(lrt_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

/* Small overlapping 2-feature data; binary and 3 classes. */
static const double X2[] = {0.1, 1.2, -0.7, 0.4, 1.5, -0.3, -1.1, -0.8, 0.6, 0.9, 2.0, 1.1, -0.4, -1.6,
                            0.8, -0.2, -1.9, 0.7, 1.3, 0.2, -0.6, 1.7, 0.3, -1.2, 1.0, 0.0, -0.9, -0.1};
static const int64_t Y2[] = {1, 0, 2, 0, 1, 2, 2, 0, 1, 0, 1, 2, 0, 1};
#define N2 14

/* Gradient of the objective C sum s_i loss_i + r(W) (independent of logreg.c), for the
 * minimum-norm subgradient at W: returns its max norm. */
static double kkt(int64_t K, const double *W, const double *b, double C, double l1, double l2, PetscBool balanced)
{
  int64_t R = K == 2 ? 1 : K, cnt[3] = {0, 0, 0}, y[N2];
  double  gW[6] = {0}, gb[3] = {0}, worst = 0;

  for (int i = 0; i < N2; i++) { y[i] = K == 2 ? (Y2[i] == 1) : Y2[i]; cnt[y[i]]++; }
  for (int i = 0; i < N2; i++) {
    double s = balanced ? (double)N2 / ((double)K * (double)cnt[y[i]]) : 1.0, z[3], p[3], mx, sum = 0;
    for (int k = 0; k < R; k++) z[k] = b[k] + W[2 * k] * X2[2 * i] + W[2 * k + 1] * X2[2 * i + 1];
    if (K == 2) p[0] = sig(2 * z[0]) - (double)y[i];
    else {
      mx = PetscMax(z[0], PetscMax(z[1], z[2]));
      for (int k = 0; k < 3; k++) sum += exp(z[k] - mx);
      for (int k = 0; k < 3; k++) p[k] = exp(z[k] - mx) / sum - (double)(y[i] == k);
    }
    for (int k = 0; k < R; k++) {
      gb[k] += C * s * p[k];
      for (int j = 0; j < 2; j++) gW[2 * k + j] += C * s * p[k] * X2[2 * i + j];
    }
  }
  for (int j = 0; j < 2 * R; j++) {
    double g = gW[j] + l2 * W[j];
    g = W[j] > 0 ? g + l1 : W[j] < 0 ? g - l1 : PetscMax(fabs(g) - l1, 0);
    worst = PetscMax(worst, fabs(g));
  }
  for (int k = 0; k < R; k++) worst = PetscMax(worst, fabs(gb[k]));
  return worst;
}

static PetscErrorCode test_gradient_equations(void)
{
  const char *opts[] = {"-logreg_penalty l2 -logreg_C 2", "-logreg_penalty none", "-logreg_penalty l1 -logreg_C 4",
                        "-logreg_penalty elasticnet -logreg_l1_ratio 0.7 -logreg_C 3",
                        "-logreg_penalty l2 -logreg_class_weight balanced"};
  double l1w[] = {0, 0, 1, 0.7, 0}, l2w[] = {1, 0, 0, 0.3, 1}, Cs[] = {2, 1, 4, 3, 1};

  PetscFunctionBeginUser;
  for (int64_t K = 2; K <= 3; K++) {
    int64_t y[N2];
    ms_dataset ds;
    for (int i = 0; i < N2; i++) y[i] = K == 2 ? (Y2[i] == 1) : Y2[i];
    PetscCall(lrt_dataset(PETSC_COMM_SELF, N2, 2, K, X2, y, &ds));
    for (int c = 0; c < 5; c++) {
      char o[256];
      ms_model m = NULL;
      int64_t R;
      const double *W, *b;
      double f, gn, P[3 * N2], pred[N2];
      snprintf(o, sizeof o, "%s -logreg_tol 1e-12 -logreg_max_it 2000", opts[c]);
      PetscCall(lrt_model(PETSC_COMM_SELF, ds, o, &m));
      PetscCall(m->ops.fit(m, ds));
      PetscCall(ms_logreg_get_coefficients(m, &R, &W, &b));
      MS_CHECK(R == (K == 2 ? 1 : K));
      MS_CHECK(kkt(K, W, b, Cs[c], l1w[c], l2w[c], c == 4) < 1e-8);
      PetscCall(ms_logreg_objective(m, ds, &f, &gn));
      MS_CHECK(gn < 1e-11);
      MS_CHECK(isfinite(f) && f > 0);
      /* predict = argmax predict_proba; probabilities sum to one */
      PetscCall(m->ops.predict_proba(m, ds, P));
      PetscCall(m->ops.predict(m, ds, pred));
      for (int i = 0; i < N2; i++) {
        int best = 0;
        double sum = 0;
        for (int k = 0; k < K; k++) { sum += P[i * K + k]; if (P[i * K + k] > P[i * K + best]) best = k; }
        MS_CHECK_CLOSE(sum, 1.0, 0, 1e-14);
        MS_CHECK(pred[i] == (double)best);
      }
      PetscCall(lrt_model_destroy(&m));
    }
    PetscCall(ms_dataset_destroy(&ds));
  }
  PetscFunctionReturn(0);
}

/* One class, no labels, bad options: errors, not crashes. */
static PetscErrorCode test_bad_input(void)
{
  int64_t        y[N1] = {0};
  ms_dataset     ds;
  ms_model       m;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCall(lrt_dataset(PETSC_COMM_SELF, N1, 1, 1, X1, y, &ds));
  PetscCall(lrt_model(PETSC_COMM_SELF, ds, "", &m));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = m->ops.fit(m, ds);
  MS_CHECK(ierr == MS_ERR_USER);
  ierr = m->ops.predict(m, ds, (double[N1]){0});
  MS_CHECK(ierr == PETSC_ERR_ARG_WRONGSTATE);
  PetscCall(PetscPopErrorHandler());
  PetscCall(lrt_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  {
    const char *bad[] = {"-logreg_C 0", "-logreg_C -1", "-logreg_l1_ratio 1.5", "-logreg_tol 0", "-logreg_max_it 0",
                         "-logreg_penalty l3"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
      ms_model mm = NULL;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = lrt_model(PETSC_COMM_SELF, NULL, bad[i], &mm);
      PetscCall(PetscPopErrorHandler());
      MS_CHECK(ierr != 0);
      if (!ierr) PetscCall(lrt_model_destroy(&mm));
    }
  }
  PetscFunctionReturn(0);
}

/* save -> load gives the same numbers and the same predictions. */
static PetscErrorCode test_save_load(void)
{
  int64_t    y[N2], R1, R2;
  ms_dataset ds;
  ms_model   m = NULL, m2 = NULL;
  ms_h5_file f;
  hid_t      g;
  const double *W1, *b1, *W2, *b2;
  double     P1[3 * N2], P2[3 * N2];

  PetscFunctionBeginUser;
  for (int i = 0; i < N2; i++) y[i] = Y2[i];
  PetscCall(lrt_dataset(PETSC_COMM_SELF, N2, 2, 3, X2, y, &ds));
  PetscCall(lrt_model(PETSC_COMM_SELF, ds, "-logreg_penalty elasticnet -logreg_C 0.5 -logreg_class_weight balanced", &m));
  PetscCall(m->ops.fit(m, ds));
  PetscCall(ms_h5_create(PETSC_COMM_SELF, "logreg_roundtrip.h5", &f));
  PetscCall(ms_h5_group_ensure(f->fid, "/model", &g));
  PetscCall(m->ops.save(m, g));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(lrt_model(PETSC_COMM_SELF, NULL, "", &m2));
  PetscCall(ms_h5_open_read(PETSC_COMM_SELF, "logreg_roundtrip.h5", &f));
  g = H5Gopen2(f->fid, "/model", H5P_DEFAULT);
  PetscCall(m2->ops.load(m2, g));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  remove("logreg_roundtrip.h5");
  PetscCall(ms_logreg_get_coefficients(m, &R1, &W1, &b1));
  PetscCall(ms_logreg_get_coefficients(m2, &R2, &W2, &b2));
  MS_CHECK(R1 == R2);
  for (int j = 0; j < 2 * R1; j++) MS_CHECK(W1[j] == W2[j]);
  for (int k = 0; k < R1; k++) MS_CHECK(b1[k] == b2[k]);
  PetscCall(m->ops.predict_proba(m, ds, P1));
  PetscCall(m2->ops.predict_proba(m2, ds, P2));
  for (int i = 0; i < 3 * N2; i++) MS_CHECK(P1[i] == P2[i]);
  PetscCall(m2->ops.view(m2, PETSC_VIEWER_STDOUT_SELF));
  PetscCall(lrt_model_destroy(&m));
  PetscCall(lrt_model_destroy(&m2));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(test_bisection());
  PetscCall(test_intercept_closed_form());
  PetscCall(test_gradient_equations());
  PetscCall(test_bad_input());
  PetscCall(test_save_load());
  MS_TEST_END("logreg");
}
