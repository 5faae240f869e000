/* ms_gpr.h - Gaussian process regression core (the "gpr" model in ml/models/gpr.c wraps it;
 * Bayesian optimisation may call it directly).
 *
 * Model: y = f(x) + eps with f ~ GP(0, k), k from ms_kernel.h (c * r + white noise), plus a
 * jitter `alpha` on the diagonal of the training covariance (sklearn's alpha, 1e-10). With
 * normalize_y the targets are standardised (population std; zero std -> 1) before the fit
 * and predictions are mapped back, as sklearn's normalize_y=True does. NOTE: sklearn's
 * default is normalize_y=False; ours is true (see models/gpr.c).
 *
 * Log marginal likelihood (on the possibly normalised targets y, K = k(X, X) + alpha I):
 *   LML = -1/2 y^T a - sum_i log L_ii - n/2 log(2 pi),   K = L L^T,  a = K^{-1} y,
 *   d LML / d theta_k = 1/2 tr((a a^T - K^{-1}) dK/d theta_k).
 *
 * Data placement: the training set (X: n x d row-major, y) is replicated on every rank of
 * gp->comm (GPR training sets are small in d; n x d doubles is cheap next to the n x n
 * kernel). Dense algebra runs either locally with LAPACKE (n < scalapack_min_n) or over
 * all ranks of gp->comm on a 2-D block-cyclic grid with ScaLAPACK.
 *
 * Hyperparameter search (ms_gpr_optimize): maximise LML over theta in log space within
 * [log lo, log hi] bounds with PETSc TAO (bound-constrained limited-memory quasi-Newton,
 * default TAOBLMVM), stopped by L-BFGS-B's rule with scipy's defaults (gtol, ftol below) as
 * scikit-learn's fit is, so both stop at the same accuracy; the result is the best point
 * evaluated. n_evals counts LML + gradient evaluations (scipy's nfev). Restart 0 starts from the kernel's current theta, restart r >= 1 from a
 * log-uniform draw in the bounds taken from ms_rng(seed, r). Small problems run restart r on
 * rank r mod P (PETSC_COMM_SELF, LAPACKE); large ones run the restarts one after another,
 * each factorization spread over all ranks. The best LML wins, ties to the lowest restart
 * index, so the result does not depend on P.
 *
 * Ownership: the gp owns its kernel, its copies of X and y, the factor and a.
 * Collectiveness: everything taking a gp is collective over gp->comm, except
 * ms_gpr_predict_mean (local).
 */
#ifndef MS_GPR_H
#define MS_GPR_H

#include "ms_core.h"
#include "ms_kernel.h"
#include "ms_scalapack.h"

typedef struct ms_gpr_s {
  MPI_Comm  comm;
  ms_kernel kernel;            /* owned */
  double    jitter;            /* sklearn's alpha */
  PetscBool normalize_y;
  int64_t   scalapack_min_n;   /* n >= this -> ScaLAPACK over comm */
  ms_grid_shape grid_shape;
  int       nb;                /* ScaLAPACK block size */
  char      tao_type[32];      /* TAOBLMVM or TAOBQNLS */
  int64_t   max_it;            /* optimiser iterations per restart */
  double    gtol, ftol;        /* stopping rule of L-BFGS-B (see ms_gpr_opt.c): projected-gradient
                                  max-norm and relative reduction of -LML per iteration */
  /* training data (replicated) */
  int64_t   n, d;
  double   *X;                 /* n x d */
  double   *y;                 /* n, normalised */
  double    y_mean, y_std;
  /* fitted state */
  ms_blacs  grid;              /* non-NULL when the fitted factor is distributed */
  ms_dmat   L;                 /* Cholesky factor of K (local or block-cyclic) */
  double   *alpha;             /* n, replicated: K^{-1} y */
  double    lml;               /* at the current theta */
  PetscBool factored;
  /* optimiser report */
  int64_t   n_restarts_run, best_restart;
  int64_t   n_evals;           /* LML evaluations by this rank in the last optimisation */
} *ms_gpr;

