/* kan_test_data.h - the KAN C tests' data: n rows of (x1, x2) uniform on [-1, 1]^2 from
 * ms_rng(21, stream) and y = sin(pi x1) + x2^2 (one edge per input can represent it). */
#ifndef KAN_TEST_DATA_H
#define KAN_TEST_DATA_H
#include "ms_rng.h"
#include <math.h>

static inline void kan_test_truth(int64_t n, uint64_t stream, double *X, double *y)
{
  ms_rng r;
  ms_rng_init(&r, 21, stream);
  for (int64_t i = 0; i < n; i++) {
    X[2 * i]     = 2.0 * ms_rng_uniform(&r) - 1.0;
    X[2 * i + 1] = 2.0 * ms_rng_uniform(&r) - 1.0;
    y[i]         = sin(PETSC_PI * X[2 * i]) + X[2 * i + 1] * X[2 * i + 1];
  }
}
#endif
