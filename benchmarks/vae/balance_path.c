/* balance_path.c - critical path of VAE training steps with ownership-based shares (the code
 * before ms_vae_balance.c) and with balanced shares, for the split and epoch shuffles of
 * `vae train` (seed 0, 128 structures, batch 64, chunk 8, 20 epochs) on 1, 2, 4, 8 ranks:
 * per epoch, the sum over steps of the largest per-rank share (structures) and of its number of
 * chunks. No timing: the figures do not depend on the machine (benchmarks/RESULTS.md, "Rank
 * scaling fixes").
 * Build and run from the repository root after building the library:
 *   mpicc -O2 -Iml/vae -Iio $(pkg-config --cflags petsc) -I/usr/include/hdf5/openmpi \
 *     benchmarks/vae/balance_path.c -o /tmp/balance_path -Lbuild/lib -lmatscreen $(pkg-config --libs petsc)
 *   LD_LIBRARY_PATH=build/lib /tmp/balance_path
 */
#include "ms_vae_impl.h"
#include "ms_rng.h"
#include <math.h>
int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  const int64_t N = 128, B = 64, C = 8, E = 20;
  for (int P = 1; P <= 8; P *= 2) {
    int64_t perm[128], order[128], starts[9], kept[8], cnt[8];
    int owner[128], comp[128];
    double so = 0, sn = 0, co = 0, cn = 0;
    ms_rng r;
    for (int64_t i = 0; i < N; i++) perm[i] = i;
    ms_rng_init(&r, 0, 1ULL << 62);
    ms_rng_shuffle(&r, N, perm);
    int64_t ntr = llround(0.8 * N);
    for (int k = 0; k <= P; k++) starts[k] = N * k / P;
    for (int64_t e = 0; e < E; e++) {
      for (int64_t i = 0; i < ntr; i++) order[i] = perm[i];
      ms_rng_init(&r, 0, (1ULL << 61) + (uint64_t)e);
      ms_rng_shuffle(&r, ntr, order);
      for (int64_t b0 = 0; b0 < ntr; b0 += B) {
        int64_t nb = PetscMin(B, ntr - b0), mo = 0, mn = 0, mco = 0, mcn = 0;
        ms_vae_balance_plan(P, starts, nb, order + b0, owner, comp, kept);
        for (int k = 0; k < P; k++) cnt[k] = 0;
        for (int64_t j = 0; j < nb; j++) cnt[owner[j]]++;
        for (int k = 0; k < P; k++) {
          mo = PetscMax(mo, cnt[k]); mn = PetscMax(mn, kept[k]);
          mco = PetscMax(mco, (cnt[k] + C - 1) / C); mcn = PetscMax(mcn, (kept[k] + C - 1) / C);
        }
        so += mo; sn += mn; co += mco; cn += mcn;
      }
    }
    printf("P=%d per epoch: largest share old %.2f new %.2f structures (ideal %.2f); chunks on the critical path old %.2f new %.2f\n", P, so / E, sn / E,
           (double)ntr / P, co / E, cn / E);
  }
  PetscCall(PetscFinalize());
  return 0;
}
