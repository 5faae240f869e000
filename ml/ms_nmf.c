/* ms_nmf.c - non-negative matrix factorisation (ms_nmf.h: model, solvers, reproducibility). */
#include "ms_nmf.h"
#include "ms_h5.h"
#include "ms_rng.h"
#include "ms_rowblocks.h"
#include <cblas.h>
#include <lapacke.h>
#include <float.h>
#include <math.h>
#include <string.h>

const char *const ms_nmf_solver_names[] = {"hals", "mu", "ms_nmf_solver", "MS_NMF_", NULL};
const char *const ms_nmf_init_names[]   = {"nndsvda", "nndsvd", "random", "ms_nmf_init", "MS_NMF_INIT_", NULL};

PetscErrorCode ms_nmf_create(ms_nmf *nmf)
{
  PetscFunctionBeginUser;
  PetscCall(PetscNew(nmf));
  (*nmf)->k = 2;
  (*nmf)->solver = MS_NMF_HALS;
  (*nmf)->max_iter = 200;
  (*nmf)->tol = 1e-4;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_nmf_destroy(ms_nmf *nmf)
{
  PetscFunctionBeginUser;
  if (!*nmf) PetscFunctionReturn(0);
  PetscCall(PetscFree((*nmf)->H));
  PetscCall(PetscFree((*nmf)->W));
  PetscCall(PetscFree(*nmf));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_nmf_set_from_options(MPI_Comm comm, ms_nmf nmf)
{
  PetscInt  k = (PetscInt)nmf->k, it = (PetscInt)nmf->max_iter, seed = (PetscInt)nmf->seed;
  PetscEnum s = (PetscEnum)nmf->solver, ini = (PetscEnum)nmf->init;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "Non-negative matrix factorisation (-nmf_*)", NULL);
  PetscCall(PetscOptionsInt("-nmf_n_components", "Components k (>= 1)", NULL, k, &k, NULL));
  PetscCall(PetscOptionsEnum("-nmf_solver", "Solver: hals (coordinate descent) or mu (multiplicative updates)", NULL, ms_nmf_solver_names, s, &s, NULL));
  PetscCall(PetscOptionsEnum("-nmf_init", "Start: nndsvda/nndsvd (from the top singular vectors) or random", NULL, ms_nmf_init_names, ini, &ini, NULL));
  PetscCall(PetscOptionsInt("-nmf_max_iter", "Maximum iterations (>= 1)", NULL, it, &it, NULL));
  PetscCall(PetscOptionsReal("-nmf_tol", "Stop when 10 iterations lower the error by less than tol x the initial error (>= 0)", NULL, nmf->tol, &nmf->tol, NULL));
  PetscCall(PetscOptionsInt("-nmf_seed", "Seed of the random start (>= 0)", NULL, seed, &seed, NULL));
  PetscOptionsEnd();
  PetscCheck(k >= 1, comm, MS_ERR_USER, "-nmf_n_components must be >= 1, got %" PetscInt_FMT, k);
  PetscCheck(it >= 1, comm, MS_ERR_USER, "-nmf_max_iter must be >= 1, got %" PetscInt_FMT, it);
  PetscCheck(nmf->tol >= 0.0 && isfinite(nmf->tol), comm, MS_ERR_USER, "-nmf_tol must be a finite number >= 0, got %g", nmf->tol);
  PetscCheck(seed >= 0, comm, MS_ERR_USER, "-nmf_seed must be >= 0, got %" PetscInt_FMT, seed);
  nmf->k = k;
  nmf->max_iter = it;
  nmf->solver = (ms_nmf_solver)s;
  nmf->init = (ms_nmf_init)ini;
  nmf->seed = (uint64_t)seed;
  PetscFunctionReturn(0);
}

/* Rows per pass of nmf_hals_sweep through its component-major copy. */
#define NMF_SWEEP_ROWS 32

/* One HALS sweep over the columns of A (m x k) for the problem min ||M - A B||, given
   G = B B^T (k x k) and P = M B^T (m x k): scikit-learn's coordinate-descent update. Rows are
   independent, so they go NMF_SWEEP_ROWS at a time through a component-major copy (scratch:
   NMF_SWEEP_ROWS (k + 1) numbers), which lets the compiler vectorise across rows: 1.5x faster
   than the row-by-row loop on the benchmark's W (10,000 x 10: 0.35 vs 0.53 ms), with each
   row's operations, and so its bits, unchanged. */
static void nmf_hals_sweep(int64_t m, int64_t k, double *restrict A, const double *restrict G, const double *restrict P, double *restrict scratch)
{
  double *At = scratch, *grad = scratch + NMF_SWEEP_ROWS * k;

  for (int64_t i0 = 0; i0 < m; i0 += NMF_SWEEP_ROWS) {
    const int64_t mr = PetscMin(NMF_SWEEP_ROWS, m - i0);
    double       *Ai = A + i0 * k;
    const double *Pi = P + i0 * k;
    for (int64_t i = 0; i < mr; i++)
      for (int64_t r = 0; r < k; r++) At[r * NMF_SWEEP_ROWS + i] = Ai[i * k + r];
    for (int64_t t = 0; t < k; t++) {
      const double  hess = G[t * k + t];
      const double *g = G + t * k;
      double       *at = At + t * NMF_SWEEP_ROWS;
      if (hess == 0.0) continue;
      for (int64_t i = 0; i < mr; i++) grad[i] = -Pi[i * k + t];
      for (int64_t r = 0; r < k; r++) {
        const double  gr = g[r];
        const double *ar = At + r * NMF_SWEEP_ROWS;
        for (int64_t i = 0; i < mr; i++) grad[i] += gr * ar[i];
      }
      for (int64_t i = 0; i < mr; i++) at[i] = PetscMax(at[i] - grad[i] / hess, 0.0);
    }
    for (int64_t i = 0; i < mr; i++)
      for (int64_t r = 0; r < k; r++) Ai[i * k + r] = At[r * NMF_SWEEP_ROWS + i];
  }
}

/* Multiplicative update A *= P / (A G) (zero denominators -> float eps, as scikit-learn). */
static void nmf_mu_update(int64_t m, int64_t k, double *A, const double *G, const double *P, double *tmp)
{
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)k, (int)k, 1.0, A, (int)k, G, (int)k, 0.0, tmp, (int)k);
  for (int64_t i = 0; i < m * k; i++) A[i] *= P[i] / (tmp[i] == 0.0 ? (double)FLT_EPSILON : tmp[i]);
}

