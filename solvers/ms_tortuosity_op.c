/* ms_tortuosity_op.c - the tortuosity operator's rows, assembled (ms_tort_row, used by the
 * AIJ assembly) or applied matrix-free (ms_tort_op_create_base + ms_tort_op_set_faces).
 *
 * Why a shell: an AIJ matrix of the 7-point operator costs about 97 bytes per voxel and
 * MatMult streams all of it; the stencil form below costs 32 and needs no column indices.
 * Coarse multigrid levels stay assembled (Galerkin, via MatGetRow on this shell). Ghost
 * z-planes of the iterate come from the z-neighbour ranks by one MPI_Sendrecv pair per
 * product (planes are contiguous in the slab layout).
 */
#include "ms_tortuosity_impl.h"

/* One matrix row: the diagonal first, then the non-zero face conductances. Returns the
 * number of entries; *b and *x0 are the right-hand side and the initial guess (the
 * straight-channel profile, exact for open boxes and channels). */
PetscInt ms_tort_row(const ms_tort_slab *s, int64_t i, int64_t j, int64_t k, PetscInt cols[7], PetscScalar vals[7],
                            PetscScalar *b, PetscScalar *x0)
{
  int64_t  li = (k * s->ny + j) * s->nx + i, row = s->gofs + li, gz = s->z_start + k;
  double   sp = ms_tort_sigma(s, li), diag = 0, g;
  PetscInt n  = 1;

  cols[0] = (PetscInt)row;
  *b = *x0 = 0;
  if (sp <= 0) {
    vals[0] = MS_TORT_DECOUPLED_DIAG;
    return 1;
  }
  const double  nb[6]  = {i > 0 ? ms_tort_sigma(s, li - 1) : 0, i < s->nx - 1 ? ms_tort_sigma(s, li + 1) : 0,
                          j > 0 ? ms_tort_sigma(s, li - s->nx) : 0, j < s->ny - 1 ? ms_tort_sigma(s, li + s->nx) : 0,
                          k > 0 ? ms_tort_sigma(s, li - s->nxy) : (gz > 0 ? s->s_lo[j * s->nx + i] : 0),
                          k < s->nz_local - 1 ? ms_tort_sigma(s, li + s->nxy) : (gz < s->nz - 1 ? s->s_hi[j * s->nx + i] : 0)};
  const int64_t off[6] = {-1, 1, -s->nx, s->nx, -s->nxy, s->nxy};
  for (int d = 0; d < 6; d++) {
    if ((g = ms_tort_face_g(sp, nb[d])) <= 0) continue;
    cols[n]   = (PetscInt)(row + off[d]);
    vals[n++] = -g;
    diag += g;
  }
  int64_t c = s->axis == 0 ? i : s->axis == 1 ? j : gz;
  if (c == 0) {
    diag += 2 * sp;
    *b = 2 * sp;
  }
  if (c == s->n_axis - 1) diag += 2 * sp;
  vals[0] = diag;
  *x0     = 1.0 - ((double)c + 0.5) / (double)s->n_axis;
  return n;
}

/* Stencil storage: the conductance of each voxel's +x, +y and +z face (0 at walls, the
 * domain's far faces and towards decoupled voxels), the conductance of the bottom plane's -z
 * face (to the rank below), and the diagonal. 32 bytes per voxel plus two planes, against
 * ~97 for AIJ (12 per entry plus 16 per row); a product streams 48 bytes per voxel. */
typedef struct {
  MPI_Comm    comm;
  int64_t     nx, ny, nxy, nz_local, nloc, gofs;
  /* Face conductances: double, or float with `single` (-single_coefficients, finest level only:
   * 20 instead of 32 bytes per voxel; the kernels compute in double). Access them through
   * cget/cset. The diagonal stays double and is the exact sum of the stored (rounded)
   * conductances, so every row still sums to its Dirichlet terms: current is conserved. */
  PetscBool   single;
  void       *gx, *gy, *gz, *gz_lo; /* gz_lo: [nxy] */
  double     *d;
  double     *x_lo, *x_hi;              /* ghost planes of the iterate */
  double     *plane_buf;                /* [2 nxy]: the in-place Jacobi sweep's new planes (on first use) */
  void       *zero_row;                 /* [nx] zeros: the coefficient of an absent neighbour */
  PetscMPIInt lo, hi;                   /* z-neighbour ranks or MPI_PROC_NULL */
  PetscInt    row_cols[7];
  PetscScalar row_vals[7];
  /* Dirichlet face terms currently added to d (ms_tort_op_set_faces): the entries they
   * replaced, restored exactly before the next axis' faces go in. */
  PetscInt    n_face;
  PetscInt   *face_idx;
  double     *face_saved;
} op_ctx;

