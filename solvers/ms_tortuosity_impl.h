/* ms_tortuosity_impl.h - private pieces of the tortuosity solver shared by its files
 * (ms_tortuosity.c: percolation, assembly, results; ms_tortuosity_ksp.c: the KSP set-up and
 * the current-balance convergence test). Not installed. */
#ifndef MS_TORTUOSITY_IMPL_H
#define MS_TORTUOSITY_IMPL_H

#include "ms_tortuosity.h"

/* Everything one solve needs about the local slab. */
typedef struct {
  MPI_Comm       comm;
  int64_t        nx, ny, nz, nxy, z_start, nz_local, nloc, gofs;
  int            axis;
  int64_t        n_axis;
  double         sigma[MS_TORTUOSITY_MAX_VALUES];
  const uint8_t *data, *keep;
  double        *s_lo, *s_hi; /* conductivities of the planes just below/above the slab (0 outside) */
  PetscBool      single;      /* stencil-shell coefficients in single precision (ms_tortuosity_op.c) */
  PetscBool      compress;    /* finest level on the kept voxels only (ms_tortuosity_pore.c) */
} ms_tort_slab;

/* Diagonal of the decoupled rows (insulating and non-percolating voxels, phi = 0). Tiny, so
 * that Galerkin coarse operators, which sum rows over 2x2x2 aggregates, are not dominated by
 * these rows: with 1.0 the solid acts like a mass term that grows 8x per level while the
 * conductances grow 2x, and the coarse correction fades (measured: 13 -> 10 iterations). */
#define MS_TORT_DECOUPLED_DIAG 1e-8

/* Coordinate along `axis` (global) of slab-local voxel li. */
static inline int64_t ms_tort_axis_coord(const ms_tort_slab *s, int64_t li)
{
  return s->axis == 0 ? li % s->nx : s->axis == 1 ? (li / s->nx) % s->ny : s->z_start + li / s->nxy;
}

static inline double ms_tort_sigma(const ms_tort_slab *s, int64_t li) { return s->keep[li] ? s->sigma[s->data[li]] : 0.0; }

/* Harmonic mean: the exact conductance of two half-cells in series. */
static inline double ms_tort_face_g(double a, double b) { return a > 0 && b > 0 ? (a == b ? a : 2.0 * a * b / (a + b)) : 0.0; }

/* One matrix row of the voxel at local (i, j, k): the diagonal first, then the non-zero face
 * conductances (global columns); *b and *x0 are the right-hand side and the initial guess.
 * Returns the number of entries (1 for a decoupled row). */
PetscInt ms_tort_row(const ms_tort_slab *s, int64_t i, int64_t j, int64_t k, PetscInt cols[7], PetscScalar vals[7],
                     PetscScalar *b, PetscScalar *x0);


/* The voxels whose Dirichlet face conductance (2*sigma) carries the inlet or outlet current,
 * as local indices into the solution vector; enough to evaluate both currents from any
 * iterate at the cost of two face sums and one Allreduce. The current through every other
 * cross-section normal to the axis comes from the residual: summed over the cells up to
 * plane m, b - A x is I_in - I(m), so one product gives all of them. */
typedef struct {
  MPI_Comm   comm;
  PetscInt   n_in, n_out;
  PetscInt  *idx_in, *idx_out;
  PetscReal *g_in, *g_out;
  PetscReal  tol;              /* current mismatch tolerance (0 = off) */
  PetscReal  bnorm;            /* ||b||_2, scale of the residual guard */
  PetscReal  I_in, I_out, mismatch;
  PetscReal  plane_mismatch;   /* max over cross-sections m of |I_in - I(m)| / |I_in| */
  PetscBool  on_current;       /* the current test (not the residual) ended the solve */
  void      *default_ctx;      /* KSPConvergedDefault's context, the residual safeguard */
  /* cross-section currents */
  Mat        A;                /* not owned */
  Vec        b;                /* not owned */
  Vec        w;                /* work vector, owned (created on first use) */
  PetscInt   nx, ny, z_start, nz_local, axis, n_axis;
  int32_t   *coord;            /* global coordinate along the axis of each vector entry (pore operator;
                                * owned), NULL: the entries are the slab's voxels */
  PetscReal *plane;            /* [n_axis] */
} ms_tort_currents;

/* Face currents and mismatch of iterate x. */
PetscErrorCode ms_tort_currents_eval(ms_tort_currents *c, Vec x);
/* plane_mismatch of iterate x (one MatMult). */
PetscErrorCode ms_tort_currents_planes(ms_tort_currents *c, Vec x);

/* The slab layout of the unknowns (natural C order, z-slabs). */
typedef struct {
  PetscInt nx, ny, nz, z_start, nz_local;
} ms_tort_layout;

