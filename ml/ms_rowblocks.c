/* ms_rowblocks.c - rank-count independent block reductions (see ms_rowblocks.h). */
#include "ms_rowblocks.h"
#include <string.h>

/* Keep the gathered partials below about 4 M doubles: blocks grow with n_global * width. */
#define MS_ROWBLOCKS_MIN 256
#define MS_ROWBLOCKS_MAX_GATHER (1 << 22)

static int ms_rowblocks_owner(int size, const int64_t *start, const int64_t *count, int64_t row)
{
  for (int q = 0; q < size; q++)
    if (count[q] > 0 && row >= start[q] && row < start[q] + count[q]) return q;
  return -1;
}

PetscErrorCode ms_rowblocks_create(ms_dataset ds, int64_t width, ms_rowblocks *rb)
{
  PetscMPIInt size = 1, rank = 0;
  int64_t    *start, *count, mine[2], rs, nl, b_lo, b_hi, B, n = ds->n_global, d = ds->n_features;
  int        *scnt, *sdsp, *rcnt, *rdsp;
  MPI_Datatype rowtype;
  int          has_labels, has_target;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(rb, sizeof(*rb)));
  rb->comm = ds->replicated ? PETSC_COMM_SELF : ds->comm;
  PetscCallMPI(MPI_Comm_size(rb->comm, &size));
  PetscCallMPI(MPI_Comm_rank(rb->comm, &rank));
  rb->width = width;
  rb->n_features = d;
  B = (n * width + MS_ROWBLOCKS_MAX_GATHER - 1) / MS_ROWBLOCKS_MAX_GATHER;
  rb->block = B = PetscMax(B, MS_ROWBLOCKS_MIN);
  rb->n_blocks_global = (n + B - 1) / B;

  PetscCall(PetscMalloc2(size, &start, size, &count));
  mine[0] = ds->replicated ? 0 : ds->row_start;
  mine[1] = ds->n_local;
  {
    int64_t *pairs;
    PetscCall(PetscMalloc1(2 * size, &pairs));
    PetscCallMPI(MPI_Allgather(mine, 2, MPI_INT64_T, pairs, 2, MPI_INT64_T, rb->comm));
    for (int q = 0; q < size; q++) { start[q] = pairs[2 * q]; count[q] = pairs[2 * q + 1]; }
    PetscCall(PetscFree(pairs));
  }
  {
    int flags[2] = {ds->labels != NULL, ds->y != NULL};
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flags, 2, MPI_INT, MPI_LOR, rb->comm));
    has_labels = flags[0];
    has_target = flags[1];
  }
  rs = mine[0];
  nl = mine[1];
  b_lo = (rs + B - 1) / B;                   /* blocks whose first row is mine */
  b_hi = nl > 0 ? (rs + nl + B - 1) / B : b_lo;
  rb->n_blocks = b_hi - b_lo;

  /* Head rows (before my first block start) go to the owner of the block they belong to;
     tail rows (after my last row, up to my last block's end) come from their owners. */
  PetscCall(PetscCalloc4(size, &scnt, size, &sdsp, size, &rcnt, size, &rdsp));
  {
    int64_t head = PetscMin(b_lo * B, rs + nl) - rs;
    if (head > 0) scnt[ms_rowblocks_owner(size, start, count, (b_lo - 1) * B)] = (int)head;
    if (rb->n_blocks > 0) {
      int64_t t0 = rs + nl, t1 = PetscMin(b_hi * B, n);
      for (int q = 0; q < size; q++) {
        int64_t a = PetscMax(t0, start[q]), e = PetscMin(t1, start[q] + count[q]);
        if (q != rank && e > a) rcnt[q] = (int)(e - a);
      }
    }
    for (int q = 1; q < size; q++) { sdsp[q] = sdsp[q - 1] + scnt[q - 1]; rdsp[q] = rdsp[q - 1] + rcnt[q - 1]; }
  }

  PetscCall(PetscMalloc1(rb->n_blocks + 1, &rb->X));
  PetscCall(PetscMalloc1(rb->n_blocks + 1, &rb->labels));
  PetscCall(PetscMalloc1(rb->n_blocks + 1, &rb->target));
  PetscCall(PetscMalloc1(rb->n_blocks + 1, &rb->n_rows));
  if (rb->n_blocks > 0) {
    int64_t last = b_hi - 1, own0 = PetscMax(last * B, rs), n_own = rs + nl - own0;
    int64_t n_edge = PetscMin(b_hi * B, n) - last * B;
    PetscCall(PetscMalloc1(n_edge * d + 1, &rb->edge_X));
    PetscCall(PetscArraycpy(rb->edge_X, ds->X + (own0 - rs) * d, n_own * d));
    if (has_labels) {
      PetscCall(PetscMalloc1(n_edge, &rb->edge_labels));
      PetscCall(PetscArraycpy(rb->edge_labels, ds->labels + (own0 - rs), n_own));
    }
    if (has_target) {
      PetscCall(PetscMalloc1(n_edge, &rb->edge_target));
      PetscCall(PetscArraycpy(rb->edge_target, ds->y + (own0 - rs), n_own));
    }
    for (int64_t j = 0; j < rb->n_blocks; j++) {
      int64_t r0 = (b_lo + j) * B;
      rb->n_rows[j] = j + 1 < rb->n_blocks ? B : n_edge;
      rb->X[j] = j + 1 < rb->n_blocks ? ds->X + (r0 - rs) * d : rb->edge_X;
      rb->labels[j] = !has_labels ? NULL : j + 1 < rb->n_blocks ? ds->labels + (r0 - rs) : rb->edge_labels;
      rb->target[j] = !has_target ? NULL : j + 1 < rb->n_blocks ? ds->y + (r0 - rs) : rb->edge_target;
    }
  }
  if (size > 1) { /* the exchange: receive my tail behind my own part of the last block */
    int64_t off = rb->n_blocks > 0 ? rs + nl - (b_hi - 1) * B : 0;
    PetscCallMPI(MPI_Type_contiguous((int)PetscMax(d, 1), MPI_DOUBLE, &rowtype));
    PetscCallMPI(MPI_Type_commit(&rowtype));
    if (d > 0) PetscCallMPI(MPI_Alltoallv(ds->X, scnt, sdsp, rowtype, rb->edge_X ? rb->edge_X + off * d : NULL, rcnt, rdsp, rowtype, rb->comm));
    PetscCallMPI(MPI_Type_free(&rowtype));
    if (has_labels) PetscCallMPI(MPI_Alltoallv(ds->labels, scnt, sdsp, MPI_INT64_T, rb->edge_labels ? rb->edge_labels + off : NULL, rcnt, rdsp, MPI_INT64_T, rb->comm));
    if (has_target) PetscCallMPI(MPI_Alltoallv(ds->y, scnt, sdsp, MPI_DOUBLE, rb->edge_target ? rb->edge_target + off : NULL, rcnt, rdsp, MPI_DOUBLE, rb->comm));
  }
  if (!has_labels) PetscCall(PetscFree(rb->labels));
  if (!has_target) PetscCall(PetscFree(rb->target));

  /* Gather layout of the block partials (blocks are in rank order = block order). */
  PetscCall(PetscMalloc2(size, &rb->counts, size, &rb->displs));
  {
    int64_t nbw = rb->n_blocks * width, *all;
    PetscCall(PetscMalloc1(size, &all));
    PetscCallMPI(MPI_Allgather(&nbw, 1, MPI_INT64_T, all, 1, MPI_INT64_T, rb->comm));
    for (int q = 0; q < size; q++) {
      rb->counts[q] = (int)all[q];
      rb->displs[q] = q ? rb->displs[q - 1] + rb->counts[q - 1] : 0;
    }
    PetscCall(PetscFree(all));
  }
  PetscCall(PetscMalloc1(rb->n_blocks_global * width + 1, &rb->gathered));
  PetscCall(PetscFree4(scnt, sdsp, rcnt, rdsp));
  PetscCall(PetscFree2(start, count));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_rowblocks_sum(ms_rowblocks *rb, const double *partials, double *total)
{
  PetscMPIInt rank;
  int64_t     w = rb->width;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(rb->comm, &rank));
  PetscCallMPI(MPI_Allgatherv(partials, rb->counts[rank], MPI_DOUBLE, rb->gathered, rb->counts, rb->displs, MPI_DOUBLE, rb->comm));
  for (int64_t k = 0; k < w; k++) total[k] = 0.0;
  for (int64_t j = 0; j < rb->n_blocks_global; j++)
    for (int64_t k = 0; k < w; k++) total[k] += rb->gathered[j * w + k];
  PetscFunctionReturn(0);
}

