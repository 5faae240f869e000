/* ms_vae_balance.c - balanced mini-batches for data-parallel VAE training (ms_vae_impl.h).
 *
 * Structures live on contiguous shards, so the members of a random mini-batch are spread
 * unevenly over the ranks (e.g. 36 and 28 of 64 on 2 ranks), and every step would wait in the
 * gradient Allreduce for the rank with the most. Instead each step gives rank r a quota of
 * floor(nb / P) or ceil(nb / P) members (the first nb mod P ranks one more). Members stay on
 * their owner while its quota lasts (in batch order); the rest go, in batch order, to the ranks
 * still below their quota (in rank order). This moves the fewest structures possible
 * (sum over ranks of max(0, owned - quota)), and every rank computes the same plan from the
 * batch indices alone, with no communication. The voxels of moved members travel in one
 * MPI_Alltoallw per step, uint8 as stored, described in place by indexed datatypes (no
 * packing copy on the sender).
 *
 * Memory: a receive buffer of ceil(cap / P) structures (uint8, cap = the largest batch) per
 * rank when P > 1 (none on 1 rank), plus O(cap + P) integers; a rank never receives more than
 * its quota. Time: O(nb log P + P) integer work per step and one collective.
 */
#include "ms_vae_impl.h"
#include <string.h>

