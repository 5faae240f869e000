/* test_ml_model_checks.c - the input checks of the generic model wrapper (ms_model.c).
 *
 * The wrapper is exercised through a minimal nearest-class-mean classifier defined here
 * (a real model, 30 lines), because the checks for classes (single class at fit, unknown
 * class at predict) need a classifier and this branch's own models are regressors.
 * Each bad input must fail with MS_ERR_USER; good input must pass. */
#include "ms_model.h"
#include "ms_test.h"
#include "ml_test_data.h"

typedef struct { int64_t K, d; double *mu; } centroid;

static PetscErrorCode centroid_fit(ms_model m, ms_dataset t)
{
  centroid *c = (centroid *)m->data;
  double   *cnt;
  PetscFunctionBegin;
  c->K = m->n_classes; c->d = t->n_features;
  PetscCall(PetscCalloc1(c->K * c->d, &c->mu));
  PetscCall(PetscCalloc1(c->K, &cnt));
  for (int64_t i = 0; i < t->n_local; i++) {
    cnt[t->labels[i]] += 1;
    for (int64_t j = 0; j < c->d; j++) c->mu[t->labels[i] * c->d + j] += t->X[i * c->d + j];
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->mu, (int)(c->K * c->d), MPI_DOUBLE, MPI_SUM, t->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)c->K, MPI_DOUBLE, MPI_SUM, t->comm));
  for (int64_t k = 0; k < c->K; k++)
    for (int64_t j = 0; j < c->d; j++) c->mu[k * c->d + j] /= cnt[k] > 0 ? cnt[k] : 1;
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

