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
 * Parallel layout. The unknowns keep the volume's z-slabs (the layout of a DMDA with
 * m = n = 1, p = ranks, lz = each rank's nz_local), so no voxel moves between ranks and
 * PETSc's global ordering is the natural C order (z*ny+y)*nx+x; every rank must hold at least
 * one z-plane. No DMDA object is created: the geometric multigrid builds its own hierarchy
 * (ms_tortuosity_mg.c) with shell interpolation, which measured 52 bytes/voxel less than
 * PCMG on a DMDA with Q0 interpolation and Galerkin PtAP, and lets the finest level be
 * matrix-free (PCMG's Galerkin PtAP needs an assembled matrix) (benchmarks/tortuosity).
 *
 * Operator. One unknown per voxel of the grid. Insulating and non-percolating voxels get a
 * decoupled diagonal row (phi = 0, diagonal 1e-8 so that the Galerkin coarse operators are not
 * dominated by them): they cost what any voxel costs (below), less than renumbering would
 * cost in code, and keep the grid structured for multigrid. Under the default multigrid the
 * finest operator is a MATSHELL in stencil form (the +x, +y, +z face conductances and the
 * diagonal: 32 bytes per voxel); any other preconditioner, or opts->assemble, gets an exactly
 * preallocated AIJ matrix (about 97 bytes per voxel at porosity 0.87). Measured peak of a
 * whole solve at 128^3: 142 bytes per voxel (1 rank) and 153 (2 ranks) with the shell,
 * 217-256 with AIJ (benchmarks/tortuosity). Since issue 14 item 2 one axis peaks at ~95 bytes
 * per voxel plus the libraries (95-103 measured at 256^3-400^3 on 1-2 ranks): float face
 * conductances where exact, in-place finest-level sweeps, one scratch vector for PCMG's
 * residual, the current test and the face terms, and set-up arrays returned to the system on
 * free (ms_bigarray.h); opts->memory_log shows the account per phase (RESULTS.md "Scale").
 *
 * Linear solver. KSPCG with, by default, geometric multigrid (PCMG: 2x2x2 aggregation,
 * Galerkin coarse operators, W-cycle; Richardson smoothing with two 0.7-damped Jacobi sweeps
 * on the matrix-free finest level and one SSOR sweep pair on the assembled coarser levels; LU
 * on a coarse grid of <= 4096 cells), chosen by measurement against GAMG, tuned hypre
 * BoomerAMG and Jacobi (benchmarks/tortuosity, RESULTS.md "Tortuosity"). Every -ksp_*,
 * -pc_* and -mg_* option (with opts->prefix, default none) overrides it.
 *
 * Convergence: stop when the current through every cross-section normal to the axis (inlet,
 * outlet and each plane between voxel layers) equals the inlet current to opts->mismatch_tol
 * (relative) and the residual norm is below mismatch_tol * ||b||, or on PETSc's own residual
 * test (-ksp_rtol, default 1e-12 here) as a safeguard. Inlet vs outlet alone is not enough:
 * an error linear along the axis changes both alike (measured: 7e-4 error in tau at 128^3
 * with a 1e-4 inlet/outlet test). The test costs one extra product once the face currents
 * balance; current_mismatch reports inlet vs outlet, plane_mismatch the worst cross-section.
 *
 * Several axes (ms_tortuosity_solve_axes, `-axis all`): the operators of the axes differ only
 * in the Dirichlet face terms on the diagonal, so one labelling, one face-free finest operator,
 * one Galerkin hierarchy and one KSP serve all axes; each axis swaps the face terms on every
 * level (exactly restored on the finest, base + restricted faces on the coarse ones) and PCMG
 * refactors the coarse LU numerically. After the first axis an axis' set-up costs ~1% of its
 * solve (benchmarks/RESULTS.md "Tortuosity at the floor"). The finest level's smoothing sweeps
 * and residual are fused single passes over the stencil, and its arrays live on transparent
 * huge pages (first-touch page faults were most of the set-up on the benchmark VM). By default
 * (-compress) every level holds only the conducting percolating cells (a third of the voxels at
 * porosity 0.3) and the coarse levels are smoothed matrix-free (benchmarks/RESULTS.md "Pore-only
 * multigrid").
 *
 * Profiling: PetscLogEvents "MsTortPercol", "MsTortSetup", "MsTortSolve" (-log_view); the
 * result records wall and CPU seconds of set-up and solve.
 */
#ifndef MS_TORTUOSITY_H
#define MS_TORTUOSITY_H

#include "ms_core.h"
#include "ms_volume.h"

#define MS_TORTUOSITY_MAX_VALUES 256
#define MS_TORTUOSITY_MG_OVERCORRECT_MAX 16 /* per-level over-correction factors (one per coarse level at most) */

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
  PetscBool   assemble;       /* assemble the finest operator even for -pc_type mg (default: matrix-free) */
  /* Default multigrid: the finest level (and CG's vectors) on the kept voxels only, PETSC_TRUE
   * by default; about a third of the bytes per iteration at porosity 0.3, tau within ~1e-8 of
   * the full grid's (which keeps a decoupled row per insulating voxel; PETSC_FALSE). */
  PetscBool   compress;
  PetscBool   share_setup;    /* ms_tortuosity_solve_axes: share operator and multigrid set-up across axes
                               * (default); PETSC_FALSE builds one hierarchy per axis with its faces */
  /* Default multigrid with a matrix-free finest level: how many coarse levels below it are
   * matrix-free stencils too (coefficients summed from the finer level, fused damped Jacobi,
   * mg_shell_sweeps sweeps per smoothing) instead of AIJ with SSOR; the coarsest (LU) is
   * always assembled. Default 0 levels (AIJ + SSOR): 1 halves the first axis' set-up with the
   * same iterations, but stops at a slightly different iterate, so tau moves by up to 1.6e-5 at
   * the default -mismatch_tol, where 0 keeps existing campaigns' labels (to ~1e-11 since
   * -compress; benchmarks/RESULTS.md, "matrix-free coarse levels"). With -compress and 0 levels
   * the smoothed coarse levels are matrix-free anyway, smoothed by SSOR's arithmetic. */
  PetscInt    mg_shell_levels;
  PetscInt    mg_shell_sweeps;
  /* Over-correction of the default multigrid: each coarse-grid correction is prolonged as
   * alpha * P x_c (restriction P^T and Galerkin coarse operators unchanged), which offsets the
   * under-correction of piecewise-constant aggregation; 0 < alpha < 2 keeps the cycle an SPD
   * preconditioner for CG. mg_overcorrect[0] scales the correction into the finest level,
   * [1] the next coarser one, ...; levels past n_mg_overcorrect take the last value. 1 = plain
   * correction, bit for bit the iterates of the code before the option. */
  int         n_mg_overcorrect;
  double      mg_overcorrect[MS_TORTUOSITY_MG_OVERCORRECT_MAX];
  /* The matrix-free finest level stores its face conductances as float (20 instead of 32 bytes
   * per voxel; the diagonal, their exact sum, and the arithmetic stay double). 1: float,
   * conductances rounded to ~6e-8 where a float cannot hold them; 0: double;
   * MS_TORTUOSITY_COEFF_AUTO (default): float exactly when every face conductance the
   * conductivities can make (harmonic means of pairs) is a float, e.g. one conducting phase
   * (0/1), so the results are the same bits as with double. */
  int         single_coefficients;
  /* Log resident / peak resident memory per voxel at each phase of the solve (volume read,
   * percolation, operator, hierarchy, solve; benchmarks/RESULTS.md "Scale"). Default off. */
  PetscBool   memory_log;
} ms_tortuosity_opts;
#define MS_TORTUOSITY_MG_SHELL_LEVELS 0 /* 1 halves the set-up but moves tau within -mismatch_tol (RESULTS.md) */
#define MS_TORTUOSITY_MG_SHELL_SWEEPS 3
/* Over-correction is opt-in (benchmarks/RESULTS.md, "Over-corrected coarse-grid correction"):
 * -mg_overcorrect 1.6 takes the 256^3 membrane's x/y/z axes from 22/16/15 to 15/13/15 CG
 * iterations (a second 256^3 seed 43 -> 41, 128^3 34 -> 32), but tau then stops at another
 * iterate, up to 7e-5 relative away (within -mismatch_tol, not within issue 14's 1e-6), so the
 * default keeps the plain correction and every existing label (to ~1e-11 since -compress,
 * bit for bit with -compress false). */
#define MS_TORTUOSITY_MG_OVERCORRECT 1.0
#define MS_TORTUOSITY_COEFF_AUTO (-1)

typedef struct {
  int                axis;                   /* 0 = x, 1 = y, 2 = z */
  PetscBool          percolates;
  double             tau;                    /* INFINITY when not percolating */
  double             porosity;               /* conducting voxel fraction */
  double             percolating_porosity;   /* fraction in clusters touching both faces */
  double             effective_conductivity; /* sigma_eff / sigma_P */
  double             current_in, current_out;/* per unit sigma_P, voxel units */
  double             current_mismatch;       /* |I_in - I_out| / |I_in| */
  double             plane_mismatch;         /* max over cross-sections m of |I_in - I(m)| / |I_in| */
  PetscInt           iterations;
  double             residual;               /* final residual norm reported by KSP */
  KSPConvergedReason reason;                 /* 0 when no solve was needed */
  int64_t            n_conducting, n_percolating;
  double             percolation_seconds, setup_seconds, solve_seconds; /* wall */
  /* CPU seconds of this rank: percolation + set-up, and KSPSolve. Work shared by several axes
   * (labelling, operator, multigrid hierarchy) is charged to the axis that built it. */
  double             setup_cpu_seconds, solve_cpu_seconds;
  PetscBool          setup_shared;           /* reused the operator and hierarchy of the previous axis */
  PetscBool          single_coefficients;    /* the finest stencil held float conductances */
  PetscBool          compressed;             /* the finest level held the kept voxels only */
  char               ksp_type[32], pc_type[32];
} ms_tortuosity_result;

/* Defaults as documented above. Not collective. */
PetscErrorCode ms_tortuosity_opts_init(ms_tortuosity_opts *opts);

/* Solve along axis (0, 1, 2) on v->comm (collective). opts may be NULL (defaults). */
PetscErrorCode ms_tortuosity_solve(ms_volume v, int axis, const ms_tortuosity_opts *opts, ms_tortuosity_result *res);

/* Solve along axes[0..naxes-1] (naxes <= 3), sharing the set-up (collective): one percolation
 * labelling for all axes, and under the default multigrid one face-free finest operator, one
 * hierarchy of Galerkin coarse operators and one KSP, to which each axis adds only its
 * Dirichlet face terms (the diagonal entries of the two faces, restricted to every level; the
 * coarse LU is refactored numerically). Axes whose percolation masks differ (a cluster that
 * spans one axis but not another) rebuild the operator. res[a] as for ms_tortuosity_solve. */
PetscErrorCode ms_tortuosity_solve_axes(ms_volume v, int naxes, const int axes[], const ms_tortuosity_opts *opts,
                                        ms_tortuosity_result res[]);

/* "x", "y", "z". */
const char *ms_tortuosity_axis_name(int axis);

#endif
