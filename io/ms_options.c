/* ms_options.c - unused options are errors; the run's command line for provenance. */
#include "ms_options.h"
#include <string.h>

const char *const ms_options_solver_prefixes[] = {"ksp_", "pc_", "mg_", "mat_", "dm_", "da_", "snes_", "tao_", "vec_", NULL};

/* Options every command accepts, consumed by PETSc itself or by ms_log/ms_error lazily. */
static const char *const global_prefixes[] = {"help", "quiet", "progress_step", "progress_bar", "ms_", "log", "malloc", "options_",
                                              "info", "on_error", "fp_trap", "no_signal_handler", "history",
                                              "check_pointer", "memory_view", "objects_dump", "viewer_", "mpi_", NULL};

static int has_prefix(const char *name, const char *const *prefixes)
{
  if (!prefixes) return 0;
  for (const char *const *p = prefixes; *p; p++)
    if (!strncmp(name, *p, strlen(*p))) return 1;
  return 0;
}

PetscErrorCode ms_options_check_unused(MPI_Comm comm, const char *const *exempt)
{
  PetscInt n;
  char   **names, **values;
  char     list[2048] = "";
  int      bad = 0;
  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (PetscInt i = 0; i < n; i++) {
    const char *nm = names[i][0] == '-' ? names[i] + 1 : names[i];
    if (has_prefix(nm, global_prefixes) || has_prefix(nm, exempt)) continue;
    char dashed[256];
    snprintf(dashed, sizeof dashed, "-%s", nm);
    /* A misspelling is the usual cause: name the closest option this command knows. */
    const char *near = ms_options_nearest(dashed);
    size_t      len  = strlen(list);
    snprintf(list + len, sizeof list - len, "%s-%s%s%s%s%s%s", bad ? ", " : "", nm, values[i] ? " " : "", values[i] ? values[i] : "",
             near ? " (did you mean " : "", near ? near : "", near ? "?)" : "");
    bad++;
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
  PetscCheck(!bad, comm, MS_ERR_USER, "unknown or unused option%s: %s (see -help for the options of this command)",
             bad > 1 ? "s" : "", list);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_require_string(const char *name, const char *what, char *value, size_t len)
{
  PetscBool set = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, NULL, name, value, len, &set));
  PetscCheck(set && value[0], PETSC_COMM_WORLD, MS_ERR_USER, "missing required option %s (%s)", name, what);
  PetscFunctionReturn(0);
}

/* argv as given to main (including the command word), kept for provenance. */
static int    saved_argc;
static char **saved_argv;

void ms_options_set_argv(int argc, char **argv)
{
  saved_argc = argc;
  saved_argv = argv;
}

PetscErrorCode ms_options_command_line(char **line)
{
  size_t len = 1;
  PetscFunctionBegin;
  if (!saved_argc) { /* a library user or test program: take PETSc's copy of argv */
    PetscCall(PetscGetArgs(&saved_argc, &saved_argv));
  }
  for (int i = 0; i < saved_argc; i++) len += strlen(saved_argv[i]) + 3;
  PetscCall(PetscMalloc1(len, line));
  (*line)[0] = 0;
  for (int i = 0; i < saved_argc; i++) {
    int quote = strchr(saved_argv[i], ' ') != NULL;
    strcat(*line, i ? " " : "");
    if (quote) strcat(*line, "'");
    strcat(*line, saved_argv[i]);
    if (quote) strcat(*line, "'");
  }
  PetscFunctionReturn(0);
}

const char *ms_options_argv_word(int i)
{
  return (saved_argv && i >= 0 && i < saved_argc) ? saved_argv[i] : NULL;
}
