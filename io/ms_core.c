/* ms_core.c - build identity and the versions of the libraries linked in. */
#include "ms_core.h"
#include "ms_build_info.h"
#include <hdf5.h>
#include <omp.h>
#include <string.h>

/* OpenBLAS's own introspection (declared in its cblas.h, which we do not include to keep
   the LAPACKE/CBLAS headers out of io/). */
extern char *openblas_get_config(void);
extern int   openblas_get_num_threads(void);

const char *ms_version(void) { return MS_VERSION; }
const char *ms_git_commit(void) { return MS_GIT_COMMIT; }

PetscErrorCode ms_library_versions(char *buf, size_t len)
{
  char     mpi[MPI_MAX_LIBRARY_VERSION_STRING], petsc[256];
  int      mlen, maj, min;
  unsigned hmaj, hmin, hrel;
  PetscFunctionBegin;
  MPI_Get_library_version(mpi, &mlen);
  char *nl = strchr(mpi, '\n');
  if (nl) *nl = 0;
  char *comma = strchr(mpi, ',');
  if (comma) *comma = 0;
  PetscCall(PetscGetVersion(petsc, sizeof petsc));
  MPI_Get_version(&maj, &min);
  H5get_libversion(&hmaj, &hmin, &hrel);
  snprintf(buf, len,
           "MPI        %s (MPI-%d.%d)\n"
           "PETSc      %s (%s scalars, %d-bit PetscInt)\n"
           "HDF5       %u.%u.%u (%s)\n"
           "OpenBLAS   %s (%d threads)\n"
           "OpenMP     %d threads\n",
           mpi, maj, min, petsc, sizeof(PetscScalar) == sizeof(double) ? "real double" : "non-double",
           (int)sizeof(PetscInt) * 8, hmaj, hmin, hrel,
#ifdef H5_HAVE_PARALLEL
           "parallel, MPI-IO",
#else
           "SERIAL",
#endif
           openblas_get_config(), openblas_get_num_threads(), omp_get_max_threads());
  PetscFunctionReturn(0);
}
