/* gpr.c - Gaussian process regression ("gpr"): the ms_model face of ml/ms_gpr.h.
 *
 * Kernel: ConstantKernel(c) * R(length_scale) + WhiteKernel(noise) as in scikit-learn, R
 * from ml/ms_kernel.h. Hyperparameters are fitted by maximising the log marginal
 * likelihood with analytic gradients (PETSc TAO, bounds in log space), with restarts.
 *
 * Options (defaults):
 *   -gpr_kernel <rbf>            rbf | rbf_ard | matern32 | matern32_ard | matern52 | matern52_ard
 *   -gpr_length_scale <1>        initial length scale; one value, or one per feature (ARD)
 *   -gpr_constant <1>            initial constant c
 *   -gpr_noise <1>               initial white-noise level
 *   -gpr_bounds <1e-5,1e5>       lower,upper bound of every hyperparameter (searched in log space)
 *   -gpr_restarts <0>            extra optimiser starts, log-uniform in the bounds (sklearn's n_restarts_optimizer)
 *   -gpr_optimize <true>         fit the hyperparameters (false: keep the initial ones)
 *   -gpr_normalize_y <true>      standardise y before the fit. NOTE: sklearn's default is False;
 *                                pass normalize_y=True to sklearn when comparing
 *   -gpr_alpha <1e-10>           jitter added to the training covariance diagonal (sklearn's alpha)
 *   -gpr_scalapack_min_n <2000>  from this many training rows on, with >1 rank, factorizations are
 *                                spread over all ranks with ScaLAPACK and restarts run in sequence;
 *                                below, restart r runs on rank r mod P with LAPACKE
 *   -gpr_grid <auto>             ScaLAPACK grid: auto (near-square, 1 x P on 2 ranks) | row | col
 *   -gpr_scalapack_nb <64>       ScaLAPACK block size
 *   -gpr_tao_type <blmvm>        TAO bound-constrained quasi-Newton: blmvm | bqnls
 *   -gpr_max_it <1000>           optimiser iterations per start
 *   -gpr_gtol <1e-5>             stop when the projected gradient's largest entry is <= this (L-BFGS-B's pgtol)
 *   -gpr_ftol <2.2e-9>           stop when an iteration reduces -LML by <= this, relative (L-BFGS-B's factr * eps)
 * The restart streams come from (-seed, restart index), so a fit is the same on any P.
 *
 * Saved state (HDF5 group): attributes kernel, constant, noise, jitter, normalize_y,
 * y_mean, y_std, log_marginal_likelihood; datasets length_scale, x_train (n x d, scaled
 * features), y_train (normalised), alpha (K^{-1} y). The Cholesky factor is recomputed at
 * load (O(n^3), the same cost as one LML evaluation of the fit).
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_gpr.h"
#include "ms_h5.h"
#include <math.h>

#define MS_GPR_MAX_LS 4096

typedef struct {
  char      kernel[32];
  PetscReal ls[MS_GPR_MAX_LS];
  PetscInt  n_ls;
  PetscReal constant, noise, bounds[2], jitter, gtol, ftol;
  PetscInt  restarts, scalapack_min_n, nb, max_it;
  PetscBool optimize, normalize_y;
  ms_grid_shape grid;
  char      tao[16];
  ms_gpr    gp;
} ms_gpr_model;

static PetscErrorCode ms_gpr_model_setfromoptions(ms_model m)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;
  PetscInt      kidx = 0, nbounds = 2, nk = 0, nls = MS_GPR_MAX_LS;
  PetscBool     set;
  const char   *taos[] = {TAOBLMVM, TAOBQNLS};
  PetscInt      tidx = 0;

  PetscFunctionBeginUser;
  while (ms_kernel_types[nk]) nk++;
  for (PetscInt i = 0; i < nk; i++)
    if (!strcmp(g->kernel, ms_kernel_types[i])) kidx = i;
  PetscOptionsBegin(m->comm, NULL, "Gaussian process regression (-model gpr)", NULL);
  PetscCall(PetscOptionsEList("-gpr_kernel", "Kernel: constant * correlation + white noise", NULL, ms_kernel_types, nk,
                              ms_kernel_types[kidx], &kidx, NULL));
  PetscCall(PetscOptionsRealArray("-gpr_length_scale", "Initial length scale (one value, or one per feature for *_ard)", NULL,
                                  g->ls, &nls, &set));
  if (set) g->n_ls = nls; /* PETSc reports 0 values when the option is absent */
  PetscCall(PetscOptionsReal("-gpr_constant", "Initial constant (signal variance) c", NULL, g->constant, &g->constant, NULL));
  PetscCall(PetscOptionsReal("-gpr_noise", "Initial white-noise level", NULL, g->noise, &g->noise, NULL));
  PetscCall(PetscOptionsRealArray("-gpr_bounds", "lower,upper bound of every hyperparameter (log-space search)", NULL, g->bounds,
                                  &nbounds, &set));
  if (!set) nbounds = 2;
  PetscCall(PetscOptionsInt("-gpr_restarts", "Extra optimiser starts, log-uniform in the bounds", NULL, g->restarts, &g->restarts, NULL));
  PetscCall(PetscOptionsBool("-gpr_optimize", "Fit the hyperparameters by maximising the LML", NULL, g->optimize, &g->optimize, NULL));
  PetscCall(PetscOptionsBool("-gpr_normalize_y", "Standardise y before the fit (sklearn default: false)", NULL, g->normalize_y,
                             &g->normalize_y, NULL));
  PetscCall(PetscOptionsReal("-gpr_alpha", "Jitter on the training covariance diagonal", NULL, g->jitter, &g->jitter, NULL));
  PetscCall(PetscOptionsInt("-gpr_scalapack_min_n", "Training rows from which ScaLAPACK spreads each factorization over the ranks",
                            NULL, g->scalapack_min_n, &g->scalapack_min_n, NULL));
  PetscCall(PetscOptionsEnum("-gpr_grid", "ScaLAPACK process grid: auto, row (1 x P), col (P x 1)", NULL, ms_grid_shape_names,
                             (PetscEnum)g->grid, (PetscEnum *)&g->grid, NULL));
  PetscCall(PetscOptionsInt("-gpr_scalapack_nb", "ScaLAPACK block size", NULL, g->nb, &g->nb, NULL));
  for (int i = 0; i < 2; i++)
    if (!strcmp(g->tao, taos[i])) tidx = i;
  PetscCall(PetscOptionsEList("-gpr_tao_type", "TAO bound-constrained quasi-Newton method", NULL, taos, 2, taos[tidx], &tidx, NULL));
  PetscCall(PetscOptionsInt("-gpr_max_it", "Optimiser iterations per start", NULL, g->max_it, &g->max_it, NULL));
  PetscCall(PetscOptionsReal("-gpr_gtol", "Stop when the projected LML gradient's largest entry is <= this (scipy L-BFGS-B gtol)", NULL,
                             g->gtol, &g->gtol, NULL));
  PetscCall(PetscOptionsReal("-gpr_ftol", "Stop when an iteration improves the LML by <= this, relative (scipy L-BFGS-B ftol)", NULL,
                             g->ftol, &g->ftol, NULL));
  PetscOptionsEnd();
  if (g->max_it < 1) SETERRQ(m->comm, MS_ERR_USER, "-gpr_max_it must be >= 1, got %d", (int)g->max_it);
  if (!(g->gtol >= 0) || !(g->ftol >= 0))
    SETERRQ(m->comm, MS_ERR_USER, "-gpr_gtol and -gpr_ftol must be >= 0, got %g and %g", g->gtol, g->ftol);
  PetscCall(PetscStrncpy(g->kernel, ms_kernel_types[kidx], sizeof(g->kernel)));
  PetscCall(PetscStrncpy(g->tao, taos[tidx], sizeof(g->tao)));
  if (nbounds != 2) SETERRQ(m->comm, MS_ERR_USER, "-gpr_bounds needs two values lo,hi, got %d", (int)nbounds);
  if (!(g->bounds[0] > 0 && g->bounds[1] > g->bounds[0]))
    SETERRQ(m->comm, MS_ERR_USER, "-gpr_bounds must satisfy 0 < lo < hi, got %g,%g", g->bounds[0], g->bounds[1]);
  if (!(g->constant > 0) || !(g->noise > 0)) SETERRQ(m->comm, MS_ERR_USER, "-gpr_constant and -gpr_noise must be > 0");
  for (PetscInt i = 0; i < g->n_ls; i++)
    if (!(g->ls[i] > 0)) SETERRQ(m->comm, MS_ERR_USER, "-gpr_length_scale entry %d is %g; length scales must be > 0", (int)i, g->ls[i]);
  if (g->restarts < 0) SETERRQ(m->comm, MS_ERR_USER, "-gpr_restarts must be >= 0, got %d", (int)g->restarts);
  if (!(g->jitter >= 0)) SETERRQ(m->comm, MS_ERR_USER, "-gpr_alpha must be >= 0, got %g", g->jitter);
  if (g->nb < 1) SETERRQ(m->comm, MS_ERR_USER, "-gpr_scalapack_nb must be >= 1, got %d", (int)g->nb);
  PetscFunctionReturn(0);
}