static PetscErrorCode ghosts(op_ctx *c, const PetscScalar *x)
{
  PetscMPIInt n = (PetscMPIInt)c->nxy;
  MPI_Request rq[4];

  PetscFunctionBeginUser;
  /* Both directions at once: one wait per product instead of two in sequence (each sweep of a
   * matrix-free level exchanges, and under load every wait may be a descheduled neighbour). */
  PetscCallMPI(MPI_Irecv(c->x_lo, n, MPIU_SCALAR, c->lo, 91, c->comm, &rq[0]));
  PetscCallMPI(MPI_Irecv(c->x_hi, n, MPIU_SCALAR, c->hi, 92, c->comm, &rq[1]));
  PetscCallMPI(MPI_Isend(x + (c->nz_local - 1) * c->nxy, n, MPIU_SCALAR, c->hi, 91, c->comm, &rq[2]));
  PetscCallMPI(MPI_Isend(x, n, MPIU_SCALAR, c->lo, 92, c->comm, &rq[3]));
  PetscCallMPI(MPI_Waitall(4, rq, MPI_STATUSES_IGNORE));
  PetscFunctionReturn(0);
}

/* The fused kernels of the finest level. One pass over the stencil per call, so a smoothing
 * sweep or a residual streams the 32 coefficient bytes and three vectors once per voxel,
 * where MatMult + VecAYPX + VecPointwiseMult + VecAXPY streamed them in four passes
 * (120 instead of 56 bytes per voxel and sweep; benchmarks/RESULTS.md "Tortuosity at the
 * floor"). The terms are subtracted in the order of the original MatMult (-x, +x, -y, +y,
 * -z, +z), and absent neighbours enter with a zero coefficient, so the results are the same
 * bits as the unfused sequence. */
typedef enum { K_MULT, K_RESIDUAL, K_JACOBI, K_JACOBI_ZERO } kernel_mode;

/* MS_TORT_JACOBI_OMEGA: the damping of the finest-level Jacobi sweeps (0.7 measured best). */
#define MS_TORT_JACOBI_OMEGA 0.7

/* Coefficient i of array a (either precision). */
static inline double cget(const op_ctx *c, const void *a, int64_t i) { return c->single ? (double)((const float *)a)[i] : ((const double *)a)[i]; }
static inline void   cset(const op_ctx *c, void *a, int64_t i, double v)
{
  if (c->single) ((float *)a)[i] = (float)v;
  else ((double *)a)[i] = v;
}

/* The sweep over the slab for coefficient type T (double or float); x, b, y are double. */
#define OP_SWEEP(NAME, T) \
  static void NAME(const op_ctx *c, kernel_mode mode, const PetscScalar *x, const PetscScalar *b, PetscScalar *y, int64_t k0, int64_t k1, \
                   int64_t ystride) \
  { \
    const int64_t nx = c->nx, ny = c->ny, nxy = c->nxy, nzl = c->nz_local; \
    const T *gx = (const T *)c->gx, *gy = (const T *)c->gy, *gz = (const T *)c->gz; \
    const double *d = c->d; \
    const T *zero = (const T *)c->zero_row, *gz_lo = (const T *)c->gz_lo; \
    const double w = MS_TORT_JACOBI_OMEGA; \
    if (mode == K_JACOBI_ZERO) { /* x = 0: x_new = w D^-1 b, no product */ \
      for (int64_t li = 0; li < c->nloc; li++) y[li] = w * (b[li] * (1.0 / (double)d[li])); \
      return; \
    } \
    for (int64_t k = k0; k < k1; k++) \
      for (int64_t j = 0; j < ny; j++) { \
        const int64_t o = (k * ny + j) * nx; \
        /* Neighbour rows and their coefficients; a zero coefficient row where there is none. */ \
        const double *xc = x + o; \
        const T      *gxr = gx + o; \
        const double *dr = d + o; \
        const double *xym = j > 0 ? xc - nx : xc; \
        const T      *cym = j > 0 ? gy + o - nx : zero; \
        const double *xyp = j < ny - 1 ? xc + nx : xc; \
        const T      *cyp = j < ny - 1 ? gy + o : zero; \
        const double *xzm = k > 0 ? xc - nxy : c->x_lo + j * nx; \
        const T      *czm = k > 0 ? gz + o - nxy : gz_lo + j * nx; \
        const double *xzp = k < nzl - 1 ? xc + nxy : c->x_hi + j * nx; \
        const T      *czp = gz + o; \
        const double *br  = b ? b + o : NULL; \
        double       *yr  = y + k * ystride + j * nx; \
        for (int64_t i = 0; i < nx; i++) { \
          double v = (double)dr[i] * xc[i]; \
          v -= (i > 0 ? (double)gxr[i - 1] : 0.0) * (i > 0 ? xc[i - 1] : 0.0); \
          v -= (double)gxr[i] * (i < nx - 1 ? xc[i + 1] : 0.0); \
          v -= (double)cym[i] * xym[i]; \
          v -= (double)cyp[i] * xyp[i]; \
          v -= (double)czm[i] * xzm[i]; \
          v -= (double)czp[i] * xzp[i]; \
          if (mode == K_MULT) yr[i] = v; \
          else if (mode == K_RESIDUAL) yr[i] = br[i] - v; \
          else yr[i] = xc[i] + w * ((br[i] - v) * (1.0 / (double)dr[i])); \
        } \
      } \
  }
