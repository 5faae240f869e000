/* ms_options.h - command-line discipline on top of PETSc's options database.
 *
 * A command reads all of its options first (PetscOptionsBegin/End blocks with help
 * strings, so -help documents them), then calls ms_options_check_unused(). Any option
 * left unread is an error naming it; solver options whose consumers are configured later
 * (-ksp_*, -pc_*, ...) are exempted by prefix and checked again at the end with
 * ms_options_check_unused(comm, NULL).
 */
#ifndef MS_OPTIONS_H
#define MS_OPTIONS_H

#include "ms_core.h"

/* Prefixes of PETSc solver options that are consumed when the solver is set up. */
extern const char *const ms_options_solver_prefixes[];

/* Error (MS_ERR_USER) naming every option that was set but never read, except those
 * starting with one of the NULL-terminated prefixes in `exempt` (may be NULL). */
PetscErrorCode ms_options_check_unused(MPI_Comm comm, const char *const *exempt);

/* PETSC_TRUE when -help was given: the command prints its options and returns. */
PetscErrorCode ms_options_help_requested(PetscBool *help);

/* Required string option: error "missing required option -name (what)" when absent. */
PetscErrorCode ms_options_require_string(const char *name, const char *what, char *value, size_t len);

/* The full command line of this run as one string (for provenance); caller frees. */
PetscErrorCode ms_options_command_line(char **line);
/* Store argc/argv once at start-up (the driver does it). */
void ms_options_set_argv(int argc, char **argv);

#endif
