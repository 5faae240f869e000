/* kan_finetune.c - after snapping, the (a, b, c, d) of every symbolic edge refitted jointly on
 * the training rows (pykan trains the affine parameters of its symbolic edges the same way):
 * the per-edge fits approximate each spline separately; the joint fit removes what the
 * splines got wrong together. L-BFGS from PETSc TAO on a replicated vector, the gradient by
 * back-propagation through the layers summed in fixed row blocks (ms_rowblocks). */
#include "ms_kan.h"
#include "ms_log.h"
#include "ms_rowblocks.h"
#include <math.h>
#include <petsctao.h>

/* 1/2 w (f(x) - y)^2 for one row: forward with the snapped edges, then backward, adding the
 * gradient with respect to (a, b, c, d) of every snapped edge to g (4 per edge). Returns the
 * squared error. */
static double row_gradient(const ms_kan *net, const double *x, double y, double w, double *g)
{
  double act[(MS_KAN_MAX_LAYERS + 1) * MS_KAN_MAX_WIDTH], gnext[MS_KAN_MAX_WIDTH], gin[MS_KAN_MAX_WIDTH], e;
  int    offs[MS_KAN_MAX_LAYERS + 2];

  offs[0] = 0;
  for (int l = 0; l <= net->n_layers; l++) offs[l + 1] = offs[l] + net->widths[l];
  for (int i = 0; i < net->widths[0]; i++) act[i] = x[i];
  for (int l = 0; l < net->n_layers; l++)
    for (int j = 0; j < net->widths[l + 1]; j++) {
      double s = 0.0;
      for (int i = 0; i < net->widths[l]; i++) s += ms_kan_edge_eval(net, l, i, j, act[offs[l] + i], PETSC_TRUE);
      act[offs[l + 1] + j] = s;
    }
  e        = act[offs[net->n_layers]] - y;
  gnext[0] = w * e;
  for (int l = net->n_layers - 1; l >= 0; l--) {
    const int no = net->widths[l + 1];
    for (int i = 0; i < net->widths[l]; i++) {
      const double xi = act[offs[l] + i];
      gin[i]          = 0.0;
      for (int j = 0; j < no; j++) {
        const int64_t ed = ms_kan_edge_offset(net, l) + (int64_t)i * no + j;
        const int     fn = net->sym_fn[ed];
        double        dphi;
        if (fn == MS_KAN_SPLINE) {
          (void)ms_kan_edge_eval_deriv(net, l, i, j, xi, PETSC_FALSE, &dphi);
        } else {
          const double *q = net->sym + 5 * ed, u = q[0] * xi + q[1], fu = ms_kan_symbolic_eval(fn, u), df = ms_kan_symbolic_deriv(fn, u);
          g[4 * ed] += gnext[j] * q[2] * df * xi;
          g[4 * ed + 1] += gnext[j] * q[2] * df;
          g[4 * ed + 2] += gnext[j] * fu;
          g[4 * ed + 3] += gnext[j];
          dphi = q[2] * df * q[0];
        }
        gin[i] += gnext[j] * dphi;
      }
    }
    for (int i = 0; i < net->widths[l]; i++) gnext[i] = gin[i];
  }
  return e * e;
}

typedef struct {
  ms_kan      *net;
  ms_rowblocks rb;
  int64_t      n_global, E;
  double      *partial, *total;
} ft_ctx;

static PetscErrorCode ft_objective(ft_ctx *c, double *f)
{
  const int64_t W = 4 * c->E + 1, d = c->net->widths[0];

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(c->partial, PetscMax(c->rb.n_blocks, 1) * W));
  for (int64_t b = 0; b < c->rb.n_blocks; b++)
    for (int64_t r = 0; r < c->rb.n_rows[b]; r++)
      c->partial[b * W + 4 * c->E] += row_gradient(c->net, c->rb.X[b] + r * d, (c->rb.target[b][r] - c->net->y_mean) / c->net->y_std,
                                                   1.0 / (double)c->n_global, c->partial + b * W);
  PetscCall(ms_rowblocks_sum(&c->rb, c->partial, c->total));
  *f = 0.5 * c->total[4 * c->E] / (double)c->n_global;
  PetscFunctionReturn(0);
}

