/* nmf_gemm_probe.c - which BLAS layout and row chunking makes one NMF iteration fastest?
 * (issue 10 point 5: ms_nmf's fit against scikit-learn's NMF, 10,000 x 500, k = 10).
 *
 * One iteration of ml/ms_nmf.c's W half: per row block of B rows, P = X_b H^T, the HALS sweep
 * of W_b's rows, then the block's H partial W_b^T W_b and W_b^T X_b. Variants:
 *   block    one dgemm per block for each product (ms_nmf.c before this probe);
 *   chunk C  the block cut into chunks of C rows processed in turn (P, sweep, partial += ...),
 *            so that X_c is still in L2 when the second product reads it;
 *   partial  W_c^T X_c (k x d) or X_c^T W_c (d x k, the layout the H update works in), or
 *            "dgemv": both products as k dgemv calls each on the cached chunk (no packing);
 *   serp     odd iterations visit the blocks in reverse, so the last blocks are still in L3;
 *   vsweep   the HALS sweep vectorised across rows (ms_nmf.c's), else row by row (k <= 64);
 *   pf       X_c^T W_c in 4 slices of X's columns, a quarter of the next chunk prefetched after
 *            each (to overlap the next chunk's memory reads with this chunk's product).
 * Prints one JSON line per variant: CPU milliseconds per iteration, the best of R rounds of 4
 * iterations, the variants interleaved round robin (the machine is shared).
 *
 *   gcc -O3 -o /tmp/nmf_probe benchmarks/ml/nmf_gemm_probe.c -lopenblas -lm   (-O3: the Release flags)
 *   OPENBLAS_NUM_THREADS=1 nice -n 19 /tmp/nmf_probe 10000 500 10 596 20
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void sweep(long m, long k, double *A, const double *G, const double *P, long ps_row, long ps_col)
{
  for (long t = 0; t < k; t++) {
    const double hess = G[t * k + t];
    for (long i = 0; i < m; i++) {
      double grad = -P[i * ps_row + t * ps_col];
      for (long r = 0; r < k; r++) grad += G[t * k + r] * A[i * k + r];
      A[i * k + t] = fmax(A[i * k + t] - grad / hess, 0.0);
    }
  }
}

/* ms_nmf.c's sweep: the same arithmetic per row, 32 rows at a time through a component-major
   copy so that the compiler vectorises across rows. */
static void sweep_t(long m, long k, double *restrict A, const double *restrict G, const double *restrict P)
{
  double At[32 * 64], grad[32];
  for (long i0 = 0; i0 < m; i0 += 32) {
    const long mr = m - i0 < 32 ? m - i0 : 32;
    for (long i = 0; i < mr; i++)
      for (long r = 0; r < k; r++) At[r * 32 + i] = A[(i0 + i) * k + r];
    for (long t = 0; t < k; t++) {
      const double hess = G[t * k + t];
      for (long i = 0; i < mr; i++) grad[i] = -P[(i0 + i) * k + t];
      for (long r = 0; r < k; r++)
        for (long i = 0; i < mr; i++) grad[i] += G[t * k + r] * At[r * 32 + i];
      for (long i = 0; i < mr; i++) At[t * 32 + i] = fmax(At[t * 32 + i] - grad[i] / hess, 0.0);
    }
    for (long i = 0; i < mr; i++)
      for (long r = 0; r < k; r++) A[(i0 + i) * k + r] = At[r * 32 + i];
  }
}

/* One iteration's W half over all blocks. chunk = 0: one dgemm per block for each product (the
   old code); tr: the partial as X_c^T W_c (d x k) instead of W_c^T X_c (k x d); serp: odd
   iterations visit the blocks last to first (the end of X is then still in L3). */
