/* ms_vae_data.c - the structures a VAE trains on (ms_vae.h: input layout): each rank reads
 * its contiguous shard of an HDF5 group of volumes or of one 4-D dataset, and the network's
 * parameters and architecture to and from HDF5.
 */
#include "ms_vae_impl.h"
#include "ms_h5.h"
#include <string.h>

/* Read volume i of the file into buf (size^3 uint8), checking shape and values. */
static PetscErrorCode read_one(hid_t fid, const char *path, const char *dataset, PetscBool group, int64_t i, int64_t size, uint8_t *buf)
{
  const int64_t nv = size * size * size;
  char          name[PETSC_MAX_PATH_LEN];
  hid_t         ds, fs, ms;
  int           rank;
  hsize_t       dims[4];

  PetscFunctionBegin;
  if (group) snprintf(name, sizeof name, "%s/%06lld", dataset, (long long)i);
  else snprintf(name, sizeof name, "%s", dataset);
  ds = H5Dopen2(fid, name, H5P_DEFAULT);
  MS_H5CHK(ds, PETSC_COMM_SELF, "'%s': dataset %s missing (expected structures 000000..%06lld in %s)", path, name, (long long)i, dataset);
  fs   = H5Dget_space(ds);
  rank = H5Sget_simple_extent_ndims(fs);
  H5Sget_simple_extent_dims(fs, dims, NULL);
  if (group ? rank != 3 : rank != 4) {
    H5Sclose(fs);
    H5Dclose(ds);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "'%s': dataset %s has %d dimensions (expected %s)", path, name, rank, group ? "3: nz, ny, nx" : "4: n, nz, ny, nx");
  }
  for (int k = group ? 0 : 1; k < rank; k++)
    if ((int64_t)dims[k] != size) {
      H5Sclose(fs);
      H5Dclose(ds);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "'%s': dataset %s is not %lld^3 voxels per structure (dimension %d is %llu; resize with `generate -resize %lld`)",
              path, name, (long long)size, k, (unsigned long long)dims[k], (long long)size);
    }
  if (!group) {
    hsize_t start[4] = {(hsize_t)i, 0, 0, 0}, count[4] = {1, dims[1], dims[2], dims[3]};
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    ms = H5Screate_simple(4, count, NULL);
  } else ms = H5S_ALL;
  herr_t e = H5Dread(ds, H5T_NATIVE_UINT8, ms, group ? H5S_ALL : fs, H5P_DEFAULT, buf);
  if (!group) H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(ds);
  MS_H5CHK(e, PETSC_COMM_SELF, "'%s': reading %s (structure %lld) failed", path, name, (long long)i);
  for (int64_t v = 0; v < nv; v++)
    if (buf[v] > 1)
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "'%s': structure %lld (%s) has voxel value %d at flat index %lld (expected 0 = pore or 1 = solid)", path,
              (long long)i, name, buf[v], (long long)v);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_data_load(MPI_Comm comm, const char *path, const char *dataset, int64_t size, ms_vae_data *d)
{
  ms_h5_file f;
  PetscBool  exists, group;
  H5O_info_t info;
  PetscMPIInt rank, np;
  int64_t    n = 0;

  PetscFunctionBegin;
  memset(d, 0, sizeof *d);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &np));
  /* Every rank opens the file on its own (read only): it reads only its shard. */
  PetscCall(ms_h5_open_read(PETSC_COMM_SELF, path, &f));
  PetscCall(ms_h5_link_exists(f->fid, dataset, &exists));
  if (!exists) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_READ, "'%s' has no %s (expected a group of volumes 000000, 000001, ... as written by `generate -batch`, or a 4-D uint8 dataset)", path,
            dataset);
  }
  MS_H5CHK(H5Oget_info_by_name2(f->fid, dataset, &info, H5O_INFO_BASIC, H5P_DEFAULT), comm, "'%s': cannot inspect %s", path, dataset);
  group = info.type == H5O_TYPE_GROUP;
  if (group) {
    H5G_info_t gi;
    MS_H5CHK(H5Gget_info_by_name(f->fid, dataset, &gi, H5P_DEFAULT), comm, "'%s': cannot list %s", path, dataset);
    n = (int64_t)gi.nlinks;
  } else {
    int     r;
    int64_t dims[3];
    hid_t   ds = H5Dopen2(f->fid, dataset, H5P_DEFAULT), fs = H5Dget_space(ds);
    hsize_t dd[4];
    r = H5Sget_simple_extent_ndims(fs);
    if (r == 4) H5Sget_simple_extent_dims(fs, dd, NULL);
    H5Sclose(fs);
    H5Dclose(ds);
    (void)dims;
    if (r != 4) {
      PetscCall(ms_h5_close(&f));
      SETERRQ(comm, MS_ERR_READ, "'%s': %s has %d dimensions (expected a 4-D dataset n, nz, ny, nx or a group of 3-D volumes)", path, dataset, r);
    }
    n = (int64_t)dd[0];
  }
  if (n < 1) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_READ, "'%s': %s holds no structures", path, dataset);
  }
  d->comm     = comm;
  d->n_global = n;
  d->size     = size;
  d->start    = n * rank / np;
  d->n_local  = n * (rank + 1) / np - d->start;
  PetscCall(PetscMalloc1(PetscMax(1, d->n_local * size * size * size), &d->vox));
  for (int64_t i = 0; i < d->n_local; i++) PetscCall(read_one(f->fid, path, dataset, group, d->start + i, size, d->vox + i * size * size * size));
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_data_free(ms_vae_data *d)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(d->vox));
  memset(d, 0, sizeof *d);
  PetscFunctionReturn(0);
}