/* Create the KSP on comm for operator A: CG, the default or user preconditioner, the current
 * test. The KSP takes ownership of c. */
PetscErrorCode ms_tort_ksp_create(MPI_Comm comm, Mat A, const ms_tort_layout *lay, const ms_tortuosity_opts *opts, ms_tort_currents *c,
                                  KSP *ksp);

/* Make pc a PCMG on the aggregation hierarchy of ms_tortuosity_mg.c: at most max_levels
 * levels, coarsening until the grid has at most coarse_size cells. Below a stencil-shell A,
 * the first shell_levels coarse levels (never the coarsest) are stencil shells too, smoothed
 * by `sweeps` fused damped Jacobi sweeps; the others are AIJ with SSOR. The interpolation
 * from l + 1 to l levels below the finest is overcorrect[min(l, n_overcorrect - 1)] * P (each
 * in (0, 2); its transpose, the restriction, stays P^T); n_overcorrect = 0 means 1 everywhere. */
#define MS_TORT_MG_MAX_LEVELS 16
#define MS_TORT_MG_COARSE_SIZE 4096
PetscErrorCode ms_tort_mg_setup(PC pc, Mat A, const ms_tort_layout *lay, PetscInt max_levels, PetscInt coarse_size, PetscInt shell_levels,
                                PetscInt sweeps, int n_overcorrect, const double *overcorrect, PetscInt *levels);

/* The rows of ms_tort_row as a MATSHELL in stencil form (ms_tortuosity_op.c): MatMult,
 * diagonal and MatGetRow from per-voxel face conductances, 32 bytes per voxel instead of ~97
 * for AIJ. Created face-free (the "base" operator shared by the axes: s->axis is ignored;
 * needs s with s_lo, s_hi only during the call); ms_tort_op_set_faces adds the terms of one axis,
 * add[f] at local row idx[f], after restoring exactly the entries the previous call changed. */
PetscErrorCode ms_tort_op_create_base(const ms_tort_slab *s, Mat *A);
PetscErrorCode ms_tort_op_set_faces(Mat A, PetscInt n, const PetscInt idx[], const PetscReal add[]);
/* Make k (PCMG's finest-level smoother) `sweeps` damped Jacobi sweeps on the stencil shell A,
 * each one fused pass (KSPRICHARDSON + a PCSHELL with PCApplyRichardson). */
PetscErrorCode ms_tort_op_smoother(KSP k, Mat A, PetscInt sweeps);
/* `its` smoothing sweeps of shell A on arrays b -> x in place (zero_guess: x starts at 0 and is
 * not read); made a level smoother (KSPRICHARDSON + PCSHELL with PCApplyRichardson) by
 * ms_tort_shell_smoother, `sweeps` per smoothing. */
/* A shell's product y = A x (b NULL) or residual y = b - A x on arrays, and the MatShell
 * MATOP_MULT / MATOP_RESIDUAL around it (ms_tort_shell_apply, bv NULL for the product). */
typedef PetscErrorCode (*ms_tort_apply_fn)(Mat A, const PetscScalar *x, const PetscScalar *b, PetscScalar *y);
PetscErrorCode ms_tort_shell_apply(Mat A, Vec bv, Vec xv, Vec yv, ms_tort_apply_fn fn);
typedef PetscErrorCode (*ms_tort_sweeps_fn)(Mat A, const PetscScalar *b, PetscScalar *x, PetscInt its, PetscBool zero_guess);
PetscErrorCode ms_tort_shell_smoother(KSP k, Mat A, PetscInt sweeps, ms_tort_sweeps_fn fn, const char *name);
/* The Galerkin operator P^T A P of stencil shell A under rank-local 2x2x2 aggregation
 * (piecewise-constant P), as a new stencil shell of cnx x cny x cnz_local cells whose first
 * row is global row cgofs: coefficient sums, no matrix entries formed. */
PetscErrorCode ms_tort_op_coarsen(Mat A, PetscInt cnx, PetscInt cny, PetscInt cnz_local, PetscInt cgofs, Mat *Ac);
/* The rows of stencil shell A assembled as a new MPIAIJ matrix (for the coarsest LU). */
PetscErrorCode ms_tort_op_assemble(Mat A, Mat *B);

/* A zeroed stencil shell (double coefficients) of nx x ny x nz_local cells from global row gofs,
 * with its arrays for a caller that fills them (the coarsening of the pore operator below). */
typedef struct {
  double *d, *gx, *gy, *gz, *gz_lo;
} ms_tort_stencil;
PetscErrorCode ms_tort_op_create_empty(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt nz_local, PetscInt gofs, Mat *A, ms_tort_stencil *st);
/* The arrays and slab size (nx, ny, nz_local) of a double-coefficient stencil shell. */
PetscErrorCode ms_tort_op_stencil_view(Mat A, ms_tort_stencil *st, PetscInt dims[3]);

