/* ms_scalapack.h - BLACS/ScaLAPACK prototypes and a dense-matrix helper shared by the
 * distributed models (GPR, PCA). Installed because ms_gpr.h and ms_pca.h expose ms_dmat.
 *
 * Debian ships ScaLAPACK 2.2.1 without a C header, so the routines we call are declared
 * here. They are Fortran: every argument is a pointer, INTEGER is a C int, matrices are
 * column-major, and gfortran appends one hidden size_t length per CHARACTER argument at
 * the end of the argument list (in the order of the character arguments).
 *
 * ms_blacs is a 2-D process grid on a communicator. ms_dmat is a dense matrix that is
 * either
 *   - local (g == NULL): the whole m x n matrix on this rank, column-major, lld = m, for
 *     LAPACKE; or
 *   - distributed (g != NULL): 2-D block-cyclic over g with square blocks nb x nb, source
 *     process (0,0); this rank holds mloc x nloc entries, column-major, lld = max(1, mloc).
 * Code that only touches "the entries this rank owns" (filling a kernel matrix, the trace
 * in the GPR gradient) is written once for both through ms_dmat_row/ms_dmat_col.
 *
 * Grid shape (models expose it as -<prefix>_grid auto|row|col): "row" is 1 x P, "col" is P x 1, "auto" is the
 * near-square nprow x npcol with nprow <= npcol (1 x 2 on two ranks). toolchain.md measured
 * 1 x P faster than P x 1 for pdpotrf here, which is why auto prefers more columns.
 * Block size (-<prefix>_scalapack_nb, default MS_SCALAPACK_NB_DEFAULT = 64, the usual ScaLAPACK
 * choice; not tuned here because the development machine was too loaded to time it).
 *
 * Collectiveness: ms_blacs_create/destroy and every ms_dmat_* function that takes a
 * distributed matrix are collective over g->comm; on a local matrix they are local.
 */
#ifndef MS_SCALAPACK_H
#define MS_SCALAPACK_H

#include "ms_core.h"
#include <stddef.h>

/* ---- BLACS (C interface shipped inside libscalapack-openmpi) ---- */
int  Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_get(int icontxt, int what, int *val);
void Cblacs_gridinit(int *icontxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int icontxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int icontxt);

/* ---- ScaLAPACK tools ---- */
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb, const int *irsrc,
               const int *icsrc, const int *ictxt, const int *lld, int *info);
int  numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);

/* ---- ScaLAPACK/PBLAS routines (hidden CHARACTER lengths last) ---- */
void pdpotrf_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca,
              int *info, size_t uplo_len);
void pdpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *ia, const int *ja,
              const int *desca, double *b, const int *ib, const int *jb, const int *descb, int *info,
              size_t uplo_len);
void pdpotri_(const char *uplo, const int *n, double *a, const int *ia, const int *ja, const int *desca,
              int *info, size_t uplo_len);
void pdsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *ia, const int *ja,
              const int *desca, double *w, double *z, const int *iz, const int *jz, const int *descz,
              double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_len,
              size_t uplo_len);
void pdgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double *a, const int *ia,
              const int *ja, const int *desca, double *s, double *u, const int *iu, const int *ju,
              const int *descu, double *vt, const int *ivt, const int *jvt, const int *descvt, double *work,
              const int *lwork, int *info, size_t jobu_len, size_t jobvt_len);
void pdgemr2d_(const int *m, const int *n, const double *a, const int *ia, const int *ja, const int *desca,
               double *b, const int *ib, const int *jb, const int *descb, const int *ictxt);
void pdgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double *alpha, const double *a, const int *ia, const int *ja, const int *desca,
             const double *b, const int *ib, const int *jb, const int *descb, const double *beta, double *c,
             const int *ic, const int *jc, const int *descc, size_t transa_len, size_t transb_len);
void pdtrsm_(const char *side, const char *uplo, const char *transa, const char *diag, const int *m,
             const int *n, const double *alpha, const double *a, const int *ia, const int *ja,
             const int *desca, double *b, const int *ib, const int *jb, const int *descb, size_t side_len,
             size_t uplo_len, size_t transa_len, size_t diag_len);

