/* test_vae.c - the VAE (ml/vae/ms_vae.h) on tiny shapes.
 *
 *  1. BCE from logits and KL against their closed forms (-[x log p + (1-x) log(1-p)] with
 *     p = 1/(1+e^-l), evaluated directly; KL of N(mu, e^lv) to N(0, 1) for known values).
 *  2. The gradient of the whole network (encoder, reparameterisation, decoder, BCE + KL) along
 *     random directions against central finite differences of the loss.
 *  3. Table 4.3 shape arithmetic: the parameter count of its widths; a 128^3 input runs through
 *     4 halvings (narrow widths) with BCE near 128^3 ln 2 at initialisation.
 *  4. A tiny VAE overfits four 16^3 volumes: the training loss falls below 25 % of its first
 *     epoch within 100 epochs (Adam lr 1e-2, batch 1; the seed's 1e-5 is for 10,000 structures and 1000
 *     epochs).
 *  5. Stop after epoch 1 with a checkpoint, resume: the parameters equal an uninterrupted
 *     run's bit for bit.
 */
#include "ms_vae.h"
#include "ms_rng.h"
#include "ms_test.h"
#include <string.h>

static void tiny_arch(ms_vae_arch *a, int64_t size)
{
  memset(a, 0, sizeof *a);
  a->size        = size;
  a->n_conv      = 2;
  a->channels[0] = 3;
  a->channels[1] = 4;
  a->hidden      = 6;
  a->latent      = 3;
}

