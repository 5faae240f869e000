/* ms_tortuosity_pore.c - the finest tortuosity operator on the kept voxels only.
 *
 * Why: the full-grid stencil (ms_tortuosity_op.c) carries a decoupled row for every insulating
 * or non-percolating voxel, two thirds of a membrane at porosity 0.3, and every CG vector
 * operation, product, smoothing sweep and residual of the finest level streams them. Here the
 * unknowns are the kept voxels alone, in natural order (x fastest), so a pass moves about a
 * third of the bytes. The price is four neighbour indices per kept voxel (y and z, both sides;
 * x needs none: the +x neighbour of entry p, when it conducts, is entry p + 1) and the -y/-z
 * conductances stored beside the +y/+z ones: 44 bytes of operator per kept voxel (float
 * conductances) against 20 per voxel of the full stencil, i.e. 13 instead of 20 per voxel at
 * porosity 0.3 (benchmarks/RESULTS.md "Pore-only finest level").
 *
 * The decoupled rows had b = 0 and x0 = 0 and no couplings, so dropping them changes the CG
 * iterates only through the 1e-8 diagonal the coarse-grid correction used to spread into them:
 * tau moves by about 1e-8 relative (tests/unit/test_tortuosity_mg.c compares both). The coarse
 * levels stay on the full grid: the Galerkin operator sums the kept rows over each 2x2x2
 * aggregate and adds MS_TORT_DECOUPLED_DIAG for each voxel left out, as ms_tort_op_coarsen did.
 *
 * Ghosts: the kept voxels of the plane below and above the slab, counted from the neighbour
 * planes' conductivities (s_lo, s_hi), so their order is known without communication; one
 * MPI_Irecv/Isend pair each way per product sends a contiguous range (a plane of kept voxels
 * is contiguous in this order).
 */
#include "ms_tortuosity_impl.h"

typedef struct {
  MPI_Comm    comm;
  int64_t     nx, ny, nxy, nz_local;
  PetscInt    n;                         /* kept voxels of the slab */
  PetscBool   single;                    /* float conductances (the diagonal and arithmetic stay double) */
  void       *gxp, *gym, *gyp, *gzm, *gzp; /* [n] face conductances; -x is gxp[p - 1] (NULL with flags) */
  uint8_t    *flags;                     /* [n] or NULL: conductances 0/1 as bits (+x, -y, +y, -z, +z) */
  double     *d;                         /* [n] */
  double     *wdinv;                     /* [n] PORE_JACOBI_OMEGA / d, kept in step with d (Jacobi levels) */
  double     *dinv;                      /* [n] 1 / d in the same place (Gauss-Seidel levels), else NULL */
  int32_t    *iym, *iyp, *izm, *izp;     /* [n] neighbour entries (izm of plane 0 into x_lo, izp of the top plane
                                          * into x_hi); an absent neighbour has coefficient 0 and any valid entry */
  int32_t    *vox;                       /* [n] slab-local voxel index */
  PetscInt   *row;                       /* [ny nz_local + 1] first entry of each x-row */
  PetscInt    n_lo, n_hi, max_plane;
  double     *x_lo, *x_hi;               /* ghost planes, at least one (zero) entry each */
  double     *plane_buf;                 /* [2 max_plane], the in-place sweep's new planes (on first use) */
  PetscMPIInt lo, hi;
  PetscInt    n_face;                    /* Dirichlet terms in d, restored by the next axis' */
  PetscInt   *face_idx;
  double     *face_saved;
} pore_ctx;

typedef enum { K_MULT, K_RESIDUAL, K_JACOBI, K_JACOBI_ZERO } kernel_mode;
#define PORE_JACOBI_OMEGA 0.7 /* as the full stencil's smoother (ms_tortuosity_op.c) */

static PetscErrorCode ghosts(pore_ctx *c, const double *x)
{
  PetscInt    top = c->row[(c->nz_local - 1) * c->ny];
  MPI_Request rq[4];

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Irecv(c->x_lo, (PetscMPIInt)c->n_lo, MPI_DOUBLE, c->lo, 93, c->comm, &rq[0]));
  PetscCallMPI(MPI_Irecv(c->x_hi, (PetscMPIInt)c->n_hi, MPI_DOUBLE, c->hi, 94, c->comm, &rq[1]));
  PetscCallMPI(MPI_Isend(x + top, (PetscMPIInt)(c->n - top), MPI_DOUBLE, c->hi, 93, c->comm, &rq[2]));
  PetscCallMPI(MPI_Isend(x, (PetscMPIInt)c->row[c->ny], MPI_DOUBLE, c->lo, 94, c->comm, &rq[3]));
  PetscCallMPI(MPI_Waitall(4, rq, MPI_STATUSES_IGNORE));
  PetscFunctionReturn(0);
}

