/* ms_featurize_h5.c - HDF5 tables of featurizer inputs (see ms_featurize_rows_read_h5 in
 * ms_featurize.h): one 1-D dataset per column, each rank reading its block of rows with
 * independent reads (variable-length strings cannot be read collectively).
 */
#include "ms_featurize.h"
#include "ms_error.h"
#include "ms_h5.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- HDF5 input: 1-D datasets in one group, each rank reads its block of rows ---------- */

/* Rows [start, start + n) of a 1-D string dataset (fixed or variable length) into out[]. */
static PetscErrorCode read_strings(MPI_Comm comm, hid_t g, const char *where, const char *name, int64_t n_global, int64_t start,
                                   int64_t n, char **out)
{
  hid_t   d, ft, fs, ms, mt;
  int     rank;
  int64_t dims[3];
  PetscFunctionBegin;
  PetscCall(ms_h5_dataset_shape(g, name, &rank, dims));
  PetscCheck(rank == 1 && dims[0] == n_global, comm, MS_ERR_READ, "%s/%s: expected a 1-D dataset of %lld rows", where, name,
             (long long)n_global);
  d  = H5Dopen2(g, name, H5P_DEFAULT);
  ft = H5Dget_type(d);
  PetscCheck(H5Tget_class(ft) == H5T_STRING, comm, MS_ERR_READ, "%s/%s: expected strings", where, name);
  fs = H5Dget_space(d);
  hsize_t st = (hsize_t)start, ct = (hsize_t)n;
  ms         = H5Screate_simple(1, &ct, NULL);
  ms_h5_select_block(fs, ms, 1, &st, &ct);
  mt = H5Tcopy(H5T_C_S1);
  H5Tset_cset(mt, H5Tget_cset(ft)); /* h5py writes UTF-8: ASCII <-> UTF-8 has no conversion path */
  if (H5Tis_variable_str(ft) > 0) {
    char **buf;
    H5Tset_size(mt, H5T_VARIABLE);
    PetscCall(PetscCalloc1(n + 1, &buf));
    MS_H5CHK(H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf), comm, "%s/%s: cannot read the strings", where, name);
    for (int64_t i = 0; i < n; i++) PetscCall(PetscStrallocpy(buf[i] ? buf[i] : "", &out[i]));
    H5Dvlen_reclaim(mt, ms, H5P_DEFAULT, buf);
    PetscCall(PetscFree(buf));
  } else {
    size_t sz = H5Tget_size(ft);
    char  *buf;
    H5Tset_size(mt, sz + 1);
    H5Tset_strpad(mt, H5T_STR_NULLTERM);
    PetscCall(PetscCalloc1((size_t)n * (sz + 1) + 1, &buf));
    MS_H5CHK(H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf), comm, "%s/%s: cannot read the strings", where, name);
    for (int64_t i = 0; i < n; i++) {
      char *s = buf + (size_t)i * (sz + 1), *e = s + strlen(s);
      while (e > s && e[-1] == ' ') *--e = 0; /* space-padded (Fortran) strings */
      PetscCall(PetscStrallocpy(s, &out[i]));
    }
    PetscCall(PetscFree(buf));
  }
  H5Tclose(mt); H5Tclose(ft); H5Sclose(ms); H5Sclose(fs); H5Dclose(d);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_rows_read_h5(MPI_Comm comm, const char *spec, const char *input_col, const char *id_col,
                                         const char *target_col, PetscBool target_log10, ms_featurize_rows *rows)
{
  char        file[PETSC_MAX_PATH_LEN], group[PETSC_MAX_PATH_LEN] = "/", where[2 * PETSC_MAX_PATH_LEN + 2];
  const char *colon = strstr(spec, ".h5:") ? strstr(spec, ".h5:") + 3 : strstr(spec, ".hdf5:") ? strstr(spec, ".hdf5:") + 5 : NULL;
  ms_h5_file  f;
  hid_t       g;
  PetscMPIInt rank, size;
  int         r;
  int64_t     dims[3];
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof *rows));
  PetscCall(PetscStrncpy(file, spec, colon ? PetscMin(sizeof file, (size_t)(colon - spec) + 1) : sizeof file));
  if (colon) PetscCall(PetscStrncpy(group, colon + 1, sizeof group));
  snprintf(where, sizeof where, "%s:%s", file, group);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(ms_h5_open_read(comm, file, &f));
  g = H5Gopen2(f->fid, group, H5P_DEFAULT);
  MS_H5CHK(g, comm, "%s: no group '%s'", file, group);
  PetscBool ex;
  PetscCall(ms_h5_link_exists(g, input_col, &ex));
  PetscCheck(ex, comm, MS_ERR_USER, "%s: no dataset '%s' (the input column)", where, input_col);
  PetscCall(ms_h5_dataset_shape(g, input_col, &r, dims));
  PetscCheck(r == 1 && dims[0] > 0, comm, MS_ERR_READ, "%s/%s: expected a non-empty 1-D dataset of strings", where, input_col);
  rows->comm      = comm;
  rows->n_global  = dims[0];
  rows->n_local   = dims[0] / size + (rank < dims[0] % size ? 1 : 0);
  rows->row_start = rank * (dims[0] / size) + PetscMin(rank, dims[0] % size);
  size_t wl = strlen(where);
  snprintf(where + wl, sizeof where - wl, "%s%s", group[strlen(group) - 1] == '/' ? "" : "/", input_col);
  PetscCall(PetscStrallocpy(where, &rows->path)); /* messages: file.h5:/group/column:ROW */
  where[wl] = 0;
  int64_t n = rows->n_local;
  PetscCall(PetscCalloc3(n + 1, &rows->input, n + 1, &rows->ids, n + 1, &rows->line));
  PetscCall(read_strings(comm, g, where, input_col, rows->n_global, rows->row_start, n, rows->input));
  if (id_col) {
    PetscCall(ms_h5_link_exists(g, id_col, &ex));
    PetscCheck(ex, comm, MS_ERR_USER, "%s: no dataset '%s' (the id column)", where, id_col);
    PetscCall(read_strings(comm, g, where, id_col, rows->n_global, rows->row_start, n, rows->ids));
  }
  for (int64_t i = 0; i < n; i++) {
    char idbuf[32];
    rows->line[i] = rows->row_start + i + 1; /* the 1-based row stands in for the line */
    snprintf(idbuf, sizeof idbuf, "row %lld", (long long)rows->line[i]);
    if (!id_col) PetscCall(PetscStrallocpy(idbuf, &rows->ids[i]));
  }
  PetscCall(PetscStrallocpy(id_col ? id_col : "id", &rows->id_name));
  if (target_col) {
    char name[300];
    PetscCall(ms_h5_link_exists(g, target_col, &ex));
    PetscCheck(ex, comm, MS_ERR_USER, "%s: no dataset '%s' (the target column)", where, target_col);
    PetscCall(ms_h5_dataset_shape(g, target_col, &r, dims));
    PetscCheck(r == 1 && dims[0] == rows->n_global, comm, MS_ERR_READ, "%s/%s: expected a 1-D dataset of %lld numbers", where,
               target_col, (long long)rows->n_global);
    PetscCall(PetscMalloc1(n + 1, &rows->target));
    PetscCall(ms_h5_read_rows_double(g, target_col, rows->row_start, n, 0, rows->target));
    PetscErrorCode lerr = 0, gerr;
    for (int64_t i = 0; i < n && !lerr; i++)
      if (target_log10 && !isnan(rows->target[i])) {
        if (!(rows->target[i] > 0))
          lerr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL,
                            "%s/%s:%lld: target value %g is not positive: no log10", where, target_col, (long long)rows->line[i],
                            rows->target[i]);
        else rows->target[i] = log10(rows->target[i]);
      }
    PetscCall(ms_error_agree(comm, lerr, &gerr));
    if (gerr) return gerr;
    snprintf(name, sizeof name, target_log10 ? "log10(%s)" : "%s", target_col);
    PetscCall(PetscStrallocpy(name, &rows->target_name));
  }
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}
