/* ms_scaler.c - the preprocessing scalers of ms_scaler.h.
 *
 * Every type keeps at most two per-column statistics (a, b); which ones depends on the type:
 *   standard  a = mean, b = population std (0 -> 1, so a constant column maps to 0)
 *   minmax    a = min,  b = max - min      (0 -> 1, so a constant column maps to 0)
 *   poisson   a = column mean h_j
 *   truncate  a = min,  b = max
 * The row-wise types (log1p, normalize_*) have no statistics; fitting them only checks the
 * training data is in their domain.
 *
 * Adding a scaler: a new enum value and name, its statistics in fit, its map in transform
 * and inverse; save/load are generic over (a, b).
 */
#include "ms_scaler.h"
#include "ms_h5.h"
#include <math.h>
#include <string.h>

typedef enum {
  MS_SCALER_NONE, MS_SCALER_STANDARD, MS_SCALER_MINMAX, MS_SCALER_LOG1P, MS_SCALER_NORMALIZE_MAX,
  MS_SCALER_NORMALIZE_TOTAL, MS_SCALER_POISSON, MS_SCALER_TRUNCATE, MS_SCALER_NTYPES
} ms_scaler_kind;

const char *const ms_scaler_types[] = {"none", "standard", "minmax", "log1p", "normalize_max",
                                       "normalize_total", "poisson", "truncate", NULL};

struct ms_scaler_s {
  ms_scaler_kind kind;
  PetscBool      fitted;
  int64_t        d;
  double        *a, *b; /* d each, or NULL for the row-wise types */
};

