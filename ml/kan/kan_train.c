/* kan_train.c - KAN training: grids, full-batch Adam or L-BFGS (PETSc TAO) stages with grid
 * extension between them, the sparsity penalty, pruning (ms_kan.h). */
#include "kan_impl.h"
#include "ms_log.h"
#include "ms_rng.h"
#include "ms_rowblocks.h"
#include <math.h>
#include <petsctao.h>

/* Global min/max over the rows of values (n rows x width w, given stride) into lo[0..w), hi[0..w):
 * one MPI_MIN on (min, -max), exact on any rank count. */
static PetscErrorCode node_range(MPI_Comm comm, int w, int64_t n, const double *vals, int stride, double *lo, double *hi)
{
  double mm[2 * MS_KAN_MAX_WIDTH];

  PetscFunctionBegin;
  for (int i = 0; i < w; i++) { mm[i] = PETSC_INFINITY; mm[w + i] = PETSC_INFINITY; }
  for (int64_t r = 0; r < n; r++)
    for (int i = 0; i < w; i++) {
      mm[i]     = PetscMin(mm[i], vals[r * stride + i]);
      mm[w + i] = PetscMin(mm[w + i], -vals[r * stride + i]);
    }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mm, 2 * w, MPI_DOUBLE, MPI_MIN, comm));
  for (int i = 0; i < w; i++) { lo[i] = mm[i]; hi[i] = -mm[w + i]; }
  PetscFunctionReturn(0);
}

/* Grid of one layer's inputs from the global min/max of values (n rows x w), padded 10%. */
static PetscErrorCode set_grid(ms_kan *net, MPI_Comm comm, int l, int64_t n, const double *vals, int stride)
{
  const int w = net->widths[l], go = grid_offset(net, l);

  PetscFunctionBegin;
  PetscCall(node_range(comm, w, n, vals, stride, net->lo + go, net->hi + go));
  for (int i = 0; i < w; i++) {
    double lo = net->lo[go + i], hi = net->hi[go + i], pad = 0.1 * (hi - lo);
    if (!(hi - lo > 1e-12 * (fabs(lo) + fabs(hi)) + 1e-300)) pad = 1.0; /* constant input */
    net->lo[go + i] = lo - pad;
    net->hi[go + i] = hi + pad;
  }
  PetscFunctionReturn(0);
}

/* A_e = mean over the training rows of |phi_e(x)| for every edge, summed in the fixed row
 * blocks of rbE (width = edges): the same bits on any rank count. */
static PetscErrorCode edge_magnitudes(ms_kan *net, ms_rowblocks *rbE, int64_t n_global, const int *offs, double *A)
{
  const int64_t E = edge_offset(net, net->n_layers), d = net->widths[0];
  double       *part, act[(MS_KAN_MAX_LAYERS + 1) * MS_KAN_MAX_WIDTH];

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(PetscMax(rbE->n_blocks, 1) * E, &part));
  for (int64_t b = 0; b < rbE->n_blocks; b++)
    for (int64_t r = 0; r < rbE->n_rows[b]; r++) forward_all(net, rbE->X[b] + r * d, act, offs, part + b * E);
  PetscCall(ms_rowblocks_sum(rbE, part, A));
  for (int64_t e = 0; e < E; e++) A[e] /= (double)n_global;
  PetscCall(PetscFree(part));
  PetscFunctionReturn(0);
}

/* reg_e = dR/dA_e / n for R = lambda sum_layers (sum_e A_e + mu H_layer), H = -sum p log p,
 * p_e = A_e / S_layer (Liu et al. 2024): dH/dA_e = -(log p_e + H) / S. */
static double sparsity_coefficients(const ms_kan *net, double lambda, double mu, int64_t n_global, const double *A, double *reg)
{
  double R = 0.0;
  for (int l = 0; l < net->n_layers; l++) {
    const int64_t e0 = edge_offset(net, l), ne = (int64_t)net->widths[l] * net->widths[l + 1];
    double        S = 0.0, H = 0.0;
    for (int64_t e = 0; e < ne; e++) S += A[e0 + e];
    S = PetscMax(S, 1e-300);
    for (int64_t e = 0; e < ne; e++) {
      const double pe = A[e0 + e] / S;
      if (pe > 0) H -= pe * log(pe);
    }
    for (int64_t e = 0; e < ne; e++) {
      const double pe = PetscMax(A[e0 + e] / S, 1e-300);
      reg[e0 + e]     = lambda * (1.0 - mu * (log(pe) + H) / S) / (double)n_global;
    }
    R += lambda * (S + mu * H);
  }
  return R;
}