/* The finest operator on the kept (conducting, percolating) voxels only (ms_tortuosity_pore.c):
 * the rows of ms_tort_op_create_base without the decoupled ones, so its vectors hold one entry
 * per kept voxel, in natural order (x fastest). At porosity 0.3 every pass of CG and of the
 * finest multigrid level moves about a third of the bytes of the full grid. Neighbours in y
 * and z are found through stored indices, in x through the order itself. Same face-free
 * "base" contract as ms_tort_op_create_base (ms_tort_op_set_faces-like ms_tort_pore_set_faces).
 * ms_tort_pore_vox gives the slab-local voxel index of every entry. */
PetscErrorCode ms_tort_pore_create(const ms_tort_slab *s, Mat *A);
PetscBool      ms_tort_pore_is(Mat A);
PetscErrorCode ms_tort_pore_vox(Mat A, const int32_t **vox, PetscInt *n);
/* coord[p]: the global coordinate along axis (0, 1, 2) of entry p; slab starts at plane z_start. */
PetscErrorCode ms_tort_pore_axis_coord(Mat A, int axis, PetscInt z_start, int32_t *coord);
PetscErrorCode ms_tort_pore_set_faces(Mat A, PetscInt n, const PetscInt idx[], const PetscReal add[]);
PetscErrorCode ms_tort_pore_smoother(KSP k, Mat A, PetscInt sweeps);
/* A coarse level on the active cells of stencil shell S (cidx[cell] >= 0, n_active of them,
 * natural order), in the pore form: 60 instead of ~112 bytes per row and sweep against AIJ.
 * Smoothed (ms_tort_pore_smoother_ssor) by one symmetric Gauss-Seidel sweep per smoothing,
 * local to each rank with the ghost values fixed: the arithmetic of PETSc's SOR on the
 * assembled level (SOR_LOCAL_SYMMETRIC_SWEEP, omega 1), summed in another order. */
PetscErrorCode ms_tort_pore_from_stencil(Mat S, const int32_t *cidx, PetscInt n_active, Mat *A);
PetscErrorCode ms_tort_pore_smoother_ssor(KSP k, Mat A);
/* P^T A P onto the full cnx x cny x cnz_local grid of 2x2x2 aggregates (a stencil shell; the
 * decoupled voxels enter as MS_TORT_DECOUPLED_DIAG each, as in ms_tort_op_coarsen). */
PetscErrorCode ms_tort_pore_coarsen(Mat Af, PetscInt cnx, PetscInt cny, PetscInt cnz_local, PetscInt cgofs, Mat *Ac);
/* The active rows of stencil shell A (cidx[li] >= 0, their compressed local index, natural
 * order) as an MPIAIJ on the compressed numbering (ms_tortuosity_op.c). */
PetscErrorCode ms_tort_op_assemble_active(Mat A, const int32_t *cidx, PetscInt n_active, Mat *B);

/* The coarse levels of a PCMG built by ms_tort_mg_setup on a base operator: their diagonals
 * saved once (base), then per axis the face terms restricted level by level (add) and
 * base + add inserted (ms_tortuosity_mg.c). */
typedef struct {
  PetscInt L;
  Vec      base[MS_TORT_MG_MAX_LEVELS], add[MS_TORT_MG_MAX_LEVELS], diag[MS_TORT_MG_MAX_LEVELS];
} ms_tort_mg_faces;
PetscErrorCode ms_tort_mg_faces_create(PC pc, ms_tort_mg_faces **f);
PetscErrorCode ms_tort_mg_faces_set(PC pc, ms_tort_mg_faces *f, Vec fine_add);
PetscErrorCode ms_tort_mg_faces_destroy(ms_tort_mg_faces **f);

/* Finest-level memory on transparent huge pages (ms_tortuosity_mem.c): a zeroed array
 * (free with ms_tort_huge_free) and a vector of n local entries whose duplicates are made
 * the same way. */
PetscErrorCode ms_tort_huge_calloc(MPI_Comm comm, size_t bytes, void **p);
void           ms_tort_huge_free(void *p);
PetscErrorCode ms_tort_vec_create(MPI_Comm comm, PetscInt n, Vec *v);
/* With on: log the resident and peak resident memory summed over comm's ranks, per voxel of
 * the nvox-voxel volume, at the phase `where` (opts->memory_log, -memory_log). Collective. */
PetscErrorCode ms_tort_mem_probe(MPI_Comm comm, PetscBool on, const char *where, double nvox);

#endif