/* Planes k0..k1-1 of the kernel; y is the slab (plane = 0) or a one-plane buffer indexed from
 * the plane's first entry (plane = 1). The six neighbour terms are summed as a tree (three
 * independent pairs), not as one chain of subtractions: the loop is latency-bound once the
 * bytes are few, and this shortens the chain per entry from 7 dependent operations to 4. The
 * Jacobi sweep x + w D^-1 (b - A x) is evaluated as (1 - w) x + (w / d) (b + off-diagonal sum)
 * with w / d stored: no division in the loop. The conductances come from arrays (double or
 * float) or, when every conductance is 0 or 1 (one conducting phase), from one flag byte per
 * entry (1 byte instead of 20 per entry and pass). */
#define PORE_SWEEP(NAME, PROLOGUE, GXP, GYM, GYP, GZM, GZP) \
  static void NAME(const pore_ctx *c, kernel_mode mode, const double *x, const double *b, double *y, int64_t k0, int64_t k1, int plane) \
  { \
    PROLOGUE; \
    const int32_t *iym = c->iym, *iyp = c->iyp, *izm = c->izm, *izp = c->izp; \
    const double  *d = c->d, *wd = c->wdinv, w1 = 1.0 - PORE_JACOBI_OMEGA; \
    const PetscInt n = c->n; \
    if (mode == K_JACOBI_ZERO) { \
      for (PetscInt p = 0; p < n; p++) y[p] = wd[p] * b[p]; \
      return; \
    } \
    for (int64_t k = k0; k < k1; k++) { \
      const PetscInt p0 = c->row[k * c->ny], p1 = c->row[(k + 1) * c->ny]; \
      const double  *xzm = k > 0 ? x : c->x_lo, *xzp = k < c->nz_local - 1 ? x : c->x_hi; \
      double        *yk  = plane ? y - p0 : y; \
      for (PetscInt p = p0; p < p1; p++) { \
        const double xm = p > 0 ? x[p - 1] : 0.0, xp = p + 1 < n ? x[p + 1] : 0.0, gm = p > 0 ? GXP(p - 1) : 0.0; \
        const double off = (gm * xm + GXP(p) * xp) + ((GYM(p) * x[iym[p]] + GYP(p) * x[iyp[p]]) + (GZM(p) * xzm[izm[p]] + GZP(p) * xzp[izp[p]])); \
        if (mode == K_MULT) yk[p] = d[p] * x[p] - off; \
        else if (mode == K_RESIDUAL) yk[p] = b[p] - (d[p] * x[p] - off); \
        else yk[p] = w1 * x[p] + wd[p] * (b[p] + off); \
      } \
    } \
  }
#define ARR_PROLOGUE(T) \
  const T *gxp = (const T *)c->gxp, *gym = (const T *)c->gym, *gyp = (const T *)c->gyp, *gzm = (const T *)c->gzm, *gzp = (const T *)c->gzp
#define A_XP(p)  ((double)gxp[p])
#define A_YM(p)  ((double)gym[p])
#define A_YP(p)  ((double)gyp[p])
#define A_ZM(p)  ((double)gzm[p])
#define A_ZP(p)  ((double)gzp[p])
/* The five 0/1 conductances of every flag byte, looked up (an L1-resident table): neither a
 * branch per term, which mispredicts on a random pore space, nor an integer-to-double
 * conversion per term. */
static double unit_table[32][8];
static void   unit_table_init(void)
{
  for (int f = 0; f < 32; f++)
    for (int b = 0; b < 8; b++) unit_table[f][b] = b < 5 ? (double)((f >> b) & 1) : 0.0;
}
#define UNIT_PROLOGUE const uint8_t *fl = c->flags; const double (*ut)[8] = (const double (*)[8])unit_table
#define U_XP(p)  (ut[fl[p]][0])
#define U_YM(p)  (ut[fl[p]][1])
#define U_YP(p)  (ut[fl[p]][2])
#define U_ZM(p)  (ut[fl[p]][3])
#define U_ZP(p)  (ut[fl[p]][4])
PORE_SWEEP(sweep_double, ARR_PROLOGUE(double), A_XP, A_YM, A_YP, A_ZM, A_ZP)
PORE_SWEEP(sweep_float, ARR_PROLOGUE(float), A_XP, A_YM, A_YP, A_ZM, A_ZP)
PORE_SWEEP(sweep_unit, UNIT_PROLOGUE, U_XP, U_YM, U_YP, U_ZM, U_ZP)

