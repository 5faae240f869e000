/* main.c - bin/matscreen: `matscreen <command> [options]`, git-style.
 *
 * PETSc is initialised once, after the command word is taken out of argv, so every
 * remaining argument goes to PETSc's options database (command line, -options_file,
 * PETSC_OPTIONS). A command that fails on any rank ends the whole job: ms_error_abort()
 * removes pending output files and calls MPI_Abort when more than one rank runs.
 */
#include "ms_commands.h"
#include "ms_error.h"
#include "ms_options.h"
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
  fprintf(out, "matscreen %s (%s): simulation labels, surrogate models and screening for materials\n\n",
          ms_version(), ms_git_commit());
  fprintf(out, "usage: matscreen <command> [options]      (run under mpirun/srun for parallel work)\n\n"
               "commands:\n");
  for (const ms_command *c = ms_commands; c->name; c++) fprintf(out, "  %-12s %s\n", c->name, c->summary);
  fprintf(out, "\n`matscreen <command> -help` lists a command's options. Options can also come from\n"
               "-options_file FILE and the PETSC_OPTIONS environment variable. Common options:\n"
               "  -quiet             no progress or summary output (errors still print)\n"
               "  -ms_traceback      on error, print PETSc's full traceback\n"
               "  -log_view          PETSc performance summary at exit\n");
}

static const ms_command *find_command(const char *name)
{
  for (const ms_command *c = ms_commands; c->name; c++)
    if (!strcmp(c->name, name)) return c;
  return NULL;
}

/* Sanitizer builds (MATSCREEN_SANITIZE): LeakSanitizer calls this hook before its at-exit
   check. A run that fails leaves from deep inside the command (ms_error_abort -> exit), with
   whatever the unwound frames held still allocated: the process ends there, so that is not
   a leak; runs that end normally are checked in full. */
static volatile int failed_exit;
int __lsan_is_turned_off(void);
int __lsan_is_turned_off(void) { return failed_exit; }

int main(int argc, char **argv)
{
  if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "-help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    /* `matscreen help CMD` is `matscreen CMD -help`. */
    if (argc >= 3 && !strcmp(argv[1], "help") && find_command(argv[2])) {
      argv[1] = argv[2];
      argv[2] = (char *)"-help";
    } else {
      usage(argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  }
  const ms_command *cmd = find_command(argv[1]);
  if (!cmd) {
    fprintf(stderr, "matscreen: error: unknown command '%s' (run 'matscreen help' for the list)\n", argv[1]);
    return 2;
  }

  /* argv without the command word; keep argv[0] for PETSc. */
  int    nargc = argc - 1;
  char **nargv = (char **)malloc(sizeof(char *) * (size_t)(argc + 1));
  if (!nargv) return 1;
  nargv[0] = argv[0];
  for (int i = 2; i < argc; i++) nargv[i - 1] = argv[i];
  nargv[nargc] = NULL;
  ms_options_set_argv(argc, argv);

  /* PETSc's -help text starts with this header; each command's options follow it. */
  char header[4096];
  size_t off = (size_t)snprintf(header, sizeof header, "matscreen %s: %s\n", cmd->name, cmd->summary);
  if (off < sizeof header) snprintf(header + off, sizeof header - off, "%s", cmd->help);

  /* Note whether an MPI launcher started us, before MPI_Init: Open MPI's singleton start-up
     sets the same variables inside the process (ms_log uses this to pick the progress style). */
  if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("SLURM_STEP_ID") || getenv("PMI_RANK"))
    setenv("MS_UNDER_LAUNCHER", "1", 1);
  PetscErrorCode ierr = PetscInitialize(&nargc, &nargv, NULL, header);
  if (ierr) { fprintf(stderr, "matscreen: error: PETSc/MPI initialisation failed (%d)\n", (int)ierr); return 1; }
  ierr = ms_error_install();
  if (!ierr) ierr = ms_signal_install();
  int status = 0;
  if (!ierr) ierr = cmd->run(PETSC_COMM_WORLD);
  if (ierr == MS_CMD_EXIT_TEMPFAIL) { /* stopped on purpose, output consistent: not an error */
    status = 75;
    ierr   = 0;
  }
  if (ierr) {
    failed_exit = 1;
    ms_error_abort(ierr);
  }
  PetscPopErrorHandler(); /* pushed by ms_error_install; -malloc_dump stays clean */
  ierr = PetscFinalize();
  free(nargv);
  return ierr ? 1 : status;
}
