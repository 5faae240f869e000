/* test_svm_fast.c - the svm model's fast paths against libsvm's own ones on the same fit.
 *
 * Linear kernel: predict, decision values and (Platt) probabilities with -svm_linear_dense
 * true (one dense weight vector per decision function, BLAS) against false (libsvm's
 * svm_predict / svm_predict_values over every support vector): decision values equal to
 * rounding, predicted labels identical, including one-vs-one vote ties. Classification with 3 and 2 classes and regression;
 * 1 and 2 ranks (rows sharded; the fit is the same on any rank count). */
#include "ms_model.h"
#include "ms_svm.h"
#include "ms_test.h"
#include "ml_test_data.h"

#define N 150
#define D 4

/* Deterministic rows: classes 1 and 2 shifted along two axes, with overlap so that many rows are
   support vectors (bounded and free) and every vote pattern occurs. */
static void make_data(double *X, double *y, int64_t *lab, int K)
{
  unsigned s = 12345u;
  for (int i = 0; i < N; i++) {
    lab[i] = i % K;
    for (int j = 0; j < D; j++) {
      s = s * 1103515245u + 12345u;
      X[i * D + j] = ((double)(s >> 8) / 16777216.0 - 0.5) * 2.0;
    }
    X[i * D + 0] += lab[i] == 1 ? 0.9 : 0.0; /* class centres on a triangle, not a line */
    X[i * D + 1] += lab[i] == 2 ? 0.9 : 0.0;
    y[i] = 1.5 * X[i * D + 0] - 0.8 * X[i * D + 2] + 0.3 * X[i * D + 3] + 0.2 * sin(7.0 * i);
  }
}

static PetscErrorCode fit(ms_dataset ds, const char *opts, ms_model *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsClearValue(NULL, "-svm_linear_dense"));
  PetscCall(PetscOptionsClearValue(NULL, "-svm_kernel"));
  PetscCall(PetscOptionsClearValue(NULL, "-svm_probability"));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(ms_model_create(PETSC_COMM_WORLD, "svm", m));
  PetscCall(ms_model_set_from_options(*m));
  PetscCall(ms_model_fit(*m, ds));
  PetscFunctionReturn(0);
}

/* Rows to predict: a 60 x 60 grid over the first two features (the others 0), which crosses
   every decision boundary and, for three classes, the region where the one-vs-one votes
   are cyclic (1-1-1: libsvm's tie rule decides). Sharded like the training rows. */
static PetscErrorCode grid(ms_dataset train, ms_dataset *g)
{
  enum { G = 60 };
  static double Xg[G * G * D];

  PetscFunctionBeginUser;
  for (int i = 0; i < G * G; i++)
    for (int j = 0; j < D; j++) Xg[i * D + j] = j == 0 ? -1.5 + 4.0 * (i / G) / (G - 1) : j == 1 ? -1.5 + 4.0 * (i % G) / (G - 1) : 0.0;
  PetscCall(ml_test_dataset(train->comm, G * G, D, Xg, NULL, NULL, 0, NULL, g));
  PetscFunctionReturn(0);
}

/* Fit the same model with options a and b on the training rows; predictions, decision
   values and probabilities on the grid must agree (labels exactly, values within tol). */
static PetscErrorCode compare(ms_dataset train, const char *a, const char *b, PetscBool proba, double tol)
{
  ms_model   m1, m2;
  ms_dataset ds;
  int64_t    nv1, nv2, n, ties = 0;
  double    *p1, *p2, *d1, *d2;

  PetscFunctionBeginUser;
  PetscCall(fit(train, a, &m1));
  PetscCall(fit(train, b, &m2));
  PetscCall(grid(train, &ds));
  n = ds->n_local;
  PetscCall(ms_svm_decision_function(m1, ds, &nv1, NULL));
  PetscCall(ms_svm_decision_function(m2, ds, &nv2, NULL));
  MS_CHECK(nv1 == nv2);
  PetscCall(PetscMalloc4(n * 4, &p1, n * 4, &p2, n * nv1, &d1, n * nv1, &d2));
  PetscCall(ms_model_predict(m1, ds, p1));
  PetscCall(ms_model_predict(m2, ds, p2));
  if (train->labels)
    for (int64_t i = 0; i < n; i++) MS_CHECK(p1[i] == p2[i]);
  else
    for (int64_t i = 0; i < n; i++) MS_CHECK_CLOSE(p1[i], p2[i], tol, tol);
  PetscCall(ms_svm_decision_function(m1, ds, &nv1, d1));
  PetscCall(ms_svm_decision_function(m2, ds, &nv2, d2));
  for (int64_t i = 0; i < n * nv1; i++) MS_CHECK_CLOSE(d1[i], d2[i], tol, tol);
  if (nv1 == 3) { /* pairs (0,1), (0,2), (1,2): a cycle 0>1>2>0 or 0<1<2<0 is a 1-1-1 tie */
    for (int64_t i = 0; i < n; i++) {
      const double *v = d1 + 3 * i;
      ties += (v[0] > 0 && v[2] > 0 && v[1] <= 0) || (v[0] <= 0 && v[2] <= 0 && v[1] > 0);
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &ties, 1, MPI_INT64_T, MPI_SUM, train->comm));
    MS_CHECK(ties > 0);
  }
  if (proba) {
    const int64_t K = train->n_classes;
    PetscCall(ms_model_predict_proba(m1, ds, p1));
    PetscCall(ms_model_predict_proba(m2, ds, p2));
    for (int64_t i = 0; i < n * K; i++) MS_CHECK_CLOSE(p1[i], p2[i], tol, tol);
  }
  PetscCall(PetscFree4(p1, p2, d1, d2));
  PetscCall(ms_model_destroy(&m1));
  PetscCall(ms_model_destroy(&m2));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  static double X[N * D], y[N];
  static int64_t lab[N];
  char          *names[] = {"a", "b", "c"};
  ms_dataset     ds;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int K = 2; K <= 3; K++) {
    make_data(X, y, lab, K);
    PetscCall(ml_test_dataset(PETSC_COMM_WORLD, N, D, X, NULL, lab, K, names, &ds));
    PetscCall(compare(ds, "-svm_kernel linear -svm_linear_dense true", "-svm_kernel linear -svm_linear_dense false", PETSC_TRUE, 1e-10));
    PetscCall(ms_dataset_destroy(&ds));
  }
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, N, D, X, y, NULL, 0, NULL, &ds));
  PetscCall(compare(ds, "-svm_kernel linear -svm_linear_dense true", "-svm_kernel linear -svm_linear_dense false", PETSC_FALSE, 1e-10));
  PetscCall(ms_dataset_destroy(&ds));
  MS_TEST_END("svm_fast");
}
