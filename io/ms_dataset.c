/* ms_dataset.c - the row-sharded feature table: construction, replication, selection. */
#include "ms_dataset.h"
#include <math.h>
#include <limits.h>
#include <string.h>

/* PETSc enum lists: the names, then the type name and the C prefix, then NULL. */
const char *const ms_task_names[]       = {"auto", "regression", "classification", "none", "ms_task", "MS_TASK_", NULL};
const char *const ms_nan_policy_names[] = {"error", "omit", "keep", "ms_nan_policy", "MS_NAN_", NULL};

static PetscErrorCode strings_dup(int64_t n, char *const *src, char ***dst)
{
  PetscFunctionBegin;
  *dst = NULL;
  if (!src) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(n + 1, dst));
  for (int64_t i = 0; i < n; i++) PetscCall(PetscStrallocpy(src[i] ? src[i] : "", &(*dst)[i]));
  PetscFunctionReturn(0);
}

static void strings_free(int64_t n, char ***s)
{
  if (!*s) return;
  for (int64_t i = 0; i < n; i++) PetscFree((*s)[i]);
  PetscFree(*s);
}

/* Global count and offset of this rank's block. */
static PetscErrorCode set_layout(ms_dataset ds)
{
  long long nl = ds->n_local, ng = 0, st = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&nl, &ng, 1, MPI_LONG_LONG, MPI_SUM, ds->comm));
  PetscCallMPI(MPI_Exscan(&nl, &st, 1, MPI_LONG_LONG, MPI_SUM, ds->comm));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  ds->n_global  = ng;
  ds->row_start = rank ? st : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_create(MPI_Comm comm, int64_t n_local, int64_t n_features, ms_dataset *ds)
{
  int64_t cells, bytes;
  PetscFunctionBegin;
  /* Sizes come from files (an HDF5 extent can be 2^62): refuse what the arrays below cannot
     hold before their sizes wrap around (a heap overflow found by tests/fuzz/fuzz_h5). */
  PetscCheck(n_local >= 0 && n_features >= 0 && n_features <= MS_DATASET_MAX_FEATURES && !__builtin_mul_overflow(n_local, n_features + 1, &cells) &&
               !__builtin_mul_overflow(cells, (int64_t)sizeof(double), &bytes),
             comm, MS_ERR_READ, "a table of %lld rows x %lld columns is more than this machine can address (at most %d columns)",
             (long long)n_local, (long long)n_features, MS_DATASET_MAX_FEATURES);
  PetscCall(PetscNew(ds));
  (*ds)->comm       = comm;
  (*ds)->n_local    = n_local;
  (*ds)->n_features = n_features;
  PetscCall(PetscCalloc1(n_local * n_features + 1, &(*ds)->X));
  PetscCall(PetscCalloc1(n_features + 1, &(*ds)->feature_names));
  for (int64_t j = 0; j < n_features; j++) {
    char name[32];
    snprintf(name, sizeof name, "x%lld", (long long)j);
    PetscCall(PetscStrallocpy(name, &(*ds)->feature_names[j]));
  }
  PetscCall(set_layout(*ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_destroy(ms_dataset *ds)
{
  PetscFunctionBegin;
  if (!*ds) PetscFunctionReturn(0);
  ms_dataset d = *ds;
  strings_free(d->n_features, &d->feature_names);
  strings_free(d->n_classes, &d->class_names);
  strings_free(d->n_local, &d->ids);
  PetscCall(PetscFree(d->X));
  PetscCall(PetscFree(d->y));
  PetscCall(PetscFree(d->labels));
  PetscCall(PetscFree(d->target_name));
  PetscCall(PetscFree(d->id_name));
  PetscCall(PetscFree(*ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_set_feature_names(ms_dataset ds, char *const *names)
{
  PetscFunctionBegin;
  strings_free(ds->n_features, &ds->feature_names);
  PetscCall(strings_dup(ds->n_features, names, &ds->feature_names));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_set_target(ms_dataset ds, const char *name, const double *y_local)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(ds->target_name));
  PetscCall(PetscFree(ds->y));
  PetscCall(PetscStrallocpy(name ? name : "target", &ds->target_name));
  PetscCall(PetscMalloc1(ds->n_local + 1, &ds->y));
  if (y_local) PetscCall(PetscArraycpy(ds->y, y_local, ds->n_local));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_set_labels(ms_dataset ds, const char *name, int64_t n_classes, char *const *class_names,
                                     const int64_t *labels_local)
{
  PetscFunctionBegin;
  strings_free(ds->n_classes, &ds->class_names);
  PetscCall(PetscFree(ds->labels));
  PetscCall(PetscFree(ds->target_name));
  PetscCall(PetscStrallocpy(name ? name : "class", &ds->target_name));
  ds->n_classes = n_classes;
  PetscCall(strings_dup(n_classes, class_names, &ds->class_names));
  PetscCall(PetscMalloc1(ds->n_local + 1, &ds->labels));
  if (labels_local) PetscCall(PetscArraycpy(ds->labels, labels_local, ds->n_local));
  for (int64_t i = 0; labels_local && i < ds->n_local; i++)
    PetscCheck(ds->labels[i] >= 0 && ds->labels[i] < n_classes, PETSC_COMM_SELF, MS_ERR_USER,
               "label %lld of row %lld is outside 0..%lld", (long long)ds->labels[i], (long long)(ds->row_start + i),
               (long long)n_classes - 1);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_column_range(ms_dataset ds, double *lo, double *hi)
{
  const int64_t d = ds->n_features;
  PetscFunctionBegin;
  for (int64_t j = 0; j < d; j++) { lo[j] = PETSC_MAX_REAL; hi[j] = -PETSC_MAX_REAL; }
  for (int64_t i = 0; i < ds->n_local; i++)
    for (int64_t j = 0; j < d; j++) {
      lo[j] = PetscMin(lo[j], ds->X[i * d + j]);
      hi[j] = PetscMax(hi[j], ds->X[i * d + j]);
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, lo, (int)d, MPI_DOUBLE, MPI_MIN, ds->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, hi, (int)d, MPI_DOUBLE, MPI_MAX, ds->comm));
  PetscFunctionReturn(0);
}

int64_t ms_dataset_feature_index(ms_dataset ds, const char *name)
{
  for (int64_t j = 0; j < ds->n_features; j++)
    if (!strcmp(ds->feature_names[j], name)) return j;
  return -1;
}

PetscErrorCode ms_dataset_check_finite(ms_dataset ds, const char *what)
{
  int64_t bad_row = -1, bad_col = -1;
  PetscFunctionBegin;
  for (int64_t i = 0; i < ds->n_local && bad_row < 0; i++) {
    for (int64_t j = 0; j < ds->n_features; j++)
      if (!isfinite(ds->X[i * ds->n_features + j])) {
        bad_row = i;
        bad_col = j;
        break;
      }
    if (bad_row < 0 && ds->y && !isfinite(ds->y[i])) bad_row = i;
  }
  /* Collective so that every rank fails together; the first bad rank names the place. */
  long long loc[2] = {bad_row >= 0 ? ds->row_start + bad_row : LLONG_MAX, bad_col}, glob[2];
  struct { long v; int r; } in, out;
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
  in.v = (long)loc[0];
  in.r = rank;
  PetscCallMPI(MPI_Allreduce(&in, &out, 1, MPI_LONG_INT, MPI_MINLOC, ds->comm));
  if (out.v == (long)LLONG_MAX) PetscFunctionReturn(0);
  glob[0] = loc[0];
  glob[1] = loc[1];
  PetscCallMPI(MPI_Bcast(glob, 2, MPI_LONG_LONG, out.r, ds->comm));
  if (glob[1] >= 0)
    SETERRQ(ds->comm, MS_ERR_USER, "%s: row %lld (counting from 0), column '%s' is missing, NaN or infinite (clean the data, or drop such rows with -nan_policy omit)",
            what, glob[0], ds->feature_names[glob[1]]);
  SETERRQ(ds->comm, MS_ERR_USER, "%s: row %lld (counting from 0), target '%s' is missing, NaN or infinite (tau = inf marks a structure that does not percolate; drop such rows with -nan_policy omit)", what, glob[0],
          ds->target_name ? ds->target_name : "target");
}

PetscErrorCode ms_dataset_drop_rows(ms_dataset ds, const PetscBool *drop)
{
  const int64_t d = ds->n_features;
  int64_t       k = 0;
  PetscFunctionBegin;
  for (int64_t i = 0; i < ds->n_local; i++) {
    if (drop[i]) {
      if (ds->ids) PetscCall(PetscFree(ds->ids[i]));
      continue;
    }
    if (k != i) {
      PetscCall(PetscArraymove(ds->X + k * d, ds->X + i * d, d));
      if (ds->y) ds->y[k] = ds->y[i];
      if (ds->labels) ds->labels[k] = ds->labels[i];
      if (ds->ids) { ds->ids[k] = ds->ids[i]; ds->ids[i] = NULL; }
    }
    k++;
  }
  ds->n_local = k;
  PetscCall(set_layout(ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_check_finite_features(ms_dataset ds, const char *what)
{
  double *y = ds->y;
  PetscFunctionBegin;
  ds->y = NULL; /* the same scan and message, without the target */
  PetscErrorCode e = ms_dataset_check_finite(ds, what);
  ds->y = y;
  PetscCall(e);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_apply_nan_policy(ms_dataset ds, const char *src, ms_nan_policy policy, PetscBool check_target)
{
  PetscBool *drop;
  int64_t    cnt[3] = {0, 0, 0}; /* target, features only, rows read */
  PetscFunctionBegin;
  if (policy == MS_NAN_KEEP) PetscFunctionReturn(0);
  if (policy == MS_NAN_ERROR) {
    if (check_target) PetscCall(ms_dataset_check_finite(ds, src));
    else PetscCall(ms_dataset_check_finite_features(ds, src));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1(ds->n_local + 1, &drop));
  for (int64_t i = 0; i < ds->n_local; i++) {
    if (check_target && ds->y && !isfinite(ds->y[i])) { drop[i] = PETSC_TRUE; cnt[0]++; continue; }
    for (int64_t j = 0; j < ds->n_features; j++)
      if (!isfinite(ds->X[i * ds->n_features + j])) { drop[i] = PETSC_TRUE; cnt[1]++; break; }
  }
  cnt[2] = ds->n_local;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, 3, MPI_INT64_T, MPI_SUM, ds->comm));
  PetscCall(ms_dataset_drop_rows(ds, drop));
  PetscCall(PetscFree(drop));
  if (cnt[0] + cnt[1] > 0) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(ds->comm, &rank));
    if (!rank) {
      char why[512] = "";
      if (cnt[0]) snprintf(why, sizeof why, "%lld with a missing or non-finite target '%s' (inf tau = not percolating)", (long long)cnt[0], ds->target_name);
      if (cnt[1]) snprintf(why + strlen(why), sizeof why - strlen(why), "%s%lld with a missing or non-finite feature", cnt[0] ? ", " : "", (long long)cnt[1]);
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "%s: -nan_policy omit dropped %lld of %lld rows: %s; %lld rows left\n", src,
                            (long long)(cnt[0] + cnt[1]), (long long)cnt[2], why, (long long)ds->n_global));
    }
  }
  PetscCheck(ds->n_global > 0, ds->comm, MS_ERR_USER, "%s: no rows left after dropping rows with missing or non-finite values", src);
  PetscFunctionReturn(0);
}
