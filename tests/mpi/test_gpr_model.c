/* The "gpr" model through its ms_model operations on rows sharded over the ranks:
 * options are read (-gpr_kernel matern52_ard, -gpr_restarts 3), the fit on 2 ranks equals
 * the core fit of all rows on one rank (PETSC_COMM_SELF) with the same seed (restart
 * parallelism does not change the model), and a save/load round trip through HDF5
 * reproduces the predictive mean and std; the fused mean+std op agrees with the two calls. The ms_model struct is filled by hand here
 * because the generic wrapper lives in ml/ms_model.c (task mlcore). */
#include "ms_model.h"
#include "ms_gpr.h"
#include "ms_h5.h"
#include "ms_rng.h"
#include "ms_test.h"

PetscErrorCode ms_model_create_gpr(ms_model m);

#define N 120
#define D 2
#define M 17

static PetscErrorCode new_model(MPI_Comm comm, struct ms_model_s *m)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(m, sizeof(*m)));
  m->comm = comm;
  m->seed = 42;
  PetscCall(PetscStrncpy(m->type, "gpr", sizeof(m->type)));
  PetscCall(ms_model_create_gpr(m));
  PetscCall(m->ops.setfromoptions(m));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double            X[N * D], y[N], Xq[M * D];
  ms_rng            rng;
  PetscMPIInt       rank, size;
  ms_dataset        train, test;
  struct ms_model_s m, m2;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsSetValue(NULL, "-gpr_kernel", "matern52_ard"));
  PetscCall(PetscOptionsSetValue(NULL, "-gpr_restarts", "3"));
  PetscCall(PetscOptionsSetValue(NULL, "-gpr_length_scale", "0.5,2"));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  ms_rng_init(&rng, 3, 0);
  for (int i = 0; i < N; i++) {
    X[i * D]     = 3 * ms_rng_uniform(&rng);
    X[i * D + 1] = 3 * ms_rng_uniform(&rng);
    y[i]         = 5.0 + 2.0 * sin(2 * X[i * D]) + 0.2 * X[i * D + 1] + 0.05 * ms_rng_normal(&rng);
  }
  for (int i = 0; i < M * D; i++) Xq[i] = 3 * ms_rng_uniform(&rng);
  int n0 = N * rank / size, n1 = N * (rank + 1) / size, q0 = M * rank / size, q1 = M * (rank + 1) / size;
  PetscCall(ms_dataset_create(PETSC_COMM_WORLD, n1 - n0, D, &train));
  PetscCall(PetscArraycpy(train->X, X + n0 * D, (n1 - n0) * D));
  PetscCall(ms_dataset_set_target(train, "y", y + n0));
  PetscCall(ms_dataset_create(PETSC_COMM_WORLD, q1 - q0, D, &test));
  PetscCall(PetscArraycpy(test->X, Xq + q0 * D, (q1 - q0) * D));

  PetscCall(new_model(PETSC_COMM_WORLD, &m));
  PetscCall(m.ops.fit(&m, train));
  m.fitted     = PETSC_TRUE;
  m.n_features = D;
  double mean[M], sd[M], mean2[M], sd2[M];
  PetscCall(m.ops.predict(&m, test, mean));
  PetscCall(m.ops.predict_std(&m, test, sd));
  {
    /* the fused op (screening's): the std of the same solve, the mean k*^T a from its block */
    double fm[M], fs[M];
    PetscCall(m.ops.predict_mean_std(&m, test, fm, fs));
    for (int i = 0; i < q1 - q0; i++) {
      MS_CHECK(fs[i] == sd[i]);
      MS_CHECK_CLOSE(fm[i], mean[i], 1e-13, 1e-13);
    }
  }
  if (!rank) PetscCall(m.ops.view(&m, PETSC_VIEWER_STDOUT_SELF));

  /* the same problem on one rank with the core API */
  ms_kernel k;
  ms_gpr    gp;
  PetscCall(ms_kernel_create("matern52_ard", D, &k));
  k->ls[0] = 0.5;
  k->ls[1] = 2.0;
  PetscCall(ms_gpr_create(PETSC_COMM_SELF, k, &gp));
  PetscCall(ms_gpr_set_data(gp, N, D, X, y));
  PetscCall(ms_gpr_optimize(gp, 3, 42, 1e-5, 1e5));
  double mref[M];
  PetscCall(ms_gpr_predict_mean(gp, q1 - q0, Xq + q0 * D, mref));
  for (int i = 0; i < q1 - q0; i++) MS_CHECK(mean[i] == mref[i]); /* bitwise: same restarts, same winner */

  /* save, load on the same communicator, predict again */
  ms_h5_file f;
  hid_t      g;
  PetscCall(ms_h5_create(PETSC_COMM_WORLD, "gpr_model_test.h5", &f));
  PetscCall(ms_h5_group_ensure(f->fid, "/model", &g));
  PetscCall(m.ops.save(&m, g));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscCall(new_model(PETSC_COMM_WORLD, &m2));
  m2.n_features = D;
  PetscCall(ms_h5_open_read(PETSC_COMM_WORLD, "gpr_model_test.h5", &f));
  g = H5Gopen2(f->fid, "/model", H5P_DEFAULT);
  PetscCall(m2.ops.load(&m2, g));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscCall(m2.ops.predict(&m2, test, mean2));
  PetscCall(m2.ops.predict_std(&m2, test, sd2));
  for (int i = 0; i < q1 - q0; i++) {
    MS_CHECK_CLOSE(mean2[i], mean[i], 1e-12, 1e-12);
    MS_CHECK_CLOSE(sd2[i], sd[i], 1e-10, 1e-12);
    MS_CHECK(sd[i] > 0 && sd[i] < 2.0);
  }
  PetscCall(m.ops.destroy(&m));
  PetscCall(m2.ops.destroy(&m2));
  PetscCall(ms_gpr_destroy(&gp));
  PetscCall(ms_dataset_destroy(&train));
  PetscCall(ms_dataset_destroy(&test));
  MS_TEST_END("gpr_model");
}