/* Objective 1/2 mean (f - y)^2 (standardised target) + R and its gradient total[0..P), summed
 * in fixed row blocks; total[P] gets the sum of squared errors. */
static PetscErrorCode kan_objective(ms_kan *net, ms_rowblocks *rb, ms_rowblocks *rbE, int64_t n_global, const int *offs, const ms_kan_train_opts *o,
                                    double *partial, double *total, double *A, double *reg, double *f)
{
  const int64_t P = net->n_params, d = net->widths[0];
  double        R = 0.0, act[(MS_KAN_MAX_LAYERS + 1) * MS_KAN_MAX_WIDTH];

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(partial, PetscMax(rb->n_blocks, 1) * (P + 1)));
  if (o->lambda > 0) { /* the penalty's gradient needs every edge's mean |phi| first */
    PetscCall(edge_magnitudes(net, rbE, n_global, offs, A));
    R = sparsity_coefficients(net, o->lambda, o->entropy, n_global, A, reg);
  }
  for (int64_t b = 0; b < rb->n_blocks; b++)
    for (int64_t r = 0; r < rb->n_rows[b]; r++)
      partial[b * (P + 1) + P] += row_gradient(net, rb->X[b] + r * d, (rb->target[b][r] - net->y_mean) / net->y_std, 1.0 / (double)n_global,
                                               partial + b * (P + 1), act, offs, o->lambda > 0 ? reg : NULL);
  PetscCall(ms_rowblocks_sum(rb, partial, total));
  *f = 0.5 * total[P] / (double)n_global + R;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_objective(ms_kan *net, ms_dataset train, const ms_kan_train_opts *o, double *f, double *grad)
{
  const int64_t P = net->n_params, E = edge_offset(net, net->n_layers);
  int           offs[MS_KAN_MAX_LAYERS + 2];
  ms_rowblocks  rb, rbE;
  double       *partial, *total, *A, *reg;

  PetscFunctionBegin;
  offs[0] = 0;
  for (int l = 0; l <= net->n_layers; l++) offs[l + 1] = offs[l] + net->widths[l];
  PetscCall(ms_rowblocks_create(train, P + 1, &rb));
  PetscCall(ms_rowblocks_create(train, E, &rbE));
  PetscCall(PetscMalloc4(PetscMax(rb.n_blocks, 1) * (P + 1), &partial, P + 1, &total, E, &A, E, &reg));
  PetscCall(kan_objective(net, &rb, &rbE, train->n_global, offs, o, partial, total, A, reg, f));
  PetscCall(PetscArraycpy(grad, total, P));
  PetscCall(PetscFree4(partial, total, A, reg));
  PetscCall(ms_rowblocks_destroy(&rb));
  PetscCall(ms_rowblocks_destroy(&rbE));
  PetscFunctionReturn(0);
}

/* The state one optimisation stage works on: row blocks of width P + 1 (gradient + squared
 * error) and E (edge magnitudes) and their buffers. */
typedef struct {
  ms_kan                  *net;
  ms_rowblocks             rb, rbE;
  MPI_Comm                 comm;
  int64_t                  n_global;
  const int               *offs;
  const ms_kan_train_opts *o;
  double                  *partial, *total, *A, *reg, fobj;
  ms_progress              prog;
} kan_stage;

static PetscErrorCode stage_objective(kan_stage *st)
{
  PetscFunctionBegin;
  PetscCall(kan_objective(st->net, &st->rb, &st->rbE, st->n_global, st->offs, st->o, st->partial, st->total, st->A, st->reg, &st->fobj));
  PetscFunctionReturn(0);
}

