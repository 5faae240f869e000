/* GPR on 2 ranks: (1) the ScaLAPACK path (block-cyclic, forced with scalapack_min_n = 0 and
 * a small block size so every rank owns several blocks) equals the LAPACKE path to 1e-8 in
 * LML, gradient, mean and std; (2) restarts spread over the ranks pick the same model as
 * all restarts on one rank (PETSC_COMM_SELF), bit for bit; (3) the optimised ScaLAPACK
 * model (restarts in sequence) matches the optimised LAPACKE one. Data: a smooth function
 * of 3 features plus noise, from ms_rng (seed 11). */
#include "ms_gpr.h"
#include "ms_rng.h"
#include "ms_test.h"

#define N 157
#define D 3
#define M 23

static PetscErrorCode make_gp(MPI_Comm comm, const char *kname, const double *X, const double *y, int64_t min_n, ms_gpr *gp)
{
  ms_kernel k;
  PetscFunctionBeginUser;
  PetscCall(ms_kernel_create(kname, D, &k));
  PetscCall(ms_gpr_create(comm, k, gp));
  (*gp)->scalapack_min_n = min_n;
  (*gp)->nb              = 16;
  PetscCall(ms_gpr_set_data(*gp, N, D, X, y));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  double      X[N * D], y[N], Xq[M * D], theta[D + 2];
  ms_rng      rng;
  PetscMPIInt rank;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  ms_rng_init(&rng, 11, 0);
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < D; j++) X[i * D + j] = 4.0 * ms_rng_uniform(&rng);
    y[i] = sin(X[i * D]) + 0.5 * cos(2.0 * X[i * D + 1]) * X[i * D + 2] + 0.1 * ms_rng_normal(&rng);
  }
  for (int i = 0; i < M * D; i++) Xq[i] = 4.0 * ms_rng_uniform(&rng);
  /* each rank predicts its own rows: rank 0 the first 10, rank 1 the rest */
  int q0 = rank ? 10 : 0, mq = rank ? M - 10 : 10;

  const char *kernels[] = {"rbf_ard", "matern52"};
  for (int kk = 0; kk < 2; kk++) {
    ms_gpr loc, dist;
    double lml_l, lml_d, g_l[D + 2], g_d[D + 2], m_l[M], m_d[M], s_l[M], s_d[M];
    PetscCall(make_gp(PETSC_COMM_WORLD, kernels[kk], X, y, 1000000, &loc));
    PetscCall(make_gp(PETSC_COMM_WORLD, kernels[kk], X, y, 0, &dist));
    int nt = (int)ms_kernel_n_theta(loc->kernel);
    for (int t = 0; t < nt; t++) theta[t] = log(0.5 + 0.3 * t);
    PetscCall(ms_gpr_lml(loc, NULL, theta, &lml_l, g_l));
    PetscBool use;
    PetscCall(ms_gpr_use_scalapack(dist, &use));
    MS_CHECK(use);
    ms_blacs g;
    PetscCall(ms_blacs_create(PETSC_COMM_WORLD, MS_GRID_AUTO, 16, &g));
    PetscCall(ms_gpr_lml(dist, g, theta, &lml_d, g_d));
    PetscCall(ms_blacs_destroy(&g));
    MS_CHECK_CLOSE(lml_d, lml_l, 1e-8, 1e-8);
    for (int t = 0; t < nt; t++) MS_CHECK_CLOSE(g_d[t], g_l[t], 1e-8, 1e-8);
    ms_kernel_set_theta(loc->kernel, theta);
    ms_kernel_set_theta(dist->kernel, theta);
    PetscCall(ms_gpr_factor(loc));
    PetscCall(ms_gpr_factor(dist));
    MS_CHECK(dist->grid != NULL && loc->grid == NULL);
    PetscCall(ms_gpr_predict_mean(loc, mq, Xq + q0 * D, m_l));
    PetscCall(ms_gpr_predict_mean(dist, mq, Xq + q0 * D, m_d));
    PetscCall(ms_gpr_predict_std(loc, mq, Xq + q0 * D, s_l));
    PetscCall(ms_gpr_predict_std(dist, mq, Xq + q0 * D, s_d));
    for (int i = 0; i < mq; i++) {
      MS_CHECK_CLOSE(m_d[i], m_l[i], 1e-8, 1e-8);
      MS_CHECK_CLOSE(s_d[i], s_l[i], 1e-8, 1e-8);
    }
    /* restarts: 3 restarts + the initial point on 2 ranks vs on PETSC_COMM_SELF */
    ms_gpr self;
    PetscCall(make_gp(PETSC_COMM_SELF, kernels[kk], X, y, 1000000, &self));
    ms_kernel_set_theta(self->kernel, theta); /* restart 0 starts where loc starts */
    PetscCall(ms_gpr_optimize(loc, 3, 5, 1e-3, 1e3));
    PetscCall(ms_gpr_optimize(self, 3, 5, 1e-3, 1e3));
    double tl[D + 2], ts[D + 2], td[D + 2];
    ms_kernel_get_theta(loc->kernel, tl);
    ms_kernel_get_theta(self->kernel, ts);
    MS_CHECK(loc->best_restart == self->best_restart);
    for (int t = 0; t < nt; t++) MS_CHECK(tl[t] == ts[t]);
    MS_CHECK(loc->lml == self->lml);
    /* the ScaLAPACK path runs the same restarts in sequence: same optimum to optimiser accuracy */
    PetscCall(ms_gpr_optimize(dist, 3, 5, 1e-3, 1e3));
    ms_kernel_get_theta(dist->kernel, td);
    MS_CHECK_CLOSE(dist->lml, loc->lml, 1e-7, 1e-7);
    for (int t = 0; t < nt; t++) MS_CHECK_CLOSE(td[t], tl[t], 1e-3, 1e-3);
    if (!rank) printf("%s: LML %.10f (lapacke) %.10f (scalapack), optimised %.8f / %.8f, best restart %d\n", kernels[kk], lml_l,
                      lml_d, loc->lml, dist->lml, (int)loc->best_restart);
    PetscCall(ms_gpr_destroy(&self));
    PetscCall(ms_gpr_destroy(&loc));
    PetscCall(ms_gpr_destroy(&dist));
  }
  MS_TEST_END("gpr_mpi");
}
