/* linear.c - ordinary least squares ("linear") and ridge regression ("ridge").
 *
 *   linear   f(x) = w^T x + b, min ||y - Xw - b||^2                  (scikit-learn LinearRegression)
 *   ridge    f(x) = w^T x + b, min ||y - Xw - b||^2 + alpha ||w||^2  (scikit-learn Ridge; b unpenalised)
 *
 * Options:
 *   -ridge_alpha <1>              L2 penalty (>= 0)
 *   -linear_fit_intercept <true>  -ridge_fit_intercept <true>   fit b (else b = 0)
 *
 * Method. The training rows are sharded, so each rank forms its share of the centred
 * normal equations, G = Xc^T Xc and r = Xc^T yc (BLAS dsyrk/dgemv on the local rows, centred
 * as below, one Allreduce of the column means), and one Allreduce of d*(d+1) numbers gives every rank
 * the whole system; the intercept is then b = mean(y) - mean(x)^T w, which is exactly the
 * unpenalised intercept. Ridge solves (G + alpha I) w = r by Cholesky (LAPACKE dposv: SPD
 * for alpha > 0, the cheapest stable solver). OLS solves G w = r with LAPACKE dgelsd (SVD):
 * G is singular for collinear or constant columns or d > n, and the SVD then returns the
 * minimum-norm solution, the same one scikit-learn's lstsq gives. Forming G squares the
 * condition number (relative error ~ cond(X)^2 eps); for the tens to hundreds of
 * descriptors of materials data that is ~1e-10 or better, and it needs one reduction
 * instead of a distributed QR. Singular values of G below 1e-13 * max are treated as zero.
 * When G is well conditioned (Cholesky succeeds and LAPACK's dpocon estimate of its
 * reciprocal 1-norm condition exceeds MS_LINEAR_CHOL_RCOND, so no singular value is anywhere
 * near that cut: sigma_min / sigma_max >= rcond / (10 d) for the estimate's usual factor)
 * the system has a unique solution, and Cholesky (dpotrf/dpotrs) returns it at about 1/20 of
 * the SVD's cost; otherwise dgelsd as above. Both are backward stable: the coefficients
 * agree to ~cond(G) eps.
 *
 * Memory and passes: one pass over X. Each block of rows (about 512 kB) is centred about its
 * own mean into a cache-sized buffer and accumulated by dsyrk/dgemv; the blocks' means are
 * merged afterwards (Chan, Golub and LeVeque's pairwise update, one dsyrk over the block
 * means), which gives the Gram matrix about the global mean without a separate pass for the
 * mean and without a centred copy of X.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include <cblas.h>
#include <lapacke.h>
#include <math.h>

/* Numbers centred per BLAS call in fit (2^16 doubles = 512 kB): enough rows for dsyrk to run
   at full speed, small enough that the block stays in cache from its mean to dsyrk and costs
   few page faults in a fresh process. */
#define MS_LINEAR_BLOCK_DOUBLES ((int64_t)1 << 16)
/* Cholesky instead of the SVD when the estimated reciprocal condition of G exceeds this */
#define MS_LINEAR_CHOL_RCOND 1e-8

typedef struct {
  PetscBool ridge;
  double    alpha;
  PetscBool fit_intercept;
  int64_t   d;
  double   *coef;      /* d */
  double    intercept;
} ms_linear;

static PetscErrorCode ms_linear_setfromoptions(ms_model m)
{
  ms_linear *l = (ms_linear *)m->data;
  char       opt[64];

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, NULL, l->ridge ? "Ridge regression (-model ridge)" : "Linear least squares (-model linear)", NULL);
  if (l->ridge) {
    PetscCall(PetscOptionsReal("-ridge_alpha", "L2 penalty on the coefficients (intercept unpenalised), >= 0", NULL, l->alpha, &l->alpha, NULL));
  }
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s_fit_intercept", m->type));
  PetscCall(PetscOptionsBool(opt, "Fit an intercept (centre X and y first)", NULL, l->fit_intercept, &l->fit_intercept, NULL));
  PetscOptionsEnd();
  if (!(l->alpha >= 0.0)) SETERRQ(m->comm, MS_ERR_USER, "-ridge_alpha must be >= 0, got %g", l->alpha);
  PetscFunctionReturn(0);
}

/* Solve G w = r (G d x d symmetric positive semi-definite, row-major, destroyed; w holds r on
   entry) by Cholesky when G is well conditioned, else by dgelsd's minimum-norm solution. */
