/* ms_gpr_opt.c - hyperparameter search for ms_gpr: PETSc TAO bound-constrained
 * quasi-Newton on -LML in log space, with restarts spread over the ranks (small n) or run
 * one after another with every factorization spread over the ranks (large n). */
#include "ms_gpr.h"
#include "ms_log.h"
#include "ms_rng.h"
#include <math.h>

/* Objective value TAO sees where K is not positive definite: finite (TAO rejects Inf) and far
 * above any -LML we meet, so the line search backs off. */
#define MS_GPR_INFEASIBLE 1e20
/* A fit at large n takes minutes per evaluation (n = 20,000: about 165 s on 2 cores): say where
 * it is, at most this often, so a batch log shows a long fit moving. Small fits stay silent. */
#define MS_GPR_PROGRESS_S 10.0

typedef struct {
  ms_gpr   gp;
  ms_blacs grid;
  int64_t  nt;
  double   llo, lhi;      /* log bounds */
  double   f_prev;        /* objective at the previous accepted iterate */
  double  *best_theta;    /* best point evaluated so far (nt) and its LML */
  double   best_lml;
  int64_t  restart, evals; /* this start's index and its evaluation count */
  double   t0, t_print;    /* MPI_Wtime at the start and at the last progress line */
} ms_gpr_tao_ctx;

static PetscErrorCode ms_gpr_tao_fg(Tao tao, Vec x, PetscReal *f, Vec g, void *vctx)
{
  ms_gpr_tao_ctx    *ctx = (ms_gpr_tao_ctx *)vctx;
  const PetscScalar *xa;
  PetscScalar       *ga;
  double             lml;

  PetscFunctionBeginUser;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArray(g, &ga));
  PetscCall(ms_gpr_lml(ctx->gp, ctx->grid, xa, &lml, ga));
  ctx->gp->n_evals++;
  if (!isfinite(lml)) {
    *f = MS_GPR_INFEASIBLE;
    for (int64_t t = 0; t < ctx->nt; t++) ga[t] = 0.0;
  } else {
    *f = -lml;
    for (int64_t t = 0; t < ctx->nt; t++) ga[t] = -ga[t];
    /* remember the best point evaluated: the result needs no extra evaluation afterwards */
    if (lml > ctx->best_lml) {
      ctx->best_lml = lml;
      for (int64_t t = 0; t < ctx->nt; t++) ctx->best_theta[t] = xa[t];
    }
  }
  ctx->evals++;
  if (MPI_Wtime() - ctx->t_print >= MS_GPR_PROGRESS_S) {
    ctx->t_print = MPI_Wtime();
    PetscCall(ms_log(ctx->gp->comm, "gpr: start %" PRId64 ", evaluation %" PRId64 ": LML %.10g, best %.10g; %.1f s per evaluation\n", ctx->restart,
                     ctx->evals, isfinite(lml) ? lml : -INFINITY, ctx->best_lml, (ctx->t_print - ctx->t0) / (double)ctx->evals));
  }
  PetscCall(VecRestoreArray(g, &ga));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

/* L-BFGS-B's stopping rule (Byrd, Lu, Nocedal, Zhu 1995; scipy's defaults, which sklearn
 * uses): stop when the projected gradient's largest entry, each entry clipped to the distance
 * to the bound it points at, is <= gtol, or when one iteration reduced f by <= ftol relative
 * (f_prev - f <= ftol max(|f_prev|, |f|, 1)). TAO's own tests (2-norm of the gradient
 * against gatol) never fire on an LML whose optimum sits on a bound or is flat to rounding:
 * the solver then spent most evaluations in failing line searches at the optimum. Iteration
 * and evaluation limits and solver failures are left to TaoDefaultConvergenceTest. */
