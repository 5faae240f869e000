/* sims_pca.c - PCA of reference spectra: top peaks by |loading| per component (Table 4.6A/B)
 * and the 95 % confidence-region test of new spectra (spec.md 2(c), "PCA mixture test"). */
#include "ms_sims.h"
#include <math.h>

PetscErrorCode ms_sims_top_indices(int64_t d, const double *v, int64_t top, int64_t *idx)
{
  PetscBool *used;

  PetscFunctionBeginUser;
  /* top is small (15): selection by repeated scans keeps ties in index order */
  PetscCall(PetscCalloc1(d, &used));
  for (int64_t t = 0; t < top; t++) {
    int64_t best = -1;
    for (int64_t j = 0; j < d; j++)
      if (!used[j] && (best < 0 || v[j] > v[best])) best = j;
    idx[t]     = best;
    used[best] = PETSC_TRUE;
  }
  PetscCall(PetscFree(used));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_pca(ms_pca p, ms_dataset ref, ms_dataset new_rows, int64_t top, double level, ms_sims_pca_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCheck(level > 0 && level < 1, ref->comm, MS_ERR_USER, "sims pca: the confidence level must lie in (0, 1), got %g", level);
  PetscCall(ms_pca_fit_dataset(p, ref));
  r->k   = p->k;
  r->top = PetscMin(top, p->d);
  PetscCall(PetscMalloc1(r->k * r->top + 1, &r->top_peaks));
  {
    double *a;
    PetscCall(PetscMalloc1(p->d, &a));
    for (int64_t c = 0; c < r->k; c++) {
      for (int64_t j = 0; j < p->d; j++) a[j] = fabs(p->components[c * p->d + j]);
      PetscCall(ms_sims_top_indices(p->d, a, r->top, r->top_peaks + c * r->top));
    }
    PetscCall(PetscFree(a));
  }
  if (!new_rows) PetscFunctionReturn(0);
  PetscCheck(p->k >= 2, ref->comm, MS_ERR_USER, "sims pca: the confidence regions need at least 2 components");
  PetscCheck(ref->labels, ref->comm, MS_ERR_USER, "sims pca: the reference spectra need class labels for the confidence regions");
  {
    ms_dataset     s, srep, ns, nrep;
    const int64_t  K = ref->n_classes, k = p->k;
    double        *mu, *cov;
    int64_t       *cnt;
    PetscCall(ms_pca_scores(p, ref, &s));
    PetscCall(ms_dataset_allgather(s, &srep));
    PetscCall(ms_pca_scores(p, new_rows, &ns));
    PetscCall(ms_dataset_allgather(ns, &nrep));
    PetscCall(PetscCalloc3(2 * K, &mu, 3 * K, &cov, K, &cnt));
    for (int64_t i = 0; i < srep->n_global; i++) {
      int64_t c = srep->labels[i];
      cnt[c]++;
      mu[2 * c] += srep->X[i * k];
      mu[2 * c + 1] += srep->X[i * k + 1];
    }
    for (int64_t c = 0; c < K; c++) mu[2 * c] /= PetscMax(cnt[c], 1), mu[2 * c + 1] /= PetscMax(cnt[c], 1);
    for (int64_t i = 0; i < srep->n_global; i++) {
      int64_t c  = srep->labels[i];
      double  a  = srep->X[i * k] - mu[2 * c], b = srep->X[i * k + 1] - mu[2 * c + 1];
      cov[3 * c] += a * a;
      cov[3 * c + 1] += a * b;
      cov[3 * c + 2] += b * b;
    }
    r->n_new     = nrep->n_global;
    r->n_classes = K;
    r->chi2      = -2.0 * log(1.0 - level); /* chi^2 quantile with 2 degrees of freedom */
    PetscCall(PetscMalloc2(r->n_new * K + 1, &r->d2, r->n_new * K + 1, &r->inside));
    for (int64_t c = 0; c < K; c++) {
      const double den = (double)PetscMax(cnt[c] - 1, 1);
      const double sxx = cov[3 * c] / den, sxy = cov[3 * c + 1] / den, syy = cov[3 * c + 2] / den, det = sxx * syy - sxy * sxy;
      PetscCheck(cnt[c] >= 3 && det > 0, ref->comm, MS_ERR_USER,
                 "sims pca: class '%s' has %lld reference spectra with a singular (PC1, PC2) covariance: a confidence ellipse needs >= 3 "
                 "spectra that spread in both directions",
                 ref->class_names[c], (long long)cnt[c]);
      for (int64_t i = 0; i < r->n_new; i++) {
        double a = nrep->X[i * k] - mu[2 * c], b = nrep->X[i * k + 1] - mu[2 * c + 1];
        double q = (syy * a * a - 2 * sxy * a * b + sxx * b * b) / det;
        r->d2[i * K + c]     = q;
        r->inside[i * K + c] = q <= r->chi2 ? PETSC_TRUE : PETSC_FALSE;
      }
    }
    PetscCall(PetscFree3(mu, cov, cnt));
    PetscCall(ms_dataset_destroy(&s));
    PetscCall(ms_dataset_destroy(&srep));
    PetscCall(ms_dataset_destroy(&ns));
    PetscCall(ms_dataset_destroy(&nrep));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_pca_result_free(ms_sims_pca_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(r->top_peaks));
  PetscCall(PetscFree2(r->d2, r->inside));
  PetscFunctionReturn(0);
}
