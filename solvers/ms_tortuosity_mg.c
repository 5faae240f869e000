/* ms_tortuosity_mg.c - geometric multigrid hierarchy for the tortuosity operator.
 *
 * Aggregates of 2x2x2 voxels (fewer at odd ends) form each coarser grid; the prolongation
 * is piecewise constant (a coarse value copied to its voxels) and the coarse operator is
 * Galerkin, P^T A P, computed directly: for a 7-point finite-volume operator it is again a
 * 7-point operator whose face conductances are the sums of the fine ones across each
 * aggregate face. Aggregates never straddle ranks: each rank pairs the z-planes of its own
 * slab (z-local), so every level keeps the slab layout and nothing is communicated to build
 * or apply P. P is a shell (no memory); only the coarse operators (1/8, 1/64, ... of the
 * fine one) are stored. Compared with PCMG on a DMDA with DMDA_Q0 interpolation and
 * Galerkin PtAP, this saves the explicit interpolation matrices and the PtAP intermediates
 * (measured in benchmarks/tortuosity), and works for any size and any slab partition.
 */
#include "ms_tortuosity_impl.h"

/* One level's slab: global sizes, this rank's z-range, every rank's first z-plane. */
typedef struct {
  PetscInt  nx, ny, nz, z_start, nz_local;
  PetscInt *zs; /* [size + 1]: first plane of each rank, zs[size] = nz */
} grid;

typedef struct {
  grid      f, c;
  PetscReal alpha; /* over-correction: the shell applies alpha * P, its transpose P^T */
} prolong;

static PetscErrorCode grid_coarsen(MPI_Comm comm, const grid *f, grid *c)
{
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  c->nx = (f->nx + 1) / 2;
  c->ny = (f->ny + 1) / 2;
  PetscCall(PetscMalloc1(size + 1, &c->zs));
  c->zs[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) c->zs[r + 1] = c->zs[r] + (f->zs[r + 1] - f->zs[r] + 1) / 2;
  c->nz = c->zs[size];
  for (PetscMPIInt r = 0; r < size; r++)
    if (f->zs[r] == f->z_start) {
      c->z_start  = c->zs[r];
      c->nz_local = c->zs[r + 1] - c->zs[r];
    }
  PetscFunctionReturn(0);
}

/* Coarse global index of the aggregate holding fine global index g (any rank's). */
static inline PetscInt parent(const grid *f, const grid *c, PetscInt rank_hint, PetscInt g)
{
  PetscInt nxy = f->nx * f->ny, z = g / nxy, y = (g % nxy) / f->nx, x = g % f->nx, r = rank_hint;
  while (z < f->zs[r]) r--;
  while (z >= f->zs[r + 1]) r++;
  PetscInt zc = c->zs[r] + (z - f->zs[r]) / 2;
  return (zc * c->ny + y / 2) * c->nx + x / 2;
}

/* y = alpha P x (coarse -> fine) or y = w + alpha P x. Only PCMG's coarse-grid correction
 * prolongs, so alpha > 1 over-corrects it (Braess; Vanek et al.): the correction of
 * piecewise-constant aggregation is too flat and falls short, in energy, of the fine error it
 * stands for. The restriction stays P^T and the coarse operators P^T A P, so the cycle is
 * symmetric and, for 0 < alpha < 2, positive definite. alpha = 1 multiplies by exactly 1.0:
 * the bits of the unscaled correction. */
static PetscErrorCode prolong_apply(Mat P, Vec xc, Vec w, Vec yf)
{
  prolong           *p;
  const PetscScalar *a, *wa = NULL;
  PetscScalar       *b;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &p));
  PetscCall(VecGetArrayRead(xc, &a));
  if (w && w != yf) PetscCall(VecGetArrayRead(w, &wa));
  PetscCall(VecGetArray(yf, &b));
  for (PetscInt k = 0, li = 0; k < p->f.nz_local; k++) {
    PetscInt kc = k / 2;
    for (PetscInt j = 0; j < p->f.ny; j++) {
      const PetscScalar *row = a + (kc * p->c.ny + j / 2) * p->c.nx;
      for (PetscInt i = 0; i < p->f.nx; i++, li++) {
        PetscScalar base = w ? (wa ? wa[li] : b[li]) : 0;
        b[li]            = base + p->alpha * row[i / 2];
      }
    }
  }
  PetscCall(VecRestoreArray(yf, &b));
  if (wa) PetscCall(VecRestoreArrayRead(w, &wa));
  PetscCall(VecRestoreArrayRead(xc, &a));
  PetscFunctionReturn(0);
}

