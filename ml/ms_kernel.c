/* ms_kernel.c - the kernel table and the constant * correlation + white-noise composite.
 * Gradients follow sklearn.gaussian_process.kernels (RBF, Matern nu = 1.5 / 2.5) so that
 * LML gradients agree with sklearn's to rounding. */
#include "ms_kernel.h"
#include <math.h>

/* Scaled squared distances: q_k = (x_k - z_k)^2 / l_k^2 summed into s2 (ARD), or one l. */
static inline double ms_sq_dist(int64_t n, const double *x, const double *z, const double *ls, PetscBool ard)
{
  double s2 = 0.0;
  if (ard) {
    for (int64_t k = 0; k < n; k++) {
      double t = (x[k] - z[k]) / ls[k];
      s2 += t * t;
    }
  } else {
    for (int64_t k = 0; k < n; k++) {
      double t = x[k] - z[k];
      s2 += t * t;
    }
    s2 /= ls[0] * ls[0];
  }
  return s2;
}

/* For ARD kernels d r / d log l_k = h(s) * q_k and for isotropic ones h(s) * s^2, with h
 * depending on the kernel: this fills g from h. */
static inline void ms_ls_grad(int64_t n, const double *x, const double *z, const double *ls, PetscBool ard, double s2,
                              double h, double *g)
{
  if (!ard) {
    g[0] = h * s2;
    return;
  }
  for (int64_t k = 0; k < n; k++) {
    double t = (x[k] - z[k]) / ls[k];
    g[k] = h * t * t;
  }
}

#define MS_DEFINE_CORR(NAME, ARD, BODY) \
  static double NAME(int64_t n, const double *x, const double *z, const double *ls, double *g) \
  { \
    double s2 = ms_sq_dist(n, x, z, ls, ARD), r, h; \
    BODY \
    if (g) ms_ls_grad(n, x, z, ls, ARD, s2, h, g); \
    return r; \
  }

/* RBF: r = exp(-s2/2), d r / d log l gives r * q */
#define MS_RBF_BODY r = exp(-0.5 * s2); h = r;
/* Matern 3/2: r = (1 + sqrt3 s) e^{-sqrt3 s}; d r / d log l gives 3 q e^{-sqrt3 s} */
#define MS_M32_BODY double s = sqrt(s2), e = exp(-sqrt(3.0) * s); r = (1.0 + sqrt(3.0) * s) * e; h = 3.0 * e;
/* Matern 5/2: r = (1 + sqrt5 s + 5 s2 / 3) e^{-sqrt5 s}; gradient 5/3 q (1 + sqrt5 s) e^{-sqrt5 s} */
#define MS_M52_BODY \
  double s = sqrt(s2), e = exp(-sqrt(5.0) * s); r = (1.0 + sqrt(5.0) * s + 5.0 / 3.0 * s2) * e; \
  h = 5.0 / 3.0 * (1.0 + sqrt(5.0) * s) * e;

#define MS_DEFINE_CORR_S2(NAME, BODY) \
  static double NAME(double s2, double *hp) \
  { \
    double r, h; \
    BODY \
    *hp = h; \
    return r; \
  }

MS_DEFINE_CORR_S2(ms_s2_rbf, MS_RBF_BODY)
MS_DEFINE_CORR_S2(ms_s2_m32, MS_M32_BODY)
MS_DEFINE_CORR_S2(ms_s2_m52, MS_M52_BODY)

MS_DEFINE_CORR(ms_corr_rbf, PETSC_FALSE, MS_RBF_BODY)
MS_DEFINE_CORR(ms_corr_rbf_ard, PETSC_TRUE, MS_RBF_BODY)
MS_DEFINE_CORR(ms_corr_m32, PETSC_FALSE, MS_M32_BODY)
MS_DEFINE_CORR(ms_corr_m32_ard, PETSC_TRUE, MS_M32_BODY)
MS_DEFINE_CORR(ms_corr_m52, PETSC_FALSE, MS_M52_BODY)
MS_DEFINE_CORR(ms_corr_m52_ard, PETSC_TRUE, MS_M52_BODY)

