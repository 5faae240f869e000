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

/* PETSC_TRUE when -help was given: the command returns after reading its options, and the
 * driver prints them (ms_options_help_print). */
PetscErrorCode ms_options_help_requested(PetscBool *help);
/* The driver takes -help out of argv (so PETSc does not print its generic listing) and says so here. */
void           ms_options_set_help(PetscBool help);

/* Required string option: error "missing required option -name (what)" when absent. */
PetscErrorCode ms_options_require_string(const char *name, const char *what, char *value, size_t len);

/* The full command line of this run as one string (for provenance); caller frees. */
PetscErrorCode ms_options_command_line(char **line);
/* Word i of the original command line (0 = the program, 1 = the command, 2 = a subcommand
 * word such as `sims classify`), or NULL. PETSc skips such words, so commands with
 * subcommands read them here. */
const char *ms_options_argv_word(int i);
/* Store argc/argv once at start-up (the driver does it). */
void ms_options_set_argv(int argc, char **argv);

/* ---- Checked, self-describing options (io/ms_options_reg.c) -------------------------------
 * The PetscOptions* macros used inside PetscOptionsBegin/End blocks are redefined below to go
 * through these functions, so every option of every command, model and solver front end is
 * (1) listed by -help with its type, default and choices or bounds, grouped, and compared
 * against when an unknown option is reported, and (2) checked before PETSc parses it: a bad
 * value is an MS_ERR_USER error "option -folds: 0 is out of range (expected an integer >= 2)"
 * naming the option, the value and what is allowed. Nothing changes at the call sites. */
PetscErrorCode ms_options_int(PetscOptionItems *, const char *, const char *, const char *, PetscInt, PetscInt *, PetscBool *, PetscInt, PetscInt);
PetscErrorCode ms_options_real(PetscOptionItems *, const char *, const char *, const char *, PetscReal, PetscReal *, PetscBool *, PetscReal, PetscReal);
PetscErrorCode ms_options_bool(PetscOptionItems *, const char *, const char *, const char *, PetscBool, PetscBool *, PetscBool *);
PetscErrorCode ms_options_enum(PetscOptionItems *, const char *, const char *, const char *, const char *const *, PetscEnum, PetscEnum *, PetscBool *);
PetscErrorCode ms_options_elist(PetscOptionItems *, const char *, const char *, const char *, const char *const *, PetscInt, const char *,
                                PetscInt *, PetscBool *);
PetscErrorCode ms_options_string(PetscOptionItems *, const char *, const char *, const char *, const char *, char *, size_t, PetscBool *);
PetscErrorCode ms_options_string_array(PetscOptionItems *, const char *, const char *, const char *, char *[], PetscInt *, PetscBool *);
PetscErrorCode ms_options_int_array(PetscOptionItems *, const char *, const char *, const char *, PetscInt[], PetscInt *, PetscBool *);
PetscErrorCode ms_options_real_array(PetscOptionItems *, const char *, const char *, const char *, PetscReal[], PetscInt *, PetscBool *);

/* Options read after this (in the current PetscOptionsBegin block) are listed under `group`
 * by -help ("Input table", "Output", ...); without it the block's title is the group. */
PetscErrorCode ms_options_group(PetscOptionItems *PetscOptionsObject, const char *group);
/* Text printed by -help after the options (e.g. the list of models). Rank 0 prints. */
PetscErrorCode ms_options_help_note(const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(1, 2);
/* Print every option read so far, grouped (rank 0 of comm). */
PetscErrorCode ms_options_help_print(MPI_Comm comm, FILE *out);
/* The registered option closest to `name` (with its '-') within a few edits, or NULL. */
const char    *ms_options_nearest(const char *name);
void           ms_options_registry_free(void);

#undef PetscOptionsInt
#undef PetscOptionsBoundedInt
#undef PetscOptionsRangeInt
#undef PetscOptionsReal
#undef PetscOptionsBool
#undef PetscOptionsEnum
#undef PetscOptionsEList
#undef PetscOptionsString
#undef PetscOptionsStringArray
#undef PetscOptionsIntArray
#undef PetscOptionsRealArray
#define PetscOptionsInt(a, b, c, d, e, f)            ms_options_int(PetscOptionsObject, a, b, c, d, e, f, PETSC_MIN_INT, PETSC_MAX_INT)
#define PetscOptionsBoundedInt(a, b, c, d, e, f, g)  ms_options_int(PetscOptionsObject, a, b, c, d, e, f, g, PETSC_MAX_INT)
#define PetscOptionsRangeInt(a, b, c, d, e, f, g, h) ms_options_int(PetscOptionsObject, a, b, c, d, e, f, g, h)
#define PetscOptionsReal(a, b, c, d, e, f)           ms_options_real(PetscOptionsObject, a, b, c, d, e, f, PETSC_MIN_REAL, PETSC_MAX_REAL)
#define PetscOptionsBool(a, b, c, d, e, f)           ms_options_bool(PetscOptionsObject, a, b, c, d, e, f)
#define PetscOptionsEnum(a, b, c, d, e, f, g)        ms_options_enum(PetscOptionsObject, a, b, c, d, e, f, g)
#define PetscOptionsEList(a, b, c, d, e, f, g, h)    ms_options_elist(PetscOptionsObject, a, b, c, d, e, f, g, h)
#define PetscOptionsString(a, b, c, d, e, f, g)      ms_options_string(PetscOptionsObject, a, b, c, d, e, f, g)
#define PetscOptionsStringArray(a, b, c, d, e, f)    ms_options_string_array(PetscOptionsObject, a, b, c, d, e, f)
#define PetscOptionsIntArray(a, b, c, d, e, f)       ms_options_int_array(PetscOptionsObject, a, b, c, d, e, f)
#define PetscOptionsRealArray(a, b, c, d, e, f)      ms_options_real_array(PetscOptionsObject, a, b, c, d, e, f)
/* Bounded reals (PETSc has them from 3.20 on, with these arguments). */
#if !defined(PetscOptionsBoundedReal)
#define PetscOptionsBoundedReal(a, b, c, d, e, f, g)  ms_options_real(PetscOptionsObject, a, b, c, d, e, f, g, PETSC_MAX_REAL)
#define PetscOptionsRangeReal(a, b, c, d, e, f, g, h) ms_options_real(PetscOptionsObject, a, b, c, d, e, f, g, h)
#endif

#endif