static void iteration(long n, long d, long k, long B, long chunk, int tr, int reverse, int vsweep, int pf, const double *X, const double *H, double *W, const double *G,
                      double *P, double *part)
{
  const long nb = (n + B - 1) / B;
  for (long bb = 0; bb < nb; bb++) {
    const long    b = reverse ? nb - 1 - bb : bb, m = b + 1 < nb ? B : n - b * B, c = chunk ? chunk : m;
    double       *pb = part + b * (k * k + k * d), *Wb = W + b * B * k;
    const double *Xb = X + b * B * d;
    for (long i0 = 0; i0 < m; i0 += c) {
      const long    mc = i0 + c <= m ? c : m - i0;
      const double *Xc = Xb + i0 * d;
      double       *Wc = Wb + i0 * k;
      if (tr == 2) /* level 2: one dgemv per component, X_c read k times from cache, never packed */
        for (long t = 0; t < k; t++) cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)mc, (int)d, 1.0, Xc, (int)d, H + t * d, 1, 0.0, P + t, (int)k);
      else cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)mc, (int)k, (int)d, 1.0, Xc, (int)d, H, (int)d, 0.0, P, (int)k);
      if (vsweep) sweep_t(mc, k, Wc, G, P);
      else sweep(mc, k, Wc, G, P, k, 1);
      if (tr == 2)
        for (long t = 0; t < k; t++)
          cblas_dgemv(CblasRowMajor, CblasTrans, (int)mc, (int)d, 1.0, Xc, (int)d, Wc + t, (int)k, i0 ? 1.0 : 0.0, pb + k * k + t, (int)k);
      else if (tr && pf) { /* the product in 4 slices of X's columns, a quarter of the next chunk prefetched after each */
        const char *nx = (const char *)(Xc + mc * d), *end = (const char *)(X + n * d);
        const long  q = (long)(mc * d * sizeof(double)) / 4;
        for (long sl = 0; sl < 4; sl++) {
          const long j0 = d * sl / 4, j1 = d * (sl + 1) / 4;
          cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)(j1 - j0), (int)k, (int)mc, 1.0, Xc + j0, (int)d, Wc, (int)k, i0 ? 1.0 : 0.0,
                      pb + k * k + j0 * k, (int)k);
          for (const char *a = nx + sl * q; a < nx + (sl + 1) * q && a < end; a += 64) __builtin_prefetch(a, 0, 3);
        }
      } else if (tr) cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)d, (int)k, (int)mc, 1.0, Xc, (int)d, Wc, (int)k, i0 ? 1.0 : 0.0, pb + k * k, (int)k);
      else cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)d, (int)mc, 1.0, Wc, (int)k, Xc, (int)d, i0 ? 1.0 : 0.0, pb + k * k, (int)d);
    }
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)m, 1.0, Wb, (int)k, Wb, (int)k, 0.0, pb, (int)k);
  }
}

int main(int argc, char **argv)
{
  const long n = argc > 1 ? atol(argv[1]) : 10000, d = argc > 2 ? atol(argv[2]) : 500, k = argc > 3 ? atol(argv[3]) : 10;
  const long B = argc > 4 ? atol(argv[4]) : 596, reps = argc > 5 ? atol(argv[5]) : 20, iters = 4;
  /* variants: chunk rows (0 = whole block), transposed partial, serpentine block order */
  const struct { long chunk; int tr, serp, vsweep, pf; } V[] = {{0, 0, 0, 0, 0},  {0, 1, 0, 0, 0},  {32, 1, 0, 0, 0}, {48, 1, 0, 0, 0}, {64, 1, 0, 0, 0},
                                                                {96, 1, 0, 0, 0}, {48, 0, 0, 0, 0}, {48, 1, 1, 0, 0}, {64, 1, 1, 0, 0}, {48, 1, 0, 1, 0},
                                                                {0, 0, 0, 1, 0},  {16, 2, 0, 1, 0}, {48, 2, 0, 1, 0}, {48, 1, 0, 1, 1}, {64, 1, 0, 1, 1}};
  const int nv = (int)(sizeof V / sizeof V[0]);
  const long nb = (n + B - 1) / B;
  double *X = malloc(sizeof(double) * n * d), *H = malloc(sizeof(double) * k * d), *W = malloc(sizeof(double) * n * k), *W0 = malloc(sizeof(double) * n * k);
  double *G = malloc(sizeof(double) * k * k), *P = malloc(sizeof(double) * B * k), *part = malloc(sizeof(double) * nb * (k * k + k * d));
  double  best[16];

  srand(1);
  for (long i = 0; i < n * d; i++) X[i] = (double)rand() / RAND_MAX;
  for (long i = 0; i < k * d; i++) H[i] = (double)rand() / RAND_MAX;
  for (long i = 0; i < n * k; i++) W0[i] = (double)rand() / RAND_MAX;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)k, (int)k, (int)d, 1.0, H, (int)d, H, (int)d, 0.0, G, (int)k);
  for (int v = 0; v < nv; v++) best[v] = 1e30;
  /* Round robin over the variants, best of reps: a shared machine's load drifts slowly. */
  for (long rep = 0; rep < reps; rep++)
    for (int v = 0; v < nv; v++) {
      memcpy(W, W0, sizeof(double) * n * k);
      double t0 = cpu();
      for (long it = 0; it < iters; it++) iteration(n, d, k, B, V[v].chunk, V[v].tr, V[v].serp && it % 2, V[v].vsweep, V[v].pf, X, H, W, G, P, part);
      best[v] = fmin(best[v], (cpu() - t0) / (double)iters);
    }
  for (int v = 0; v < nv; v++)
    printf("{\"chunk\": %ld, \"partial\": \"%s\", \"serpentine\": %d, \"vector_sweep\": %d, \"prefetch\": %d, \"block\": %ld, \"ms_per_iter\": %.3f, "
           "\"gflops\": %.1f}\n",
           V[v].chunk, V[v].tr == 2 ? "dgemv" : V[v].tr ? "XtW" : "WtX", V[v].serp, V[v].vsweep, V[v].pf, B, 1e3 * best[v], 4.0 * (double)n * (double)d * (double)k / best[v] * 1e-9);
  return 0;
}
