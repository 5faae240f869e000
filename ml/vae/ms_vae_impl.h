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

#endif
