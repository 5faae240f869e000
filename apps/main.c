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
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
  fprintf(out, "matscreen %s (%s): simulation labels, surrogate models and screening for materials\n\n",
          ms_version(), ms_git_commit());
  fprintf(out, "usage: matscreen <command> [options]      (run under mpirun/srun for parallel work)\n\n"
               "commands:\n");
  for (const ms_command *c = ms_commands; c->name; c++) fprintf(out, "  %-12s %s\n", c->name, c->summary);
  fprintf(out, "\n`matscreen help <command>` (or `matscreen <command> -help`) lists a command's options.\n"
               "Options can also come from -options_file FILE and the PETSC_OPTIONS environment variable.\n"
               "Common options:\n"
               "  -quiet             no progress or summary output (errors still print)\n"
               "  -ms_traceback      on error, print PETSc's full traceback\n"
               "  -log_view          PETSc performance summary at exit\n"
               "  -help_petsc        with a command: also list PETSc's generic options\n");
}

/* PETSc's own -help listing (generic options, solver options), kept for -help_petsc and printed
   after ours under its own heading. Rank 0 only, like PETSc's default printer. */
static char  *petsc_help;
static size_t petsc_help_len;

static PetscErrorCode capture_help(MPI_Comm comm, const char fmt[], ...)
{
  PetscMPIInt rank = 0;
  char        buf[8192];
  va_list     ap;
  if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &rank);
  if (rank) return 0;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n < 0) return 0;
  size_t l = strlen(buf);
  char  *p = (char *)realloc(petsc_help, petsc_help_len + l + 1);
  if (!p) return 0;
  memcpy(p + petsc_help_len, buf, l + 1);
  petsc_help = p;
  petsc_help_len += l;
  return 0;
}

/* A missing -options_file would make PetscInitialize print a multi-line traceback before any
   handler of ours exists: check the files named on the command line or in PETSC_OPTIONS first. */
static int check_options_files(int argc, char **argv)
{
  for (int i = 1; i + 1 < argc; i++)
    if (!strcmp(argv[i], "-options_file") && access(argv[i + 1], R_OK) != 0) {
      fprintf(stderr, "matscreen: error: cannot read options file '%s' (option -options_file)\n", argv[i + 1]);
      return 1;
    }
  const char *env = getenv("PETSC_OPTIONS");
  if (env) {
    char *copy = strdup(env), *save = NULL, *prev = NULL;
    for (char *tok = copy ? strtok_r(copy, " \t", &save) : NULL; tok; prev = tok, tok = strtok_r(NULL, " \t", &save))
      if (prev && !strcmp(prev, "-options_file") && access(tok, R_OK) != 0) {
        fprintf(stderr, "matscreen: error: cannot read options file '%s' (-options_file in PETSC_OPTIONS)\n", tok);
        free(copy);
        return 1;
      }
    free(copy);
  }
  return 0;
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
  if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-version") || !strcmp(argv[1], "-V")))
    argv[1] = (char *)"version";
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

  /* argv without the command word; keep argv[0] for PETSc. -help is ours: taken out so PETSc
     does not print its generic listing first; -help_petsc asks for that listing too (after ours). */
  int       nargc = 1;
  PetscBool help = PETSC_FALSE, help_petsc = PETSC_FALSE;
  char    **nargv = (char **)malloc(sizeof(char *) * (size_t)(argc + 2));
  if (!nargv) return 1;
  nargv[0] = argv[0];
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "-help") || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) help = PETSC_TRUE;
    else if (!strcmp(argv[i], "-help_petsc")) help = help_petsc = PETSC_TRUE;
    else nargv[nargc++] = argv[i];
  }
  if (help_petsc) nargv[nargc++] = (char *)"-help";
  nargv[nargc] = NULL;
  ms_options_set_argv(argc, argv);
  ms_options_set_help(help);
  if (check_options_files(nargc, nargv)) {
    free(nargv);
    return 65; /* MS_ERR_FILE */
  }
  PetscHelpPrintf = capture_help;

  /* Note whether an MPI launcher started us, before MPI_Init: Open MPI's singleton start-up
     sets the same variables inside the process (ms_log uses this to pick the progress style). */
  if (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("SLURM_STEP_ID") || getenv("PMI_RANK"))
    setenv("MS_UNDER_LAUNCHER", "1", 1);
  PetscErrorCode ierr = PetscInitialize(&nargc, &nargv, NULL, NULL);
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
  if (help) {
    PetscMPIInt rank;
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    if (!rank) printf("matscreen %s: %s\n%s", cmd->name, cmd->summary, cmd->help);
    ms_options_help_print(PETSC_COMM_WORLD, stdout);
    if (!rank) {
      if (help_petsc && petsc_help) printf("\n==== PETSc's own listing (generic options of every PETSc program, then the blocks above in PETSc's format) ====\n%s", petsc_help);
      else printf("\nPETSc's generic options (-log_view, -malloc_debug, solver options, ...): add -help_petsc.\n");
      fflush(stdout);
    }
  }
  free(petsc_help);
  ms_options_registry_free();
  PetscPopErrorHandler(); /* pushed by ms_error_install; -malloc_dump stays clean */
  ierr = PetscFinalize();
  free(nargv);
  return ierr ? 1 : status;
}