static void pore_sweep(const pore_ctx *c, kernel_mode mode, const double *x, const double *b, double *y, int64_t k0, int64_t k1, int plane)
{
  if (c->flags) sweep_unit(c, mode, x, b, y, k0, k1, plane);
  else if (c->single) sweep_float(c, mode, x, b, y, k0, k1, plane);
  else sweep_double(c, mode, x, b, y, k0, k1, plane);
}

static PetscErrorCode pore_kernel(pore_ctx *c, kernel_mode mode, const double *x, const double *b, double *y)
{
  PetscFunctionBeginUser;
  if (mode != K_JACOBI_ZERO) PetscCall(ghosts(c, x));
  pore_sweep(c, mode, x, b, y, 0, c->nz_local, 0);
  PetscFunctionReturn(0);
}

/* One damped Jacobi sweep in place: plane k's new values go to a buffer and plane k - 1,
 * which nobody reads any more, is copied back (as op_jacobi_inplace of the full stencil). */
static PetscErrorCode pore_jacobi_inplace(pore_ctx *c, double *x, const double *b)
{
  const int64_t nzl = c->nz_local, ny = c->ny;

  PetscFunctionBeginUser;
  if (!c->plane_buf) PetscCall(PetscMalloc1(2 * c->max_plane + 1, &c->plane_buf));
  PetscCall(ghosts(c, x));
  for (int64_t k = 0; k <= nzl; k++) {
    if (k < nzl) pore_sweep(c, K_JACOBI, x, b, c->plane_buf + (k % 2) * c->max_plane, k, k + 1, 1);
    if (k > 0) {
      PetscInt q0 = c->row[(k - 1) * ny], q1 = c->row[k * ny];
      PetscCall(PetscArraycpy(x + q0, c->plane_buf + ((k - 1) % 2) * c->max_plane, q1 - q0));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode pore_apply(Mat A, const PetscScalar *x, const PetscScalar *b, PetscScalar *y)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(pore_kernel(c, b ? K_RESIDUAL : K_MULT, x, b, y));
  PetscFunctionReturn(0);
}
static PetscErrorCode pore_mult(Mat A, Vec x, Vec y) { return ms_tort_shell_apply(A, NULL, x, y, pore_apply); }
static PetscErrorCode pore_residual(Mat A, Vec b, Vec x, Vec r) { return ms_tort_shell_apply(A, b, x, r, pore_apply); }

/* Damped Jacobi sweeps, in place (pore_jacobi_inplace); the first from a zero guess is pointwise. */
static PetscErrorCode pore_sweeps(Mat A, const PetscScalar *b, PetscScalar *x, PetscInt its, PetscBool zero_guess)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  for (PetscInt it = 0; it < its; it++) {
    if (it == 0 && zero_guess) PetscCall(pore_kernel(c, K_JACOBI_ZERO, NULL, b, x));
    else PetscCall(pore_jacobi_inplace(c, x, b));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_smoother(KSP k, Mat A, PetscInt sweeps)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tort_shell_smoother(k, A, sweeps, pore_sweeps, "tortuosity: fused damped Jacobi (0.7) on the kept voxels"));
  PetscFunctionReturn(0);
}

static PetscErrorCode pore_diagonal(Mat A, Vec dv)
{
  pore_ctx    *c;
  PetscScalar *y;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(VecGetArray(dv, &y));
  PetscCall(PetscArraycpy(y, c->d, c->n));
  PetscCall(VecRestoreArray(dv, &y));
  PetscFunctionReturn(0);
}

static PetscErrorCode pore_destroy(Mat A)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  ms_tort_huge_free(c->d);
  PetscCall(PetscFree(c->row));
  PetscCall(PetscFree2(c->x_lo, c->x_hi));
  PetscCall(PetscFree(c->plane_buf));
  PetscCall(PetscFree2(c->face_idx, c->face_saved));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

static PetscErrorCode pore_create_vecs(Mat A, Vec *right, Vec *left)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  if (right) PetscCall(ms_tort_vec_create(c->comm, c->n, right));
  if (left) PetscCall(ms_tort_vec_create(c->comm, c->n, left));
  PetscFunctionReturn(0);
}

/* Insert or add a diagonal (the coarse levels' axis faces, ms_tort_mg_faces_set). */
static PetscErrorCode pore_diagonal_set(Mat A, Vec dv, InsertMode mode)
{
  pore_ctx          *c;
  const PetscScalar *y;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(VecGetArrayRead(dv, &y));
  for (PetscInt p = 0; p < c->n; p++) {
    c->d[p] = mode == INSERT_VALUES ? y[p] : c->d[p] + y[p];
    if (c->dinv) c->dinv[p] = 1.0 / c->d[p];
    else c->wdinv[p] = PORE_JACOBI_OMEGA / c->d[p];
  }
  PetscCall(VecRestoreArrayRead(dv, &y));
  PetscFunctionReturn(0);
}

