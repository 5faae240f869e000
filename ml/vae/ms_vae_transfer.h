/* ms_vae_transfer.h - transfer learning with the VAE encoder (dissertation Section 4.2,
 * Figure 4.13): predict a structure property (tortuosity, or any label) from few labels with
 * the encoder of a trained VAE, against the same network trained from scratch.
 *
 * Network: encoder (ms_vae.h: the convolutions and dense layers up to the latent mean mu,
 * no sampling) -> Dense `hidden` ReLU -> Dense `hidden` ReLU -> Dense 1 linear (the head,
 * ml/nn/ms_dnn.h inner-product layers). Head weights Xavier(Glorot)-uniform, biases zero.
 * Loss per mini-batch: mean squared error + l2 * (sum of the squared head weights, Keras'
 * kernel_regularizer l2), minimised by Adam (ms_vae_adam_step, PyTorch's Adam).
 * The head predicts y - mean(y over the repeat's training rows) (the mean is added back), so a
 * small learning rate need not spend its steps on the offset; both strategies do the same.
 *
 * Strategies (ms_vae_transfer_strategy):
 *   TRANSFER  the encoder holds the trained VAE's parameters and is frozen: its parameters are
 *             never written (tested bitwise) and mu of every structure is computed once;
 *   SCRATCH   the encoder's parameters start from Glorot-uniform random values and are trained
 *             together with the head (gradient through the encoder by ms_vae_encode_backward).
 *
 * Repeats: repeat r draws from the ms_rng stream (seed, 2^60 + r): its train/test split (a
 * permutation of the labelled structures: the first n_train train, the rest test), the head's
 * initial weights, the scratch encoder's initial weights and the mini-batch order of each
 * epoch. Both strategies of repeat r share the split, the head's initial weights and the batch
 * order, so they differ only in the encoder. Repeat r runs on rank r mod P, entirely on that
 * rank (its structures are replicated), and the per-repeat MSEs are gathered with one
 * MPI_Allreduce of disjoint entries: the results are bitwise independent of the rank count
 * (at a fixed OMP_NUM_THREADS).
 */
#ifndef MS_VAE_TRANSFER_H
#define MS_VAE_TRANSFER_H

#include "ms_vae.h"

typedef enum { MS_VAE_TRANSFER = 0, MS_VAE_SCRATCH = 1 } ms_vae_transfer_strategy;
extern const char *const ms_vae_transfer_strategy_names[2]; /* "transfer_learning", "from_scratch" */

typedef struct {
  int64_t  hidden;                /* head units per dense layer (seed: 64) */
  int64_t  epochs, batch;         /* seed: 100, 64 */
  double   lr, beta1, beta2, eps; /* Adam (seed: the VAE's 1e-5, 0.9, 0.999) */
  double   l2;                    /* head kernel L2 (seed: 1e-5) */
  int64_t  repeats;               /* seed: 20 */
  int64_t  n_train;               /* labelled training rows per repeat; the others test */
  uint64_t seed;
} ms_vae_transfer_params;

void ms_vae_transfer_params_default(ms_vae_transfer_params *p);

/* Labelled structures, replicated on every rank: n volumes of size^3 (0/1) and their labels. */
typedef struct {
  int64_t  n, size;
  uint8_t *vox; /* n * size^3 */
  double  *y;   /* n */
} ms_vae_transfer_data;

/* Labels from `labels` (a `matscreen label` campaign file, e.g. labels.h5:/labels, or a CSV;
 * ms_dataset_load) matched to the structures of `structures`:`dataset` (ms_vae_data_load
 * layouts): the label of structure i is the row whose id column holds i: `id_column`, or by
 * default the column `index` (campaign files) or `id`, or else the row number. target names a
 * numeric column; "tau_mean" without such a column is the mean of tau_x, tau_y, tau_z. Rows
 * with a non-finite label (unlabelled: NaN; not percolating: inf) are skipped and counted in
 * n_skipped. Structures keep their file order. Every rank reads and holds all of them.
 * Errors (MS_ERR_USER/READ) name the file, the column or row and the value. Collective. */
PetscErrorCode ms_vae_transfer_data_load(MPI_Comm comm, const char *structures, const char *dataset, int64_t size, const char *labels, const char *target,
                                         const char *id_column, ms_vae_transfer_data *d, int64_t *n_skipped);
PetscErrorCode ms_vae_transfer_data_free(ms_vae_transfer_data *d);

/* Per-repeat results (every rank holds all): mse[s][0][r] train MSE and mse[s][1][r] test MSE
 * of strategy s in repeat r (no L2 term), in squared label units. */
typedef struct {
  int64_t repeats, n_train, n_test;
  double *mse[2][2];
  double  mean[2][2], std[2][2]; /* over the repeats; std with ddof = 0 (numpy's default) */
  double  seconds;
} ms_vae_transfer_result;

/* Run both strategies `repeats` times. vae holds the trained VAE (its parameters are read,
 * never written); its chunk bounds the structures per oneDNN call. Collective on comm. */
PetscErrorCode ms_vae_transfer_run(MPI_Comm comm, ms_vae vae, const ms_vae_transfer_data *d, const ms_vae_transfer_params *p, ms_vae_transfer_result *res);
void           ms_vae_transfer_result_free(ms_vae_transfer_result *res);

/* ---- the head, exposed for tests -------------------------------------------------------- */
typedef struct ms_vae_head_s *ms_vae_head;
PetscErrorCode ms_vae_head_create(int64_t n_in, int64_t hidden, int64_t chunk, ms_vae_head *h);
PetscErrorCode ms_vae_head_destroy(ms_vae_head *h);
int64_t        ms_vae_head_n_params(ms_vae_head h);
/* Xavier-uniform weights from the streams (seed, 0..2), zero biases, into params. */
void           ms_vae_head_init(ms_vae_head h, uint64_t seed, float *params);
/* Sum over n <= chunk rows of (out_i + offset - y_i)^2 with out = head(f); with g, ADDS
 * scale * its gradient w.r.t. params into g and writes scale * d/df into df (NULL: skipped).
 * pred (NULL: skipped) receives out + offset. The L2 term is not included (ms_vae_head_l2). */
PetscErrorCode ms_vae_head_sse_grad(ms_vae_head h, const float *params, int64_t n, const float *f, const double *y, double offset, double scale,
                                    float *g, float *df, double *pred, double *sse);
/* l2 * sum of the squared weights (not biases); with g, adds its gradient times scale. */
double         ms_vae_head_l2(ms_vae_head h, const float *params, double l2, double scale, float *g);

#endif
