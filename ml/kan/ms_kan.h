/* ms_kan.h - Kolmogorov-Arnold networks (spec.md 1.8; Liu et al. 2024).
 *
 * A layer maps n_in inputs to n_out outputs, b_j = sum_i phi_ij(a_i), with one learnable
 * function per edge, phi(x) = w_b silu(x) + w_s sum_m c_m B_m(x): silu(x) = x / (1 + e^-x)
 * and B_m the B-splines of degree k on a uniform grid of G intervals over [lo_i, hi_i]
 * (one grid per input node, shared by its edges), extended by k knots on each side, so
 * G + k basis functions per edge. Outside the extended knot span only the silu term acts.
 *
 * Training (ms_kan_train): full-batch Adam or L-BFGS (PETSc TAO LMVM) on the mean squared
 * error of the standardised target, optionally in stages on finer and finer grids (grid
 * extension, ms_kan_extend_grid). Rows are sharded; the gradient is summed in fixed row blocks (ms_rowblocks), so
 * the parameters after any number of epochs have the same bits on 1 and P ranks. Grids:
 * the input layer's from the training min/max of each feature, each hidden layer's from the
 * min/max of its activations after initialisation (both padded by 10% of the range).
 * Initialisation from ms_rng(seed, layer): w_b Xavier-uniform, w_s = 1, c ~ N(0, 0.1^2).
 * Sparsity (Liu et al. 2024): with lambda > 0 the loss adds lambda sum_layers (sum_e A_e +
 * entropy H_layer), A_e = mean over rows of |phi_e|, H the entropy of A_e / sum A; after
 * training, edges with A_e below prune x the largest of their layer are removed.
 *
 * Symbolic snapping (ms_kan_snap, kan_symbolic.c; pykan's auto_symbolic/fit_params): every
 * edge is sampled on its input node's training range [act_lo, act_hi] and fitted by
 * y ~ c f(a x + b) + d for each f of a library (x, x^2, ..., exp, sin, ...): a, b by a
 * zooming grid search of R^2 (squared correlation of f(a x + b) with the edge), then c, d by
 * linear least squares (LAPACKE_dgels). The simplest f whose R^2 is within tol of the best
 * wins; an edge whose winner has R^2 >= r2_min is replaced by it (sym_fn[e] >= 0), the others
 * stay splines. Pruned edges become the constant 0. ms_kan_snap_finetune then refits all
 * snapped (a, b, c, d) jointly on the training rows (kan_finetune.c). ms_kan_formula composes
 * the edges through the layers into one expression (affine maps folded into the arguments).
 *
 * Ownership: ms_kan owns all arrays; ms_kan_free releases them.
 */
#ifndef MS_KAN_H
#define MS_KAN_H

#include "ms_core.h"
#include "ms_dataset.h"

#define MS_KAN_MAX_LAYERS 8
#define MS_KAN_MAX_WIDTH  256

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
  double  *act_lo, *act_hi;                /* per input node of every layer (as lo/hi): min/max of its
                                              activation over the training rows after training */
  int     *sym_fn;                         /* per edge: MS_KAN_SPLINE or a library index (ms_kan_symbolic_name) */
  double  *sym;                            /* per edge 5 numbers: a, b, c, d, R^2 of phi ~ c f(a x + b) + d */
} ms_kan;

#define MS_KAN_SPLINE (-1)

typedef struct {
  int      epochs;
  double   lr;
  uint64_t seed;
  double   lambda;   /* sparsity penalty lambda sum_layers (sum_e A_e + entropy H_layer), A_e = mean |phi_e|; 0: off */
  double   entropy;  /* weight of the entropy term */
  double   prune;    /* after training, remove edges with A_e < prune x the layer's largest; 0: keep all */
  int      n_stages;  /* grid schedule: train at grids[0], extend to grids[1], ... (ms_kan_extend_grid);
                        0: one stage at net->G */
  int      grids[16];
  int      lbfgs;     /* 0: Adam; 1: L-BFGS (PETSc TAO LMVM), epochs = its iteration limit per stage */
} ms_kan_train_opts;