/* Full-batch Adam, o->epochs steps. */
static PetscErrorCode stage_adam(kan_stage *st)
{
  const int64_t P = st->net->n_params;
  double       *m1, *m2;

  PetscFunctionBegin;
  PetscCall(PetscCalloc2(P, &m1, P, &m2));
  for (int ep = 1; ep <= st->o->epochs; ep++) {
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8, c1 = 1.0 - pow(b1, ep), c2 = 1.0 - pow(b2, ep);
    PetscCall(stage_objective(st));
    for (int64_t q = 0; q < P; q++) {
      m1[q] = b1 * m1[q] + (1.0 - b1) * st->total[q];
      m2[q] = b2 * m2[q] + (1.0 - b2) * st->total[q] * st->total[q];
      st->net->params[q] -= st->o->lr * (m1[q] / c1) / (sqrt(m2[q] / c2) + eps);
    }
    if (ep % 50 == 0 || ep == st->o->epochs) PetscCall(ms_progress_update(&st->prog, ep));
  }
  PetscCall(PetscFree2(m1, m2));
  PetscFunctionReturn(0);
}

/* TAO callback: the objective is collective over the dataset's communicator, and every rank
 * gets the same bits (fixed row blocks), so each rank's TAO on PETSC_COMM_SELF takes the same
 * steps. */
static PetscErrorCode tao_fg(Tao tao, Vec x, PetscReal *f, Vec g, void *ctx)
{
  kan_stage         *st = (kan_stage *)ctx;
  const PetscScalar *xa;

  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(PetscArraycpy(st->net->params, xa, st->net->n_params));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(stage_objective(st));
  *f = st->fobj;
  {
    PetscScalar *ga;
    PetscCall(VecGetArray(g, &ga));
    PetscCall(PetscArraycpy(ga, st->total, st->net->n_params));
    PetscCall(VecRestoreArray(g, &ga));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode tao_monitor(Tao tao, void *ctx)
{
  kan_stage *st = (kan_stage *)ctx;
  PetscInt   it;

  PetscFunctionBegin;
  PetscCall(TaoGetIterationNumber(tao, &it));
  if (it % 10 == 0) PetscCall(ms_progress_update(&st->prog, PetscMin(it, st->o->epochs)));
  PetscFunctionReturn(0);
}

/* L-BFGS (TAO LMVM, More-Thuente line search) on the same objective and analytic gradient,
 * at most o->epochs iterations. */
static PetscErrorCode stage_lbfgs(kan_stage *st)
{
  Tao                tao;
  Vec                x;
  PetscInt           its;
  TaoConvergedReason reason;
  PetscScalar       *xa;

  PetscFunctionBegin;
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, st->net->n_params, &x));
  PetscCall(VecGetArray(x, &xa));
  PetscCall(PetscArraycpy(xa, st->net->params, st->net->n_params));
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, tao_fg, st));
  PetscCall(TaoSetTolerances(tao, 1e-10, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, st->o->epochs));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 4 * st->o->epochs + 20));
  PetscCall(TaoSetMonitor(tao, tao_monitor, st, NULL));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetIterationNumber(tao, &its));
  PetscCall(TaoGetConvergedReason(tao, &reason));
  PetscCall(ms_log(st->comm, "kan: L-BFGS stopped after %" PetscInt_FMT " iterations (%s)\n", its, TaoConvergedReasons[reason]));
  PetscCall(VecGetArray(x, &xa)); /* the solution, not the last trial point of the line search */
  PetscCall(PetscArraycpy(st->net->params, xa, st->net->n_params));
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&x));
  PetscCall(stage_objective(st)); /* total[P] of the final parameters for the log */
  PetscFunctionReturn(0);
}

/* Remove edges with mean |phi| below prune x the largest of their layer (all parameters 0, so
 * phi = 0 exactly), then dead hidden nodes: a node whose outgoing edges are all removed loses
 * its incoming edges too (the output does not change). */