static PetscErrorCode pore_shell(pore_ctx *c, Mat *A)
{
  PetscFunctionBeginUser;
  PetscCall(MatCreateShell(c->comm, c->n, c->n, PETSC_DETERMINE, PETSC_DETERMINE, c, A));
  PetscCall(MatShellSetOperation(*A, MATOP_MULT, (void (*)(void))pore_mult));
  PetscCall(MatShellSetOperation(*A, MATOP_RESIDUAL, (void (*)(void))pore_residual));
  PetscCall(MatShellSetOperation(*A, MATOP_CREATE_VECS, (void (*)(void))pore_create_vecs));
  PetscCall(MatShellSetOperation(*A, MATOP_GET_DIAGONAL, (void (*)(void))pore_diagonal));
  PetscCall(MatShellSetManageScalingShifts(*A));
  PetscCall(MatShellSetOperation(*A, MATOP_DIAGONAL_SET, (void (*)(void))pore_diagonal_set));
  PetscCall(MatShellSetOperation(*A, MATOP_DESTROY, (void (*)(void))pore_destroy));
  PetscCall(MatSetOption(*A, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

PetscBool ms_tort_pore_is(Mat A)
{
  PetscBool shell = PETSC_FALSE;
  void (*f)(void) = NULL;

  if (PetscObjectTypeCompare((PetscObject)A, MATSHELL, &shell) || !shell) return PETSC_FALSE;
  if (MatShellGetOperation(A, MATOP_MULT, &f)) return PETSC_FALSE;
  return (PetscBool)(f == (void (*)(void))pore_mult);
}

PetscErrorCode ms_tort_pore_vox(Mat A, const int32_t **vox, PetscInt *n)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  *vox = c->vox;
  *n   = c->n;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_axis_coord(Mat A, int axis, PetscInt z_start, int32_t *coord)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  /* By rows: no division per entry. */
  for (int64_t k = 0; k < c->nz_local; k++)
    for (int64_t j = 0; j < c->ny; j++) {
      const int64_t r = k * c->ny + j, base = r * c->nx;
      for (PetscInt p = c->row[r]; p < c->row[r + 1]; p++)
        coord[p] = (int32_t)(axis == 0 ? c->vox[p] - base : axis == 1 ? j : z_start + k);
    }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_set_faces(Mat A, PetscInt n, const PetscInt idx[], const PetscReal add[])
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  for (PetscInt f = c->n_face - 1; f >= 0; f--) {
    c->d[c->face_idx[f]]     = c->face_saved[f];
    c->wdinv[c->face_idx[f]] = PORE_JACOBI_OMEGA / c->face_saved[f];
  }
  PetscCall(PetscFree2(c->face_idx, c->face_saved));
  PetscCall(PetscMalloc2(n + 1, &c->face_idx, n + 1, &c->face_saved));
  for (PetscInt f = 0; f < n; f++) {
    c->face_idx[f]   = idx[f];
    c->face_saved[f] = c->d[idx[f]];
    c->d[idx[f]] += add[f];
  }
  for (PetscInt f = 0; f < n; f++) c->wdinv[idx[f]] = PORE_JACOBI_OMEGA / c->d[idx[f]];
  c->n_face = n;
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY)); /* new state: PCMG and Jacobi set up again */
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* Entry of every kept voxel of slab plane k (-1 elsewhere) into m[nxy]; for k = -1 and
 * k = nz_local the planes of the neighbour ranks, numbered from 0 in their own order. */
static void plane_map(const ms_tort_slab *s, const pore_ctx *c, int64_t k, int32_t *m)
{
  if (k < 0 || k >= s->nz_local) {
    const double *sg = k < 0 ? s->s_lo : s->s_hi;
    int32_t       q  = 0;
    for (int64_t ij = 0; ij < s->nxy; ij++) m[ij] = sg[ij] > 0 ? q++ : -1;
    return;
  }
  int32_t q = (int32_t)c->row[k * s->ny];
  for (int64_t ij = 0, li = k * s->nxy; ij < s->nxy; ij++, li++) m[ij] = ms_tort_sigma(s, li) > 0 ? q++ : -1;
}

/* A context for an nx x ny x nz_local slab on comm (no entries yet). */
static PetscErrorCode pore_new(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nzl, pore_ctx **cp)
{
  pore_ctx   *c;
  PetscMPIInt rank, size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(&c));
  c->comm     = comm;
  c->nx       = nx;
  c->ny       = ny;
  c->nxy      = nx * ny;
  c->nz_local = nzl;
  c->lo       = rank > 0 ? rank - 1 : MPI_PROC_NULL;
  c->hi       = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
  PetscCall(PetscMalloc1(ny * nzl + 1, &c->row));
  *cp = c;
  PetscFunctionReturn(0);
}

