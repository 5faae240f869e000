/* ms_error.h - how a matscreen run fails: one clear message, every rank gone, no partial
 * output left behind.
 *
 * ms_error_install() pushes a PETSc error handler that prints the first (innermost)
 * message of an error once, as "matscreen: error: <message>" on the failing rank (the
 * full PETSc traceback with -ms_traceback). The driver then calls ms_error_abort(), which
 * removes every output still registered as pending (see ms_output_register) and ends all
 * ranks with MPI_Abort when more than one rank is running, so a failure on one rank never
 * hangs the others in a collective.
 *
 * The pending-output registry is the one piece of process-global state in matscreen: it
 * must be reachable from the failure path, which has no object to hang it on.
 *
 * Termination signals: ms_signal_install() makes SIGTERM/SIGINT/SIGUSR1 set a flag instead of
 * killing the process; long loops poll ms_signal_received() (a collective agreement is
 * the caller's job: see ms_signal_agree) and leave their output consistent.
 */
#ifndef MS_ERROR_H
#define MS_ERROR_H

#include "ms_core.h"

PetscErrorCode ms_error_install(void);

/* Register/unregister a file that is being written and must vanish if the run fails. */
PetscErrorCode ms_output_register(const char *path);
PetscErrorCode ms_output_unregister(const char *path);
/* Inputs: the readers register every file they open for reading (tables, models, volumes);
 * ms_output_check(), called by the output writers before they create NAME.partial, refuses
 * an output that is one of them, compared by device and inode, so that another spelling
 * (./x.h5), a symbolic link or a hard link to an input cannot make the final rename replace
 * that input. Collective over comm (every rank sees the same file system). */
PetscErrorCode ms_input_register(const char *path);
PetscErrorCode ms_output_check(MPI_Comm comm, const char *path);
/* Remove all registered outputs (called on failure, by every rank that gets there). */
void ms_output_cleanup(void);

/* End the run after an error: cleanup, then MPI_Abort on >1 rank. Never returns. */
void ms_error_abort(PetscErrorCode code) __attribute__((noreturn));
/* Map a PETSc error code to a process exit status in 1..125. */
int ms_error_exit_status(PetscErrorCode code);

PetscErrorCode ms_signal_install(void);
int ms_signal_received(void); /* the signal number, or 0 */
/* Collective: PETSC_TRUE on every rank of comm if any rank received a signal. */
PetscErrorCode ms_signal_agree(MPI_Comm comm, PetscBool *stop);

/* Collective agreement on a local failure: every rank passes its own error code, every
 * rank gets the first non-zero code of any rank, so all ranks can leave together. Used
 * around rank-local work (parsing a file on rank 0) before a collective step. */
PetscErrorCode ms_error_agree(MPI_Comm comm, PetscErrorCode local, PetscErrorCode *global);

#endif
