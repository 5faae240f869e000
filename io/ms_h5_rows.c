/* ms_h5_rows.c - collective row-sharded datasets and scalar datasets. */
#include "ms_h5.h"

void ms_h5_select_block(hid_t fs, hid_t ms, int rank, const hsize_t *start, const hsize_t *count)
{
  int empty = 0;
  for (int i = 0; i < rank; i++) empty |= count[i] == 0;
  if (empty) {
    H5Sselect_none(fs);
    H5Sselect_none(ms);
  } else H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
}

static hid_t collective_xfer(void)
{
  hid_t x = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE);
  return x;
}

static PetscErrorCode write_rows(hid_t loc, const char *name, hid_t type, int64_t n_global, int64_t row_start,
                                 int64_t n_local, int64_t ncols, const void *data)
{
  PetscFunctionBegin;
  int     rank = ncols > 0 ? 2 : 1;
  hsize_t dims[2] = {(hsize_t)n_global, (hsize_t)ncols}, start[2] = {(hsize_t)row_start, 0},
          count[2] = {(hsize_t)n_local, (hsize_t)ncols};
  hid_t   fs = H5Screate_simple(rank, dims, NULL);
  hid_t   ds = H5Dcreate2(loc, name, type, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create dataset '%s' (exists already?)", name);
  hid_t ms = H5Screate_simple(rank, count, NULL);
  ms_h5_select_block(fs, ms, rank, start, count);
  hid_t  x  = collective_xfer();
  herr_t rc = H5Dwrite(ds, type, ms, fs, x, data);
  H5Pclose(x);
  H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(ds);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write dataset '%s' (disk full?)", name);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_rows(hid_t loc, const char *name, hid_t type, int64_t row_start, int64_t n_local,
                                int64_t ncols, void *data)
{
  PetscFunctionBegin;
  PetscBool exists;
  PetscCall(ms_h5_link_exists(loc, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, MS_ERR_READ, "missing dataset '%s'", name);
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot open dataset '%s'", name);
  hid_t   fs   = H5Dget_space(ds);
  int     rank = H5Sget_simple_extent_ndims(fs);
  int     want = ncols > 0 ? 2 : 1;
  hsize_t dims[H5S_MAX_RANK] = {0};
  /* The rank comes from the file: check it before the dims array is filled (H5S_MAX_RANK
     = 32 is the most a file can hold, so the call below cannot overflow either way). */
  if (rank < 0 || rank > want) {
    H5Sclose(fs);
    H5Dclose(ds);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "dataset '%s' has %d dimensions, expected %d-D%s", name, rank, want,
            want == 2 ? " (rows x columns)" : " (one value per row)");
  }
  H5Sget_simple_extent_dims(fs, dims, NULL);
  PetscCheck(rank == want && (ncols == 0 || dims[1] == (hsize_t)ncols) && (hsize_t)(row_start + n_local) <= dims[0],
             PETSC_COMM_SELF, MS_ERR_READ, "dataset '%s' has shape (%llu%s%llu), expected %d-D with %lld columns and >= %lld rows",
             name, (unsigned long long)dims[0], rank > 1 ? ", " : "", rank > 1 ? (unsigned long long)dims[1] : 0ULL, want,
             (long long)ncols, (long long)(row_start + n_local));
  hsize_t start[2] = {(hsize_t)row_start, 0}, count[2] = {(hsize_t)n_local, (hsize_t)ncols};
  hid_t   ms = H5Screate_simple(want, count, NULL);
  ms_h5_select_block(fs, ms, want, start, count);
  hid_t  x  = collective_xfer();
  herr_t rc = H5Dread(ds, type, ms, fs, x, data);
  H5Pclose(x);
  H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(ds);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read dataset '%s' (wrong type?)", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_write_rows_double(hid_t loc, const char *name, int64_t n_global, int64_t row_start, int64_t n_local,
                                       int64_t ncols, const double *data)
{
  return write_rows(loc, name, H5T_NATIVE_DOUBLE, n_global, row_start, n_local, ncols, data);
}

PetscErrorCode ms_h5_read_rows_double(hid_t loc, const char *name, int64_t row_start, int64_t n_local, int64_t ncols, double *data)
{
  return read_rows(loc, name, H5T_NATIVE_DOUBLE, row_start, n_local, ncols, data);
}

PetscErrorCode ms_h5_write_rows_int(hid_t loc, const char *name, int64_t n_global, int64_t row_start, int64_t n_local,
                                    const int64_t *data)
{
  return write_rows(loc, name, H5T_NATIVE_INT64, n_global, row_start, n_local, 0, data);
}

PetscErrorCode ms_h5_read_rows_int(hid_t loc, const char *name, int64_t row_start, int64_t n_local, int64_t *data)
{
  return read_rows(loc, name, H5T_NATIVE_INT64, row_start, n_local, 0, data);
}

PetscErrorCode ms_h5_dataset_shape(hid_t loc, const char *name, int *rank, int64_t dims[3])
{
  PetscFunctionBegin;
  PetscBool exists;
  PetscCall(ms_h5_link_exists(loc, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, MS_ERR_READ, "missing dataset '%s'", name);
  hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_READ, "'%s' is not a dataset", name);
  hid_t   fs = H5Dget_space(ds);
  hsize_t d[H5S_MAX_RANK];
  *rank = H5Sget_simple_extent_ndims(fs);
  if (*rank < 0 || *rank > 3) {
    H5Sclose(fs);
    H5Dclose(ds);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "dataset '%s' has %d dimensions (at most 3 supported)", name, *rank);
  }
  H5Sget_simple_extent_dims(fs, d, NULL);
  for (int i = 0; i < 3; i++) dims[i] = i < *rank ? (int64_t)d[i] : 0;
  H5Sclose(fs);
  H5Dclose(ds);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_scalar(hid_t loc, const char *name, hid_t type, const void *v)
{
  PetscFunctionBegin;
  hid_t s  = H5Screate(H5S_SCALAR);
  hid_t ds = H5Dcreate2(loc, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(ds >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create dataset '%s' (exists already?)", name);
  /* All ranks hold the same value; a collective write of identical data is well defined. */
  hid_t  x  = collective_xfer();
  herr_t rc = H5Dwrite(ds, type, H5S_ALL, H5S_ALL, x, v);
  H5Pclose(x);
  H5Dclose(ds);
  H5Sclose(s);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write dataset '%s'", name);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_scalar(hid_t loc, const char *name, hid_t type, void *v)
{
  PetscFunctionBegin;
  PetscBool exists;
  PetscCall(ms_h5_link_exists(loc, name, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, MS_ERR_READ, "missing dataset '%s'", name);
  hid_t  ds = H5Dopen2(loc, name, H5P_DEFAULT);
  herr_t rc = ds >= 0 ? H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) : -1;
  if (ds >= 0) H5Dclose(ds);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read scalar dataset '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_write_scalar_double(hid_t loc, const char *name, double value)
{
  return write_scalar(loc, name, H5T_NATIVE_DOUBLE, &value);
}
PetscErrorCode ms_h5_write_scalar_int(hid_t loc, const char *name, int64_t value)
{
  return write_scalar(loc, name, H5T_NATIVE_INT64, &value);
}
PetscErrorCode ms_h5_read_scalar_double(hid_t loc, const char *name, double *value)
{
  return read_scalar(loc, name, H5T_NATIVE_DOUBLE, value);
}
PetscErrorCode ms_h5_read_scalar_int(hid_t loc, const char *name, int64_t *value)
{
  return read_scalar(loc, name, H5T_NATIVE_INT64, value);
}