/* After c->row, n_lo and n_hi: the ghost planes and, in one huge-page block, d, w/d (or 1/d),
 * the four index arrays, vox and the conductances (five arrays, or the flags with unit). */
static PetscErrorCode pore_alloc(pore_ctx *c, PetscBool unit)
{
  const int64_t ny = c->ny, nzl = c->nz_local;

  PetscFunctionBeginUser;
  c->n = c->row[ny * nzl];
  PetscCheck((int64_t)c->n < INT32_MAX, c->comm, PETSC_ERR_SUP, "tortuosity: %lld kept cells on one rank exceed 32-bit entry indices",
             (long long)c->n);
  for (int64_t k = 0; k < nzl; k++) c->max_plane = PetscMax(c->max_plane, c->row[(k + 1) * ny] - c->row[k * ny]);
  PetscCall(PetscCalloc2(c->n_lo + 1, &c->x_lo, c->n_hi + 1, &c->x_hi));
  /* Each array 64-byte aligned (a double array after the int32 ones would be misaligned for odd n). */
  const size_t es = c->single ? sizeof(float) : sizeof(double), n = (size_t)c->n;
  const size_t sz[12] = {n * sizeof(double), n * sizeof(double), n * sizeof(int32_t), n * sizeof(int32_t), n * sizeof(int32_t),
                         n * sizeof(int32_t), n * sizeof(int32_t), unit ? n : n * es, unit ? 0 : n * es, unit ? 0 : n * es,
                         unit ? 0 : n * es, unit ? 0 : n * es};
  size_t       off[12], total = 0;
  for (int a = 0; a < 12; a++) {
    off[a] = total;
    total += (sz[a] + 63) / 64 * 64;
  }
  char *blk;
  PetscCall(ms_tort_huge_calloc(c->comm, total + 64, (void **)&blk));
  c->d     = (double *)(blk + off[0]);
  c->wdinv = (double *)(blk + off[1]);
  c->iym   = (int32_t *)(blk + off[2]);
  c->iyp   = (int32_t *)(blk + off[3]);
  c->izm   = (int32_t *)(blk + off[4]);
  c->izp   = (int32_t *)(blk + off[5]);
  c->vox   = (int32_t *)(blk + off[6]);
  if (unit) c->flags = (uint8_t *)(blk + off[7]);
  else {
    c->gxp = blk + off[7];
    c->gym = blk + off[8];
    c->gyp = blk + off[9];
    c->gzm = blk + off[10];
    c->gzp = blk + off[11];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_create(const ms_tort_slab *s, Mat *A)
{
  pore_ctx     *c;
  const int64_t nx = s->nx, ny = s->ny, nxy = s->nxy, nzl = s->nz_local;

  PetscFunctionBeginUser;
  unit_table_init(); /* idempotent: the same values every time */
  PetscCall(pore_new(s->comm, nx, ny, nzl, &c));
  c->single = s->single;
  c->row[0] = 0;
  for (int64_t r = 0, li = 0; r < ny * nzl; r++) {
    PetscInt m = 0;
    for (int64_t i = 0; i < nx; i++, li++) m += ms_tort_sigma(s, li) > 0;
    c->row[r + 1] = c->row[r] + m;
  }
  for (int64_t ij = 0; ij < nxy; ij++) {
    c->n_lo += s->s_lo[ij] > 0;
    c->n_hi += s->s_hi[ij] > 0;
  }
  /* Conductances that are all 0 or 1 (every conductivity 0 or 1: harmonic means of 1 and 1
   * are exactly 1) need one bit each. */
  PetscBool unit = PETSC_TRUE;
  for (int v = 0; v < MS_TORTUOSITY_MAX_VALUES; v++) unit = (PetscBool)(unit && (s->sigma[v] == 0 || s->sigma[v] == 1));
  PetscCall(pore_alloc(c, unit));

  /* The conductances of ms_tort_op_create_base for the kept voxels, in the same order and
   * rounding, so the diagonal is the same sum. Plane maps of k - 1, k, k + 1 give the entries. */
  int32_t *m0, *m1, *m2, *mp, *mc, *mn, *t;
  PetscCall(PetscMalloc3(nxy, &m0, nxy, &m1, nxy, &m2));
  mp = m0, mc = m1, mn = m2;
  plane_map(s, c, -1, mp);
  plane_map(s, c, 0, mc);
  for (int64_t k = 0; k < nzl; k++) {
    const int64_t gz = s->z_start + k;
    plane_map(s, c, k + 1, mn);
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++) {
        const int64_t ij = j * nx + i, li = k * nxy + ij;
        const double  sp = ms_tort_sigma(s, li);
        if (sp <= 0) continue;
        const int32_t p = mc[ij];
        double g[6] = {i > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - 1)) : 0,
                       i < nx - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + 1)) : 0,
                       j > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - nx)) : 0,
                       j < ny - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + nx)) : 0,
                       k > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - nxy)) : (gz > 0 ? ms_tort_face_g(sp, s->s_lo[ij]) : 0),
                       k < nzl - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + nxy)) : (gz < s->nz - 1 ? ms_tort_face_g(sp, s->s_hi[ij]) : 0)};
        double diag = 0;
        for (int e = 0; e < 6; e++) {
          if (c->single) g[e] = (float)g[e];
          if (g[e] > 0) diag += g[e];
        }
        c->d[p]     = diag;
        c->wdinv[p] = PORE_JACOBI_OMEGA / diag;
        if (c->flags) c->flags[p] = (uint8_t)((g[1] > 0) | (g[2] > 0) << 1 | (g[3] > 0) << 2 | (g[4] > 0) << 3 | (g[5] > 0) << 4);
        else if (c->single) {
          ((float *)c->gxp)[p] = (float)g[1];
          ((float *)c->gym)[p] = (float)g[2];
          ((float *)c->gyp)[p] = (float)g[3];
          ((float *)c->gzm)[p] = (float)g[4];
          ((float *)c->gzp)[p] = (float)g[5];
        } else {
          ((double *)c->gxp)[p] = g[1];
          ((double *)c->gym)[p] = g[2];
          ((double *)c->gyp)[p] = g[3];
          ((double *)c->gzm)[p] = g[4];
          ((double *)c->gzp)[p] = g[5];
        }
        c->iym[p] = g[2] > 0 ? mc[ij - nx] : p;
        c->iyp[p] = g[3] > 0 ? mc[ij + nx] : p;
        c->izm[p] = g[4] > 0 ? mp[ij] : (k > 0 ? p : 0);
        c->izp[p] = g[5] > 0 ? mn[ij] : (k < nzl - 1 ? p : 0);
        c->vox[p] = (int32_t)li;
      }
    t = mp; mp = mc; mc = mn; mn = t;
  }
  PetscCall(PetscFree3(m0, m1, m2));

  PetscCall(pore_shell(c, A));
  PetscFunctionReturn(0);
}