/* The rank whose shard [starts[r], starts[r + 1]) holds structure i. */
static int shard_of(int P, const int64_t *starts, int64_t i)
{
  int lo = 0, hi = P - 1;
  while (lo < hi) {
    int mid = (lo + hi + 1) / 2;
    if (starts[mid] <= i) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

void ms_vae_balance_plan(int P, const int64_t *starts, int64_t nb, const int64_t *idx, int *owner, int *comp, int64_t *kept)
{
  const int64_t q0 = nb / P, extra = nb % P;
  int           r  = 0;
#define QUOTA(r_) (q0 + ((r_) < extra))
  for (int k = 0; k < P; k++) kept[k] = 0;
  for (int64_t j = 0; j < nb; j++) {
    const int o = shard_of(P, starts, idx[j]);
    owner[j]    = o;
    if (kept[o] < QUOTA(o)) {
      comp[j] = o;
      kept[o]++;
    } else comp[j] = -1;
  }
  for (int64_t j = 0; j < nb; j++) {
    if (comp[j] >= 0) continue;
    while (kept[r] >= QUOTA(r)) r++; /* the quotas add up to nb, so a rank below quota remains */
    comp[j] = r;
    kept[r]++;
  }
#undef QUOTA
}

PetscErrorCode ms_vae_balance_create(const ms_vae_data *d, int64_t cap, ms_vae_balance *b)
{
  int64_t s = d->start;
  PetscFunctionBegin;
  memset(b, 0, sizeof *b);
  b->comm = d->comm;
  PetscCallMPI(MPI_Comm_rank(d->comm, &b->rank));
  PetscCallMPI(MPI_Comm_size(d->comm, &b->size));
  b->nv  = d->size * d->size * d->size;
  b->cap = cap;
  PetscCall(PetscMalloc4(b->size + 1, &b->starts, cap, &b->owner, cap, &b->comp, cap, &b->slot));
  PetscCall(PetscMalloc5(b->size, &b->kept, b->size, &b->cnt, b->size, &b->zero, b->size, &b->stype, b->size, &b->rtype));
  /* One rank moves nothing: no receive buffer (a full batch of 128^3 would be 128 MB). */
  PetscCall(PetscMalloc1(b->size > 1 ? (cap + b->size - 1) / b->size * b->nv : 0, &b->rbuf));
  PetscCallMPI(MPI_Allgather(&s, 1, MPI_INT64_T, b->starts, 1, MPI_INT64_T, d->comm));
  b->starts[b->size] = d->n_global;
  for (int r = 0; r < b->size; r++) b->zero[r] = 0;
  PetscCallMPI(MPI_Type_contiguous((int)b->nv, MPI_UINT8_T, &b->vox));
  PetscCallMPI(MPI_Type_commit(&b->vox));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_balance_destroy(ms_vae_balance *b)
{
  PetscFunctionBegin;
  if (!b->starts) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Type_free(&b->vox));
  PetscCall(PetscFree4(b->starts, b->owner, b->comp, b->slot));
  PetscCall(PetscFree5(b->kept, b->cnt, b->zero, b->stype, b->rtype));
  PetscCall(PetscFree(b->rbuf));
  memset(b, 0, sizeof *b);
  PetscFunctionReturn(0);
}

/* Datatype of the blocks of `vox` structures at offsets off[0..n) (units of structures), or an
 * empty MPI_BYTE for n = 0 (count 0). */
static PetscErrorCode block_type(ms_vae_balance *b, int n, const int *off, MPI_Datatype *t, int *count)
{
  PetscFunctionBegin;
  *count = n ? 1 : 0;
  *t     = MPI_BYTE;
  if (!n) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Type_create_indexed_block(n, 1, off, b->vox, t));
  PetscCallMPI(MPI_Type_commit(t));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_balance_step(ms_vae_balance *b, const ms_vae_data *d, int64_t nb, const int64_t *idx)
{
  const int P = b->size, me = b->rank;
  int      *off, *scnt, *rcnt, *sbeg, nrecv = 0;

  PetscFunctionBegin;
  PetscCheck(nb <= b->cap, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "VAE balance: batch of %lld beyond the capacity %lld", (long long)nb, (long long)b->cap);
  ms_vae_balance_plan(P, b->starts, nb, idx, b->owner, b->comp, b->kept);
  b->nb = nb;
  PetscCall(PetscMalloc4(nb + 1, &off, P, &scnt, P, &rcnt, P + 1, &sbeg));
  /* Receive side: from each source rank, its moved members assigned here, in batch order. */
  for (int r = 0; r < P; r++) b->cnt[r] = 0;
  for (int64_t j = 0; j < nb; j++)
    if (b->comp[j] == me && b->owner[j] != me) b->cnt[b->owner[j]]++;
  {
    int64_t at = 0;
    for (int r = 0; r < P; r++) {
      const int64_t c = b->cnt[r];
      b->cnt[r]       = at; /* becomes the running slot of source r */
      at += c;
    }
    nrecv = (int)at;
  }
  for (int64_t j = 0; j < nb; j++) {
    b->slot[j] = -1;
    if (b->comp[j] == me && b->owner[j] != me) b->slot[j] = b->cnt[b->owner[j]]++;
  }
  PetscCheck(nrecv <= (b->cap + P - 1) / P, PETSC_COMM_SELF, PETSC_ERR_PLIB, "VAE balance: %d structures received, beyond the quota", nrecv);
  if (P > 1) {
    /* rcnt[r] = slots received from r, starting where the previous source's end. */
    int64_t prev = 0;
    for (int r = 0; r < P; r++) {
      int64_t from = prev;
      prev         = b->cnt[r];
      for (int64_t k = 0; k < prev - from; k++) off[k] = (int)(from + k);
      PetscCall(block_type(b, (int)(prev - from), off, &b->rtype[r], &rcnt[r]));
    }
    /* Send side: my members computed elsewhere, grouped by destination (counting sort, batch
       order within a destination, as the receiver expects). */
    for (int r = 0; r <= P; r++) sbeg[r] = 0;
    for (int64_t j = 0; j < nb; j++)
      if (b->owner[j] == me && b->comp[j] != me) sbeg[b->comp[j] + 1]++;
    for (int r = 0; r < P; r++) {
      sbeg[r + 1] += sbeg[r];
      scnt[r] = sbeg[r]; /* running position */
    }
    for (int64_t j = 0; j < nb; j++)
      if (b->owner[j] == me && b->comp[j] != me) off[scnt[b->comp[j]]++] = (int)(idx[j] - d->start);
    for (int r = 0; r < P; r++) PetscCall(block_type(b, sbeg[r + 1] - sbeg[r], off + sbeg[r], &b->stype[r], &scnt[r]));
    PetscCallMPI(MPI_Alltoallw(d->vox, scnt, b->zero, b->stype, b->rbuf, rcnt, b->zero, b->rtype, b->comm));
    for (int r = 0; r < P; r++) {
      if (scnt[r]) PetscCallMPI(MPI_Type_free(&b->stype[r]));
      if (rcnt[r]) PetscCallMPI(MPI_Type_free(&b->rtype[r]));
    }
  }
  PetscCall(PetscFree4(off, scnt, rcnt, sbeg));
  PetscFunctionReturn(0);
}

const uint8_t *ms_vae_balance_voxels(const ms_vae_balance *b, const ms_vae_data *d, int64_t j, const int64_t *idx)
{
  if (b->comp[j] != b->rank) return NULL;
  if (b->slot[j] >= 0) return b->rbuf + b->slot[j] * b->nv;
  return d->vox + (idx[j] - d->start) * b->nv;
}
