/* gnb.c - Gaussian naive Bayes, the model "gnb" (scikit-learn's GaussianNB).
 *
 * Options (defaults as in scikit-learn):
 *   -gnb_var_smoothing <1e-9>   added to every variance, as a fraction of the largest
 *                               feature variance of the training data (>= 0)
 *
 * Model: p(c | x) ~ p(c) prod_j N(x_j; mu_cj, var_cj + eps), with the class priors p(c) the
 * class frequencies of the training rows and eps = var_smoothing * max_j var(x_j), the
 * seed's classifier of Table 4.7 at library defaults. Classification only.
 *
 * Method. The training rows are sharded: each rank adds its rows' per-class counts, sums
 * and squared deviations, and one MPI_Allreduce of K (2d + 1) + 2d numbers gives every rank
 * the whole model. The sums are taken in two passes (means, then squared deviations from
 * them), not as sum x^2 - n mean^2, which cancels catastrophically for features with a
 * large offset (spectra intensities, temperatures in K). predict_proba normalises the joint
 * log-likelihoods with log-sum-exp.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include <math.h>

typedef struct {
  double  var_smoothing;
  int64_t K, d;
  double *prior;   /* K */
  double *mean;    /* K x d */
  double *var;     /* K x d, smoothing included */
  double  epsilon; /* the smoothing added */
} gnb_ctx;

static PetscErrorCode gnb_clear(gnb_ctx *c)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree3(c->prior, c->mean, c->var));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_alloc(gnb_ctx *c, int64_t K, int64_t d)
{
  PetscFunctionBeginUser;
  PetscCall(gnb_clear(c));
  c->K = K;
  c->d = d;
  PetscCall(PetscCalloc3(K, &c->prior, K * d, &c->mean, K * d, &c->var));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_fit(ms_model m, ms_dataset train)
{
  gnb_ctx      *c = (gnb_ctx *)m->data;
  const int64_t K = m->n_classes, d = train->n_features, n = train->n_local;
  double       *cnt, *all, *allvar, maxvar = 0.0;

  PetscFunctionBeginUser;
  PetscCall(gnb_alloc(c, K, d));
  /* Pass 1: per-class counts and sums, and the whole-table sums (for the smoothing). */
  PetscCall(PetscCalloc3(K, &cnt, 2 * d, &all, d, &allvar));
  for (int64_t i = 0; i < n; i++) {
    const int64_t k = train->labels[i];
    const double *x = train->X + i * d;
    cnt[k] += 1.0;
    for (int64_t j = 0; j < d; j++) {
      c->mean[k * d + j] += x[j];
      all[j] += x[j];
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)K, MPI_DOUBLE, MPI_SUM, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->mean, (int)(K * d), MPI_DOUBLE, MPI_SUM, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, all, (int)d, MPI_DOUBLE, MPI_SUM, train->comm));
  for (int64_t k = 0; k < K; k++) {
    if (cnt[k] == 0.0) SETERRQ(train->comm, MS_ERR_USER, "gnb: class '%s' has no training rows", m->class_names[k]);
    for (int64_t j = 0; j < d; j++) c->mean[k * d + j] /= cnt[k];
  }
  for (int64_t j = 0; j < d; j++) all[j] /= (double)train->n_global;
  /* Pass 2: squared deviations from the class means and from the column means. */
  for (int64_t i = 0; i < n; i++) {
    const int64_t k = train->labels[i];
    const double *x = train->X + i * d;
    for (int64_t j = 0; j < d; j++) {
      const double u = x[j] - c->mean[k * d + j], v = x[j] - all[j];
      c->var[k * d + j] += u * u;
      allvar[j] += v * v;
    }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, c->var, (int)(K * d), MPI_DOUBLE, MPI_SUM, train->comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, allvar, (int)d, MPI_DOUBLE, MPI_SUM, train->comm));
  for (int64_t j = 0; j < d; j++) maxvar = PetscMax(maxvar, allvar[j] / (double)train->n_global);
  c->epsilon = c->var_smoothing * maxvar;
  for (int64_t k = 0; k < K; k++) {
    c->prior[k] = cnt[k] / (double)train->n_global;
    for (int64_t j = 0; j < d; j++) c->var[k * d + j] = c->var[k * d + j] / cnt[k] + c->epsilon;
  }
  for (int64_t k = 0; k < K * d; k++)
    if (!(c->var[k] > 0.0))
      SETERRQ(train->comm, MS_ERR_USER, "gnb: a feature has zero variance within class '%s' and -gnb_var_smoothing is 0; set it > 0",
              m->class_names[k / d]);
  PetscCall(PetscFree3(cnt, all, allvar));
  PetscFunctionReturn(0);
}

