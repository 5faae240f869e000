/* ms_commands.h - the subcommand table of bin/matscreen.
 *
 * Adding a command: write apps/cmd_<name>.c defining `PetscErrorCode ms_cmd_<name>(MPI_Comm)`
 * and a help text `ms_cmd_<name>_help`, declare both here, add one row to the table in
 * ms_commands.c and the file to apps/CMakeLists.txt. A command reads all its options first
 * (PetscOptionsBegin blocks with help strings), returns early when -help was given, calls
 * ms_options_check_unused(), then calls library functions and writes -output. It does no
 * numerics of its own.
 */
#ifndef MS_COMMANDS_H
#define MS_COMMANDS_H

#include "ms_core.h"

typedef struct {
  const char *name;
  const char *summary;                 /* one line for `matscreen help` */
  const char *help;                    /* usage text printed by -help */
  PetscErrorCode (*run)(MPI_Comm comm);
} ms_command;

extern const ms_command ms_commands[];  /* terminated by a row with name == NULL */

#define MS_DECLARE_COMMAND(n) \
  PetscErrorCode ms_cmd_##n(MPI_Comm comm); \
  extern const char ms_cmd_##n##_help[]

MS_DECLARE_COMMAND(version);
MS_DECLARE_COMMAND(convert);
MS_DECLARE_COMMAND(generate);
MS_DECLARE_COMMAND(segment);
MS_DECLARE_COMMAND(tortuosity);
MS_DECLARE_COMMAND(train);
MS_DECLARE_COMMAND(predict);
MS_DECLARE_COMMAND(cv);
MS_DECLARE_COMMAND(pca);
MS_DECLARE_COMMAND(label);
MS_DECLARE_COMMAND(merge);
MS_DECLARE_COMMAND(inspect);
MS_DECLARE_COMMAND(nmf);
MS_DECLARE_COMMAND(featurize);
/* Kinds of `matscreen featurize` (apps/cmd_featurize.c dispatches to them). */
MS_DECLARE_COMMAND(featurize_structure);
MS_DECLARE_COMMAND(featurize_graph);
MS_DECLARE_COMMAND(screen);
MS_DECLARE_COMMAND(bo);
MS_DECLARE_COMMAND(formula);
MS_DECLARE_COMMAND(sims);
MS_DECLARE_COMMAND(describe);
MS_DECLARE_COMMAND(vae);
/* `matscreen bo inverse` (apps/cmd_bo_inverse.c; cmd_bo.c dispatches to it). */
MS_DECLARE_COMMAND(bo_inverse);
MS_DECLARE_COMMAND(latent);

/* A command that stops early on purpose and leaves consistent output to be continued (a
 * campaign interrupted by SIGTERM) returns this instead of 0: the driver finalises normally
 * and exits with status 75 (EX_TEMPFAIL, sysexits.h), which jobscripts turn into a requeue.
 * Negative, so it never collides with a PETSc error code. */
#define MS_CMD_EXIT_TEMPFAIL (-75)

#endif
