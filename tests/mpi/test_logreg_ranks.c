/* test_logreg_ranks - the same coefficients (1e-10; in fact the same bits) whether the
 * training rows are on one rank or sharded over PETSC_COMM_WORLD, for several shardings
 * (PETSc's even split, a first rank with fewer rows than one reduction block, an empty
 * rank) and every penalty, each fit converged to the tolerance. The 1-rank reference runs on
 * one OpenMP thread, the sharded fits on two: threads must not change the bits either.
 * Run with NP 2.
 */
#include "logreg_test_util.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <omp.h>

#define N 1500
#define D 6

/* Noisy 3-class data from a fixed softmax model (seeded, rank independent). */
static void make_data(double *X, int64_t *y)
{
  ms_rng r;
  ms_rng_init(&r, 2024, 0);
  for (int i = 0; i < N; i++) {
    double z[3] = {0, 0, 0};
    for (int j = 0; j < D; j++) X[i * D + j] = ms_rng_normal(&r) * (1 + j);
    for (int k = 0; k < 3; k++)
      for (int j = 0; j < D; j++) z[k] += 0.3 * ((k + j) % 3 - 1) * X[i * D + j];
    double u = ms_rng_uniform(&r), p0 = 1, p1 = exp(z[1] - z[0]), p2 = exp(z[2] - z[0]), s = p0 + p1 + p2;
    y[i] = u < p0 / s ? 0 : u < (p0 + p1) / s ? 1 : 2;
  }
}

static PetscErrorCode fit_coef(MPI_Comm comm, int64_t n, const double *X, const int64_t *y, int64_t K, const char *opts,
                               double *out)
{
  ms_dataset ds;
  ms_model   m = NULL;
  int64_t    R;
  const double *W, *b;

  PetscFunctionBeginUser;
  PetscCall(lrt_dataset(comm, n, D, K, X, y, &ds));
  PetscCall(lrt_model(comm, ds, opts, &m));
  PetscCall(m->ops.fit(m, ds));
  PetscCall(ms_logreg_get_coefficients(m, &R, &W, &b));
  {
    double f, gn; /* converged, not stalled: the optimality measure reached the tolerance */
    PetscCall(ms_logreg_objective(m, ds, &f, &gn));
    MS_CHECK(gn <= 1e-9);
  }
  PetscCall(PetscArraycpy(out, W, R * D));
  PetscCall(PetscArraycpy(out + R * D, b, R));
  PetscCall(lrt_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  static double X[N * D];
  static int64_t y[N], yb[N];
  const char *opts[] = {"-logreg_penalty l2", "-logreg_penalty l1 -logreg_C 0.05", "-logreg_penalty none",
                        "-logreg_penalty elasticnet -logreg_C 0.1 -logreg_class_weight balanced"};
  PetscMPIInt rank, size;
  double      worst = 0;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  make_data(X, y);
  for (int i = 0; i < N; i++) yb[i] = y[i] == 2;
  for (int K = 2; K <= 3; K++)
    for (int c = 0; c < 4; c++) {
      double ref[4 * (D + 1)], got[4 * (D + 1)];
      int64_t R = K == 2 ? 1 : K, nc = R * (D + 1);
      char    o[256];
      snprintf(o, sizeof o, "%s -logreg_tol 1e-9 -logreg_max_it 500", opts[c]);
      omp_set_num_threads(1);
      PetscCall(fit_coef(PETSC_COMM_SELF, N, X, K == 2 ? yb : y, K, o, ref));
      omp_set_num_threads(2);
      /* shardings: even split; rank 0 holds 100 rows (< one block); rank 0 holds none */
      for (int s = 0; s < 3; s++) {
        int64_t first = s == 0 ? N / size + (N % size > 0) : s == 1 ? 100 : 0;
        int64_t start = rank == 0 ? 0 : first + (N - first) * (rank - 1) / (size - 1);
        int64_t end = rank == 0 ? first : first + (N - first) * rank / (size - 1);
        if (size == 1) { start = 0; end = N; }
        PetscCall(fit_coef(PETSC_COMM_WORLD, end - start, X + start * D, (K == 2 ? yb : y) + start, K, o, got));
        for (int64_t j = 0; j < nc; j++) {
          MS_CHECK_CLOSE(got[j], ref[j], 0, 1e-10);
          worst = PetscMax(worst, fabs(got[j] - ref[j]));
        }
      }
    }
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "largest |coefficient(%d ranks) - coefficient(1 rank)| = %g\n", size, worst));
  MS_TEST_END("logreg_ranks");
}
