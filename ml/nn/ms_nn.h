/* ms_nn.h - neural-network engines on BLAS: fully connected networks (multilayer perceptrons)
 * trained by Adam on mini-batches. (Later: the convolutional layers of the VAE on oneDNN, KAN
 * spline bases.)
 *
 * Network: L weight layers; units[0] = inputs, units[L] = outputs; layer l maps a row a
 * (units[l]) to z = a W_l + b_l (W_l is units[l] x units[l+1], row-major, scikit-learn's
 * coefs_[l]); hidden layers apply ReLU, the output layer identity (regression), logistic
 * (two classes, one unit) or softmax (K >= 3 classes), as scikit-learn's MLP.
 *
 * Training (ms_mlp_train) is scikit-learn 1.2's MLP with solver="adam", step for step, so the
 * loss curves agree from the same initial weights: per epoch the rows are (optionally)
 * shuffled, cut into batches of batch_size (the last one smaller); per batch the loss is the
 * mean squared error / 2 or the mean log-loss (probabilities clipped to [eps, 1 - eps]) plus
 * alpha/2 ||W||^2 / batch; gradients by backpropagation, (A^T delta + alpha W) / batch and the
 * mean delta for the biases; Adam with bias-corrected step lr sqrt(1 - b2^t) / (1 - b1^t).
 * The epoch loss is the batch losses weighted by batch size. Stopping: after
 * n_iter_no_change + 1 epochs without a loss (or, with early stopping, validation score)
 * improvement of tol, or max_iter epochs; early stopping holds out validation_fraction of the
 * rows (drawn from the training stream; stratified for classes) and keeps the best weights.
 * Initial weights: Glorot uniform, U(-s, s) with s = sqrt(6 / (fan_in + fan_out)), for W and b.
 *
 * Threads: the layer products are BLAS dgemm calls on whole batches (OpenBLAS threads).
 * Randomness: only from the ms_rng stream given (initial weights, shuffles, the validation
 * split), so a network is a pure function of (data, parameters, stream).
 */
#ifndef MS_NN_H
#define MS_NN_H

#include "ms_core.h"
#include "ms_rng.h"

typedef enum { MS_MLP_OUT_IDENTITY = 0, MS_MLP_OUT_LOGISTIC, MS_MLP_OUT_SOFTMAX } ms_mlp_output;

typedef struct {
  int64_t        n_layers;  /* weight layers */
  int64_t       *units;     /* n_layers + 1 */
  double       **W, **b;    /* n_layers each */
  ms_mlp_output  out;
} ms_mlp_net;

typedef struct {
  double    alpha, learning_rate, beta1, beta2, epsilon, tol, validation_fraction;
  int64_t   batch_size;        /* 0: min(200, rows) */
  int64_t   max_iter, n_iter_no_change;
  PetscBool shuffle, early_stopping;
} ms_mlp_params;

/* scikit-learn's defaults: alpha 1e-4, lr 1e-3, betas 0.9/0.999, eps 1e-8, tol 1e-4, batch
 * min(200, n), 200 epochs, 10 epochs without change, shuffle, no early stopping (0.1). */
void ms_mlp_params_default(ms_mlp_params *p);

/* Allocate a network of n_layers + 1 unit counts with Glorot-uniform weights from rng
 * (rng NULL: zeros). Free with ms_mlp_net_free. */
PetscErrorCode ms_mlp_net_create(int64_t n_layers, const int64_t *units, ms_mlp_output out, ms_rng *rng, ms_mlp_net *net);
void           ms_mlp_net_free(ms_mlp_net *net);
/* Parameter count and (un)packing into one flat vector (W_0, b_0, W_1, b_1, ...), for
 * broadcasts and files. */
int64_t ms_mlp_net_size(const ms_mlp_net *net);
void    ms_mlp_net_pack(const ms_mlp_net *net, double *flat);
void    ms_mlp_net_unpack(ms_mlp_net *net, const double *flat);

/* Train on n rows X (n x units[0]) with targets Y (n x units[L]: values, one-hot classes, or
 * for the logistic output the 0/1 of the second class). rng drives shuffles and the validation
 * split. loss_curve (max_iter entries, or NULL) receives the epoch losses, *n_iter the epochs
 * run, *converged whether the stopping rule fired before max_iter. */
PetscErrorCode ms_mlp_train(ms_mlp_net *net, const ms_mlp_params *p, int64_t n, const double *X, const double *Y, ms_rng *rng,
                            double *loss_curve, int64_t *n_iter, PetscBool *converged);
/* Outputs (n x units[L]) of n rows: values or class probabilities. */
PetscErrorCode ms_mlp_forward(const ms_mlp_net *net, int64_t n, const double *X, double *out);

#endif
