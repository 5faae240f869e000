/* ms_h5_bytes.c - opaque byte blobs (a library's own serialised model, such as XGBoost's
 * JSON) as 1-D uint8 datasets. Every rank holds the same bytes: the write is collective with
 * identical data, the read gives every rank the whole blob. */
#include "ms_h5.h"

PetscErrorCode ms_h5_write_bytes(hid_t loc, const char *name, size_t n, const void *data)
{
  hsize_t dim = (hsize_t)n;
  hid_t   s, ds, x;
  herr_t  rc = 0;

  PetscFunctionBegin;
  s = H5Screate_simple(1, &dim, NULL);
  ds = H5Dcreate2(loc, name, H5T_NATIVE_UINT8, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Sclose(s);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create dataset '%s' (exists already?)", name);
  x = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE);
  if (n) rc = H5Dwrite(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, x, data);
  H5Pclose(x);
  H5Dclose(ds);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write dataset '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_read_bytes(hid_t loc, const char *name, size_t *n, unsigned char **data)
{
  PetscBool exists;
  hid_t     ds, s, t;
  hsize_t   dim = 0;
  int       rank;
  herr_t    rc = 0;

  PetscFunctionBegin;
  *n = 0;
  *data = NULL;
  PetscCall(ms_h5_link_exists(loc, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, MS_ERR_READ, "missing dataset '%s'", name);
  ds = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_READ, "'%s' is not a dataset", name);
  s = H5Dget_space(ds);
  t = H5Dget_type(ds);
  rank = H5Sget_simple_extent_ndims(s);
  if (rank == 1) H5Sget_simple_extent_dims(s, &dim, NULL);
  H5Sclose(s);
  if (rank != 1 || H5Tget_class(t) != H5T_INTEGER || H5Tget_size(t) != 1) {
    H5Tclose(t);
    H5Dclose(ds);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "dataset '%s' must be a 1-D array of bytes", name);
  }
  H5Tclose(t);
  PetscCall(PetscMalloc1(dim + 1, data));
  if (dim) rc = H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data);
  H5Dclose(ds);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read dataset '%s'", name);
  (*data)[dim] = 0;
  *n = (size_t)dim;
  PetscFunctionReturn(0);
}
