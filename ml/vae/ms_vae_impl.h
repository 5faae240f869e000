/* ms_vae_impl.h - private helpers of ml/vae (not installed). */
#ifndef MS_VAE_IMPL_H
#define MS_VAE_IMPL_H
#include "ms_vae.h"

/* 1-D float dataset of n values: rank 0 of comm writes (collective over the file's comm);
 * every rank reads all. Floats are stored as float32, so a checkpoint restores bit for bit. */
PetscErrorCode ms_vae_write_floats(MPI_Comm comm, hid_t loc, const char *name, int64_t n, const float *x);
PetscErrorCode ms_vae_read_floats(hid_t loc, const char *name, const char *path, int64_t n, float *x);

/* Adam state over a flat float vector: moments m, v, the gradient g to apply, steps taken t.
 * ms_vae_adam_step is PyTorch's Adam (torch.optim.Adam, no weight decay, 1.13's single-tensor
 * path) with p's lr, betas and eps; shared by VAE training and transfer learning. */
typedef struct {
  float  *m, *v, *g;
  int64_t t;
} ms_vae_adam;
void ms_vae_adam_step(const ms_vae_train_params *p, int64_t n, float *x, ms_vae_adam *s);

/* Balanced mini-batches (ms_vae_balance.c): position j of a batch idx[0..nb) is computed by
 * rank comp[j]; rank r computes floor(nb / P) or ceil(nb / P) members (the first nb mod P
 * ranks one more), each member on its owner (the shard holding it) while the owner's quota
 * lasts, the rest moved in batch order to the ranks below quota. The plan depends only on
 * (P, the shard starts, idx), so every rank computes the same one.
 * ms_vae_balance_plan: starts[0..P] (starts[P] = N), writes owner[j], comp[j] (nb each) and
 * kept[r] = members computed by rank r (P). */
void ms_vae_balance_plan(int P, const int64_t *starts, int64_t nb, const int64_t *idx, int *owner, int *comp, int64_t *kept);

typedef struct {
  MPI_Comm      comm;
  PetscMPIInt   rank, size;
  int64_t       nv, cap, nb;            /* voxels per structure, largest batch, current batch */
  int64_t      *starts;                 /* size + 1 shard starts */
  int          *owner, *comp;           /* per batch position (cap) */
  int64_t      *slot;                   /* per position: index in rbuf (-1: local or elsewhere) */
  int64_t      *kept, *cnt;             /* per rank: members computed, received-from counters */
  int          *zero;                   /* per rank: 0 displacements for MPI_Alltoallw */
  MPI_Datatype *stype, *rtype, vox;     /* per-peer indexed types; one structure (nv uint8) */
  uint8_t      *rbuf;                   /* ceil(cap / size) structures received */
} ms_vae_balance;

/* Collective over d->comm: a planner for batches of up to cap members of d. */
PetscErrorCode ms_vae_balance_create(const ms_vae_data *d, int64_t cap, ms_vae_balance *b);
PetscErrorCode ms_vae_balance_destroy(ms_vae_balance *b);
/* Collective: plan batch idx[0..nb) and move the voxels of the members computed away from
 * their owner (one MPI_Alltoallw). */
PetscErrorCode ms_vae_balance_step(ms_vae_balance *b, const ms_vae_data *d, int64_t nb, const int64_t *idx);
/* After ms_vae_balance_step: voxels of position j if this rank computes it, else NULL. */
const uint8_t *ms_vae_balance_voxels(const ms_vae_balance *b, const ms_vae_data *d, int64_t j, const int64_t *idx);

#endif