/* W rows of one block (m rows of X) updated against H: G = H H^T, P = X H^T. */
static void nmf_update_w(ms_nmf f, int64_t m, const double *X, double *W, const double *G, double *P, double *tmp, double *sweep)
{
  if (!m) return;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)f->k, (int)f->d, 1.0, X, (int)f->d, f->H, (int)f->d, 0.0, P, (int)f->k);
  if (f->solver == MS_NMF_HALS) nmf_hals_sweep(m, f->k, W, G, P, sweep);
  else nmf_mu_update(m, f->k, W, G, P, tmp);
}

typedef struct {
  ms_rowblocks rb;
  double      *partial; /* n_blocks x width */
  double      *total;   /* width */
  double      *P, *tmp; /* chunk scratch */
  double      *sweep;   /* nmf_hals_sweep's scratch */
  int64_t      chunk;   /* rows per chunk of the fit's sweep (nmf_chunk_rows) */
} nmf_work;

/* Sum over blocks of ||X_b - W_b H||^2 (fixed order; in each block the rows in order, W_c H
   formed a chunk at a time so that it stays in cache). */
static PetscErrorCode nmf_error(ms_nmf f, nmf_work *w, double *err)
{
  const int64_t k = f->k, d = f->d, width = w->rb.width;
  int64_t       r0 = 0;

  PetscFunctionBeginUser;
  for (int64_t b = 0; b < w->rb.n_blocks; b++) {
    const int64_t m = w->rb.n_rows[b];
    double        s = 0.0;
    for (int64_t i0 = 0; i0 < m; i0 += w->chunk) {
      const int64_t mc = PetscMin(w->chunk, m - i0);
      const double *X = w->rb.X[b] + i0 * d;
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)mc, (int)d, (int)k, 1.0, f->W + (r0 + i0) * k, (int)k, f->H, (int)d, 0.0, w->tmp, (int)d);
      for (int64_t i = 0; i < mc * d; i++) s += (X[i] - w->tmp[i]) * (X[i] - w->tmp[i]);
    }
    w->partial[b * width] = s;
    r0 += m;
  }
  PetscCall(ms_rowblocks_sum_len(&w->rb, w->partial, 1, w->total));
  *err = sqrt(w->total[0]);
  PetscFunctionReturn(0);
}

