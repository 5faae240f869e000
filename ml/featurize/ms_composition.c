/* ms_composition.c - composition featurizer: statistics of element properties weighted by
 * atomic fraction (definitions, presets and the missing-value policies in ms_featurize.h).
 *
 * Options of `matscreen featurize composition` map onto create(): -preset, -properties,
 * -stats, -elements_dir, -missing. Adding a statistic: one enum value, one name, one case in
 * stat_all(). Adding a preset: one row in presets[].
 */
#include "ms_featurize.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const ms_missing_policy_names[] = {"error", "impute", "drop", "nan", "ms_missing_policy", "MS_MISSING_", NULL};
const char *const ms_composition_stat_names[] = {"minimum", "maximum", "range", "mean", "avg_dev", "mode", "variance", "std_dev", NULL};

static const char *const magpie_props[] = {"Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row",
                                           "CovalentRadius", "Electronegativity", "NsValence", "NpValence", "NdValence",
                                           "NfValence", "NValence", "NsUnfilled", "NpUnfilled", "NdUnfilled", "NfUnfilled",
                                           "NUnfilled", "GSvolume_pa", "GSbandgap", "GSmagmom", "SpaceGroupNumber"};
static const ms_composition_stat magpie_stats[] = {MS_STAT_MINIMUM, MS_STAT_MAXIMUM, MS_STAT_RANGE,
                                                   MS_STAT_MEAN,    MS_STAT_AVG_DEV, MS_STAT_MODE};
static const ms_composition_stat extended_stats[] = {MS_STAT_MINIMUM, MS_STAT_MAXIMUM, MS_STAT_RANGE, MS_STAT_MEAN,
                                                     MS_STAT_AVG_DEV, MS_STAT_MODE,    MS_STAT_VARIANCE};
static const char *const slides_props[] = {"Number", "AtomicWeight", "Electronegativity"};
static const ms_composition_stat slides_stats[] = {MS_STAT_MEAN, MS_STAT_VARIANCE};

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))
static const struct {
  const char                *name;
  int                        n_props, n_stats;
  const char *const         *props;
  const ms_composition_stat *stats;
} presets[] = {
  {"magpie", N_OF(magpie_props), N_OF(magpie_stats), magpie_props, magpie_stats},
  {"magpie_extended", N_OF(magpie_props), N_OF(extended_stats), magpie_props, extended_stats},
  {"slides", N_OF(slides_props), N_OF(slides_stats), slides_props, slides_stats},
};

struct ms_composition_featurizer_s {
  ms_element_table     table;
  ms_missing_policy    policy;
  int                  n_props, n_stats, n_cols;
  char               **props;
  ms_composition_stat *stats;
  char               **names, **units;
  int64_t              n_charged; /* formulas whose charge was ignored (atomic counter) */
};

PetscErrorCode ms_composition_featurizer_create(const char *preset, const char *elements_dir, ms_missing_policy policy,
                                                ms_composition_featurizer *f)
{
  PetscFunctionBegin;
  for (int k = 0; k < N_OF(presets); k++)
    if (!strcmp(preset, presets[k].name)) {
      PetscCall(ms_composition_featurizer_create_custom(presets[k].n_props, presets[k].props, presets[k].n_stats,
                                                        presets[k].stats, elements_dir, policy, f));
      PetscFunctionReturn(0);
    }
  SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "unknown composition preset '%s' (known: magpie, magpie_extended, slides)", preset);
}