/* y = P^T x (fine -> coarse: sum over each aggregate) or y = w + P^T x. */
static PetscErrorCode restrict_apply(Mat P, Vec xf, Vec w, Vec yc)
{
  prolong           *p;
  const PetscScalar *a;
  PetscScalar       *b;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &p));
  if (w && w != yc) PetscCall(VecCopy(w, yc));
  else if (!w) PetscCall(VecZeroEntries(yc));
  PetscCall(VecGetArrayRead(xf, &a));
  PetscCall(VecGetArray(yc, &b));
  for (PetscInt k = 0, li = 0; k < p->f.nz_local; k++) {
    PetscInt kc = k / 2;
    for (PetscInt j = 0; j < p->f.ny; j++) {
      PetscScalar *row = b + (kc * p->c.ny + j / 2) * p->c.nx;
      for (PetscInt i = 0; i < p->f.nx; i++, li++) row[i / 2] += a[li];
    }
  }
  PetscCall(VecRestoreArray(yc, &b));
  PetscCall(VecRestoreArrayRead(xf, &a));
  PetscFunctionReturn(0);
}

static PetscErrorCode P_mult(Mat P, Vec x, Vec y) { return prolong_apply(P, x, NULL, y); }
static PetscErrorCode P_mult_add(Mat P, Vec x, Vec w, Vec y) { return prolong_apply(P, x, w, y); }
static PetscErrorCode P_mult_t(Mat P, Vec x, Vec y) { return restrict_apply(P, x, NULL, y); }
static PetscErrorCode P_mult_t_add(Mat P, Vec x, Vec w, Vec y) { return restrict_apply(P, x, w, y); }

static PetscErrorCode P_destroy_ctx(prolong *p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(p->c.zs));
  PetscCall(PetscFree(p->f.zs));
  PetscCall(PetscFree(p));
  PetscFunctionReturn(0);
}

static PetscErrorCode P_destroy(Mat P)
{
  prolong *p;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &p));
  PetscCall(P_destroy_ctx(p));
  PetscFunctionReturn(0);
}

/* Interpolation between levels held as lists of cells (the pore finest level, compressed
 * coarse levels): fine entry e lies in coarse entry agg[e]. One index per fine entry, read
 * once per transfer, instead of the grid arithmetic of prolong. */
typedef struct {
  PetscInt  nf;
  int32_t  *agg;
  PetscReal alpha;
} agg_interp;

/* y = alpha P x or y = w + alpha P x; alpha = 1 multiplies by exactly 1.0 (see prolong_apply). */
static PetscErrorCode agg_prolong(Mat P, Vec xc, Vec w, Vec yf)
{
  agg_interp        *q;
  const PetscScalar *a, *wa = NULL;
  PetscScalar       *b;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &q));
  PetscCall(VecGetArrayRead(xc, &a));
  if (w && w != yf) PetscCall(VecGetArrayRead(w, &wa));
  PetscCall(VecGetArray(yf, &b));
  if (!w)
    for (PetscInt e = 0; e < q->nf; e++) b[e] = q->alpha * a[q->agg[e]];
  else if (wa)
    for (PetscInt e = 0; e < q->nf; e++) b[e] = wa[e] + q->alpha * a[q->agg[e]];
  else
    for (PetscInt e = 0; e < q->nf; e++) b[e] += q->alpha * a[q->agg[e]];
  PetscCall(VecRestoreArray(yf, &b));
  if (wa) PetscCall(VecRestoreArrayRead(w, &wa));
  PetscCall(VecRestoreArrayRead(xc, &a));
  PetscFunctionReturn(0);
}