OP_SWEEP(sweep_double, double)
OP_SWEEP(sweep_float, float)

/* Planes k0..k1-1 into y (ystride = nxy: y is the slab; 0: y is a one-plane buffer). */
static void op_sweep(const op_ctx *c, kernel_mode mode, const PetscScalar *x, const PetscScalar *b, PetscScalar *y, int64_t k0, int64_t k1,
                     int64_t ystride)
{
  if (c->single) sweep_float(c, mode, x, b, y, k0, k1, ystride);
  else sweep_double(c, mode, x, b, y, k0, k1, ystride);
}

static PetscErrorCode op_kernel(op_ctx *c, kernel_mode mode, const PetscScalar *x, const PetscScalar *b, PetscScalar *y)
{
  PetscFunctionBeginUser;
  if (mode != K_JACOBI_ZERO) PetscCall(ghosts(c, x));
  op_sweep(c, mode, x, b, y, 0, c->nz_local, c->nxy);
  PetscFunctionReturn(0);
}

/* One damped Jacobi sweep in place, x <- x + w D^-1 (b - A x), with the same arithmetic as
 * op_kernel(K_JACOBI) into another vector. Plane k of the new iterate needs the old planes
 * k-1, k, k+1: it goes to a plane buffer, and plane k-1, whose old values nobody needs any
 * more, is written back. So a smoother needs two planes instead of a work vector (8 bytes
 * per voxel; the vector KSPRICHARDSON creates for it stays untouched and costs no memory,
 * ms_tortuosity_mem.c) and streams the same bytes while a plane pair fits in cache. */
static PetscErrorCode op_jacobi_inplace(op_ctx *c, PetscScalar *x, const PetscScalar *b)
{
  const int64_t nxy = c->nxy, nzl = c->nz_local;

  PetscFunctionBeginUser;
  if (!c->plane_buf) PetscCall(PetscMalloc1(2 * nxy, &c->plane_buf));
  PetscCall(ghosts(c, x));
  for (int64_t k = 0; k < nzl; k++) {
    op_sweep(c, K_JACOBI, x, b, c->plane_buf + (k % 2) * nxy, k, k + 1, 0);
    if (k > 0) PetscCall(PetscArraycpy(x + (k - 1) * nxy, c->plane_buf + ((k - 1) % 2) * nxy, nxy));
  }
  PetscCall(PetscArraycpy(x + (nzl - 1) * nxy, c->plane_buf + ((nzl - 1) % 2) * nxy, nxy));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_shell_apply(Mat A, Vec bv, Vec xv, Vec yv, ms_tort_apply_fn fn)
{
  const PetscScalar *x, *b = NULL;
  PetscScalar       *y;

  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(xv, &x));
  if (bv) PetscCall(VecGetArrayRead(bv, &b));
  PetscCall(VecGetArray(yv, &y));
  PetscCall(fn(A, x, b, y));
  PetscCall(VecRestoreArray(yv, &y));
  if (bv) PetscCall(VecRestoreArrayRead(bv, &b));
  PetscCall(VecRestoreArrayRead(xv, &x));
  PetscFunctionReturn(0);
}

/* y = A x (b NULL) or y = b - A x in one pass (PCMG's MatResidual). */
static PetscErrorCode op_apply(Mat A, const PetscScalar *x, const PetscScalar *b, PetscScalar *y)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(op_kernel(c, b ? K_RESIDUAL : K_MULT, x, b, y));
  PetscFunctionReturn(0);
}
static PetscErrorCode op_mult(Mat A, Vec x, Vec y) { return ms_tort_shell_apply(A, NULL, x, y, op_apply); }
static PetscErrorCode op_residual(Mat A, Vec b, Vec x, Vec r) { return ms_tort_shell_apply(A, b, x, r, op_apply); }

/* A smoother of a shell level as a PCSHELL with PCApplyRichardson, the fast path KSPRICHARDSON
 * takes for a PC that has one (PCMG's level smoothers): `fn` does the sweeps on the arrays, in
 * place; the work vector is not touched. Shared by the stencil (below) and the pore levels. */
typedef struct {
  Mat               A;
  ms_tort_sweeps_fn fn;
} shell_smoother;