PetscErrorCode ms_composition_featurizer_create_custom(int n_props, const char *const *props, int n_stats,
                                                       const ms_composition_stat *stats, const char *elements_dir,
                                                       ms_missing_policy policy, ms_composition_featurizer *out)
{
  ms_composition_featurizer f;
  char                      buf[256];
  PetscFunctionBegin;
  PetscCheck(n_props > 0 && n_stats > 0, PETSC_COMM_SELF, MS_ERR_USER, "a composition featurizer needs properties and statistics");
  PetscCheck(policy >= MS_MISSING_ERROR && policy <= MS_MISSING_NAN, PETSC_COMM_SELF, MS_ERR_USER, "bad missing-value policy %d",
             (int)policy);
  PetscCall(PetscNew(&f));
  f->policy  = policy;
  f->n_props = n_props;
  f->n_stats = n_stats;
  f->n_cols  = n_props * n_stats;
  PetscCall(PetscCalloc1(n_props, &f->props));
  PetscCall(PetscMalloc1(n_stats, &f->stats));
  PetscCall(PetscCalloc2(f->n_cols, &f->names, f->n_cols, &f->units));
  for (int p = 0; p < n_props; p++) PetscCall(PetscStrallocpy(props[p], &f->props[p]));
  for (int s = 0; s < n_stats; s++) {
    PetscCheck(stats[s] >= 0 && stats[s] < MS_STAT_COUNT, PETSC_COMM_SELF, MS_ERR_USER, "bad statistic %d", (int)stats[s]);
    f->stats[s] = stats[s];
  }
  {
    PetscErrorCode ierr = ms_element_table_load(elements_dir, n_props, (const char *const *)f->props, &f->table);
    if (ierr) { /* free what was built, then pass the table's error on */
      f->n_cols = 0;
      PetscCall(ms_composition_featurizer_destroy(&f));
      PetscCall(ierr);
    }
  }
  for (int p = 0, c = 0; p < n_props; p++)
    for (int s = 0; s < n_stats; s++, c++) {
      const char *u = ms_element_property_unit(props[p]);
      snprintf(buf, sizeof buf, "MagpieData %s %s", ms_composition_stat_names[stats[s]], props[p]);
      PetscCall(PetscStrallocpy(buf, &f->names[c]));
      if (stats[s] == MS_STAT_VARIANCE && u[0]) snprintf(buf, sizeof buf, "(%s)^2", u);
      else snprintf(buf, sizeof buf, "%s", u);
      PetscCall(PetscStrallocpy(buf, &f->units[c]));
    }
  *out = f;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_composition_featurizer_destroy(ms_composition_featurizer *f)
{
  PetscFunctionBegin;
  if (!*f) PetscFunctionReturn(0);
  for (int p = 0; p < (*f)->n_props; p++) PetscCall(PetscFree((*f)->props[p]));
  for (int c = 0; c < (*f)->n_cols; c++) {
    PetscCall(PetscFree((*f)->names[c]));
    PetscCall(PetscFree((*f)->units[c]));
  }
  PetscCall(PetscFree((*f)->props));
  PetscCall(PetscFree((*f)->stats));
  PetscCall(PetscFree2((*f)->names, (*f)->units));
  PetscCall(ms_element_table_destroy(&(*f)->table));
  PetscCall(PetscFree(*f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_composition_featurizer_columns(ms_composition_featurizer f, int *n, const char *const **names,
                                                 const char *const **units)
{
  PetscFunctionBegin;
  if (n) *n = f->n_cols;
  if (names) *names = (const char *const *)f->names;
  if (units) *units = (const char *const *)f->units;
  PetscFunctionReturn(0);
}

/* All statistics of values v[0..n) with weights w (summing to 1), each computed once. */
static void stat_all(int n, const double *v, const double *w, double out[MS_STAT_COUNT])
{
  double lo = v[0], hi = v[0], mean = 0, dev = 0, var = 0, wmax = w[0], mode;
  for (int i = 0; i < n; i++) {
    if (v[i] < lo) lo = v[i];
    if (v[i] > hi) hi = v[i];
    if (w[i] > wmax) wmax = w[i];
    mean += w[i] * v[i];
  }
  mode = INFINITY;
  for (int i = 0; i < n; i++) {
    double d = v[i] - mean;
    dev += w[i] * fabs(d);
    var += w[i] * d * d;
    if (fabs(w[i] - wmax) <= 1e-8 && v[i] < mode) mode = v[i]; /* ties: the smallest value (matminer) */
  }
  out[MS_STAT_MINIMUM]  = lo;
  out[MS_STAT_MAXIMUM]  = hi;
  out[MS_STAT_RANGE]    = hi - lo;
  out[MS_STAT_MEAN]     = mean;
  out[MS_STAT_AVG_DEV]  = dev;
  out[MS_STAT_MODE]     = mode;
  out[MS_STAT_VARIANCE] = var;
  out[MS_STAT_STD_DEV]  = sqrt(var);
}

int ms_composition_featurizer_row(ms_composition_featurizer f, const char *formula, double *x, char *msg, size_t msglen)
{
  ms_formula       c;
  ms_formula_error e;
  double           v[MS_N_ELEMENTS], w[MS_N_ELEMENTS];

  for (int k = 0; k < f->n_cols; k++) x[k] = NAN;
  if (ms_formula_parse(formula, &c, &e)) {
    if (msg) ms_formula_error_format(formula, &e, msg, msglen);
    return MS_FEAT_BAD_INPUT;
  }
  if (c.charge) {
#pragma omp atomic
    f->n_charged++;
  }
  for (int p = 0; p < f->n_props; p++) {
    int    n = 0;
    double wsum = 0;
    for (int i = 0; i < c.n; i++) {
      double val = ms_element_table_value(f->table, p, c.z[i]);
      if (isnan(val)) {
        switch (f->policy) {
        case MS_MISSING_ERROR:
          if (msg)
            snprintf(msg, msglen, "formula '%s': element %s has no value of property %s (%s/%s.table line %d says Missing or "
                     "ends before it; see -missing)", formula, ms_element_symbol(c.z[i]), f->props[p],
                     ms_element_table_dir(f->table), f->props[p], c.z[i]);
          for (int k = 0; k < f->n_cols; k++) x[k] = NAN;
          return MS_FEAT_MISSING_VALUE;
        case MS_MISSING_IMPUTE: val = ms_element_table_mean(f->table, p); break;
        case MS_MISSING_DROP: continue;
        case MS_MISSING_NAN: n = -1; break;
        }
        if (n < 0) break;
      }
      v[n]   = val;
      w[n++] = c.fraction[i];
      wsum += c.fraction[i];
    }
    if (n < 0) continue; /* nan policy: this property's columns stay NaN */
    if (n == 0) {
      if (msg)
        snprintf(msg, msglen, "formula '%s': no element has a value of property %s (-missing drop left nothing)", formula,
                 f->props[p]);
      for (int k = 0; k < f->n_cols; k++) x[k] = NAN;
      return MS_FEAT_MISSING_VALUE;
    }
    for (int i = 0; i < n; i++) w[i] /= wsum;
    double all[MS_STAT_COUNT];
    stat_all(n, v, w, all);
    for (int s = 0; s < f->n_stats; s++) x[p * f->n_stats + s] = all[f->stats[s]];
  }
  if (msg && msglen) msg[0] = 0;
  return MS_FEAT_OK;
}

PetscErrorCode ms_composition_featurizer_apply(ms_composition_featurizer f, int64_t n, const char *const *formulas, double *X,
                                               int *status)
{
  PetscFunctionBegin;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    int st = ms_composition_featurizer_row(f, formulas[i], X + i * f->n_cols, NULL, 0);
    if (status) status[i] = st;
  }
  PetscFunctionReturn(0);
}

int64_t ms_composition_featurizer_charged(ms_composition_featurizer f) { return f->n_charged; }
