/* ms_tree.c - CART parameters, impurities and the per-fit training table (binning).
 * Growing a tree is in ms_tree_build.c. */
#include "ms_tree.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

const char *const ms_tree_criterion_names[] = {"squared_error", "gini", "entropy", NULL};
const char *const ms_tree_splitter_names[]  = {"hist", "exact", NULL};

PetscErrorCode ms_tree_max_features_parse(const char *s, const char *option, ms_tree_max_features *mf)
{
  PetscFunctionBeginUser;
  if (!strcmp(s, "all") || !strcmp(s, "None") || !strcmp(s, "none")) {
    mf->kind = MS_TREE_MAXF_ALL; mf->value = 0;
  } else if (!strcmp(s, "sqrt")) {
    mf->kind = MS_TREE_MAXF_SQRT; mf->value = 0;
  } else if (!strcmp(s, "log2")) {
    mf->kind = MS_TREE_MAXF_LOG2; mf->value = 0;
  } else {
    char *end = NULL;
    errno     = 0;
    if (strpbrk(s, ".eE")) {
      double v = strtod(s, &end);
      PetscCheck(!errno && end != s && *end == '\0' && v > 0.0 && v <= 1.0, PETSC_COMM_SELF, MS_ERR_USER,
                 "option %s: '%s' is not a valid max_features (expected all, sqrt, log2, a count >= 1 or a fraction in (0, 1])",
                 option, s);
      mf->kind = MS_TREE_MAXF_FRACTION; mf->value = v;
    } else {
      long long v = strtoll(s, &end, 10);
      PetscCheck(!errno && end != s && *end == '\0' && v >= 1, PETSC_COMM_SELF, MS_ERR_USER,
                 "option %s: '%s' is not a valid max_features (expected all, sqrt, log2, a count >= 1 or a fraction in (0, 1])",
                 option, s);
      mf->kind = MS_TREE_MAXF_COUNT; mf->value = (double)v;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tree_max_features_resolve(const ms_tree_max_features *mf, int64_t d, const char *option, int64_t *count)
{
  int64_t k = d;
  PetscFunctionBeginUser;
  switch (mf->kind) {
  case MS_TREE_MAXF_ALL: k = d; break;
  case MS_TREE_MAXF_SQRT: k = (int64_t)sqrt((double)d); break;
  case MS_TREE_MAXF_LOG2: k = (int64_t)log2((double)d); break;
  case MS_TREE_MAXF_FRACTION: k = (int64_t)(mf->value * (double)d); break;
  case MS_TREE_MAXF_COUNT:
    k = (int64_t)mf->value;
    PetscCheck(k <= d, PETSC_COMM_SELF, MS_ERR_USER, "option %s: max_features %" PRId64 " exceeds the number of features (%" PRId64 ")",
               option, k, d);
    break;
  }
  *count = k < 1 ? 1 : k;
  PetscFunctionReturn(0);
}

void ms_tree_max_features_format(const ms_tree_max_features *mf, char *buf, size_t len)
{
  switch (mf->kind) {
  case MS_TREE_MAXF_ALL: snprintf(buf, len, "all"); break;
  case MS_TREE_MAXF_SQRT: snprintf(buf, len, "sqrt"); break;
  case MS_TREE_MAXF_LOG2: snprintf(buf, len, "log2"); break;
  case MS_TREE_MAXF_COUNT: snprintf(buf, len, "%lld", (long long)mf->value); break;
  case MS_TREE_MAXF_FRACTION: snprintf(buf, len, "%g", mf->value); break;
  }
}

double ms_tree_impurity(ms_tree_criterion c, int64_t K, const double *counts, double w)
{
  double imp = 0.0;
  if (w <= 0.0) return 0.0;
  switch (c) {
  case MS_TREE_SQUARED_ERROR: {
    const double mean = counts[0] / w;
    imp               = counts[1] / w - mean * mean;
    return imp > 0.0 ? imp : 0.0; /* cancellation can make a constant node slightly negative */
  }
  case MS_TREE_GINI: {
    double s = 0.0;
    for (int64_t k = 0; k < K; k++) s += (counts[k] / w) * (counts[k] / w);
    return 1.0 - s;
  }
  case MS_TREE_ENTROPY:
    for (int64_t k = 0; k < K; k++)
      if (counts[k] > 0.0) {
        const double p = counts[k] / w;
        imp -= p * log2(p);
      }
    return imp;
  }
  return 0.0;
}

static inline int keyed_less(const ms_tree_keyed *x, const ms_tree_keyed *y)
{
  return x->key < y->key || (x->key == y->key && x->row < y->row);
}

static int cmp_keyed(const void *a, const void *b)
{
  return keyed_less(a, b) ? -1 : keyed_less(b, a) ? 1 : 0;
}

/* Quicksort (median of three, insertion sort below 16, loop on the larger part) with the
 * comparison inlined: 3-4x faster than qsort's callback here; qsort takes over on a
 * pathological depth. */
static void sort_rec(ms_tree_keyed *a, int64_t n, int depth)
{
  while (n > 16) {
    if (depth-- <= 0) {
      qsort(a, (size_t)n, sizeof(*a), cmp_keyed);
      return;
    }
    ms_tree_keyed t, *lo = a, *mid = a + n / 2, *hi = a + n - 1;
    if (keyed_less(mid, lo)) { t = *mid; *mid = *lo; *lo = t; }
    if (keyed_less(hi, mid)) { t = *hi; *hi = *mid; *mid = t; }
    if (keyed_less(mid, lo)) { t = *mid; *mid = *lo; *lo = t; }
    const ms_tree_keyed pivot = *mid;
    int64_t             i = 0, j = n - 1;
    for (;;) {
      while (keyed_less(&a[i], &pivot)) i++;
      while (keyed_less(&pivot, &a[j])) j--;
      if (i >= j) break;
      t = a[i]; a[i] = a[j]; a[j] = t;
      i++; j--;
    }
    /* a[0..j] <= pivot <= a[j+1..n) */
    if (j + 1 < n - j - 1) {
      sort_rec(a, j + 1, depth);
      a += j + 1;
      n -= j + 1;
    } else {
      sort_rec(a + j + 1, n - j - 1, depth);
      n = j + 1;
    }
  }
  for (int64_t i = 1; i < n; i++) {
    ms_tree_keyed v = a[i];
    int64_t       j = i - 1;
    for (; j >= 0 && keyed_less(&v, &a[j]); j--) a[j + 1] = a[j];
    a[j + 1] = v;
  }
}

void ms_tree_sort_keyed(ms_tree_keyed *a, int64_t n)
{
  int depth = 2;
  for (int64_t m = n; m > 1; m >>= 1) depth += 2;
  sort_rec(a, n, depth);
}

/* Cut points and codes of one column from its sorted (value, row) pairs, as scikit-learn's
 * HistGradientBoosting bins: midpoints between distinct values when there are at most
 * max_bins of them, else the (k/max_bins)-quantiles (numpy 'midpoint' interpolation),
 * deduplicated. code(x) = number of cuts below x, so x <= cuts[b] <=> code(x) <= b.
 * Returns the number of bins. */
static int column_bins(int64_t n, const ms_tree_keyed *a, int max_bins, double *cuts, uint8_t *codes)
{
  int64_t m  = 0;
  int     nc = 0;
  for (int64_t i = 0; i < n; i++)
    if (i == 0 || a[i].key != a[i - 1].key) m++;
  if (m <= max_bins) {
    for (int64_t i = 1; i < n; i++) {
      if (a[i].key == a[i - 1].key) continue;
      double c = 0.5 * (a[i - 1].key + a[i].key);
      if (c >= a[i].key) c = a[i - 1].key; /* adjacent doubles: the midpoint rounds up */
      cuts[nc++] = c;
    }
  } else {
    for (int k = 1; k < max_bins; k++) {
      const double  pos = (double)k / max_bins * (double)(n - 1);
      const int64_t lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);
      const double  c  = 0.5 * (a[lo].key + a[hi].key);
      if (c >= a[n - 1].key) break;               /* would leave the top bin empty */
      if (nc > 0 && c <= cuts[nc - 1]) continue;  /* heavy ties: merge equal quantiles */
      cuts[nc++] = c;
    }
  }
  int c = 0;
  for (int64_t i = 0; i < n; i++) {
    while (c < nc && a[i].key > cuts[c]) c++;
    codes[a[i].row] = (uint8_t)c;
  }
  return nc + 1;
}

PetscErrorCode ms_tree_data_create(MPI_Comm comm, int64_t n, int64_t d, const double *X, const double *y, const int64_t *labels,
                                   int64_t n_classes, ms_tree_splitter splitter, int max_bins, ms_tree_data *out)
{
  ms_tree_data td;
  PetscMPIInt  rank, size;

  PetscFunctionBeginUser;
  PetscCheck(n >= 1 && n < INT32_MAX, comm, MS_ERR_USER, "trees: %" PRId64 " training rows (expected 1 .. 2^31-2)", n);
  PetscCheck(d >= 1 && d < INT32_MAX, comm, MS_ERR_USER, "trees: %" PRId64 " features (expected >= 1)", d);
  PetscCheck(n_classes ? labels != NULL : y != NULL, comm, MS_ERR_USER, "trees: %s without %s",
             n_classes ? "classification" : "regression", n_classes ? "labels" : "a target");
  PetscCheck(max_bins >= 2 && max_bins <= 256, comm, MS_ERR_USER, "trees: max_bins %d (expected 2 .. 256)", max_bins);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(&td));
  td->n = n; td->d = d; td->n_classes = n_classes;
  td->X = X; td->y = y; td->labels = labels;
  td->splitter = splitter; td->max_bins = max_bins;
  if (splitter == MS_TREE_SPLIT_EXACT) {
    PetscCall(PetscMalloc1(n * d, &td->Xcol));
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < d; j++) td->Xcol[j * n + i] = X[i * d + j];
  } else {
    int failed = 0;
    PetscCall(PetscMalloc3(n * d, &td->codes, d, &td->n_bins, d * (max_bins - 1), &td->cuts));
#pragma omp parallel for schedule(dynamic) reduction(| : failed)
    for (int64_t j = rank; j < d; j += size) {
      ms_tree_keyed *a = (ms_tree_keyed *)malloc(sizeof(ms_tree_keyed) * (size_t)n);
      if (!a) { failed = 1; continue; }
      for (int64_t i = 0; i < n; i++) a[i] = (ms_tree_keyed){X[i * d + j], (int32_t)i};
      ms_tree_sort_keyed(a, n);
      td->n_bins[j] = column_bins(n, a, max_bins, td->cuts + j * (max_bins - 1), td->codes + j * n);
      free(a);
    }
    PetscCheck(!failed, PETSC_COMM_SELF, PETSC_ERR_MEM, "trees: out of memory while binning %" PRId64 " rows", n);
    for (int64_t j = 0; size > 1 && j < d; j++) {
      const PetscMPIInt owner = (PetscMPIInt)(j % size);
      PetscCallMPI(MPI_Bcast(&td->n_bins[j], 1, MPI_INT, owner, comm));
      PetscCallMPI(MPI_Bcast(td->cuts + j * (max_bins - 1), td->n_bins[j] - 1, MPI_DOUBLE, owner, comm));
      PetscCallMPI(MPI_Bcast(td->codes + j * n, (PetscMPIInt)n, MPI_UINT8_T, owner, comm));
    }
    PetscCall(PetscMalloc1(n * d, &td->rcodes));
    for (int64_t j = 0; j < d; j++)
      for (int64_t i = 0; i < n; i++) td->rcodes[i * d + j] = td->codes[j * n + i];
  }
  *out = td;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tree_data_destroy(ms_tree_data *td)
{
  PetscFunctionBeginUser;
  if (!*td) PetscFunctionReturn(0);
  PetscCall(PetscFree((*td)->Xcol));
  PetscCall(PetscFree3((*td)->codes, (*td)->n_bins, (*td)->cuts));
  PetscCall(PetscFree((*td)->rcodes));
  PetscCall(PetscFree(*td));
  PetscFunctionReturn(0);
}

void ms_tree_free(ms_tree *t)
{
  free(t->node); free(t->impurity); free(t->weight); free(t->value);
  memset(t, 0, sizeof(*t));
}

PetscErrorCode ms_tree_reserve(ms_tree *t, int64_t cap)
{
  if (cap <= t->cap) return 0;
#define MS_GROW(p, m) do { void *q = realloc((p), sizeof(*(p)) * (size_t)(m)); if (!q) return PETSC_ERR_MEM; (p) = q; } while (0)
  MS_GROW(t->node, cap);
  MS_GROW(t->impurity, cap);
  MS_GROW(t->weight, cap);
  MS_GROW(t->value, cap * t->n_outputs);
#undef MS_GROW
  t->cap = cap;
  return 0;
}

PetscErrorCode ms_tree_alloc(ms_tree *t, int64_t n_nodes, int64_t n_outputs)
{
  PetscFunctionBeginUser;
  memset(t, 0, sizeof(*t));
  t->n_outputs = n_outputs;
  PetscCheck(!ms_tree_reserve(t, n_nodes > 0 ? n_nodes : 1), PETSC_COMM_SELF, PETSC_ERR_MEM, "trees: out of memory for %" PRId64 " nodes", n_nodes);
  t->n_nodes = n_nodes;
  PetscFunctionReturn(0);
}