static PetscErrorCode smoother_richardson(PC pc, Vec bv, Vec xv, Vec wv, PetscReal rtol, PetscReal abstol, PetscReal dtol, PetscInt its,
                                          PetscBool guess_zero, PetscInt *outits, PCRichardsonConvergedReason *reason)
{
  shell_smoother    *sm;
  const PetscScalar *b;
  PetscScalar       *x;

  PetscFunctionBeginUser;
  (void)rtol; (void)abstol; (void)dtol; (void)wv;
  PetscCall(PCShellGetContext(pc, &sm));
  PetscCall(VecGetArrayRead(bv, &b));
  PetscCall(VecGetArray(xv, &x));
  PetscCall(sm->fn(sm->A, b, x, its, guess_zero));
  PetscCall(VecRestoreArray(xv, &x));
  PetscCall(VecRestoreArrayRead(bv, &b));
  *outits = its;
  *reason = PCRICHARDSON_CONVERGED_ITS;
  PetscFunctionReturn(0);
}

/* Plain application (a KSP other than Richardson around it): one sweep from zero. */
static PetscErrorCode smoother_apply(PC pc, Vec xv, Vec yv)
{
  shell_smoother    *sm;
  const PetscScalar *x;
  PetscScalar       *y;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &sm));
  PetscCall(VecGetArrayRead(xv, &x));
  PetscCall(VecGetArray(yv, &y));
  PetscCall(sm->fn(sm->A, x, y, 1, PETSC_TRUE));
  PetscCall(VecRestoreArray(yv, &y));
  PetscCall(VecRestoreArrayRead(xv, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode smoother_destroy(PC pc)
{
  shell_smoother *sm;

  PetscFunctionBeginUser;
  PetscCall(PCShellGetContext(pc, &sm));
  PetscCall(PetscFree(sm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_shell_smoother(KSP k, Mat A, PetscInt sweeps, ms_tort_sweeps_fn fn, const char *name)
{
  PC              pc;
  shell_smoother *sm;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&sm));
  sm->A  = A;
  sm->fn = fn;
  PetscCall(KSPSetType(k, KSPRICHARDSON));
  PetscCall(KSPRichardsonSetScale(k, 1.0)); /* any damping is inside the sweep; 1.0 keeps the fast path */
  PetscCall(KSPSetTolerances(k, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, sweeps));
  PetscCall(KSPGetPC(k, &pc));
  PetscCall(PCSetType(pc, PCSHELL));
  PetscCall(PCShellSetContext(pc, sm));
  PetscCall(PCShellSetDestroy(pc, smoother_destroy));
  PetscCall(PCShellSetName(pc, name));
  PetscCall(PCShellSetApplyRichardson(pc, smoother_richardson));
  PetscCall(PCShellSetApply(pc, smoother_apply));
  PetscFunctionReturn(0);
}

/* The stencil's damped Jacobi sweeps x <- x + w D^-1 (b - A x), each in place
 * (op_jacobi_inplace); the first from a zero guess is pointwise. */
static PetscErrorCode op_sweeps(Mat A, const PetscScalar *b, PetscScalar *x, PetscInt its, PetscBool zero_guess)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  for (PetscInt it = 0; it < its; it++) {
    if (it == 0 && zero_guess) PetscCall(op_kernel(c, K_JACOBI_ZERO, NULL, b, x));
    else PetscCall(op_jacobi_inplace(c, x, b));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_op_smoother(KSP k, Mat A, PetscInt sweeps)
{
  PetscFunctionBeginUser;
  PetscCall(ms_tort_shell_smoother(k, A, sweeps, op_sweeps, "tortuosity: fused damped Jacobi (0.7)"));
  PetscFunctionReturn(0);
}

static PetscErrorCode op_diagonal(Mat A, Vec dv)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscScalar *y;
  PetscCall(VecGetArray(dv, &y));
  for (int64_t li = 0; li < c->nloc; li++) y[li] = c->d[li];
  PetscCall(VecRestoreArray(dv, &y));
  PetscFunctionReturn(0);
}

static PetscErrorCode op_get_row(Mat A, PetscInt row, PetscInt *n, PetscInt **cols, PetscScalar **vals)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  int64_t li = row - c->gofs, k = li / c->nxy, j = (li % c->nxy) / c->nx, i = li % c->nx, m = 1;
  PetscCheck(li >= 0 && li < c->nloc, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "tortuosity operator: row %d is not local",
             (int)row);
  const double  g[6]   = {i > 0 ? cget(c, c->gx, li - 1) : 0, i < c->nx - 1 ? cget(c, c->gx, li) : 0, j > 0 ? cget(c, c->gy, li - c->nx) : 0,
                          j < c->ny - 1 ? cget(c, c->gy, li) : 0, k > 0 ? cget(c, c->gz, li - c->nxy) : cget(c, c->gz_lo, li), cget(c, c->gz, li)};
  const int64_t off[6] = {-1, 1, -c->nx, c->nx, -c->nxy, c->nxy};
  c->row_cols[0]       = row;
  c->row_vals[0]       = c->d[li];
  for (int e = 0; e < 6; e++)
    if (g[e] > 0) {
      c->row_cols[m]   = (PetscInt)(row + off[e]);
      c->row_vals[m++] = -g[e];
    }
  *n = (PetscInt)m;
  if (cols) *cols = c->row_cols;
  if (vals) *vals = c->row_vals;
  PetscFunctionReturn(0);
}

static PetscErrorCode op_restore_row(Mat A, PetscInt row, PetscInt *n, PetscInt **cols, PetscScalar **vals)
{
  (void)A; (void)row; (void)n; (void)cols; (void)vals;
  return 0;
}

static PetscErrorCode op_destroy(Mat A)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  ms_tort_huge_free(c->d);
  PetscCall(PetscFree(c->gz_lo));
  PetscCall(PetscFree2(c->x_lo, c->x_hi));
  PetscCall(PetscFree(c->plane_buf));
  PetscCall(PetscFree(c->zero_row));
  PetscCall(PetscFree2(c->face_idx, c->face_saved));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

/* Vectors of the shell's layout on huge pages; KSP and PCMG make theirs through this or by
 * duplicating one of them. */
static PetscErrorCode op_create_vecs(Mat A, Vec *right, Vec *left)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  if (right) PetscCall(ms_tort_vec_create(c->comm, (PetscInt)c->nloc, right));
  if (left) PetscCall(ms_tort_vec_create(c->comm, (PetscInt)c->nloc, left));
  PetscFunctionReturn(0);
}

/* Insert or add a diagonal (the coarse levels' axis faces, ms_tort_mg_faces_set). */
static PetscErrorCode op_diagonal_set(Mat A, Vec dv, InsertMode mode)
{
  op_ctx            *c;
  const PetscScalar *y;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCall(VecGetArrayRead(dv, &y));
  if (mode == INSERT_VALUES)
    for (int64_t li = 0; li < c->nloc; li++) c->d[li] = y[li];
  else
    for (int64_t li = 0; li < c->nloc; li++) c->d[li] += y[li];
  PetscCall(VecRestoreArrayRead(dv, &y));
  PetscFunctionReturn(0);
}

static PetscErrorCode op_shell(op_ctx *c, Mat *A)
{
  PetscFunctionBeginUser;
  PetscCall(MatCreateShell(c->comm, (PetscInt)c->nloc, (PetscInt)c->nloc, PETSC_DETERMINE, PETSC_DETERMINE, c, A));
  PetscCall(MatShellSetOperation(*A, MATOP_MULT, (void (*)(void))op_mult));
  PetscCall(MatShellSetOperation(*A, MATOP_RESIDUAL, (void (*)(void))op_residual));
  PetscCall(MatShellSetOperation(*A, MATOP_CREATE_VECS, (void (*)(void))op_create_vecs));
  PetscCall(MatShellSetOperation(*A, MATOP_GET_DIAGONAL, (void (*)(void))op_diagonal));
  /* The diagonal is ours to set (the coarse faces of an axis): no shell-managed shift. */
  PetscCall(MatShellSetManageScalingShifts(*A));
  PetscCall(MatShellSetOperation(*A, MATOP_DIAGONAL_SET, (void (*)(void))op_diagonal_set));
  PetscCall(MatShellSetOperation(*A, MATOP_GET_ROW, (void (*)(void))op_get_row));
  PetscCall(MatShellSetOperation(*A, MATOP_RESTORE_ROW, (void (*)(void))op_restore_row));
  PetscCall(MatShellSetOperation(*A, MATOP_DESTROY, (void (*)(void))op_destroy));
  PetscCall(MatSetOption(*A, MAT_SPD, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* A zeroed stencil of nx x ny x nz_local cells whose first row is global row gofs. */
static PetscErrorCode op_ctx_alloc(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz_local, int64_t gofs, PetscBool single, op_ctx **cp)
{
  op_ctx     *c;
  PetscMPIInt rank, size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(&c));
  c->comm     = comm;
  c->nx       = nx;
  c->ny       = ny;
  c->nxy      = nx * ny;
  c->nz_local = nz_local;
  c->nloc     = c->nxy * nz_local;
  c->gofs     = gofs;
  c->lo       = rank > 0 ? rank - 1 : MPI_PROC_NULL;
  c->hi       = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
  /* d, gx, gy, gz in one huge-page block (32 bytes per voxel, 20 in single precision). */
  const size_t es = single ? sizeof(float) : sizeof(double);
  char        *blk;
  c->single = single;
  PetscCall(ms_tort_huge_calloc(comm, (size_t)c->nloc * (sizeof(double) + 3 * es), (void **)&blk));
  c->d  = (double *)blk;
  c->gx = blk + c->nloc * sizeof(double);
  c->gy = (char *)c->gx + c->nloc * es;
  c->gz = (char *)c->gy + c->nloc * es;
  PetscCall(PetscCalloc((size_t)c->nxy * es, &c->gz_lo));
  PetscCall(PetscCalloc2(c->nxy, &c->x_lo, c->nxy, &c->x_hi));
  PetscCall(PetscCalloc((size_t)nx * es, &c->zero_row));
  *cp = c;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_op_create_empty(MPI_Comm comm, PetscInt nx, PetscInt ny, PetscInt nz_local, PetscInt gofs, Mat *A, ms_tort_stencil *st)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(op_ctx_alloc(comm, nx, ny, nz_local, gofs, PETSC_FALSE, &c));
  st->d     = c->d;
  st->gx    = (double *)c->gx;
  st->gy    = (double *)c->gy;
  st->gz    = (double *)c->gz;
  st->gz_lo = (double *)c->gz_lo;
  PetscCall(op_shell(c, A));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_op_stencil_view(Mat A, ms_tort_stencil *st, PetscInt dims[3])
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCheck(!c->single, c->comm, PETSC_ERR_PLIB, "tortuosity: a coarse stencil holds double conductances");
  st->d     = c->d;
  st->gx    = (double *)c->gx;
  st->gy    = (double *)c->gy;
  st->gz    = (double *)c->gz;
  st->gz_lo = (double *)c->gz_lo;
  dims[0]   = (PetscInt)c->nx;
  dims[1]   = (PetscInt)c->ny;
  dims[2]   = (PetscInt)c->nz_local;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_op_create_base(const ms_tort_slab *s, Mat *A)
{
  op_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(op_ctx_alloc(s->comm, s->nx, s->ny, s->nz_local, s->gofs, s->single, &c));
  /* The rows of ms_tort_row without the Dirichlet face terms, in the same summation order
   * (-x, +x, -y, +y, -z, +z; the faces are added last by ms_tort_op_set_faces), so that an
   * axis set on this operator gives the same diagonal bits as ms_tort_row. The +x, +y,
   * +z conductances are computed once from the lower voxel's side and reused by the upper one. */
  const int64_t nx = s->nx, ny = s->ny, nxy = s->nxy, nzl = s->nz_local;
  for (int64_t k = 0, li = 0; k < nzl; k++) {
    int64_t gz = s->z_start + k;
    for (int64_t j = 0; j < ny; j++)
      for (int64_t i = 0; i < nx; i++, li++) {
        double sp = ms_tort_sigma(s, li);
        if (sp <= 0) {
          c->d[li] = MS_TORT_DECOUPLED_DIAG;
          continue;
        }
        double g[6] = {i > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - 1)) : 0,
                       i < nx - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + 1)) : 0,
                       j > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - nx)) : 0,
                       j < ny - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + nx)) : 0,
                       k > 0 ? ms_tort_face_g(sp, ms_tort_sigma(s, li - nxy)) : (gz > 0 ? ms_tort_face_g(sp, s->s_lo[li]) : 0),
                       k < nzl - 1 ? ms_tort_face_g(sp, ms_tort_sigma(s, li + nxy))
                                   : (gz < s->nz - 1 ? ms_tort_face_g(sp, s->s_hi[li - (nzl - 1) * nxy]) : 0)};
        double diag = 0;
        for (int e = 0; e < 6; e++) {
          if (c->single) g[e] = (float)g[e]; /* the diagonal sums what the stencil stores */
          if (g[e] > 0) diag += g[e];
        }
        c->d[li] = diag;
        cset(c, c->gx, li, g[1]);
        cset(c, c->gy, li, g[3]);
        cset(c, c->gz, li, g[5]);
        if (k == 0) cset(c, c->gz_lo, li, g[4]);
      }
  }
  PetscCall(op_shell(c, A));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_op_set_faces(Mat A, PetscInt n, const PetscInt idx[], const PetscReal add[])
{
  op_ctx *c;

  PetscFunctionBeginUser;
  if (ms_tort_pore_is(A)) {
    PetscCall(ms_tort_pore_set_faces(A, n, idx, add));
    PetscFunctionReturn(0);
  }
  PetscCall(MatShellGetContext(A, &c));
  for (PetscInt f = c->n_face - 1; f >= 0; f--) c->d[c->face_idx[f]] = c->face_saved[f];
  PetscCall(PetscFree2(c->face_idx, c->face_saved));
  PetscCall(PetscMalloc2(n + 1, &c->face_idx, n + 1, &c->face_saved));
  for (PetscInt f = 0; f < n; f++) {
    c->face_idx[f]   = idx[f];
    c->face_saved[f] = c->d[idx[f]];
    c->d[idx[f]] += add[f];
  }
  c->n_face = n;
  /* The diagonal changed: assembly raises the matrix state, so Jacobi and PCMG set up again
   * on the next KSPSetUp (a shell's assembly does nothing else). */
  PetscCall(MatAssemblyBegin(A, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(A, MAT_FINAL_ASSEMBLY));
  PetscFunctionReturn(0);
}

/* The Galerkin operator P^T A P of a stencil shell under the rank-local 2x2x2 aggregation of
 * ms_tortuosity_mg.c (piecewise-constant P), as another stencil shell. Entry (I, J) of
 * P^T A P is the sum of A_ij over i in aggregate I, j in aggregate J. So a coarse face
 * conductance is the sum of the fine ones across that aggregate face (a fine face whose two
 * voxels lie in different aggregates), and the coarse diagonal is the sum of the fine
 * diagonals minus twice each fine face inside the aggregate (A_ij + A_ji = -2g): the remainder
 * is the faces leaving it, its Dirichlet terms and its decoupled rows' MS_TORT_DECOUPLED_DIAG.
 * Aggregates pair the z-planes of the rank's own slab, so the conductance to the rank below
 * (gz_lo) is the sum over the bottom fine plane's and nothing is communicated. One pass over
 * the fine coefficients (32 bytes per fine voxel read, 4 written per fine voxel). */
PetscErrorCode ms_tort_op_coarsen(Mat Af, PetscInt cnx, PetscInt cny, PetscInt cnz_local, PetscInt cgofs, Mat *Ac)
{
  op_ctx *f, *c;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(Af, &f));
  PetscCheck(cnx == (f->nx + 1) / 2 && cny == (f->ny + 1) / 2 && cnz_local == (f->nz_local + 1) / 2, f->comm, PETSC_ERR_ARG_SIZ,
             "tortuosity multigrid: a %dx%dx%d slab does not aggregate to %dx%dx%d", (int)f->nx, (int)f->ny, (int)f->nz_local, (int)cnx,
             (int)cny, (int)cnz_local);
  /* Coarse levels stay double (1/8 of the bytes): exact sums of the fine conductances. */
  PetscCall(op_ctx_alloc(f->comm, cnx, cny, cnz_local, cgofs, PETSC_FALSE, &c));
  const int64_t nx = f->nx, ny = f->ny, nzl = f->nz_local;
  for (int64_t k = 0, li = 0; k < nzl; k++) {
    const int     zin = k % 2 == 0 && k + 1 < nzl; /* the +z face of this voxel is inside its aggregate */
    for (int64_t j = 0; j < ny; j++) {
      const int      yin = j % 2 == 0 && j + 1 < ny;
      const int64_t  o   = ((k / 2) * cny + j / 2) * cnx;
      for (int64_t i = 0; i < nx; i++, li++) {
        const int64_t P = o + i / 2;
        double        d = f->d[li], gx = cget(f, f->gx, li), gy = cget(f, f->gy, li), gz = cget(f, f->gz, li);
        if (i % 2 == 0 && i + 1 < nx) d -= 2.0 * gx;
        else cset(c, c->gx, P, cget(c, c->gx, P) + gx);
        if (yin) d -= 2.0 * gy;
        else cset(c, c->gy, P, cget(c, c->gy, P) + gy);
        if (zin) d -= 2.0 * gz;
        else cset(c, c->gz, P, cget(c, c->gz, P) + gz);
        c->d[P] += d;
        if (k == 0) cset(c, c->gz_lo, P, cget(c, c->gz_lo, P) + cget(f, f->gz_lo, li));
      }
    }
  }
  PetscCall(op_shell(c, Ac));
  PetscFunctionReturn(0);
}

