/* ms_scalapack.c - process grids and the local/distributed dense matrix of ms_scalapack.h.
 * Each operation dispatches once on A->g: LAPACKE for a local matrix, ScaLAPACK for a
 * block-cyclic one, so callers never branch on the layout. */
#include "ms_scalapack.h"
#include <lapacke.h>
#include <cblas.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

const char *const ms_grid_shape_names[] = {"auto", "row", "col", "ms_grid_shape", "MS_GRID_", NULL};

PetscErrorCode ms_blacs_create(MPI_Comm comm, ms_grid_shape shape, int nb, ms_blacs *out)
{
  PetscMPIInt size;
  ms_blacs    g;
  int         nprow = 1, npcol = 1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  switch (shape) {
  case MS_GRID_ROW: nprow = 1; npcol = size; break;
  case MS_GRID_COL: nprow = size; npcol = 1; break;
  default:
    /* largest divisor of P not above sqrt(P) rows: near-square, more columns than rows */
    for (int r = 1; r * r <= size; r++)
      if (size % r == 0) nprow = r;
    npcol = size / nprow;
  }
  PetscCall(PetscNew(&g));
  g->comm       = comm;
  g->nb         = nb > 0 ? nb : MS_SCALAPACK_NB_DEFAULT;
  g->sys_handle = Csys2blacs_handle(comm);
  g->ctxt       = g->sys_handle;
  Cblacs_gridinit(&g->ctxt, "Row", nprow, npcol);
  Cblacs_gridinfo(g->ctxt, &g->nprow, &g->npcol, &g->myrow, &g->mycol);
  if (g->myrow < 0 || g->nprow != nprow || g->npcol != npcol) {
    PetscCall(PetscFree(g));
    SETERRQ(comm, PETSC_ERR_LIB, "BLACS could not build a %d x %d grid on %d ranks", nprow, npcol, (int)size);
  }
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &g->node));
  *out = g;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_blacs_destroy(ms_blacs *g)
{
  PetscFunctionBeginUser;
  if (!*g) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_free(&(*g)->node));
  Cblacs_gridexit((*g)->ctxt);
  Cfree_blacs_system_handle((*g)->sys_handle);
  PetscCall(PetscFree(*g));
  PetscFunctionReturn(0);
}

/* Refuse, before allocating, a matrix whose pieces on one node exceed that node's memory
 * (n = 100,000 rows of a GPR covariance is 80 GB): the kernel overcommits, so the allocation
 * would succeed and the OOM killer end the job halfway through the fill, with no word of why.
 * Distributed: collective on g->comm, so every rank leaves with the same message. */
