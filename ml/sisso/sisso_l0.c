/* sisso_l0.c - the sparsifying operator: exact l0 search over all D-subsets of the M
 * screened descriptors.
 *
 * With standardised columns Z (M x n) and the centred target yc, the least-squares fit with
 * intercept on a subset S has residual sum of squares RSS(S) = yc.yc - b_S^T G_SS^-1 b_S,
 * G = Z Z^T, b = Z yc. G and b are formed once (O(M^2 n)); each subset is then a D x D
 * Cholesky solve (LAPACK dposv), independent of n. Subsets whose G_SS is not positive
 * definite, or nearly not (collinear descriptors), are skipped.
 *
 * Parallel: the C(M, D) subsets in lexicographic order are split into contiguous blocks;
 * a rank unranks its first subset and steps through its block. Each rank's best
 * (RSS, subset index) is gathered and the smallest RSS wins, ties to the lowest index. G is
 * formed with plain loops in a fixed order (not a threaded BLAS), so every rank and every
 * rank count computes bitwise the same RSS for the same subset.
 */
#include "sisso_impl.h"
#include "ms_log.h"
#include <lapacke.h>

#define MS_SISSO_L0_CHUNK 262144

static int64_t binom(int64_t m, int64_t k)
{
  int64_t c = 1;
  if (k < 0 || k > m) return 0;
  for (int64_t i = 1; i <= k; i++) c = c * (m - k + i) / i; /* exact: c is C(m-k+i, i) */
  return c;
}

static void unrank(int64_t M, int D, int64_t x, int64_t *s)
{
  int64_t v = 0;
  for (int pos = 0; pos < D; pos++)
    for (;; v++) {
      int64_t c = binom(M - v - 1, D - pos - 1);
      if (x < c) { s[pos] = v++; break; }
      x -= c;
    }
}

static void next_subset(int64_t M, int D, int64_t *s)
{
  int i = D - 1;
  while (i >= 0 && s[i] == M - D + i) i--;
  if (i < 0) return;
  s[i]++;
  for (int j = i + 1; j < D; j++) s[j] = s[j - 1] + 1;
}

/* Regression loss of a subset: RSS by a D x D Cholesky solve of the Gram system. */
typedef struct { int64_t M, n; const double *G, *b; double yy; } l0_reg;

static double l0_reg_loss(void *ctx, int D, const int64_t *s)
{
  const l0_reg *c = (const l0_reg *)ctx;
  double        A[MS_SISSO_MAX_DIM * MS_SISSO_MAX_DIM], w[MS_SISSO_MAX_DIM], r = c->yy;
  for (int p = 0; p < D; p++) {
    w[p] = c->b[s[p]];
    for (int q = 0; q < D; q++) A[p * D + q] = c->G[s[p] * c->M + s[q]];
  }
  if (LAPACKE_dposv(LAPACK_COL_MAJOR, 'U', D, 1, A, D, w, D)) return PETSC_INFINITY;
  /* Cholesky pivots^2 are the variance each column adds beyond the previous ones (G_aa = n):
     below 1e-10 n the subset is collinear in floating point and its RSS would be rounding
     noise, so it is skipped like an exactly singular one. */
  for (int p = 0; p < D; p++)
    if (!(A[p * D + p] * A[p * D + p] > 1e-10 * (double)c->n)) return PETSC_INFINITY;
  for (int p = 0; p < D; p++) r -= c->b[s[p]] * w[p];
  return PetscMax(r, 0.0);
}

PetscErrorCode ms_sisso_l0_search(MPI_Comm comm, int64_t M, int D, ms_sisso_loss_fn loss, void *ctx, int64_t *best, double *bloss,
                                  int64_t *n_subsets)
{
  PetscMPIInt size, rank;
  int64_t     total, lo, hi, nchunks, done = 0, s[MS_SISSO_MAX_DIM], bidx = -1;
  double      brss = PETSC_INFINITY, *all;
  ms_progress prog;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(D >= 1 && D <= MS_SISSO_MAX_DIM && D <= M, comm, MS_ERR_USER, "sisso: l0 search for %d descriptors among %lld screened", D, (long long)M);
  total = binom(M, D);
  PetscCheck(total > 0 && total < ((int64_t)1 << 50), comm, MS_ERR_USER, "sisso: C(%lld, %d) subsets is too many; lower -sisso_n_sis", (long long)M, D);
  lo      = total / size * rank + PetscMin(rank, total % size);
  hi      = lo + total / size + (rank < total % size);
  nchunks = (total / size + 1 + MS_SISSO_L0_CHUNK - 1) / MS_SISSO_L0_CHUNK;
  if (lo < hi) unrank(M, D, lo, s);
  PetscCall(ms_progress_begin(comm, "sisso l0 search", total, &prog));
  for (int64_t c = 0; c < nchunks; c++) {
    const int64_t a0 = PetscMin(hi, lo + c * MS_SISSO_L0_CHUNK), a1 = PetscMin(hi, a0 + MS_SISSO_L0_CHUNK);
    int64_t       d  = a1 - a0;
    for (int64_t x = a0; x < a1; x++, next_subset(M, D, s)) {
      const double r = loss(ctx, D, s);
      if (r < brss) { brss = r; bidx = x; } /* ascending x: the first of equal losses is kept */
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &d, 1, MPI_INT64_T, MPI_SUM, comm));
    done += d;
    PetscCall(ms_progress_update(&prog, done));
  }
  PetscCall(ms_progress_end(&prog));
  PetscCall(PetscMalloc1(2 * size, &all));
  {
    double mine[2] = {brss, (double)bidx}; /* subset indices < 2^50 are exact in a double */
    PetscCallMPI(MPI_Allgather(mine, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, comm));
  }
  brss = PETSC_INFINITY; bidx = -1;
  for (PetscMPIInt q = 0; q < size; q++) {
    const int64_t x = (int64_t)all[2 * q + 1];
    if (x < 0 || !(all[2 * q] < PETSC_INFINITY)) continue;
    if (all[2 * q] < brss || (all[2 * q] == brss && x < bidx)) { brss = all[2 * q]; bidx = x; }
  }
  PetscCheck(bidx >= 0, comm, MS_ERR_USER, "sisso: every %d-subset of the screened descriptors is collinear or degenerate", D);
  unrank(M, D, bidx, best);
  *bloss     = brss;
  *n_subsets = total;
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_l0(MPI_Comm comm, int64_t n, int64_t M, const double *Z, const double *yc, int D, int64_t *best, double *rss,
                           int64_t *n_subsets)
{
  double *G, *b, yy = 0.0;
  l0_reg  ctx;

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(M * M, &G, M, &b));
  for (int64_t i = 0; i < n; i++) yy += yc[i] * yc[i];
  for (int64_t a = 0; a < M; a++) {
    double t = 0.0;
    for (int64_t i = 0; i < n; i++) t += Z[a * n + i] * yc[i];
    b[a] = t;
    for (int64_t c = a; c < M; c++) {
      double g = 0.0;
      for (int64_t i = 0; i < n; i++) g += Z[a * n + i] * Z[c * n + i];
      G[a * M + c] = G[c * M + a] = g;
    }
  }
  ctx.M = M; ctx.n = n; ctx.G = G; ctx.b = b; ctx.yy = yy;
  PetscCall(ms_sisso_l0_search(comm, M, D, l0_reg_loss, &ctx, best, rss, n_subsets));
  PetscCall(PetscFree2(G, b));
  PetscFunctionReturn(0);
}
