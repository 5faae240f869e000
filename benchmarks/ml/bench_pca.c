/* bench_pca.c - time ms_pca_fit on a raw float64 n x d file; one JSON line on rank 0.
 *
 *   mpirun -n P bench_pca -x X.bin -n N -d D [-pca_scalapack_min_d 4000] [-pca_grid auto] [-dump out.bin]
 *
 * Each rank reads only its contiguous block of rows (a sharded dataset), as a distributed
 * fit would receive them. t_fit is wall time; cpu_fit the CPU seconds of the fit summed over
 * the ranks (BLAS threads included). -dump writes explained_variance (k) then components
 * (k x d) as raw float64 from rank 0, to compare two builds' results. */
#include "ms_pca.h"
#include <stdio.h>
#include <time.h>

static double cpu_seconds(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
  char        xp[PETSC_MAX_PATH_LEN] = "", dump[PETSC_MAX_PATH_LEN] = "";
  PetscInt    n = 0, d = 0;
  PetscMPIInt rank, size;
  ms_pca      p;
  double     *X, t0, t1, c0, cpu;
  FILE       *f;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "bench_pca", NULL);
  PetscCall(PetscOptionsString("-x", "data, n*d float64", NULL, xp, xp, sizeof xp, NULL));
  PetscCall(PetscOptionsInt("-n", "rows", NULL, n, &n, NULL));
  PetscCall(PetscOptionsInt("-d", "features", NULL, d, &d, NULL));
  PetscCall(PetscOptionsString("-dump", "write explained variance and components (raw float64) here", NULL, dump, dump, sizeof dump, NULL));
  PetscOptionsEnd();
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(ms_pca_create(&p));
  PetscCall(ms_pca_set_from_options(PETSC_COMM_WORLD, p));
  int64_t r0 = (int64_t)n * rank / size, r1 = (int64_t)n * (rank + 1) / size;
  PetscCall(PetscMalloc1((r1 - r0) * d + 1, &X));
  f = fopen(xp, "rb");
  PetscCheck(f, PETSC_COMM_SELF, MS_ERR_FILE, "bench_pca: cannot open %s", xp);
  fseek(f, (long)(r0 * d * (int64_t)sizeof(double)), SEEK_SET);
  PetscCheck(fread(X, sizeof(double), (size_t)((r1 - r0) * d), f) == (size_t)((r1 - r0) * d), PETSC_COMM_SELF, MS_ERR_READ,
             "bench_pca: short read of %s", xp);
  fclose(f);
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t0 = MPI_Wtime();
  c0 = cpu_seconds();
  PetscCall(ms_pca_fit(p, PETSC_COMM_WORLD, r1 - r0, d, X));
  c0 = cpu_seconds() - c0;
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  t1 = MPI_Wtime();
  PetscCallMPI(MPI_Reduce(&c0, &cpu, 1, MPI_DOUBLE, MPI_SUM, 0, PETSC_COMM_WORLD));
  if (!rank)
    printf("{\"case\": \"pca\", \"impl\": \"matscreen\", \"n\": %d, \"d\": %d, \"ranks\": %d, \"path\": \"%s\", \"t_fit\": %.4f, "
           "\"cpu_fit\": %.4f, \"ev0\": %.12g, \"ratio0\": %.12g}\n",
           (int)n, (int)d, (int)size, p->used_scalapack ? "pdsyevd" : "dsyevd", t1 - t0, cpu, p->explained_variance[0],
           p->explained_variance_ratio[0]);
  if (!rank && dump[0]) {
    FILE *o = fopen(dump, "wb");
    PetscCheck(o, PETSC_COMM_SELF, MS_ERR_FILE, "bench_pca: cannot write %s", dump);
    PetscCheck(fwrite(p->explained_variance, sizeof(double), (size_t)p->k, o) == (size_t)p->k &&
                 fwrite(p->components, sizeof(double), (size_t)(p->k * p->d), o) == (size_t)(p->k * p->d),
               PETSC_COMM_SELF, MS_ERR_FILE, "bench_pca: short write to %s", dump);
    fclose(o);
  }
  PetscCall(ms_pca_destroy(&p));
  PetscCall(PetscFree(X));
  PetscCall(PetscFinalize());
  return 0;
}