/* Joint log-likelihood of each local row and class, normalised to probabilities. */
static PetscErrorCode gnb_predict_proba(ms_model m, ms_dataset X, double *P)
{
  gnb_ctx      *c = (gnb_ctx *)m->data;
  const int64_t K = c->K, d = c->d;
  double       *lognorm;

  PetscFunctionBeginUser;
  if (!c->mean) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "gnb: the model is not fitted");
  PetscCall(PetscMalloc1(K, &lognorm));
  for (int64_t k = 0; k < K; k++) {
    lognorm[k] = log(c->prior[k]);
    for (int64_t j = 0; j < d; j++) lognorm[k] -= 0.5 * log(2.0 * M_PI * c->var[k * d + j]);
  }
  #pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < X->n_local; i++) {
    const double *x = X->X + i * d;
    double       *p = P + i * K, mx = -INFINITY, s = 0.0;
    for (int64_t k = 0; k < K; k++) {
      double q = 0.0;
      for (int64_t j = 0; j < d; j++) {
        const double u = x[j] - c->mean[k * d + j];
        q += u * u / c->var[k * d + j];
      }
      p[k] = lognorm[k] - 0.5 * q;
      mx = PetscMax(mx, p[k]);
    }
    for (int64_t k = 0; k < K; k++) s += (p[k] = exp(p[k] - mx));
    for (int64_t k = 0; k < K; k++) p[k] /= s;
  }
  PetscCall(PetscFree(lognorm));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_predict(ms_model m, ms_dataset X, double *y)
{
  const int64_t K = m->n_classes;
  double       *P;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(X->n_local * K + 1, &P));
  PetscCall(gnb_predict_proba(m, X, P));
  for (int64_t i = 0; i < X->n_local; i++) {
    int64_t best = 0;
    for (int64_t k = 1; k < K; k++)
      if (P[i * K + k] > P[i * K + best]) best = k;
    y[i] = (double)best;
  }
  PetscCall(PetscFree(P));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_setfromoptions(ms_model m)
{
  gnb_ctx *c = (gnb_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "Gaussian naive Bayes (-model gnb)", "ms_model");
  PetscCall(PetscOptionsReal("-gnb_var_smoothing", "Variance added to every class variance, as a fraction of the largest feature variance (>= 0)",
                             NULL, c->var_smoothing, &c->var_smoothing, NULL));
  PetscOptionsEnd();
  if (!(c->var_smoothing >= 0.0) || !isfinite(c->var_smoothing))
    SETERRQ(m->comm, MS_ERR_USER, "-gnb_var_smoothing must be a finite number >= 0, got %g", c->var_smoothing);
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_save(ms_model m, hid_t group)
{
  gnb_ctx *c = (gnb_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_set_double(group, "var_smoothing", c->var_smoothing));
  PetscCall(ms_h5_attr_set_double(group, "epsilon", c->epsilon));
  PetscCall(ms_h5_write_rows_double(group, "class_prior", c->K, 0, c->K, 0, c->prior));
  PetscCall(ms_h5_write_rows_double(group, "theta", c->K, 0, c->K, c->d, c->mean));
  PetscCall(ms_h5_write_rows_double(group, "var", c->K, 0, c->K, c->d, c->var));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_load(ms_model m, hid_t group)
{
  gnb_ctx *c = (gnb_ctx *)m->data;
  int64_t  dims[3];
  int      rank;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_get_double(group, "var_smoothing", &c->var_smoothing));
  PetscCall(ms_h5_attr_get_double(group, "epsilon", &c->epsilon));
  PetscCall(ms_h5_dataset_shape(group, "theta", &rank, dims));
  if (rank != 2 || dims[0] != m->n_classes || dims[1] != m->n_features)
    SETERRQ(m->comm, MS_ERR_READ, "gnb model: theta must be %" PetscInt64_FMT " x %" PetscInt64_FMT, (PetscInt64)m->n_classes,
            (PetscInt64)m->n_features);
  PetscCall(gnb_alloc(c, m->n_classes, m->n_features));
  PetscCall(ms_h5_read_rows_double(group, "class_prior", 0, c->K, 0, c->prior));
  PetscCall(ms_h5_read_rows_double(group, "theta", 0, c->K, c->d, c->mean));
  PetscCall(ms_h5_read_rows_double(group, "var", 0, c->K, c->d, c->var));
  for (int64_t k = 0; k < c->K * c->d; k++)
    if (!(c->var[k] > 0.0)) SETERRQ(m->comm, MS_ERR_READ, "gnb model: a stored variance is not positive");
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_view(ms_model m, PetscViewer viewer)
{
  gnb_ctx *c = (gnb_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "Gaussian naive Bayes: var_smoothing %g (epsilon %.3g)\n", c->var_smoothing, c->epsilon));
  for (int64_t k = 0; c->prior && k < c->K; k++)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  class %s: prior %.4f\n", m->class_names[k], c->prior[k]));
  PetscFunctionReturn(0);
}

static PetscErrorCode gnb_destroy(ms_model m)
{
  PetscFunctionBeginUser;
  if (m->data) PetscCall(gnb_clear((gnb_ctx *)m->data));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_gnb(ms_model m)
{
  gnb_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->var_smoothing = 1e-9;
  m->data = c;
  m->supports = MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = gnb_setfromoptions;
  m->ops.fit = gnb_fit;
  m->ops.predict = gnb_predict;
  m->ops.predict_proba = gnb_predict_proba;
  m->ops.save = gnb_save;
  m->ops.load = gnb_load;
  m->ops.view = gnb_view;
  m->ops.destroy = gnb_destroy;
  PetscFunctionReturn(0);
}