static const ms_kernel_ops ms_kernel_table[] = {
  {"rbf",          PETSC_FALSE, ms_corr_rbf,     ms_s2_rbf},
  {"rbf_ard",      PETSC_TRUE,  ms_corr_rbf_ard, ms_s2_rbf},
  {"matern32",     PETSC_FALSE, ms_corr_m32,     ms_s2_m32},
  {"matern32_ard", PETSC_TRUE,  ms_corr_m32_ard, ms_s2_m32},
  {"matern52",     PETSC_FALSE, ms_corr_m52,     ms_s2_m52},
  {"matern52_ard", PETSC_TRUE,  ms_corr_m52_ard, ms_s2_m52},
};
#define MS_N_KERNELS ((int)(sizeof(ms_kernel_table) / sizeof(ms_kernel_table[0])))

const char *const ms_kernel_types[] = {"rbf", "rbf_ard", "matern32", "matern32_ard", "matern52", "matern52_ard", NULL};

PetscErrorCode ms_kernel_create(const char *type, int64_t d, ms_kernel *out)
{
  ms_kernel k;
  int       idx = -1;

  PetscFunctionBeginUser;
  for (int i = 0; i < MS_N_KERNELS; i++)
    if (!strcmp(type, ms_kernel_table[i].name)) idx = i;
  if (idx < 0)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER,
            "unknown kernel '%s' (-gpr_kernel): expected rbf, rbf_ard, matern32, matern32_ard, matern52 or matern52_ard",
            type);
  if (d < 1) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "kernel '%s' needs at least one feature, got %" PRId64, type, d);
  PetscCall(PetscNew(&k));
  k->ops      = ms_kernel_table[idx];
  k->d        = d;
  k->n_ls     = k->ops.ard ? d : 1;
  k->constant = 1.0;
  k->noise    = 1.0;
  PetscCall(PetscMalloc1(k->n_ls, &k->ls));
  for (int64_t i = 0; i < k->n_ls; i++) k->ls[i] = 1.0;
  *out = k;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kernel_duplicate(ms_kernel k, ms_kernel *dup)
{
  PetscFunctionBeginUser;
  PetscCall(ms_kernel_create(k->ops.name, k->d, dup));
  (*dup)->constant = k->constant;
  (*dup)->noise    = k->noise;
  PetscCall(PetscArraycpy((*dup)->ls, k->ls, k->n_ls));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kernel_destroy(ms_kernel *k)
{
  PetscFunctionBeginUser;
  if (!*k) PetscFunctionReturn(0);
  PetscCall(PetscFree((*k)->ls));
  PetscCall(PetscFree(*k));
  PetscFunctionReturn(0);
}

int64_t ms_kernel_n_theta(ms_kernel k) { return k->n_ls + 2; }

void ms_kernel_get_theta(ms_kernel k, double *theta)
{
  theta[0] = log(k->constant);
  for (int64_t i = 0; i < k->n_ls; i++) theta[1 + i] = log(k->ls[i]);
  theta[1 + k->n_ls] = log(k->noise);
}

void ms_kernel_set_theta(ms_kernel k, const double *theta)
{
  k->constant = exp(theta[0]);
  for (int64_t i = 0; i < k->n_ls; i++) k->ls[i] = exp(theta[1 + i]);
  k->noise = exp(theta[1 + k->n_ls]);
}

double ms_kernel_eval(ms_kernel k, const double *x, const double *z, double *grad)
{
  double r = k->ops.corr(k->d, x, z, k->ls, grad ? grad + 1 : NULL);
  if (grad) {
    grad[0] = k->constant * r;
    for (int64_t i = 0; i < k->n_ls; i++) grad[1 + i] *= k->constant;
    grad[1 + k->n_ls] = 0.0;
  }
  return k->constant * r;
}

void ms_kernel_scale(ms_kernel k, int64_t n, const double *X, double *Xs)
{
  for (int64_t i = 0; i < n; i++)
    for (int64_t f = 0; f < k->d; f++) Xs[i * k->d + f] = X[i * k->d + f] / k->ls[k->ops.ard ? f : 0];
}

double ms_kernel_diag(ms_kernel k) { return k->constant + k->noise; }
