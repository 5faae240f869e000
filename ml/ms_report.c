/* ms_report.c - CSV reports written atomically by rank 0 (see ms_report.h). */
#include "ms_report.h"
#include "ms_error.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_h5.h"
#include "ms_provenance.h"
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

PetscErrorCode ms_text_printf(ms_text *t, const char *fmt, ...)
{
  va_list ap;
  int     n;

  PetscFunctionBegin;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (t->len + (size_t)n + 1 > t->cap) {
    size_t cap = PetscMax(2 * t->cap, t->len + (size_t)n + 256);
    char  *s;
    PetscCall(PetscMalloc1(cap, &s));
    if (t->len) PetscCall(PetscMemcpy(s, t->s, t->len));
    PetscCall(PetscFree(t->s));
    t->s   = s;
    t->cap = cap;
  }
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_text_field(ms_text *t, const char *field, PetscBool first)
{
  PetscFunctionBegin;
  if (!first) PetscCall(ms_text_printf(t, ","));
  if (!strpbrk(field, ",\"\n\r")) PetscCall(ms_text_printf(t, "%s", field));
  else {
    PetscCall(ms_text_printf(t, "\""));
    for (const char *c = field; *c; c++) {
      if (*c == '"') PetscCall(ms_text_printf(t, "\"\""));
      else PetscCall(ms_text_printf(t, "%c", *c));
    }
    PetscCall(ms_text_printf(t, "\""));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_text_free(ms_text *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->s));
  t->len = t->cap = 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_write_csv(MPI_Comm comm, const char *path, const char *header, const ms_text *rows, int n_inputs, char *const *inputs)
{
  PetscMPIInt rank;
  char        partial[PETSC_MAX_PATH_LEN];
  ms_text     head = {0};
  long long   mylen = (long long)rows->len, off = 0, hlen = 0;
  MPI_File    fh;
  MPI_Status  st;
  int         rc;

  PetscFunctionBegin;
  PetscCall(ms_output_check(comm, path)); /* never replace an input */
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(mylen < INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP, "%s: more than 2 GB of rows on one rank; use more ranks", path);
  PetscCall(PetscSNPrintf(partial, sizeof partial, "%s.partial", path));
  if (!rank) {
    PetscCall(ms_text_printf(&head, "%s\n", header));
    hlen = (long long)head.len;
    PetscCall(ms_output_register(partial));
  }
  /* Each rank writes its own rows at its offset (MPI-IO), so no rank ever holds the table. */
  PetscCallMPI(MPI_Bcast(&hlen, 1, MPI_LONG_LONG, 0, comm));
  PetscCallMPI(MPI_Exscan(&mylen, &off, 1, MPI_LONG_LONG, MPI_SUM, comm));
  if (!rank) off = 0;
  rc = MPI_File_open(comm, partial, MPI_MODE_WRONLY | MPI_MODE_CREATE, MPI_INFO_NULL, &fh);
  PetscCheck(rc == MPI_SUCCESS, comm, MS_ERR_FILE, "cannot write %s (for output %s)", partial, path);
  PetscCallMPI(MPI_File_set_size(fh, 0));
  if (!rank) PetscCallMPI(MPI_File_write_at(fh, 0, head.s, (int)hlen, MPI_CHAR, &st));
  PetscCallMPI(MPI_File_write_at_all(fh, (MPI_Offset)(hlen + off), rows->s, (int)mylen, MPI_CHAR, &st));
  PetscCallMPI(MPI_File_close(&fh));
  PetscCall(ms_provenance_sidecar_begin(comm, path, n_inputs, inputs));
  PetscCall(ms_provenance_sidecar_commit(comm, path));
  PetscCallMPI(MPI_Barrier(comm));
  if (!rank) {
    if (rename(partial, path)) SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "cannot rename %s to %s", partial, path);
    PetscCall(ms_output_unregister(partial));
  }
  PetscCall(ms_provenance_sidecar_done(comm, path));
  PetscCallMPI(MPI_Barrier(comm));
  PetscCall(ms_text_free(&head));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_predictions(ms_model m, ms_dataset X, const double *y, const double *std, const double *P, const char *path,
                                     int n_inputs, char *const *inputs)
{
  ms_text   head = {0}, rows = {0};
  PetscBool cls  = m->task == MS_TASK_CLASSIFICATION ? PETSC_TRUE : PETSC_FALSE;
  char      buf[64];

  PetscFunctionBegin;
  if (X->ids) PetscCall(ms_text_field(&head, X->id_name ? X->id_name : "id", PETSC_TRUE));
  PetscCall(ms_text_field(&head, "prediction", X->ids ? PETSC_FALSE : PETSC_TRUE));
  if (std) PetscCall(ms_text_field(&head, "std", PETSC_FALSE));
  for (int64_t c = 0; P && c < m->n_classes; c++) {
    ms_text name = {0};
    PetscCall(ms_text_printf(&name, "p_%s", m->class_names[c]));
    PetscCall(ms_text_field(&head, name.s, PETSC_FALSE));
    PetscCall(ms_text_free(&name));
  }
  for (int64_t i = 0; i < X->n_local; i++) {
    if (X->ids) PetscCall(ms_text_field(&rows, X->ids[i], PETSC_TRUE));
    if (cls) PetscCall(ms_text_field(&rows, m->class_names[(int64_t)y[i]], X->ids ? PETSC_FALSE : PETSC_TRUE));
    else {
      PetscCall(PetscSNPrintf(buf, sizeof buf, "%.17g", y[i]));
      PetscCall(ms_text_field(&rows, buf, X->ids ? PETSC_FALSE : PETSC_TRUE));
    }
    if (std) PetscCall(ms_text_printf(&rows, ",%.17g", std[i]));
    for (int64_t c = 0; P && c < m->n_classes; c++) PetscCall(ms_text_printf(&rows, ",%.17g", P[i * m->n_classes + c]));
    PetscCall(ms_text_printf(&rows, "\n"));
  }
  PetscCall(ms_report_write_csv(X->comm, path, head.s, &rows, n_inputs, inputs));
  PetscCall(ms_text_free(&head));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_cv(MPI_Comm comm, const ms_cv_result *res, const double *test, const char *path, int n_inputs, char *const *inputs)
{
  ms_text     rows = {0};
  PetscMPIInt rank;
  const int   M = res->n_metrics, F = res->repeats * res->folds;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* The result is replicated: rank 0 formats everything. */
  for (int c = 0; !rank && c < res->n_candidates; c++)
    for (int j = 0; j < M; j++) {
      for (int f = 0; f < F; f++) {
        PetscCall(ms_text_field(&rows, res->candidates[c].label, PETSC_TRUE));
        PetscCall(ms_text_printf(&rows, ",%s,%d,%d,%.17g\n", res->metric_names[j], f / res->folds, f % res->folds, res->scores[(c * F + f) * M + j]));
      }
      PetscCall(ms_text_field(&rows, res->candidates[c].label, PETSC_TRUE));
      PetscCall(ms_text_printf(&rows, ",%s,all,mean,%.17g\n", res->metric_names[j], res->mean[c * M + j]));
      PetscCall(ms_text_field(&rows, res->candidates[c].label, PETSC_TRUE));
      PetscCall(ms_text_printf(&rows, ",%s,all,std,%.17g\n", res->metric_names[j], res->std[c * M + j]));
    }
  for (int j = 0; !rank && test && j < M; j++) {
    PetscCall(ms_text_field(&rows, res->candidates[res->best].label, PETSC_TRUE));
    PetscCall(ms_text_printf(&rows, ",%s,all,test,%.17g\n", res->metric_names[j], test[j]));
  }
  PetscCall(ms_report_write_csv(comm, path, "model,metric,repeat,fold,value", &rows, n_inputs, inputs));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_cv_table(MPI_Comm comm, const ms_cv_result *res)
{
  const int M = res->n_metrics;
  ms_text   line = {0};

  PetscFunctionBegin;
  PetscCall(ms_text_printf(&line, "%-28s", "model"));
  for (int j = 0; j < M; j++) PetscCall(ms_text_printf(&line, " %22s", res->metric_names[j]));
  PetscCall(ms_log(comm, "%s\n", line.s));
  for (int c = 0; c < res->n_candidates; c++) {
    line.len = 0;
    PetscCall(ms_text_printf(&line, "%-28s", res->candidates[c].label));
    for (int j = 0; j < M; j++) PetscCall(ms_text_printf(&line, " %11.4g +/- %-8.3g", res->mean[c * M + j], res->std[c * M + j]));
    PetscCall(ms_log(comm, "%s%s\n", line.s, c == res->best ? "  <- best" : ""));
  }
  if (res->oof_scores) { /* the scores of the OOF table, recomputable from it */
    line.len = 0;
    PetscCall(ms_text_printf(&line, "%-28s", "out-of-fold (pooled)"));
    for (int j = 0; j < M; j++) PetscCall(ms_text_printf(&line, " %22s", res->metric_names[j]));
    PetscCall(ms_log(comm, "%s\n", line.s));
    for (int c = 0; c < res->n_candidates; c++) {
      line.len = 0;
      PetscCall(ms_text_printf(&line, "%-28s", res->candidates[c].label));
      for (int j = 0; j < M; j++) PetscCall(ms_text_printf(&line, " %22.10g", res->oof_scores[c * M + j]));
      PetscCall(ms_log(comm, "%s\n", line.s));
    }
  }
  PetscCall(ms_text_free(&line));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_report_terms(MPI_Comm comm, ms_model_terms t, const char *path, int n_inputs, char *const *inputs)
{
  ms_text     rows = {0};
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int64_t i = 0; !rank && i < t->n; i++) { /* replicated: rank 0 writes */
    PetscCall(ms_text_field(&rows, t->kind[i], PETSC_TRUE));
    PetscCall(ms_text_field(&rows, t->cls[i], PETSC_FALSE));
    PetscCall(ms_text_field(&rows, t->feature[i], PETSC_FALSE));
    PetscCall(ms_text_printf(&rows, ",%.17g\n", t->value[i]));
  }
  PetscCall(ms_report_write_csv(comm, path, "kind,class,feature,value", &rows, n_inputs, inputs));
  PetscCall(ms_text_free(&rows));
  PetscFunctionReturn(0);
}