typedef struct {
  unsigned lib;     /* bit f set: library function f is a candidate (ms_kan_symbolic_parse) */
  double   r2_min;  /* an edge is snapped when its best fit has R^2 >= r2_min */
  double   tol;     /* the simplest function with R^2 >= best - tol wins */
} ms_kan_snap_opts;

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
/* Pruning from the edges' edge_l1 (ms_kan_train calls it when o->prune > 0): edges below
 * frac x the largest of their layer are removed (parameters 0, edge_l1 0), then every hidden
 * node whose outgoing edges are all removed loses its incoming edges (from the last layer
 * back, so removals cascade). A node whose incoming edges are all removed keeps its outgoing
 * ones (they add the constant phi(0)). Logs the count on comm. */
PetscErrorCode ms_kan_prune(ms_kan *net, MPI_Comm comm, double frac);
/* Offsets of layer l's edges (layer by layer, i n_out + j) and input nodes (lo, hi, act_lo). */
int64_t ms_kan_edge_offset(const ms_kan *net, int l);
int     ms_kan_node_offset(const ms_kan *net, int l);
/* Edge (l, i, j) at x: the spline form w_b silu(x) + w_s spline(x) (symbolic = PETSC_FALSE)
 * or, for a snapped edge, c f(a x + b) + d (symbolic = PETSC_TRUE). */
double  ms_kan_edge_eval(const ms_kan *net, int l, int i, int j, double x, PetscBool symbolic);
/* The same and its derivative d phi / dx in *dphi (when not NULL). */
double  ms_kan_edge_eval_deriv(const ms_kan *net, int l, int i, int j, double x, PetscBool symbolic, double *dphi);
/* Refit every edge's spline on a grid of G_new intervals over the same [lo, hi] by least
 * squares (LAPACKE_dgels) to the current spline's values at sample points of [lo, hi];
 * exact when the new knots contain the old (G_new a multiple of G). Not collective. */
PetscErrorCode ms_kan_extend_grid(ms_kan *net, int G_new);

/* Symbolic library: number of functions, their names ("0", "x", "x^2", "sin", ...). */
int            ms_kan_symbolic_count(void);
const char    *ms_kan_symbolic_name(int f);
double         ms_kan_symbolic_eval(int f, double u);  /* f(u) */
double         ms_kan_symbolic_deriv(int f, double u); /* f'(u) */
/* list: "auto" (all), or comma-separated names; an unknown name is MS_ERR_USER listing the
 * library. */
PetscErrorCode ms_kan_symbolic_parse(MPI_Comm comm, const char *list, unsigned *lib);
/* Best c f(a x + b) + d for n samples (x, y) over the library: *fn and p = a, b, c, d, R^2. */
PetscErrorCode ms_kan_symbolic_fit(int n, const double *x, const double *y, const ms_kan_snap_opts *o, int *fn, double *p);
/* Collective over comm: snap every edge (edges split over ranks, e mod P, results shared);
 * *n_snapped edges were replaced by their symbolic fit. */
PetscErrorCode ms_kan_snap(ms_kan *net, MPI_Comm comm, const ms_kan_snap_opts *o, int64_t *n_snapped);
/* Collective over train->comm: the snapped network's objective 1/2 mean (f(x) - (y - y_mean)/y_std)^2
 * over the training rows (fixed row blocks: the same bits on any rank count) and its gradient
 * with respect to the (a, b, c, d) of every snapped edge (4 per edge, 0 for spline edges). */
PetscErrorCode ms_kan_snap_objective(ms_kan *net, ms_dataset train, double *f, double *grad);
/* Collective: fine-tune the (a, b, c, d) of the snapped edges on the training rows by L-BFGS
 * (TAO LMVM, at most max_it iterations; every rank the same steps); kept only if the objective
 * decreased and stayed finite. *f0, *f1: the objective before and after. */
PetscErrorCode ms_kan_snap_finetune(ms_kan *net, ms_dataset train, int max_it, double *f0, double *f1);
/* The network as one expression over the feature names: "target = ...". Caller frees. */
PetscErrorCode ms_kan_formula(const ms_kan *net, char *const *features, const char *target, char **text);

/* A PNG grid of every edge of a fitted "kan" model (ms_model from ms_model.h): its spline over
 * the input's training range and, when snapped, the symbolic fit dashed. gnuplot on rank 0
 * (ms_report_gnuplot), written atomically; MS_ERR_USER for another model type or without
 * gnuplot. Collective over m->comm. */
typedef struct ms_model_s *ms_kan_model_handle;
PetscErrorCode ms_kan_model_plot_edges(ms_kan_model_handle m, const char *path);

#endif