static PetscErrorCode ms_linear_solve_normal(ms_model m, int64_t d, double *G, double *w)
{
  double    *F, *s, anorm = 0.0, rcond = 0.0;
  lapack_int info, rank;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(d * d, &F, d, &s));
  PetscCall(PetscArraycpy(F, G, d * d));
  for (int64_t j = 0; j < d; j++) { /* 1-norm of the symmetric G: largest column sum */
    double c = 0.0;
    for (int64_t i = 0; i < d; i++) c += fabs(G[i * d + j]);
    anorm = PetscMax(anorm, c);
  }
  info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, F, (lapack_int)d);
  if (!info) info = LAPACKE_dpocon(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, F, (lapack_int)d, anorm, &rcond);
  if (!info && rcond > MS_LINEAR_CHOL_RCOND) {
    info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, 1, F, (lapack_int)d, w, 1);
    if (info) SETERRQ(m->comm, PETSC_ERR_LIB, "%s: dpotrs failed (info %d)", m->type, (int)info);
  } else {
    info = LAPACKE_dgelsd(LAPACK_ROW_MAJOR, (lapack_int)d, (lapack_int)d, 1, G, (lapack_int)d, w, 1, s, 1e-13, &rank);
    if (info) SETERRQ(m->comm, PETSC_ERR_LIB, "%s: the SVD of the normal equations did not converge (dgelsd info %d)", m->type, (int)info);
  }
  PetscCall(PetscFree2(F, s));
  PetscFunctionReturn(0);
}

/* One pass over the local rows: each block of B rows is centred about its own mean (in a
   cache-sized buffer) and added to G = sum Xc^T Xc and r = sum Xc^T yc; the blocks' means are
   kept (bm: n_blocks x (d + 1), last entry y) with their row counts for the correction to
   the global mean (ms_linear_fit). */
static void ms_linear_block_pass(const ms_dataset train, PetscBool centre, int64_t B, double *Xc, double *yc, double *G, double *bm,
                                 double *bn)
{
  const int64_t d = train->n_features, n = train->n_local;

  for (int64_t i0 = 0, blk = 0; i0 < n; i0 += B, blk++) {
    const int64_t b = PetscMin(B, n - i0);
    const double *X = train->X + i0 * d, *y = train->y + i0;
    double       *m = bm + blk * (d + 1);
    for (int64_t j = 0; j <= d; j++) m[j] = 0.0;
    if (centre) {
      for (int64_t i = 0; i < b; i++) {
        for (int64_t j = 0; j < d; j++) m[j] += X[i * d + j];
        m[d] += y[i];
      }
      for (int64_t j = 0; j <= d; j++) m[j] /= (double)b;
    }
    for (int64_t i = 0; i < b; i++) {
      for (int64_t j = 0; j < d; j++) Xc[i * d + j] = X[i * d + j] - m[j];
      yc[i] = y[i] - m[d];
    }
    bn[blk] = (double)b;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)b, 1.0, Xc, (int)d, 1.0, G, (int)d);
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)b, (int)d, 1.0, Xc, (int)d, yc, 1, 1.0, G + d * d, 1);
  }
}

static PetscErrorCode ms_linear_fit(ms_model m, ms_dataset train)
{
  ms_linear    *l = (ms_linear *)m->data;
  const int64_t d = train->n_features, n = train->n_local;
  const int64_t B = PetscMax((int64_t)16, MS_LINEAR_BLOCK_DOUBLES / PetscMax(d, (int64_t)1)), nb = (n + B - 1) / B;
  double       *mean, *G, *Xc, *yc, *bm, *bn, ymean;
  lapack_int    info;

  PetscFunctionBegin;
  PetscCall(PetscFree(l->coef));
  l->d = d;
  PetscCall(PetscCalloc1(d, &l->coef));
  /* G (d*d) and r (d) travel in one buffer; the extra memory is O(B d), not a copy of X. */
  PetscCall(PetscCalloc2(d * d + d, &G, d + 1, &mean));
  PetscCall(PetscMalloc4(B * d, &Xc, B, &yc, nb * (d + 1) + 1, &bm, nb + 1, &bn));
  ms_linear_block_pass(train, l->fit_intercept, B, Xc, yc, G, bm, bn);
  if (l->fit_intercept) {
    /* Global means from the block means, then Chan et al.'s merge: with D's rows
       sqrt(n_b) (m_b - m), sum over blocks of the Gram about the block mean plus D^T D is the
       Gram about the global mean, without the cancellation of sum x x^T - n m m^T. */
    for (int64_t b = 0; b < nb; b++)
      for (int64_t j = 0; j <= d; j++) mean[j] += bn[b] * bm[b * (d + 1) + j];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mean, (int)(d + 1), MPI_DOUBLE, MPI_SUM, train->comm));
    for (int64_t j = 0; j <= d; j++) mean[j] /= (double)train->n_global;
    for (int64_t b = 0; b < nb; b++) {
      const double w = sqrt(bn[b]);
      for (int64_t j = 0; j <= d; j++) bm[b * (d + 1) + j] = w * (bm[b * (d + 1) + j] - mean[j]);
    }
    if (nb > 0) {
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)nb, 1.0, bm, (int)(d + 1), 1.0, G, (int)d);
      cblas_dgemv(CblasRowMajor, CblasTrans, (int)nb, (int)d, 1.0, bm, (int)(d + 1), bm + d, (int)(d + 1), 1.0, G + d * d, 1);
    }
  }
  ymean = mean[d];
  PetscCall(PetscFree4(Xc, yc, bm, bn));
  for (int64_t i = 0; i < d; i++)
    for (int64_t j = 0; j < i; j++) G[i * d + j] = G[j * d + i];
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, G, (int)(d * d + d), MPI_DOUBLE, MPI_SUM, train->comm));
  PetscCall(PetscArraycpy(l->coef, G + d * d, d));
  if (l->ridge && l->alpha > 0.0) {
    for (int64_t j = 0; j < d; j++) G[j * d + j] += l->alpha;
    info = LAPACKE_dposv(LAPACK_ROW_MAJOR, 'U', (lapack_int)d, 1, G, (lapack_int)d, l->coef, 1);
    if (info) SETERRQ(m->comm, PETSC_ERR_LIB, "ridge: the regularised Gram matrix is not positive definite (dposv info %d)", (int)info);
  } else PetscCall(ms_linear_solve_normal(m, d, G, l->coef));
  l->intercept = ymean;
  for (int64_t j = 0; j < d; j++) l->intercept -= mean[j] * l->coef[j];
  PetscCall(PetscFree2(G, mean));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_predict(ms_model m, ms_dataset X, double *y)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  for (int64_t i = 0; i < X->n_local; i++) y[i] = l->intercept;
  if (X->n_local > 0)
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)X->n_local, (int)l->d, 1.0, X->X, (int)l->d, l->coef, 1, 1.0, y, 1);
  PetscFunctionReturn(0);
}