/* ---- parameters in HDF5 --------------------------------------------------------------- */

PetscErrorCode ms_vae_write_floats(MPI_Comm comm, hid_t loc, const char *name, int64_t n, const float *x)
{
  PetscMPIInt rank;
  hsize_t     dim = (hsize_t)n, start = 0, count;
  hid_t       fs, ms, ds;
  herr_t      e;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  count = rank ? 0 : dim;
  fs    = H5Screate_simple(1, &dim, NULL);
  ms    = H5Screate_simple(1, &dim, NULL);
  ds    = H5Dcreate2(loc, name, H5T_NATIVE_FLOAT, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  MS_H5CHK(ds, comm, "creating dataset %s failed", name);
  ms_h5_select_block(fs, ms, 1, &start, &count);
  e = H5Dwrite(ds, H5T_NATIVE_FLOAT, ms, fs, H5P_DEFAULT, x);
  H5Dclose(ds);
  H5Sclose(ms);
  H5Sclose(fs);
  MS_H5CHK(e, comm, "writing dataset %s failed", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_read_floats(hid_t loc, const char *name, const char *path, int64_t n, float *x)
{
  int     r;
  int64_t dims[3];
  hid_t   ds;
  herr_t  e;

  PetscFunctionBegin;
  PetscCall(ms_h5_dataset_shape(loc, name, &r, dims));
  if (r != 1 || dims[0] != n)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "'%s': dataset %s has %lld values (expected %lld for this architecture)", path, name, (long long)dims[0], (long long)n);
  ds = H5Dopen2(loc, name, H5P_DEFAULT);
  e  = H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, x);
  H5Dclose(ds);
  MS_H5CHK(e, PETSC_COMM_SELF, "'%s': reading %s failed", path, name);
  PetscFunctionReturn(0);
}

static const char *arch_keys[] = {"size", "n_conv", "hidden", "latent"};

PetscErrorCode ms_vae_save_h5(MPI_Comm comm, ms_vae v, hid_t grp)
{
  const ms_vae_arch *a = ms_vae_get_arch(v);
  int64_t            vals[4] = {a->size, a->n_conv, a->hidden, a->latent};
  char               ch[256] = "";

  PetscFunctionBegin;
  for (int k = 0; k < 4; k++) PetscCall(ms_h5_attr_set_int(grp, arch_keys[k], vals[k]));
  for (int i = 0; i < a->n_conv; i++) snprintf(ch + strlen(ch), sizeof ch - strlen(ch), "%s%lld", i ? "," : "", (long long)a->channels[i]);
  PetscCall(ms_h5_attr_set_string(grp, "channels", ch));
  PetscCall(ms_h5_attr_set_string(grp, "layout", "flat float32: per layer weights then bias; encoder conv, dense, dense(2 latent: mu|logvar), decoder dense, "
                                               "transposed conv; PyTorch weight layouts (Conv3d, Linear, ConvTranspose3d)"));
  PetscCall(ms_vae_write_floats(comm, grp, "params", ms_vae_n_params(v), ms_vae_params(v)));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_load_h5(MPI_Comm comm, hid_t grp, const char *path, int64_t chunk, ms_vae *v)
{
  ms_vae_arch a;
  int64_t     vals[4];
  char       *ch, *s, *tok;
  int         nc = 0;

  PetscFunctionBegin;
  memset(&a, 0, sizeof a);
  for (int k = 0; k < 4; k++) PetscCall(ms_h5_attr_get_int(grp, arch_keys[k], &vals[k]));
  a.size = vals[0]; a.n_conv = vals[1]; a.hidden = vals[2]; a.latent = vals[3];
  PetscCall(ms_h5_attr_get_string(grp, "channels", &ch));
  for (s = ch; (tok = strtok(s, ",")) && nc < MS_VAE_MAX_CONV; s = NULL) a.channels[nc++] = atoll(tok);
  free(ch);
  if (nc != a.n_conv) SETERRQ(comm, MS_ERR_READ, "'%s': VAE channels attribute lists %d widths for %lld convolutions", path, nc, (long long)a.n_conv);
  PetscCall(ms_vae_arch_check(comm, &a));
  PetscCall(ms_vae_create(&a, chunk, v));
  PetscCall(ms_vae_read_floats(grp, "params", path, ms_vae_n_params(*v), ms_vae_params(*v)));
  PetscFunctionReturn(0);
}
