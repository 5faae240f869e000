/* ms_dataset_columns.c - the column names of a table file, without reading its rows: for the
 * default feature choice of declared tables (label campaigns) and for error messages that list
 * what is available. Every rank reads the same few bytes (the CSV header, HDF5 metadata), so the
 * results and any error agree on all ranks without communication. */
#include "ms_csv.h"
#include "ms_dataset.h"
#include "ms_h5.h"
#include <errno.h>
#include <string.h>

PetscErrorCode ms_dataset_split_spec(const char *spec, char *path, size_t plen, char *group, size_t glen, PetscBool *is_h5)
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(path, spec, plen));
  PetscCall(PetscStrncpy(group, "/", glen));
  char *colon = strstr(path, ".h5:");
  if (!colon) colon = strstr(path, ".hdf5:");
  if (colon) { /* "file.h5:/group" */
    char *sep = strchr(colon, ':');
    PetscCall(PetscStrncpy(group, sep + 1, glen));
    *sep = 0;
  }
  size_t l = strlen(path);
  *is_h5   = (l > 3 && !strcmp(path + l - 3, ".h5")) || (l > 5 && !strcmp(path + l - 5, ".hdf5")) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode add_name(ms_table_columns *c, const char *name)
{
  PetscFunctionBegin;
  char **n;
  PetscCall(PetscMalloc1(c->n + 2, &n));
  if (c->n) PetscCall(PetscArraycpy(n, c->names, c->n));
  PetscCall(PetscFree(c->names));
  PetscCall(PetscStrallocpy(name, &n[c->n]));
  n[++c->n] = NULL;
  c->names  = n;
  PetscFunctionReturn(0);
}

static PetscErrorCode csv_columns(MPI_Comm comm, const char *path, ms_table_columns *c)
{
  FILE         *fp = fopen(path, "rb");
  char         *buf;
  size_t        cap = 1 << 16, len = 0;
  ms_csv_record rec = {0};
  PetscBool     have;
  PetscFunctionBegin;
  PetscCheck(fp, comm, MS_ERR_FILE, "cannot open '%s': %s", path, strerror(errno));
  PetscCall(PetscMalloc1(cap + 1, &buf));
  /* Enough bytes for the comment lines and the header record (which may be long). */
  for (;;) {
    len += fread(buf + len, 1, cap - len, fp);
    buf[len] = 0;
    if (len < cap || cap >= ((size_t)1 << 28)) break;
    char *more;
    PetscCall(PetscMalloc1(2 * cap + 1, &more));
    memcpy(more, buf, len);
    PetscCall(PetscFree(buf));
    buf = more;
    cap *= 2;
    if (strchr(buf, '\n') && buf[0] != '#') break;
  }
  fclose(fp);
  ms_csv_reader r = {path, buf, buf + len, 1};
  PetscErrorCode e = ms_csv_next(&r, &rec, &have);
  if (!e && have)
    for (int j = 0; j < rec.n && !e; j++) e = add_name(c, rec.field[j]);
  ms_csv_record_free(&rec);
  PetscCall(PetscFree(buf));
  PetscCheck(!e, comm, MS_ERR_READ, "%s: cannot read the header row", path);
  PetscCheck(have, comm, MS_ERR_READ, "%s: empty file (no header row)", path);
  PetscFunctionReturn(0);
}

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  (void)info;
  ms_table_columns *c = (ms_table_columns *)ctx;
  H5O_info_t        oi;
  if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT), t = H5Dget_type(d), sp = H5Dget_space(d);
  H5T_class_t cl = H5Tget_class(t);
  int         rk = H5Sget_simple_extent_ndims(sp);
  H5Sclose(sp); H5Tclose(t); H5Dclose(d);
  if (rk == 1 && (cl == H5T_INTEGER || cl == H5T_FLOAT)) return add_name(c, name) ? -1 : 0;
  return 0;
}

static PetscErrorCode h5_columns(MPI_Comm comm, const char *path, const char *group, ms_table_columns *c)
{
  ms_h5_file f;
  PetscBool  has;
  PetscFunctionBegin;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscCall(ms_h5_link_exists(f->fid, group, &has));
  if (!has) { /* ms_dataset_read_h5 reports it with the list of groups */
    PetscCall(ms_h5_close(&f));
    PetscFunctionReturn(0);
  }
  hid_t g = H5Gopen2(f->fid, group, H5P_DEFAULT);
  if (g < 0) {
    PetscCall(ms_h5_close(&f));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_h5_link_exists(g, "features", &has));
  if (has) {
    hid_t d = H5Dopen2(g, "features", H5P_DEFAULT);
    PetscCall(ms_h5_attr_exists(d, "column_names", &has));
    if (has) {
      int    n;
      char **names;
      PetscCall(ms_h5_attr_get_strings(d, "column_names", &n, &names));
      for (int j = 0; j < n; j++) PetscCall(add_name(c, names[j]));
      ms_strings_free(n, &names);
    }
    H5Dclose(d);
    const char *extra[] = {"target", "labels", NULL};
    for (const char **x = extra; *x; x++) {
      PetscCall(ms_h5_link_exists(g, *x, &has));
      if (!has) continue;
      char *nm;
      d = H5Dopen2(g, *x, H5P_DEFAULT);
      PetscCall(ms_h5_attr_get_string(d, "name", &nm));
      H5Dclose(d);
      PetscCall(add_name(c, nm));
      PetscCall(PetscFree(nm));
    }
  } else {
    H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, list_cb, c);
    PetscCall(ms_h5_attr_exists(g, "feature_columns", &has));
    if (has) {
      int n;
      PetscCall(ms_h5_attr_get_strings(g, "feature_columns", &n, &c->default_features));
      c->n_default = n;
    }
    PetscCall(ms_h5_attr_exists(g, "campaign_definition", &c->campaign));
  }
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_columns(MPI_Comm comm, const char *spec, ms_table_columns *cols)
{
  char      path[PETSC_MAX_PATH_LEN], group[256];
  PetscBool is_h5;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(cols, sizeof *cols));
  PetscCall(ms_dataset_split_spec(spec, path, sizeof path, group, sizeof group, &is_h5));
  if (is_h5) PetscCall(h5_columns(comm, path, group, cols));
  else PetscCall(csv_columns(comm, path, cols));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_table_columns_free(ms_table_columns *c)
{
  PetscFunctionBegin;
  for (int j = 0; j < c->n; j++) PetscCall(PetscFree(c->names[j]));
  PetscCall(PetscFree(c->names));
  if (c->default_features) ms_strings_free(c->n_default, &c->default_features);
  PetscCall(PetscMemzero(c, sizeof *c));
  PetscFunctionReturn(0);
}

void ms_table_columns_join(int n, char *const *names, char *buf, size_t len)
{
  buf[0] = 0;
  for (int j = 0; j < n; j++) {
    size_t l = strlen(buf), need = strlen(names[j]) + 8;
    if (l + need >= len) {
      snprintf(buf + l, len - l, ", ... (%d in all)", n);
      return;
    }
    snprintf(buf + l, len - l, "%s%s", j ? ", " : "", names[j]);
  }
}
