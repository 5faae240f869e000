/* ms_screen_run.c - the screening loop: chunk c on rank c mod P, predict, score, filter,
 * keep; one small collective per round of P chunks (progress, signal, checkpoint). */
#include "ms_screen_impl.h"
#include "ms_error.h"
#include "ms_csv.h"
#include "ms_log.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

const char *const ms_screen_rank_names[] = {"mean", "ucb", "lcb", "prob", "ms_screen_rank_by", "MS_SCREEN_RANK_", NULL};

void ms_screen_opts_default(ms_screen_opts *o)
{
  memset(o, 0, sizeof *o);
  o->rank                = MS_SCREEN_RANK_MEAN;
  o->maximize            = PETSC_TRUE;
  o->maximize2           = PETSC_TRUE;
  o->kappa               = 2.0;
  o->threshold           = NAN;
  o->top_k               = 10;
  o->chunk               = 65536;
  o->domain_tol          = 0.5;
  o->hist_bins           = 50;
  o->hist_lo             = NAN;
  o->hist_hi             = NAN;
  o->checkpoint_interval = 60.0;
  o->progress            = PETSC_TRUE;
}

PetscErrorCode ms_screen_filters_parse(MPI_Comm comm, const char *spec, ms_screen_filter **f, int *n)
{
  char buf[4096], *tok, *save;
  int  cap = 1;

  PetscFunctionBegin;
  *n = 0;
  PetscCheck(strlen(spec) < sizeof buf, comm, MS_ERR_USER, "-filter: value too long");
  for (const char *p = spec; *p; p++) cap += *p == ',';
  PetscCall(PetscCalloc1(cap, f));
  strcpy(buf, spec);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '='), *colon = eq ? strchr(eq, ':') : NULL;
    PetscCheck(eq && colon && eq != tok, comm, MS_ERR_USER, "-filter '%s': expected column=lo:hi (either bound may be empty)", tok);
    *eq = *colon = 0;
    ms_screen_filter *g = &(*f)[(*n)++];
    PetscCall(PetscStrncpy(g->column, tok, sizeof g->column));
    g->lo = -INFINITY;
    g->hi = INFINITY;
    PetscBool fin;
    if (eq[1]) PetscCheck(ms_csv_parse_double(eq + 1, &g->lo, &fin), comm, MS_ERR_USER, "-filter %s: lower bound '%s' is not a number", tok, eq + 1);
    if (colon[1]) PetscCheck(ms_csv_parse_double(colon + 1, &g->hi, &fin), comm, MS_ERR_USER, "-filter %s: upper bound '%s' is not a number", tok, colon + 1);
    PetscCheck(g->lo <= g->hi, comm, MS_ERR_USER, "-filter %s: lower bound %g > upper bound %g", tok, g->lo, g->hi);
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ per-run context */
enum { COL_PRED, COL_STD, COL_PRED2, COL_STD2, COL_SCORE, COL_DIST, COL_INDOM, N_SPECIAL };
static const char *const special_names[N_SPECIAL] = {"prediction", "std", "prediction2", "std2", "score", "distance", "in_domain"};

typedef struct {
  const ms_screen_opts *o;
  ms_screen_source      src;
  int64_t               nc, chunk;
  int64_t              *map1, *map2;   /* model feature j -> source column */
  ms_dataset            ds1, ds2;      /* prediction buffers on PETSC_COMM_SELF */
  double               *Xs, *P, *vec[N_SPECIAL];
  char                 *ids, *scratch;
  PetscBool             need_std, need_std2, need_pred2;
  int64_t               cls;           /* classifier: class index of prob */
  int                  *fcol;          /* per filter: source column (>= 0) or -1 - special */
  ms_screen_state       st;
} run_ctx;

