/* ms_tortuosity_ksp.c - the linear solver of the tortuosity problem: CG, a multigrid
 * preconditioner, and a convergence test on the physical current balance.
 *
 * Preconditioner choices (all selectable with -pc_type; measured in benchmarks/tortuosity):
 *   mg     (default) geometric multigrid on the voxel grid: 2x2x2 aggregation, Galerkin
 *          coarse operators, W-cycle, Richardson smoothing (two damped Jacobi sweeps on the
 *          matrix-free finest level, one symmetric Gauss-Seidel / SSOR sweep pair on the coarse
 *          levels), LU on the coarsest grid (ms_tortuosity_mg.c); by default every level holds
 *          only its conducting cells (-compress, ms_tortuosity_pore.c); -pc_mg_levels caps the
 *          number of levels
 *   gamg   PETSc's smoothed aggregation
 *   hypre  BoomerAMG with the settings measured best here (HMIS coarsening, ext+i
 *          interpolation, strong threshold 0.5, P_max 4, one level of aggressive coarsening)
 *          entered as defaults unless the user gave them
 *   jacobi diagonal scaling (the cheapest setup, many iterations)
 * Any -ksp_* / -pc_* / -mg_* option overrides these defaults (KSPSetFromOptions is last).
 */
#include "ms_tortuosity_impl.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_tort_currents_eval(ms_tort_currents *c, Vec x)
{
  const PetscScalar *a;
  PetscReal          loc[2] = {0, 0}, glob[2];

  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(x, &a));
  for (PetscInt i = 0; i < c->n_in; i++) loc[0] += c->g_in[i] * (1.0 - PetscRealPart(a[c->idx_in[i]]));
  for (PetscInt i = 0; i < c->n_out; i++) loc[1] += c->g_out[i] * PetscRealPart(a[c->idx_out[i]]);
  PetscCall(VecRestoreArrayRead(x, &a));
  PetscCall(MPIU_Allreduce(loc, glob, 2, MPIU_REAL, MPIU_SUM, c->comm));
  c->I_in     = glob[0];
  c->I_out    = glob[1];
  c->mismatch = PetscAbsReal(glob[0] - glob[1]) / PetscMax(PetscAbsReal(glob[0]), PETSC_SMALL);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_currents_planes(ms_tort_currents *c, Vec x)
{
  const PetscScalar *r;

  PetscFunctionBeginUser;
  if (!c->w) PetscCall(VecDuplicate(x, &c->w));
  PetscCall(MatMult(c->A, x, c->w));
  PetscCall(VecAYPX(c->w, -1.0, c->b)); /* w = b - A x: net inflow of every cell */
  PetscCall(PetscArrayzero(c->plane, c->n_axis));
  PetscCall(VecGetArrayRead(c->w, &r));
  if (c->coord) { /* pore operator: entry e lies in cross-section coord[e] */
    PetscInt n;
    PetscCall(VecGetLocalSize(c->w, &n));
    for (PetscInt e = 0; e < n; e++) c->plane[c->coord[e]] += PetscRealPart(r[e]);
  } else
    for (PetscInt k = 0, li = 0; k < c->nz_local; k++)
      for (PetscInt j = 0; j < c->ny; j++)
        for (PetscInt i = 0; i < c->nx; i++, li++) c->plane[c->axis == 0 ? i : c->axis == 1 ? j : c->z_start + k] += PetscRealPart(r[li]);
  PetscCall(VecRestoreArrayRead(c->w, &r));
  PetscCall(MPIU_Allreduce(MPI_IN_PLACE, c->plane, c->n_axis, MPIU_REAL, MPIU_SUM, c->comm));
  PetscReal sum = 0, worst = 0;
  for (PetscInt m = 0; m < c->n_axis; m++) {
    sum += c->plane[m]; /* I_in - I(m) */
    worst = PetscMax(worst, PetscAbsReal(sum));
  }
  c->plane_mismatch = worst / PetscMax(PetscAbsReal(c->I_in), PETSC_SMALL);
  PetscFunctionReturn(0);
}

