/* test_vae_ranks.c - VAE training on P ranks vs 1 rank (run with NP 2).
 *
 * The same seed gives the same split, batches and noise on any rank count (ms_vae.h); only
 * the order of the float gradient sums differs (MPI_Allreduce over ranks vs one rank's chunk
 * loop). Stated tolerance after 4 epochs of Adam (8 structures of 16^3, batch 3, so batches
 * straddle the ranks, chunk 2): every epoch loss within 1e-5 relative, and the parameters
 * within 1e-4 of the largest parameter magnitude. A rank-dependent stream or a missing
 * reduction moves them by orders of magnitude more (checked: without the gradient
 * Allreduce the parameters differ by 1.2e-2 and the test fails; with it by 3e-8).
 */
#include "ms_vae.h"
#include "ms_test.h"
#include <string.h>

static PetscErrorCode write_structures(const char *path, int64_t n, int64_t s)
{
  uint8_t *v;
  hsize_t  dims[4] = {(hsize_t)n, (hsize_t)s, (hsize_t)s, (hsize_t)s};
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * s * s * s, &v));
  for (int64_t i = 0; i < n; i++)
    for (int64_t z = 0; z < s; z++)
      for (int64_t y = 0; y < s; y++)
        for (int64_t x = 0; x < s; x++) v[((i * s + z) * s + y) * s + x] = (uint8_t)(((x + 2 * y + 3 * z) / (2 + i % 3) + i) % 2);
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