/* Coefficient e of a conductance array of either precision. */
/* Conductance `bit` (0 +x, 1 -y, 2 +y, 3 -z, 4 +z) of entry p, whatever the storage. */
static inline double gget(const pore_ctx *c, int bit, PetscInt p)
{
  if (c->flags) return (c->flags[p] >> bit) & 1 ? 1.0 : 0.0;
  const void *a = bit == 0 ? c->gxp : bit == 1 ? c->gym : bit == 2 ? c->gyp : bit == 3 ? c->gzm : c->gzp;
  return c->single ? (double)((const float *)a)[p] : ((const double *)a)[p];
}

PetscErrorCode ms_tort_pore_coarsen(Mat Af, PetscInt cnx, PetscInt cny, PetscInt cnz_local, PetscInt cgofs, Mat *Ac)
{
  pore_ctx       *f;
  ms_tort_stencil st;
  uint8_t        *cnt;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(Af, &f));
  PetscCheck(cnx == (f->nx + 1) / 2 && cny == (f->ny + 1) / 2 && cnz_local == (f->nz_local + 1) / 2, f->comm, PETSC_ERR_ARG_SIZ,
             "tortuosity multigrid: a %dx%dx%d slab does not aggregate to %dx%dx%d", (int)f->nx, (int)f->ny, (int)f->nz_local, (int)cnx,
             (int)cny, (int)cnz_local);
  PetscCall(ms_tort_op_create_empty(f->comm, cnx, cny, cnz_local, cgofs, Ac, &st));
  const int64_t nx = f->nx, ny = f->ny, nzl = f->nz_local, ncl = (int64_t)cnx * cny * cnz_local;
  PetscCall(PetscCalloc1(ncl, &cnt));
  /* The sums of ms_tort_op_coarsen over the kept voxels (see there). */
  for (int64_t k = 0; k < nzl; k++) {
    const int zin = k % 2 == 0 && k + 1 < nzl;
    for (int64_t j = 0; j < ny; j++) {
      const int     yin = j % 2 == 0 && j + 1 < ny;
      const int64_t o = ((k / 2) * cny + j / 2) * cnx, base = (k * ny + j) * nx;
      for (PetscInt p = f->row[k * ny + j]; p < f->row[k * ny + j + 1]; p++) {
        const int64_t i = f->vox[p] - base, P = o + i / 2;
        double        d = f->d[p], gx = gget(f, 0, p), gy = gget(f, 2, p), gz = gget(f, 4, p);
        if (i % 2 == 0 && i + 1 < nx) d -= 2.0 * gx;
        else st.gx[P] += gx;
        if (yin) d -= 2.0 * gy;
        else st.gy[P] += gy;
        if (zin) d -= 2.0 * gz;
        else st.gz[P] += gz;
        st.d[P] += d;
        if (k == 0) st.gz_lo[P] += gget(f, 3, p);
        cnt[P]++;
      }
    }
  }
  /* The decoupled voxels left out: MS_TORT_DECOUPLED_DIAG each. */
  for (int64_t ck = 0, P = 0; ck < cnz_local; ck++)
    for (int64_t cj = 0; cj < cny; cj++)
      for (int64_t ci = 0; ci < cnx; ci++, P++) {
        int64_t size = PetscMin(2, nx - 2 * ci) * PetscMin(2, ny - 2 * cj) * PetscMin(2, nzl - 2 * ck);
        if (size > cnt[P]) st.d[P] += (double)(size - cnt[P]) * MS_TORT_DECOUPLED_DIAG;
      }
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_from_stencil(Mat S, const int32_t *cidx, PetscInt n_active, Mat *A)
{
  pore_ctx       *c;
  ms_tort_stencil st;
  PetscInt        dims[3];
  MPI_Comm        comm;
  uint8_t        *snd, *glo, *ghi;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)S, &comm));
  PetscCall(ms_tort_op_stencil_view(S, &st, dims));
  const int64_t nx = dims[0], ny = dims[1], nzl = dims[2], nxy = nx * ny;
  PetscCall(pore_new(comm, nx, ny, nzl, &c));
  c->single = PETSC_FALSE;
  c->row[0] = 0;
  for (int64_t r = 0, li = 0; r < ny * nzl; r++) {
    PetscInt m = 0;
    for (int64_t i = 0; i < nx; i++, li++) m += cidx[li] >= 0;
    c->row[r + 1] = c->row[r] + m;
  }
  PetscCheck(c->row[ny * nzl] == n_active, comm, PETSC_ERR_PLIB, "tortuosity multigrid: %d active cells counted, %d given",
             (int)c->row[ny * nzl], (int)n_active);
  /* Which cells of the neighbours' boundary planes are active (their ghost numbering). */
  PetscCall(PetscMalloc3(2 * nxy, &snd, nxy, &glo, nxy, &ghi));
  for (int64_t ij = 0; ij < nxy; ij++) {
    snd[ij]       = cidx[ij] >= 0;
    snd[nxy + ij] = cidx[(nzl - 1) * nxy + ij] >= 0;
    glo[ij] = ghi[ij] = 0;
  }
  PetscCallMPI(MPI_Sendrecv(snd + nxy, (PetscMPIInt)nxy, MPI_UINT8_T, c->hi, 97, glo, (PetscMPIInt)nxy, MPI_UINT8_T, c->lo, 97, comm,
                            MPI_STATUS_IGNORE));
  PetscCallMPI(MPI_Sendrecv(snd, (PetscMPIInt)nxy, MPI_UINT8_T, c->lo, 98, ghi, (PetscMPIInt)nxy, MPI_UINT8_T, c->hi, 98, comm,
                            MPI_STATUS_IGNORE));
  for (int64_t ij = 0; ij < nxy; ij++) {
    c->n_lo += glo[ij];
    c->n_hi += ghi[ij];
  }
  PetscCall(pore_alloc(c, PETSC_FALSE));
  c->dinv  = c->wdinv; /* Gauss-Seidel needs 1/d, Jacobi w/d: the same slot */
  c->wdinv = NULL;
  /* Ghost entries of the neighbour planes, numbered in their order. */
  int32_t *mlo, *mhi;
  PetscCall(PetscMalloc2(nxy, &mlo, nxy, &mhi));
  for (int64_t ij = 0, ql = 0, qh = 0; ij < nxy; ij++) {
    mlo[ij] = glo[ij] ? (int32_t)ql++ : -1;
    mhi[ij] = ghi[ij] ? (int32_t)qh++ : -1;
  }
  double *gxp = (double *)c->gxp, *gym = (double *)c->gym, *gyp = (double *)c->gyp, *gzm = (double *)c->gzm, *gzp = (double *)c->gzp;
  for (int64_t k = 0; k < nzl; k++)
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++) {
        const int64_t ij = j * nx + i, li = k * nxy + ij;
        if (cidx[li] < 0) continue;
        const int32_t p = cidx[li];
        /* S's rows: +x/+y/+z conductances stored at the lower cell; the -z one of plane 0 in gz_lo. */
        const double g[6] = {i > 0 ? st.gx[li - 1] : 0, st.gx[li], j > 0 ? st.gy[li - nx] : 0, j < ny - 1 ? st.gy[li] : 0,
                             k > 0 ? st.gz[li - nxy] : st.gz_lo[ij], st.gz[li]};
        c->d[p]    = st.d[li];
        c->dinv[p] = 1.0 / st.d[li];
        gxp[p]     = i < nx - 1 ? g[1] : 0;
        gym[p]     = g[2];
        gyp[p]     = g[3];
        gzm[p]     = g[4];
        gzp[p]     = g[5];
        c->iym[p]  = g[2] > 0 ? cidx[li - nx] : p;
        c->iyp[p]  = g[3] > 0 ? cidx[li + nx] : p;
        c->izm[p]  = g[4] > 0 ? (k > 0 ? cidx[li - nxy] : mlo[ij]) : (k > 0 ? p : 0);
        c->izp[p]  = g[5] > 0 ? (k < nzl - 1 ? cidx[li + nxy] : mhi[ij]) : (k < nzl - 1 ? p : 0);
        c->vox[p]  = (int32_t)li;
        PetscCheck(c->iym[p] >= 0 && c->iyp[p] >= 0 && c->izm[p] >= 0 && c->izp[p] >= 0, comm, PETSC_ERR_PLIB,
                   "tortuosity multigrid: a coupling leaves the active cells at cell %lld", (long long)li);
      }
  PetscCall(PetscFree2(mlo, mhi));
  PetscCall(PetscFree3(snd, glo, ghi));
  PetscCall(pore_shell(c, A));
  PetscFunctionReturn(0);
}

