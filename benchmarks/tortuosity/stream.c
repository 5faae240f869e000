/* stream.c - STREAM-like memory bandwidth of this machine, the floor for the tortuosity solver
 * (a stencil CG + multigrid solve is bandwidth-bound: benchmarks/RESULTS.md, "Tortuosity at the
 * floor").
 *
 * The four kernels of McCalpin's STREAM on arrays much larger than the caches, every rank
 * running its own arrays at once (MPI_Barrier before each pass), so the figure is the
 * aggregate bandwidth that P ranks of a solver can draw together:
 *   copy  c = a          2 words moved per element
 *   scale b = s c        2
 *   add   c = a + b      3
 *   triad a = b + s c    3
 * Bytes follow STREAM's convention (no write-allocate traffic: a store that misses also reads
 * the line unless the compiler emits streaming stores, so the hardware may move up to 1.5x
 * (copy, scale) or 1.33x (add, triad) more). Rate = bytes of all ranks / the slowest rank's
 * time, best of -ntimes passes (the first pass is warm-up and not counted, as in STREAM).
 * cpu_rate divides by the slowest rank's CPU seconds instead of wall seconds: on a shared,
 * loaded machine wall time includes time slices lost to other processes, CPU time does not.
 *
 * usage: mpiexec -n P bench_stream [-n ELEMENTS_PER_RANK] [-ntimes K]
 * Output: one JSON object per kernel on rank 0's stdout.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Kernels in separate non-inlined functions so the compiler cannot fuse or drop passes. */
__attribute__((noinline)) static void k_copy(double *restrict c, const double *restrict a, long n)
{
  for (long i = 0; i < n; i++) c[i] = a[i];
}
__attribute__((noinline)) static void k_scale(double *restrict b, const double *restrict c, double s, long n)
{
  for (long i = 0; i < n; i++) b[i] = s * c[i];
}
__attribute__((noinline)) static void k_add(double *restrict c, const double *restrict a, const double *restrict b, long n)
{
  for (long i = 0; i < n; i++) c[i] = a[i] + b[i];
}
__attribute__((noinline)) static void k_triad(double *restrict a, const double *restrict b, const double *restrict c, double s, long n)
{
  for (long i = 0; i < n; i++) a[i] = b[i] + s * c[i];
}

int main(int argc, char **argv)
{
  long   n      = 20000000; /* 160 MB per array, 480 MB per rank: >> any L3 */
  int    ntimes = 10, rank, size;
  double s      = 3.0;

  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-n") && i + 1 < argc) n = atol(argv[++i]);
    else if (!strcmp(argv[i], "-ntimes") && i + 1 < argc) ntimes = atoi(argv[++i]);
    else {
      if (!rank) fprintf(stderr, "bench_stream: unknown argument '%s' (usage: bench_stream [-n ELEMENTS_PER_RANK] [-ntimes K])\n", argv[i]);
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }
  if (n < 1000 || ntimes < 2) {
    if (!rank) fprintf(stderr, "bench_stream: -n %ld must be >= 1000 and -ntimes %d >= 2\n", n, ntimes);
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b), *c = malloc((size_t)n * sizeof *c);
  if (!a || !b || !c) {
    fprintf(stderr, "bench_stream: rank %d cannot allocate 3 x %ld doubles\n", rank, n);
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  for (long i = 0; i < n; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.0; } /* first touch: pages on this rank's node */

  static const char *name[4]  = {"copy", "scale", "add", "triad"};
  static const int   words[4] = {2, 2, 3, 3};
  double best[4], bestcpu[4], sum[4];
  for (int k = 0; k < 4; k++) best[k] = bestcpu[k] = 1e30, sum[k] = 0;
  for (int it = 0; it < ntimes; it++)
    for (int k = 0; k < 4; k++) {
      MPI_Barrier(MPI_COMM_WORLD);
      double t0 = MPI_Wtime(), c0 = cpu_now();
      switch (k) {
      case 0: k_copy(c, a, n); break;
      case 1: k_scale(b, c, s, n); break;
      case 2: k_add(c, a, b, n); break;
      default: k_triad(a, b, c, s, n); break;
      }
      double tw[2] = {MPI_Wtime() - t0, cpu_now() - c0};
      MPI_Allreduce(MPI_IN_PLACE, tw, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (it == 0) continue; /* warm-up */
      if (tw[0] < best[k]) best[k] = tw[0];
      if (tw[1] < bestcpu[k]) bestcpu[k] = tw[1];
      sum[k] += tw[0];
    }
  /* Check the arrays against the recurrence so that the passes cannot have been skipped. */
  double ea = 1.0, eb = 2.0, ec = 0.0;
  for (int it = 0; it < ntimes; it++) {
    ec = ea;
    eb = s * ec;
    ec = ea + eb;
    ea = eb + s * ec;
  }
  int bad = 0;
  for (long i = 0; i < n; i += n / 1000)
    if (a[i] != ea || b[i] != eb || c[i] != ec) bad = 1;
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (bad) {
    if (!rank) fprintf(stderr, "bench_stream: array contents disagree with the kernels' recurrence\n");
    MPI_Abort(MPI_COMM_WORLD, 4);
  }
  if (!rank)
    for (int k = 0; k < 4; k++) {
      double bytes = (double)words[k] * sizeof(double) * (double)n * size;
      printf("{\"bench\": \"stream\", \"kernel\": \"%s\", \"ranks\": %d, \"elements_per_rank\": %ld, \"ntimes\": %d, "
             "\"bytes\": %.0f, \"best_s\": %.6f, \"avg_s\": %.6f, \"rate_GBps\": %.3f, \"cpu_rate_GBps\": %.3f}\n",
             name[k], size, n, ntimes, bytes, best[k], sum[k] / (ntimes - 1), bytes / best[k] * 1e-9, bytes / bestcpu[k] * 1e-9);
    }
  free(a);
  free(b);
  free(c);
  MPI_Finalize();
  return 0;
}
