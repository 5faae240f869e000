/* cmd_merge.c - `matscreen merge`: the files of a label job array into one table
 * (ms_campaign_merge, solvers/ms_campaign.h). */
#include "ms_campaign.h"
#include "ms_commands.h"
#include "ms_log.h"
#include "ms_options.h"

const char ms_cmd_merge_help[] =
  "Merge label campaign files of one campaign definition (job array tasks, each run with\n"
  "`label -rows START:END`) into one file of the same layout. Fails, naming the rows, if a row\n"
  "is done in two files or in none.\n"
  "  matscreen merge -inputs part0.h5,part1.h5,part2.h5 -output labels.h5\n";

#define MERGE_MAX_INPUTS 4096

PetscErrorCode ms_cmd_merge(MPI_Comm comm)
{
  char     *inputs[MERGE_MAX_INPUTS];
  char      out[PETSC_MAX_PATH_LEN] = "";
  PetscInt  n_in = MERGE_MAX_INPUTS;
  PetscBool help, has_in;
  int64_t   n_rows;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen merge", "merge");
  PetscCall(PetscOptionsStringArray("-inputs", "campaign files to merge, comma separated", "merge", inputs, &n_in, &has_in));
  PetscCall(PetscOptionsString("-output", "merged campaign file (written atomically)", "merge", out, out, sizeof out, NULL));
  PetscOptionsEnd();
  if (!has_in) n_in = 0;
  PetscCall(ms_options_help_requested(&help));
  if (!help) PetscCall(ms_options_check_unused(comm, NULL));
  if (!help) {
    PetscCheck(n_in > 0, comm, MS_ERR_USER, "missing required option -inputs a.h5,b.h5,... (the campaign files to merge)");
    PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output FILE.h5");
    PetscCall(ms_campaign_merge(comm, (int)n_in, inputs, out, &n_rows));
    PetscCall(ms_log(comm, "merge: %d file(s), %lld rows -> %s\n", (int)n_in, (long long)n_rows, out));
  }
  for (PetscInt i = 0; i < n_in; i++) PetscCall(PetscFree(inputs[i]));
  PetscFunctionReturn(0);
}
