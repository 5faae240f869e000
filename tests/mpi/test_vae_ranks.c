/* test_vae_ranks.c - VAE training on P ranks vs 1 rank (run with NP 2).
 *
 * The same seed gives the same split, batches and noise on any rank count (ms_vae.h); only
 * the order of the float gradient sums differs (MPI_Allreduce over ranks vs one rank's chunk
 * loop). Stated tolerance after 4 epochs of Adam (8 structures of 16^3, batch 3, so batches
 * straddle the ranks, chunk 2): every epoch loss within 1e-5 relative, and the parameters
 * within 1e-4 of the largest parameter magnitude. A rank-dependent stream or a missing
 * reduction moves them by orders of magnitude more (checked: without the gradient
 * Allreduce the parameters differ by 1.2e-2 and the test fails; with it by 3e-8).
 *
 * Balanced batches (ms_vae_balance.c): for P = 1..9 ranks, uneven shards and random batches
 * (including nb < P), every member is computed by exactly one rank, the members per rank
 * differ by at most 1 (max - min <= 1), and the number moved off its owner is the minimum,
 * sum over ranks of max(0, owned - quota). On the real communicator, after the voxel exchange
 * every rank holds for each member it computes exactly that structure's voxels (the closed
 * form of write_structures), and the members computed add up to the batch over the ranks.
 */
#include "ms_vae_impl.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <string.h>

static uint8_t voxel(int64_t i, int64_t s, int64_t z, int64_t y, int64_t x)
{
  (void)s;
  return (uint8_t)(((x + 2 * y + 3 * z) / (2 + i % 3) + i) % 2);
}

/* The plan alone, for rank counts the test does not run on. */
static void check_plans(void)
{
  int64_t starts[10], idx[40], kept[9], owned[9];
  int     owner[40], comp[40];
  ms_rng  r;
  ms_rng_init(&r, 5, 0);
  for (int P = 1; P <= 9; P++)
    for (int t = 0; t < 30; t++) {
      const int64_t N = 40, nb = 1 + (int64_t)(ms_rng_uniform(&r) * 39);
      int64_t       perm[40], lo = N, hi = 0, moved = 0, need = 0;
      int           ok = 1;
      starts[0] = 0; /* uneven shards: random cut points */
      for (int k = 1; k < P; k++) starts[k] = starts[k - 1] + (int64_t)(ms_rng_uniform(&r) * (double)(N - starts[k - 1]) / 2);
      starts[P] = N;
      for (int64_t i = 0; i < N; i++) perm[i] = i;
      ms_rng_shuffle(&r, N, perm);
      memcpy(idx, perm, (size_t)nb * sizeof *idx);
      ms_vae_balance_plan(P, starts, nb, idx, owner, comp, kept);
      for (int k = 0; k < P; k++) owned[k] = 0;
      for (int64_t j = 0; j < nb; j++) {
        ok = ok && comp[j] >= 0 && comp[j] < P && starts[owner[j]] <= idx[j] && idx[j] < starts[owner[j] + 1];
        owned[owner[j]]++;
        moved += comp[j] != owner[j];
      }
      for (int k = 0; k < P; k++) {
        int64_t c = 0, q = nb / P + (k < nb % P);
        for (int64_t j = 0; j < nb; j++) c += comp[j] == k;
        ok = ok && c == kept[k] && c == q;
        lo = PetscMin(lo, c);
        hi = PetscMax(hi, c);
        need += PetscMax(0, owned[k] - q);
      }
      MS_CHECK(ok);
      MS_CHECK(hi - lo <= 1);
      MS_CHECK(moved == need);
    }
}

