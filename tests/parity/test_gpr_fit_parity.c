/* Converged GPR hyperparameter fit against scikit-learn 1.2.1 (tests/parity/gpr_fit_reference.py):
 * from the same start point (c = 1, length scales 1, noise 1, bounds 1e-5..1e5, normalize_y)
 * our optimum's LML is >= scikit-learn's - 1e-6 relative, and we use at most twice as many
 * LML + gradient evaluations as its L-BFGS-B (issue 14 point 3: on the benchmark's data the
 * old stopping rule needed up to a hundred times as many). On 2 ranks every evaluation runs
 * on the ScaLAPACK path (scalapack_min_n = 0, block size 16 so the rows spread over both
 * ranks), which must reach the same optimum as cheaply. */
#include "ms_gpr.h"
#include "ms_test.h"
#include "ms_parity_ref.h"

int main(int argc, char **argv)
{
  FILE       *f;
  int         nc;
  PetscMPIInt size;
  char        path[64];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  /* one file per rank count: the 1- and 2-rank tests may run at the same time */
  PetscCall(PetscSNPrintf(path, sizeof path, "gpr_fit_reference_np%d.txt", (int)size));
  PetscCall(ms_parity_run("tests/parity/gpr_fit_reference.py", path, NULL));
  f = fopen(path, "r");
  if (!f || fscanf(f, "%d", &nc) != 1) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad reference file %s", path);
  for (int c = 0; c < nc; c++) {
    char      name[32], kname[32];
    int       n, d, nt, sk_nfev;
    double   *X, *y, theta0[64], sk_lml;
    ms_kernel kern;
    ms_gpr    gp;
    if (fscanf(f, "%31s %31s %d %d %d", name, kname, &n, &d, &nt) != 5 || nt > 64 || n < 1 || d < 1)
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad case header in %s", path);
    PetscCall(PetscMalloc2(n * d, &X, n, &y));
    PetscCall(ms_parity_read(f, "X", (long)n * d, X));
    PetscCall(ms_parity_read(f, "y", n, y));
    PetscCall(ms_parity_read(f, "theta0", nt, theta0));
    if (fscanf(f, "%lf %d", &sk_lml, &sk_nfev) != 2) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad lml/nfev line");
    PetscCall(ms_kernel_create(kname, d, &kern));
    MS_CHECK(ms_kernel_n_theta(kern) == nt);
    PetscCall(ms_gpr_create(PETSC_COMM_WORLD, kern, &gp));
    if (size > 1) {
      gp->scalapack_min_n = 0;
      gp->nb              = 16;
    }
    PetscCall(ms_gpr_set_data(gp, n, d, X, y));
    ms_kernel_set_theta(gp->kernel, theta0);
    PetscCall(ms_gpr_optimize(gp, 0, 0, 1e-5, 1e5));
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%-8s %-13s LML %.10f in %d evaluations (sklearn %.10f in %d)\n", name, kname,
                          gp->lml, (int)gp->n_evals, sk_lml, sk_nfev));
    MS_CHECK(gp->lml >= sk_lml - 1e-6 * fabs(sk_lml));
    MS_CHECK(gp->n_evals <= 2 * sk_nfev);
    PetscCall(ms_gpr_destroy(&gp));
    PetscCall(PetscFree2(X, y));
  }
  fclose(f);
  MS_TEST_END("gpr_fit_parity");
}