/* One Gauss-Seidel sweep over the slab (backward: the reverse order), x updated in place with
 * the ghost planes fixed; double conductances (coarse levels). */
static void pore_gs(const pore_ctx *c, double *x, const double *b, int backward)
{
  const double  *gxp = (const double *)c->gxp, *gym = (const double *)c->gym, *gyp = (const double *)c->gyp, *gzm = (const double *)c->gzm,
               *gzp = (const double *)c->gzp, *dinv = c->dinv;
  const int32_t *iym = c->iym, *iyp = c->iyp, *izm = c->izm, *izp = c->izp;
  const PetscInt n = c->n, nzl = (PetscInt)c->nz_local;
  for (PetscInt kk = 0; kk < nzl; kk++) {
    const PetscInt k = backward ? nzl - 1 - kk : kk, p0 = c->row[k * c->ny], p1 = c->row[(k + 1) * c->ny];
    const double  *xzm = k > 0 ? x : c->x_lo, *xzp = k < nzl - 1 ? x : c->x_hi;
    for (PetscInt q = 0; q < p1 - p0; q++) {
      const PetscInt p  = backward ? p1 - 1 - q : p0 + q;
      const double   xm = p > 0 ? x[p - 1] : 0.0, xp = p + 1 < n ? x[p + 1] : 0.0, gm = p > 0 ? gxp[p - 1] : 0.0;
      const double   off = (gm * xm + gxp[p] * xp) + ((gym[p] * x[iym[p]] + gyp[p] * x[iyp[p]]) + (gzm[p] * xzm[izm[p]] + gzp[p] * xzp[izp[p]]));
      x[p]               = (b[p] + off) * dinv[p];
    }
  }
}

/* `its` symmetric Gauss-Seidel sweep pairs. With a zero guess the ghosts are zero too, as
 * PETSc's MPIAIJ SOR treats them. */
static PetscErrorCode ssor_sweeps(Mat A, const PetscScalar *b, PetscScalar *x, PetscInt its, PetscBool zero_guess)
{
  pore_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  for (PetscInt it = 0; it < its; it++) {
    if (it == 0 && zero_guess) {
      PetscCall(PetscArrayzero(x, c->n));
      PetscCall(PetscArrayzero(c->x_lo, c->n_lo));
      PetscCall(PetscArrayzero(c->x_hi, c->n_hi));
    } else PetscCall(ghosts(c, x));
    pore_gs(c, x, b, 0);
    pore_gs(c, x, b, 1);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_pore_smoother_ssor(KSP k, Mat A)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tort_shell_smoother(k, A, 1, ssor_sweeps, "tortuosity: symmetric Gauss-Seidel on the active cells"));
  PetscFunctionReturn(0);
}