static PetscErrorCode ms_gpr_tao_converged(Tao tao, void *vctx)
{
  ms_gpr_tao_ctx    *ctx = (ms_gpr_tao_ctx *)vctx;
  Vec                x, g;
  const PetscScalar *xa, *ga;
  PetscReal          f, gnorm, cnorm, xdiff, pg = 0.0;
  PetscInt           its;
  TaoConvergedReason reason;

  PetscFunctionBeginUser;
  PetscCall(TaoGetSolutionStatus(tao, &its, &f, &gnorm, &cnorm, &xdiff, &reason));
  PetscCall(TaoGetSolution(tao, &x));
  PetscCall(TaoGetGradient(tao, &g, NULL, NULL));
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArrayRead(g, &ga));
  for (int64_t t = 0; t < ctx->nt; t++) {
    double p = ga[t] < 0.0 ? PetscMax(xa[t] - ctx->lhi, ga[t]) : PetscMin(xa[t] - ctx->llo, ga[t]);
    pg       = PetscMax(pg, PetscAbsReal(p));
  }
  PetscCall(VecRestoreArrayRead(g, &ga));
  PetscCall(VecRestoreArrayRead(x, &xa));
  if (f < MS_GPR_INFEASIBLE && pg <= ctx->gp->gtol) PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_GATOL));
  else if (its > 0 && f < MS_GPR_INFEASIBLE && ctx->f_prev - f <= ctx->gp->ftol * PetscMax(PetscMax(PetscAbsReal(ctx->f_prev), PetscAbsReal(f)), 1.0))
    PetscCall(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
  else PetscCall(TaoDefaultConvergenceTest(tao, NULL));
  ctx->f_prev = f;
  PetscFunctionReturn(0);
}

