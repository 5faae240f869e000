/* sims_mixtures.c - pseudo-mixture augmentation and a multi-output regressor of composition
 * (spec.md 2(c): x_mix = sum w x over spectra of different reference classes, weights summing
 * to 1, about 10,000 rows; the best regressor was a random forest with 200 trees).
 *
 * Multi-output: one regressor per class share, as scikit-learn's MultiOutputRegressor (our
 * forests are single-output). Each is an ms_model fitted collectively on the row-sharded
 * training part (a forest then grows tree t on rank t mod P). The mixtures are generated
 * identically on every rank (row r from the stream (seed, r) alone), so the table and the
 * split are the same on any number of ranks. */
#include "ms_log.h"
#include "ms_metrics.h"
#include "ms_rng.h"
#include "ms_sims.h"
#include <math.h>
#include <string.h>

#define SIMS_MIX_STREAM 0x4d69780000000000ULL /* "Mix" << 40: far from fold and tree streams */

PetscErrorCode ms_sims_mixtures_generate(ms_dataset ref, const ms_sims_mixture_opts *o, double *X, double *T)
{
  const int64_t d = ref->n_features, K = ref->n_classes, n = ref->n_global;
  int64_t      *start, *cnt, *order, *cls;
  double       *w;

  PetscFunctionBeginUser;
  PetscCheck(ref->replicated || ref->n_local == n, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "sims mixtures: the references must be replicated");
  PetscCheck(K >= 2 && o->max_parts >= 2 && o->max_parts <= K, PETSC_COMM_SELF, MS_ERR_USER,
             "sims mixtures: mixtures of 2..%d spectra need at least that many reference classes, have %lld", o->max_parts, (long long)K);
  /* rows of each class, in table order */
  PetscCall(PetscCalloc5(K, &start, K, &cnt, n, &order, K, &cls, K, &w));
  for (int64_t i = 0; i < n; i++) cnt[ref->labels[i]]++;
  for (int64_t c = 1; c < K; c++) start[c] = start[c - 1] + cnt[c - 1];
  {
    int64_t *fill;
    PetscCall(PetscCalloc1(K, &fill));
    for (int64_t i = 0; i < n; i++) order[start[ref->labels[i]] + fill[ref->labels[i]]++] = i;
    PetscCall(PetscFree(fill));
  }
  for (int64_t r = 0; r < o->n_rows; r++) {
    ms_rng  g;
    int64_t m;
    double  tot = 0;
    ms_rng_init(&g, o->seed, SIMS_MIX_STREAM + (uint64_t)r);
    m = 2 + (int64_t)ms_rng_below(&g, (uint64_t)(o->max_parts - 1));
    for (int64_t c = 0; c < K; c++) cls[c] = c;
    ms_rng_shuffle(&g, K, cls); /* the first m classes take part */
    for (int64_t q = 0; q < m; q++) tot += (w[q] = -log(1.0 - ms_rng_uniform(&g))); /* uniform on the simplex */
    PetscCall(PetscArrayzero(X + r * d, d));
    PetscCall(PetscArrayzero(T + r * K, K));
    for (int64_t q = 0; q < m; q++) {
      const int64_t c = cls[q], row = order[start[c] + (int64_t)ms_rng_below(&g, (uint64_t)cnt[c])];
      const double  wq = w[q] / tot;
      T[r * K + c]     = wq;
      for (int64_t j = 0; j < d; j++) X[r * d + j] += wq * ref->X[row * d + j];
    }
  }
  PetscCall(PetscFree5(start, cnt, order, cls, w));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_mixtures_fit(ms_dataset ref, const ms_sims_mixture_opts *o, ms_sims_mixture_model *out)
{
  ms_dataset            rrep, all, train, test;
  ms_sims_mixture_model mm;
  const int64_t         n = o->n_rows, d = ref->n_features, K = ref->n_classes;
  double               *T, *yt, *yp;
  PetscBool            *is_test;
  int64_t              *tr, *te, ntr = 0, nte = 0;

  PetscFunctionBeginUser;
  PetscCheck(o->n_rows >= 10, ref->comm, MS_ERR_USER, "sims mixtures: -n_mixtures must be >= 10, got %lld", (long long)o->n_rows);
  PetscCheck(o->test_fraction > 0 && o->test_fraction < 1, ref->comm, MS_ERR_USER, "sims mixtures: -test_fraction must lie in (0, 1), got %g",
             o->test_fraction);
  PetscCall(ms_dataset_allgather(ref, &rrep));
  /* the generated table, replicated (each rank then takes its block via ms_dataset_select) */
  PetscCall(ms_dataset_create(PETSC_COMM_SELF, n, d, &all));
  PetscCall(ms_dataset_set_feature_names(all, ref->feature_names));
  all->replicated = PETSC_TRUE;
  PetscCall(PetscMalloc1(n * K, &T));
  PetscCall(ms_sims_mixtures_generate(rrep, o, all->X, T));
  PetscCall(PetscNew(&mm));
  PetscCall(PetscMalloc1(d, &mm->keep));
  for (int64_t j = 0; j < d; j++) {
    PetscBool varies = PETSC_FALSE;
    for (int64_t i = 1; i < n && !varies; i++) varies = all->X[i * d + j] != all->X[j] ? PETSC_TRUE : PETSC_FALSE;
    if (varies) mm->keep[mm->n_keep++] = j;
  }
  PetscCheck(mm->n_keep > 0, ref->comm, MS_ERR_USER, "sims mixtures: every peak is constant over the mixtures");
  if (mm->n_keep < d) {
    ms_dataset red;
    char     **names;
    PetscCall(ms_dataset_create(PETSC_COMM_SELF, n, mm->n_keep, &red));
    PetscCall(PetscMalloc1(mm->n_keep, &names));
    for (int64_t q = 0; q < mm->n_keep; q++) names[q] = ref->feature_names[mm->keep[q]];
    PetscCall(ms_dataset_set_feature_names(red, names));
    PetscCall(PetscFree(names));
    for (int64_t i = 0; i < n; i++)
      for (int64_t q = 0; q < mm->n_keep; q++) red->X[i * mm->n_keep + q] = all->X[i * d + mm->keep[q]];
    red->replicated = PETSC_TRUE;
    PetscCall(ms_dataset_destroy(&all));
    all = red;
  }
  PetscCall(PetscMalloc4(n, &is_test, n, &tr, n, &te, n, &yt));
  PetscCall(ms_validation_split(n, o->test_fraction, o->seed, MS_VALIDATION_HOLDOUT_STREAM, PETSC_FALSE, NULL, 0, is_test));
  for (int64_t i = 0; i < n; i++) {
    if (is_test[i]) te[nte++] = i;
    else tr[ntr++] = i;
  }
  PetscCall(ms_dataset_select(all, ref->comm, ntr, tr, &train));
  PetscCall(ms_dataset_select(all, ref->comm, nte, te, &test));
  mm->n_out = K, mm->d = d, mm->n_train = ntr, mm->n_test = nte;
  PetscCall(PetscMalloc3(K, &mm->out_names, K, &mm->models, K, &mm->r2));
  PetscCall(PetscMalloc1(test->n_local + 1, &yp));
  ms_progress pr;
  PetscCall(ms_progress_begin(ref->comm, "sims mixtures: regressors", K, &pr));
  for (int64_t c = 0; c < K; c++) {
    ms_cv_candidate     cand;
    ms_regression_scores s;
    char                name[300];
    PetscCall(PetscMemzero(&cand, sizeof cand));
    PetscCall(PetscStrallocpy(ref->class_names[c], &mm->out_names[c]));
    PetscCall(PetscSNPrintf(name, sizeof name, "share_%s", ref->class_names[c]));
    for (int64_t i = 0; i < train->n_local; i++) yt[i] = T[tr[train->row_start + i] * K + c];
    PetscCall(ms_dataset_set_target(train, name, yt));
    for (int64_t i = 0; i < test->n_local; i++) yt[i] = T[te[test->row_start + i] * K + c];
    PetscCall(ms_dataset_set_target(test, name, yt));
    PetscCall(PetscStrncpy(cand.type, o->model, sizeof cand.type));
    {
      /* the seed's best regressor: a forest of 200 trees, unless the user set -rf_n_trees */
      PetscBool set;
      PetscCall(PetscOptionsHasName(NULL, NULL, "-rf_n_trees", &set));
      if (!set && !strcmp(o->model, "rf")) {
        PetscCall(PetscStrncpy(cand.option, "-rf_n_trees", sizeof cand.option));
        PetscCall(PetscStrncpy(cand.value, "200", sizeof cand.value));
      }
    }
    PetscCall(ms_cv_candidate_model(ref->comm, &cand, &mm->models[c]));
    mm->models[c]->seed = o->seed + (uint64_t)c;
    PetscCall(ms_model_fit(mm->models[c], train));
    PetscCall(ms_model_predict(mm->models[c], test, yp));
    PetscCall(ms_metrics_regression(ref->comm, test->n_local, test->y, yp, &s));
    mm->r2[c] = s.r2;
    mm->r2_mean += s.r2 / (double)K;
    PetscCall(ms_progress_update(&pr, c + 1));
  }
  PetscCall(ms_progress_end(&pr));
  PetscCall(PetscFree(yp));
  PetscCall(PetscFree4(is_test, tr, te, yt));
  PetscCall(PetscFree(T));
  PetscCall(ms_dataset_destroy(&train));
  PetscCall(ms_dataset_destroy(&test));
  PetscCall(ms_dataset_destroy(&all));
  PetscCall(ms_dataset_destroy(&rrep));
  *out = mm;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_mixtures_predict(ms_sims_mixture_model mm, ms_dataset X, double *S)
{
  const int64_t K = mm->n_out;
  double       *y;
  ms_dataset    Xk;
  char        **names;

  PetscFunctionBeginUser;
  PetscCheck(X->n_features == mm->d, X->comm, MS_ERR_USER, "sims mixtures: the table has %lld peaks, the references %lld",
             (long long)X->n_features, (long long)mm->d);
  /* the regressors see the kept peaks only */
  PetscCall(ms_dataset_create(X->comm, X->n_local, mm->n_keep, &Xk));
  PetscCall(PetscMalloc1(mm->n_keep, &names));
  for (int64_t q = 0; q < mm->n_keep; q++) names[q] = X->feature_names[mm->keep[q]];
  PetscCall(ms_dataset_set_feature_names(Xk, names));
  PetscCall(PetscFree(names));
  for (int64_t i = 0; i < X->n_local; i++)
    for (int64_t q = 0; q < mm->n_keep; q++) Xk->X[i * mm->n_keep + q] = X->X[i * mm->d + mm->keep[q]];
  PetscCall(PetscMalloc1(X->n_local + 1, &y));
  for (int64_t c = 0; c < K; c++) {
    PetscCall(ms_model_predict(mm->models[c], Xk, y));
    for (int64_t i = 0; i < X->n_local; i++) S[i * K + c] = PetscMax(y[i], 0.0);
  }
  for (int64_t i = 0; i < X->n_local; i++) {
    double tot = 0;
    for (int64_t c = 0; c < K; c++) tot += S[i * K + c];
    for (int64_t c = 0; c < K; c++) S[i * K + c] = tot > 0 ? S[i * K + c] / tot : 1.0 / (double)K;
  }
  PetscCall(PetscFree(y));
  PetscCall(ms_dataset_destroy(&Xk));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sims_mixture_model_destroy(ms_sims_mixture_model *mm)
{
  PetscFunctionBeginUser;
  if (!*mm) PetscFunctionReturn(0);
  for (int64_t c = 0; c < (*mm)->n_out; c++) {
    PetscCall(PetscFree((*mm)->out_names[c]));
    PetscCall(ms_model_destroy(&(*mm)->models[c]));
  }
  PetscCall(PetscFree3((*mm)->out_names, (*mm)->models, (*mm)->r2));
  PetscCall(PetscFree((*mm)->keep));
  PetscCall(PetscFree(*mm));
  PetscFunctionReturn(0);
}