static PetscErrorCode centroid_predict(ms_model m, ms_dataset X, double *y)
{
  centroid *c = (centroid *)m->data;
  PetscFunctionBegin;
  for (int64_t i = 0; i < X->n_local; i++) {
    double best = PETSC_MAX_REAL;
    for (int64_t k = 0; k < c->K; k++) {
      double dist = 0;
      for (int64_t j = 0; j < c->d; j++) dist += PetscSqr(X->X[i * c->d + j] - c->mu[k * c->d + j]);
      if (dist < best) { best = dist; y[i] = (double)k; }
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode centroid_destroy(ms_model m)
{
  centroid *c = (centroid *)m->data;
  PetscFunctionBegin;
  PetscCall(PetscFree(c->mu));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode centroid_model(ms_model *m)
{
  centroid *c;
  PetscFunctionBegin;
  PetscCall(PetscNew(m));
  PetscCall(PetscNew(&c));
  PetscCall(PetscStrncpy((*m)->type, "centroid", sizeof (*m)->type));
  PetscCall(ms_scaler_create("standard", &(*m)->scaler));
  (*m)->comm = PETSC_COMM_WORLD;
  (*m)->data = c;
  (*m)->supports = MS_MODEL_CLASSIFICATION;
  (*m)->ops.fit = centroid_fit;
  (*m)->ops.predict = centroid_predict;
  (*m)->ops.destroy = centroid_destroy;
  PetscFunctionReturn(0);
}

#define EXPECT_FAIL(call) MS_CHECK_ERROR(call, MS_ERR_USER)

int main(int argc, char **argv)
{
  const double X[]  = {0, 1, 0.1, 1, 5, 1, 5.2, 1, 0.2, 1, 4.9, 1};   /* column 1 constant: warned, not fatal */
  const int64_t L[] = {0, 0, 1, 1, 0, 1}, L1[] = {1, 1, 1, 1, 1, 1}, L3[] = {0, 2, 1, 1, 0, 1};
  char *ab[] = {(char *)"a", (char *)"b"}, *bc[] = {(char *)"b", (char *)"c"}, *abc[] = {(char *)"a", (char *)"b", (char *)"c"};
  ms_dataset ds;
  ms_model   m;
  double     y[6];
  int64_t    lab[6];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* Good input: fits, predicts the training classes. */
  PetscCall(centroid_model(&m));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, L, 2, ab, &ds));
  PetscCall(ms_model_fit(m, ds));
  PetscCall(ms_model_predict(m, ds, y));
  for (int64_t i = 0; i < ds->n_local; i++) MS_CHECK(y[i] == (double)ds->labels[i]);
  MS_CHECK(!ms_model_has_proba(m) && !ms_model_has_std(m));
  EXPECT_FAIL(ms_model_predict_proba(m, ds, y));
  PetscCall(ms_dataset_destroy(&ds));

  /* Predict data whose class list is ordered differently maps by name; an unseen class fails. */
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, L3, 3, abc, &ds));
  EXPECT_FAIL(ms_model_predict(m, ds, y));
  EXPECT_FAIL(ms_model_labels(m, ds, lab));
  PetscCall(ms_dataset_destroy(&ds));
  {
    const int64_t Lbc[] = {0, 0, 0, 0, 0, 0}; /* all "b" = model class 1 */
    PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, Lbc, 2, bc, &ds));
    PetscCall(ms_model_labels(m, ds, lab));
    for (int64_t i = 0; i < ds->n_local; i++) MS_CHECK(lab[i] == 1);
    PetscCall(ms_dataset_destroy(&ds));
  }

  /* Fewer features than at fit: error naming the missing one. Different names: error. */
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 1, X, NULL, NULL, 0, NULL, &ds));
  EXPECT_FAIL(ms_model_predict(m, ds, y));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, NULL, 0, NULL, &ds));
  PetscCall(PetscFree(ds->feature_names[1]));
  PetscCall(PetscStrallocpy("other", &ds->feature_names[1]));
  EXPECT_FAIL(ms_model_predict(m, ds, y));
  /* NaN in prediction data. */
  PetscCall(PetscFree(ds->feature_names[1]));
  PetscCall(PetscStrallocpy("f1", &ds->feature_names[1]));
  ds->X[0] = NAN;
  EXPECT_FAIL(ms_model_predict(m, ds, y));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));

  /* Single class, NaN in training data, a numeric target for a classifier: fit fails. */
  PetscCall(centroid_model(&m));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, L1, 2, ab, &ds));
  EXPECT_FAIL(ms_model_fit(m, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, L, 2, ab, &ds));
  if (ds->n_local) ds->X[ds->n_local * 2 - 1] = INFINITY;
  EXPECT_FAIL(ms_model_fit(m, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, X, NULL, 0, NULL, &ds));
  EXPECT_FAIL(ms_model_fit(m, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));

  /* The finite check reads the column sums: finite values whose sum overflows (1e308 in every
     row) only trigger the row scan, which finds nothing, so the fit goes on; a NaN in the
     target alone (last row of the last rank) fails through the target's sum. */
  {
    double Xbig[12], yv[6];
    for (int i = 0; i < 6; i++) {
      Xbig[2 * i]     = 1e308;
      Xbig[2 * i + 1] = X[2 * i + 1];
      yv[i]           = X[2 * i];
    }
    PetscCall(centroid_model(&m));
    PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, Xbig, NULL, L, 2, ab, &ds));
    PetscCall(ms_model_fit(m, ds));
    MS_CHECK(m->fitted);
    PetscCall(ms_dataset_destroy(&ds));
    PetscCall(ms_model_destroy(&m));
    PetscCall(ms_model_create(PETSC_COMM_WORLD, "ridge", &m));
    yv[5] = NAN;
    PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, yv, NULL, 0, NULL, &ds));
    EXPECT_FAIL(ms_model_fit(m, ds));
    MS_CHECK(!m->fitted);
    PetscCall(ms_dataset_destroy(&ds));
    PetscCall(ms_model_destroy(&m));
  }

  /* A regressor refuses class labels; unknown model names fail. */
  PetscCall(ms_model_create(PETSC_COMM_WORLD, "ridge", &m));
  PetscCall(ml_test_dataset(PETSC_COMM_WORLD, 6, 2, X, NULL, L, 2, ab, &ds));
  EXPECT_FAIL(ms_model_fit(m, ds));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_model_destroy(&m));
  EXPECT_FAIL(ms_model_create(PETSC_COMM_WORLD, "no_such_model", &m));
  MS_TEST_END("ml_model_checks");
}
