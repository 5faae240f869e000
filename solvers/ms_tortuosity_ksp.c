/* ms_tortuosity_ksp.c - the linear solver of the tortuosity problem: CG, a multigrid
 * preconditioner, and a convergence test on the physical current balance.
 *
 * Preconditioner choices (all selectable with -pc_type; measured in benchmarks/tortuosity):
 *   mg     geometric multigrid on the DMDA, piecewise-constant (Q0, cell-centred)
 *          interpolation, Galerkin coarse operators (-pc_mg_levels: as many as the grid
 *          halves evenly, see ms_tort_mg_levels); the default where the grid allows >= 3 levels
 *   gamg   PETSc's smoothed aggregation; the default when the grid does not halve
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

static PetscErrorCode currents_destroy(void *ctx)
{
  ms_tort_currents *c = (ms_tort_currents *)ctx;

  PetscFunctionBeginUser;
  if (c->default_ctx) PetscCall(KSPConvergedDefaultDestroy(c->default_ctx));
  PetscCall(PetscFree4(c->idx_in, c->g_in, c->idx_out, c->g_out));
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
  if (c->mismatch < c->tol) {
    *reason       = KSP_CONVERGED_RTOL; /* PETSc 3.18 has no "user" reason; on_current says why */
    c->on_current = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

PetscInt ms_tort_mg_levels(DM da)
{
  PetscInt        M, N, P, m, n, p, levels = 1;
  const PetscInt *lx, *ly, *lz;

  if (DMDAGetInfo(da, NULL, &M, &N, &P, &m, &n, &p, NULL, NULL, NULL, NULL, NULL, NULL)) return 1;
  if (DMDAGetOwnershipRanges(da, &lx, &ly, &lz)) return 1;
  for (PetscInt f = 2; levels < 12; f *= 2) {
    PetscBool ok = (PetscBool)(M % f == 0 && N % f == 0 && P % f == 0 && M / f >= 4 && N / f >= 4 && P / f >= 4);
    for (PetscInt r = 0; r < m; r++) ok = (PetscBool)(ok && lx[r] % f == 0);
    for (PetscInt r = 0; r < n; r++) ok = (PetscBool)(ok && ly[r] % f == 0);
    for (PetscInt r = 0; r < p; r++) ok = (PetscBool)(ok && lz[r] % f == 0);
    if (!ok) break;
    levels++;
  }
  return levels;
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

PetscErrorCode ms_tort_ksp_create(MPI_Comm comm, Mat A, DM da, const char *prefix, PetscInt max_it, ms_tort_currents *c,
                                  KSP *ksp)
{
  PC        pc;
  char      type[64];
  PetscBool set, is;
  PetscInt  levels = ms_tort_mg_levels(da);

  PetscFunctionBeginUser;
  PetscCall(KSPCreate(comm, ksp));
  if (prefix) PetscCall(KSPSetOptionsPrefix(*ksp, prefix));
  PetscCall(KSPSetOperators(*ksp, A, A));
  PetscCall(KSPSetDM(*ksp, da));
  PetscCall(KSPSetDMActive(*ksp, PETSC_FALSE));
  PetscCall(KSPSetType(*ksp, KSPCG));
  /* The unpreconditioned norm makes the residual guard comparable with ||b|| for every PC. */
  PetscCall(KSPSetNormType(*ksp, KSP_NORM_UNPRECONDITIONED));
  PetscCall(KSPSetInitialGuessNonzero(*ksp, PETSC_TRUE));
  PetscCall(KSPSetTolerances(*ksp, 1e-12, 1e-50, PETSC_DEFAULT, max_it));
  PetscCall(KSPConvergedDefaultCreate(&c->default_ctx));
  PetscCall(KSPSetConvergenceTest(*ksp, converged_current, c, currents_destroy));

  PetscCall(KSPGetPC(*ksp, &pc));
  PetscCall(PetscStrncpy(type, levels >= 3 ? PCMG : PCGAMG, sizeof type));
  PetscCall(PetscOptionsGetString(NULL, prefix, "-pc_type", type, sizeof type, &set));
  PetscCall(PCSetType(pc, type));
  PetscCall(PetscObjectTypeCompare((PetscObject)pc, PCMG, &is));
  if (is) {
    PetscCall(PCMGSetLevels(pc, levels, NULL));
    PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_BOTH));
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
