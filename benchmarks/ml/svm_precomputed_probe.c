/* svm_precomputed_probe.c - would libsvm train faster on a PRECOMPUTED kernel than on its sparse
 * svm_node rows? (issue 10 point 5: the svm model's fit against scikit-learn's dense libsvm).
 *
 * Same problem as bench_ml.py's svm cases (n x 20 Gaussian rows, labels = a noisy linear score
 * above its median; rows grouped by class as ml/models/svm.c orders them; C = 1, tol 1e-3,
 * 200 MB cache, shrinking), trained twice by Debian's libsvm: on sparse rows (what svm.c does)
 * and on kernel_type PRECOMPUTED (K by one BLAS dgemm, exp for RBF, rows [0: serial], K(i, 1..n)).
 * Prints one JSON line per variant: CPU seconds of building the input and of svm_train, the
 * support vector count and rho (equal for both: same solver, same kernel to rounding).
 *
 *   gcc -O2 -o /tmp/svm_probe benchmarks/ml/svm_precomputed_probe.c -lsvm -lopenblas -lm
 *   OPENBLAS_NUM_THREADS=1 /tmp/svm_probe 5000 linear; OPENBLAS_NUM_THREADS=1 /tmp/svm_probe 5000 rbf
 */
#include <cblas.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void   quiet(const char *s) { (void)s; }
static double cpu(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double gauss(void)
{
  const double u = (rand() + 1.0) / (RAND_MAX + 2.0), v = (rand() + 1.0) / (RAND_MAX + 2.0);
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}
/* Train on the prepared problem, print one JSON line, free the model and the node storage. */
static void train_report(const struct svm_problem *pr, const struct svm_parameter *p, const char *kernel, const char *input,
                         double build_s, struct svm_node *storage)
{
  const double       t0 = cpu();
  struct svm_model *m = svm_train(pr, p);
  const double       t1 = cpu();
  printf("{\"probe\": \"svm_precomputed\", \"kernel\": \"%s\", \"n\": %d, \"input\": \"%s\", \"build_cpu_s\": %.4f, \"train_cpu_s\": %.4f, \"nSV\": %d, \"rho\": %.12g}\n",
         kernel, pr->l, input, build_s, t1 - t0, m->l, m->rho[0]);
  svm_free_and_destroy_model(&m);
  free(storage);
}
static int cmp(const void *a, const void *b) { const double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv)
{
  const int n = argc > 1 ? atoi(argv[1]) : 5000, d = 20, rbf = argc > 2 && !strcmp(argv[2], "rbf");
  double   *X = malloc(sizeof(double) * n * d), *Xs = malloc(sizeof(double) * n * d), w[20], *t = malloc(sizeof(double) * n),
         *ts = malloc(sizeof(double) * n), *sq = malloc(sizeof(double) * n), *G, med;
  int                 *o = malloc(sizeof(int) * n), q = 0;
  struct svm_problem   pr;
  struct svm_parameter p = {0};
  struct svm_node     *nd, *z;

  srand(1);
  for (int i = 0; i < n * d; i++) X[i] = gauss();
  for (int j = 0; j < d; j++) w[j] = gauss();
  for (int i = 0; i < n; i++) {
    t[i] = 0.3 * gauss();
    for (int j = 0; j < d; j++) t[i] += X[i * d + j] * w[j];
  }
  memcpy(ts, t, sizeof(double) * n);
  qsort(ts, n, sizeof(double), cmp);
  med = ts[n / 2];
  for (int c = 0; c < 2; c++)
    for (int i = 0; i < n; i++)
      if ((t[i] >= med) == c) o[q++] = i;
  pr.l = n;
  pr.y = malloc(sizeof(double) * n);
  pr.x = malloc(sizeof(struct svm_node *) * n);
  for (int i = 0; i < n; i++) {
    pr.y[i] = t[o[i]] >= med;
    memcpy(Xs + (size_t)i * d, X + (size_t)o[i] * d, sizeof(double) * d);
  }
  p.svm_type = C_SVC;
  p.kernel_type = rbf ? RBF : LINEAR;
  p.gamma = 1.0 / d; /* "scale" on unit-variance rows */
  p.cache_size = 200;
  p.eps = 1e-3;
  p.C = 1;
  p.shrinking = 1;
  svm_set_print_string_function(quiet);

  for (int rep = 0; rep < 2; rep++) {
    double t0 = cpu();
    z = nd = malloc(sizeof(struct svm_node) * (size_t)n * (d + 1));
    for (int i = 0; i < n; i++) {
      pr.x[i] = z;
      for (int j = 0; j < d; j++) *z++ = (struct svm_node){j + 1, Xs[(size_t)i * d + j]};
      *z++ = (struct svm_node){-1, 0};
    }
    train_report(&pr, &p, rbf ? "rbf" : "linear", "sparse", cpu() - t0, nd);

    t0 = cpu();
    G = malloc(sizeof(double) * (size_t)n * n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, n, d, 1.0, Xs, d, Xs, d, 0.0, G, n);
    for (int i = 0; i < n; i++) sq[i] = G[(size_t)i * n + i];
    z = nd = malloc(sizeof(struct svm_node) * (size_t)n * (n + 2));
    for (int i = 0; i < n; i++) {
      const double *g = G + (size_t)i * n;
      pr.x[i] = z;
      *z++ = (struct svm_node){0, i + 1};
      for (int j = 0; j < n; j++) *z++ = (struct svm_node){j + 1, rbf ? exp(-p.gamma * (sq[i] + sq[j] - 2.0 * g[j])) : g[j]};
      *z++ = (struct svm_node){-1, 0};
    }
    free(G);
    {
      struct svm_parameter pp = p;
      pp.kernel_type = PRECOMPUTED;
      train_report(&pr, &pp, rbf ? "rbf" : "linear", "precomputed", cpu() - t0, nd);
    }
  }
  free(X); free(Xs); free(t); free(ts); free(sq); free(o); free(pr.x); free(pr.y);
  return 0;
}
