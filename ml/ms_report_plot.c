/* ms_report_plot.c - PNG plots drawn by gnuplot, shared by every command that draws one: rank 0
 * feeds gnuplot a script on its standard input (points inline as data blocks, so no temporary
 * files) that writes PATH.partial, registered as pending output and renamed into place only
 * when gnuplot succeeded; the outcome is broadcast so every rank fails together. */
#include "ms_report.h"
#include "ms_error.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

PetscErrorCode ms_report_gnuplot_available(MPI_Comm comm, const char *option)
{
  PetscMPIInt rank;
  int         found = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    const char *path = getenv("PATH");
    char        dirs[4096], *save = NULL, exe[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(dirs, path ? path : "/usr/bin:/bin", sizeof dirs));
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
      snprintf(exe, sizeof exe, "%s/gnuplot", d);
      found = access(exe, X_OK) == 0;
    }
  }
  PetscCallMPI(MPI_Bcast(&found, 1, MPI_INT, 0, comm));
  PetscCheck(found, comm, MS_ERR_USER, "%s needs gnuplot, which is not on PATH (install it: apt-get install gnuplot-nox)", option);
  PetscFunctionReturn(0);
}

void ms_report_gnuplot_quoted(FILE *gp, const char *s)
{
  fputc('\'', gp);
  for (const char *c = s; *c; c++) {
    if (*c == '\'') fputc('\'', gp);
    if (*c != '\n') fputc(*c, gp);
  }
  fputc('\'', gp);
}

PetscErrorCode ms_report_gnuplot(MPI_Comm comm, const char *path, int width, int height, const char *what, ms_report_gnuplot_body body,
                                 void *ctx)
{
  PetscMPIInt rank;
  int         err = 0;
  char        partial[PETSC_MAX_PATH_LEN + 16], msg[3 * PETSC_MAX_PATH_LEN] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscSNPrintf(partial, sizeof partial, "%s.partial", path));
  if (!rank) {
    PetscCall(ms_output_register(partial));
    FILE *gp = popen("gnuplot", "w");
    if (!gp) {
      err = errno ? errno : ENOENT;
      snprintf(msg, sizeof msg, "cannot start gnuplot: %s", strerror(err));
    } else {
      fprintf(gp, "set terminal pngcairo size %d,%d noenhanced\nset output ", width, height);
      ms_report_gnuplot_quoted(gp, partial);
      fprintf(gp, "\n");
      PetscErrorCode berr = body(gp, ctx);
      fprintf(gp, "\nunset output\n");
      int st = pclose(gp);
      PetscCall(berr);
      if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        err = EIO;
        snprintf(msg, sizeof msg, "gnuplot failed (status %d) drawing '%s'", st == -1 ? -1 : WEXITSTATUS(st), partial);
      } else if (rename(partial, path)) {
        err = errno;
        snprintf(msg, sizeof msg, "cannot rename '%s' to '%s': %s", partial, path, strerror(err));
      } else PetscCall(ms_output_unregister(partial));
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!err, comm, MS_ERR_FILE, "%s: %s", what, msg);
  PetscFunctionReturn(0);
}