PetscErrorCode ms_kan_prune(ms_kan *net, MPI_Comm comm, double frac)
{
  const int nb = net->G + net->k;
  int64_t   pruned = 0;

  PetscFunctionBegin;
  for (int l = 0; l < net->n_layers; l++) {
    const int     ni = net->widths[l], no = net->widths[l + 1];
    const int64_t e0 = edge_offset(net, l);
    double        amax = 0.0;
    for (int64_t e = 0; e < (int64_t)ni * no; e++) amax = PetscMax(amax, net->edge_l1[e0 + e]);
    for (int64_t e = 0; e < (int64_t)ni * no; e++)
      if (net->edge_l1[e0 + e] < frac * amax) net->edge_l1[e0 + e] = -1.0; /* mark */
  }
  for (int l = net->n_layers - 1; l >= 1; l--) { /* backwards: a node dies when its consumers died */
    const int ni = net->widths[l], no = net->widths[l + 1], np = net->widths[l - 1];
    for (int i = 0; i < ni; i++) {
      PetscBool dead = PETSC_TRUE;
      for (int j = 0; j < no; j++) dead = (PetscBool)(dead && net->edge_l1[edge_offset(net, l) + (int64_t)i * no + j] < 0);
      if (dead)
        for (int h = 0; h < np; h++) net->edge_l1[edge_offset(net, l - 1) + (int64_t)h * ni + i] = -1.0;
    }
  }
  for (int l = 0; l < net->n_layers; l++) {
    const int     ni = net->widths[l], no = net->widths[l + 1];
    const int64_t e0 = edge_offset(net, l);
    double       *p = net->params + layer_offset(net, l), *wb = p + (int64_t)ni * no * nb, *ws = wb + ni * no;
    for (int64_t e = 0; e < (int64_t)ni * no; e++)
      if (net->edge_l1[e0 + e] < 0) {
        PetscCall(PetscArrayzero(p + e * nb, nb));
        wb[e] = ws[e] = 0.0;
        net->edge_l1[e0 + e] = 0.0;
        pruned++;
      }
  }
  PetscCall(ms_log(comm, "kan: pruned %lld of %lld edges (mean |phi| below %g x the largest of their layer, or feeding a dead node)\n",
                   (long long)pruned, (long long)edge_offset(net, net->n_layers), frac));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_train(ms_kan *net, ms_dataset train, const ms_kan_train_opts *o)
{
  const int64_t n = train->n_local, d = net->widths[0];
  const int     nb = net->G + net->k;
  int           offs[MS_KAN_MAX_LAYERS + 2];
  double       *act_all;
  ms_rowblocks  rb2;
  const int64_t E = edge_offset(net, net->n_layers);
  kan_stage     st;

  PetscFunctionBegin;
  PetscCheck(o->epochs >= 1 && o->lr > 0, train->comm, MS_ERR_USER, "kan: -kan_epochs must be >= 1 and -kan_lr > 0");
  PetscCheck(o->n_stages == 0 || o->grids[0] == net->G, train->comm, MS_ERR_USER, "kan: the grid schedule starts at %d, the network has G = %d",
             o->grids[0], net->G);
  offs[0] = 0;
  for (int l = 0; l <= net->n_layers; l++) offs[l + 1] = offs[l] + net->widths[l];
  /* target mean and std, summed in fixed row blocks (same bits on any rank count) */
  PetscCall(ms_rowblocks_create(train, 2, &rb2));
  {
    double *pp, tot[2];
    PetscCall(PetscCalloc1(2 * PetscMax(rb2.n_blocks, 1), &pp));
    for (int64_t b = 0; b < rb2.n_blocks; b++)
      for (int64_t r = 0; r < rb2.n_rows[b]; r++) pp[2 * b] += rb2.target[b][r];
    PetscCall(ms_rowblocks_sum(&rb2, pp, tot));
    net->y_mean = tot[0] / (double)train->n_global;
    for (int64_t b = 0; b < rb2.n_blocks; b++) {
      pp[2 * b] = 0.0;
      for (int64_t r = 0; r < rb2.n_rows[b]; r++) pp[2 * b + 1] += (rb2.target[b][r] - net->y_mean) * (rb2.target[b][r] - net->y_mean);
    }
    PetscCall(ms_rowblocks_sum(&rb2, pp, tot));
    net->y_std = sqrt(tot[1] / (double)train->n_global);
    if (!(net->y_std > 0)) net->y_std = 1.0;
    PetscCall(PetscFree(pp));
  }
  PetscCall(ms_rowblocks_destroy(&rb2));
  /* initialisation: layer l's parameters from stream l */
  for (int l = 0; l < net->n_layers; l++) {
    const int     ni = net->widths[l], no = net->widths[l + 1];
    double       *p = net->params + layer_offset(net, l), *wb = p + (int64_t)ni * no * nb, *ws = wb + ni * no;
    const double  a = sqrt(6.0 / (ni + no));
    ms_rng        r;
    ms_rng_init(&r, o->seed, (uint64_t)l);
    for (int64_t q = 0; q < (int64_t)ni * no * nb; q++) p[q] = 0.1 * ms_rng_normal(&r);
    for (int q = 0; q < ni * no; q++) { wb[q] = a * (2.0 * ms_rng_uniform(&r) - 1.0); ws[q] = 1.0; }
  }
  /* grids: inputs from the data, hidden layers from their initial activations */
  PetscCall(set_grid(net, train->comm, 0, n, train->X, (int)d));
  PetscCall(PetscMalloc1(PetscMax(n, 1) * offs[net->n_layers + 1], &act_all));
  for (int l = 1; l < net->n_layers; l++) {
    for (int64_t r = 0; r < n; r++) forward_all(net, train->X + r * d, act_all + r * offs[net->n_layers + 1], offs, NULL);
    PetscCall(set_grid(net, train->comm, l, n, act_all + offs[l], offs[net->n_layers + 1]));
  }
  PetscCall(PetscFree(act_all));
  /* stages: train, then (grid schedule) refit the splines on the next finer grid and go on */
  PetscCall(PetscMemzero(&st, sizeof st));
  st.net = net; st.comm = train->comm; st.n_global = train->n_global; st.offs = offs; st.o = o;
  PetscCall(ms_rowblocks_create(train, E, &st.rbE));
  PetscCall(PetscMalloc2(E, &st.A, E, &st.reg));
  for (int s = 0; s < PetscMax(o->n_stages, 1); s++) {
    int64_t P;
    char    label[64];
    if (s > 0) {
      PetscCall(ms_kan_extend_grid(net, o->grids[s]));
      PetscCall(ms_log(train->comm, "kan: grid extended to G = %d (%lld parameters)\n", net->G, (long long)net->n_params));
    }
    P = net->n_params;
    PetscCall(ms_rowblocks_create(train, net->n_params + 1, &st.rb));
    PetscCall(PetscMalloc2(PetscMax(st.rb.n_blocks, 1) * (net->n_params + 1), &st.partial, net->n_params + 1, &st.total));
    PetscCall(PetscSNPrintf(label, sizeof label, "kan training (%s, G = %d)", o->lbfgs ? "L-BFGS" : "Adam", net->G));
    PetscCall(ms_progress_begin(train->comm, label, o->epochs, &st.prog));
    if (o->lbfgs) PetscCall(stage_lbfgs(&st));
    else PetscCall(stage_adam(&st));
    PetscCall(ms_progress_end(&st.prog));
    PetscCall(ms_log(train->comm, "kan: G = %d, %d %s, training RMSE %.6g (target units)\n", net->G, o->epochs, o->lbfgs ? "L-BFGS iterations at most" : "epochs",
                     sqrt(st.total[P] / (double)train->n_global) * net->y_std));
    PetscCall(PetscFree2(st.partial, st.total));
    PetscCall(ms_rowblocks_destroy(&st.rb));
  }
  PetscCall(edge_magnitudes(net, &st.rbE, train->n_global, offs, net->edge_l1));
  if (o->prune > 0) PetscCall(ms_kan_prune(net, train->comm, o->prune));
  /* each node's activation range over the training rows (symbolic fits and edge plots) */
  PetscCall(PetscMalloc1(PetscMax(n, 1) * offs[net->n_layers + 1], &act_all));
  for (int64_t r = 0; r < n; r++) forward_all(net, train->X + r * d, act_all + r * offs[net->n_layers + 1], offs, NULL);
  for (int l = 0; l < net->n_layers; l++)
    PetscCall(node_range(train->comm, net->widths[l], n, act_all + offs[l], offs[net->n_layers + 1], net->act_lo + grid_offset(net, l),
                         net->act_hi + grid_offset(net, l)));
  PetscCall(PetscFree(act_all));
  PetscCall(PetscFree2(st.A, st.reg));
  PetscCall(ms_rowblocks_destroy(&st.rbE));
  PetscFunctionReturn(0);
}
