/* ms_vae.h - the 3-D convolutional variational autoencoder of the dissertation's Table 4.3 on
 * oneDNN layers (ml/nn/ms_dnn.h), trained data-parallel over MPI ranks.
 *
 * Architecture (ms_vae_arch; defaults = Table 4.3): input size^3 x 1 channel (0 = pore,
 * 1 = solid, no scaling); n_conv Conv3d(kernel 4, stride 2, padding 1) + ReLU layers of
 * channels[0..n_conv) (each halves the edge); flatten (c, d, h, w order, PyTorch's); Dense
 * `hidden` + ReLU (0: none); Dense 2 latent, split into mu (first half) and log-variance
 * (second half; the seed's "sigma" head is read as log sigma^2). Decoder: Dense
 * channels[n_conv-1] * m^3 + ReLU (m = size / 2^n_conv), reshape, ConvTranspose3d(4, 2, 1) +
 * ReLU down the channel list, a last ConvTranspose3d to 1 channel + sigmoid.
 * Table 4.3: size 128, channels 16,32,64,128, hidden 2048, latent 256 (m = 8, flatten 65536).
 *
 * Loss per structure: BCE summed over voxels + KL(q(z|x) || N(0, I)) in closed form,
 *   BCE = sum_v softplus(l_v) - x_v l_v  (= -[x log p + (1 - x) log(1 - p)], p = sigmoid(l),
 *         computed from the logits l without clipping),
 *   KL  = -1/2 sum_j (1 + logvar_j - mu_j^2 - exp(logvar_j)),
 * with z = mu + exp(logvar / 2) eps (reparameterisation). A step minimises the mean of the
 * per-structure losses over the global mini-batch.
 *
 * Parameters: one flat float vector, per layer weights then bias in ms_dnn.h's (PyTorch's)
 * layouts, encoder layers first, then the decoder's. Glorot-uniform weights from the ms_rng
 * stream (seed, layer), zero biases.
 */
#ifndef MS_VAE_H
#define MS_VAE_H

#include "ms_core.h"
#include <hdf5.h>

#define MS_VAE_MAX_CONV 8

typedef struct {
  int64_t size;                      /* input edge in voxels; 2^n_conv must divide it */
  int64_t n_conv;                    /* convolutions in the encoder (transposed ones in the decoder) */
  int64_t channels[MS_VAE_MAX_CONV]; /* encoder widths; the decoder mirrors them */
  int64_t hidden;                    /* encoder dense units after the flatten (0: none) */
  int64_t latent;                    /* latent dimension */
} ms_vae_arch;

/* Table 4.3: 128, 4 convolutions of 16, 32, 64, 128 channels, hidden 2048, latent 256. */
void           ms_vae_arch_default(ms_vae_arch *a);
/* Checks the shape arithmetic; errors name the offending value (MS_ERR_USER). */
PetscErrorCode ms_vae_arch_check(MPI_Comm comm, const ms_vae_arch *a);

typedef struct ms_vae_s *ms_vae;

/* A network for chunks of up to `chunk` structures per oneDNN call (activation memory is
 * about chunk * 4 bytes * the sum of all layer outputs, twice for the gradients). */
PetscErrorCode ms_vae_create(const ms_vae_arch *a, int64_t chunk, ms_vae *v);
PetscErrorCode ms_vae_destroy(ms_vae *v);
const ms_vae_arch *ms_vae_get_arch(ms_vae v);
int64_t        ms_vae_n_params(ms_vae v);
int64_t        ms_vae_chunk(ms_vae v);          /* structures per oneDNN call */
float         *ms_vae_params(ms_vae v);      /* owned by v, ms_vae_n_params floats */
void           ms_vae_init_params(ms_vae v, uint64_t seed);
/* Bytes of parameters, Adam moments and activation buffers held by v. */
size_t         ms_vae_memory(ms_vae v);

/* Loss of n <= chunk structures x (n * size^3, values 0/1) with noise eps (n * latent):
 * adds scale * d(sum of the n losses)/d(params) into g (NULL: no backward pass), and returns
 * the sums over the n structures of BCE and KL. */
PetscErrorCode ms_vae_loss_grad(ms_vae v, int64_t n, const float *x, const float *eps, double scale, float *g, double *bce, double *kl);
/* Latent mean and log-variance (n * latent each) of n <= chunk structures. */
PetscErrorCode ms_vae_encode(ms_vae v, int64_t n, const float *x, float *mu, float *logvar);
/* Backward pass of the last ms_vae_encode call (the same n and x; its activations are
 * reused): dmu (n * latent) = dLoss/dmu, the log-variance gets none. ADDS the encoder's
 * parameter gradients into g[0 .. ms_vae_n_encoder_params) (the encoder's layers lead the
 * flat vector; the decoder's part of g is not touched). */
PetscErrorCode ms_vae_encode_backward(ms_vae v, int64_t n, const float *x, const float *dmu, float *g);
int64_t        ms_vae_n_encoder_params(ms_vae v);
/* Voxel probabilities p = sigmoid(logits) (n * size^3) of n <= chunk latent vectors. */
PetscErrorCode ms_vae_decode(ms_vae v, int64_t n, const float *z, float *p);

/* Closed forms used by the loss (exposed for tests): BCE of m voxels from logits, with
 * dBCE/dlogit = sigmoid(l) - x times scale written to dl (NULL: skipped); KL of m latent
 * components. Sums in double. */
double ms_vae_bce_logits(int64_t m, const float *x, const float *logits, double scale, float *dl);
double ms_vae_kl(int64_t m, const float *mu, const float *logvar);