/* The plan and the voxel exchange on comm (balanced, right voxels, nothing lost). */
static PetscErrorCode check_exchange(MPI_Comm comm)
{
  ms_vae_data    d;
  ms_vae_balance b;
  ms_rng         r;
  int64_t        idx[8];
  PetscFunctionBegin;
  PetscCall(ms_vae_data_load(comm, "vae_ranks.h5", "volumes", 16, &d));
  PetscCall(ms_vae_balance_create(&d, 5, &b));
  ms_rng_init(&r, 6, 0);
  for (int t = 0; t < 20; t++) {
    int64_t perm[8], nb = 1 + t % 5, mine = 0, lo, hi, tot, bad = 0;
    for (int64_t i = 0; i < 8; i++) perm[i] = i;
    ms_rng_shuffle(&r, 8, perm);
    memcpy(idx, perm, sizeof idx);
    PetscCall(ms_vae_balance_step(&b, &d, nb, idx));
    for (int64_t j = 0; j < nb; j++) {
      const uint8_t *v = ms_vae_balance_voxels(&b, &d, j, idx);
      if (!v) continue;
      mine++;
      for (int64_t z = 0; z < 16; z++)
        for (int64_t y = 0; y < 16; y++)
          for (int64_t x = 0; x < 16; x++) bad += v[(z * 16 + y) * 16 + x] != voxel(idx[j], 16, z, y, x);
    }
    PetscCallMPI(MPI_Allreduce(&mine, &lo, 1, MPI_INT64_T, MPI_MIN, comm));
    PetscCallMPI(MPI_Allreduce(&mine, &hi, 1, MPI_INT64_T, MPI_MAX, comm));
    PetscCallMPI(MPI_Allreduce(&mine, &tot, 1, MPI_INT64_T, MPI_SUM, comm));
    MS_CHECK(bad == 0);
    MS_CHECK(hi - lo <= 1 && tot == nb);
  }
  PetscCall(ms_vae_balance_destroy(&b));
  PetscCall(ms_vae_data_free(&d));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_structures(const char *path, int64_t n, int64_t s)
{
  uint8_t *v;
  hsize_t  dims[4] = {(hsize_t)n, (hsize_t)s, (hsize_t)s, (hsize_t)s};
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * s * s * s, &v));
  for (int64_t i = 0; i < n; i++)
    for (int64_t z = 0; z < s; z++)
      for (int64_t y = 0; y < s; y++)
        for (int64_t x = 0; x < s; x++) v[((i * s + z) * s + y) * s + x] = voxel(i, s, z, y, x);
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), sp = H5Screate_simple(4, dims, NULL);
  hid_t d = H5Dcreate2(f, "volumes", H5T_NATIVE_UINT8, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write");
  H5Dclose(d);
  H5Sclose(sp);
  H5Fclose(f);
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

static PetscErrorCode train(MPI_Comm comm, float **params, int64_t *np, ms_vae_history *h)
{
  ms_vae_arch         a;
  ms_vae_data         d;
  ms_vae_train_params p;
  ms_vae              v;
  PetscFunctionBegin;
  memset(&a, 0, sizeof a);
  a.size = 16; a.n_conv = 2; a.channels[0] = 4; a.channels[1] = 6; a.hidden = 12; a.latent = 4;
  PetscCall(ms_vae_data_load(comm, "vae_ranks.h5", "volumes", 16, &d));
  ms_vae_train_params_default(&p);
  p.lr = 1e-3; p.batch = 3; p.epochs = 4; p.seed = 11;
  PetscCall(ms_vae_create(&a, 2, &v));
  ms_vae_init_params(v, p.seed);
  PetscCall(ms_vae_train(v, &d, &p, h));
  *np = ms_vae_n_params(v);
  PetscCall(PetscMalloc1(*np, params));
  memcpy(*params, ms_vae_params(v), (size_t)*np * sizeof(float));
  PetscCall(ms_vae_destroy(&v));
  PetscCall(ms_vae_data_free(&d));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscMPIInt    rank, size;
  float         *pw, *ps;
  int64_t        n;
  ms_vae_history hw, hs;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  if (!rank) PetscCall(write_structures("vae_ranks.h5", 8, 16));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  check_plans();
  PetscCall(check_exchange(PETSC_COMM_WORLD));
  PetscCall(train(PETSC_COMM_WORLD, &pw, &n, &hw));
  if (!rank) {
    double dmax = 0, pmax = 0;
    PetscCall(train(PETSC_COMM_SELF, &ps, &n, &hs));
    for (int64_t i = 0; i < n; i++) {
      dmax = PetscMax(dmax, fabs((double)pw[i] - ps[i]));
      pmax = PetscMax(pmax, fabs((double)ps[i]));
    }
    printf("%d ranks vs 1: max parameter difference %.3g (largest parameter %.3g); losses", size, dmax, pmax);
    for (int e = 0; e < 4; e++) {
      printf(" %.9g/%.9g", hw.train_loss[e], hs.train_loss[e]);
      MS_CHECK_CLOSE(hw.train_loss[e], hs.train_loss[e], 1e-5, 0);
      MS_CHECK_CLOSE(hw.val_loss[e], hs.val_loss[e], 1e-5, 0);
    }
    printf("\n");
    MS_CHECK(dmax <= 1e-4 * pmax);
    MS_CHECK(hw.n_train == 6 && hw.n_val == 1 && hw.n_test == 1);
    MS_CHECK_CLOSE(hw.test_loss, hs.test_loss, 1e-5, 0);
    ms_vae_history_free(&hs);
    PetscCall(PetscFree(ps));
  }
  ms_vae_history_free(&hw);
  PetscCall(PetscFree(pw));
  MS_TEST_END("vae_ranks");
}