/* Rows of one chunk of a block in the fit's sweep: about 192 KiB of X, so that the chunk is
   still in L2 (512 KiB per core here, with OpenBLAS's packed copy beside it) when the second
   product reads it, X coming from memory once per iteration instead of twice; a multiple of
   8 rows (OpenBLAS's dgemm kernel works on 8 columns of that operand at a time). It depends on
   d alone, so the chunks inside a block, and the bits, are the same on any rank count. */
static int64_t nmf_chunk_rows(int64_t d)
{
  const int64_t c = (int64_t)(192 * 1024 / sizeof(double)) / PetscMax(d, 1);
  return PetscMax(c / 8 * 8, 8);
}

/* Block b's W rows updated chunk by chunk (rows are independent), each chunk's share of the H
   update added into the block's partial right after, while X_c is in cache: the partial is
   W_b^T W_b (k x k) then (W_b^T X_b)^T (d x k, the layout the H update works in), the latter
   summed over the chunks in order. */
static void nmf_block_step(ms_nmf f, nmf_work *w, int64_t b, double *Wb, const double *G)
{
  const int64_t k = f->k, d = f->d, m = w->rb.n_rows[b];
  const double *X = w->rb.X[b];
  double       *p = w->partial + b * w->rb.width;

  if (!m) {
    memset(p, 0, (size_t)(k * k + k * d) * sizeof *p);
    return;
  }
  for (int64_t i0 = 0; i0 < m; i0 += w->chunk) {
    const int64_t mc = PetscMin(w->chunk, m - i0);
    nmf_update_w(f, mc, X + i0 * d, Wb + i0 * k, G, w->P, w->tmp, w->sweep);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)mc, 1.0, X + i0 * d, (int)d, Wb + i0 * k, (int)k, i0 ? 1.0 : 0.0,
                p + k * k, (int)k);
  }
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)m, 1.0, Wb, (int)k, Wb, (int)k, 0.0, p, (int)k);
}

/* H update from the block partials (nmf_block_step), summed in block order, then the
   replicated update. */
static PetscErrorCode nmf_update_h(ms_nmf f, nmf_work *w)
{
  const int64_t k = f->k, d = f->d;
  double       *G, *Pt, *Ht;

  PetscFunctionBeginUser;
  /* The object's width also fits the d x d Gram matrix of the nndsvd start: sum only what
     the H update filled (k^2 + k d numbers per block, not d^2). */
  PetscCall(ms_rowblocks_sum_len(&w->rb, w->partial, k * k + k * d, w->total));
  G = w->total;         /* W^T W, k x k */
  Pt = w->total + k * k; /* (W^T X)^T, d x k */
  /* The H problem is the W problem transposed: H^T (d x k) with G and (W^T X)^T. */
  PetscCall(PetscMalloc1(d * k, &Ht));
  for (int64_t t = 0; t < k; t++)
    for (int64_t j = 0; j < d; j++) Ht[j * k + t] = f->H[t * d + j];
  if (f->solver == MS_NMF_HALS) nmf_hals_sweep(d, k, Ht, G, Pt, w->sweep);
  else {
    double *tmp;
    PetscCall(PetscMalloc1(d * k, &tmp));
    nmf_mu_update(d, k, Ht, G, Pt, tmp);
    PetscCall(PetscFree(tmp));
  }
  for (int64_t t = 0; t < k; t++)
    for (int64_t j = 0; j < d; j++) f->H[t * d + j] = Ht[j * k + t];
  PetscCall(PetscFree(Ht));
  PetscFunctionReturn(0);
}

static PetscErrorCode nmf_check_input(ms_dataset ds)
{
  int64_t bad = -1, badg;

  PetscFunctionBeginUser;
  for (int64_t i = 0; i < ds->n_local * ds->n_features && bad < 0; i++)
    if (!(ds->X[i] >= 0.0) || !isfinite(ds->X[i])) bad = ds->row_start * ds->n_features + i;
  if (bad < 0) bad = INT64_MAX;
  PetscCallMPI(MPI_Allreduce(&bad, &badg, 1, MPI_INT64_T, MPI_MIN, ds->comm));
  if (badg != INT64_MAX) {
    const int64_t row = badg / ds->n_features, col = badg % ds->n_features;
    SETERRQ(ds->comm, MS_ERR_USER, "nmf needs finite, non-negative values: row %lld, column '%s' is not", (long long)(row + 1),
            ds->feature_names ? ds->feature_names[col] : "?");
  }
  PetscFunctionReturn(0);
}