/* One local optimisation from theta (in/out); *lml at the result. */
static PetscErrorCode ms_gpr_run_restart(ms_gpr gp, ms_blacs grid, int64_t restart, double llo, double lhi, double *theta, double *lml)
{
  ms_gpr_tao_ctx ctx = {gp, grid, ms_kernel_n_theta(gp->kernel), llo, lhi, PETSC_MAX_REAL, NULL, -INFINITY, restart, 0, MPI_Wtime(), 0.0};
  Tao            tao;
  Vec            x, lb, ub;
  PetscScalar   *xa;

  PetscFunctionBeginUser;
  ctx.t_print = ctx.t0;
  PetscCall(PetscMalloc1(ctx.nt, &ctx.best_theta));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, (PetscInt)ctx.nt, &x));
  PetscCall(VecDuplicate(x, &lb));
  PetscCall(VecDuplicate(x, &ub));
  PetscCall(VecSet(lb, llo));
  PetscCall(VecSet(ub, lhi));
  PetscCall(VecGetArray(x, &xa));
  for (int64_t t = 0; t < ctx.nt; t++) xa[t] = PetscMin(PetscMax(theta[t], llo), lhi);
  PetscCall(VecRestoreArray(x, &xa));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, gp->tao_type));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetVariableBounds(tao, lb, ub));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, ms_gpr_tao_fg, &ctx));
  /* TAO's gradient-norm tests off: ms_gpr_tao_converged applies L-BFGS-B's rule */
  PetscCall(TaoSetTolerances(tao, 0.0, 0.0, 0.0));
  PetscCall(TaoSetConvergenceTest(tao, ms_gpr_tao_converged, &ctx));
  PetscCall(TaoSetMaximumIterations(tao, (PetscInt)gp->max_it));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, (PetscInt)PetscMin(gp->max_it * 20 + 20, PETSC_MAX_INT)));
  PetscCall(TaoSolve(tao));
  if (ctx.t_print > ctx.t0) { /* it printed progress: close the story */
    TaoConvergedReason reason;
    PetscCall(TaoGetConvergedReason(tao, &reason));
    PetscCall(ms_log(gp->comm, "gpr: start %" PRId64 " stopped after %" PRId64 " evaluations in %.1f s (%s): LML %.10g\n", restart, ctx.evals,
                     MPI_Wtime() - ctx.t0, reason == TAO_CONVERGED_USER ? "ftol" : TaoConvergedReasons[reason], ctx.best_lml));
  }
  /* the best point evaluated is the answer (TAO's iterate unless a line search backed off
     from a better trial point); its LML is already known */
  if (isfinite(ctx.best_lml)) {
    PetscCall(PetscArraycpy(theta, ctx.best_theta, ctx.nt));
    *lml = ctx.best_lml;
  } else *lml = -INFINITY;
  PetscCall(TaoDestroy(&tao));
  PetscCall(VecDestroy(&x));
  PetscCall(VecDestroy(&lb));
  PetscCall(VecDestroy(&ub));
  PetscCall(PetscFree(ctx.best_theta));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_optimize(ms_gpr gp, int64_t restarts, uint64_t seed, double lo, double hi)
{
  int64_t     nt = ms_kernel_n_theta(gp->kernel), R = restarts + 1, best = -1;
  double     *res, *theta0, llo, lhi, best_lml = -INFINITY;
  PetscBool   dist;
  PetscMPIInt rank, size;
  ms_blacs    grid = NULL;

  PetscFunctionBeginUser;
  if (restarts < 0) SETERRQ(gp->comm, MS_ERR_USER, "-gpr_restarts must be >= 0, got %" PRId64, restarts);
  if (!(lo > 0.0 && hi > lo))
    SETERRQ(gp->comm, MS_ERR_USER, "-gpr_bounds must satisfy 0 < lo < hi, got %g,%g", lo, hi);
  if (!gp->X) SETERRQ(gp->comm, PETSC_ERR_ORDER, "GPR: set the training data before optimising");
  llo = log(lo);
  lhi = log(hi);
  PetscCallMPI(MPI_Comm_rank(gp->comm, &rank));
  PetscCallMPI(MPI_Comm_size(gp->comm, &size));
  PetscCall(ms_gpr_use_scalapack(gp, &dist));
  gp->n_evals = 0;
  /* results: per restart [lml, theta...]; zero except where computed, then summed */
  PetscCall(PetscCalloc1(R * (nt + 1), &res));
  PetscCall(PetscMalloc1(nt, &theta0));
  ms_kernel_get_theta(gp->kernel, theta0);
  if (dist) PetscCall(ms_blacs_create(gp->comm, gp->grid_shape, gp->nb, &grid));
  for (int64_t r = 0; r < R; r++) {
    double *out = res + r * (nt + 1);
    if (!dist && r % size != rank) continue;
    if (r == 0) PetscCall(PetscArraycpy(out + 1, theta0, nt));
    else {
      ms_rng rng;
      ms_rng_init(&rng, seed, (uint64_t)r);
      for (int64_t t = 0; t < nt; t++) out[1 + t] = llo + (lhi - llo) * ms_rng_uniform(&rng);
    }
    PetscCall(ms_gpr_run_restart(gp, grid, r, llo, lhi, out + 1, &out[0]));
    /* -inf cannot be summed; mark failed restarts with a value no finite LML reaches */
    if (!isfinite(out[0])) out[0] = -PETSC_MAX_REAL;
  }
  PetscCall(ms_blacs_destroy(&grid));
  if (!dist) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, res, (int)(R * (nt + 1)), MPI_DOUBLE, MPI_SUM, gp->comm));
  for (int64_t r = 0; r < R; r++)
    if (res[r * (nt + 1)] > best_lml) {
      best_lml = res[r * (nt + 1)];
      best     = r;
    }
  if (best < 0 || best_lml <= -PETSC_MAX_REAL) {
    PetscCall(PetscFree(res));
    PetscCall(PetscFree(theta0));
    SETERRQ(gp->comm, MS_ERR_USER,
            "GPR: the training covariance is not positive definite for any hyperparameters tried "
            "(%" PRId64 " restarts); raise -gpr_alpha or check for duplicate rows",
            R);
  }
  ms_kernel_set_theta(gp->kernel, res + best * (nt + 1) + 1);
  gp->best_restart   = best;
  gp->n_restarts_run = R;
  PetscCall(PetscFree(res));
  PetscCall(PetscFree(theta0));
  PetscCall(ms_gpr_factor(gp));
  PetscFunctionReturn(0);
}
