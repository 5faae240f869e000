/* ms_bo_space.c - search spaces: construction, mixed-radix decoding, snapping, scaling. The
 * file readers (space and data CSVs) are in ms_bo_io.c. */
#include "ms_bo.h"
#include <math.h>

const char *const ms_bo_dim_kind_names[] = {"levels", "int", "real", "ms_bo_dim_kind", "MS_BO_DIM_", NULL};

PetscErrorCode ms_bo_space_create(int64_t d, ms_bo_space *s)
{
  PetscFunctionBeginUser;
  PetscCheck(d >= 1, PETSC_COMM_SELF, MS_ERR_USER, "a search space needs at least one dimension");
  PetscCall(PetscNew(s));
  (*s)->d = d;
  PetscCall(PetscCalloc1(d, &(*s)->dim));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_space_destroy(ms_bo_space *s)
{
  PetscFunctionBeginUser;
  if (!*s) PetscFunctionReturn(0);
  for (int64_t k = 0; k < (*s)->d; k++) {
    PetscCall(PetscFree((*s)->dim[k].name));
    PetscCall(PetscFree((*s)->dim[k].unit));
    PetscCall(PetscFree((*s)->dim[k].levels));
  }
  PetscCall(PetscFree((*s)->dim));
  PetscCall(PetscFree((*s)->stage));
  PetscCall(PetscFree((*s)->list));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

PetscErrorCode ms_bo_space_set_levels(ms_bo_space s, int64_t k, const char *name, int64_t n, const double *levels)
{
  ms_bo_dim *D = &s->dim[k];

  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, MS_ERR_USER, "dimension '%s' has no levels", name);
  PetscCall(PetscFree(D->name));
  PetscCall(PetscFree(D->levels));
  PetscCall(PetscStrallocpy(name, &D->name));
  PetscCall(PetscMalloc1(n, &D->levels));
  PetscCall(PetscArraycpy(D->levels, levels, n));
  qsort(D->levels, (size_t)n, sizeof(double), cmp_double);
  for (int64_t i = 1; i < n; i++)
    PetscCheck(D->levels[i] > D->levels[i - 1], PETSC_COMM_SELF, MS_ERR_USER, "dimension '%s' lists the level %g twice", name, D->levels[i]);
  D->kind     = MS_BO_DIM_LEVELS;
  D->n_levels = n;
  D->lo       = D->levels[0];
  D->hi       = D->levels[n - 1];
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_space_set_range(ms_bo_space s, int64_t k, const char *name, ms_bo_dim_kind kind, double lo, double hi)
{
  ms_bo_dim *D = &s->dim[k];

  PetscFunctionBeginUser;
  PetscCheck(kind != MS_BO_DIM_LEVELS, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "use ms_bo_space_set_levels for levels");
  PetscCheck(isfinite(lo) && isfinite(hi) && lo <= hi, PETSC_COMM_SELF, MS_ERR_USER, "dimension '%s': need finite lo <= hi, got %g %g",
             name, lo, hi);
  if (kind == MS_BO_DIM_INT)
    PetscCheck(lo == floor(lo) && hi == floor(hi), PETSC_COMM_SELF, MS_ERR_USER, "integer dimension '%s': bounds %g %g are not integers",
               name, lo, hi);
  PetscCall(PetscFree(D->name));
  PetscCall(PetscStrallocpy(name, &D->name));
  D->kind     = kind;
  D->lo       = lo;
  D->hi       = hi;
  D->n_levels = kind == MS_BO_DIM_INT ? (int64_t)(hi - lo) + 1 : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_space_set_list(ms_bo_space s, char *const *names, int64_t n, const double *X)
{
  PetscFunctionBeginUser;
  PetscCheck(n >= 1, PETSC_COMM_SELF, MS_ERR_USER, "a candidate pool needs at least one point");
  PetscCall(PetscFree(s->list));
  PetscCall(PetscMalloc1(n * s->d, &s->list));
  PetscCall(PetscArraycpy(s->list, X, n * s->d));
  s->n_list = n;
  for (int64_t k = 0; k < s->d; k++) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
      lo = PetscMin(lo, X[i * s->d + k]);
      hi = PetscMax(hi, X[i * s->d + k]);
    }
    PetscCall(ms_bo_space_set_range(s, k, names[k], MS_BO_DIM_REAL, lo, hi));
  }
  PetscFunctionReturn(0);
}

PetscBool ms_bo_space_is_finite(ms_bo_space s)
{
  if (s->n_list) return PETSC_TRUE;
  for (int64_t k = 0; k < s->d; k++)
    if (s->dim[k].kind == MS_BO_DIM_REAL) return PETSC_FALSE;
  return PETSC_TRUE;
}

PetscErrorCode ms_bo_space_size(ms_bo_space s, int64_t *n)
{
  PetscFunctionBeginUser;
  if (s->n_list) {
    *n = s->n_list;
    PetscFunctionReturn(0);
  }
  PetscCheck(ms_bo_space_is_finite(s), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "a space with a real dimension has no candidate count");
  int64_t N = 1;
  for (int64_t k = 0; k < s->d; k++) {
    PetscCheck(s->dim[k].n_levels <= ((int64_t)1 << 62) / N, PETSC_COMM_SELF, MS_ERR_USER,
               "the search space has more than 2^62 candidates (at dimension '%s'); use real dimensions", s->dim[k].name);
    N *= s->dim[k].n_levels;
  }
  *n = N;
  PetscFunctionReturn(0);
}

static double level_value(const ms_bo_dim *D, int64_t j) { return D->kind == MS_BO_DIM_LEVELS ? D->levels[j] : D->lo + (double)j; }

void ms_bo_space_decode(ms_bo_space s, int64_t idx, double *x)
{
  if (s->n_list) {
    for (int64_t k = 0; k < s->d; k++) x[k] = s->list[idx * s->d + k];
    return;
  }
  for (int64_t k = s->d - 1; k >= 0; k--) {
    int64_t nk = s->dim[k].n_levels;
    x[k]       = level_value(&s->dim[k], idx % nk);
    idx /= nk;
  }
}

static PetscBool same(double a, double b) { return fabs(a - b) <= 1e-9 * PetscMax(1.0, PetscMax(fabs(a), fabs(b))); }

PetscBool ms_bo_space_encode(ms_bo_space s, const double *x, int64_t *idx)
{
  if (s->n_list) {
    for (int64_t i = 0; i < s->n_list; i++) {
      PetscBool eq = PETSC_TRUE;
      for (int64_t k = 0; k < s->d && eq; k++) eq = same(x[k], s->list[i * s->d + k]);
      if (eq) {
        *idx = i;
        return PETSC_TRUE;
      }
    }
    return PETSC_FALSE;
  }
  int64_t id = 0;
  for (int64_t k = 0; k < s->d; k++) {
    const ms_bo_dim *D = &s->dim[k];
    int64_t          j = -1;
    if (D->kind == MS_BO_DIM_REAL) return PETSC_FALSE;
    if (D->kind == MS_BO_DIM_INT) {
      double r = round(x[k]);
      if (same(r, x[k]) && r >= D->lo && r <= D->hi) j = (int64_t)(r - D->lo);
    } else { /* binary search in the sorted levels */
      int64_t a = 0, b = D->n_levels - 1;
      while (a <= b) {
        int64_t c = (a + b) / 2;
        if (same(D->levels[c], x[k])) {
          j = c;
          break;
        }
        if (D->levels[c] < x[k]) a = c + 1;
        else b = c - 1;
      }
    }
    if (j < 0) return PETSC_FALSE;
    id = id * D->n_levels + j;
  }
  *idx = id;
  return PETSC_TRUE;
}

void ms_bo_space_to_unit(ms_bo_space s, const double *x, double *u)
{
  for (int64_t k = 0; k < s->d; k++) {
    double w = s->dim[k].hi - s->dim[k].lo;
    u[k]     = w > 0 ? (x[k] - s->dim[k].lo) / w : 0.0;
  }
}

void ms_bo_space_from_unit(ms_bo_space s, const double *u, double *x)
{
  for (int64_t k = 0; k < s->d; k++) x[k] = s->dim[k].lo + u[k] * (s->dim[k].hi - s->dim[k].lo);
}

void ms_bo_space_snap(ms_bo_space s, double *x)
{
  for (int64_t k = 0; k < s->d; k++) {
    const ms_bo_dim *D = &s->dim[k];
    double           v = PetscMin(PetscMax(x[k], D->lo), D->hi);
    if (D->kind == MS_BO_DIM_INT) v = round(v);
    else if (D->kind == MS_BO_DIM_LEVELS) {
      double bestd = INFINITY, bestv = v;
      for (int64_t j = 0; j < D->n_levels; j++)
        if (fabs(D->levels[j] - v) < bestd) { /* strict: ties to the lower level */
          bestd = fabs(D->levels[j] - v);
          bestv = D->levels[j];
        }
      v = bestv;
    }
    x[k] = v;
  }
}
