/* ms_vae_transfer_data.c - the labelled structures of transfer learning (ms_vae_transfer.h):
 * labels from a `matscreen label` campaign file or a CSV table, matched to the structures
 * file by structure index, replicated on every rank.
 */
#include "ms_vae_transfer.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include <math.h>
#include <string.h>

static int64_t find_col(ms_dataset ds, const char *name)
{
  for (int64_t c = 0; c < ds->n_features; c++)
    if (!strcmp(ds->feature_names[c], name)) return c;
  return -1;
}

/* "a, b, c" of the numeric columns, for error messages. */
static void col_list(ms_dataset ds, char *buf, size_t len)
{
  buf[0] = 0;
  for (int64_t c = 0; c < ds->n_features && strlen(buf) + 4 < len; c++) {
    if (c) strncat(buf, ", ", len - strlen(buf) - 1);
    strncat(buf, ds->feature_names[c], len - strlen(buf) - 1);
  }
}

PetscErrorCode ms_vae_transfer_data_load(MPI_Comm comm, const char *structures, const char *dataset, int64_t size, const char *labels, const char *target,
                                         const char *id_column, ms_vae_transfer_data *d, int64_t *n_skipped)
{
  ms_csv_read_opts o;
  ms_dataset       ds, rep;
  ms_vae_data      vd;
  int64_t          tc[3], nt = 1, ic = -1, N, nv = size * size * size, k = 0;
  int64_t         *row_of;
  char             cols[1024];

  PetscFunctionBegin;
  memset(d, 0, sizeof *d);
  memset(&o, 0, sizeof o);
  o.nan_policy = MS_NAN_KEEP; /* unlabelled (NaN) and non-percolating (inf) rows are skipped below */
  o.task       = MS_TASK_NONE;
  PetscCall(ms_dataset_load(comm, labels, &o, &ds));
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(ms_dataset_destroy(&ds));
  col_list(rep, cols, sizeof cols);
  tc[0] = find_col(rep, target);
  if (tc[0] < 0 && !strcmp(target, "tau_mean")) { /* mean tortuosity over the three axes of a campaign */
    nt = 3;
    tc[0] = find_col(rep, "tau_x"); tc[1] = find_col(rep, "tau_y"); tc[2] = find_col(rep, "tau_z");
  }
  for (int64_t j = 0; j < nt; j++)
    if (tc[j] < 0) {
      PetscCall(ms_dataset_destroy(&rep));
      SETERRQ(comm, MS_ERR_USER, "vae transfer: label file '%s' has no numeric column '%s'%s (columns: %s)", labels, nt == 3 ? "tau_x/tau_y/tau_z" : target,
              nt == 3 ? " (tau_mean is their mean)" : "", cols);
    }
  if (id_column && id_column[0]) {
    ic = find_col(rep, id_column);
    if (ic < 0) {
      PetscCall(ms_dataset_destroy(&rep));
      SETERRQ(comm, MS_ERR_USER, "vae transfer: option -id_column: label file '%s' has no numeric column '%s' (columns: %s)", labels, id_column, cols);
    }
  } else if ((ic = find_col(rep, "index")) < 0) ic = find_col(rep, "id"); /* campaign files: index; else row order */

  PetscCall(ms_vae_data_load(PETSC_COMM_SELF, structures, dataset, size, &vd)); /* every rank holds every structure */
  N = vd.n_global;
  PetscCall(PetscMalloc1(N, &row_of));
  for (int64_t i = 0; i < N; i++) row_of[i] = -1;
  *n_skipped = 0;
  for (int64_t r = 0; r < rep->n_global; r++) {
    const double *x = rep->X + r * rep->n_features;
    double        y = 0, id = ic >= 0 ? x[ic] : (double)r;
    PetscErrorCode ierr = 0;
    for (int64_t j = 0; j < nt; j++) y += x[tc[j]] / (double)nt;
    if (!isfinite(y)) {
      (*n_skipped)++;
      continue;
    }
    if (!(id >= 0 && id < (double)N && id == floor(id)))
      ierr = PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_USER, PETSC_ERROR_INITIAL,
                        "vae transfer: label file '%s' row %lld: structure id %s = %g is not an index 0..%lld of the %lld structures in '%s'", labels,
                        (long long)r + 1, ic >= 0 ? rep->feature_names[ic] : "(row)", id, (long long)(N - 1), (long long)N, structures);
    else if (row_of[(int64_t)id] >= 0)
      ierr = PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_USER, PETSC_ERROR_INITIAL,
                        "vae transfer: label file '%s' rows %lld and %lld both label structure %lld", labels, (long long)row_of[(int64_t)id] + 1,
                        (long long)r + 1, (long long)id);
    if (ierr) {
      PetscCall(PetscFree(row_of));
      PetscCall(ms_vae_data_free(&vd));
      PetscCall(ms_dataset_destroy(&rep));
      PetscFunctionReturn(ierr);
    }
    row_of[(int64_t)id] = r;
  }
  for (int64_t i = 0; i < N; i++) k += row_of[i] >= 0;
  if (k < 2) {
    PetscCall(PetscFree(row_of));
    PetscCall(ms_vae_data_free(&vd));
    PetscCall(ms_dataset_destroy(&rep));
    SETERRQ(comm, MS_ERR_USER, "vae transfer: only %lld structures of '%s' have a finite '%s' in '%s' (need at least 2: train and test)", (long long)k, structures,
            target, labels);
  }
  d->n    = k;
  d->size = size;
  PetscCall(PetscMalloc2(k * nv, &d->vox, k, &d->y));
  k = 0;
  for (int64_t i = 0; i < N; i++) /* structure order */
    if (row_of[i] >= 0) {
      const double *x = rep->X + row_of[i] * rep->n_features;
      d->y[k] = 0;
      for (int64_t j = 0; j < nt; j++) d->y[k] += x[tc[j]] / (double)nt;
      memcpy(d->vox + k * nv, vd.vox + i * nv, (size_t)nv);
      k++;
    }
  PetscCall(PetscFree(row_of));
  PetscCall(ms_vae_data_free(&vd));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_transfer_data_free(ms_vae_transfer_data *d)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(d->vox, d->y));
  memset(d, 0, sizeof *d);
  PetscFunctionReturn(0);
}
