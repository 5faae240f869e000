/* ms_parity_ref.h - run a Python reference script (scikit-learn as the oracle) and read its
 * whitespace-separated output. The script path is relative to $MS_SOURCE_DIR, the
 * interpreter is $MS_PYTHON (CTest sets both). Rank 0 runs it; every rank reads the file. */
#ifndef MS_PARITY_REF_H
#define MS_PARITY_REF_H
#include <petsc.h>
#include <stdio.h>
#include <stdlib.h>

static inline PetscErrorCode ms_parity_run(const char *script, const char *out, const char *extra)
{
  PetscMPIInt rank;
  int         rc = 0;
  char        cmd[4096];
  const char *py = getenv("MS_PYTHON"), *src = getenv("MS_SOURCE_DIR");

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  if (!py) py = "/usr/bin/python3";
  if (!src) src = ".";
  if (!rank) {
    snprintf(cmd, sizeof cmd, "%s %s/%s %s %s", py, src, script, out, extra ? extra : "");
    rc = system(cmd);
  }
  PetscCallMPI(MPI_Bcast(&rc, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  if (rc) SETERRQ(PETSC_COMM_WORLD, PETSC_ERR_FILE_UNEXPECTED, "reference script failed: %s", script);
  PetscFunctionReturn(0);
}

/* Read n doubles; a short file is an error naming it. */
static inline PetscErrorCode ms_parity_read(FILE *f, const char *what, long n, double *v)
{
  PetscFunctionBeginUser;
  for (long i = 0; i < n; i++)
    if (fscanf(f, "%lf", &v[i]) != 1) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "reference file: short read in %s", what);
  PetscFunctionReturn(0);
}
#endif