static PetscErrorCode ft_create(ms_kan *net, ms_dataset train, ft_ctx *c)
{
  PetscFunctionBegin;
  c->net      = net;
  c->n_global = train->n_global;
  c->E        = ms_kan_edge_offset(net, net->n_layers);
  PetscCall(ms_rowblocks_create(train, 4 * c->E + 1, &c->rb));
  PetscCall(PetscMalloc2(PetscMax(c->rb.n_blocks, 1) * (4 * c->E + 1), &c->partial, 4 * c->E + 1, &c->total));
  PetscFunctionReturn(0);
}

static PetscErrorCode ft_destroy(ft_ctx *c)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(c->partial, c->total));
  PetscCall(ms_rowblocks_destroy(&c->rb));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_snap_objective(ms_kan *net, ms_dataset train, double *f, double *grad)
{
  ft_ctx c;

  PetscFunctionBegin;
  PetscCall(ft_create(net, train, &c));
  PetscCall(ft_objective(&c, f));
  PetscCall(PetscArraycpy(grad, c.total, 4 * c.E));
  PetscCall(ft_destroy(&c));
  PetscFunctionReturn(0);
}

static void set_sym(ms_kan *net, int64_t E, const PetscScalar *x)
{
  for (int64_t e = 0; e < E; e++)
    for (int q = 0; q < 4; q++) net->sym[5 * e + q] = x[4 * e + q];
}

/* every rank gets the same f and gradient bits, so each rank's TAO on PETSC_COMM_SELF steps alike */
static PetscErrorCode tao_fg(Tao tao, Vec x, PetscReal *f, Vec g, void *ctx)
{
  ft_ctx            *c = (ft_ctx *)ctx;
  const PetscScalar *xa;
  PetscScalar       *ga;

  PetscFunctionBegin;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  set_sym(c->net, c->E, xa);
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscCall(ft_objective(c, f));
  if (!isfinite(*f)) *f = PETSC_INFINITY; /* outside an edge's domain: the line search backs off */
  PetscCall(VecGetArray(g, &ga));
  for (int64_t q = 0; q < 4 * c->E; q++) ga[q] = isfinite(c->total[q]) ? c->total[q] : 0.0;
  PetscCall(VecRestoreArray(g, &ga));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_snap_finetune(ms_kan *net, ms_dataset train, int max_it, double *f0, double *f1)
{
  ft_ctx       c;
  Tao          tao;
  Vec          x;
  PetscScalar *xa;
  double      *keep;

  PetscFunctionBegin;
  PetscCall(ft_create(net, train, &c));
  PetscCall(ft_objective(&c, f0));
  PetscCall(PetscMalloc1(5 * c.E, &keep));
  PetscCall(PetscArraycpy(keep, net->sym, 5 * c.E));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, 4 * c.E, &x));
  PetscCall(VecGetArray(x, &xa));
  for (int64_t e = 0; e < c.E; e++)
    for (int q = 0; q < 4; q++) xa[4 * e + q] = net->sym[5 * e + q];
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOLMVM));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, tao_fg, &c));
  { /* Armijo backtracking: a trial step that leaves an edge's domain or overflows exp gives f = inf,
       which backtracking simply shortens; More-Thuente's interpolation fails on it */
    TaoLineSearch ls;
    PetscCall(TaoGetLineSearch(tao, &ls));
    PetscCall(TaoLineSearchSetType(ls, TAOLINESEARCHARMIJO));
  }
  PetscCall(TaoSetTolerances(tao, 1e-12, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, max_it));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 4 * max_it + 20));
  PetscCall(TaoSolve(tao));
  {
    PetscInt           its;
    TaoConvergedReason reason;
    PetscCall(TaoGetIterationNumber(tao, &its));
    PetscCall(TaoGetConvergedReason(tao, &reason));
    PetscCall(ms_log(train->comm, "kan: fine-tuning the snapped edges: L-BFGS stopped after %" PetscInt_FMT " iterations (%s)\n", its,
                     TaoConvergedReasons[reason]));
  }
  PetscCall(VecGetArray(x, &xa));
  set_sym(net, c.E, xa);
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&x));
  PetscCall(ft_objective(&c, f1));
  if (!(*f1 <= *f0)) { /* no gain (or left a domain): keep the per-edge fits */
    PetscCall(PetscArraycpy(net->sym, keep, 5 * c.E));
    *f1 = *f0;
  }
  PetscCall(PetscFree(keep));
  PetscCall(ft_destroy(&c));
  PetscFunctionReturn(0);
}
