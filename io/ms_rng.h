/* ms_rng.h - reproducible random streams.
 *
 * Every random stream in matscreen is keyed by (user seed, stream index), where the stream
 * index names a task (structure number, tree number, fold repeat, optimiser restart),
 * never a rank. So the same seed gives the same structures, forests, folds and
 * suggestions on any number of ranks.
 *
 * Generator: xoshiro256** (Blackman & Vigna), state seeded by SplitMix64 from a hash of
 * (seed, stream). Not cryptographic. Period 2^256-1; streams are independent for practical
 * purposes because their seeds are well mixed. Written here (20 lines) because neither
 * PETSc's PetscRandom nor the C library offers keyed, splittable streams.
 */
#ifndef MS_RNG_H
#define MS_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; } ms_rng;

void     ms_rng_init(ms_rng *r, uint64_t seed, uint64_t stream);
uint64_t ms_rng_u64(ms_rng *r);
double   ms_rng_uniform(ms_rng *r);                  /* [0, 1) with 53 random bits */
double   ms_rng_normal(ms_rng *r);                   /* standard normal (Box-Muller, no caching) */
uint64_t ms_rng_below(ms_rng *r, uint64_t n);        /* uniform integer in [0, n), unbiased */
/* In-place Fisher-Yates shuffle of idx[0..n). */
void     ms_rng_shuffle(ms_rng *r, int64_t n, int64_t *idx);

#endif
