/* ms_kernel.h - covariance kernels for Gaussian process regression.
 *
 * A kernel is k(x, z) = c * r(x, z) + noise * [x and z are the same training point], in
 * scikit-learn's parameterisation ConstantKernel(c) * R(length_scale) + WhiteKernel(noise),
 * so hyperparameters and log marginal likelihoods compare one to one with
 * sklearn.gaussian_process. The correlation r is one of (registry names):
 *   rbf, rbf_ard                 exp(-s^2 / 2)
 *   matern32, matern32_ard       (1 + sqrt(3) s) exp(-sqrt(3) s)
 *   matern52, matern52_ard       (1 + sqrt(5) s + 5 s^2 / 3) exp(-sqrt(5) s)
 * with s^2 = sum_k (x_k - z_k)^2 / l^2 (isotropic: one l) or / l_k^2 (ARD: one per feature).
 *
 * Hyperparameters theta are natural logarithms, in sklearn's order:
 *   theta = [log c, log l_1 .. log l_L, log noise],  L = 1 (isotropic) or d (ARD).
 * Gradients are with respect to theta (so d k / d log c = c r, as in sklearn).
 *
 * Adding a kernel: write its correlation function (value and gradient with respect to the
 * log length scales) and its form from s^2 (ms_kernel_corr_s2_fn), and add one row to the
 * table in ms_kernel.c.
 *
 * Ownership: ms_kernel_create allocates, ms_kernel_destroy frees. Not collective. A kernel
 * is read-only during evaluation, so ms_kernel_eval may be called from OpenMP threads.
 */
#ifndef MS_KERNEL_H
#define MS_KERNEL_H

#include "ms_core.h"

/* Correlation r(x, z) for n features; ls holds L length scales. When g is not NULL it
 * receives d r / d log l_k (L entries). */
typedef double (*ms_kernel_corr_fn)(int64_t n, const double *x, const double *z, const double *ls, double *g);
/* The same correlation from s^2 alone: returns r and sets *h, with d r / d log l_k = h q_k
 * (ARD, q_k = (x_k - z_k)^2 / l_k^2) or h s^2 (isotropic). For loops over many pairs on
 * inputs scaled once by ms_kernel_scale (the GPR fill and gradient trace). */
typedef double (*ms_kernel_corr_s2_fn)(double s2, double *h);

typedef struct {
  const char          *name;
  PetscBool            ard;
  ms_kernel_corr_fn    corr;
  ms_kernel_corr_s2_fn corr_s2;
} ms_kernel_ops;

typedef struct ms_kernel_s {
  ms_kernel_ops ops;
  int64_t       d;          /* number of features */
  int64_t       n_ls;       /* 1 or d */
  double        constant;   /* c */
  double       *ls;         /* n_ls length scales */
  double        noise;      /* white-noise level */
} *ms_kernel;

extern const char *const ms_kernel_types[]; /* NULL-terminated registry names */

/* Kernel of the given type for d features, with c = 1, l = 1, noise = 1 (sklearn's
 * defaults); unknown types are an error listing the known ones. */
PetscErrorCode ms_kernel_create(const char *type, int64_t d, ms_kernel *k);
PetscErrorCode ms_kernel_duplicate(ms_kernel k, ms_kernel *dup);
PetscErrorCode ms_kernel_destroy(ms_kernel *k);

int64_t ms_kernel_n_theta(ms_kernel k);             /* n_ls + 2 */
void    ms_kernel_get_theta(ms_kernel k, double *theta);
void    ms_kernel_set_theta(ms_kernel k, const double *theta);

/* c r(x, z), the covariance between two distinct points (no white noise). grad (n_theta
 * entries, or NULL) receives its theta-gradient; the noise entry is set to 0. */
double ms_kernel_eval(ms_kernel k, const double *x, const double *z, double *grad);
/* Xs = X scaled by the length scales (n rows of d, row-major): x_k / l_k (ARD) or x_k / l, so
 * that s^2 = sum_k (xs_k - zs_k)^2 and q_k = (xs_k - zs_k)^2 without divisions per pair. The
 * pairwise values then differ from ms_kernel_eval's only by rounding. */
void ms_kernel_scale(ms_kernel k, int64_t n, const double *X, double *Xs);
/* k(x, x) = c + noise: the prior variance of a new observation (sklearn's kernel.diag). */
double ms_kernel_diag(ms_kernel k);

#endif
