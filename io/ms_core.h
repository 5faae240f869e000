/* ms_core.h - what every matscreen translation unit includes first.
 *
 * matscreen is built on PETSc as its application framework: every fallible function
 * returns a PetscErrorCode and is called through PetscCall(); errors are raised with
 * SETERRQ(comm, code, "what, where, expected"). Options come from PETSc's options
 * database. Memory is owned by exactly one object and released by its matching destroy.
 */
#ifndef MS_CORE_H
#define MS_CORE_H

#include <petsc.h>
#include <stdint.h>

/* matscreen's version ("0.1.0") and the git commit it was built from ("abc123", "-dirty"). */
const char *ms_version(void);
const char *ms_git_commit(void);
/* Human-readable versions of MPI, PETSc, HDF5 (and that it is parallel), OpenBLAS and the
 * OpenMP thread count, one per line, queried at run time. ScaLAPACK is reported by
 * `matscreen version` through ml/ms_scalapack.h, the one place its prototypes live. */
PetscErrorCode ms_library_versions(char *buf, size_t len);

/* Error classes of our own, reported with SETERRQ like PETSc's. Exit status of the
 * executable is the error code (clipped to 1..125) so scripts can tell failures apart. */
#define MS_ERR_USER  PETSC_ERR_USER_INPUT /* bad option, bad value, bad input file content  */
#define MS_ERR_FILE  PETSC_ERR_FILE_OPEN  /* missing/unreadable/unwritable file             */
#define MS_ERR_READ  PETSC_ERR_FILE_READ  /* malformed file content (CSV, HDF5 layout)      */

/* Every option read in a PetscOptionsBegin block is checked and listed by -help (ms_options.h). */
#include "ms_options.h"

#endif