/* The coefficients (in the scaled feature space): one row. */
static PetscErrorCode ms_linear_importances(ms_model m, int64_t *n_rows, double **imp)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  *n_rows = 1;
  PetscCall(PetscMalloc1(l->d, imp));
  PetscCall(PetscArraycpy(*imp, l->coef, l->d));
  PetscFunctionReturn(0);
}

/* Coefficients by feature (scaled feature space) and the intercept. */
static PetscErrorCode ms_linear_terms(ms_model m, ms_model_terms t)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  for (int64_t j = 0; j < l->d; j++) PetscCall(ms_model_terms_add(t, "coef", NULL, m->feature_names[j], l->coef[j]));
  PetscCall(ms_model_terms_add(t, "intercept", NULL, NULL, l->intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_save(ms_model m, hid_t group)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  PetscCall(ms_h5_write_rows_double(group, "coef", l->d, 0, l->d, 0, l->coef));
  PetscCall(ms_h5_attr_set_double(group, "intercept", l->intercept));
  PetscCall(ms_h5_attr_set_double(group, "alpha", l->ridge ? l->alpha : 0.0));
  PetscCall(ms_h5_attr_set_int(group, "fit_intercept", l->fit_intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_load(ms_model m, hid_t group)
{
  ms_linear *l = (ms_linear *)m->data;
  int64_t    fi;

  PetscFunctionBegin;
  l->d = m->n_features;
  PetscCall(PetscFree(l->coef));
  PetscCall(PetscMalloc1(l->d, &l->coef));
  PetscCall(ms_h5_read_rows_double(group, "coef", 0, l->d, 0, l->coef));
  PetscCall(ms_h5_attr_get_double(group, "intercept", &l->intercept));
  PetscCall(ms_h5_attr_get_double(group, "alpha", &l->alpha));
  PetscCall(ms_h5_attr_get_int(group, "fit_intercept", &fi));
  l->fit_intercept = fi ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_view(ms_model m, PetscViewer v)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  if (l->ridge) PetscCall(PetscViewerASCIIPrintf(v, "ridge regression, alpha %g, %" PRId64 " features, intercept %g\n", l->alpha, l->d, l->intercept));
  else PetscCall(PetscViewerASCIIPrintf(v, "linear least squares, %" PRId64 " features, intercept %g\n", l->d, l->intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_destroy(ms_model m)
{
  ms_linear *l = (ms_linear *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscFree(l->coef));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_linear_create(ms_model m, PetscBool ridge)
{
  ms_linear *l;

  PetscFunctionBegin;
  PetscCall(PetscNew(&l));
  l->ridge             = ridge;
  l->alpha             = ridge ? 1.0 : 0.0;
  l->fit_intercept     = PETSC_TRUE;
  m->data              = l;
  m->supports          = MS_MODEL_REGRESSION;
  m->ops.setfromoptions = ms_linear_setfromoptions;
  m->ops.fit           = ms_linear_fit;
  m->ops.predict       = ms_linear_predict;
  m->ops.importances   = ms_linear_importances;
  m->ops.save          = ms_linear_save;
  m->ops.load          = ms_linear_load;
  m->ops.view          = ms_linear_view;
  m->ops.terms         = ms_linear_terms;
  m->ops.destroy       = ms_linear_destroy;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_linear(ms_model m)
{
  PetscFunctionBegin;
  PetscCall(ms_linear_create(m, PETSC_FALSE));
  m->summary = "ordinary least squares (regression)";
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_ridge(ms_model m)
{
  PetscFunctionBegin;
  PetscCall(ms_linear_create(m, PETSC_TRUE));
  m->summary = "least squares with an L2 penalty, -ridge_alpha (regression)";
  PetscFunctionReturn(0);
}