static PetscErrorCode map_features(MPI_Comm comm, ms_model m, ms_screen_source src, const char *which, int64_t **map)
{
  char missing[2048] = "";
  int  n_missing     = 0;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(m->n_features, map));
  for (int64_t j = 0; j < m->n_features; j++) {
    (*map)[j] = ms_screen_source_column(src, m->feature_names[j]);
    if ((*map)[j] < 0) {
      PetscCall(PetscStrlcat(missing, n_missing++ ? ", " : "", sizeof missing));
      PetscCall(PetscStrlcat(missing, m->feature_names[j], sizeof missing));
    }
  }
  PetscCheck(!n_missing, comm, MS_ERR_USER,
             "the candidates do not cover %d feature(s) of %s (target '%s'): %s; add them to the table or the space (e.g. -space %s=VALUE)",
             n_missing, which, m->target_name ? m->target_name : "?", missing, m->feature_names[0]);
  PetscFunctionReturn(0);
}

static PetscErrorCode pred_dataset(ms_model m, int64_t chunk, ms_dataset *ds)
{
  PetscFunctionBegin;
  PetscCall(ms_dataset_create(PETSC_COMM_SELF, chunk, m->n_features, ds));
  PetscCall(ms_dataset_set_feature_names(*ds, m->feature_names));
  PetscFunctionReturn(0);
}

static void gather_features(const run_ctx *c, const int64_t *map, ms_dataset ds, int64_t n)
{
  const int64_t d = ds->n_features;
  ds->n_local = ds->n_global = n;
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < d; j++) ds->X[i * d + j] = c->Xs[i * c->nc + map[j]];
}

/* Standardized distance of x (source row) to the training box of model m. */
static inline double domain_distance(ms_model m, const int64_t *map, const double *x)
{
  const int64_t d = m->n_features;
  const double *S = m->train_summary;
  double        s = 0;
  for (int64_t j = 0; j < d; j++) {
    double v = x[map[j]], lo = S[MS_MODEL_SUMMARY_MIN * d + j], hi = S[MS_MODEL_SUMMARY_MAX * d + j], sd = S[MS_MODEL_SUMMARY_STD * d + j];
    double e = v < lo ? lo - v : v > hi ? v - hi : 0.0;
    if (e > 0) {
      e /= sd > 0 ? sd : 1.0;
      s += e * e;
    }
  }
  return sqrt(s);
}

static inline double score_of(const ms_screen_opts *o, double mu, double sd)
{
  switch (o->rank) {
  case MS_SCREEN_RANK_UCB: return mu + o->kappa * sd;
  case MS_SCREEN_RANK_LCB: return mu - o->kappa * sd;
  case MS_SCREEN_RANK_PROB:
    if (!(sd > 0)) return (o->maximize ? mu > o->threshold : mu < o->threshold) ? 1.0 : 0.0;
    return o->maximize ? 0.5 * erfc((o->threshold - mu) / (sd * M_SQRT2)) : 0.5 * erfc((mu - o->threshold) / (sd * M_SQRT2));
  default: return mu;
  }
}

