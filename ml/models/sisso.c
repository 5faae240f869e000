/* sisso.c - SISSO symbolic regression as a model ("sisso"; ml/sisso/ms_sisso.h).
 *
 * Options (defaults):
 *   -sisso_rung <2>             depth of the operator trees, 0..3
 *   -sisso_n_sis <20>           descriptors screened per dimension
 *   -sisso_dim <2>              descriptors in the model, 1..4
 *   -sisso_ops <all>            operators: sq,cb,inv,sqrt,cbrt,exp,nexp,log,abs,add,sub,mul,div,absdiff
 *   -sisso_units <>             units of primary features, name=unit,... (default dimensionless)
 *   -sisso_max_stored <1000000> features of rungs below the last that may be stored
 * Method: the training rows are gathered on every rank (SISSO tables have few rows and
 * astronomically many candidate descriptors, so the candidates are what is distributed);
 * see ms_sisso.h. The model is the formula: predict re-evaluates each descriptor's postfix
 * program on the primary features, so a saved model needs nothing but its strings and
 * coefficients. With -scaler other than none the primary features are the scaled ones.
 * Classification: the descriptors whose class domains (convex hulls) hold the fewest rows of
 * other classes; predict gives the class whose domain holds the row, else the nearest centroid.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include "ms_sisso.h"
#include <math.h>

typedef struct {
  ms_sisso_opts   o;
  char            ops[128], units[PETSC_MAX_PATH_LEN];
  PetscInt        max_stored;
  ms_sisso_result r;
} ms_sisso_model;

static PetscErrorCode ms_sisso_model_setfromoptions(ms_model m)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;
  PetscInt        rung = s->o.rung, n_sis = s->o.n_sis, dim = s->o.dim;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, NULL, "SISSO symbolic regression (-model sisso)", NULL);
  PetscCall(PetscOptionsInt("-sisso_rung", "depth of the descriptor operator trees, 0..3", NULL, rung, &rung, NULL));
  PetscCall(PetscOptionsInt("-sisso_n_sis", "descriptors kept by each sure independence screening, >= 1", NULL, n_sis, &n_sis, NULL));
  PetscCall(PetscOptionsInt("-sisso_dim", "descriptors in the linear model (exact l0 search over D-subsets), 1..4", NULL, dim, &dim, NULL));
  PetscCall(PetscOptionsString("-sisso_ops", "operators, comma-separated: all or sq,cb,inv,sqrt,cbrt,exp,nexp,log,abs,add,sub,mul,div,absdiff", NULL,
                               s->ops, s->ops, sizeof s->ops, NULL));
  PetscCall(PetscOptionsString("-sisso_units", "units of primary features, name=unit,... e.g. Eg=eV,a=A^-1 (default: dimensionless)", NULL, s->units,
                               s->units, sizeof s->units, NULL));
  PetscCall(PetscOptionsInt("-sisso_max_stored", "features of rungs below the last that may be stored (n rows x 8 bytes each)", NULL, s->max_stored,
                            &s->max_stored, NULL));
  PetscOptionsEnd();
  PetscCheck(rung >= 0 && rung <= MS_SISSO_MAX_RUNG, m->comm, MS_ERR_USER, "-sisso_rung must be 0..%d, got %" PetscInt_FMT, MS_SISSO_MAX_RUNG, rung);
  PetscCheck(n_sis >= 1 && n_sis <= 100000, m->comm, MS_ERR_USER, "-sisso_n_sis must be 1..100000, got %" PetscInt_FMT, n_sis);
  PetscCheck(dim >= 1 && dim <= MS_SISSO_MAX_DIM, m->comm, MS_ERR_USER, "-sisso_dim must be 1..%d, got %" PetscInt_FMT, MS_SISSO_MAX_DIM, dim);
  PetscCheck(s->max_stored >= 1, m->comm, MS_ERR_USER, "-sisso_max_stored must be >= 1, got %" PetscInt_FMT, s->max_stored);
  s->o.rung  = (int)rung;
  s->o.n_sis = (int)n_sis;
  s->o.dim   = (int)dim;
  PetscCall(ms_sisso_ops_parse(m->comm, s->ops, &s->o.ops));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_fit(ms_model m, ms_dataset train)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;
  ms_dataset      rep;

  PetscFunctionBegin;
  PetscCall(ms_sisso_result_free(&s->r));
  PetscCall(ms_dataset_allgather(train, &rep));
  s->o.units      = s->units[0] ? s->units : NULL;
  s->o.max_stored = s->max_stored;
  if (m->task == MS_TASK_CLASSIFICATION)
    PetscCall(ms_sisso_fit(train->comm, &s->o, rep->n_global, rep->n_features, rep->X, NULL, rep->labels, (int)rep->n_classes, rep->feature_names, &s->r));
  else PetscCall(ms_sisso_fit(train->comm, &s->o, rep->n_global, rep->n_features, rep->X, rep->y, NULL, 0, rep->feature_names, &s->r));
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_predict(ms_model m, ms_dataset X, double *y)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;
  const int64_t   n = X->n_local;
  int64_t         bad[2] = {INT64_MAX, -1}; /* first non-finite global row, its descriptor */
  double         *v;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(n, 1) * s->r.dim, &v));
  for (int64_t i = 0; i < n; i++) y[i] = s->r.intercept;
  for (int d = 0; d < s->r.dim; d++) {
    PetscCall(ms_sisso_rpn_eval(s->r.rpn[d], n, X->n_features, X->X, v + d * n));
    for (int64_t i = 0; i < n; i++) {
      if (!isfinite(v[d * n + i]) && X->row_start + i < bad[0]) { bad[0] = X->row_start + i; bad[1] = d; }
      y[i] += s->r.coef[d] * v[d * n + i];
    }
  }
  if (s->r.n_classes) ms_sisso_classify(&s->r, n, v, y); /* class domains in the descriptor space */
  PetscCall(PetscFree(v));
  {
    int64_t first = bad[0];
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT64_T, MPI_MIN, X->comm));
    if (first != INT64_MAX) {
      int64_t d = first == bad[0] ? bad[1] : -1;
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_INT64_T, MPI_MAX, X->comm));
      SETERRQ(X->comm, MS_ERR_USER, "sisso: descriptor '%s' is not finite at data row %lld (a value outside the operator's domain, e.g. log of x <= 0 or x/0)",
              s->r.infix[d], (long long)first + 1);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_formula(ms_model m, PetscViewer v)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;

  PetscFunctionBegin;
  if (s->r.n_classes) {
    PetscCall(PetscViewerASCIIPrintf(v, "%s: class domains (convex hulls) in the space of", m->target_name ? m->target_name : "class"));
    for (int d = 0; d < s->r.dim; d++) PetscCall(PetscViewerASCIIPrintf(v, "%s d%d = %s", d ? "," : "", d + 1, s->r.infix[d]));
    PetscCall(PetscViewerASCIIPrintf(v, "; %lld training rows inside another class's domain\n", (long long)s->r.n_overlap));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscViewerASCIIPrintf(v, "%s = %.12g", m->target_name ? m->target_name : "y", s->r.intercept));
  for (int d = 0; d < s->r.dim; d++) PetscCall(PetscViewerASCIIPrintf(v, " %c %.12g * %s", s->r.coef[d] < 0 ? '-' : '+', fabs(s->r.coef[d]), s->r.infix[d]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_view(ms_model m, PetscViewer v)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "SISSO, rung %d, n_sis %d, %d descriptors, operators %s, training RMSE %g\n", s->o.rung, s->o.n_sis, s->r.dim, s->ops,
                                   s->r.rmse));
  PetscCall(ms_sisso_model_formula(m, v));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_terms(ms_model m, ms_model_terms t)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;

  PetscFunctionBegin;
  if (s->r.n_classes) {
    for (int d = 0; d < s->r.dim; d++) PetscCall(ms_model_terms_add(t, "descriptor", NULL, s->r.infix[d], d + 1));
    PetscCall(ms_model_terms_add(t, "overlap_rows", NULL, NULL, (double)s->r.n_overlap));
    PetscFunctionReturn(0);
  }
  for (int d = 0; d < s->r.dim; d++) PetscCall(ms_model_terms_add(t, "coef", NULL, s->r.infix[d], s->r.coef[d]));
  PetscCall(ms_model_terms_add(t, "intercept", NULL, NULL, s->r.intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_save(ms_model m, hid_t group)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;

  PetscFunctionBegin;
  PetscCall(ms_h5_attr_set_int(group, "rung", s->o.rung));
  PetscCall(ms_h5_attr_set_int(group, "n_sis", s->o.n_sis));
  PetscCall(ms_h5_attr_set_string(group, "operators", s->ops));
  PetscCall(ms_h5_attr_set_string(group, "primary_units", s->units));
  PetscCall(ms_h5_attr_set_double(group, "intercept", s->r.intercept));
  PetscCall(ms_h5_attr_set_double(group, "training_rmse", s->r.rmse));
  PetscCall(ms_h5_attr_set_strings(group, "descriptors", s->r.dim, s->r.infix));
  PetscCall(ms_h5_attr_set_strings(group, "programs", s->r.dim, s->r.rpn));
  PetscCall(ms_h5_write_rows_double(group, "coef", s->r.dim, 0, s->r.dim, 0, s->r.coef));
  /* how big the searched space was: candidates and kept per rung 0..rung (kept on the last
     rung: valid ones, streamed and not de-duplicated) */
  PetscCall(ms_h5_write_rows_int(group, "space_candidates", s->o.rung + 1, 0, s->o.rung + 1, s->r.n_candidates));
  PetscCall(ms_h5_write_rows_int(group, "space_kept", s->o.rung + 1, 0, s->o.rung + 1, s->r.n_kept));
  if (s->r.n_classes) { /* class domains: descriptor scaling, centroids, hull facets (normal, offset) */
    const int     K = s->r.n_classes, D = s->r.dim;
    int64_t       tot = 0, *nf;
    PetscCall(PetscMalloc1(K, &nf));
    for (int c = 0; c < K; c++) { nf[c] = s->r.hull_nf[c]; tot += nf[c]; }
    PetscCall(ms_h5_attr_set_int(group, "n_overlap", s->r.n_overlap));
    PetscCall(ms_h5_attr_set_int(group, "hull_values", tot * (D + 1)));
    PetscCall(ms_h5_write_rows_double(group, "desc_mean", D, 0, D, 0, s->r.dmean));
    PetscCall(ms_h5_write_rows_double(group, "desc_sd", D, 0, D, 0, s->r.dsd));
    PetscCall(ms_h5_write_rows_double(group, "centroids", (int64_t)K * D, 0, (int64_t)K * D, 0, s->r.centroid));
    PetscCall(ms_h5_write_rows_int(group, "hull_nf", K, 0, K, nf));
    /* at least one value: no class may have a hull (all degenerate); hull_values says how many count */
    PetscCall(ms_h5_write_rows_double(group, "hulls", PetscMax(tot * (D + 1), 1), 0, PetscMax(tot * (D + 1), 1), 0, s->r.hull));
    PetscCall(PetscFree(nf));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_load(ms_model m, hid_t group)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;
  int64_t         rung, n_sis;
  int             nd, np;
  char          **infix, **rpn, *str;

  PetscFunctionBegin;
  PetscCall(ms_sisso_result_free(&s->r));
  PetscCall(ms_h5_attr_get_int(group, "rung", &rung));
  PetscCall(ms_h5_attr_get_int(group, "n_sis", &n_sis));
  PetscCheck(rung >= 0 && rung <= MS_SISSO_MAX_RUNG, m->comm, MS_ERR_READ, "sisso model: rung %lld outside 0..%d", (long long)rung, MS_SISSO_MAX_RUNG);
  s->o.rung = (int)rung; s->o.n_sis = (int)n_sis;
  PetscCall(ms_h5_read_rows_int(group, "space_candidates", 0, rung + 1, s->r.n_candidates));
  PetscCall(ms_h5_read_rows_int(group, "space_kept", 0, rung + 1, s->r.n_kept));
  PetscCall(ms_h5_attr_get_string(group, "operators", &str));
  PetscCall(PetscStrncpy(s->ops, str, sizeof s->ops));
  PetscCall(PetscFree(str));
  PetscCall(ms_h5_attr_get_double(group, "intercept", &s->r.intercept));
  PetscCall(ms_h5_attr_get_double(group, "training_rmse", &s->r.rmse));
  PetscCall(ms_h5_attr_get_strings(group, "descriptors", &nd, &infix));
  PetscCall(ms_h5_attr_get_strings(group, "programs", &np, &rpn));
  PetscCheck(nd == np && nd >= 1 && nd <= MS_SISSO_MAX_DIM, m->comm, MS_ERR_READ, "sisso model: %d descriptors but %d programs (expected 1..%d of each)", nd,
             np, MS_SISSO_MAX_DIM);
  s->r.dim = nd;
  s->o.dim = nd;
  PetscCall(PetscMalloc3(nd, &s->r.infix, nd, &s->r.rpn, nd, &s->r.coef));
  for (int d = 0; d < nd; d++) {
    PetscCall(ms_sisso_rpn_check(m->comm, rpn[d], m->n_features));
    PetscCall(PetscStrallocpy(infix[d], &s->r.infix[d]));
    PetscCall(PetscStrallocpy(rpn[d], &s->r.rpn[d]));
  }
  ms_strings_free(nd, &infix);
  ms_strings_free(np, &rpn);
  PetscCall(ms_h5_read_rows_double(group, "coef", 0, nd, 0, s->r.coef));
  if (m->task == MS_TASK_CLASSIFICATION) {
    const int K = (int)m->n_classes;
    int64_t   nvals, tot = 0, *nf;
    PetscCheck(K >= 2 && K <= 64, m->comm, MS_ERR_READ, "sisso model: %d classes (2..64 supported)", K);
    s->r.n_classes = K;
    PetscCall(ms_h5_attr_get_int(group, "n_overlap", &s->r.n_overlap));
    PetscCall(ms_h5_attr_get_int(group, "hull_values", &nvals));
    PetscCall(PetscCalloc3(nd, &s->r.dmean, nd, &s->r.dsd, (int64_t)K * nd, &s->r.centroid));
    PetscCall(PetscMalloc1(K, &nf));
    PetscCall(ms_h5_read_rows_double(group, "desc_mean", 0, nd, 0, s->r.dmean));
    PetscCall(ms_h5_read_rows_double(group, "desc_sd", 0, nd, 0, s->r.dsd));
    PetscCall(ms_h5_read_rows_double(group, "centroids", 0, (int64_t)K * nd, 0, s->r.centroid));
    PetscCall(ms_h5_read_rows_int(group, "hull_nf", 0, K, nf));
    for (int c = 0; c < K; c++) {
      PetscCheck(nf[c] >= 0 && nf[c] < 10000000, m->comm, MS_ERR_READ, "sisso model: class %d has %lld hull facets", c, (long long)nf[c]);
      tot += nf[c];
    }
    PetscCheck(tot * (nd + 1) == nvals, m->comm, MS_ERR_READ, "sisso model: hull_nf adds up to %lld values, hull_values says %lld",
               (long long)(tot * (nd + 1)), (long long)nvals);
    PetscCall(PetscMalloc2(K, &s->r.hull_nf, PetscMax(nvals, 1), &s->r.hull));
    for (int c = 0; c < K; c++) s->r.hull_nf[c] = (int)nf[c];
    PetscCall(ms_h5_read_rows_double(group, "hulls", 0, PetscMax(nvals, 1), 0, s->r.hull));
    PetscCall(PetscFree(nf));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_sisso_model_destroy(ms_model m)
{
  ms_sisso_model *s = (ms_sisso_model *)m->data;

  PetscFunctionBegin;
  PetscCall(ms_sisso_result_free(&s->r));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_sisso(ms_model m)
{
  ms_sisso_model *s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  s->o.rung       = 2;
  s->o.n_sis      = 20;
  s->o.dim        = 2;
  s->o.ops        = MS_SISSO_OPS_ALL;
  s->max_stored   = 1000000;
  PetscCall(PetscStrncpy(s->ops, "all", sizeof s->ops));
  m->data               = s;
  m->summary            = "SISSO: a formula of -sisso_dim descriptors (regression; classification by class-domain overlap)";
  m->supports           = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = ms_sisso_model_setfromoptions;
  m->ops.fit            = ms_sisso_model_fit;
  m->ops.predict        = ms_sisso_model_predict;
  m->ops.save           = ms_sisso_model_save;
  m->ops.load           = ms_sisso_model_load;
  m->ops.view           = ms_sisso_model_view;
  m->ops.terms          = ms_sisso_model_terms;
  m->ops.formula        = ms_sisso_model_formula;
  m->ops.destroy        = ms_sisso_model_destroy;
  PetscFunctionReturn(0);
}
