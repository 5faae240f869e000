/* kan.c - Kolmogorov-Arnold network regression ("kan"; ml/kan/ms_kan.h).
 *
 * Options (defaults):
 *   -kan_widths <5>     hidden layer widths, comma-separated (0: no hidden layer, d edges)
 *   -kan_grid <5>       B-spline grid intervals G per edge
 *   -kan_k <3>          spline degree (cubic)
 *   -kan_epochs <1000>  full-batch Adam iterations
 *   -kan_lr <0.01>      Adam step size
 *   -kan_lambda <0>     sparsity penalty (L1 of the edges' mean |phi| + entropy); 0: off
 *   -kan_entropy <2>    weight of the entropy term
 *   -kan_prune <0>      remove edges below this fraction of their layer's largest mean |phi|
 *                       (and hidden nodes whose outgoing edges are all removed)
 *   -kan_optimizer <adam> adam | lbfgs (PETSc TAO LMVM; -kan_epochs = iteration limit per stage)
 *   -kan_grid_schedule  e.g. 3,5,10: train at G = 3, refit on G = 5 (least squares), train, ...
 *   -kan_snap <none>    after training, replace edges by symbolic fits: auto | f1,f2,...
 *   -kan_snap_r2 <0.99> snap an edge only when its best fit reaches this R^2
 *   -kan_snap_tol <1e-4> the simplest function within this R^2 of the best wins
 *   -kan_snap_finetune <200> then refit all snapped (a, b, c, d) jointly on the data (L-BFGS
 *                       iterations; 0: keep the per-edge fits)
 * Method: see ms_kan.h; gradients are summed in fixed row blocks so 1 and P ranks train the
 * same network bit for bit; randomness from (-seed, layer index).
 */
#include "ms_h5.h"
#include "ms_kan.h"
#include "ms_log.h"
#include "ms_model.h"
#include "ms_report.h"
#include <math.h>

static const char *const optimizers[] = {"adam", "lbfgs"};

typedef struct {
  PetscInt  hidden[MS_KAN_MAX_LAYERS];
  PetscInt  n_hidden, G, k, epochs, optimizer, n_sched, sched[16], finetune;
  PetscReal lr, lambda, entropy, prune, snap_r2, snap_tol;
  char      snap[256];
  char     *formula; /* the snapped network as text (NULL: not snapped) */
  ms_kan    net;
} ms_kan_model;

