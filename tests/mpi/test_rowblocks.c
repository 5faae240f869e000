/* test_rowblocks - ms_rowblocks: every global row lands in exactly one block, in order, with
 * its label and target, and block sums are bit-identical to a 1-process blocked sum for
 * any sharding (even, tiny first shards, empty ranks, random cuts; replicated data).
 */
#include "ms_rowblocks.h"
#include "ms_rng.h"
#include "ms_test.h"

#define N 1000
#define D 3

static PetscErrorCode check_split(const int64_t *cut, PetscBool replicated, const double *ref_total)
{
  PetscMPIInt  rank;
  ms_dataset   ds;
  ms_rowblocks rb;
  int64_t      start, n, seen = 0;
  double      *part, total[2];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  start = replicated ? 0 : cut[rank];
  n = replicated ? N : cut[rank + 1] - cut[rank];
  PetscCall(ms_dataset_create(PETSC_COMM_WORLD, n, D, &ds));
  {
    char *names[2] = {"a", "b"};
    int64_t *lab;
    double  *y;
    PetscCall(PetscMalloc2(n + 1, &lab, n + 1, &y));
    for (int64_t i = 0; i < n; i++) {
      int64_t g = start + i;
      ds->X[i * D] = (double)g; /* the global row index, to check placement */
      ds->X[i * D + 1] = sin(0.37 * (double)g) * 1e3;
      ds->X[i * D + 2] = 1.0 / (1.0 + (double)g);
      lab[i] = g % 2;
      y[i] = -(double)g;
    }
    PetscCall(ms_dataset_set_labels(ds, "c", 2, names, lab));
    PetscCall(ms_dataset_set_target(ds, "t", y));
    PetscCall(PetscFree2(lab, y));
  }
  ds->replicated = replicated;
  if (replicated) { ds->n_global = N; ds->row_start = 0; }
  PetscCall(ms_rowblocks_create(ds, 2, &rb));
  PetscCall(PetscMalloc1(2 * rb.n_blocks + 1, &part));
  for (int64_t j = 0; j < rb.n_blocks; j++) {
    double s1 = 0, s2 = 0;
    for (int64_t i = 0; i < rb.n_rows[j]; i++) {
      const double *x = rb.X[j] + i * D;
      int64_t g = (int64_t)x[0];
      MS_CHECK(i == 0 || g == (int64_t)rb.X[j][(i - 1) * D] + 1);
      MS_CHECK(rb.labels[j][i] == g % 2);
      MS_CHECK(rb.target[j][i] == -(double)g);
      MS_CHECK(x[2] == 1.0 / (1.0 + (double)g));
      s1 += x[1] * x[2];
      s2 += x[1];
    }
    MS_CHECK((int64_t)rb.X[j][0] % rb.block == 0);
    seen += rb.n_rows[j];
    part[2 * j] = s1;
    part[2 * j + 1] = s2;
  }
  if (!replicated) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &seen, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(seen == N);
  PetscCall(ms_rowblocks_sum(&rb, part, total));
  MS_CHECK(total[0] == ref_total[0]); /* bitwise */
  MS_CHECK(total[1] == ref_total[1]);
  PetscCall(PetscFree(part));
  PetscCall(ms_rowblocks_destroy(&rb));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt size;
  int64_t    *cut;
  double      ref[2] = {0, 0};
  ms_rng      r;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscMalloc1(size + 1, &cut));
  /* reference: blocks of 256 rows (the minimum block for this size), summed in order */
  for (int64_t b0 = 0; b0 < N; b0 += 256) {
    double s1 = 0, s2 = 0;
    for (int64_t g = b0; g < PetscMin(b0 + 256, N); g++) {
      double x1 = sin(0.37 * (double)g) * 1e3, x2 = 1.0 / (1.0 + (double)g);
      s1 += x1 * x2;
      s2 += x1;
    }
    ref[0] += s1;
    ref[1] += s2;
  }
  ms_rng_init(&r, 7, 0);
  for (int t = 0; t < 8; t++) {
    cut[0] = 0;
    cut[size] = N;
    for (int q = 1; q < size; q++) {
      switch (t) {
      case 0: cut[q] = N * q / size; break;                       /* even */
      case 1: cut[q] = q == 1 ? 5 : cut[q - 1] + 7; break;         /* tiny first shards */
      case 2: cut[q] = 0; break;                                   /* all on the last rank */
      case 3: cut[q] = N; break;                                   /* all on rank 0 */
      default: cut[q] = cut[q - 1] + (int64_t)ms_rng_below(&r, (uint64_t)(N - cut[q - 1] + 1)); /* random */
      }
    }
    PetscCall(check_split(cut, PETSC_FALSE, ref));
  }
  PetscCall(check_split(cut, PETSC_TRUE, ref));
  PetscCall(PetscFree(cut));
  MS_TEST_END("rowblocks");
}