/* A gp with the model's settings and initial hyperparameters for d features. */
static PetscErrorCode ms_gpr_model_make(ms_model m, MPI_Comm comm, int64_t d, ms_gpr *gp)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;
  ms_kernel     k;

  PetscFunctionBeginUser;
  PetscCall(ms_kernel_create(g->kernel, d, &k));
  if (g->n_ls != 1 && g->n_ls != k->n_ls) {
    int64_t need = k->n_ls;
    PetscCall(ms_kernel_destroy(&k));
    SETERRQ(comm, MS_ERR_USER, "-gpr_length_scale has %d values; kernel %s on %" PRId64 " features needs 1%s%s", (int)g->n_ls,
            g->kernel, d, need > 1 ? " or " : "", need > 1 ? "one per feature" : "");
  }
  for (int64_t i = 0; i < k->n_ls; i++) k->ls[i] = g->ls[g->n_ls == 1 ? 0 : i];
  k->constant = g->constant;
  k->noise    = g->noise;
  PetscCall(ms_gpr_create(comm, k, gp));
  (*gp)->jitter          = g->jitter;
  (*gp)->normalize_y     = g->normalize_y;
  (*gp)->scalapack_min_n = g->scalapack_min_n;
  (*gp)->grid_shape      = g->grid;
  (*gp)->nb              = (int)g->nb;
  (*gp)->max_it          = g->max_it;
  (*gp)->gtol            = g->gtol;
  (*gp)->ftol            = g->ftol;
  PetscCall(PetscStrncpy((*gp)->tao_type, g->tao, sizeof((*gp)->tao_type)));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_fit(ms_model m, ms_dataset train)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;
  ms_dataset    rep;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_destroy(&g->gp));
  PetscCall(ms_gpr_model_make(m, train->comm, train->n_features, &g->gp));
  /* every rank needs all training rows: kernel entries pair arbitrary rows */
  PetscCall(ms_dataset_allgather(train, &rep));
  PetscCall(ms_gpr_set_data(g->gp, rep->n_global, rep->n_features, rep->X, rep->y));
  PetscCall(ms_dataset_destroy(&rep));
  if (g->optimize) PetscCall(ms_gpr_optimize(g->gp, g->restarts, m->seed, g->bounds[0], g->bounds[1]));
  else PetscCall(ms_gpr_factor(g->gp));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_predict(ms_model m, ms_dataset X, double *y)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_predict_mean(g->gp, X->n_local, X->X, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_predict_std(ms_model m, ms_dataset X, double *std)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_predict_std(g->gp, X->n_local, X->X, std));
  PetscFunctionReturn(0);
}

