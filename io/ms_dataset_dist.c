/* ms_dataset_dist.c - replication and selection of rows across communicators. */
#include "ms_dataset.h"
#include <string.h>

/* Allgatherv of n_local * width items of an MPI type into a replicated array. */
static PetscErrorCode gather_rows(MPI_Comm comm, const void *local, int64_t n_local, int width, MPI_Datatype t,
                                  size_t item, void **all, int64_t n_global)
{
  PetscMPIInt size;
  int        *counts, *displs;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  int mine = (int)(n_local * width);
  PetscCheck((int64_t)n_global * width < INT32_MAX, comm, PETSC_ERR_SUP,
             "dataset too large to replicate with 32-bit MPI counts (%lld values)", (long long)(n_global * width));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm));
  displs[0] = 0;
  for (int r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  PetscCall(PetscMalloc(item * (size_t)(n_global * width + 1), all));
  PetscCallMPI(MPI_Allgatherv(local, mine, t, *all, counts, displs, t, comm));
  PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

/* Strings: gather lengths, then bytes. */
static PetscErrorCode gather_strings(MPI_Comm comm, char **local, int64_t n_local, int64_t n_global, char ***all)
{
  int     *len_l, *len_a;
  char    *buf_l, *buf_a;
  long     tot_l = 0, tot_a = 0;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n_local + 1, &len_l));
  for (int64_t i = 0; i < n_local; i++) {
    len_l[i] = (int)strlen(local[i]) + 1;
    tot_l += len_l[i];
  }
  PetscCall(gather_rows(comm, len_l, n_local, 1, MPI_INT, sizeof(int), (void **)&len_a, n_global));
  PetscCall(PetscMalloc1(tot_l + 1, &buf_l));
  for (int64_t i = 0, o = 0; i < n_local; i++) {
    memcpy(buf_l + o, local[i], (size_t)len_l[i]);
    o += len_l[i];
  }
  for (int64_t i = 0; i < n_global; i++) tot_a += len_a[i];
  PetscMPIInt size;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  int *counts, *displs, mine = (int)tot_l;
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm));
  displs[0] = 0;
  for (int r = 1; r < size; r++) displs[r] = displs[r - 1] + counts[r - 1];
  PetscCall(PetscMalloc1(tot_a + 1, &buf_a));
  PetscCallMPI(MPI_Allgatherv(buf_l, mine, MPI_CHAR, buf_a, counts, displs, MPI_CHAR, comm));
  PetscCall(PetscCalloc1(n_global + 1, all));
  for (int64_t i = 0, o = 0; i < n_global; i++) {
    PetscCall(PetscStrallocpy(buf_a + o, &(*all)[i]));
    o += len_a[i];
  }
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(buf_a));
  PetscCall(PetscFree(buf_l));
  PetscCall(PetscFree(len_a));
  PetscCall(PetscFree(len_l));
  PetscFunctionReturn(0);
}

/* Copy names, target/label/id metadata (not the rows) from src to dst. */
static PetscErrorCode copy_meta(ms_dataset src, ms_dataset dst)
{
  PetscFunctionBegin;
  PetscCall(ms_dataset_set_feature_names(dst, src->feature_names));
  if (src->target_name) PetscCall(PetscStrallocpy(src->target_name, &dst->target_name));
  if (src->id_name) PetscCall(PetscStrallocpy(src->id_name, &dst->id_name));
  dst->n_classes = src->n_classes;
  if (src->n_classes) {
    PetscCall(PetscCalloc1(src->n_classes + 1, &dst->class_names));
    for (int64_t c = 0; c < src->n_classes; c++) PetscCall(PetscStrallocpy(src->class_names[c], &dst->class_names[c]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_allgather(ms_dataset ds, ms_dataset *rep)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(rep));
  ms_dataset r  = *rep;
  r->comm       = ds->comm;
  r->n_global   = ds->n_global;
  r->n_local    = ds->n_global;
  r->row_start  = 0;
  r->n_features = ds->n_features;
  r->replicated = PETSC_TRUE;
  PetscCall(copy_meta(ds, r));
  if (ds->replicated) {
    PetscCall(PetscMalloc1(ds->n_global * ds->n_features + 1, &r->X));
    PetscCall(PetscArraycpy(r->X, ds->X, ds->n_global * ds->n_features));
    if (ds->y) {
      PetscCall(PetscMalloc1(ds->n_global + 1, &r->y));
      PetscCall(PetscArraycpy(r->y, ds->y, ds->n_global));
    }
    if (ds->labels) {
      PetscCall(PetscMalloc1(ds->n_global + 1, &r->labels));
      PetscCall(PetscArraycpy(r->labels, ds->labels, ds->n_global));
    }
    if (ds->ids) {
      PetscCall(PetscCalloc1(ds->n_global + 1, &r->ids));
      for (int64_t i = 0; i < ds->n_global; i++) PetscCall(PetscStrallocpy(ds->ids[i], &r->ids[i]));
    }
    PetscFunctionReturn(0);
  }
  PetscCall(gather_rows(ds->comm, ds->X, ds->n_local, (int)ds->n_features, MPI_DOUBLE, sizeof(double), (void **)&r->X, ds->n_global));
  if (ds->y) PetscCall(gather_rows(ds->comm, ds->y, ds->n_local, 1, MPI_DOUBLE, sizeof(double), (void **)&r->y, ds->n_global));
  if (ds->labels)
    PetscCall(gather_rows(ds->comm, ds->labels, ds->n_local, 1, MPI_INT64_T, sizeof(int64_t), (void **)&r->labels, ds->n_global));
  if (ds->ids) PetscCall(gather_strings(ds->comm, ds->ids, ds->n_local, ds->n_global, &r->ids));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_select(ms_dataset rep, MPI_Comm comm, int64_t n, const int64_t *idx, ms_dataset *sub)
{
  PetscMPIInt size, rank;
  PetscFunctionBegin;
  PetscCheck(rep->replicated || rep->n_local == rep->n_global, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "ms_dataset_select needs a replicated dataset (ms_dataset_allgather)");
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  int64_t first = (n / size) * rank + PetscMin(rank, n % size);
  int64_t count = n / size + (rank < n % size ? 1 : 0);
  PetscCall(ms_dataset_create(comm, count, rep->n_features, sub));
  ms_dataset s = *sub;
  PetscCall(copy_meta(rep, s));
  for (int64_t k = 0; k < count; k++) {
    int64_t i = idx[first + k];
    PetscCheck(i >= 0 && i < rep->n_global, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "row index %lld outside 0..%lld",
               (long long)i, (long long)rep->n_global - 1);
    PetscCall(PetscArraycpy(s->X + k * s->n_features, rep->X + i * rep->n_features, rep->n_features));
  }
  if (rep->y) {
    PetscCall(PetscMalloc1(count + 1, &s->y));
    for (int64_t k = 0; k < count; k++) s->y[k] = rep->y[idx[first + k]];
  }
  if (rep->labels) {
    PetscCall(PetscMalloc1(count + 1, &s->labels));
    for (int64_t k = 0; k < count; k++) s->labels[k] = rep->labels[idx[first + k]];
  }
  if (rep->ids) {
    PetscCall(PetscCalloc1(count + 1, &s->ids));
    for (int64_t k = 0; k < count; k++) PetscCall(PetscStrallocpy(rep->ids[idx[first + k]], &s->ids[k]));
  }
  PetscFunctionReturn(0);
}