/* scikit-learn's NNDSVD start (Boutsidis & Gallopoulos) from the exact top-k singular
   triplets of X: V and S from the eigenvectors of the Gram matrix X^T X (d x d, summed over
   blocks in block order; its top k eigenpairs by LAPACKE dsyevr, identically on every rank),
   U = X V / S per row. The sign of a singular pair does not matter: NNDSVD picks the larger of the positive
   and negative parts of (u, v), a choice that a sign flip swaps. nndsvda then replaces the
   zeros by mean(X). */
static PetscErrorCode nmf_init_nndsvd(ms_nmf f, nmf_work *w, double mean)
{
  const int64_t k = f->k, d = f->d, width = w->rb.width;
  const double  eps = 1e-6;
  double       *G, *ev, *U, *V, *Z, *S;
  lapack_int   *isuppz, nev = 0;
  int64_t       r0 = 0;

  PetscFunctionBeginUser;
  PetscCheck(k <= d && k <= f->n, PETSC_COMM_SELF, MS_ERR_USER, "-nmf_init %s needs -nmf_n_components <= min(rows, columns) = %lld; use -nmf_init random",
             ms_nmf_init_names[f->init], (long long)PetscMin(d, f->n));
  for (int64_t b = 0; b < w->rb.n_blocks; b++) {
    PetscCall(PetscArrayzero(w->partial + b * width, width));
    if (w->rb.n_rows[b])
      cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)w->rb.n_rows[b], 1.0, w->rb.X[b], (int)d, 0.0, w->partial + b * width, (int)d);
  }
  PetscCall(ms_rowblocks_sum(&w->rb, w->partial, w->total));
  PetscCall(PetscMalloc7(d * d, &G, d, &ev, f->w_rows * k + 1, &U, k * d, &V, d * k, &Z, 2 * d, &isuppz, k, &S));
  PetscCall(PetscArraycpy(G, w->total, d * d));
  /* Only the top k eigenpairs (bisection and inverse iteration): less than half the time of
     all d eigenvectors by dsyevd at d = 500, k = 10 (18 vs 37 ms). */
  PetscCheck(LAPACKE_dsyevr(LAPACK_ROW_MAJOR, 'V', 'I', 'U', (lapack_int)d, G, (lapack_int)d, 0.0, 0.0, (lapack_int)(d - k + 1), (lapack_int)d,
                            LAPACKE_dlamch('S'), &nev, ev, Z, (lapack_int)k, isuppz) == 0 && nev == k,
             PETSC_COMM_SELF, PETSC_ERR_LIB, "nmf: the eigensolver (dsyevr) of the Gram matrix failed");
  for (int64_t j = 0; j < k; j++) { /* eigenvalues ascend: component j is column k-1-j */
    S[j] = sqrt(PetscMax(ev[k - 1 - j], 0.0));
    for (int64_t c = 0; c < d; c++) V[j * d + c] = Z[c * k + (k - 1 - j)];
  }
  for (int64_t b = 0; b < w->rb.n_blocks; b++) {
    const int64_t m = w->rb.n_rows[b];
    if (m) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)k, (int)d, 1.0, w->rb.X[b], (int)d, V, (int)d, 0.0, U + r0 * k, (int)k);
    PetscCall(PetscArrayzero(w->partial + b * width, 2 * k));
    for (int64_t i = 0; i < m; i++)
      for (int64_t j = 0; j < k; j++) {
        const double u = S[j] > 0.0 ? U[(r0 + i) * k + j] / S[j] : 0.0;
        U[(r0 + i) * k + j] = u;
        w->partial[b * width + 2 * j + (u > 0.0 ? 0 : 1)] += u * u;
      }
    r0 += m;
  }
  PetscCall(ms_rowblocks_sum_len(&w->rb, w->partial, 2 * k, w->total));
  for (int64_t j = 0; j < k; j++) {
    double yp = 0.0, yn = 0.0, lbd, xs, ys;
    int    pos;
    for (int64_t c = 0; c < d; c++) {
      if (V[j * d + c] > 0.0) yp += V[j * d + c] * V[j * d + c];
      else yn += V[j * d + c] * V[j * d + c];
    }
    const double xp = sqrt(w->total[2 * j]), xn = sqrt(w->total[2 * j + 1]);
    yp = sqrt(yp);
    yn = sqrt(yn);
    if (j == 0) { /* the leading pair has one sign: |u|, |v| scaled by sqrt(s) */
      for (int64_t c = 0; c < d; c++) f->H[c] = sqrt(S[0]) * fabs(V[c]);
      for (int64_t i = 0; i < f->w_rows; i++) f->W[i * k] = sqrt(S[0]) * fabs(U[i * k]);
      continue;
    }
    pos = xp * yp > xn * yn;
    lbd = sqrt(S[j] * (pos ? xp * yp : xn * yn));
    xs = pos ? xp : xn;
    ys = pos ? yp : yn;
    for (int64_t c = 0; c < d; c++) {
      const double v = pos ? PetscMax(V[j * d + c], 0.0) : fabs(PetscMin(V[j * d + c], 0.0));
      f->H[j * d + c] = ys > 0.0 ? lbd * v / ys : 0.0;
    }
    for (int64_t i = 0; i < f->w_rows; i++) {
      const double u = pos ? PetscMax(U[i * k + j], 0.0) : fabs(PetscMin(U[i * k + j], 0.0));
      f->W[i * k + j] = xs > 0.0 ? lbd * u / xs : 0.0;
    }
  }
  for (int64_t i = 0; i < k * d; i++)
    if (f->H[i] < eps) f->H[i] = f->init == MS_NMF_INIT_NNDSVDA ? mean : 0.0;
  for (int64_t i = 0; i < f->w_rows * k; i++)
    if (f->W[i] < eps) f->W[i] = f->init == MS_NMF_INIT_NNDSVDA ? mean : 0.0;
  PetscCall(PetscFree7(G, ev, U, V, Z, isuppz, S));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_nmf_fit(ms_nmf f, ms_dataset ds)
{
  const int64_t k = f->k, d = ds->n_features;
  nmf_work      w = {0};
  int64_t       first = 0, maxrows = 0, r0 = 0;
  double        G[1024], *Gp = G, mean, avg, prev;
  ms_rng        rng;

  PetscFunctionBeginUser;
  PetscCheck(ds->n_global >= 1 && d >= 1, ds->comm, MS_ERR_USER, "nmf: the table is empty");
  PetscCall(nmf_check_input(ds));
  PetscCall(PetscFree(f->H));
  PetscCall(PetscFree(f->W));
  f->n = ds->n_global;
  f->d = d;
  /* One partial per block serves every reduction: W^T W and W^T X, or the Gram matrix. */
  PetscCall(ms_rowblocks_create(ds, PetscMax(k * k + k * d, f->init == MS_NMF_INIT_RANDOM ? 2 * k : d * d), &w.rb));
  PetscCallMPI(MPI_Exscan(&w.rb.n_blocks, &first, 1, MPI_INT64_T, MPI_SUM, ds->comm));
  if (ds->replicated) first = 0;
  f->w_row_start = first * w.rb.block;
  f->w_rows = 0;
  for (int64_t b = 0; b < w.rb.n_blocks; b++) {
    f->w_rows += w.rb.n_rows[b];
    maxrows = PetscMax(maxrows, w.rb.n_rows[b]);
  }
  PetscCall(PetscMalloc2(w.rb.n_blocks * w.rb.width + 1, &w.partial, w.rb.width, &w.total));
  w.chunk = nmf_chunk_rows(d);
  maxrows = PetscMin(maxrows, w.chunk); /* the scratch holds one chunk */
  PetscCall(PetscMalloc3(maxrows * k + 1, &w.P, maxrows * PetscMax(d, k) + 1, &w.tmp, NMF_SWEEP_ROWS * (k + 1), &w.sweep));
  if (k * k > 1024) PetscCall(PetscMalloc1(k * k, &Gp));

  /* Start: |N(0,1)| sqrt(mean(X)/k), streams by global row (scikit-learn's init="random"). */
  for (int64_t b = 0; b < w.rb.n_blocks; b++) {
    double s = 0.0;
    for (int64_t i = 0; i < w.rb.n_rows[b] * d; i++) s += w.rb.X[b][i];
    w.partial[b * w.rb.width] = s;
  }
  PetscCall(ms_rowblocks_sum_len(&w.rb, w.partial, 1, w.total));
  mean = w.total[0] / ((double)f->n * (double)d);
  avg = sqrt(mean / (double)k);
  PetscCall(PetscMalloc1(k * d, &f->H));
  PetscCall(PetscMalloc1(f->w_rows * k + 1, &f->W));
  if (f->init == MS_NMF_INIT_RANDOM) {
    ms_rng_init(&rng, f->seed, 0);
    for (int64_t i = 0; i < k * d; i++) f->H[i] = avg * fabs(ms_rng_normal(&rng));
    for (int64_t i = 0; i < f->w_rows; i++) {
      ms_rng_init(&rng, f->seed, (uint64_t)(1 + f->w_row_start + i));
      for (int64_t t = 0; t < k; t++) f->W[i * k + t] = avg * fabs(ms_rng_normal(&rng));
    }
  } else PetscCall(nmf_init_nndsvd(f, &w, mean));
  PetscCall(nmf_error(f, &w, &f->initial_err));
  prev = f->initial_err;
  for (f->n_iter = 1; f->n_iter <= f->max_iter; f->n_iter++) {
    /* W: G = H H^T is replicated; each block's rows update alone. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)d, 1.0, f->H, (int)d, f->H, (int)d, 0.0, Gp, (int)k);
    r0 = 0;
    for (int64_t b = 0; b < w.rb.n_blocks; b++) {
      nmf_block_step(f, &w, b, f->W + r0 * k, Gp);
      r0 += w.rb.n_rows[b];
    }
    PetscCall(nmf_update_h(f, &w));
    if (f->n_iter % 10 == 0 && f->tol > 0.0) {
      double e;
      PetscCall(nmf_error(f, &w, &e));
      if ((prev - e) / f->initial_err < f->tol) break;
      prev = e;
    }
  }
  f->n_iter = PetscMin(f->n_iter, f->max_iter);
  PetscCall(nmf_error(f, &w, &f->reconstruction_err));
  if (Gp != G) PetscCall(PetscFree(Gp));
  PetscCall(PetscFree2(w.partial, w.total));
  PetscCall(PetscFree3(w.P, w.tmp, w.sweep));
  PetscCall(ms_rowblocks_destroy(&w.rb));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_nmf_transform(ms_nmf f, int64_t n, const double *X, double *W)
{
  const int64_t k = f->k, d = f->d;
  double       *G, *P, *tmp, *sweep, s = 0.0;

  PetscFunctionBeginUser;
  PetscCheck(f->H, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "nmf: transform before fit");
  for (int64_t i = 0; i < k * d; i++) s += f->H[i];
  PetscCall(PetscMalloc4(k * k, &G, n * k + 1, &P, n * PetscMax(d, k) + 1, &tmp, NMF_SWEEP_ROWS * (k + 1), &sweep));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)d, 1.0, f->H, (int)d, f->H, (int)d, 0.0, G, (int)k);
  /* Start every row at the same positive constant (scikit-learn's transform does likewise),
     so the weights of a row depend on that row alone. */
  for (int64_t i = 0; i < n * k; i++) W[i] = s > 0.0 ? 1.0 / (double)k : 0.0;
  for (int64_t it = 0; it < f->max_iter; it++) nmf_update_w(f, n, X, W, G, P, tmp, sweep);
  PetscCall(PetscFree4(G, P, tmp, sweep));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_nmf_save(ms_nmf f, hid_t g)
{
  PetscFunctionBeginUser;
  PetscCall(ms_h5_write_rows_double(g, "components", f->k, 0, f->k, f->d, f->H));
  PetscCall(ms_h5_attr_set_int(g, "n_components", f->k));
  PetscCall(ms_h5_attr_set_string(g, "solver", ms_nmf_solver_names[f->solver]));
  PetscCall(ms_h5_attr_set_string(g, "init", ms_nmf_init_names[f->init]));
  PetscCall(ms_h5_attr_set_int(g, "max_iter", f->max_iter));
  PetscCall(ms_h5_attr_set_double(g, "tol", f->tol));
  PetscCall(ms_h5_attr_set_int(g, "seed", (int64_t)f->seed));
  PetscCall(ms_h5_attr_set_int(g, "n_iter", f->n_iter));
  PetscCall(ms_h5_attr_set_double(g, "reconstruction_err", f->reconstruction_err));
  PetscCall(ms_h5_attr_set_double(g, "initial_err", f->initial_err));
  PetscFunctionReturn(0);
}
