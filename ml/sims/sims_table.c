/* sims_table.c - loading and checking ToF-SIMS peak tables, class selection (ms_sims.h). */
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_report.h"
#include "ms_sims.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_sims_table_load(MPI_Comm comm, const char *path, const char *label, const char *id, const char *const *ignore,
                                  PetscBool drop_zero, ms_dataset *ds)
{
  ms_table_columns cols;
  PetscBool        found = PETSC_FALSE;
  char             list[1024];

  PetscFunctionBeginUser;
  PetscCheck(label && label[0], comm, MS_ERR_USER, "sims: missing option -label (the column holding the class of each spectrum)");
  /* name the missing label column with what the file does hold, before the generic loader
     would call it a missing target */
  PetscCall(ms_dataset_columns(comm, path, &cols));
  for (int i = 0; i < cols.n; i++)
    if (!strcmp(cols.names[i], label)) found = PETSC_TRUE;
  ms_table_columns_join(cols.n, cols.names, list, sizeof list);
  PetscCall(ms_table_columns_free(&cols));
  PetscCheck(found, comm, MS_ERR_USER, "sims: the peak table %s has no label column '%s' (option -label); its columns are: %s", path, label,
             list);
  ms_csv_read_opts o = {label, MS_TASK_CLASSIFICATION, id, (const char **)ignore, MS_NAN_ERROR, NULL, PETSC_FALSE};
  PetscCall(ms_dataset_load(comm, path, &o, ds));
  if (drop_zero) {
    /* reload without the all-zero peaks (a small table: cheaper than a column-removal API) */
    const int64_t d = (*ds)->n_features;
    double       *lo, *hi;
    const char  **ig;
    int64_t       n_ig = 0, n_zero = 0;
    PetscCall(ms_dataset_check_finite_features(*ds, path));
    PetscCall(PetscMalloc2(d, &lo, d, &hi));
    PetscCall(ms_dataset_column_range(*ds, lo, hi));
    for (int64_t j = 0; j < d; j++) n_zero += hi[j] == 0.0 && lo[j] == 0.0;
    if (n_zero) {
      PetscCheck(n_zero < d, comm, MS_ERR_USER, "sims: every peak column of %s is zero", path);
      for (int64_t i = 0; ignore && ignore[i]; i++) n_ig++;
      PetscCall(PetscMalloc1(n_ig + n_zero + 1, &ig));
      for (int64_t i = 0; i < n_ig; i++) ig[i] = ignore[i];
      for (int64_t j = 0; j < d; j++)
        if (hi[j] == 0.0 && lo[j] == 0.0) ig[n_ig++] = (*ds)->feature_names[j];
      ig[n_ig] = NULL;
      ms_dataset full = *ds;
      o.ignore        = ig;
      PetscCall(ms_dataset_load(comm, path, &o, ds));
      PetscCall(PetscFree(ig));
      PetscCall(ms_dataset_destroy(&full));
      PetscCall(ms_warn(comm, "sims: dropped %lld peak column(s) of %s that are zero in every spectrum (-drop_zero_peaks)\n", (long long)n_zero,
                        path));
    }
    PetscCall(PetscFree2(lo, hi));
  }
  PetscCall(ms_sims_check_peaks(*ds, path, PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_table_load_new(MPI_Comm comm, const char *path, const char *label, ms_dataset like, ms_dataset *ds)
{
  ms_table_columns cols;
  PetscBool        has = PETSC_FALSE;
  const char     **feat;

  PetscFunctionBeginUser;
  PetscCall(ms_dataset_columns(comm, path, &cols));
  for (int i = 0; i < cols.n; i++)
    if (!strcmp(cols.names[i], label)) has = PETSC_TRUE;
  PetscCall(ms_table_columns_free(&cols));
  PetscCall(PetscMalloc1(like->n_features + 1, &feat));
  for (int64_t j = 0; j < like->n_features; j++) feat[j] = like->feature_names[j];
  feat[like->n_features] = NULL;
  ms_csv_read_opts o = {has ? label : NULL, has ? MS_TASK_CLASSIFICATION : MS_TASK_AUTO, NULL, NULL, MS_NAN_ERROR, feat, PETSC_FALSE};
  PetscCall(ms_dataset_load(comm, path, &o, ds));
  PetscCall(PetscFree(feat));
  if (!has) {
    /* one class for all new spectra, so the per-class summaries still apply */
    int64_t *lab;
    char    *name = (char *)"new";
    PetscCall(PetscCalloc1((*ds)->n_local + 1, &lab));
    PetscCall(ms_dataset_set_labels(*ds, label, 1, &name, lab));
    PetscCall(PetscFree(lab));
  }
  PetscCall(ms_sims_check_peaks(*ds, path, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_check_peaks(ms_dataset ds, const char *src, PetscBool allow_zero)
{
  const int64_t d = ds->n_features;
  int64_t  row = INT64_MAX, col = -1, first;
  double   val = 0.0, *hi;
  ms_text  zero = {0};
  int64_t  n_zero = 0;

  PetscFunctionBeginUser;
  PetscCheck(ds->n_global > 0 && d > 0, ds->comm, MS_ERR_USER, "sims: the peak table %s has no spectra or no peak columns", src);
  PetscCall(ms_dataset_check_finite_features(ds, src));
  for (int64_t i = 0; i < ds->n_local && col < 0; i++)
    for (int64_t j = 0; j < d && col < 0; j++)
      if (ds->X[i * d + j] < 0) row = ds->row_start + i, col = j, val = ds->X[i * d + j];
  /* report the first negative area in table order: the owner of the smallest row sends its
     column and value (every other rank adds zeros) */
  PetscCallMPI(MPI_Allreduce(&row, &first, 1, MPI_INT64_T, MPI_MIN, ds->comm));
  if (first != INT64_MAX) {
    double msg[2] = {0, 0};
    if (row == first) msg[0] = val, msg[1] = (double)col;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, msg, 2, MPI_DOUBLE, MPI_SUM, ds->comm));
    SETERRQ(ds->comm, MS_ERR_USER, "sims: negative peak area %g in %s, data row %lld, column '%s': peak areas are counts >= 0", msg[0], src,
            (long long)first + 1, ds->feature_names[(int64_t)msg[1]]);
  }
  if (allow_zero) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(d, &hi));
  {
    double *lo;
    PetscCall(PetscMalloc1(d, &lo));
    PetscCall(ms_dataset_column_range(ds, lo, hi));
    PetscCall(PetscFree(lo));
  }
  for (int64_t j = 0; j < d; j++)
    if (hi[j] == 0.0) {
      if (n_zero < 8) PetscCall(ms_text_printf(&zero, "%s%s", n_zero ? ", " : "", ds->feature_names[j]));
      n_zero++;
    }
  PetscCall(PetscFree(hi));
  if (n_zero) {
    char buf[1024];
    PetscCall(PetscSNPrintf(buf, sizeof buf, "%s%s", zero.s, n_zero > 8 ? ", ..." : ""));
    PetscCall(ms_text_free(&zero));
    SETERRQ(ds->comm, MS_ERR_USER,
            "sims: %lld peak column(s) of %s are zero in every spectrum (%s): they carry no information and break per-peak scalings; "
            "drop them with -ignore",
            (long long)n_zero, src, buf);
  }
  PetscFunctionReturn(0);
}

/* Keep the rows whose class has keep_cls[c] set and renumber the labels over those classes. */
static PetscErrorCode ms_sims_keep_classes(ms_dataset ds, const PetscBool *keep_cls, ms_dataset *out)
{
  ms_dataset rep, sub;
  int64_t   *idx, n = 0, *map, nk = 0;
  char     **names;

  PetscFunctionBeginUser;
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(PetscMalloc3(rep->n_global + 1, &idx, ds->n_classes, &map, ds->n_classes, &names));
  for (int64_t c = 0; c < ds->n_classes; c++) {
    map[c] = keep_cls[c] ? nk : -1;
    if (keep_cls[c]) names[nk++] = ds->class_names[c];
  }
  for (int64_t i = 0; i < rep->n_global; i++)
    if (keep_cls[rep->labels[i]]) idx[n++] = i;
  PetscCheck(nk >= 1 && n > 0, ds->comm, MS_ERR_USER, "sims: no spectra left after selecting classes");
  PetscCall(ms_dataset_select(rep, ds->comm, n, idx, &sub));
  {
    int64_t *lab;
    PetscCall(PetscMalloc1(sub->n_local + 1, &lab));
    for (int64_t i = 0; i < sub->n_local; i++) lab[i] = map[sub->labels[i]];
    PetscCall(ms_dataset_set_labels(sub, ds->target_name, nk, names, lab));
    PetscCall(PetscFree(lab));
  }
  PetscCall(PetscFree3(idx, map, names));
  PetscCall(ms_dataset_destroy(&rep));
  *out = sub;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sims_class_counts(ms_dataset ds, int64_t *count)
{
  PetscFunctionBeginUser;
  for (int64_t c = 0; c < ds->n_classes; c++) count[c] = 0;
  for (int64_t i = 0; i < ds->n_local; i++) count[ds->labels[i]]++;
  if (!ds->replicated) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, count, (int)ds->n_classes, MPI_INT64_T, MPI_SUM, ds->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_min_class_size(ms_dataset ds, int folds, int64_t min_size, int *n_dropped, char ***dropped)
{
  int64_t  *count;
  PetscBool *keep;
  int       nd = 0;

  PetscFunctionBeginUser;
  PetscCheck(ds->labels, ds->comm, MS_ERR_USER, "sims: the table has no class labels");
  PetscCall(PetscMalloc2(ds->n_classes, &count, ds->n_classes, &keep));
  PetscCall(ms_sims_class_counts(ds, count));
  PetscCall(PetscMalloc1(ds->n_classes + 1, dropped));
  for (int64_t c = 0; c < ds->n_classes; c++) {
    keep[c] = count[c] >= min_size ? PETSC_TRUE : PETSC_FALSE;
    if (!keep[c]) PetscCall(PetscStrallocpy(ds->class_names[c], &(*dropped)[nd++]));
  }
  for (int64_t c = 0; c < ds->n_classes; c++)
    PetscCheck(!keep[c] || count[c] >= folds, ds->comm, MS_ERR_USER,
               "sims: class '%s' has %lld spectra, fewer than the %d folds of stratified cross-validation: drop the small classes with "
               "-min_class_size %d (or use fewer -folds)",
               ds->class_names[c], (long long)count[c], folds, folds);
  *n_dropped = nd;
  if (nd) {
    ms_dataset sub;
    PetscCall(ms_sims_keep_classes(ds, keep, &sub));
    /* swap the contents so the caller's handle now holds the kept rows */
    struct ms_dataset_s tmp = *ds;
    *ds                     = *sub;
    *sub                    = tmp;
    PetscCall(ms_dataset_destroy(&sub));
  }
  PetscCall(PetscFree2(count, keep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_select_classes(ms_dataset ds, int n, char *const *names, PetscBool keep, ms_dataset *out)
{
  PetscBool *sel;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(ds->n_classes, &sel));
  for (int64_t c = 0; c < ds->n_classes; c++) sel[c] = keep ? PETSC_FALSE : PETSC_TRUE;
  for (int i = 0; i < n; i++) {
    int64_t c = 0;
    while (c < ds->n_classes && strcmp(ds->class_names[c], names[i])) c++;
    if (c == ds->n_classes) {
      char list[1024];
      ms_table_columns_join((int)ds->n_classes, ds->class_names, list, sizeof list);
      SETERRQ(ds->comm, MS_ERR_USER, "sims: unknown class '%s' (the classes of column '%s' are: %s)", names[i],
              ds->target_name ? ds->target_name : "?", list);
    }
    sel[c] = keep;
  }
  PetscCall(ms_sims_keep_classes(ds, sel, out));
  PetscCall(PetscFree(sel));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_class_means(ms_dataset ds, double *means)
{
  const int64_t d = ds->n_features, K = ds->n_classes;
  int64_t      *count;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(K, &count));
  PetscCall(ms_sims_class_counts(ds, count));
  PetscCall(PetscArrayzero(means, K * d));
  for (int64_t i = 0; i < ds->n_local; i++)
    for (int64_t j = 0; j < d; j++) means[ds->labels[i] * d + j] += ds->X[i * d + j];
  if (!ds->replicated) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, means, (int)(K * d), MPI_DOUBLE, MPI_SUM, ds->comm));
  for (int64_t c = 0; c < K; c++)
    for (int64_t j = 0; j < d; j++) means[c * d + j] /= (double)PetscMax(count[c], 1);
  PetscCall(PetscFree(count));
  PetscFunctionReturn(0);
}