/* ---- matscreen helpers ---- */
#define MS_SCALAPACK_NB_DEFAULT 64

typedef enum { MS_GRID_AUTO = 0, MS_GRID_ROW, MS_GRID_COL } ms_grid_shape;
extern const char *const ms_grid_shape_names[]; /* "auto","row","col" */

typedef struct ms_blacs_s {
  MPI_Comm comm;        /* not owned */
  MPI_Comm node;        /* the ranks of comm on this rank's node (shared memory), owned */
  int      sys_handle;  /* BLACS handle of comm */
  int      ctxt;
  int      nprow, npcol, myrow, mycol;
  int      nb;          /* block size */
} *ms_blacs;

/* Grid over all ranks of comm. nb <= 0 uses MS_SCALAPACK_NB_DEFAULT. */
PetscErrorCode ms_blacs_create(MPI_Comm comm, ms_grid_shape shape, int nb, ms_blacs *g);
PetscErrorCode ms_blacs_destroy(ms_blacs *g);

typedef struct {
  ms_blacs g;            /* NULL: local LAPACKE matrix */
  int      m, n;         /* global size */
  int      nb;           /* block size (distributed) */
  int      mloc, nloc;   /* local size */
  int      lld;
  int      desc[9];
  double  *a;            /* mloc * nloc, column-major, owned */
} ms_dmat;

PetscErrorCode ms_dmat_create(ms_blacs g, int m, int n, ms_dmat *A);
PetscErrorCode ms_dmat_destroy(ms_dmat *A);
PetscErrorCode ms_dmat_copy(const ms_dmat *A, ms_dmat *B); /* B created like A */

/* Global index of local row li / local column lj (0-based). */
static inline int ms_dmat_row(const ms_dmat *A, int li)
{
  if (!A->g) return li;
  return ((li / A->nb) * A->g->nprow + A->g->myrow) * A->nb + li % A->nb;
}
static inline int ms_dmat_col(const ms_dmat *A, int lj)
{
  if (!A->g) return lj;
  return ((lj / A->nb) * A->g->npcol + A->g->mycol) * A->nb + lj % A->nb;
}

/* A(i,j) = f(ctx, i, j) for every owned entry (only i >= j when lower_only). Each rank
 * evaluates only its own blocks, so a kernel matrix is born block-cyclic. OpenMP over
 * local columns; f must be thread-safe. Not collective. */
typedef double (*ms_dmat_entry_fn)(void *ctx, int64_t i, int64_t j);
PetscErrorCode ms_dmat_fill(ms_dmat *A, ms_dmat_entry_fn f, void *ctx, PetscBool lower_only);
/* From/to a replicated column-major m x n array (vectors: n = 1). to_replicated is
 * collective (Allreduce of the owned entries). */
PetscErrorCode ms_dmat_from_replicated(ms_dmat *A, const double *v);
PetscErrorCode ms_dmat_to_replicated(const ms_dmat *A, double *v);

/* Cholesky A = L L^T in place (lower). *ok = PETSC_FALSE when A is not positive definite
 * (no error: callers such as the LML treat it as an infeasible point). */
PetscErrorCode ms_dmat_potrf(ms_dmat *A, PetscBool *ok);
/* B <- A^{-1} B with the factor from ms_dmat_potrf. */
PetscErrorCode ms_dmat_potrs(const ms_dmat *L, ms_dmat *B);
/* Lower triangle of A^{-1} from the factor, in place. */
PetscErrorCode ms_dmat_potri(ms_dmat *L);
/* B <- L^{-1} B (L lower triangular, non-unit). */
PetscErrorCode ms_dmat_trsm_lower(const ms_dmat *L, ms_dmat *B);
/* sum_i log L_ii over the diagonal (collective for distributed). */
PetscErrorCode ms_dmat_logdiag_sum(const ms_dmat *L, double *s);

#endif
