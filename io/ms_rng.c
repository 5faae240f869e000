/* ms_rng.c - xoshiro256** with SplitMix64 seeding; see ms_rng.h for why it is ours. */
#include "ms_rng.h"
#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void ms_rng_init(ms_rng *r, uint64_t seed, uint64_t stream)
{
  /* Mix seed and stream through SplitMix64 twice so nearby (seed, stream) pairs differ
     in every state word. */
  uint64_t x = seed;
  uint64_t a = splitmix64(&x);
  x = a ^ (stream * 0xd1b54a32d192ed03ULL + 0x8cb92ba72f3d8dd7ULL);
  for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
  if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1; /* all-zero state is absorbing */
}

uint64_t ms_rng_u64(ms_rng *r)
{
  uint64_t *s = r->s;
  const uint64_t result = rotl(s[1] * 5, 7) * 9;
  const uint64_t t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double ms_rng_uniform(ms_rng *r) { return (double)(ms_rng_u64(r) >> 11) * 0x1.0p-53; }

double ms_rng_normal(ms_rng *r)
{
  double u1;
  do { u1 = ms_rng_uniform(r); } while (u1 <= 0.0);
  const double u2 = ms_rng_uniform(r);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

uint64_t ms_rng_below(ms_rng *r, uint64_t n)
{
  if (n <= 1) return 0;
  /* Lemire's rejection keeps the result unbiased for any n. */
  const uint64_t limit = -n % n;
  uint64_t x;
  do { x = ms_rng_u64(r); } while (x < limit);
  return x % n;
}

void ms_rng_shuffle(ms_rng *r, int64_t n, int64_t *idx)
{
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = (int64_t)ms_rng_below(r, (uint64_t)i + 1);
    int64_t t = idx[i]; idx[i] = idx[j]; idx[j] = t;
  }
}