PetscErrorCode ms_rowblocks_sum_len(ms_rowblocks *rb, const double *partials, int64_t len, double *total)
{
  PetscMPIInt rank, np;
  int64_t     w = rb->width, nb;
  int        *counts, *displs;
  double     *packed;

  PetscFunctionBeginUser;
  PetscCheck(len >= 1 && len <= w, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "rowblocks: sum of %lld of %lld entries", (long long)len, (long long)w);
  if (len == w) {
    PetscCall(ms_rowblocks_sum(rb, partials, total));
    PetscFunctionReturn(0);
  }
  PetscCallMPI(MPI_Comm_rank(rb->comm, &rank));
  PetscCallMPI(MPI_Comm_size(rb->comm, &np));
  PetscCall(PetscMalloc2(np, &counts, np, &displs));
  for (int r = 0; r < np; r++) {
    counts[r] = (int)(rb->counts[r] / w * len); /* the rank's blocks times len */
    displs[r] = (int)(rb->displs[r] / w * len);
  }
  nb = rb->n_blocks;
  PetscCall(PetscMalloc1(nb * len + 1, &packed));
  for (int64_t j = 0; j < nb; j++) PetscCall(PetscArraycpy(packed + j * len, partials + j * w, len));
  /* gathered holds n_blocks_global x width >= n_blocks_global x len */
  PetscCallMPI(MPI_Allgatherv(packed, counts[rank], MPI_DOUBLE, rb->gathered, counts, displs, MPI_DOUBLE, rb->comm));
  for (int64_t k = 0; k < len; k++) total[k] = 0.0;
  for (int64_t j = 0; j < rb->n_blocks_global; j++)
    for (int64_t k = 0; k < len; k++) total[k] += rb->gathered[j * len + k];
  PetscCall(PetscFree(packed));
  PetscCall(PetscFree2(counts, displs));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_rowblocks_destroy(ms_rowblocks *rb)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(rb->X));
  PetscCall(PetscFree(rb->labels));
  PetscCall(PetscFree(rb->target));
  PetscCall(PetscFree(rb->n_rows));
  PetscCall(PetscFree(rb->edge_X));
  PetscCall(PetscFree(rb->edge_labels));
  PetscCall(PetscFree(rb->edge_target));
  PetscCall(PetscFree(rb->gathered));
  PetscCall(PetscFree2(rb->counts, rb->displs));
  PetscFunctionReturn(0);
}