/* Four 16^3 structures: slabs and a cube, along different axes. */
static PetscErrorCode write_structures(const char *path, int64_t n, int64_t s)
{
  uint8_t *v;
  hsize_t  dims[4] = {(hsize_t)n, (hsize_t)s, (hsize_t)s, (hsize_t)s};
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * s * s * s, &v));
  for (int64_t i = 0; i < n; i++)
    for (int64_t z = 0; z < s; z++)
      for (int64_t y = 0; y < s; y++)
        for (int64_t x = 0; x < s; x++) {
          int64_t c = i % 4 == 0 ? z : i % 4 == 1 ? y : i % 4 == 2 ? x : PetscMax(PetscMax(PetscAbs(x - s / 2), PetscAbs(y - s / 2)), PetscAbs(z - s / 2));
          v[((i * s + z) * s + y) * s + x] = (uint8_t)(i % 4 == 3 ? c < s / 4 : (c / (2 + i / 4)) % 2);
        }
  hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), sp = H5Screate_simple(4, dims, NULL);
  hid_t d = H5Dcreate2(f, "volumes", H5T_NATIVE_UINT8, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(H5Dwrite(d, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "write");
  H5Dclose(d);
  H5Sclose(sp);
  H5Fclose(f);
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  /* 1. closed forms */
  {
    const float x[4] = {0, 1, 1, 0}, l[4] = {0.f, 2.f, -1.5f, 3.f};
    float       dl[4];
    double      ref = 0;
    for (int i = 0; i < 4; i++) {
      double p = 1 / (1 + exp(-(double)l[i]));
      ref -= x[i] * log(p) + (1 - x[i]) * log(1 - p);
    }
    MS_CHECK_CLOSE(ms_vae_bce_logits(4, x, l, 0.5, dl), ref, 1e-12, 0);
    for (int i = 0; i < 4; i++) MS_CHECK_CLOSE(dl[i], 0.5 * (1 / (1 + exp(-(double)l[i])) - x[i]), 1e-6, 1e-7);
    MS_CHECK_CLOSE(ms_vae_bce_logits(1, x, l, 0, NULL), log(2.0), 1e-15, 0);
    /* Extreme logits stay finite (no log(0)): BCE(x=1, l=-100) = 100. */
    const float one = 1, big = -100;
    MS_CHECK_CLOSE(ms_vae_bce_logits(1, &one, &big, 0, NULL), 100.0, 1e-12, 0);
    const float mu[3] = {0, 1, -2}, lv[3] = {0, 0, (float)log(2.0)};
    /* KL = 1/2 (mu^2 + s^2 - 1 - ln s^2): 0, 1/2, 1/2 (4 + 2 - 1 - ln 2). */
    MS_CHECK_CLOSE(ms_vae_kl(3, mu, lv), 0.5 + 0.5 * (5 - log(2.0)), 1e-6, 0);
  }
  /* 2. whole-network gradient vs finite differences */
  {
    ms_vae_arch a;
    ms_vae      v;
    const int64_t n = 2, s = 8;
    float      *x, *eps, *g, *w0, *dir;
    int64_t     np;
    ms_rng      r;
    double      bce, kl;
    tiny_arch(&a, s);
    PetscCall(ms_vae_create(&a, n, &v));
    ms_vae_init_params(v, 5);
    np = ms_vae_n_params(v);
    PetscCall(PetscMalloc5(n * s * s * s, &x, n * a.latent, &eps, np, &g, np, &w0, np, &dir));
    ms_rng_init(&r, 9, 0);
    for (int64_t i = 0; i < n * s * s * s; i++) x[i] = (float)(ms_rng_uniform(&r) < 0.4);
    for (int64_t i = 0; i < n * a.latent; i++) eps[i] = (float)ms_rng_normal(&r);
    /* Biases away from zero so that every ReLU carries signal. */
    for (int64_t i = 0; i < np; i++) ms_vae_params(v)[i] += (float)(0.05 * ms_rng_normal(&r));
    memcpy(w0, ms_vae_params(v), (size_t)np * sizeof(float));
    memset(g, 0, (size_t)np * sizeof(float));
    PetscCall(ms_vae_loss_grad(v, n, x, eps, 1.0, g, &bce, &kl));
    MS_CHECK(kl > 0 && bce > 0);
    for (int t = 0; t < 4; t++) {
      double gd = 0, nrm = 0, lp, lm, h = 1e-2;
      for (int64_t i = 0; i < np; i++) {
        dir[i] = t == 0 ? g[i] : (float)ms_rng_normal(&r); /* the gradient itself, then random */
        nrm += (double)dir[i] * dir[i];
      }
      nrm = sqrt(nrm);
      for (int64_t i = 0; i < np; i++) {
        dir[i] = (float)(dir[i] / nrm);
        gd += (double)g[i] * dir[i];
      }
      for (int64_t i = 0; i < np; i++) ms_vae_params(v)[i] = w0[i] + (float)h * dir[i];
      PetscCall(ms_vae_loss_grad(v, n, x, eps, 1.0, NULL, &bce, &kl));
      lp = bce + kl;
      for (int64_t i = 0; i < np; i++) ms_vae_params(v)[i] = w0[i] - (float)h * dir[i];
      PetscCall(ms_vae_loss_grad(v, n, x, eps, 1.0, NULL, &bce, &kl));
      lm = bce + kl;
      memcpy(ms_vae_params(v), w0, (size_t)np * sizeof(float));
      MS_CHECK_CLOSE((lp - lm) / (2 * h), gd, 2e-2, 2e-2);
    }
    PetscCall(PetscFree5(x, eps, g, w0, dir));
    PetscCall(ms_vae_destroy(&v));
  }
  /* 3. Table 4.3 shapes: parameter count of the published architecture. */
  {
    ms_vae_arch a;
    ms_vae_arch_default(&a);
    MS_CHECK(a.size == 128 && a.latent == 256 && a.hidden == 2048);
    /* conv: 1*16*64+16, 16*32*64+32, 32*64*64+64, 64*128*64+128; deconvolutions mirrored to
       a last 16*1*64+1; dense flatten*2048+2048, 2048*512+512, 256*flatten+flatten, with
       flatten = 128 (size/16)^3 (65536 at 128, Table 4.3). */
    int64_t conv = (1 * 16 + 16 * 32 + 32 * 64 + 64 * 128) * 64 + (16 + 32 + 64 + 128);
    int64_t dec  = (128 * 64 + 64 * 32 + 32 * 16 + 16 * 1) * 64 + (64 + 32 + 16 + 1);
    ms_vae v;
    a.size = 32; /* same layer widths, 4x smaller edge: flatten 2^3 * 128 = 1024 */
    PetscCall(ms_vae_create(&a, 1, &v));
    MS_CHECK(ms_vae_n_params(v) == conv + dec + 1024LL * 2048 + 2048 + 2048LL * 512 + 512 + 256LL * 1024 + 1024);
    PetscCall(ms_vae_destroy(&v));
    /* Table 4.3's input size runs (narrow widths to stay fast): 128^3 -> 8^3 after 4 halvings;
       at initialisation the logits are small, so BCE is near 128^3 ln 2. */
    {
      float *x, *eps, *g;
      double bce, kl;
      a.channels[0] = a.channels[1] = a.channels[2] = a.channels[3] = 2;
      a.size = 128; a.hidden = 8; a.latent = 4;
      PetscCall(ms_vae_create(&a, 1, &v));
      ms_vae_init_params(v, 1);
      PetscCall(PetscCalloc3(128 * 128 * 128, &x, 4, &eps, ms_vae_n_params(v), &g));
      for (int64_t i = 0; i < 128 * 128 * 128; i++) x[i] = (float)((i / 7) % 3 == 0);
      PetscCall(ms_vae_loss_grad(v, 1, x, eps, 1.0, g, &bce, &kl));
      MS_CHECK_CLOSE(bce, 128.0 * 128 * 128 * log(2.0), 0.05, 0);
      MS_CHECK(kl >= 0 && isfinite(kl));
      PetscCall(PetscFree3(x, eps, g));
      PetscCall(ms_vae_destroy(&v));
    }
  }
  /* 4-5. training on four 16^3 volumes */
  {
    ms_vae_arch         a;
    ms_vae_data         d;
    ms_vae_train_params p;
    ms_vae_history      h, h1, h2;
    ms_vae              v, w;
    tiny_arch(&a, 16);
    a.channels[0] = 4;
    a.channels[1] = 8;
    a.hidden      = 16;
    a.latent      = 4;
    PetscCall(write_structures("vae_tiny.h5", 4, 16));
    PetscCall(ms_vae_data_load(PETSC_COMM_WORLD, "vae_tiny.h5", "volumes", 16, &d));
    ms_vae_train_params_default(&p);
    p.lr     = 1e-2;
    p.batch  = 1;
    p.epochs = 100;
    p.seed   = 3;
    PetscCall(ms_vae_create(&a, 2, &v));
    ms_vae_init_params(v, p.seed);
    PetscCall(ms_vae_train(v, &d, &p, &h));
    MS_CHECK(h.n_train == 3 && h.n_val == 0 && h.n_test == 1);
    MS_CHECK(h.epochs_done == 100);
    MS_CHECK(h.train_loss[99] < 0.25 * h.train_loss[0]);
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "overfit: loss %.1f -> %.1f after 100 epochs\n", h.train_loss[0], h.train_loss[99]));
    ms_vae_history_free(&h);
    PetscCall(ms_vae_destroy(&v));

    /* resume: 3 epochs straight vs 1 + checkpoint + resume for 2 */
    p.epochs = 3;
    PetscCall(ms_vae_create(&a, 2, &v));
    ms_vae_init_params(v, p.seed);
    PetscCall(ms_vae_train(v, &d, &p, &h));
    PetscCall(ms_vae_create(&a, 2, &w));
    ms_vae_init_params(w, p.seed);
    PetscCall(PetscStrncpy(p.checkpoint, "vae_tiny.ckpt.h5", sizeof p.checkpoint));
    p.stop_after = 1;
    PetscCall(ms_vae_train(w, &d, &p, &h1));
    MS_CHECK(h1.epochs_done == 1);
    ms_vae_init_params(w, 999); /* forget everything: the checkpoint must restore it */
    p.resume     = PETSC_TRUE;
    p.stop_after = 0;
    PetscCall(ms_vae_train(w, &d, &p, &h2));
    MS_CHECK(h2.epochs_done == 3);
    MS_CHECK(memcmp(ms_vae_params(v), ms_vae_params(w), (size_t)ms_vae_n_params(v) * sizeof(float)) == 0);
    for (int e = 0; e < 3; e++) MS_CHECK(h.train_loss[e] == h2.train_loss[e]);
    MS_CHECK(h.test_loss == h2.test_loss && isfinite(h.test_loss));
    ms_vae_history_free(&h);
    ms_vae_history_free(&h1);
    ms_vae_history_free(&h2);
    PetscCall(ms_vae_destroy(&v));
    PetscCall(ms_vae_destroy(&w));
    PetscCall(ms_vae_data_free(&d));
  }
  MS_TEST_END("vae");
}
