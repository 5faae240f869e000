/* ms_dmat_create refuses a matrix larger than a node's memory before allocating
 * it: a 1,000,000 x 1,000,000 matrix (8 TB) fails with MS_ERR_USER on every
 * rank, local and distributed, and allocates nothing; a small one still
 * succeeds and its pieces add up to the whole (every entry owned once). Run on
 * 1 and 2 ranks (one node: the node communicator holds every rank). */
#include "ms_scalapack.h"
#include "ms_test.h"

int main(int argc, char **argv) {
  ms_blacs g;
  ms_dmat A;
  PetscMPIInt size, nnode;
  double owned, all;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(ms_blacs_create(PETSC_COMM_WORLD, MS_GRID_AUTO, 64, &g));
  PetscCallMPI(MPI_Comm_size(g->node, &nnode));
  MS_CHECK(nnode == size); /* the test runs on one machine */

  MS_CHECK_ERROR(ms_dmat_create(g, 1000000, 1000000, &A), MS_ERR_USER);
  MS_CHECK(A.a == NULL);
  MS_CHECK_ERROR(ms_dmat_create(NULL, 1000000, 1000000, &A), MS_ERR_USER);
  MS_CHECK(A.a == NULL);

  PetscCall(ms_dmat_create(g, 300, 200, &A));
  MS_CHECK(A.a != NULL);
  owned = (double)A.mloc * (double)A.nloc;
  PetscCallMPI(
      MPI_Allreduce(&owned, &all, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(all == 300.0 * 200.0);
  PetscCall(ms_dmat_destroy(&A));

  PetscCall(ms_blacs_destroy(&g));
  MS_TEST_END("dmat_memory");
}