static PetscErrorCode process_chunk(run_ctx *c, int64_t ci)
{
  const ms_screen_opts *o     = c->o;
  const int64_t         start = ci * c->chunk, n = PetscMin(c->chunk, c->src->n_total - start);
  ms_model              m = o->model, m2 = o->model2;
  double **v = c->vec;

  PetscFunctionBegin;
  PetscCall(c->src->ops.read_rows(c->src, start, n, c->Xs, c->src->has_ids ? c->ids : NULL));
  gather_features(c, c->map1, c->ds1, n);
  if (m->task == MS_TASK_CLASSIFICATION) {
    PetscCall(ms_model_predict_proba(m, c->ds1, c->P));
    for (int64_t i = 0; i < n; i++) {
      int64_t best = 0;
      for (int64_t k = 1; k < m->n_classes; k++)
        if (c->P[i * m->n_classes + k] > c->P[i * m->n_classes + best]) best = k;
      v[COL_PRED][i]  = (double)best;
      v[COL_STD][i]   = NAN;
      v[COL_SCORE][i] = c->P[i * m->n_classes + c->cls];
    }
  } else {
    /* with a std: one pass for both (a GPR's kernel block, a forest's descent) */
    if (c->need_std) PetscCall(ms_model_predict_mean_std(m, c->ds1, v[COL_PRED], v[COL_STD]));
    else {
      PetscCall(ms_model_predict(m, c->ds1, v[COL_PRED]));
      for (int64_t i = 0; i < n; i++) v[COL_STD][i] = NAN;
    }
    for (int64_t i = 0; i < n; i++) v[COL_SCORE][i] = score_of(o, v[COL_PRED][i], v[COL_STD][i]);
  }
  for (int64_t i = 0; i < n; i++) v[COL_PRED2][i] = v[COL_STD2][i] = NAN;
  if (m2 && c->need_pred2) {
    gather_features(c, c->map2, c->ds2, n);
    if (c->need_std2) PetscCall(ms_model_predict_mean_std(m2, c->ds2, v[COL_PRED2], v[COL_STD2]));
    else PetscCall(ms_model_predict(m2, c->ds2, v[COL_PRED2]));
  }
  for (int64_t i = 0; i < n; i++) {
    if (m->train_summary) {
      v[COL_DIST][i]  = domain_distance(m, c->map1, c->Xs + i * c->nc);
      v[COL_INDOM][i] = v[COL_DIST][i] <= o->domain_tol ? 1.0 : 0.0;
    } else {
      v[COL_DIST][i]  = NAN;
      v[COL_INDOM][i] = -1.0;
    }
  }
  int64_t n_front = 0;
  for (int64_t i = 0; i < n; i++) {
    const double sc = v[COL_SCORE][i];
    if (!isfinite(sc)) continue;
    c->st.n_scored++;
    ms_screen_state_hist_add(&c->st, sc);
    if (v[COL_INDOM][i] == 0.0) c->st.n_out++;
    PetscBool pass = PETSC_TRUE;
    for (int f = 0; f < o->n_filters && pass; f++) {
      double x = c->fcol[f] >= 0 ? c->Xs[i * c->nc + c->fcol[f]] : v[-1 - c->fcol[f]][i];
      pass = x >= o->filters[f].lo && x <= o->filters[f].hi; /* NaN fails every filter */
    }
    if (!pass) continue;
    c->st.n_passed++;
    const int64_t gi  = start + i;
    double        key = (o->rank == MS_SCREEN_RANK_PROB || m->task == MS_TASK_CLASSIFICATION || o->maximize) ? sc : -sc;
    double        key2 = 0;
    if (o->pareto) {
      key  = o->maximize ? v[COL_PRED][i] : -v[COL_PRED][i];
      key2 = o->maximize2 ? v[COL_PRED2][i] : -v[COL_PRED2][i];
      if (!isfinite(key2)) continue;
    } else if (!ms_screen_state_wants(&c->st, key, gi)) continue;
    ms_screen_rec *r = o->pareto ? (ms_screen_rec *)(c->scratch + (size_t)n_front++ * c->st.rec_bytes) : (ms_screen_rec *)c->scratch;
    r->index     = gi;
    r->key       = key;
    r->key2      = key2;
    r->score     = sc;
    r->pred      = v[COL_PRED][i];
    r->std       = v[COL_STD][i];
    r->pred2     = v[COL_PRED2][i];
    r->std2      = v[COL_STD2][i];
    r->distance  = v[COL_DIST][i];
    r->in_domain = (int32_t)v[COL_INDOM][i];
    r->pad       = 0;
    if (c->src->has_ids) memcpy(r->id, c->ids + i * MS_SCREEN_ID_LEN, MS_SCREEN_ID_LEN);
    else memset(r->id, 0, MS_SCREEN_ID_LEN);
    memcpy(MS_REC_X(r), c->Xs + i * c->nc, (size_t)c->nc * sizeof(double));
    if (!o->pareto) PetscCall(ms_screen_state_offer(&c->st, r));
  }
  if (o->pareto && n_front) {
    /* the chunk's own front first: the running front only ever sees candidates that can stay */
    PetscCall(ms_screen_front_reduce(c->st.rec_bytes, c->scratch, n_front, &n_front));
    PetscCall(ms_screen_state_front_add(&c->st, c->scratch, n_front));
  }
  PetscFunctionReturn(0);
}