/* one kernel block per query chunk serves the mean and the triangular solve of the std */
static PetscErrorCode ms_gpr_model_predict_mean_std(ms_model m, ms_dataset X, double *y, double *std)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_predict_mean_std(g->gp, X->n_local, X->X, y, std));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_save(ms_model m, hid_t group)
{
  ms_gpr_model *g  = (ms_gpr_model *)m->data;
  ms_gpr        gp = g->gp;
  ms_kernel     k  = gp->kernel;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_set_string(group, "kernel", k->ops.name));
  PetscCall(ms_h5_attr_set_double(group, "constant", k->constant));
  PetscCall(ms_h5_attr_set_double(group, "noise", k->noise));
  PetscCall(ms_h5_attr_set_double(group, "jitter", gp->jitter));
  PetscCall(ms_h5_attr_set_int(group, "normalize_y", gp->normalize_y));
  PetscCall(ms_h5_attr_set_double(group, "y_mean", gp->y_mean));
  PetscCall(ms_h5_attr_set_double(group, "y_std", gp->y_std));
  PetscCall(ms_h5_attr_set_double(group, "log_marginal_likelihood", gp->lml));
  PetscCall(ms_h5_write_rows_double(group, "length_scale", k->n_ls, 0, k->n_ls, 0, k->ls));
  PetscCall(ms_h5_write_rows_double(group, "x_train", gp->n, 0, gp->n, gp->d, gp->X));
  PetscCall(ms_h5_write_rows_double(group, "y_train", gp->n, 0, gp->n, 0, gp->y));
  PetscCall(ms_h5_write_rows_double(group, "alpha", gp->n, 0, gp->n, 0, gp->alpha));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_load(ms_model m, hid_t group)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;
  char         *kname;
  int           rank;
  int64_t       dims[3], nz;
  double       *X, *y, ym, ys;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_get_string(group, "kernel", &kname));
  PetscCall(PetscStrncpy(g->kernel, kname, sizeof(g->kernel)));
  PetscCall(PetscFree(kname));
  PetscCall(ms_h5_attr_get_double(group, "constant", &g->constant));
  PetscCall(ms_h5_attr_get_double(group, "noise", &g->noise));
  PetscCall(ms_h5_attr_get_double(group, "jitter", &g->jitter));
  PetscCall(ms_h5_attr_get_int(group, "normalize_y", &nz));
  g->normalize_y = nz ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(ms_h5_attr_get_double(group, "y_mean", &ym));
  PetscCall(ms_h5_attr_get_double(group, "y_std", &ys));
  PetscCall(ms_h5_dataset_shape(group, "length_scale", &rank, dims));
  if (dims[0] < 1 || dims[0] > MS_GPR_MAX_LS) SETERRQ(m->comm, MS_ERR_READ, "gpr model: bad length_scale dataset (%" PRId64 " values)", dims[0]);
  g->n_ls = (PetscInt)dims[0];
  PetscCall(ms_h5_read_rows_double(group, "length_scale", 0, dims[0], 0, g->ls));
  PetscCall(ms_h5_dataset_shape(group, "x_train", &rank, dims));
  if (rank != 2 || dims[1] != m->n_features)
    SETERRQ(m->comm, MS_ERR_READ, "gpr model: x_train must be n x %" PRId64 " (the model's features)", m->n_features);
  PetscCall(PetscMalloc2(dims[0] * dims[1], &X, dims[0], &y));
  PetscCall(ms_h5_read_rows_double(group, "x_train", 0, dims[0], dims[1], X));
  PetscCall(ms_h5_read_rows_double(group, "y_train", 0, dims[0], 0, y));
  PetscCall(ms_gpr_destroy(&g->gp));
  PetscCall(ms_gpr_model_make(m, m->comm, dims[1], &g->gp));
  PetscCall(ms_gpr_set_data_normalized(g->gp, dims[0], dims[1], X, y, ym, ys));
  PetscCall(PetscFree2(X, y));
  PetscCall(ms_gpr_factor(g->gp));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_view(ms_model m, PetscViewer v)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;
  ms_gpr        gp = g->gp;

  PetscFunctionBeginUser;
  if (!gp) {
    PetscCall(PetscViewerASCIIPrintf(v, "GPR, kernel %s (not fitted)\n", g->kernel));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "GPR on %" PRId64 " points: %.6g * %s(length_scale", gp->n, gp->kernel->constant, gp->kernel->ops.name));
  for (int64_t i = 0; i < gp->kernel->n_ls; i++) PetscCall(PetscViewerASCIIPrintf(v, "%s%.6g", i ? "," : " ", gp->kernel->ls[i]));
  PetscCall(PetscViewerASCIIPrintf(v, ") + white(%.6g), log marginal likelihood %.6f, %s factor", gp->kernel->noise, gp->lml,
                                   gp->grid ? "ScaLAPACK" : "LAPACKE"));
  if (gp->best_restart >= 0) PetscCall(PetscViewerASCIIPrintf(v, ", best of %" PRId64 " starts: %" PRId64, gp->n_restarts_run, gp->best_restart));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscFunctionReturn(0);
}