/* y = P^T x or y = w + P^T x (sum over each aggregate). */
static PetscErrorCode agg_restrict(Mat P, Vec xf, Vec w, Vec yc)
{
  agg_interp        *q;
  const PetscScalar *a;
  PetscScalar       *b;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &q));
  if (w && w != yc) PetscCall(VecCopy(w, yc));
  else if (!w) PetscCall(VecZeroEntries(yc));
  PetscCall(VecGetArrayRead(xf, &a));
  PetscCall(VecGetArray(yc, &b));
  for (PetscInt e = 0; e < q->nf; e++) b[q->agg[e]] += a[e];
  PetscCall(VecRestoreArray(yc, &b));
  PetscCall(VecRestoreArrayRead(xf, &a));
  PetscFunctionReturn(0);
}

static PetscErrorCode A_mult(Mat P, Vec x, Vec y) { return agg_prolong(P, x, NULL, y); }
static PetscErrorCode A_mult_add(Mat P, Vec x, Vec w, Vec y) { return agg_prolong(P, x, w, y); }
static PetscErrorCode A_mult_t(Mat P, Vec x, Vec y) { return agg_restrict(P, x, NULL, y); }
static PetscErrorCode A_mult_t_add(Mat P, Vec x, Vec w, Vec y) { return agg_restrict(P, x, w, y); }

static PetscErrorCode A_destroy(Mat P)
{
  agg_interp *q;

  PetscFunctionBeginUser;
  PetscCall(MatShellGetContext(P, &q));
  PetscCall(PetscFree(q->agg));
  PetscCall(PetscFree(q));
  PetscFunctionReturn(0);
}

/* Shell for agg (taken over) from nf fine to nc coarse local entries. */
static PetscErrorCode agg_interp_create(MPI_Comm comm, PetscInt nf, PetscInt nc, int32_t *agg, PetscReal alpha, Mat *P)
{
  agg_interp *q;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&q));
  q->nf    = nf;
  q->agg   = agg;
  q->alpha = alpha;
  PetscCall(MatCreateShell(comm, nf, nc, PETSC_DETERMINE, PETSC_DETERMINE, q, P));
  PetscCall(MatShellSetOperation(*P, MATOP_MULT, (void (*)(void))A_mult));
  PetscCall(MatShellSetOperation(*P, MATOP_MULT_ADD, (void (*)(void))A_mult_add));
  PetscCall(MatShellSetOperation(*P, MATOP_MULT_TRANSPOSE, (void (*)(void))A_mult_t));
  PetscCall(MatShellSetOperation(*P, MATOP_MULT_TRANSPOSE_ADD, (void (*)(void))A_mult_t_add));
  PetscCall(MatShellSetOperation(*P, MATOP_DESTROY, (void (*)(void))A_destroy));
  PetscFunctionReturn(0);
}

/* The aggregates of the nf fine entries vox_f (slab-local cells of grid f) on grid c: agg[e].
 * compress: only aggregates holding an entry are coarse entries, numbered in natural order
 * (cidx[cell] = entry or -1, vox_c[entry] = cell, *nc of them); otherwise every cell is one. */
static PetscErrorCode aggregate(const grid *f, const grid *c, const int32_t *vox_f, PetscInt nf, PetscBool compress, int32_t **agg,
                                int32_t **cidx, int32_t **vox_c, PetscInt *nc)
{
  const int64_t fxy = (int64_t)f->nx * f->ny, ncl = (int64_t)c->nx * c->ny * c->nz_local;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nf + 1, agg));
  PetscCall(PetscMalloc1(ncl + 1, cidx));
  for (int64_t P = 0; P < ncl; P++) (*cidx)[P] = compress ? -1 : (int32_t)P;
  for (PetscInt e = 0; e < nf; e++) {
    const int64_t li = vox_f[e], k = li / fxy, j = (li / f->nx) % f->ny, i = li % f->nx;
    (*agg)[e] = (int32_t)(((k / 2) * c->ny + j / 2) * c->nx + i / 2);
    if (compress) (*cidx)[(*agg)[e]] = 0;
  }
  *nc = compress ? 0 : (PetscInt)ncl;
  if (compress)
    for (int64_t P = 0; P < ncl; P++)
      if (!(*cidx)[P]) (*cidx)[P] = (int32_t)(*nc)++;
  PetscCall(PetscMalloc1(*nc + 1, vox_c));
  for (int64_t P = 0; P < ncl; P++)
    if ((*cidx)[P] >= 0) (*vox_c)[(*cidx)[P]] = (int32_t)P;
  if (compress)
    for (PetscInt e = 0; e < nf; e++) (*agg)[e] = (*cidx)[(*agg)[e]];
  PetscFunctionReturn(0);
}