/* The rows of a stencil shell as an assembled MPIAIJ matrix (the LU-factored coarsest level). */
PetscErrorCode ms_tort_op_assemble(Mat A, Mat *B)
{
  op_ctx   *c;
  PetscInt *dnnz, *onnz, n, *cols;
  PetscScalar *vals;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  const PetscInt rstart = (PetscInt)c->gofs, rend = (PetscInt)(c->gofs + c->nloc);
  PetscCall(PetscMalloc2(c->nloc, &dnnz, c->nloc, &onnz));
  for (int64_t li = 0; li < c->nloc; li++) {
    PetscCall(op_get_row(A, rstart + (PetscInt)li, &n, &cols, NULL));
    dnnz[li] = onnz[li] = 0;
    for (PetscInt e = 0; e < n; e++) {
      if (cols[e] >= rstart && cols[e] < rend) dnnz[li]++;
      else onnz[li]++;
    }
  }
  PetscCall(MatCreateAIJ(c->comm, (PetscInt)c->nloc, (PetscInt)c->nloc, PETSC_DETERMINE, PETSC_DETERMINE, 0, dnnz, 0, onnz, B));
  for (PetscInt row = rstart; row < rend; row++) {
    PetscCall(op_get_row(A, row, &n, &cols, &vals));
    PetscCall(MatSetValues(*B, 1, &row, n, cols, vals, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*B, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(*B, MAT_SPD, PETSC_TRUE));
  PetscCall(PetscFree2(dnnz, onnz));
  PetscFunctionReturn(0);
}

/* The active rows of stencil shell A (cidx[li] >= 0: the row's local index in the compressed
 * numbering, n_active of them, natural order) as an MPIAIJ over that numbering: the coarse
 * levels of the pore hierarchy without the aggregates that hold no kept voxel (those rows had
 * only MS_TORT_DECOUPLED_DIAG and no couplings, and their right-hand side is always 0). A
 * coupling always joins two active cells, so every column is active; the z-neighbour ranks'
 * numbering of their boundary planes comes in one plane exchange each way. */
PetscErrorCode ms_tort_op_assemble_active(Mat A, const int32_t *cidx, PetscInt n_active, Mat *B)
{
  op_ctx      *c;
  PetscInt    n, *cols, cstart = 0, *pl_lo, *pl_hi, *snd_lo, *snd_hi;
  PetscScalar *vals;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(A, &c));
  PetscCallMPI(MPI_Exscan(&n_active, &cstart, 1, MPIU_INT, MPI_SUM, c->comm));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(c->comm, &rank));
  if (!rank) cstart = 0;
  const int64_t nxy = c->nxy, top = (c->nz_local - 1) * nxy;
  PetscCall(PetscMalloc4(nxy, &pl_lo, nxy, &pl_hi, nxy, &snd_lo, nxy, &snd_hi));
  for (int64_t ij = 0; ij < nxy; ij++) {
    snd_lo[ij] = cidx[ij] >= 0 ? cstart + cidx[ij] : -1;
    snd_hi[ij] = cidx[top + ij] >= 0 ? cstart + cidx[top + ij] : -1;
    pl_lo[ij] = pl_hi[ij] = -1;
  }
  PetscCallMPI(MPI_Sendrecv(snd_hi, (PetscMPIInt)nxy, MPIU_INT, c->hi, 95, pl_lo, (PetscMPIInt)nxy, MPIU_INT, c->lo, 95, c->comm, MPI_STATUS_IGNORE));
  PetscCallMPI(MPI_Sendrecv(snd_lo, (PetscMPIInt)nxy, MPIU_INT, c->lo, 96, pl_hi, (PetscMPIInt)nxy, MPIU_INT, c->hi, 96, c->comm, MPI_STATUS_IGNORE));
  /* Local CSR in one pass (sorted columns), handed to PETSc whole: MatSetValues row by row
   * took seconds at 500^3. */
  PetscInt    *ia, *ja;
  PetscScalar *va;
  PetscCall(PetscMalloc3(n_active + 1, &ia, 7 * (size_t)n_active + 1, &ja, 7 * (size_t)n_active + 1, &va));
  ia[0] = 0;
  for (int64_t li = 0; li < c->nloc; li++) {
    if (cidx[li] < 0) continue;
    PetscCall(op_get_row(A, (PetscInt)(c->gofs + li), &n, &cols, &vals));
    PetscInt *jr = ja + ia[cidx[li]];
    PetscScalar *vr = va + ia[cidx[li]];
    for (PetscInt e = 0; e < n; e++) {
      int64_t  lc = cols[e] - c->gofs;
      PetscInt gc = lc < 0 ? pl_lo[lc + nxy] : lc >= c->nloc ? pl_hi[lc - c->nloc] : (cidx[lc] >= 0 ? cstart + cidx[lc] : -1);
      PetscCheck(gc >= 0, c->comm, PETSC_ERR_PLIB, "tortuosity multigrid: a coupling leaves the active cells at row %lld", (long long)(c->gofs + li));
      PetscInt q = e; /* insertion: at most 7 entries */
      while (q > 0 && jr[q - 1] > gc) {
        jr[q] = jr[q - 1];
        vr[q] = vr[q - 1];
        q--;
      }
      jr[q] = gc;
      vr[q] = vals[e];
    }
    ia[cidx[li] + 1] = ia[cidx[li]] + n;
  }
  PetscCall(MatCreateMPIAIJWithArrays(c->comm, n_active, n_active, PETSC_DETERMINE, PETSC_DETERMINE, ia, ja, va, B)); /* assembled */
  PetscCall(PetscFree3(ia, ja, va));
  PetscCall(MatSetOption(*B, MAT_SPD, PETSC_TRUE));
  PetscCall(PetscFree4(pl_lo, pl_hi, snd_lo, snd_hi));
  PetscFunctionReturn(0);
}
