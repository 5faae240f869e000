/* ms_validation.c - fold assignment, hold-out splits and cross-validation candidates.
 * The parallel task runner is in ms_cv.c. */
#include "ms_validation.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>

/* Rows of class c in ascending order, then shuffled by r. Returns the count. */
static int64_t ms_validation_class_rows(int64_t n, const int64_t *labels, int64_t c, ms_rng *r, int64_t *rows)
{
  int64_t m = 0;
  for (int64_t i = 0; i < n; i++)
    if (labels[i] == c) rows[m++] = i;
  ms_rng_shuffle(r, m, rows);
  return m;
}

PetscErrorCode ms_validation_kfold(int64_t n, int K, uint64_t seed, int repeat, PetscBool stratified, const int64_t *labels,
                                   int64_t n_classes, int *fold)
{
  ms_rng   r;
  int64_t *rows;

  PetscFunctionBegin;
  if (K < 2) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "cross-validation needs at least 2 folds (option -folds), got %d", K);
  if (n < K) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "cannot split %" PRId64 " rows into %d folds (option -folds)", n, K);
  if (stratified && !labels) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "stratified folds (option -stratified) need class labels (a classification target)");
  PetscCall(PetscMalloc1(n, &rows));
  ms_rng_init(&r, seed, MS_VALIDATION_FOLD_STREAM + (uint64_t)repeat);
  if (!stratified) {
    const int64_t base = n / K, extra = n % K;
    int64_t       p    = 0;
    for (int64_t i = 0; i < n; i++) rows[i] = i;
    ms_rng_shuffle(&r, n, rows);
    for (int k = 0; k < K; k++)
      for (int64_t q = 0; q < base + (k < extra ? 1 : 0); q++) fold[rows[p++]] = k;
  } else {
    int64_t deal = 0;
    for (int64_t c = 0; c < n_classes; c++) {
      const int64_t m = ms_validation_class_rows(n, labels, c, &r, rows);
      for (int64_t q = 0; q < m; q++) fold[rows[q]] = (int)(deal++ % K);
    }
  }
  PetscCall(PetscFree(rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_validation_split(int64_t n, double test_fraction, uint64_t seed, uint64_t stream, PetscBool stratified,
                                   const int64_t *labels, int64_t n_classes, PetscBool *is_test)
{
  ms_rng   r;
  int64_t *rows;

  PetscFunctionBegin;
  if (!(test_fraction > 0.0 && test_fraction < 1.0))
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "the test fraction must be in (0, 1), got %g", test_fraction);
  if (stratified && !labels) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "a stratified split needs class labels (a classification target)");
  PetscCall(PetscMalloc1(n, &rows));
  for (int64_t i = 0; i < n; i++) is_test[i] = PETSC_FALSE;
  ms_rng_init(&r, seed, stream);
  for (int64_t c = 0; c < (stratified ? n_classes : 1); c++) {
    int64_t m = n;
    if (stratified) m = ms_validation_class_rows(n, labels, c, &r, rows);
    else {
      for (int64_t i = 0; i < n; i++) rows[i] = i;
      ms_rng_shuffle(&r, n, rows);
    }
    const int64_t t = (int64_t)llround(test_fraction * (double)m);
    for (int64_t q = 0; q < t; q++) is_test[rows[q]] = PETSC_TRUE;
  }
  PetscCall(PetscFree(rows));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_validation_holdout(ms_dataset ds, double test_fraction, uint64_t seed, PetscBool stratified, ms_dataset *train,
                                     ms_dataset *test)
{
  ms_dataset rep;
  PetscBool *is_test;
  int64_t   *tr, *te, ntr = 0, nte = 0, n;

  PetscFunctionBegin;
  PetscCall(ms_dataset_allgather(ds, &rep));
  n = rep->n_global;
  PetscCall(PetscMalloc3(n, &is_test, n, &tr, n, &te));
  PetscCall(ms_validation_split(n, test_fraction, seed, MS_VALIDATION_HOLDOUT_STREAM, stratified, rep->labels, rep->n_classes, is_test));
  for (int64_t i = 0; i < n; i++) {
    if (is_test[i]) te[nte++] = i;
    else tr[ntr++] = i;
  }
  if (!ntr || !nte)
    SETERRQ(ds->comm, MS_ERR_USER, "-test_fraction %g leaves %" PRId64 " training and %" PRId64 " test rows of %" PRId64 "; both must be non-empty",
            test_fraction, ntr, nte, n);
  PetscCall(ms_dataset_select(rep, ds->comm, ntr, tr, train));
  PetscCall(ms_dataset_select(rep, ds->comm, nte, te, test));
  PetscCall(PetscFree3(is_test, tr, te));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

/* Next comma-separated token of *s (spaces trimmed) into tok; PETSC_FALSE at the end. */
static PetscBool ms_validation_token(const char **s, char *tok, size_t len)
{
  const char *p = *s, *e;
  size_t      n;

  while (*p == ' ' || *p == ',') p++;
  if (!*p) return PETSC_FALSE;
  e = strchr(p, ',');
  if (!e) e = p + strlen(p);
  n = (size_t)(e - p);
  while (n && p[n - 1] == ' ') n--;
  if (n >= len) n = len - 1;
  memcpy(tok, p, n);
  tok[n] = 0;
  *s     = e;
  return PETSC_TRUE;
}

PetscErrorCode ms_cv_candidates(MPI_Comm comm, const char *models, const char *grid, int *n, ms_cv_candidate **cand)
{
  char        type[32], opt[64] = "", val[64];
  const char *s, *values = NULL;
  int         n_models = 0, n_values = 0, cap, used = 0;

  PetscFunctionBegin;
  for (s = models; ms_validation_token(&s, type, sizeof type);) n_models++;
  if (!n_models) SETERRQ(comm, MS_ERR_USER, "no model given (option -models a,b,c)");
  if (grid && grid[0]) {
    const char *eq = strchr(grid, '=');
    if (!eq || eq == grid || (size_t)(eq - grid) >= sizeof opt - 1)
      SETERRQ(comm, MS_ERR_USER, "option -cv_grid '%s': expected OPTION=v1,v2,... (e.g. ridge_alpha=0.1,1,10)", grid);
    opt[0] = '-';
    memcpy(opt + 1, grid, (size_t)(eq - grid));
    opt[eq - grid + 1] = 0;
    values             = eq + 1;
    for (s = values; ms_validation_token(&s, val, sizeof val);) n_values++;
    if (!n_values) SETERRQ(comm, MS_ERR_USER, "option -cv_grid '%s' lists no values", grid);
  }
  cap = n_models * PetscMax(n_values, 1);
  PetscCall(PetscCalloc1(cap, cand));
  *n = 0;
  for (s = models; ms_validation_token(&s, type, sizeof type);) {
    size_t    tl    = strlen(type);
    PetscBool match = (values && !strncmp(opt + 1, type, tl) && opt[tl + 1] == '_') ? PETSC_TRUE : PETSC_FALSE;
    if (!match) {
      PetscCall(PetscStrncpy((*cand)[*n].type, type, sizeof (*cand)[*n].type));
      PetscCall(PetscStrncpy((*cand)[*n].label, type, sizeof (*cand)[*n].label));
      (*n)++;
      continue;
    }
    used++;
    for (const char *v = values; ms_validation_token(&v, val, sizeof val);) {
      ms_cv_candidate *c = &(*cand)[(*n)++];
      PetscCall(PetscStrncpy(c->type, type, sizeof c->type));
      PetscCall(PetscStrncpy(c->option, opt, sizeof c->option));
      PetscCall(PetscStrncpy(c->value, val, sizeof c->value));
      PetscCall(PetscSNPrintf(c->label, sizeof c->label, "%s %s %s", type, opt, val));
    }
  }
  if (values && !used)
    SETERRQ(comm, MS_ERR_USER, "option -cv_grid: '%s' is not an option of any model in -models %s (it must start with <model>_)", opt + 1, models);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cv_candidate_model(MPI_Comm comm, const ms_cv_candidate *c, ms_model *m)
{
  char      old[256];
  PetscBool had = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(ms_model_create(comm, c->type, m));
  /* The grid value goes through the options database so the model parses and checks it
     exactly as it would from the command line; the user's own value is restored after. */
  if (c->option[0]) {
    PetscCall(PetscOptionsGetString(NULL, NULL, c->option, old, sizeof old, &had));
    PetscCall(PetscOptionsSetValue(NULL, c->option, c->value));
  }
  PetscCall(ms_model_set_from_options(*m));
  if (c->option[0]) {
    if (had) PetscCall(PetscOptionsSetValue(NULL, c->option, old));
    else PetscCall(PetscOptionsClearValue(NULL, c->option));
  }
  PetscFunctionReturn(0);
}