/* Galerkin coarse operator P^T A P for piecewise-constant P: sum A's entries over pairs of
 * aggregates. Rows stay local; the 7-point pattern is preserved (at most 7 per row). */
static PetscErrorCode galerkin(MPI_Comm comm, Mat A, const grid *f, const grid *c, Mat *Ac)
{
  PetscMPIInt rank;
  PetscInt    nloc = c->nz_local * c->nx * c->ny, cstart = c->z_start * c->nx * c->ny, rstart, rend, *cnt, *col, *dnnz, *onnz;
  PetscScalar *val;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(MatGetOwnershipRange(A, &rstart, &rend));
  PetscCall(PetscCalloc3(nloc, &cnt, 7 * nloc, &col, 7 * nloc, &val));
  for (PetscInt g = rstart; g < rend; g++) {
    PetscInt           ncols, ci = parent(f, c, rank, g) - cstart;
    const PetscInt    *cols;
    const PetscScalar *vals;
    PetscCall(MatGetRow(A, g, &ncols, &cols, &vals));
    for (PetscInt e = 0; e < ncols; e++) {
      PetscInt cj = parent(f, c, rank, cols[e]), s = 0;
      while (s < cnt[ci] && col[7 * ci + s] != cj) s++;
      PetscCheck(s < 7, comm, PETSC_ERR_PLIB, "tortuosity multigrid: coarse row %d has more than 7 entries", (int)(ci + cstart));
      if (s == cnt[ci]) {
        col[7 * ci + s] = cj;
        val[7 * ci + s] = 0;
        cnt[ci]++;
      }
      val[7 * ci + s] += vals[e];
    }
    PetscCall(MatRestoreRow(A, g, &ncols, &cols, &vals));
  }
  PetscCall(PetscMalloc2(nloc, &dnnz, nloc, &onnz));
  for (PetscInt ci = 0; ci < nloc; ci++) {
    dnnz[ci] = onnz[ci] = 0;
    for (PetscInt s = 0; s < cnt[ci]; s++) {
      if (col[7 * ci + s] >= cstart && col[7 * ci + s] < cstart + nloc) dnnz[ci]++;
      else onnz[ci]++;
    }
  }
  PetscCall(MatCreateAIJ(comm, nloc, nloc, PETSC_DETERMINE, PETSC_DETERMINE, 0, dnnz, 0, onnz, Ac));
  for (PetscInt ci = 0; ci < nloc; ci++) {
    PetscInt row = ci + cstart;
    PetscCall(MatSetValues(*Ac, 1, &row, cnt[ci], col + 7 * ci, val + 7 * ci, INSERT_VALUES));
  }
  PetscCall(MatAssemblyBegin(*Ac, MAT_FINAL_ASSEMBLY));
  PetscCall(MatAssemblyEnd(*Ac, MAT_FINAL_ASSEMBLY));
  PetscCall(MatSetOption(*Ac, MAT_SPD, PETSC_TRUE));
  PetscCall(PetscFree2(dnnz, onnz));
  PetscCall(PetscFree3(cnt, col, val));
  PetscFunctionReturn(0);
}

/* Whether the grid g, about to become level L (0 = finest), is coarsened further. A
 * matrix-free finest level cannot be the (LU-factored) coarsest one: coarsen at least once. */
static PetscBool coarsen_more(const grid *g, PetscInt L, PetscInt max_levels, PetscInt coarse_size, PetscBool shell, PetscMPIInt size)
{
  return (PetscBool)(L + 1 < max_levels && (g->nx * g->ny * g->nz > coarse_size || (shell && L == 0)) &&
                     (g->nx > 1 || g->ny > 1 || g->nz > size));
}

