/* ms_kan.h - Kolmogorov-Arnold networks (spec.md 1.8; Liu et al. 2024).
 *
 * A layer maps n_in inputs to n_out outputs, b_j = sum_i phi_ij(a_i), with one learnable
 * function per edge, phi(x) = w_b silu(x) + w_s sum_m c_m B_m(x): silu(x) = x / (1 + e^-x)
 * and B_m the B-splines of degree k on a uniform grid of G intervals over [lo_i, hi_i]
 * (one grid per input node, shared by its edges), extended by k knots on each side, so
 * G + k basis functions per edge. Outside the extended knot span only the silu term acts.
 *
 * Training (ms_kan_train): full-batch Adam on the mean squared error of the standardised
 * target. Rows are sharded; the gradient is summed in fixed row blocks (ms_rowblocks), so
 * the parameters after any number of epochs have the same bits on 1 and P ranks. Grids:
 * the input layer's from the training min/max of each feature, each hidden layer's from the
 * min/max of its activations after initialisation (both padded by 10% of the range).
 * Initialisation from ms_rng(seed, layer): w_b Xavier-uniform, w_s = 1, c ~ N(0, 0.1^2).
 * Sparsity (Liu et al. 2024): with lambda > 0 the loss adds lambda sum_layers (sum_e A_e +
 * entropy H_layer), A_e = mean over rows of |phi_e|, H the entropy of A_e / sum A; after
 * training, edges with A_e below prune x the largest of their layer are removed.
 *
 * Ownership: ms_kan owns all arrays; ms_kan_free releases them.
 */
#ifndef MS_KAN_H
#define MS_KAN_H

#include "ms_core.h"
#include "ms_dataset.h"

#define MS_KAN_MAX_LAYERS 8

typedef struct {
  int      n_layers;                       /* layers (widths has n_layers + 1 entries) */
  int      widths[MS_KAN_MAX_LAYERS + 1];  /* widths[0] = features, widths[n_layers] = 1 */
  int      G, k;                           /* grid intervals, spline degree */
  double  *lo, *hi;                        /* grid range per input node of every layer */
  double  *params;                         /* per layer: c (n_in n_out (G+k)), w_b, w_s (n_in n_out) */
  int64_t  n_params;
  double   y_mean, y_std;                  /* target standardisation */
  double  *edge_l1;                        /* per edge (layer by layer, i n_out + j): mean |phi| over the
                                              training rows after training (0: pruned) */
} ms_kan;

typedef struct {
  int      epochs;
  double   lr;
  uint64_t seed;
  double   lambda;   /* sparsity penalty lambda sum_layers (sum_e A_e + entropy H_layer), A_e = mean |phi_e|; 0: off */
  double   entropy;  /* weight of the entropy term */
  double   prune;    /* after training, remove edges with A_e < prune x the layer's largest; 0: keep all */
} ms_kan_train_opts;

/* B-splines of degree k on the knots t[0..nt) at x: B[0..nt-k-1) and, when dB != NULL,
 * their derivatives. Cox-de Boor recursion; zero outside [t[0], t[nt-1]). */
void ms_kan_bspline(const double *t, int nt, int k, double x, double *B, double *dB);
/* The same, only the (at most k + 1) functions that can be non-zero at x: B[q] and dB[q] are
 * basis first + q, q < *count; returns first. k <= 5, nt <= 65. */
int  ms_kan_bspline_window(const double *t, int nt, int k, double x, double *B, double *dB, int *count);
/* The uniform extended knots of a grid: t[j] = lo + (j - k) (hi - lo)/G, j = 0..G+2k. */
void ms_kan_knots(int G, int k, double lo, double hi, double *t);

/* Set up the layer structure (hidden widths, G, k) for d features; no parameters yet. */
PetscErrorCode ms_kan_setup(ms_kan *net, int64_t d, int n_hidden, const int *hidden, int G, int k);
/* Collective over train->comm: initialise and train on the sharded rows. */
PetscErrorCode ms_kan_train(ms_kan *net, ms_dataset train, const ms_kan_train_opts *o);
/* Collective over train->comm: the training objective at the current parameters,
 * 1/2 mean (f(x) - (y - y_mean)/y_std)^2 + the sparsity penalty, and its gradient (n_params),
 * the same quantities ms_kan_train descends (for gradient checks). */
PetscErrorCode ms_kan_objective(ms_kan *net, ms_dataset train, const ms_kan_train_opts *o, double *f, double *grad);
/* Predictions for n rows of X (row-major, widths[0] columns), not collective. */
PetscErrorCode ms_kan_predict(const ms_kan *net, int64_t n, const double *X, double *y);
PetscErrorCode ms_kan_free(ms_kan *net);

#endif
