/* ms_vae_io.c - VAE outputs: loss history (HDF5, PNG) and the latent codes of a data set. */
#include "ms_vae_impl.h"
#include "ms_h5.h"
#include "ms_provenance.h"
#include "ms_report.h"
#include <math.h>
#include <string.h>

PetscErrorCode ms_vae_history_write_h5(MPI_Comm comm, const ms_vae_history *h, hid_t grp)
{
  const char   *names[5] = {"train_loss", "val_loss", "train_bce", "train_kl", "epoch_seconds"};
  const double *vals[5]  = {h->train_loss, h->val_loss, h->train_bce, h->train_kl, h->epoch_seconds};
  PetscMPIInt   rank;
  int64_t       ne = h->epochs_done;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int k = 0; k < 5; k++) {
    PetscCall(ms_h5_write_rows_double(grp, names[k], ne, 0, rank ? 0 : ne, 0, vals[k]));
    PetscCall(ms_h5_set_units(grp, names[k], k == 4 ? "s" : "nats per structure"));
  }
  PetscCall(ms_h5_write_scalar_double(grp, "test_loss", h->test_loss));
  PetscCall(ms_h5_attr_set_int(grp, "n_train", h->n_train));
  PetscCall(ms_h5_attr_set_int(grp, "n_val", h->n_val));
  PetscCall(ms_h5_attr_set_int(grp, "n_test", h->n_test));
  PetscCall(ms_h5_attr_set_int(grp, "epochs", ne));
  PetscCall(ms_h5_attr_set_string(grp, "loss", "mean over structures of BCE (sum over voxels) + KL(q(z|x) || N(0, I)); validation with the epoch's noise"));
  PetscFunctionReturn(0);
}

static PetscErrorCode history_body(FILE *gp, void *ctx)
{
  const ms_vae_history *h = (const ms_vae_history *)ctx;
  PetscBool             val = h->n_val > 0;
  PetscFunctionBegin;
  fprintf(gp, "set title 'VAE loss (BCE + KL per structure)'\nset xlabel 'epoch'\nset ylabel 'loss (nats per structure)'\nset grid\nset key top right\n");
  fprintf(gp, "$d << EOD\n");
  for (int64_t e = 0; e < h->epochs_done; e++) fprintf(gp, "%lld %.17g %.17g\n", (long long)(e + 1), h->train_loss[e], val ? h->val_loss[e] : h->train_loss[e]);
  fprintf(gp, "EOD\nplot $d using 1:2 title 'training' with lines lw 2 lc rgb '#1f77b4'");
  if (val) fprintf(gp, ", $d using 1:3 title 'validation' with lines lw 2 dt 2 lc rgb 'gray40'");
  fprintf(gp, "\n");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_history_plot(MPI_Comm comm, const ms_vae_history *h, const char *path)
{
  PetscFunctionBegin;
  PetscCall(ms_report_gnuplot(comm, path, 900, 600, "VAE loss plot", history_body, (void *)h));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_encode_data(ms_vae v, const ms_vae_data *d, float *mu, float *logvar)
{
  const int64_t nv = d->size * d->size * d->size, L = ms_vae_get_arch(v)->latent, c = ms_vae_chunk(v);
  float        *x;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c * nv, &x));
  for (int64_t i0 = 0; i0 < d->n_local; i0 += c) {
    const int64_t n = PetscMin(c, d->n_local - i0);
    for (int64_t q = 0; q < n * nv; q++) x[q] = d->vox[i0 * nv + q];
    PetscCall(ms_vae_encode(v, n, x, mu + i0 * L, logvar + i0 * L));
  }
  PetscCall(PetscFree(x));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_decode_rows(ms_vae v, int64_t n_local, const float *z, float *p, uint8_t *vox)
{
  const ms_vae_arch *a  = ms_vae_get_arch(v);
  const int64_t      nv = a->size * a->size * a->size, c = ms_vae_chunk(v);
  float             *buf;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(c * nv, &buf));
  for (int64_t i0 = 0; i0 < n_local; i0 += c) {
    const int64_t n = PetscMin(c, n_local - i0);
    PetscCall(ms_vae_decode(v, n, z + i0 * a->latent, buf));
    if (p) memcpy(p + i0 * nv, buf, (size_t)(n * nv) * sizeof *p);
    if (vox)
      for (int64_t q = 0; q < n * nv; q++) vox[i0 * nv + q] = buf[q] >= 0.5f;
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_write_volumes(MPI_Comm comm, hid_t loc, const char *name, hid_t type, int64_t n_global, int64_t start, int64_t n_local,
                                    int64_t size, const void *data)
{
  hsize_t dims[4] = {(hsize_t)n_global, (hsize_t)size, (hsize_t)size, (hsize_t)size};
  hsize_t st[4] = {(hsize_t)start, 0, 0, 0}, cnt[4] = {(hsize_t)n_local, (hsize_t)size, (hsize_t)size, (hsize_t)size};
  hid_t   fs, ms, ds, x;
  herr_t  e;
  PetscFunctionBegin;
  fs = H5Screate_simple(4, dims, NULL);
  ds = H5Dcreate2(loc, name, type, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  MS_H5CHK(ds, comm, "creating dataset %s failed", name);
  ms = H5Screate_simple(4, cnt, NULL);
  ms_h5_select_block(fs, ms, 4, st, cnt);
  x = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE);
  e = H5Dwrite(ds, type, ms, fs, x, data);
  H5Pclose(x);
  H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(ds);
  MS_H5CHK(e, comm, "writing dataset %s failed", name);
  PetscFunctionReturn(0);
}