/* std (and std2) of the kept rows when they were not computed for every candidate */
static PetscErrorCode fill_std(run_ctx *c)
{
  ms_screen_state *s = &c->st;
  const int64_t    n = s->n_recs;
  ms_model         ms[2] = {c->o->model, c->o->model2};
  int64_t         *maps[2] = {c->map1, c->map2};
  PetscBool        need[2] = {!c->need_std, c->o->model2 && !c->need_std2};

  PetscFunctionBegin;
  for (int k = 0; k < 2; k++) {
    if (!need[k] || !n || !ms_model_has_std(ms[k]) || ms[k]->task != MS_TASK_REGRESSION) continue;
    ms_dataset ds;
    double    *sd;
    PetscCall(pred_dataset(ms[k], n, &ds));
    PetscCall(PetscMalloc1(n, &sd));
    for (int64_t i = 0; i < n; i++) {
      const double *x = MS_REC_X(ms_screen_state_rec(s, s->recs, i));
      for (int64_t j = 0; j < ms[k]->n_features; j++) ds->X[i * ms[k]->n_features + j] = x[maps[k][j]];
    }
    PetscCall(ms_model_predict_std(ms[k], ds, sd));
    for (int64_t i = 0; i < n; i++) {
      ms_screen_rec *r = ms_screen_state_rec(s, s->recs, i);
      if (k == 0) r->std = sd[i];
      else r->std2 = sd[i];
    }
    PetscCall(PetscFree(sd));
    PetscCall(ms_dataset_destroy(&ds));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode definition_hash(const run_ctx *c, uint64_t *hash)
{
  const ms_screen_opts *o = c->o;
  char                  buf[8192];
  uint64_t              h = 0;

  PetscFunctionBegin;
  PetscCall(c->src->ops.describe(c->src, buf, sizeof buf));
  h = ms_screen_fnv1a(h, buf, strlen(buf));
  PetscCall(PetscSNPrintf(buf, sizeof buf, "rank %d max %d max2 %d pareto %d kappa %.17g thr %.17g class %s top %lld chunk %lld dtol %.17g hist %d %.17g %.17g def %s",
                          (int)o->rank, (int)o->maximize, (int)o->maximize2, (int)o->pareto, o->kappa, o->threshold, o->class_name,
                          (long long)o->top_k, (long long)o->chunk, o->domain_tol, c->st.hist_bins, c->st.hist_lo, c->st.hist_hi,
                          o->definition ? o->definition : ""));
  h = ms_screen_fnv1a(h, buf, strlen(buf));
  for (int f = 0; f < o->n_filters; f++) {
    PetscCall(PetscSNPrintf(buf, sizeof buf, "filter %s %.17g %.17g", o->filters[f].column, o->filters[f].lo, o->filters[f].hi));
    h = ms_screen_fnv1a(h, buf, strlen(buf));
  }
  *hash = h;
  PetscFunctionReturn(0);
}


/* Checks and the derived settings that do not depend on the candidates' values. */
static PetscErrorCode setup(MPI_Comm comm, run_ctx *c)
{
  const ms_screen_opts *o = c->o;
  ms_model              m = o->model, m2 = o->model2;
  const char           *rk = ms_screen_rank_names[o->rank];

  PetscFunctionBegin;
  PetscCheck(o->top_k >= 1, comm, MS_ERR_USER, "-top %lld: expected K >= 1", (long long)o->top_k);
  PetscCheck(o->chunk >= 1 && o->chunk <= 1 << 24, comm, MS_ERR_USER, "-chunk %lld: expected 1..16777216 rows", (long long)o->chunk);
  c->cls = -1;
  if (m->task == MS_TASK_CLASSIFICATION) {
    PetscCheck(o->rank == MS_SCREEN_RANK_PROB && o->class_name[0], comm, MS_ERR_USER,
               "model '%s' is a classifier: rank by the probability of a class (-rank prob -class NAME; classes: %s%s)", m->type,
               m->class_names[0], m->n_classes > 1 ? ", ..." : "");
    for (int64_t k = 0; k < m->n_classes; k++)
      if (!strcmp(m->class_names[k], o->class_name)) c->cls = k;
    PetscCheck(c->cls >= 0, comm, MS_ERR_USER, "-class '%s' is not a class of the model (first class: '%s')", o->class_name, m->class_names[0]);
  } else {
    PetscCheck(!o->class_name[0], comm, MS_ERR_USER, "-class applies to classifiers; model '%s' is a regressor", m->type);
    PetscCheck(o->rank == MS_SCREEN_RANK_MEAN || ms_model_has_std(m), comm, MS_ERR_USER,
               "-rank %s needs a predictive standard deviation, but model '%s' gives none; use -rank mean, or a model with a std (gpr, rf)", rk,
               m->type);
    PetscCheck(o->rank != MS_SCREEN_RANK_PROB || isfinite(o->threshold), comm, MS_ERR_USER, "-rank prob needs -threshold T (a finite number)");
  }
  if (o->pareto) {
    PetscCheck(m2, comm, MS_ERR_USER, "a Pareto screen (-goal a,b) needs a second model (-model2)");
    PetscCheck(m->task == MS_TASK_REGRESSION && m2->task == MS_TASK_REGRESSION, comm, MS_ERR_USER, "a Pareto screen needs two regression models");
  }
  if (m2) PetscCheck(m2->task == MS_TASK_REGRESSION, comm, MS_ERR_USER, "-model2 must be a regression model");
  PetscCall(map_features(comm, m, c->src, "the model (-model)", &c->map1));
  if (m2) PetscCall(map_features(comm, m2, c->src, "the second model (-model2)", &c->map2));
  c->need_std   = o->rank != MS_SCREEN_RANK_MEAN && m->task == MS_TASK_REGRESSION;
  c->need_pred2 = m2 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscMalloc1(o->n_filters + 1, &c->fcol));
  for (int f = 0; f < o->n_filters; f++) {
    const char *name = o->filters[f].column;
    int64_t     j    = ms_screen_source_column(c->src, name);
    if (j < 0) {
      int k = -1;
      for (int t = 0; t < N_SPECIAL; t++)
        if (!strcmp(name, special_names[t])) k = t;
      if (k < 0 && m->target_name && !strcmp(name, m->target_name)) k = COL_PRED;
      if (k < 0 && m2 && m2->target_name && !strcmp(name, m2->target_name)) k = COL_PRED2;
      if (k < 0)
        SETERRQ(comm, MS_ERR_USER, "-filter: unknown column '%s'; filters take a candidate column (%s, ...), prediction, std, prediction2, std2, "
                "score, distance, in_domain, or a target name (%s)", name, c->src->columns[0], m->target_name ? m->target_name : "prediction");
      j = -1 - k;
    }
    PetscCheck((j != -1 - COL_PRED2 && j != -1 - COL_STD2) || m2, comm, MS_ERR_USER, "-filter %s needs -model2", name);
    PetscCheck(j != -1 - COL_STD || (ms_model_has_std(m) && m->task == MS_TASK_REGRESSION), comm, MS_ERR_USER,
               "-filter std: model '%s' gives no predictive standard deviation", m->type);
    PetscCheck(j != -1 - COL_STD2 || ms_model_has_std(m2), comm, MS_ERR_USER, "-filter std2: model2 '%s' gives no predictive standard deviation",
               m2 ? m2->type : "?");
    if (j == -1 - COL_STD) c->need_std = PETSC_TRUE;
    if (j == -1 - COL_STD2) c->need_std2 = PETSC_TRUE;
    c->fcol[f] = (int)j;
  }
  PetscFunctionReturn(0);
}

/* Histogram range: given, [0, 1] for probabilities, else the training target range widened
   by a quarter on each side (bounds must not depend on the candidates, or a resumed or
   re-sharded screen would bin differently). */
static PetscErrorCode hist_range(MPI_Comm comm, const run_ctx *c, int *bins, double *lo, double *hi)
{
  const ms_screen_opts *o = c->o;
  ms_model              m = o->model;
  PetscFunctionBegin;
  *bins = o->hist_bins;
  *lo   = o->hist_lo;
  *hi   = o->hist_hi;
  if (!isfinite(*lo) || !isfinite(*hi)) {
    if (o->rank == MS_SCREEN_RANK_PROB || m->task == MS_TASK_CLASSIFICATION) { *lo = 0; *hi = 1; }
    else {
      double w = m->target_max - m->target_min;
      if (!(w > 0)) w = fabs(m->target_max) > 0 ? fabs(m->target_max) : 1.0;
      *lo = m->target_min - 0.25 * w;
      *hi = m->target_max + 0.25 * w;
    }
  }
  if (*bins > 0 && !(isfinite(*lo) && isfinite(*hi) && *lo < *hi)) {
    PetscCall(ms_warn(comm, "warning: no score histogram: the model file has no training target range; give -hist_range lo:hi\n"));
    *bins = 0;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode free_ctx(run_ctx *c)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(c->map1));
  PetscCall(PetscFree(c->map2));
  PetscCall(PetscFree(c->fcol));
  PetscCall(ms_dataset_destroy(&c->ds1));
  PetscCall(ms_dataset_destroy(&c->ds2));
  PetscCall(PetscFree(c->Xs));
  PetscCall(PetscFree(c->P));
  PetscCall(PetscFree(c->ids));
  PetscCall(PetscFree(c->scratch));
  for (int k = 0; k < N_SPECIAL; k++) PetscCall(PetscFree(c->vec[k]));
  PetscCall(ms_screen_state_free(&c->st));
  PetscFunctionReturn(0);
}

/* Rank 0 loads a checkpoint when one exists; every rank learns where to continue. */
static PetscErrorCode resume(MPI_Comm comm, run_ctx *c, uint64_t hash, int64_t *next)
{
  const ms_screen_opts *o = c->o;
  PetscMPIInt           rank;
  char                  msg[1024] = "";
  int                   exists    = 0;

  PetscFunctionBegin;
  *next = 0;
  if (!o->checkpoint) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) exists = access(o->checkpoint, F_OK) == 0;
  PetscCallMPI(MPI_Bcast(&exists, 1, MPI_INT, 0, comm));
  PetscCheck(exists || !o->resume, comm, MS_ERR_USER, "-resume: no checkpoint %s to resume from", o->checkpoint);
  if (!exists) PetscFunctionReturn(0);
  if (!rank) PetscCall(ms_screen_ckpt_read(o->checkpoint, hash, c->src->n_total, c->chunk, &c->st, next, msg, sizeof msg));
  PetscCallMPI(MPI_Bcast(msg, sizeof msg, MPI_CHAR, 0, comm));
  PetscCheck(!msg[0], comm, MS_ERR_READ, "%s", msg);
  PetscCallMPI(MPI_Bcast(next, 1, MPI_INT64_T, 0, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_run(MPI_Comm comm, ms_screen_source src, const ms_screen_opts *o, ms_screen_result *res)
{
  run_ctx     c;
  PetscMPIInt rank, size;
  uint64_t    hash = 0;
  int64_t     next = 0, n_chunks;
  int         bins;
  double      lo, hi, t0 = MPI_Wtime(), last_ckpt;
  ms_progress prog;

  PetscFunctionBegin;
  memset(&c, 0, sizeof c);
  memset(res, 0, sizeof *res);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  c.o     = o;
  c.src   = src;
  c.nc    = src->n_columns;
  c.chunk = o->chunk;
  PetscCall(setup(comm, &c));
  PetscCall(hist_range(comm, &c, &bins, &lo, &hi));
  PetscCall(ms_screen_state_init(&c.st, c.nc, o->pareto, o->top_k, bins, lo, hi));
  PetscCall(pred_dataset(o->model, c.chunk, &c.ds1));
  if (o->model2) PetscCall(pred_dataset(o->model2, c.chunk, &c.ds2));
  PetscCall(PetscMalloc1(c.chunk * c.nc + 1, &c.Xs));
  if (o->model->task == MS_TASK_CLASSIFICATION) PetscCall(PetscMalloc1(c.chunk * o->model->n_classes, &c.P));
  if (src->has_ids) PetscCall(PetscMalloc1(c.chunk * MS_SCREEN_ID_LEN, &c.ids));
  PetscCall(PetscMalloc1((o->pareto ? c.chunk : 1) * c.st.rec_bytes, &c.scratch));
  for (int k = 0; k < N_SPECIAL; k++) PetscCall(PetscMalloc1(c.chunk, &c.vec[k]));
  PetscCall(definition_hash(&c, &hash));
  PetscCall(resume(comm, &c, hash, &next));
  res->resumed_from = PetscMin(next * c.chunk, src->n_total);

  n_chunks  = (src->n_total + c.chunk - 1) / c.chunk;
  last_ckpt = MPI_Wtime();
  if (o->progress) PetscCall(ms_progress_begin(comm, "screening", src->n_total, &prog));
  for (int64_t c0 = next; c0 < n_chunks; c0 += size) {
    int64_t flag[2];
    if (c0 + rank < n_chunks) PetscCall(process_chunk(&c, c0 + rank));
    /* one collective per round: stop on a signal anywhere, checkpoint when rank 0 says so */
    flag[0] = ms_signal_received();
    flag[1] = !rank && o->checkpoint && MPI_Wtime() - last_ckpt >= o->checkpoint_interval;
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, flag, 2, MPI_INT64_T, MPI_MAX, comm));
    next = PetscMin(c0 + size, n_chunks);
    if (o->progress) PetscCall(ms_progress_update(&prog, PetscMin(next * c.chunk, src->n_total)));
    if ((flag[0] || flag[1]) && o->checkpoint && next < n_chunks) {
      PetscCall(ms_screen_state_merge(comm, &c.st));
      if (!rank) PetscCall(ms_screen_ckpt_write(o->checkpoint, hash, src->n_total, c.chunk, next, &c.st));
      last_ckpt = MPI_Wtime();
    }
    if (flag[0] && next < n_chunks) {
      res->signal = (int)flag[0];
      break;
    }
  }
  if (o->progress) PetscCall(ms_progress_end(&prog));
  PetscCall(ms_screen_state_merge(comm, &c.st));
  int64_t cnt[3] = {c.st.n_scored, c.st.n_passed, c.st.n_out};
  PetscCallMPI(MPI_Bcast(cnt, 3, MPI_INT64_T, 0, comm));
  res->n_total         = src->n_total;
  res->n_scored        = cnt[0];
  res->n_passed        = cnt[1];
  res->n_out_of_domain = cnt[2];
  res->n_columns       = c.nc;
  res->hist_bins       = bins;
  res->hist_lo         = lo;
  res->hist_hi         = hi;
  res->has_std         = ms_model_has_std(o->model) && o->model->task == MS_TASK_REGRESSION;
  res->has_domain      = o->model->train_summary ? PETSC_TRUE : PETSC_FALSE;
  if (!res->signal && !rank) {
    PetscCall(ms_screen_state_sort(&c.st));
    PetscCall(fill_std(&c));
    res->n_rows = c.st.n_recs;
    PetscCall(PetscMalloc1(res->n_rows + 1, &res->rows));
    PetscCall(PetscMalloc1(res->n_rows * c.nc + 1, &res->rows[0].x));
    for (int64_t i = 0; i < res->n_rows; i++) {
      const ms_screen_rec *r = ms_screen_state_rec(&c.st, c.st.recs, i);
      ms_screen_row       *w = &res->rows[i];
      w->x         = res->rows[0].x + i * c.nc;
      w->index     = r->index;
      w->key       = r->key;
      w->key2      = r->key2;
      w->score     = r->score;
      w->pred      = r->pred;
      w->std       = r->std;
      w->pred2     = r->pred2;
      w->std2      = r->std2;
      w->distance  = r->distance;
      w->in_domain = r->in_domain;
      memcpy(w->id, r->id, MS_SCREEN_ID_LEN);
      PetscCall(PetscArraycpy(w->x, MS_REC_X(r), c.nc));
    }
    PetscCall(PetscMalloc1(bins + 2, &res->hist));
    PetscCall(PetscArraycpy(res->hist, c.st.hist, bins + 2));
  }
  PetscCallMPI(MPI_Bcast(&res->n_rows, 1, MPI_INT64_T, 0, comm));
  res->seconds = MPI_Wtime() - t0;
  PetscCall(free_ctx(&c));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_result_free(ms_screen_result *res)
{
  PetscFunctionBegin;
  if (res->rows) PetscCall(PetscFree(res->rows[0].x));
  PetscCall(PetscFree(res->rows));
  PetscCall(PetscFree(res->hist));
  PetscFunctionReturn(0);
}