/* ---- Data-parallel training (ms_vae_train.c) ---------------------------------------------

 * Input: an HDF5 file whose `dataset` is either a group of uint8 volumes named 000000, 000001,
 * ... each (size, size, size) (the /structures group of `matscreen generate -batch N -resize
 * size`), or one 4-D uint8 dataset (N, size, size, size); voxels 0 = pore, 1 = solid.
 * Structure i is on rank floor(i P / N)'s contiguous shard (read by that rank only).
 *
 * Split: a permutation of 0..N-1 from the stream (seed, 2^62): the first round(0.8 N) train,
 * the next round(0.1 N) validation, the rest test. Epoch e: the training indices are shuffled
 * by the stream (seed, 2^61 + e) and cut into mini-batches of `batch` (the last smaller);
 * each rank computes the gradient of floor or ceil(batch / P) members (balanced: members stay
 * on the rank holding them while its quota lasts, the others' voxels move in one
 * MPI_Alltoallw per step; ms_vae_balance.c, receive buffer ceil(batch / P) structures of
 * uint8 per rank), in chunks; the gradients
 * are summed with one MPI_Allreduce per step, and every rank applies the same Adam step
 * (PyTorch's Adam: bias-corrected, eps added to sqrt(v_hat)). The noise of structure i in
 * epoch e is the stream (seed, 2^32 (e + 1) + i), so nothing depends on the rank count but
 * the order of the float sums (the gradient reduction, and which members share a chunk):
 * stated tolerance in the tests
 * (tests/mpi/test_vae_ranks.c).
 *
 * Checkpoint (every epoch; -checkpoint PATH): parameters, Adam moments and step, the epochs
 * done and the loss history, written atomically (ms_h5_create/commit: PATH.partial, rename).
 * A resumed run continues from it and gives the same parameters bit for bit as an
 * uninterrupted run on the same rank count and threads.
 */
typedef struct {
  MPI_Comm comm;
  int64_t  n_global, start, n_local, size;
  uint8_t *vox; /* n_local * size^3 */
} ms_vae_data;

PetscErrorCode ms_vae_data_load(MPI_Comm comm, const char *path, const char *dataset, int64_t size, ms_vae_data *d);
PetscErrorCode ms_vae_data_free(ms_vae_data *d);

typedef struct {
  double   lr, beta1, beta2, eps;   /* Adam: 1e-5, 0.9, 0.999, 1e-8 (seed's settings; eps [X]) */
  int64_t  batch, epochs;           /* 64, 1000 (seed) */
  uint64_t seed;
  char     checkpoint[PETSC_MAX_PATH_LEN]; /* "" = no checkpoints */
  PetscBool resume;                 /* start from `checkpoint` (must exist) */
  int64_t  stop_after;              /* >0: return after this many epochs of this run (tests, job slices) */
} ms_vae_train_params;

void ms_vae_train_params_default(ms_vae_train_params *p);

typedef struct {
  int64_t  n_train, n_val, n_test;
  int64_t  epochs_done;
  double  *train_loss, *val_loss;   /* per epoch: mean per-structure loss (BCE + KL) */
  double  *train_bce, *train_kl;
  double  *epoch_seconds;           /* wall time per epoch (training steps + validation) */
  double   test_loss;               /* after the last epoch (NAN until then) */
  double   seconds;                 /* wall time of the epochs run in this call */
} ms_vae_history;

/* Train v (parameters initialised by the caller or restored from the checkpoint) on d.
 * Collective. h receives the loss history (free with ms_vae_history_free). */
PetscErrorCode ms_vae_train(ms_vae v, const ms_vae_data *d, const ms_vae_train_params *p, ms_vae_history *h);
void           ms_vae_history_free(ms_vae_history *h);

/* Save/load the architecture (attributes) and parameters under group `grp` of an open file
 * (save: collective over the file's communicator comm; load: every rank reads). */
PetscErrorCode ms_vae_save_h5(MPI_Comm comm, ms_vae v, hid_t grp);
PetscErrorCode ms_vae_load_h5(MPI_Comm comm, hid_t grp, const char *path, int64_t chunk, ms_vae *v);

/* ---- outputs (ms_vae_io.c) ----------------------------------------------------------------- */

/* History under group grp: train_loss, val_loss, train_bce, train_kl (one value per epoch,
 * mean per structure, units "nats"), test_loss, and the split sizes as attributes. Collective. */
PetscErrorCode ms_vae_history_write_h5(MPI_Comm comm, const ms_vae_history *h, hid_t grp);
/* Loss curves (train, validation; log scale) as a PNG through gnuplot (ms_report_gnuplot). */
PetscErrorCode ms_vae_history_plot(MPI_Comm comm, const ms_vae_history *h, const char *path);
/* Latent mean and log-variance of this rank's structures (d->n_local * latent each). */
PetscErrorCode ms_vae_encode_data(ms_vae v, const ms_vae_data *d, float *mu, float *logvar);
/* Decode n_local latent vectors z (n_local * latent) in chunks: voxel probabilities p
 * (n_local * size^3, NULL: skipped) and volumes vox = (p >= 0.5) (NULL: skipped). */
PetscErrorCode ms_vae_decode_rows(ms_vae v, int64_t n_local, const float *z, float *p, uint8_t *vox);
/* Row-sharded 4-D dataset (n_global, size, size, size) of H5T_NATIVE_FLOAT or
 * H5T_NATIVE_UINT8 values: this rank writes rows [start, start + n_local). Collective. */
PetscErrorCode ms_vae_write_volumes(MPI_Comm comm, hid_t loc, const char *name, hid_t type, int64_t n_global, int64_t start, int64_t n_local,
                                    int64_t size, const void *data);

#endif
