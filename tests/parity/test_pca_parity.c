/* PCA against scikit-learn 1.2.1 PCA(svd_solver="full") (tests/parity/pca_reference.py) on
 * wine, breast_cancer and a 2000 x 300 random matrix, rows sharded over the ranks, with both
 * eigensolvers (LAPACKE dsyevd, and ScaLAPACK pdsyevd forced by scalapack_min_d = 0):
 * explained variances within 1e-10 (relative to the largest), ratios within 1e-10,
 * components (with sklearn's signs) and scores of the leading well-separated components. */
#include "ms_pca.h"
#include "ms_test.h"
#include "ms_parity_ref.h"

int main(int argc, char **argv)
{
  FILE       *f;
  int         nsets;
  PetscMPIInt rank, size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(ms_parity_run("tests/parity/pca_reference.py", "pca_reference.txt", NULL));
  f = fopen("pca_reference.txt", "r");
  if (!f || fscanf(f, "%d", &nsets) != 1) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad reference file");
  for (int s = 0; s < nsets; s++) {
    char    name[64];
    int     n, d, k;
    double *X, *ev, *ratio, *sv, *comp, *sc5, nv, *mysc;
    if (fscanf(f, "%63s %d %d %d", name, &n, &d, &k) != 4) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "bad set header");
    PetscCall(PetscMalloc6(n * d, &X, k, &ev, k, &ratio, k, &sv, k * d, &comp, 5 * k, &sc5));
    PetscCall(PetscMalloc1(5 * k, &mysc));
    PetscCall(ms_parity_read(f, "X", (long)n * d, X));
    PetscCall(ms_parity_read(f, "ev", k, ev));
    PetscCall(ms_parity_read(f, "ratio", k, ratio));
    PetscCall(ms_parity_read(f, "sv", k, sv));
    PetscCall(ms_parity_read(f, "components", (long)k * d, comp));
    PetscCall(ms_parity_read(f, "scores", 5L * k, sc5));
    PetscCall(ms_parity_read(f, "noise", 1, &nv));
    int n0 = (int)(((int64_t)n * rank) / size), n1 = (int)(((int64_t)n * (rank + 1)) / size);
    for (int path = 0; path < 2; path++) {
      ms_pca p;
      PetscCall(ms_pca_create(&p));
      if (path) p->scalapack_min_d = 0;
      PetscCall(ms_pca_fit(p, PETSC_COMM_WORLD, n1 - n0, d, X + (size_t)n0 * d));
      MS_CHECK(p->k == k);
      MS_CHECK(p->used_scalapack == (path && size > 1));
      double maxerr = 0;
      for (int c = 0; c < k; c++) {
        MS_CHECK_CLOSE(p->explained_variance[c], ev[c], 0, 1e-10 * ev[0]);
        MS_CHECK_CLOSE(p->explained_variance_ratio[c], ratio[c], 0, 1e-10);
        MS_CHECK_CLOSE(p->singular_values[c], sv[c], 0, 1e-10 * sv[0]);
        maxerr = PetscMax(maxerr, fabs(p->explained_variance[c] - ev[c]) / ev[0]);
      }
      /* components are determined to ~eps ev0 / gap: compare those with a clear gap */
      PetscCall(ms_pca_transform(p, 5, X, mysc));
      int ncmp = 0;
      for (int c = 0; c < k && c < 20; c++) {
        double gap = c + 1 < k ? ev[c] - ev[c + 1] : ev[c];
        if (c > 0) gap = PetscMin(gap, ev[c - 1] - ev[c]);
        if (gap < 1e-3 * ev[0]) continue;
        ncmp++;
        for (int j = 0; j < d; j++) MS_CHECK_CLOSE(p->components[c * d + j], comp[c * d + j], 0, 1e-7);
        for (int i = 0; i < 5; i++) MS_CHECK_CLOSE(mysc[i * k + c], sc5[i * k + c], 0, 1e-7 * sv[0]);
      }
      MS_CHECK(ncmp >= 2);
      if (!rank)
        printf("%-14s %4d x %3d %-9s max |ev - sklearn| / ev0 = %.2e, %d components compared\n", name, n, d,
               p->used_scalapack ? "pdsyevd" : "dsyevd", maxerr, ncmp);
      p->n_components_req = 3;
      PetscCall(ms_pca_fit(p, PETSC_COMM_WORLD, n1 - n0, d, X + (size_t)n0 * d));
      MS_CHECK_CLOSE(p->noise_variance, nv, 1e-9, 1e-12 * ev[0]);
      /* k < d: on one rank only the 3 largest pairs are computed (dsyevr with a range) and the
         noise comes from the trace; the kept pairs and signs must equal the full fit's */
      for (int c = 0; c < 3 && c < k; c++) {
        double gap = c + 1 < k ? ev[c] - ev[c + 1] : ev[c];
        if (c > 0) gap = PetscMin(gap, ev[c - 1] - ev[c]);
        MS_CHECK_CLOSE(p->explained_variance[c], ev[c], 0, 1e-10 * ev[0]);
        if (gap < 1e-3 * ev[0]) continue;
        for (int j = 0; j < d; j++) MS_CHECK_CLOSE(p->components[c * d + j], comp[c * d + j], 0, 1e-7);
      }
      PetscCall(ms_pca_destroy(&p));
    }
    PetscCall(PetscFree6(X, ev, ratio, sv, comp, sc5));
    PetscCall(PetscFree(mysc));
  }
  fclose(f);
  MS_TEST_END("pca_parity");
}
