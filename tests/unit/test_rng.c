/* Random streams: reproducible per (seed, stream), distinct across streams, and with the
 * moments of the distributions they claim (tolerances are 6 standard errors). */
#include "ms_rng.h"
#include "ms_test.h"

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  ms_rng a, b, c;
  ms_rng_init(&a, 42, 7);
  ms_rng_init(&b, 42, 7);
  ms_rng_init(&c, 42, 8);
  int same = 1, differ = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t x = ms_rng_u64(&a), y = ms_rng_u64(&b), z = ms_rng_u64(&c);
    same &= x == y;
    differ += x != z;
  }
  MS_CHECK(same);
  MS_CHECK(differ == 1000);

  const int N = 1000000;
  double    s = 0, s2 = 0, n1 = 0, n2 = 0;
  long      hist[10] = {0};
  ms_rng_init(&a, 1, 0);
  for (int i = 0; i < N; i++) {
    double u = ms_rng_uniform(&a);
    MS_CHECK(u >= 0 && u < 1);
    s += u;
    s2 += u * u;
    double g = ms_rng_normal(&a);
    n1 += g;
    n2 += g * g;
    hist[ms_rng_below(&a, 10)]++;
  }
  MS_CHECK_CLOSE(s / N, 0.5, 0, 6 * sqrt(1.0 / 12 / N));
  MS_CHECK_CLOSE(s2 / N - (s / N) * (s / N), 1.0 / 12, 0, 6 * sqrt(1.0 / 180 / N));
  MS_CHECK_CLOSE(n1 / N, 0.0, 0, 6 / sqrt((double)N));
  MS_CHECK_CLOSE(n2 / N, 1.0, 0, 6 * sqrt(2.0 / N));
  double chi2 = 0; /* 9 degrees of freedom: P(chi2 > 33.7) < 1e-4 */
  for (int k = 0; k < 10; k++) chi2 += (hist[k] - N / 10.0) * (hist[k] - N / 10.0) / (N / 10.0);
  MS_CHECK(chi2 < 33.7);

  int64_t idx[100];
  for (int i = 0; i < 100; i++) idx[i] = i;
  ms_rng_shuffle(&a, 100, idx);
  long sum = 0, moved = 0;
  for (int i = 0; i < 100; i++) { sum += idx[i]; moved += idx[i] != i; }
  MS_CHECK(sum == 4950 && moved > 50);
  MS_TEST_END("test_rng");
}