/* Default threshold, from benchmarks/RESULTS.md ("gpr", quiet run, 2 ranks, 1 thread each): one
 * LML + gradient evaluation on a 1 x 2 ScaLAPACK grid is 1.7x faster than 1-rank LAPACKE at
 * n = 2000 and 4000, and a 2-start fit takes the same time either way (5.9 s at 2000, 38-40 s
 * at 4000), so from n = 2000 on ScaLAPACK is never worse and wins clearly with a single start.
 * Below that, restart parallelism (no communication) is the safer choice. */
#define MS_GPR_SCALAPACK_MIN_N_DEFAULT 2000

/* scipy.optimize L-BFGS-B defaults (pgtol 1e-5, factr 1e7 -> ftol = 1e7 * DBL_EPSILON), as
 * scikit-learn's GaussianProcessRegressor uses them */
#define MS_GPR_GTOL_DEFAULT 1e-5
#define MS_GPR_FTOL_DEFAULT 2.220446049250313e-09

/* A gp on comm that takes ownership of kernel. Defaults: jitter 1e-10, normalize_y true,
 * scalapack_min_n MS_GPR_SCALAPACK_MIN_N_DEFAULT, grid auto, nb 64, TAOBLMVM, max_it 1000, and
 * scipy's L-BFGS-B stopping defaults gtol = MS_GPR_GTOL_DEFAULT, ftol = MS_GPR_FTOL_DEFAULT. */
PetscErrorCode ms_gpr_create(MPI_Comm comm, ms_kernel kernel, ms_gpr *gp);
PetscErrorCode ms_gpr_destroy(ms_gpr *gp);
/* Copy the (replicated) training data and normalise y; drops any previous factor. */
PetscErrorCode ms_gpr_set_data(ms_gpr gp, int64_t n, int64_t d, const double *X, const double *y);
/* Normalisation given explicitly (load path: y already normalised with these). */
PetscErrorCode ms_gpr_set_data_normalized(ms_gpr gp, int64_t n, int64_t d, const double *X, const double *y_norm,
                                          double y_mean, double y_std);

/* LML and its theta-gradient (grad may be NULL) at theta. The kernel's own hyperparameters and
 * a fitted gp's factor are left as they were. When grid is NULL the work is
 * local (LAPACKE, not collective); otherwise collective over grid->comm. A kernel matrix
 * that is not positive definite gives *lml = -inf and a zero gradient (like sklearn). */
PetscErrorCode ms_gpr_lml(ms_gpr gp, ms_blacs grid, const double *theta, double *lml, double *grad);

/* PETSC_TRUE when n >= scalapack_min_n on more than one rank (on one rank LAPACKE wins). */
PetscErrorCode ms_gpr_use_scalapack(ms_gpr gp, PetscBool *dist);
/* Optimise theta (see above); sets the kernel to the best theta and factors. */
PetscErrorCode ms_gpr_optimize(ms_gpr gp, int64_t restarts, uint64_t seed, double lo, double hi);
/* Factor K at the kernel's current theta and compute a and the LML. */
PetscErrorCode ms_gpr_factor(ms_gpr gp);

/* Predictive mean for m query rows (local; needs a factored gp). */
PetscErrorCode ms_gpr_predict_mean(ms_gpr gp, int64_t m, const double *Xq, double *mean);
/* Predictive std (sklearn's: includes the white noise, clipped at 0). Collective over
 * gp->comm when the factor is distributed: every rank passes its own query rows. */
PetscErrorCode ms_gpr_predict_std(ms_gpr gp, int64_t m, const double *Xq, double *std);
/* Mean (may be NULL) and std together from one pass of kernel evaluations (about half the work of
 * the two calls; Bayesian optimisation scores millions of candidates). Collective as _std. */
PetscErrorCode ms_gpr_predict_mean_std(ms_gpr gp, int64_t m, const double *Xq, double *mean, double *std);

#endif