static PetscBool ms_scaler_has_stats(ms_scaler_kind k)
{
  return (k == MS_SCALER_STANDARD || k == MS_SCALER_MINMAX || k == MS_SCALER_POISSON || k == MS_SCALER_TRUNCATE)
           ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_scaler_create(const char *type, ms_scaler *s)
{
  int k;

  PetscFunctionBegin;
  for (k = 0; k < MS_SCALER_NTYPES; k++)
    if (!strcmp(type, ms_scaler_types[k])) break;
  if (k == MS_SCALER_NTYPES)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "unknown scaler '%s' (option -scaler); expected one of none, standard, minmax, "
            "log1p, normalize_max, normalize_total, poisson, truncate", type);
  PetscCall(PetscNew(s));
  (*s)->kind = (ms_scaler_kind)k;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_destroy(ms_scaler *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(0);
  PetscCall(PetscFree2((*s)->a, (*s)->b));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

const char *ms_scaler_type(ms_scaler s) { return ms_scaler_types[s->kind]; }

/* Column sums of f(x) over the local rows, reduced over comm. */
static PetscErrorCode ms_scaler_column_moments(ms_dataset ds, const double *shift, double *out)
{
  const int64_t d = ds->n_features;

  PetscFunctionBegin;
  for (int64_t j = 0; j < d; j++) out[j] = 0.0;
  for (int64_t i = 0; i < ds->n_local; i++)
    for (int64_t j = 0; j < d; j++) {
      const double v = ds->X[i * d + j] - (shift ? shift[j] : 0.0);
      out[j] += shift ? v * v : v;
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, out, (int)d, MPI_DOUBLE, MPI_SUM, ds->comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_fit(ms_scaler s, ms_dataset train)
{
  const int64_t d = train->n_features;
  const double  n = (double)train->n_global;

  PetscFunctionBegin;
  if (train->n_global < 1) SETERRQ(train->comm, MS_ERR_USER, "scaler '%s': the training data has no rows", ms_scaler_type(s));
  if (train->replicated) {
    PetscMPIInt size;
    PetscCallMPI(MPI_Comm_size(train->comm, &size));
    if (size > 1) SETERRQ(train->comm, MS_ERR_USER, "scaler '%s': fit needs row-sharded data, not a replicated table", ms_scaler_type(s));
  }
  PetscCall(PetscFree2(s->a, s->b));
  s->d = d;
  if (ms_scaler_has_stats(s->kind)) PetscCall(PetscCalloc2(d, &s->a, d, &s->b));
  switch (s->kind) {
  case MS_SCALER_STANDARD:
    /* Two passes (mean, then centred squares): the one-pass formula loses digits when
       |mean| >> std, and the parity tests ask for 1e-12. */
    PetscCall(ms_scaler_column_moments(train, NULL, s->a));
    for (int64_t j = 0; j < d; j++) s->a[j] /= n;
    PetscCall(ms_scaler_column_moments(train, s->a, s->b));
    for (int64_t j = 0; j < d; j++) {
      s->b[j] = sqrt(s->b[j] / n);
      if (s->b[j] == 0.0) s->b[j] = 1.0;
    }
    break;
  case MS_SCALER_MINMAX:
    PetscCall(ms_dataset_column_range(train, s->a, s->b));
    for (int64_t j = 0; j < d; j++) {
      s->b[j] -= s->a[j];
      if (s->b[j] == 0.0) s->b[j] = 1.0;
    }
    break;
  case MS_SCALER_TRUNCATE:
    PetscCall(ms_dataset_column_range(train, s->a, s->b));
    break;
  case MS_SCALER_POISSON:
    PetscCall(ms_scaler_column_moments(train, NULL, s->a));
    for (int64_t j = 0; j < d; j++) s->a[j] /= n;
    break;
  case MS_SCALER_LOG1P:
    for (int64_t i = 0; i < train->n_local * d; i++)
      if (!(train->X[i] > -1.0))
        SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "scaler log1p needs values > -1; training row %" PRId64 " column '%s' is %g",
                train->row_start + i / d, train->feature_names ? train->feature_names[i % d] : "?", train->X[i]);
    break;
  default:
    break;
  }
  s->fitted = PETSC_TRUE;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_scaler_check(ms_scaler s, int64_t d)
{
  PetscFunctionBegin;
  if (!s->fitted && s->kind != MS_SCALER_NONE)
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ORDER, "scaler '%s' used before ms_scaler_fit", ms_scaler_type(s));
  if (s->fitted && d != s->d)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "scaler '%s' was fitted on %" PRId64 " columns but is applied to %" PRId64,
            ms_scaler_type(s), s->d, d);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_transform(ms_scaler s, int64_t n, int64_t d, double *X)
{
  PetscFunctionBegin;
  PetscCall(ms_scaler_check(s, d));
  for (int64_t i = 0; i < n; i++) {
    double *x = X + i * d, r = 0.0;
    switch (s->kind) {
    case MS_SCALER_NONE: break;
    case MS_SCALER_STANDARD:
    case MS_SCALER_MINMAX:
      for (int64_t j = 0; j < d; j++) x[j] = (x[j] - s->a[j]) / s->b[j];
      break;
    case MS_SCALER_LOG1P:
      for (int64_t j = 0; j < d; j++) {
        if (!(x[j] > -1.0))
          SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "scaler log1p needs values > -1; local row %" PRId64 " column %" PRId64 " is %g", i, j, x[j]);
        x[j] = log1p(x[j]);
      }
      break;
    case MS_SCALER_NORMALIZE_MAX:
    case MS_SCALER_NORMALIZE_TOTAL:
      /* |x| as scikit-learn's Normalizer(norm='max'/'l1'); equal to max/sum for spectra. */
      for (int64_t j = 0; j < d; j++) r = s->kind == MS_SCALER_NORMALIZE_MAX ? PetscMax(r, fabs(x[j])) : r + fabs(x[j]);
      if (r > 0.0)
        for (int64_t j = 0; j < d; j++) x[j] /= r;
      break;
    case MS_SCALER_POISSON:
      for (int64_t j = 0; j < d; j++) r += x[j];
      r /= (double)d;
      for (int64_t j = 0; j < d; j++) x[j] /= sqrt((r > 0.0 ? r : 1.0) * (s->a[j] > 0.0 ? s->a[j] : 1.0));
      break;
    case MS_SCALER_TRUNCATE:
      for (int64_t j = 0; j < d; j++) x[j] = PetscMin(PetscMax(x[j], s->a[j]), s->b[j]);
      break;
    default: break;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_inverse(ms_scaler s, int64_t n, int64_t d, double *X)
{
  PetscFunctionBegin;
  PetscCall(ms_scaler_check(s, d));
  switch (s->kind) {
  case MS_SCALER_NONE: break;
  case MS_SCALER_STANDARD:
  case MS_SCALER_MINMAX:
    for (int64_t i = 0; i < n; i++)
      for (int64_t j = 0; j < d; j++) X[i * d + j] = X[i * d + j] * s->b[j] + s->a[j];
    break;
  case MS_SCALER_LOG1P:
    for (int64_t i = 0; i < n * d; i++) X[i] = expm1(X[i]);
    break;
  default:
    /* Row norms and clipped values are not stored: the map cannot be undone. */
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "scaler '%s' has no inverse (row-wise or clipping map)", ms_scaler_type(s));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_save(ms_scaler s, hid_t group)
{
  PetscFunctionBegin;
  PetscCall(ms_h5_attr_set_string(group, "type", ms_scaler_type(s)));
  PetscCall(ms_h5_attr_set_int(group, "fitted", s->fitted));
  PetscCall(ms_h5_attr_set_int(group, "n_features", s->d));
  if (s->fitted && ms_scaler_has_stats(s->kind) && s->d > 0) {
    /* Replicated state: every rank writes the same values (see ms_model.h). */
    PetscCall(ms_h5_write_rows_double(group, "a", s->d, 0, s->d, 0, s->a));
    PetscCall(ms_h5_write_rows_double(group, "b", s->d, 0, s->d, 0, s->b));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_scaler_load(hid_t group, ms_scaler *s)
{
  char   *type;
  int64_t fitted, d;

  PetscFunctionBegin;
  PetscCall(ms_h5_attr_get_string(group, "type", &type));
  PetscCall(ms_h5_attr_get_int(group, "fitted", &fitted));
  PetscCall(ms_h5_attr_get_int(group, "n_features", &d));
  PetscCall(ms_scaler_create(type, s));
  PetscCall(PetscFree(type));
  (*s)->fitted = fitted ? PETSC_TRUE : PETSC_FALSE;
  (*s)->d      = d;
  if ((*s)->fitted && ms_scaler_has_stats((*s)->kind) && d > 0) {
    PetscCall(PetscCalloc2(d, &(*s)->a, d, &(*s)->b));
    PetscCall(ms_h5_read_rows_double(group, "a", 0, d, 0, (*s)->a));
    PetscCall(ms_h5_read_rows_double(group, "b", 0, d, 0, (*s)->b));
  }
  PetscFunctionReturn(0);
}
