/* A failure on one rank of several must end the whole job within seconds, with the
 * message, a non-zero exit status and no partial output: rank 1 fails while rank 0 waits
 * in a collective, after both created an output file. Run by tests/cli with a time limit. */
#include "ms_error.h"
#include "ms_h5.h"
#include <unistd.h>

static PetscErrorCode run(MPI_Comm comm, const char *out)
{
  PetscMPIInt rank;
  ms_h5_file  f;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_create(comm, out, &f));
  PetscCheck(rank != 1, PETSC_COMM_SELF, MS_ERR_USER, "forced failure on rank %d while writing %s", (int)rank, out);
  PetscCallMPI(MPI_Barrier(comm)); /* rank 0 blocks here forever unless the job is aborted */
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char out[PETSC_MAX_PATH_LEN] = "fail_one_rank.h5";
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(ms_error_install());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-output", out, sizeof out, NULL));
  PetscErrorCode ierr = run(PETSC_COMM_WORLD, out);
  if (ierr) ms_error_abort(ierr);
  PetscCall(PetscFinalize());
  return 0;
}
