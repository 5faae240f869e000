/* test_ml_scaler.c - every scaler against its formula, evaluated here on the full table
 * while the scaler sees it sharded (1 or 2 ranks); inverse round trips; save/load. */
#include "ms_h5.h"
#include "ms_scaler.h"
#include "ms_test.h"
#include "ml_test_data.h"

#define N 5
#define D 3
/* Column 2 is constant: standard/minmax must map it to 0. */
static const double X[N * D] = {1, 10, 7, 2, 0, 7, 4, 30, 7, 0.5, 20, 7, 8, 5, 7};

static void expected(const char *type, int n, const double *x, double *out)
{
  double mean[D] = {0}, sd[D] = {0}, lo[D], hi[D];
  for (int j = 0; j < D; j++) { lo[j] = hi[j] = X[j]; }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) {
      mean[j] += X[i * D + j] / N;
      lo[j] = fmin(lo[j], X[i * D + j]);
      hi[j] = fmax(hi[j], X[i * D + j]);
    }
  for (int i = 0; i < N; i++)
    for (int j = 0; j < D; j++) sd[j] += (X[i * D + j] - mean[j]) * (X[i * D + j] - mean[j]) / N;
  for (int i = 0; i < n; i++) {
    const double *r = x + i * D;
    double        rmax = 0, rsum = 0, rmean = 0;
    for (int j = 0; j < D; j++) { rmax = fmax(rmax, fabs(r[j])); rsum += fabs(r[j]); rmean += r[j] / D; }
    for (int j = 0; j < D; j++) {
      double v = r[j], s = sqrt(sd[j]);
      if (!strcmp(type, "standard")) v = (v - mean[j]) / (s > 0 ? s : 1);
      else if (!strcmp(type, "minmax")) v = (v - lo[j]) / (hi[j] > lo[j] ? hi[j] - lo[j] : 1);
      else if (!strcmp(type, "log1p")) v = log(1 + v);
      else if (!strcmp(type, "normalize_max")) v = v / rmax;
      else if (!strcmp(type, "normalize_total")) v = v / rsum;
      else if (!strcmp(type, "poisson")) v = v / sqrt(rmean * mean[j]);
      else if (!strcmp(type, "truncate")) v = fmin(fmax(v, lo[j]), hi[j]);
      out[i * D + j] = v;
    }
  }
}

int main(int argc, char **argv)
{
  /* Rows for transform: the training rows plus one outside the training range. */
  const double Y[2 * D] = {3, 40, 7, -0.5, -1, 8};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (int t = 0; ms_scaler_types[t]; t++) {
    const char *type = ms_scaler_types[t];
    ms_dataset  ds;
    ms_scaler   s, s2;
    double      A[N * D], A0[N * D], B[N * D], C[2 * D], E[2 * D];

    PetscCall(ml_test_dataset(PETSC_COMM_WORLD, N, D, X, NULL, NULL, 0, NULL, &ds));
    PetscCall(ms_scaler_create(type, &s));
    PetscCall(ms_scaler_fit(s, ds));
    PetscCall(PetscArraycpy(A, X, N * D));
    PetscCall(ms_scaler_transform(s, N, D, A));
    expected(type, N, X, B);
    for (int k = 0; k < N * D; k++) MS_CHECK_CLOSE(A[k], B[k], 1e-14, 1e-15);
    PetscCall(PetscArraycpy(A0, A, N * D));
    if (strcmp(type, "log1p")) {
      /* log1p would reject the -1 of Y (domain x > -1). */
      PetscCall(PetscArraycpy(C, Y, 2 * D));
      PetscCall(ms_scaler_transform(s, 2, D, C));
      expected(type, 2, Y, E);
      for (int k = 0; k < 2 * D; k++) MS_CHECK_CLOSE(C[k], E[k], 1e-14, 1e-15);
    }
    if (!strcmp(type, "none") || !strcmp(type, "standard") || !strcmp(type, "minmax") || !strcmp(type, "log1p")) {
      PetscCall(ms_scaler_inverse(s, N, D, A));
      for (int k = 0; k < N * D; k++) MS_CHECK_CLOSE(A[k], X[k], 1e-13, 1e-14);
    } else {
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = ms_scaler_inverse(s, N, D, A);
      PetscCall(PetscPopErrorHandler());
      MS_CHECK(ierr == MS_ERR_USER);
    }
    { /* save/load round trip gives the same map */
      ms_h5_file f;
      hid_t      g;
      char       path[64];
      /* One file per scaler type: a file this process has read is guarded as an input and
         may not be written again (ms_output_check). */
      PetscCall(PetscSNPrintf(path, sizeof path, "test_ml_scaler_%s.h5", type));
      PetscCall(ms_h5_create(PETSC_COMM_WORLD, path, &f));
      PetscCall(ms_h5_group_ensure(f->fid, "/scaler", &g));
      PetscCall(ms_scaler_save(s, g));
      H5Gclose(g);
      PetscCall(ms_h5_commit(&f));
      PetscCall(ms_h5_open_read(PETSC_COMM_WORLD, path, &f));
      g = H5Gopen2(f->fid, "/scaler", H5P_DEFAULT);
      PetscCall(ms_scaler_load(g, &s2));
      H5Gclose(g);
      PetscCall(ms_h5_close(&f));
      MS_CHECK(!strcmp(ms_scaler_type(s2), type));
      PetscCall(PetscArraycpy(A, X, N * D));
      PetscCall(ms_scaler_transform(s2, N, D, A));
      for (int k = 0; k < N * D; k++) MS_CHECK(A[k] == A0[k]);
      PetscCall(ms_scaler_destroy(&s2));
    }
    PetscCall(ms_scaler_destroy(&s));
    PetscCall(ms_dataset_destroy(&ds));
  }
  MS_TEST_END("ml_scaler");
}
