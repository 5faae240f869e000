/* xgb_cold_probe.c - where an XGBoost fit's CPU time goes, first fit of a process (cold heap)
 * against later fits in the same process (warm), through the C API calls ml/models/xgb.c makes:
 * XGDMatrixCreateFromDense on the doubles in place + float labels, XGBoosterCreate, the
 * parameters of `matscreen train -model xgb` (hist, eta 0.1, depth 3, 1 thread), 100 x
 * XGBoosterUpdateOneIter. It separates the cost matscreen's fresh process pays (page faults of
 * the DMatrix, sketch and histogram buffers) from XGBoost's own work, which the Python peer
 * timed warm (best of 3 in one interpreter) does not pay.
 *
 * Build and run (rows from the bench's regression_100000_20.h5 as raw float64, X.bin n x d
 * row-major and y.bin n):
 *   gcc -O2 benchmarks/ml/xgb_cold_probe.c -o /tmp/xgb_cold_probe -lxgboost
 *   OMP_NUM_THREADS=1 /tmp/xgb_cold_probe X.bin y.bin 100000 20 3
 * Prints one line per fit: CPU seconds of the DMatrix (+ labels), of the first boosting round
 * (the quantile sketch and first tree) and of rounds 2-100, and a hash of the JSON model (the
 * same for every fit: identical trees). */
#include <xgboost/c_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double cpu_seconds(void)
{
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

#define CK(call)                                              \
  do {                                                        \
    if ((call) != 0) {                                        \
      fprintf(stderr, "XGBoost: %s\n", XGBGetLastError());    \
      exit(1);                                                \
    }                                                         \
  } while (0)

static double *read_doubles(const char *path, size_t count)
{
  double *v = malloc(sizeof(double) * count);
  FILE   *f = fopen(path, "rb");
  if (!v || !f || fread(v, sizeof(double), count, f) != count) {
    fprintf(stderr, "cannot read %zu doubles from %s\n", count, path);
    exit(1);
  }
  fclose(f);
  return v;
}

int main(int argc, char **argv)
{
  if (argc != 6) {
    fprintf(stderr, "usage: %s X.bin y.bin n d fits\n", argv[0]);
    return 2;
  }
  const long n = atol(argv[3]), d = atol(argv[4]), fits = atol(argv[5]);
  double    *X = read_doubles(argv[1], (size_t)(n * d)), *y = read_doubles(argv[2], (size_t)n);
  const char *kv[][2] = {{"booster", "gbtree"}, {"verbosity", "0"}, {"tree_method", "hist"}, {"eta", "0.1"},
                         {"max_depth", "3"},    {"nthread", "1"},   {"objective", "reg:squarederror"}};

  for (long r = 0; r < fits; r++) {
    char          ai[200];
    DMatrixHandle dm;
    BoosterHandle b;
    bst_ulong     len;
    const char   *json;
    unsigned long hash = 0;
    float        *lab = malloc(sizeof(float) * (size_t)n);
    double        c0 = cpu_seconds(), c1, c2, c3;

    snprintf(ai, sizeof ai, "{\"data\": [%lu, true], \"shape\": [%ld, %ld], \"typestr\": \"<f8\", \"version\": 3}",
             (unsigned long)(uintptr_t)X, n, d);
    CK(XGDMatrixCreateFromDense(ai, "{\"missing\": NaN, \"nthread\": 1}", &dm));
    for (long i = 0; i < n; i++) lab[i] = (float)y[i];
    CK(XGDMatrixSetFloatInfo(dm, "label", lab, (bst_ulong)n));
    free(lab);
    c1 = cpu_seconds();
    CK(XGBoosterCreate(&dm, 1, &b));
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) CK(XGBoosterSetParam(b, kv[i][0], kv[i][1]));
    CK(XGBoosterUpdateOneIter(b, 0, dm));
    c2 = cpu_seconds();
    for (int it = 1; it < 100; it++) CK(XGBoosterUpdateOneIter(b, it, dm));
    c3 = cpu_seconds();
    CK(XGBoosterSaveModelToBuffer(b, "{\"format\": \"json\"}", &len, &json));
    for (bst_ulong i = 0; i < len; i++) hash = hash * 31 + (unsigned char)json[i];
    printf("fit %ld: dmatrix %.3f s  round 1 %.3f s  rounds 2-100 %.3f s  total %.3f s CPU  model %lx\n", r + 1, c1 - c0, c2 - c1,
           c3 - c2, c3 - c0, hash);
    XGBoosterFree(b);
    XGDMatrixFree(dm);
  }
  free(X);
  free(y);
  return 0;
}
