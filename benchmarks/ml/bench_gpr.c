/* bench_gpr.c - time one GPR fit (ms_gpr core) on raw float64 files; one JSON line on rank 0.
 *
 *   mpirun -n P bench_gpr -x X.bin -y y.bin -n N -d D [-kernel rbf_ard] [-restarts 1]
 *                         [-max_it 15] [-scalapack_min_n 3000] [-nb 64] [-grid auto|row|col] [-fit 0]
 *
 * Every rank reads all rows (the gpr model replicates the training set anyway). Reports the
 * time of one LML + gradient evaluation at the initial hyperparameters (with the engine the
 * fit uses), the fit time (restarts + final factorization), the LML reached, the number
 * of LML + gradient evaluations on rank 0 (nfev, all of them when there is one start or the
 * ScaLAPACK path runs) and the fit time per evaluation. -fit 0 times the one evaluation only
 * (with -log_view: its phases, MsGpr* events, and their MFlop/s). -max_it 1000 (the library default)
 * runs the optimiser to its L-BFGS-B-like stopping rule. */
#include "ms_gpr.h"
#include <stdio.h>

static PetscErrorCode read_raw(const char *path, size_t n, double *v)
{
  FILE *f = fopen(path, "rb");
  PetscFunctionBeginUser;
  PetscCheck(f, PETSC_COMM_SELF, MS_ERR_FILE, "bench_gpr: cannot open %s", path);
  size_t got = fread(v, sizeof(double), n, f);
  fclose(f);
  PetscCheck(got == n, PETSC_COMM_SELF, MS_ERR_READ, "bench_gpr: %s holds %zu doubles, expected %zu", path, got, n);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char          xp[PETSC_MAX_PATH_LEN] = "", yp[PETSC_MAX_PATH_LEN] = "", kname[32] = "rbf_ard";
  PetscInt      n = 0, d = 0, restarts = 1, max_it = 15, min_n = MS_GPR_SCALAPACK_MIN_N_DEFAULT, nb = MS_SCALAPACK_NB_DEFAULT;
  ms_grid_shape grid = MS_GRID_AUTO;
  PetscBool     fit  = PETSC_TRUE;
  double       *X, *y, *theta, *grad, lml0, t0, t1, t2;
  PetscMPIInt   rank, size;
  ms_kernel     k;
  ms_gpr        gp;
  PetscBool     dist;
  ms_blacs      g = NULL;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bench_gpr", NULL);
  PetscCall(PetscOptionsString("-x", "features, n*d float64", NULL, xp, xp, sizeof xp, NULL));
  PetscCall(PetscOptionsString("-y", "targets, n float64", NULL, yp, yp, sizeof yp, NULL));
  PetscCall(PetscOptionsInt("-n", "rows", NULL, n, &n, NULL));
  PetscCall(PetscOptionsInt("-d", "features", NULL, d, &d, NULL));
  PetscCall(PetscOptionsString("-kernel", "kernel", NULL, kname, kname, sizeof kname, NULL));
  PetscCall(PetscOptionsInt("-restarts", "restarts", NULL, restarts, &restarts, NULL));
  PetscCall(PetscOptionsInt("-max_it", "optimiser iterations per start", NULL, max_it, &max_it, NULL));
  PetscCall(PetscOptionsInt("-scalapack_min_n", "ScaLAPACK threshold", NULL, min_n, &min_n, NULL));
  PetscCall(PetscOptionsInt("-nb", "block size", NULL, nb, &nb, NULL));
  PetscCall(PetscOptionsBool("-fit", "run the fit after the single evaluation", NULL, fit, &fit, NULL));
  PetscCall(PetscOptionsEnum("-grid", "grid", NULL, ms_grid_shape_names, (PetscEnum)grid, (PetscEnum *)&grid, NULL));
  PetscOptionsEnd();
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscMalloc2(n * d, &X, n, &y));
  PetscCall(read_raw(xp, (size_t)(n * d), X));
  PetscCall(read_raw(yp, (size_t)n, y));
  PetscCall(ms_kernel_create(kname, d, &k));
  PetscCall(ms_gpr_create(PETSC_COMM_WORLD, k, &gp));
  gp->scalapack_min_n = min_n;
  gp->nb              = (int)nb;
  gp->grid_shape      = grid;
  gp->max_it          = max_it;
  PetscCall(ms_gpr_set_data(gp, n, d, X, y));
  PetscCall(ms_gpr_use_scalapack(gp, &dist));
  PetscCall(PetscMalloc2(ms_kernel_n_theta(k), &theta, ms_kernel_n_theta(k), &grad));
  ms_kernel_get_theta(k, theta);
  if (dist) PetscCall(ms_blacs_create(PETSC_COMM_WORLD, grid, (int)nb, &g));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  if (dist || !rank) PetscCall(ms_gpr_lml(gp, g, theta, &lml0, grad));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t1 = MPI_Wtime();
  PetscCall(ms_blacs_destroy(&g));
  ms_kernel_set_theta(gp->kernel, theta);
  if (fit) PetscCall(ms_gpr_optimize(gp, restarts, 0, 1e-5, 1e5));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t2 = MPI_Wtime();
  if (!rank)
    printf("{\"case\": \"gpr\", \"impl\": \"matscreen\", \"n\": %d, \"d\": %d, \"kernel\": \"%s\", \"restarts\": %d, \"max_it\": %d, "
           "\"ranks\": %d, \"path\": \"%s\", \"t_eval\": %.4f, \"t_fit\": %.4f, \"lml\": %.8f, \"evals_rank0\": %d, "
           "\"nfev\": %d, \"t_per_eval\": %.4f, \"lml0\": %.17g, \"grad0\": [",
           (int)n, (int)d, kname, (int)restarts, (int)max_it, (int)size, dist ? "scalapack" : "lapacke", t1 - t0, t2 - t1, gp->lml,
           (int)gp->n_evals, (int)gp->n_evals, gp->n_evals ? (t2 - t1) / (double)gp->n_evals : 0.0, lml0);
  for (int64_t t = 0; !rank && t < ms_kernel_n_theta(k); t++) printf("%s%.17g", t ? ", " : "", grad[t]);
  if (!rank) printf("]}\n");
  PetscCall(PetscFree2(theta, grad));
  PetscCall(PetscFree2(X, y));
  PetscCall(ms_gpr_destroy(&gp));
  PetscCall(PetscFinalize());
  return 0;
}