PetscErrorCode ms_tort_mg_setup(PC pc, Mat A, const ms_tort_layout *lay, PetscInt max_levels, PetscInt coarse_size, PetscInt shell_levels,
                                PetscInt sweeps, int n_overcorrect, const double *overcorrect, PetscInt *levels)
{
  MPI_Comm    comm;
  PetscMPIInt size;
  Mat         ops[MS_TORT_MG_MAX_LEVELS], interp[MS_TORT_MG_MAX_LEVELS];
  PetscBool   is_shell[MS_TORT_MG_MAX_LEVELS];
  grid        g;
  PetscInt    L = 1;

  PetscFunctionBeginUser;
  PetscCall(PetscObjectGetComm((PetscObject)A, &comm));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  max_levels = PetscMin(PetscMax(max_levels, 1), MS_TORT_MG_MAX_LEVELS);
  for (int i = 0; i < n_overcorrect; i++)
    PetscCheck(overcorrect[i] > 0 && overcorrect[i] < 2, comm, MS_ERR_USER,
               "tortuosity multigrid: over-correction %g; expected 0 < alpha < 2 (beyond, the cycle is no positive definite preconditioner)",
               overcorrect[i]);
  g.nx       = lay->nx;
  g.ny       = lay->ny;
  g.nz       = lay->nz;
  g.z_start  = lay->z_start;
  g.nz_local = lay->nz_local;
  PetscCall(PetscMalloc1(size + 1, &g.zs));
  PetscCallMPI(MPI_Allgather(&g.z_start, 1, MPIU_INT, g.zs, 1, MPIU_INT, comm));
  g.zs[size] = g.nz;

  /* Coarsen until the grid is small enough for the coarse solver or stops shrinking. */
  ops[0] = A;
  PetscCall(PetscObjectReference((PetscObject)A));
  PetscBool shell;
  PetscCall(PetscObjectTypeCompare((PetscObject)A, MATSHELL, &shell));
  is_shell[0] = shell;
  /* A finest level on the kept voxels (ms_tortuosity_pore.c) and assembled coarse levels: the
   * coarse levels keep only the aggregates that hold kept voxels (38% of the 64^3 level and 50%
   * of the 32^3 one on the 128^3 membrane), coarsened through their full-grid stencils S. */
  PetscBool      pore0 = ms_tort_pore_is(A), cmp = (PetscBool)(pore0 && shell_levels == 0);
  Mat            S     = NULL;
  const int32_t *vox_f = NULL;
  int32_t       *vox_own = NULL;
  PetscInt       nf      = 0;
  if (pore0) PetscCall(ms_tort_pore_vox(A, &vox_f, &nf));
  while (coarsen_more(&g, L - 1, max_levels, coarse_size, shell, size)) {
    prolong  *p;
    PetscBool pore = (PetscBool)(L == 1 && pore0); /* the finest level on the kept voxels */
    PetscCall(PetscNew(&p));
    p->f     = g;
    p->alpha = n_overcorrect > 0 ? overcorrect[PetscMin(L - 1, n_overcorrect - 1)] : 1.0;
    PetscCall(grid_coarsen(comm, &g, &p->c));
    PetscCall(PetscMalloc1(size + 1, &p->f.zs));
    PetscCall(PetscArraycpy(p->f.zs, g.zs, size + 1));
    /* Below a stencil shell the Galerkin product is again a stencil (ms_tort_op_coarsen): kept
     * matrix-free for shell_levels levels below the finest, assembled from it for the
     * coarsest (LU) and any level past those; below an AIJ level, summed row by row. */
    is_shell[L] = PETSC_FALSE;
    if (pore || cmp) {
      Mat      Ac;
      int32_t *agg, *cidx, *vox_c;
      PetscInt nc = 0;
      if (pore) PetscCall(ms_tort_pore_coarsen(ops[0], p->c.nx, p->c.ny, p->c.nz_local, p->c.z_start * p->c.nx * p->c.ny, &Ac));
      else PetscCall(ms_tort_op_coarsen(S, p->c.nx, p->c.ny, p->c.nz_local, p->c.z_start * p->c.nx * p->c.ny, &Ac));
      PetscCall(aggregate(&p->f, &p->c, vox_f, nf, cmp, &agg, &cidx, &vox_c, &nc));
      if (cmp) {
        /* Smoothed levels in the pore form; the coarsest (LU) assembled. */
        if (coarsen_more(&p->c, L, max_levels, coarse_size, shell, size)) {
          PetscCall(ms_tort_pore_from_stencil(Ac, cidx, nc, &ops[L]));
          is_shell[L] = PETSC_TRUE;
        } else PetscCall(ms_tort_op_assemble_active(Ac, cidx, nc, &ops[L]));
        PetscCall(MatDestroy(&S));
        S = Ac;
      } else if (L <= shell_levels && coarsen_more(&p->c, L, max_levels, coarse_size, shell, size)) {
        ops[L]      = Ac;
        is_shell[L] = PETSC_TRUE;
      } else {
        PetscCall(ms_tort_op_assemble(Ac, &ops[L]));
        PetscCall(MatDestroy(&Ac));
      }
      PetscCall(PetscFree(cidx));
      PetscCall(agg_interp_create(comm, nf, nc, agg, p->alpha, &interp[L]));
      PetscCall(PetscFree(vox_own));
      vox_own = vox_c;
      vox_f   = vox_c;
      nf      = nc;
      PetscCall(PetscFree(g.zs));
      g = p->c;
      PetscCall(PetscMalloc1(size + 1, &g.zs));
      PetscCall(PetscArraycpy(g.zs, p->c.zs, size + 1));
      PetscCall(P_destroy_ctx(p));
      L++;
      continue;
    }
    if (is_shell[L - 1]) {
      Mat Ac;
      PetscCall(ms_tort_op_coarsen(ops[L - 1], p->c.nx, p->c.ny, p->c.nz_local, p->c.z_start * p->c.nx * p->c.ny, &Ac));
      if (L <= shell_levels && coarsen_more(&p->c, L, max_levels, coarse_size, shell, size)) {
        ops[L]      = Ac;
        is_shell[L] = PETSC_TRUE;
      } else {
        PetscCall(ms_tort_op_assemble(Ac, &ops[L]));
        PetscCall(MatDestroy(&Ac));
      }
    } else PetscCall(galerkin(comm, ops[L - 1], &p->f, &p->c, &ops[L]));
    PetscInt nfl = p->f.nx * p->f.ny * p->f.nz_local, ncl = p->c.nx * p->c.ny * p->c.nz_local;
    PetscCall(PetscFree(g.zs));
    g = p->c;
    PetscCall(PetscMalloc1(size + 1, &g.zs));
    PetscCall(PetscArraycpy(g.zs, p->c.zs, size + 1));
    PetscCall(MatCreateShell(comm, nfl, ncl, PETSC_DETERMINE, PETSC_DETERMINE, p, &interp[L]));
    PetscCall(MatShellSetOperation(interp[L], MATOP_MULT, (void (*)(void))P_mult));
    PetscCall(MatShellSetOperation(interp[L], MATOP_MULT_ADD, (void (*)(void))P_mult_add));
    PetscCall(MatShellSetOperation(interp[L], MATOP_MULT_TRANSPOSE, (void (*)(void))P_mult_t));
    PetscCall(MatShellSetOperation(interp[L], MATOP_MULT_TRANSPOSE_ADD, (void (*)(void))P_mult_t_add));
    PetscCall(MatShellSetOperation(interp[L], MATOP_DESTROY, (void (*)(void))P_destroy));
    L++;
  }
  PetscCall(PetscFree(g.zs));
  PetscCall(MatDestroy(&S));
  PetscCall(PetscFree(vox_own));

  /* PCMG numbers levels from the coarsest (0) to the finest (L-1). */
  PetscCall(PCSetType(pc, PCMG));
  PetscCall(PCMGSetLevels(pc, L, NULL));
  PetscCall(PCMGSetGalerkin(pc, PC_MG_GALERKIN_NONE));
  PetscCall(PCMGSetCycleType(pc, PC_MG_CYCLE_W));
  PetscCheck(!shell || L > 1, comm, MS_ERR_USER, "tortuosity multigrid: a matrix-free operator needs at least 2 levels (-pc_mg_levels)");
  for (PetscInt l = 0; l < L; l++) {
    KSP      k;
    PC       kpc;
    PetscInt lev = L - 1 - l; /* ops[l] is l levels below the finest */
    PetscCall(PCMGGetSmoother(pc, lev, &k));
    PetscCall(KSPSetOperators(k, ops[l], ops[l]));
    if (lev > 0) {
      PetscCall(KSPSetType(k, KSPRICHARDSON));
      PetscCall(KSPGetPC(k, &kpc));
      if (is_shell[l]) {
        /* A matrix-free level has no SOR: damped Jacobi sweeps (0.7 measured best), each
         * fused into one pass over the stencil (ms_tortuosity_op.c); two on the finest, `sweeps`
         * on coarser ones (3 by default: with 2 the 128^3 benchmark takes one more iteration on
         * two of its three axes; with 3 it keeps SSOR's count at about half SSOR's bytes). */
        if (l == 0 && ms_tort_pore_is(ops[0])) PetscCall(ms_tort_pore_smoother(k, ops[0], 2));
        else if (ms_tort_pore_is(ops[l])) PetscCall(ms_tort_pore_smoother_ssor(k, ops[l]));
        else PetscCall(ms_tort_op_smoother(k, ops[l], l == 0 ? 2 : sweeps));
      } else {
        PetscCall(PCSetType(kpc, PCSOR));
        PetscCall(KSPSetTolerances(k, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, 1));
      }
    }
    if (l > 0) PetscCall(PCMGSetInterpolation(pc, lev + 1, interp[l]));
  }
  for (PetscInt l = 0; l < L; l++) {
    PetscCall(MatDestroy(&ops[l]));
    if (l > 0) PetscCall(MatDestroy(&interp[l]));
  }
  *levels = L;
  PetscCall(PetscInfo(pc, "tortuosity multigrid: %d levels\n", (int)L));
  PetscFunctionReturn(0);
}

