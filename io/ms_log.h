/* ms_log.h - human output on rank 0: messages and progress of long work.
 *
 * Messages go to stdout from rank 0 of the communicator given, unless -quiet is set.
 * Progress: on a terminal, a bar with ETA redrawn in place; otherwise (batch logs) one plain
 * line each time another -progress_step percent (default 5) is done. Under an MPI launcher
 * (mpirun, srun) the plain lines are the default, because Open MPI gives ranks a
 * pseudo-terminal even when the job's output goes to a file; -progress_bar true|false forces.
 *
 *   ms_progress p;
 *   PetscCall(ms_progress_begin(comm, "labelling", total, &p));
 *   for (...) { ...; PetscCall(ms_progress_update(&p, done_global)); }
 *   PetscCall(ms_progress_end(&p));
 * done_global is the global count (the caller reduces it); only rank 0 prints.
 */
#ifndef MS_LOG_H
#define MS_LOG_H

#include "ms_core.h"

/* printf-style message from rank 0 of comm (suppressed by -quiet). */
PetscErrorCode ms_log(MPI_Comm comm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Warning to stderr from rank 0 of comm (never suppressed). */
PetscErrorCode ms_warn(MPI_Comm comm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
PetscErrorCode ms_log_quiet(PetscBool *quiet);

typedef struct {
  MPI_Comm   comm;
  char       label[64];
  int64_t    total, last_done;
  double     t0, last_print;
  int        last_pct;     /* batch mode: last percentage printed */
  int        step_pct;
  PetscBool  tty, quiet, active;
} ms_progress;

PetscErrorCode ms_progress_begin(MPI_Comm comm, const char *label, int64_t total, ms_progress *p);
PetscErrorCode ms_progress_update(ms_progress *p, int64_t done);
PetscErrorCode ms_progress_end(ms_progress *p);

#endif