/* Kernel hyperparameters: amplitude c, one length scale per feature (ARD) or one for all,
 * white-noise level; all in the scaled feature space and for the (normalised) target. */
static PetscErrorCode ms_gpr_model_terms(ms_model m, ms_model_terms t)
{
  ms_gpr gp = ((ms_gpr_model *)m->data)->gp;

  PetscFunctionBeginUser;
  if (!gp) PetscFunctionReturn(0);
  PetscCall(ms_model_terms_add(t, "amplitude", NULL, NULL, gp->kernel->constant));
  for (int64_t i = 0; i < gp->kernel->n_ls; i++)
    PetscCall(ms_model_terms_add(t, "length_scale", NULL, gp->kernel->n_ls == 1 ? "(all features)" : m->feature_names[i], gp->kernel->ls[i]));
  PetscCall(ms_model_terms_add(t, "noise", NULL, NULL, gp->kernel->noise));
  PetscCall(ms_model_terms_add(t, "log_marginal_likelihood", NULL, NULL, gp->lml));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_model_destroy(ms_model m)
{
  ms_gpr_model *g = (ms_gpr_model *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_destroy(&g->gp));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_gpr(ms_model m)
{
  ms_gpr_model *g;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&g));
  m->summary = "Gaussian process with fitted kernel hyperparameters; predicts a std (regression)";
  PetscCall(PetscStrncpy(g->kernel, "rbf", sizeof(g->kernel)));
  PetscCall(PetscStrncpy(g->tao, TAOBLMVM, sizeof(g->tao)));
  g->ls[0]           = 1.0;
  g->n_ls            = 1;
  g->constant        = 1.0;
  g->noise           = 1.0;
  g->bounds[0]       = 1e-5;
  g->bounds[1]       = 1e5;
  g->jitter          = 1e-10;
  g->restarts        = 0;
  g->optimize        = PETSC_TRUE;
  g->normalize_y     = PETSC_TRUE;
  g->scalapack_min_n = MS_GPR_SCALAPACK_MIN_N_DEFAULT;
  g->nb              = MS_SCALAPACK_NB_DEFAULT;
  g->max_it          = 1000;
  g->gtol            = MS_GPR_GTOL_DEFAULT;
  g->ftol            = MS_GPR_FTOL_DEFAULT;
  g->grid            = MS_GRID_AUTO;
  m->data                = g;
  m->supports            = MS_MODEL_REGRESSION;
  m->ops.setfromoptions  = ms_gpr_model_setfromoptions;
  m->ops.fit             = ms_gpr_model_fit;
  m->ops.predict         = ms_gpr_model_predict;
  m->ops.predict_std     = ms_gpr_model_predict_std;
  m->ops.predict_mean_std = ms_gpr_model_predict_mean_std;
  m->ops.save            = ms_gpr_model_save;
  m->ops.load            = ms_gpr_model_load;
  m->ops.view            = ms_gpr_model_view;
  m->ops.terms           = ms_gpr_model_terms;
  m->ops.destroy         = ms_gpr_model_destroy;
  PetscFunctionReturn(0);
}