/* Axis changes on a shared hierarchy. The operators of the three axes differ only in the
 * Dirichlet face terms on the diagonal, and with piecewise-constant P the Galerkin product
 * of a diagonal is diagonal: P^T (A0 + F) P = P^T A0 P + diag(P^T f). So the coarse operators
 * of the face-free base operator are built once, and an axis costs one restriction of f per
 * level and a diagonal insert; PCMG then refactors only numerically (same pattern). */
PetscErrorCode ms_tort_mg_faces_create(PC pc, ms_tort_mg_faces **fp)
{
  ms_tort_mg_faces *f;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&f));
  PetscCall(PCMGGetLevels(pc, &f->L));
  for (PetscInt lev = 0; lev < f->L - 1; lev++) {
    KSP k;
    Mat Al;
    PetscCall(PCMGGetSmoother(pc, lev, &k));
    PetscCall(KSPGetOperators(k, &Al, NULL));
    PetscCall(MatCreateVecs(Al, &f->base[lev], NULL));
    PetscCall(VecDuplicate(f->base[lev], &f->add[lev]));
    PetscCall(VecDuplicate(f->base[lev], &f->diag[lev]));
    PetscCall(MatGetDiagonal(Al, f->base[lev]));
  }
  *fp = f;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_mg_faces_set(PC pc, ms_tort_mg_faces *f, Vec fine_add)
{
  Vec add = fine_add;

  PetscFunctionBeginUser;
  for (PetscInt lev = f->L - 2; lev >= 0; lev--) {
    KSP k;
    Mat Al, P;
    PetscCall(PCMGGetInterpolation(pc, lev + 1, &P));
    PetscCall(MatMultTranspose(P, add, f->add[lev]));
    add = f->add[lev];
    PetscCall(PCMGGetSmoother(pc, lev, &k));
    PetscCall(KSPGetOperators(k, &Al, NULL));
    /* Overwrite with base + faces (not +=): the previous axis' faces leave no trace. */
    PetscCall(VecWAXPY(f->diag[lev], 1.0, f->base[lev], f->add[lev]));
    PetscCall(MatDiagonalSet(Al, f->diag[lev], INSERT_VALUES));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_tort_mg_faces_destroy(ms_tort_mg_faces **fp)
{
  PetscFunctionBeginUser;
  if (!*fp) PetscFunctionReturn(0);
  for (PetscInt lev = 0; lev < (*fp)->L - 1; lev++) {
    PetscCall(VecDestroy(&(*fp)->base[lev]));
    PetscCall(VecDestroy(&(*fp)->add[lev]));
    PetscCall(VecDestroy(&(*fp)->diag[lev]));
  }
  PetscCall(PetscFree(*fp));
  PetscFunctionReturn(0);
}
