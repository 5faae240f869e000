/* ms_log.c - rank-0 messages and progress (bar on a terminal, plain lines in batch logs). */
#include "ms_log.h"
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

PetscErrorCode ms_log_quiet(PetscBool *quiet)
{
  PetscFunctionBegin;
  *quiet = PETSC_FALSE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-quiet", quiet, NULL));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_log(MPI_Comm comm, const char *fmt, ...)
{
  PetscMPIInt rank;
  PetscBool   quiet;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_log_quiet(&quiet));
  if (rank == 0 && !quiet) {
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_warn(MPI_Comm comm, const char *fmt, ...)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    va_list ap;
    fprintf(stderr, "matscreen: warning: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
  }
  PetscFunctionReturn(0);
}

static void format_seconds(double s, char *buf, size_t len)
{
  if (s < 0 || s != s) snprintf(buf, len, "--:--");
  else if (s < 3600) snprintf(buf, len, "%02d:%02d", (int)(s / 60), (int)s % 60);
  else snprintf(buf, len, "%dh%02dm", (int)(s / 3600), ((int)s % 3600) / 60);
}

PetscErrorCode ms_progress_begin(MPI_Comm comm, const char *label, int64_t total, ms_progress *p)
{
  PetscMPIInt rank;
  PetscInt    step = 5;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(p, sizeof *p));
  p->comm  = comm;
  p->total = total;
  PetscCall(PetscStrncpy(p->label, label, sizeof p->label));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_log_quiet(&p->quiet));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-progress_step", &step, NULL));
  p->step_pct = step < 1 ? 1 : (int)step;
  p->active   = (rank == 0 && !p->quiet && total > 0) ? PETSC_TRUE : PETSC_FALSE;
  /* A bar only on a real terminal: Open MPI hands every rank a pseudo-terminal even when
     mpirun's own output goes to a batch log, so under a launcher default to plain lines.
     -progress_bar true|false overrides. */
  PetscBool launched = getenv("MS_UNDER_LAUNCHER") ? PETSC_TRUE : PETSC_FALSE; /* set by the driver */
  p->tty = isatty(STDOUT_FILENO) && !launched ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-progress_bar", &p->tty, NULL));
  p->t0 = p->last_print = MPI_Wtime();
  p->last_pct = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_progress_update(ms_progress *p, int64_t done)
{
  PetscFunctionBegin;
  if (!p->active) PetscFunctionReturn(0);
  double now = MPI_Wtime(), el = now - p->t0;
  int    pct = (int)(100.0 * (double)done / (double)p->total);
  double eta = done > 0 ? el * (double)(p->total - done) / (double)done : -1;
  char   es[16], ts[16];
  format_seconds(eta, ts, sizeof ts);
  format_seconds(el, es, sizeof es);
  p->last_done = done;
  if (p->tty) {
    if (now - p->last_print < 0.2 && done < p->total) PetscFunctionReturn(0);
    char bar[31];
    int  fill = (int)(30.0 * (double)done / (double)p->total);
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(stdout, "\r%s [%s] %3d%% %lld/%lld elapsed %s ETA %s ", p->label, bar, pct, (long long)done,
            (long long)p->total, es, ts);
    fflush(stdout);
    p->last_print = now;
  } else if (pct / p->step_pct > p->last_pct / p->step_pct || p->last_pct < 0) {
    if (pct == 0 && p->last_pct >= 0) PetscFunctionReturn(0);
    fprintf(stdout, "%s: %3d%% (%lld/%lld) elapsed %s ETA %s\n", p->label, pct, (long long)done,
            (long long)p->total, es, ts);
    fflush(stdout);
    p->last_pct = pct;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_progress_end(ms_progress *p)
{
  PetscFunctionBegin;
  if (p->active) {
    char es[16];
    format_seconds(MPI_Wtime() - p->t0, es, sizeof es);
    if (p->tty) fprintf(stdout, "\n");
    fprintf(stdout, "%s: done (%lld/%lld) in %s\n", p->label, (long long)p->last_done, (long long)p->total, es);
    fflush(stdout);
  }
  p->active = PETSC_FALSE;
  PetscFunctionReturn(0);
}
