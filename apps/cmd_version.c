/* cmd_version.c - `matscreen version`: what was built, from which commit, against what. */
#include "ms_commands.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_scalapack.h"
#include "ms_build_info.h"

const char ms_cmd_version_help[] = "usage: matscreen version\n";

PetscErrorCode ms_cmd_version(MPI_Comm comm)
{
  PetscBool help;
  char      libs[4096];
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCall(ms_library_versions(libs, sizeof libs));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  /* Build a BLACS grid over all ranks: proves ScaLAPACK is linked and working. */
  ms_blacs g;
  PetscCall(ms_blacs_create(comm, MS_GRID_AUTO, 0, &g));
  PetscCall(ms_log(comm, "matscreen  %s (git %s)\n%sScaLAPACK  %s (BLACS grid %dx%d over %d ranks)\nranks      %d\n", ms_version(),
                   ms_git_commit(), libs, MS_SCALAPACK_VERSION, g->nprow, g->npcol, (int)size, (int)size));
  PetscCall(ms_blacs_destroy(&g));
  PetscFunctionReturn(0);
}
