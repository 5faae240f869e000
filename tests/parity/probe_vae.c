/* probe_vae.c - writes one VAE loss/gradient evaluation for tests/parity/vae_parity.py:
 * architecture (attributes), flat parameters, input x, noise eps, and our BCE, KL and gradient
 * of their sum. usage: probe_vae OUT.h5 */
#include "ms_vae.h"
#include "ms_rng.h"
#include <string.h>

static void put(hid_t f, const char *name, int64_t n, const float *v)
{
  hsize_t d = (hsize_t)n;
  hid_t   s = H5Screate_simple(1, &d, NULL), ds = H5Dcreate2(f, name, H5T_NATIVE_FLOAT, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
  H5Dclose(ds);
  H5Sclose(s);
}

int main(int argc, char **argv)
{
  ms_vae_arch a;
  ms_vae      v;
  const int64_t n = 3;
  float      *x, *eps, *g;
  double      bce, kl;
  ms_rng      r;
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc > 1, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "usage: probe_vae OUT.h5");
  memset(&a, 0, sizeof a);
  a.size = 16; a.n_conv = 3; a.channels[0] = 3; a.channels[1] = 5; a.channels[2] = 6; a.hidden = 10; a.latent = 4;
  PetscCall(ms_vae_create(&a, 2, &v)); /* chunk 2 < n: the gradient of two calls adds up */
  ms_vae_init_params(v, 21);
  const int64_t np = ms_vae_n_params(v), nv = a.size * a.size * a.size;
  PetscCall(PetscMalloc3(n * nv, &x, n * a.latent, &eps, np, &g));
  ms_rng_init(&r, 4, 0);
  for (int64_t i = 0; i < np; i++) ms_vae_params(v)[i] += (float)(0.02 * ms_rng_normal(&r));
  for (int64_t i = 0; i < n * nv; i++) x[i] = (float)(ms_rng_uniform(&r) < 0.35);
  for (int64_t i = 0; i < n * a.latent; i++) eps[i] = (float)ms_rng_normal(&r);
  memset(g, 0, (size_t)np * sizeof *g);
  double b1, k1;
  PetscCall(ms_vae_loss_grad(v, 2, x, eps, 1.0 / n, g, &bce, &kl));
  PetscCall(ms_vae_loss_grad(v, 1, x + 2 * nv, eps + 2 * a.latent, 1.0 / n, g, &b1, &k1));
  bce += b1;
  kl += k1;
  hid_t f = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  float sc[2] = {(float)(bce / n), (float)(kl / n)};
  int64_t arch[8] = {a.size, a.n_conv, a.channels[0], a.channels[1], a.channels[2], a.hidden, a.latent, n};
  hsize_t d8 = 8;
  hid_t   s8 = H5Screate_simple(1, &d8, NULL), at = H5Acreate2(f, "size_nconv_c0_c1_c2_hidden_latent_n", H5T_NATIVE_INT64, s8, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(at, H5T_NATIVE_INT64, arch);
  H5Aclose(at);
  H5Sclose(s8);
  put(f, "params", np, ms_vae_params(v));
  put(f, "x", n * nv, x);
  put(f, "eps", n * a.latent, eps);
  put(f, "grad", np, g);
  put(f, "bce_kl_mean", 2, sc);
  H5Fclose(f);
  PetscCall(PetscFree3(x, eps, g));
  PetscCall(ms_vae_destroy(&v));
  PetscCall(PetscFinalize());
  return 0;
}
