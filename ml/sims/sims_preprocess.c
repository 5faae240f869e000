/* sims_preprocess.c - the seed's six scalings side by side (Figure 4.16): PCA scores under
 * each, with a silhouette score of the classes as the quantitative criterion the seed left
 * to the eye (spec.md 2(c), "Preprocessing comparison"). */
#include "ms_sims.h"
#include <math.h>

const char *const ms_sims_scalings[] = {"none", "log1p", "standard", "normalize_max", "minmax", "poisson", NULL};

PetscErrorCode ms_sims_silhouette(int64_t n, int dim, const double *X, const int64_t *labels, int64_t n_classes, double *score)
{
  double  *sum, total = 0.0;
  int64_t *cnt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n_classes, &sum, n_classes, &cnt));
  PetscCall(PetscArrayzero(cnt, n_classes));
  for (int64_t i = 0; i < n; i++) cnt[labels[i]]++;
  for (int64_t i = 0; i < n; i++) {
    double a, b = INFINITY;
    PetscCall(PetscArrayzero(sum, n_classes));
    for (int64_t j = 0; j < n; j++) {
      double s = 0;
      for (int q = 0; q < dim; q++) s += PetscSqr(X[i * dim + q] - X[j * dim + q]);
      sum[labels[j]] += sqrt(s);
    }
    const int64_t c = labels[i];
    if (cnt[c] < 2) continue; /* scikit-learn: s = 0 for a single-member cluster */
    a = sum[c] / (double)(cnt[c] - 1);
    for (int64_t o = 0; o < n_classes; o++)
      if (o != c && cnt[o] > 0) b = PetscMin(b, sum[o] / (double)cnt[o]);
    if (isfinite(b) && PetscMax(a, b) > 0) total += (b - a) / PetscMax(a, b);
  }
  *score = total / (double)n;
  PetscCall(PetscFree2(sum, cnt));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_preprocess(ms_dataset ds, int n_pc, const struct ms_pca_s *tmpl, ms_sims_preprocess_result *r)
{
  ms_dataset rep;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCheck(n_pc >= 2 && n_pc <= 4, ds->comm, MS_ERR_USER, "sims preprocess: 2 to 4 components, got %d", n_pc);
  PetscCheck(ds->labels, ds->comm, MS_ERR_USER, "sims preprocess: the table needs class labels");
  r->n    = ds->n_global;
  r->n_pc = n_pc;
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(PetscMalloc1(r->n, &r->labels));
  PetscCall(PetscArraycpy(r->labels, rep->labels, r->n));
  for (int s = 0; s < MS_SIMS_N_SCALINGS; s++) {
    ms_pca     p;
    ms_dataset sc, screp;
    PetscCall(ms_pca_create(&p));
    p->n_components_req = n_pc;
    if (tmpl) p->scalapack_min_d = tmpl->scalapack_min_d, p->grid = tmpl->grid, p->nb = tmpl->nb;
    PetscCall(ms_pca_set_scaler(p, ms_sims_scalings[s]));
    PetscCall(ms_pca_fit_dataset(p, ds));
    for (int c = 0; c < 4; c++) r->evr[s][c] = c < n_pc ? p->explained_variance_ratio[c] : NAN;
    PetscCall(ms_pca_scores(p, ds, &sc));
    PetscCall(ms_dataset_allgather(sc, &screp));
    PetscCall(PetscMalloc1(r->n * n_pc, &r->scores[s]));
    PetscCall(PetscArraycpy(r->scores[s], screp->X, r->n * n_pc));
    PetscCall(ms_sims_silhouette(r->n, n_pc, r->scores[s], r->labels, ds->n_classes, &r->silhouette[s]));
    PetscCall(ms_dataset_destroy(&sc));
    PetscCall(ms_dataset_destroy(&screp));
    PetscCall(ms_pca_destroy(&p));
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_preprocess_free(ms_sims_preprocess_result *r)
{
  PetscFunctionBeginUser;
  for (int s = 0; s < MS_SIMS_N_SCALINGS; s++) PetscCall(PetscFree(r->scores[s]));
  PetscCall(PetscFree(r->labels));
  PetscFunctionReturn(0);
}
