/* cmd_version.c - `matscreen version`: what was built, from which commit, against what. */
#include "ms_commands.h"
#include "ms_log.h"
#include "ms_options.h"

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
  PetscCall(ms_log(comm, "matscreen  %s (git %s)\n%sranks      %d\n", ms_version(), ms_git_commit(), libs, (int)size));
  PetscFunctionReturn(0);
}
