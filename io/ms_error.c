/* ms_error.c - failure path: one message, cleanup of pending outputs, all ranks gone.
 *
 * How one message is printed once:
 *  - an error raised on a communicator congruent to MPI_COMM_WORLD is collective: every rank
 *    raises it, rank 0 prints it, and every rank then leaves normally with the same status;
 *  - an error raised on a smaller communicator (PETSC_COMM_SELF, a fold's sub-communicator) is
 *    held back; if the ranks then agree on the failure (ms_error_agree on a world-congruent
 *    communicator), only the lowest failing rank prints and everyone leaves normally;
 *    otherwise ms_error_abort prints it, tagged with the rank, and calls MPI_Abort, the only
 *    way to free ranks that may be blocked in a collective.
 */
#include "ms_error.h"
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Process-global by necessity (see ms_error.h): the failure path has no object to reach. */
#define MS_MAX_PENDING 64
static char *pending[MS_MAX_PENDING];
static volatile sig_atomic_t signal_seen = 0;
static struct {
  char           text[2048];
  int            held;       /* a message not yet printed */
  int            collective; /* every rank of MPI_COMM_WORLD knows about the failure */
  int            bad_option; /* PETSc rejected an option value: the user's to fix (status 95) */
} failure;

static int world_congruent(MPI_Comm comm)
{
  int result = MPI_UNEQUAL;
  if (comm == MPI_COMM_NULL) return 0;
  MPI_Comm_compare(comm, MPI_COMM_WORLD, &result);
  return result == MPI_IDENT || result == MPI_CONGRUENT;
}

static void print_failure(int with_rank)
{
  PetscMPIInt rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (with_rank) fprintf(stderr, "matscreen: error [rank %d]: %s", (int)rank, failure.text);
  else fprintf(stderr, "matscreen: error: %s", failure.text);
  fflush(stderr);
  failure.held = 0;
}

static PetscErrorCode ms_error_handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                       PetscErrorType p, const char *mess, void *ctx)
{
  (void)ctx;
  PetscBool trace = PETSC_FALSE;
  PetscOptionsHasName(NULL, NULL, "-ms_traceback", &trace);
  if (trace) return PetscTraceBackErrorHandler(comm, line, fun, file, n, p, mess, NULL);
  if (p != PETSC_ERROR_INITIAL) return n;
  const char *text = mess;
  if (!text || !text[0]) PetscErrorMessage(n, &text, NULL);
  /* Option values are checked by ms_options_* before PETSc parses them; options that PETSc reads
     itself (-ksp_rtol abc) still fail inside PetscOptions*: that is a bad option value too. */
  failure.bad_option = fun && !strncmp(fun, "PetscOptions", 12) &&
                       (n == PETSC_ERR_ARG_OUTOFRANGE || n == PETSC_ERR_USER || n == PETSC_ERR_ARG_WRONG || n == PETSC_ERR_ARG_UNKNOWN_TYPE);
  size_t k = (size_t)snprintf(failure.text, sizeof failure.text, "%s%s\n", failure.bad_option ? "bad option value: " : "",
                              text ? text : "unknown error");
  /* Input errors are the user's to fix: the message says what and where. Anything else is
     ours: say where in the code it happened. */
  if (n != MS_ERR_USER && n != MS_ERR_FILE && n != MS_ERR_READ && !failure.bad_option && k < sizeof failure.text)
    snprintf(failure.text + k, sizeof failure.text - k, "matscreen:   (internal error %d in %s, %s:%d; rerun with -ms_traceback)\n",
             (int)n, fun, file, line);
  failure.held = 1;
  if (world_congruent(comm)) {
    PetscMPIInt rank;
    MPI_Comm_rank(comm, &rank);
    failure.collective = 1;
    if (rank == 0) print_failure(0);
    failure.held = 0;
  }
  return n;
}