static PetscErrorCode ms_kan_model_setfromoptions(ms_model m)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  PetscInt      nh = MS_KAN_MAX_LAYERS - 1;
  PetscBool     set;

  PetscFunctionBegin;
  PetscOptionsBegin(m->comm, NULL, "Kolmogorov-Arnold network (-model kan)", NULL);
  PetscCall(PetscOptionsIntArray("-kan_widths", "hidden layer widths, comma-separated (default 5; e.g. 8,4; 0: no hidden layer)", NULL, c->hidden, &nh, &set));
  if (set) c->n_hidden = (nh == 1 && c->hidden[0] == 0) ? 0 : nh; /* 0: one layer, inputs -> output */
  PetscCall(PetscOptionsInt("-kan_grid", "B-spline grid intervals G per edge", NULL, c->G, &c->G, NULL));
  PetscCall(PetscOptionsInt("-kan_k", "B-spline degree (3: cubic)", NULL, c->k, &c->k, NULL));
  PetscCall(PetscOptionsInt("-kan_epochs", "full-batch Adam iterations, >= 1", NULL, c->epochs, &c->epochs, NULL));
  PetscCall(PetscOptionsReal("-kan_lr", "Adam step size, > 0", NULL, c->lr, &c->lr, NULL));
  PetscCall(PetscOptionsReal("-kan_lambda", "sparsity penalty on the edges' mean |phi| (L1 + entropy), >= 0; 0: off", NULL, c->lambda, &c->lambda, NULL));
  PetscCall(PetscOptionsReal("-kan_entropy", "weight of the entropy term in the sparsity penalty, >= 0", NULL, c->entropy, &c->entropy, NULL));
  PetscCall(PetscOptionsReal("-kan_prune", "after training remove edges whose mean |phi| is below this fraction of their layer's largest, in [0, 1)",
                             NULL, c->prune, &c->prune, NULL));
  PetscCall(PetscOptionsEList("-kan_optimizer", "training: adam (full-batch Adam) or lbfgs (PETSc TAO LMVM, -kan_epochs = iteration limit)", NULL,
                              optimizers, 2, optimizers[c->optimizer], &c->optimizer, NULL));
  c->n_sched = 16;
  PetscCall(PetscOptionsIntArray("-kan_grid_schedule", "grid extension: train at each grid G in turn (e.g. 3,5,10), refitting the splines by least squares; overrides -kan_grid",
                                 NULL, c->sched, &c->n_sched, &set));
  if (!set) c->n_sched = 0;
  PetscCall(PetscOptionsString("-kan_snap", "after training, replace edges by symbolic fits c f(a x + b) + d: none, auto (whole library) or a list, e.g. x,x^2,sin,exp",
                               NULL, c->snap, c->snap, sizeof c->snap, NULL));
  PetscCall(PetscOptionsReal("-kan_snap_r2", "-kan_snap: replace an edge only when its best fit reaches this R^2, in [0, 1]", NULL, c->snap_r2, &c->snap_r2, NULL));
  PetscCall(PetscOptionsReal("-kan_snap_tol", "-kan_snap: the simplest function whose R^2 is within this of the best wins, >= 0", NULL, c->snap_tol, &c->snap_tol,
                             NULL));
  PetscCall(PetscOptionsInt("-kan_snap_finetune", "-kan_snap: then refit the snapped edges' a, b, c, d jointly on the training rows, L-BFGS iterations (0: off)",
                            NULL, c->finetune, &c->finetune, NULL));
  PetscOptionsEnd();
  PetscCheck(c->finetune >= 0, m->comm, MS_ERR_USER, "-kan_snap_finetune must be >= 0, got %" PetscInt_FMT, c->finetune);
  for (PetscInt s = 0; s < c->n_sched; s++) {
    PetscCheck(c->sched[s] >= 1 && c->sched[s] + 2 * c->k <= 64, m->comm, MS_ERR_USER,
               "-kan_grid_schedule: grid %" PetscInt_FMT " outside 1..%d for -kan_k %" PetscInt_FMT, c->sched[s], (int)(64 - 2 * c->k), c->k);
    PetscCheck(s == 0 || c->sched[s] > c->sched[s - 1], m->comm, MS_ERR_USER, "-kan_grid_schedule must increase, got %" PetscInt_FMT " after %" PetscInt_FMT,
               c->sched[s], c->sched[s - 1]);
  }
  if (c->n_sched) c->G = c->sched[0];
  PetscCheck(c->snap_r2 >= 0 && c->snap_r2 <= 1, m->comm, MS_ERR_USER, "-kan_snap_r2 must be in [0, 1], got %g", (double)c->snap_r2);
  PetscCheck(c->snap_tol >= 0, m->comm, MS_ERR_USER, "-kan_snap_tol must be >= 0, got %g", (double)c->snap_tol);
  if (strcmp(c->snap, "none")) {
    unsigned lib;
    PetscCall(ms_kan_symbolic_parse(m->comm, c->snap, &lib));
  }
  PetscCheck(c->epochs >= 1, m->comm, MS_ERR_USER, "-kan_epochs must be >= 1, got %" PetscInt_FMT, c->epochs);
  PetscCheck(c->lr > 0, m->comm, MS_ERR_USER, "-kan_lr must be > 0, got %g", (double)c->lr);
  PetscCheck(c->lambda >= 0 && c->entropy >= 0, m->comm, MS_ERR_USER, "-kan_lambda and -kan_entropy must be >= 0, got %g and %g", (double)c->lambda,
             (double)c->entropy);
  PetscCheck(c->prune >= 0 && c->prune < 1, m->comm, MS_ERR_USER, "-kan_prune must be in [0, 1), got %g", (double)c->prune);
  PetscCheck(c->k >= 1 && c->k <= 5, m->comm, MS_ERR_USER, "-kan_k must be 1..5, got %" PetscInt_FMT, c->k);
  PetscCheck(c->G >= 1 && c->G + 2 * c->k <= 64, m->comm, MS_ERR_USER, "-kan_grid must be 1..%d for -kan_k %" PetscInt_FMT ", got %" PetscInt_FMT,
             (int)(64 - 2 * c->k), c->k, c->G);
  for (PetscInt l = 0; l < c->n_hidden; l++)
    PetscCheck(c->hidden[l] >= 1 && c->hidden[l] <= 256, m->comm, MS_ERR_USER, "-kan_widths: width %" PetscInt_FMT " outside 1..256", c->hidden[l]);
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_fit(ms_model m, ms_dataset train)
{
  ms_kan_model     *c = (ms_kan_model *)m->data;
  int               hidden[MS_KAN_MAX_LAYERS];
  ms_kan_train_opts o = {.epochs = (int)c->epochs, .lr = (double)c->lr, .seed = m->seed, .lambda = (double)c->lambda, .entropy = (double)c->entropy, .prune = (double)c->prune};

  PetscFunctionBegin;
  o.lbfgs    = (int)c->optimizer;
  o.n_stages = (int)c->n_sched;
  for (PetscInt s = 0; s < c->n_sched; s++) o.grids[s] = (int)c->sched[s];
  PetscCheck(train->n_features <= 256, m->comm, MS_ERR_USER, "kan: %lld features; at most 256", (long long)train->n_features);
  for (PetscInt l = 0; l < c->n_hidden; l++) hidden[l] = (int)c->hidden[l];
  PetscCall(ms_kan_free(&c->net));
  PetscCall(ms_kan_setup(&c->net, train->n_features, (int)c->n_hidden, hidden, (int)c->G, (int)c->k));
  PetscCall(ms_kan_train(&c->net, train, &o));
  PetscCall(PetscFree(c->formula));
  if (strcmp(c->snap, "none")) {
    ms_kan_snap_opts so = {.r2_min = (double)c->snap_r2, .tol = (double)c->snap_tol};
    int64_t          n_snapped;
    PetscCall(ms_kan_symbolic_parse(m->comm, c->snap, &so.lib));
    PetscCall(ms_kan_snap(&c->net, m->comm, &so, &n_snapped));
    if (c->finetune > 0 && n_snapped > 0) {
      double f0, f1;
      PetscCall(ms_kan_snap_finetune(&c->net, train, (int)c->finetune, &f0, &f1));
      PetscCall(ms_log(m->comm, "kan: snapped edges fine-tuned on the training rows: RMSE %.6g -> %.6g (target units)\n", sqrt(2 * f0) * c->net.y_std,
                       sqrt(2 * f1) * c->net.y_std));
    }
    PetscCall(ms_kan_formula(&c->net, m->feature_names, m->target_name, &c->formula));
    PetscCall(ms_log(m->comm, "kan: %lld of %lld edges snapped to symbolic functions (R^2 >= %g): %s\n", (long long)n_snapped,
                     (long long)ms_kan_edge_offset(&c->net, c->net.n_layers), (double)c->snap_r2, c->formula));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_predict(ms_model m, ms_dataset X, double *y)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  PetscFunctionBegin;
  PetscCall(ms_kan_predict(&c->net, X->n_local, X->X, y));
  if (c->formula) { /* a snapped edge (log, sqrt, 1/x) can leave its domain outside the training range */
    int64_t bad = INT64_MAX;
    for (int64_t r = 0; r < X->n_local && bad == INT64_MAX; r++)
      if (!isfinite(y[r])) bad = X->row_start + r;
    if (!X->replicated) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_MIN, X->comm));
    PetscCheck(bad == INT64_MAX, X->comm, MS_ERR_USER,
               "kan: the snapped formula is not finite at data row %lld (an edge function outside its domain, e.g. log or sqrt of a negative "
               "number, beyond the training range)", (long long)bad + 1);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_save(ms_model m, hid_t group)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  int64_t       ng = 0, ne = 0;

  PetscFunctionBegin;
  for (int l = 0; l < c->net.n_layers; l++) { ng += c->net.widths[l]; ne += (int64_t)c->net.widths[l] * c->net.widths[l + 1]; }
  PetscCall(ms_h5_attr_set_int(group, "n_hidden", c->n_hidden));
  for (int l = 0; l < c->n_hidden; l++) {
    char name[32];
    PetscCall(PetscSNPrintf(name, sizeof name, "width_%d", l + 1));
    PetscCall(ms_h5_attr_set_int(group, name, c->net.widths[l + 1]));
  }
  PetscCall(ms_h5_attr_set_int(group, "grid", c->net.G));
  PetscCall(ms_h5_attr_set_int(group, "degree", c->net.k));
  PetscCall(ms_h5_attr_set_double(group, "y_mean", c->net.y_mean));
  PetscCall(ms_h5_attr_set_double(group, "y_std", c->net.y_std));
  PetscCall(ms_h5_write_rows_double(group, "params", c->net.n_params, 0, c->net.n_params, 0, c->net.params));
  PetscCall(ms_h5_write_rows_double(group, "grid_lo", ng, 0, ng, 0, c->net.lo));
  PetscCall(ms_h5_write_rows_double(group, "grid_hi", ng, 0, ng, 0, c->net.hi));
  PetscCall(ms_h5_write_rows_double(group, "edge_mean_abs_phi", ne, 0, ne, 0, c->net.edge_l1));
  PetscCall(ms_h5_write_rows_double(group, "activation_lo", ng, 0, ng, 0, c->net.act_lo));
  PetscCall(ms_h5_write_rows_double(group, "activation_hi", ng, 0, ng, 0, c->net.act_hi));
  if (c->formula) { /* per edge its function's name and a, b, c, d, R^2 of c f(a x + b) + d */
    char  **names;
    int64_t *fn;
    PetscCall(PetscMalloc2(ne, &names, ne, &fn));
    for (int64_t e = 0; e < ne; e++) {
      names[e] = (char *)ms_kan_symbolic_name(c->net.sym_fn[e]);
      fn[e]    = c->net.sym_fn[e];
    }
    PetscCall(ms_h5_attr_set_string(group, "formula", c->formula));
    PetscCall(ms_h5_attr_set_string(group, "snap_library", c->snap));
    PetscCall(ms_h5_attr_set_strings(group, "edge_functions", (int)ne, names));
    PetscCall(ms_h5_write_rows_int(group, "edge_function_index", ne, 0, ne, fn));
    PetscCall(ms_h5_write_rows_double(group, "edge_symbolic", ne, 0, ne, 5, c->net.sym));
    PetscCall(PetscFree2(names, fn));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_load(ms_model m, hid_t group)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  int64_t       nh, G, k, w, ng = 0, ne = 0;
  int           hidden[MS_KAN_MAX_LAYERS];

  PetscFunctionBegin;
  PetscCall(ms_h5_attr_get_int(group, "n_hidden", &nh));
  PetscCheck(nh >= 0 && nh < MS_KAN_MAX_LAYERS, m->comm, MS_ERR_READ, "kan model: n_hidden %lld outside 0..%d", (long long)nh, MS_KAN_MAX_LAYERS - 1);
  for (int l = 0; l < nh; l++) {
    char name[32];
    PetscCall(PetscSNPrintf(name, sizeof name, "width_%d", l + 1));
    PetscCall(ms_h5_attr_get_int(group, name, &w));
    hidden[l] = (int)w;
    c->hidden[l] = (PetscInt)w;
  }
  PetscCall(ms_h5_attr_get_int(group, "grid", &G));
  PetscCall(ms_h5_attr_get_int(group, "degree", &k));
  c->n_hidden = nh; c->G = G; c->k = k;
  PetscCall(ms_kan_free(&c->net));
  PetscCall(ms_kan_setup(&c->net, m->n_features, (int)nh, hidden, (int)G, (int)k));
  for (int l = 0; l < c->net.n_layers; l++) { ng += c->net.widths[l]; ne += (int64_t)c->net.widths[l] * c->net.widths[l + 1]; }
  PetscCall(ms_h5_attr_get_double(group, "y_mean", &c->net.y_mean));
  PetscCall(ms_h5_attr_get_double(group, "y_std", &c->net.y_std));
  PetscCall(ms_h5_read_rows_double(group, "params", 0, c->net.n_params, 0, c->net.params));
  PetscCall(ms_h5_read_rows_double(group, "grid_lo", 0, ng, 0, c->net.lo));
  PetscCall(ms_h5_read_rows_double(group, "grid_hi", 0, ng, 0, c->net.hi));
  PetscCall(ms_h5_read_rows_double(group, "edge_mean_abs_phi", 0, ne, 0, c->net.edge_l1));
  {
    PetscBool has;
    PetscCall(ms_h5_link_exists(group, "activation_lo", &has));
    if (has) { /* files before the symbolic read-out have no ranges: the grid's */
      PetscCall(ms_h5_read_rows_double(group, "activation_lo", 0, ng, 0, c->net.act_lo));
      PetscCall(ms_h5_read_rows_double(group, "activation_hi", 0, ng, 0, c->net.act_hi));
    } else {
      PetscCall(PetscArraycpy(c->net.act_lo, c->net.lo, ng));
      PetscCall(PetscArraycpy(c->net.act_hi, c->net.hi, ng));
    }
    PetscCall(PetscFree(c->formula));
    PetscCall(ms_h5_attr_exists(group, "formula", &has));
    if (has) {
      int64_t *fn;
      char    *lib;
      PetscCall(ms_h5_attr_get_string(group, "formula", &c->formula));
      PetscCall(ms_h5_attr_get_string(group, "snap_library", &lib));
      PetscCall(PetscStrncpy(c->snap, lib, sizeof c->snap));
      PetscCall(PetscFree(lib));
      PetscCall(PetscMalloc1(ne, &fn));
      PetscCall(ms_h5_read_rows_int(group, "edge_function_index", 0, ne, fn));
      PetscCall(ms_h5_read_rows_double(group, "edge_symbolic", 0, ne, 5, c->net.sym));
      for (int64_t e = 0; e < ne; e++) {
        PetscCheck(fn[e] >= MS_KAN_SPLINE && fn[e] < ms_kan_symbolic_count(), m->comm, MS_ERR_READ, "kan model: edge %lld has function index %lld outside -1..%d",
                   (long long)e, (long long)fn[e], ms_kan_symbolic_count() - 1);
        c->net.sym_fn[e] = (int)fn[e];
      }
      PetscCall(PetscFree(fn));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_formula(ms_model m, PetscViewer v)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  PetscFunctionBegin;
  PetscCheck(c->formula, m->comm, MS_ERR_USER, "this kan model was trained without symbolic snapping; train it with -kan_snap auto (or a function list) to get a formula");
  PetscCall(PetscViewerASCIIPrintf(v, "%s\n", c->formula));
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_view(ms_model m, PetscViewer v)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(v, "KAN, %d layers, grid %d, degree %d, %lld parameters, widths", c->net.n_layers, c->net.G, c->net.k,
                                   (long long)c->net.n_params));
  for (int l = 0; l <= c->net.n_layers; l++) PetscCall(PetscViewerASCIIPrintf(v, " %d", c->net.widths[l]));
  PetscCall(PetscViewerASCIIPrintf(v, "\n"));
  if (c->formula) PetscCall(PetscViewerASCIIPrintf(v, "snapped (-kan_snap %s): %s\n", c->snap, c->formula));
  PetscFunctionReturn(0);
}

/* Each edge's mean |phi| over the training rows (saved with the model). */
static PetscErrorCode ms_kan_model_terms(ms_model m, ms_model_terms t)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  int64_t       e = 0;

  PetscFunctionBegin;
  if (!c->net.edge_l1) PetscFunctionReturn(0);
  for (int l = 0; l < c->net.n_layers; l++)
    for (int i = 0; i < c->net.widths[l]; i++)
      for (int j = 0; j < c->net.widths[l + 1]; j++, e++) {
        char name[160];
        if (l == 0) PetscCall(PetscSNPrintf(name, sizeof name, "%s -> layer 1 node %d", m->feature_names[i], j + 1));
        else PetscCall(PetscSNPrintf(name, sizeof name, "layer %d node %d -> layer %d node %d", l, i + 1, l + 1, j + 1));
        PetscCall(ms_model_terms_add(t, "edge_mean_abs_phi", NULL, name, c->net.edge_l1[e]));
        if (c->formula) { /* the snapped function and the R^2 of its fit to the spline */
          size_t len;
          PetscCall(PetscStrlen(name, &len));
          PetscCall(PetscSNPrintf(name + len, sizeof name - len, ": %s", ms_kan_symbolic_name(c->net.sym_fn[e])));
          PetscCall(ms_model_terms_add(t, "edge_symbolic_r2", NULL, name, c->net.sym[5 * e + 4]));
        }
      }
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_kan_model_destroy(ms_model m)
{
  ms_kan_model *c = (ms_kan_model *)m->data;
  PetscFunctionBegin;
  PetscCall(ms_kan_free(&c->net));
  PetscCall(PetscFree(c->formula));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

/* ---- edge plots: one panel per edge, its spline and (when snapped) the symbolic fit ---- */
typedef struct {
  const ms_model      m;
  const ms_kan_model *c;
} kan_plot;

/* "x -> h1.2", "h1.2 -> out": hidden node j of layer l is hl.j */
static void edge_name(const ms_model m, int l, int i, int j, char *name, size_t len)
{
  const ms_kan *net = &((ms_kan_model *)m->data)->net;
  char          src[160], dst[32];

  if (l == 0) snprintf(src, sizeof src, "%s", m->feature_names[i]);
  else snprintf(src, sizeof src, "h%d.%d", l, i + 1);
  if (l + 1 == net->n_layers) snprintf(dst, sizeof dst, "out");
  else snprintf(dst, sizeof dst, "h%d.%d", l + 1, j + 1);
  snprintf(name, len, "%s -> %s", src, dst);
}

static PetscErrorCode kan_plot_body(FILE *gp, void *ctx)
{
  const kan_plot *p   = (const kan_plot *)ctx;
  const ms_kan   *net = &p->c->net;
  const int64_t   E   = ms_kan_edge_offset(net, net->n_layers);
  const int       cols = (int)ceil(sqrt((double)E)), rows = (int)((E + cols - 1) / cols), ns = 120;

  PetscFunctionBegin;
  fprintf(gp, "set multiplot layout %d,%d\nset grid\nset key top left font ',8'\nset tics font ',8'\n", rows, cols);
  for (int l = 0; l < net->n_layers; l++) {
    const int no = net->widths[l + 1], go = ms_kan_node_offset(net, l);
    for (int i = 0; i < net->widths[l]; i++)
      for (int j = 0; j < no; j++) {
        const int64_t e  = ms_kan_edge_offset(net, l) + (int64_t)i * no + j;
        const int     fn = net->sym_fn[e];
        const double  lo = net->act_lo[go + i], hi = net->act_hi[go + i] > lo ? net->act_hi[go + i] : lo + 1.0;
        char          name[200], title[300];
        edge_name(p->m, l, i, j, name, sizeof name);
        if (fn != MS_KAN_SPLINE) snprintf(title, sizeof title, "%s: %s (1-R^2 %.1e)", name, ms_kan_symbolic_name(fn), 1.0 - net->sym[5 * e + 4]);
        else snprintf(title, sizeof title, "%s", name);
        fprintf(gp, "set title ");
        ms_report_gnuplot_quoted(gp, title);
        fprintf(gp, " font ',9'\n$e%lld << EOD\n", (long long)e);
        for (int r = 0; r < ns; r++) {
          const double x = lo + (hi - lo) * r / (ns - 1);
          fprintf(gp, "%.10g %.10g %.10g\n", x, ms_kan_edge_eval(net, l, i, j, x, PETSC_FALSE), ms_kan_edge_eval(net, l, i, j, x, PETSC_TRUE));
        }
        fprintf(gp, "EOD\nplot $e%lld using 1:2 with lines lw 2 lc rgb '#1f77b4' title 'spline'", (long long)e);
        if (fn != MS_KAN_SPLINE) {
          fprintf(gp, ", $e%lld using 1:3 with lines dt 2 lw 2 lc rgb '#d62728' title ", (long long)e);
          ms_report_gnuplot_quoted(gp, ms_kan_symbolic_name(fn));
        }
        fprintf(gp, "\n");
      }
  }
  fprintf(gp, "unset multiplot\n");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_model_plot_edges(ms_model m, const char *path)
{
  kan_plot p = {m, (ms_kan_model *)m->data};
  int64_t  E;

  PetscFunctionBegin;
  PetscCheck(!strcmp(m->type, "kan"), m->comm, MS_ERR_USER, "-plot: edge plots are for kan models; this model is '%s'", m->type);
  E = ms_kan_edge_offset(&p.c->net, p.c->net.n_layers);
  PetscCall(ms_report_gnuplot_available(m->comm, "-plot"));
  PetscCall(ms_report_gnuplot(m->comm, path, (int)PetscMin(3000, 300 * ceil(sqrt((double)E)) + 100), (int)PetscMin(3000, 260 * ceil(sqrt((double)E)) + 60),
                              "kan edge plot", kan_plot_body, &p));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_kan(ms_model m)
{
  ms_kan_model *c;

  PetscFunctionBegin;
  PetscCall(PetscNew(&c));
  c->n_hidden  = 1;
  c->hidden[0] = 5;
  c->G         = 5;
  c->k         = 3;
  c->epochs    = 1000;
  c->lr        = 0.01;
  c->entropy   = 2.0; /* pykan's default lamb_entropy */
  c->snap_r2   = 0.99;
  c->snap_tol  = 1e-4;
  c->finetune  = 200;
  PetscCall(PetscStrncpy(c->snap, "none", sizeof c->snap));
  m->data               = c;
  m->summary            = "Kolmogorov-Arnold network: B-spline edge functions, Adam or L-BFGS, symbolic snapping (regression)";
  m->supports           = MS_MODEL_REGRESSION;
  m->ops.setfromoptions = ms_kan_model_setfromoptions;
  m->ops.fit            = ms_kan_model_fit;
  m->ops.predict        = ms_kan_model_predict;
  m->ops.save           = ms_kan_model_save;
  m->ops.load           = ms_kan_model_load;
  m->ops.view           = ms_kan_model_view;
  m->ops.terms          = ms_kan_model_terms;
  m->ops.destroy        = ms_kan_model_destroy;
  m->ops.formula        = ms_kan_model_formula;
  PetscFunctionReturn(0);
}