static PetscErrorCode currents_destroy(void *ctx)
{
  ms_tort_currents *c = (ms_tort_currents *)ctx;

  PetscFunctionBeginUser;
  if (c->default_ctx) PetscCall(KSPConvergedDefaultDestroy(c->default_ctx));
  PetscCall(PetscFree4(c->idx_in, c->g_in, c->idx_out, c->g_out));
  PetscCall(VecDestroy(&c->w));
  PetscCall(PetscFree(c->plane));
  PetscCall(PetscFree(c->coord));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

/* The current test needs the iterate, which CG keeps up to date before each test; it is
 * evaluated only once the residual guard holds, so early iterations cost nothing extra. */
static PetscErrorCode converged_current(KSP ksp, PetscInt it, PetscReal rnorm, KSPConvergedReason *reason, void *ctx)
{
  ms_tort_currents *c = (ms_tort_currents *)ctx;
  Vec               x;

  PetscFunctionBeginUser;
  PetscCall(KSPConvergedDefault(ksp, it, rnorm, reason, c->default_ctx));
  if (*reason) {
    c->on_current = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  if (c->tol <= 0 || rnorm > c->tol * c->bnorm) PetscFunctionReturn(0);
  PetscCall(KSPBuildSolution(ksp, NULL, &x));
  PetscCall(ms_tort_currents_eval(c, x));
  PetscCall(PetscInfo(ksp, "it %d: |r| %g (guard %g), I_in %.10g I_out %.10g mismatch %g\n", (int)it, (double)rnorm,
                      (double)(c->tol * c->bnorm), (double)c->I_in, (double)c->I_out, (double)c->mismatch));
  if (c->mismatch >= c->tol) PetscFunctionReturn(0);
  /* Balanced face currents are not enough: an error linear along the axis shifts I_in and
   * I_out alike. Every cross-section must carry the inlet current. */
  PetscCall(ms_tort_currents_planes(c, x));
  PetscCall(PetscInfo(ksp, "it %d: cross-section mismatch %g\n", (int)it, (double)c->plane_mismatch));
  if (c->plane_mismatch < c->tol) {
    *reason       = KSP_CONVERGED_RTOL; /* PETSc 3.18 has no "user" reason; on_current says why */
    c->on_current = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

/* Enter an option's default into the database unless the user set it. */
static PetscErrorCode default_option(const char *prefix, const char *name, const char *value)
{
  char      full[256];
  PetscBool set;

  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(full, sizeof full, "-%s%s", prefix ? prefix : "", name));
  PetscCall(PetscOptionsHasName(NULL, NULL, full, &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, full, value));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_ksp_create(MPI_Comm comm, Mat A, const ms_tort_layout *lay, const ms_tortuosity_opts *opts, ms_tort_currents *c,
                                  KSP *ksp)
{
  const char *prefix = opts->prefix;
  PetscInt    max_it = opts->max_it;
  PC        pc;
  char      type[64];
  PetscBool set, is;
  PetscInt  levels, max_levels = MS_TORT_MG_MAX_LEVELS;

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(comm, ksp));
  if (prefix) PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetType(*ksp, KSPCG));
  /* The unpreconditioned norm makes the residual guard comparable with ||b|| for every PC. */
  PetscCall(KSPSetNormType(*ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetInitialGuessNonzero(*ksp, PETSC_TRUE));
  PetscCall(KSPSetTolerances(*ksp, 1e-12, 1e-50, PETSC_DEFAULT, max_it));
  PetscCall(KSPConvergedDefaultCreate(&c->default_ctx));
  PetscCall(KSPSetConvergenceTest(*ksp, converged_current, c, currents_destroy));

  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PetscStrncpy(type, PCMG, sizeof type));
  PetscCall(PetscOptionsGetString(NULL, prefix, "-pc_type", type, sizeof type, &set));
  PetscCall(PCSetType(pc, type));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &is));
  if (is) {
    PetscCall(PetscOptionsGetInt(NULL, prefix, "-pc_mg_levels", &max_levels, &set));
    /* -pc_mg_levels N: exactly N levels, coarsening past the default coarse-grid size. */
    PetscCall(ms_tort_mg_setup(pc, A, lay, max_levels, set ? 1 : MS_TORT_MG_COARSE_SIZE, opts->mg_shell_levels,
                               opts->mg_shell_sweeps, opts->n_mg_overcorrect, opts->mg_overcorrect, &levels));
    PetscCheck(!set || levels == max_levels, comm, MS_ERR_USER,
               "-pc_mg_levels %d: the %dx%dx%d grid stops shrinking after %d levels (2x2x2 aggregation, one plane per rank)",
               (int)max_levels, (int)lay->nx, (int)lay->ny, (int)lay->nz, (int)levels);
  }
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCHYPRE, &is));
  if (is) {
    PetscCall(PCHYPRESetType(pc, "boomeramg"));
    PetscCall(default_option(prefix, "pc_hypre_boomeramg_coarsen_type", "HMIS"));
    PetscCall(default_option(prefix, "pc_hypre_boomeramg_interp_type", "ext+i"));
    PetscCall(default_option(prefix, "pc_hypre_boomeramg_strong_threshold", "0.5"));
    PetscCall(default_option(prefix, "pc_hypre_boomeramg_P_max", "4"));
    PetscCall(default_option(prefix, "pc_hypre_boomeramg_agg_nl", "1"));
  }
  PetscCall(KSPSetFromOptions(*ksp));
  PetscFunctionReturn(0);
}
