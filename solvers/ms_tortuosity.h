/* ms_tortuosity.h - tortuosity and effective conductivity of a voxel volume (Appendix B of
 * the dissertation; spec.md section 1.11).
 *
 * Model. Steady conduction div(sigma grad phi) = 0 in the conducting voxels, phi = 1 on
 * the domain face at the start of the chosen axis and phi = 0 on the face at its end, no
 * flux through the four other faces and through every wall between a conducting and an
 * insulating voxel. Outputs:
 *   sigma_eff / sigma_P = I * L / (A * dPhi)     (A = full face area, L = length, dPhi = 1)
 *   tau = porosity * sigma_P / sigma_eff
 * so an open box and straight channels along the axis give tau = 1 exactly.
 *
 * Discretisation: cell-centred finite volumes on the voxel grid (voxel size cancels; we
 * use 1). Face conductance between two voxels = harmonic mean of their conductivities
 * (exact for layers in series); 2*sigma between a boundary voxel and its Dirichlet face
 * (half-cell distance). The current is measured at both Dirichlet faces; I is their mean
 * and |I_in - I_out| / |I_in| (current_mismatch) is the physical convergence measure.
 *
 * Percolation. Before the solve, the conducting voxels are labelled by 6-connected
 * components (ms_percolation.h) and only clusters touching both Dirichlet faces are kept:
 * dead ends attached to a percolating cluster carry no current but stay (they are part of
 * it), isolated clusters would make the matrix singular and are removed. A sample with no
 * percolating cluster is a result, not an error: tau = INFINITY, sigma_eff = 0,
 * percolates = PETSC_FALSE, and no linear solve.
 *
 * Parallel layout. The volume's z-slabs are the DMDA's ownership (m = n = 1, p = ranks,
 * lz = each rank's nz_local), so no voxel moves between ranks; every rank must hold at least
 * one z-plane. In this layout PETSc's global ordering is the natural C order, (z*ny+y)*nx+x.
 *
 * Matrix. One unknown per voxel of the grid (an AIJ matrix with the DMDA's layout, so the
 * geometric multigrid PCMG can coarsen the DMDA). Insulating and non-percolating voxels get
 * a decoupled identity row (phi = 0): this costs 12 bytes per such voxel in the matrix and
 * 8 bytes in each vector, much less than renumbering would cost in code and for PCMG, and
 * lets the grid stay structured. Preallocation is exact (only non-zero conductances are
 * stored), so a membrane with porosity 0.8 uses about 0.8*7 + 0.2 entries per row.
 *
 * Linear solver. KSPCG with, by default, the preconditioner chosen by measurement
 * (benchmarks/tortuosity, RESULTS.md "Tortuosity"); every -ksp_* / -pc_* option of the
 * options database (with opts->prefix, default none) overrides it. Convergence: stop when the
 * current mismatch is below opts->mismatch_tol and the residual norm is below
 * mismatch_tol * ||b|| (the guard rules out an accidental current balance in an early
 * iterate), or on PETSc's own residual test (-ksp_rtol, default 1e-12 here) as a safeguard.
 *
 * Profiling: PetscLogEvents "MsTortPercol", "MsTortSetup", "MsTortSolve" (-log_view).
 */
#ifndef MS_TORTUOSITY_H
#define MS_TORTUOSITY_H

#include "ms_core.h"
#include "ms_volume.h"

#define MS_TORTUOSITY_MAX_VALUES 256

typedef struct {
  /* Conducting phase when n_conductivities == 0: voxels equal to `phase` have sigma = 1,
   * every other voxel insulates. Default 0 (pore conducts). */
  int         phase;
  /* Multi-phase conductivities: sigma[v] = conductivities[v] for v < n_conductivities (>= 0,
   * 0 = insulating), sigma = 0 for larger values; `phase` is then ignored. sigma_P (the
   * reference in tau and sigma_eff/sigma_P) is the largest conductivity. */
  int         n_conductivities;
  double      conductivities[MS_TORTUOSITY_MAX_VALUES];
  double      mismatch_tol;   /* relative inlet/outlet current mismatch, default 1e-4; 0 = residual only */
  PetscInt    max_it;         /* CG iteration limit, default 10000 (-ksp_max_it overrides) */
  const char *prefix;         /* options prefix of the KSP (NULL: -ksp_type, -pc_type, ...) */
} ms_tortuosity_opts;

typedef struct {
  int                axis;                   /* 0 = x, 1 = y, 2 = z */
  PetscBool          percolates;
  double             tau;                    /* INFINITY when not percolating */
  double             porosity;               /* conducting voxel fraction */
  double             percolating_porosity;   /* fraction in clusters touching both faces */
  double             effective_conductivity; /* sigma_eff / sigma_P */
  double             current_in, current_out;/* per unit sigma_P, voxel units */
  double             current_mismatch;       /* |I_in - I_out| / |I_in| */
  PetscInt           iterations;
  double             residual;               /* final residual norm reported by KSP */
  KSPConvergedReason reason;                 /* 0 when no solve was needed */
  int64_t            n_conducting, n_percolating;
  double             percolation_seconds, setup_seconds, solve_seconds;
  char               ksp_type[32], pc_type[32];
} ms_tortuosity_result;

/* Defaults as documented above. Not collective. */
PetscErrorCode ms_tortuosity_opts_init(ms_tortuosity_opts *opts);

/* Solve along axis (0, 1, 2) on v->comm (collective). opts may be NULL (defaults). */
PetscErrorCode ms_tortuosity_solve(ms_volume v, int axis, const ms_tortuosity_opts *opts, ms_tortuosity_result *res);

/* "x", "y", "z". */
const char *ms_tortuosity_axis_name(int axis);

#endif