static PetscErrorCode ms_dmat_check_memory(ms_blacs g, int m, int n, size_t elems)
{
  double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE), mine = 8.0 * (double)elems;

  PetscFunctionBeginUser;
  if (!g) {
    PetscCheck(phys <= 0 || mine <= phys, PETSC_COMM_SELF, MS_ERR_USER,
               "a %d x %d dense matrix needs %.3g GB on one rank, more than this node's memory (%.3g GB): use fewer rows or the distributed "
               "(ScaLAPACK) path on more nodes",
               m, n, mine / 1e9, phys / 1e9);
    PetscFunctionReturn(0);
  }
  double      node, v[2], w[2];
  PetscMPIInt nranks;
  PetscCallMPI(MPI_Allreduce(&mine, &node, 1, MPI_DOUBLE, MPI_SUM, g->node));
  PetscCallMPI(MPI_Comm_size(g->node, &nranks));
  v[0] = phys > 0 ? node / phys : 0.0; /* the fullest node decides */
  v[1] = node;
  PetscCallMPI(MPI_Allreduce(v, w, 2, MPI_DOUBLE, MPI_MAX, g->comm));
  PetscCheck(w[0] <= 1.0, g->comm, MS_ERR_USER,
             "a %d x %d dense matrix needs %.3g GB in all, up to %.3g GB on one node, more than a node's memory (%.3g GB here, %d ranks on "
             "this node): spread the ranks over more nodes or use fewer rows",
             m, n, 8.0 * (double)m * (double)n / 1e9, w[1] / 1e9, phys / 1e9, (int)nranks);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_create(ms_blacs g, int m, int n, ms_dmat *A)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(A, sizeof(*A)));
  A->g = g;
  A->m = m;
  A->n = n;
  if (!g) {
    A->nb   = PetscMax(m, 1);
    A->mloc = m;
    A->nloc = n;
    A->lld  = PetscMax(m, 1);
  } else {
    int zero = 0, info;
    A->nb   = g->nb;
    A->mloc = numroc_(&m, &A->nb, &g->myrow, &zero, &g->nprow);
    A->nloc = numroc_(&n, &A->nb, &g->mycol, &zero, &g->npcol);
    A->lld  = PetscMax(1, A->mloc);
    descinit_(A->desc, &m, &n, &A->nb, &A->nb, &zero, &zero, &g->ctxt, &A->lld, &info);
    if (info) SETERRQ(g->comm, PETSC_ERR_LIB, "descinit failed (info %d) for a %d x %d matrix", info, m, n);
  }
  PetscCall(ms_dmat_check_memory(g, m, n, (size_t)A->mloc * A->nloc));
  PetscCall(PetscCalloc1((size_t)A->mloc * A->nloc + 1, &A->a));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_destroy(ms_dmat *A)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(A->a));
  PetscCall(PetscMemzero(A, sizeof(*A)));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_copy(const ms_dmat *A, ms_dmat *B)
{
  PetscFunctionBeginUser;
  PetscCall(ms_dmat_create(A->g, A->m, A->n, B));
  PetscCall(PetscArraycpy(B->a, A->a, (size_t)A->mloc * A->nloc));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_fill(ms_dmat *A, ms_dmat_entry_fn f, void *ctx, PetscBool lower_only)
{
  PetscFunctionBeginUser;
#pragma omp parallel for schedule(dynamic, 16)
  for (int lj = 0; lj < A->nloc; lj++) {
    int j = ms_dmat_col(A, lj);
    for (int li = 0; li < A->mloc; li++) {
      int i = ms_dmat_row(A, li);
      if (lower_only && i < j) continue;
      A->a[(size_t)lj * A->lld + li] = f(ctx, i, j);
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_from_replicated(ms_dmat *A, const double *v)
{
  PetscFunctionBeginUser;
  for (int lj = 0; lj < A->nloc; lj++) {
    int j = ms_dmat_col(A, lj);
    for (int li = 0; li < A->mloc; li++) A->a[(size_t)lj * A->lld + li] = v[(size_t)j * A->m + ms_dmat_row(A, li)];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_to_replicated(const ms_dmat *A, double *v)
{
  size_t mn = (size_t)A->m * A->n;

  PetscFunctionBeginUser;
  if (!A->g) {
    PetscCall(PetscArraycpy(v, A->a, mn));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscArrayzero(v, mn));
  for (int lj = 0; lj < A->nloc; lj++) {
    int j = ms_dmat_col(A, lj);
    for (int li = 0; li < A->mloc; li++) v[(size_t)j * A->m + ms_dmat_row(A, li)] = A->a[(size_t)lj * A->lld + li];
  }
  /* every entry is owned by exactly one rank, so a sum assembles the matrix */
  for (size_t off = 0; off < mn; off += (size_t)1 << 28) {
    int cnt = (int)PetscMin(mn - off, (size_t)1 << 28);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, v + off, cnt, MPI_DOUBLE, MPI_SUM, A->g->comm));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_potrf(ms_dmat *A, PetscBool *ok)
{
  int info, one = 1;

  PetscFunctionBeginUser;
  if (!A->g) info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', A->n, A->a, A->lld);
  else pdpotrf_("L", &A->n, A->a, &one, &one, A->desc, &info, 1);
  if (info < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "dpotrf: illegal argument %d", -info);
  *ok = info == 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_potrs(const ms_dmat *L, ms_dmat *B)
{
  int info, one = 1;

  PetscFunctionBeginUser;
  if (!L->g) info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', L->n, B->n, L->a, L->lld, B->a, B->lld);
  else pdpotrs_("L", &L->n, &B->n, L->a, &one, &one, L->desc, B->a, &one, &one, B->desc, &info, 1);
  if (info) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "dpotrs failed (info %d)", info);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_potri(ms_dmat *L)
{
  int info, one = 1;

  PetscFunctionBeginUser;
  if (!L->g) info = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', L->n, L->a, L->lld);
  else pdpotri_("L", &L->n, L->a, &one, &one, L->desc, &info, 1);
  if (info) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "dpotri failed (info %d): singular factor", info);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_trsm_lower(const ms_dmat *L, ms_dmat *B)
{
  int    one = 1;
  double done = 1.0;

  PetscFunctionBeginUser;
  if (!L->g) {
    if (B->n > 0 && L->n > 0)
      cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, L->n, B->n, 1.0, L->a, L->lld, B->a,
                  B->lld);
  } else if (B->n > 0) {
    pdtrsm_("L", "L", "N", "N", &B->m, &B->n, &done, L->a, &one, &one, L->desc, B->a, &one, &one, B->desc, 1, 1, 1, 1);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dmat_logdiag_sum(const ms_dmat *L, double *s)
{
  double acc = 0.0;

  PetscFunctionBeginUser;
  if (!L->g) {
    for (int i = 0; i < L->n; i++) acc += log(L->a[(size_t)i * L->lld + i]);
    *s = acc;
    PetscFunctionReturn(0);
  }
  /* walk the owned diagonal blocks: local column lj holds global j; find the local row of j */
  for (int lj = 0; lj < L->nloc; lj++) {
    int j = ms_dmat_col(L, lj), blk = j / L->nb;
    if (blk % L->g->nprow != L->g->myrow) continue;
    int li = (blk / L->g->nprow) * L->nb + j % L->nb;
    acc += log(L->a[(size_t)lj * L->lld + li]);
  }
  PetscCallMPI(MPI_Allreduce(&acc, s, 1, MPI_DOUBLE, MPI_SUM, L->g->comm));
  PetscFunctionReturn(0);
}