PetscErrorCode ms_error_install(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(ms_error_handler, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_output_register(const char *path)
{
  PetscFunctionBegin;
  for (int i = 0; i < MS_MAX_PENDING; i++)
    if (!pending[i]) {
      pending[i] = strdup(path);
      PetscCheck(pending[i], PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory registering %s", path);
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "more than %d output files open at once", MS_MAX_PENDING);
}

#define MS_MAX_INPUTS 64
static struct {
  dev_t dev;
  ino_t ino;
  char *path;
} inputs[MS_MAX_INPUTS];
static int n_inputs = 0;

PetscErrorCode ms_input_register(const char *path)
{
  struct stat st;
  PetscFunctionBegin;
  if (stat(path, &st) != 0) PetscFunctionReturn(0); /* the reader reports a missing file itself */
  for (int i = 0; i < n_inputs; i++)
    if (inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino) PetscFunctionReturn(0);
  if (n_inputs == MS_MAX_INPUTS) PetscFunctionReturn(0); /* a command with more inputs: the first 64 are guarded */
  inputs[n_inputs].dev  = st.st_dev;
  inputs[n_inputs].ino  = st.st_ino;
  inputs[n_inputs].path = strdup(path);
  PetscCheck(inputs[n_inputs].path, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory registering %s", path);
  n_inputs++;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_output_check(MPI_Comm comm, const char *path)
{
  struct stat st;
  PetscFunctionBegin;
  if (stat(path, &st) != 0) PetscFunctionReturn(0); /* a new file cannot be an input */
  for (int i = 0; i < n_inputs; i++)
    PetscCheck(!(inputs[i].dev == st.st_dev && inputs[i].ino == st.st_ino), comm, MS_ERR_USER,
               "output '%s' is the input file '%s' (the same file%s): writing it would destroy the input; choose another output name",
               path, inputs[i].path, strcmp(path, inputs[i].path) ? ", by another name or a link" : "");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_output_unregister(const char *path)
{
  PetscFunctionBegin;
  for (int i = 0; i < MS_MAX_PENDING; i++)
    if (pending[i] && !strcmp(pending[i], path)) {
      free(pending[i]);
      pending[i] = NULL;
    }
  PetscFunctionReturn(0);
}

void ms_output_cleanup(void)
{
  for (int i = 0; i < MS_MAX_PENDING; i++)
    if (pending[i]) {
      unlink(pending[i]); /* every rank may try; ENOENT is fine */
      free(pending[i]);
      pending[i] = NULL;
    }
}

int ms_error_exit_status(PetscErrorCode code)
{
  if (failure.bad_option) return MS_ERR_USER;
  if (code <= 0) return 1;
  return code > 125 ? 1 : (int)code;
}

void ms_error_abort(PetscErrorCode code)
{
  int         status = ms_error_exit_status(code);
  PetscMPIInt size = 1, rank = 0, init = 0;
  MPI_Initialized(&init);
  if (init) {
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  }
  ms_output_cleanup();
  if (failure.held) print_failure(size > 1);
  fflush(stdout);
  if (size > 1 && !failure.collective) {
    /* Other ranks may be blocked in a collective: only MPI_Abort frees them. A short pause
       lets this rank's message through before the abort tears the job down. */
    usleep(200000);
    MPI_Abort(MPI_COMM_WORLD, status);
  }
  if (init) PetscFinalize();
  exit(status);
}

static void on_signal(int sig) { signal_seen = sig; }

PetscErrorCode ms_signal_install(void)
{
  struct sigaction sa;
  PetscFunctionBegin;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  PetscCheck(sigaction(SIGTERM, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install SIGTERM handler");
  PetscCheck(sigaction(SIGINT, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install SIGINT handler");
  /* Open MPI's mpiexec cannot forward SIGTERM: it turns it into a forced abort of the job (the
     ranks get TERM, then KILL a second later) and exits 1 whatever the ranks return. It does
     forward SIGUSR1, so `kill -USR1 <mpiexec pid>` (or `scancel --signal=USR1`) is the clean
     stop under mpiexec: the ranks finish the round and mpiexec exits with their 75. */
  PetscCheck(sigaction(SIGUSR1, &sa, NULL) == 0, PETSC_COMM_SELF, PETSC_ERR_SYS, "cannot install SIGUSR1 handler");
  PetscFunctionReturn(0);
}

int ms_signal_received(void) { return (int)signal_seen; }

PetscErrorCode ms_signal_agree(MPI_Comm comm, PetscBool *stop)
{
  int local = signal_seen != 0, any = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&local, &any, 1, MPI_INT, MPI_LOR, comm));
  *stop = any ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_error_agree(MPI_Comm comm, PetscErrorCode local, PetscErrorCode *global)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* (ok?, rank) pairs: MINLOC finds the lowest failing rank, which broadcasts its code. */
  struct { int ok; int rank; } in = {local ? 0 : 1, (int)rank}, out;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, comm));
  int code = 0;
  if (out.ok == 0) {
    code = (int)local;
    PetscCallMPI(MPI_Bcast(&code, 1, MPI_INT, out.rank, comm));
    if (rank == out.rank && failure.held) print_failure(0);
    failure.held = 0;
    if (world_congruent(comm)) failure.collective = 1;
  }
  *global = (PetscErrorCode)code;
  PetscFunctionReturn(0);
}
