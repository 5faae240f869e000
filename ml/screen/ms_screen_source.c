/* ms_screen_source.c - candidate sources that are tables: CSV (parsed whole on each rank, the
 * CSV layer's file:line:column errors) and HDF5 `features` (read by hyperslab, one chunk at a
 * time, so a table larger than memory streams). Parameter spaces: ms_screen_space.c.
 *
 * Adding a source (formulas featurized on the fly, ...): a private context, read_rows that
 * fills rows [start, start + n) from the global index alone, describe and destroy; set
 * n_total, columns, has_ids, id_name. The screen never looks inside `data`.
 */
#include "ms_screen.h"
#include "ms_h5.h"
#include <math.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode ms_screen_source_destroy(ms_screen_source *s)
{
  PetscFunctionBegin;
  if (!*s) PetscFunctionReturn(0);
  if ((*s)->ops.destroy) PetscCall((*s)->ops.destroy(*s));
  for (int64_t j = 0; j < (*s)->n_columns; j++) PetscCall(PetscFree((*s)->columns[j]));
  PetscCall(PetscFree((*s)->columns));
  PetscCall(PetscFree((*s)->id_name));
  PetscCall(PetscFree(*s));
  PetscFunctionReturn(0);
}

int64_t ms_screen_source_column(ms_screen_source s, const char *name)
{
  for (int64_t j = 0; j < s->n_columns; j++)
    if (!strcmp(s->columns[j], name)) return j;
  return -1;
}

static void copy_id(char *dst, const char *src, size_t len)
{
  size_t l = PetscMin(len, (size_t)MS_SCREEN_ID_LEN - 1);
  memcpy(dst, src, l);
  memset(dst + l, 0, MS_SCREEN_ID_LEN - l);
}

/* --------------------------------------------------------------------- CSV */
typedef struct {
  char       path[PETSC_MAX_PATH_LEN];
  ms_dataset ds; /* whole table, PETSC_COMM_SELF */
  long long  size;
} table_csv;

static PetscErrorCode csv_read_rows(ms_screen_source s, int64_t start, int64_t n, double *X, char *ids)
{
  table_csv *t = (table_csv *)s->data;
  PetscFunctionBegin;
  PetscCall(PetscArraycpy(X, t->ds->X + start * s->n_columns, n * s->n_columns));
  if (ids)
    for (int64_t i = 0; i < n; i++) copy_id(ids + i * MS_SCREEN_ID_LEN, t->ds->ids[start + i], strlen(t->ds->ids[start + i]));
  PetscFunctionReturn(0);
}

static PetscErrorCode table_describe_file(const char *path, char *buf, size_t len)
{
  struct stat st;
  PetscFunctionBegin;
  /* size and mtime: a changed candidate file must not resume an old checkpoint */
  if (stat(path, &st)) st.st_size = st.st_mtime = 0;
  PetscCall(PetscSNPrintf(buf, len, "table %s size %lld mtime %lld", path, (long long)st.st_size, (long long)st.st_mtime));
  PetscFunctionReturn(0);
}

static PetscErrorCode csv_describe(ms_screen_source s, char *buf, size_t len)
{
  return table_describe_file(((table_csv *)s->data)->path, buf, len);
}

static PetscErrorCode csv_destroy(ms_screen_source s)
{
  table_csv *t = (table_csv *)s->data;
  PetscFunctionBegin;
  PetscCall(ms_dataset_destroy(&t->ds));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

/* --------------------------------------------------------------------- HDF5 */
typedef struct {
  char   path[PETSC_MAX_PATH_LEN], group[256];
  hid_t  fid, features, ids, id_type;
  size_t id_len;
  char  *id_buf;
  int64_t id_cap;
} table_h5;

static PetscErrorCode h5_read_rows(ms_screen_source s, int64_t start, int64_t n, double *X, char *ids)
{
  table_h5 *t = (table_h5 *)s->data;
  hsize_t   off[2] = {(hsize_t)start, 0}, cnt[2] = {(hsize_t)n, (hsize_t)s->n_columns};

  PetscFunctionBegin;
  if (n == 0) PetscFunctionReturn(0);
  hid_t fs = H5Dget_space(t->features), ms = H5Screate_simple(2, cnt, NULL);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL);
  herr_t rc = H5Dread(t->features, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, X);
  H5Sclose(ms);
  H5Sclose(fs);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: cannot read rows %lld..%lld of %s/features", t->path, (long long)start + 1,
             (long long)(start + n), t->group);
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < s->n_columns; j++)
      PetscCheck(isfinite(X[i * s->n_columns + j]), PETSC_COMM_SELF, MS_ERR_READ,
                 "%s: candidate row %lld, column '%s' is NaN or infinite (candidates must be finite)", t->path, (long long)(start + i + 1),
                 s->columns[j]);
  if (ids) {
    if (t->id_cap < n) {
      PetscCall(PetscFree(t->id_buf));
      PetscCall(PetscMalloc1(n * t->id_len, &t->id_buf));
      t->id_cap = n;
    }
    hsize_t o1 = (hsize_t)start, c1 = (hsize_t)n;
    fs = H5Dget_space(t->ids);
    ms = H5Screate_simple(1, &c1, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &o1, NULL, &c1, NULL);
    rc = H5Dread(t->ids, t->id_type, ms, fs, H5P_DEFAULT, t->id_buf);
    H5Sclose(ms);
    H5Sclose(fs);
    PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: cannot read ids of rows %lld..%lld", t->path, (long long)start + 1, (long long)(start + n));
    for (int64_t i = 0; i < n; i++) {
      const char *p = t->id_buf + i * t->id_len;
      copy_id(ids + i * MS_SCREEN_ID_LEN, p, strnlen(p, t->id_len));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode h5_describe(ms_screen_source s, char *buf, size_t len)
{
  return table_describe_file(((table_h5 *)s->data)->path, buf, len);
}

static PetscErrorCode h5_destroy(ms_screen_source s)
{
  table_h5 *t = (table_h5 *)s->data;
  PetscFunctionBegin;
  if (t->ids >= 0) H5Dclose(t->ids);
  if (t->id_type >= 0) H5Tclose(t->id_type);
  if (t->features >= 0) H5Dclose(t->features);
  if (t->fid >= 0) H5Fclose(t->fid);
  PetscCall(PetscFree(t->id_buf));
  PetscCall(PetscFree(t));
  PetscFunctionReturn(0);
}

static PetscErrorCode h5_open(const char *path, const char *group, ms_screen_source s)
{
  table_h5 *t;
  PetscBool exists;
  int       nn;
  char      where[512];

  PetscFunctionBegin;
  PetscCall(PetscNew(&t));
  t->fid = t->features = t->ids = t->id_type = -1;
  s->data = t;
  PetscCall(PetscStrncpy(t->path, path, sizeof t->path));
  PetscCall(PetscStrncpy(t->group, group, sizeof t->group));
  PetscCall(PetscSNPrintf(where, sizeof where, "%s%sfeatures", group, group[strlen(group) - 1] == '/' ? "" : "/"));
  H5E_BEGIN_TRY { t->fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT); } H5E_END_TRY;
  PetscCheck(t->fid >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open candidate table %s (missing, or not an HDF5 file)", path);
  PetscCall(ms_h5_link_exists(t->fid, where, &exists));
  PetscCheck(exists, PETSC_COMM_SELF, MS_ERR_READ,
             "%s: no dataset %s (a candidate table holds features (n x d) with attribute column_names; write one with `matscreen convert`)", path,
             where);
  t->features = H5Dopen2(t->fid, where, H5P_DEFAULT);
  hid_t   sp = H5Dget_space(t->features);
  int     rk = H5Sget_simple_extent_ndims(sp);
  hsize_t dims[2] = {0, 0};
  H5Sget_simple_extent_dims(sp, dims, NULL);
  H5Sclose(sp);
  PetscCheck(rk == 2, PETSC_COMM_SELF, MS_ERR_READ, "%s: %s must be 2-D (n x d), it has rank %d", path, where, rk);
  PetscCall(ms_h5_attr_get_strings(t->features, "column_names", &nn, &s->columns));
  PetscCheck((hsize_t)nn == dims[1], PETSC_COMM_SELF, MS_ERR_READ, "%s: %s has %llu columns but %d column_names", path, where,
             (unsigned long long)dims[1], nn);
  s->n_total   = (int64_t)dims[0];
  s->n_columns = nn;
  PetscCall(PetscSNPrintf(where, sizeof where, "%s%sids", group, group[strlen(group) - 1] == '/' ? "" : "/"));
  PetscCall(ms_h5_link_exists(t->fid, where, &exists));
  if (exists) {
    t->ids     = H5Dopen2(t->fid, where, H5P_DEFAULT);
    hid_t ft   = H5Dget_type(t->ids);
    PetscBool ok = H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft);
    t->id_len  = H5Tget_size(ft);
    H5Tclose(ft);
    PetscCheck(ok, PETSC_COMM_SELF, MS_ERR_READ, "%s: %s must hold fixed-length strings", path, where);
    t->id_type = H5Tcopy(H5T_C_S1);
    H5Tset_size(t->id_type, t->id_len);
    H5Tset_strpad(t->id_type, H5T_STR_NULLPAD);
    s->has_ids = PETSC_TRUE;
    PetscBool has_name;
    PetscCall(ms_h5_attr_exists(t->ids, "name", &has_name));
    if (has_name) PetscCall(ms_h5_attr_get_string(t->ids, "name", &s->id_name));
    else PetscCall(PetscStrallocpy("id", &s->id_name));
  }
  s->ops.read_rows = h5_read_rows;
  s->ops.describe  = h5_describe;
  s->ops.destroy   = h5_destroy;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_source_create_table(const char *spec, const char *id_column, const char **ignore, ms_screen_source *sp)
{
  char             path[PETSC_MAX_PATH_LEN], group[256] = "/";
  ms_screen_source s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  *sp = s;
  PetscCall(PetscStrncpy(path, spec, sizeof path));
  char *colon = strstr(path, ".h5:");
  if (!colon) colon = strstr(path, ".hdf5:");
  if (colon) {
    char *sep = strchr(colon, ':');
    PetscCall(PetscStrncpy(group, sep + 1, sizeof group));
    *sep = 0;
  }
  size_t l     = strlen(path);
  int    is_h5 = (l > 3 && !strcmp(path + l - 3, ".h5")) || (l > 5 && !strcmp(path + l - 5, ".hdf5"));
  if (is_h5) {
    PetscCheck(!ignore || !ignore[0], PETSC_COMM_SELF, MS_ERR_USER, "-ignore applies to CSV candidate tables only (%s is HDF5)", path);
    PetscCall(h5_open(path, group, s));
    PetscFunctionReturn(0);
  }
  table_csv       *t;
  ms_csv_read_opts ro = {0};
  PetscCall(PetscNew(&t));
  s->data = t;
  PetscCall(PetscStrncpy(t->path, path, sizeof t->path));
  ro.id_column  = id_column;
  ro.ignore     = ignore;
  ro.nan_policy = MS_NAN_ERROR;
  ro.task       = MS_TASK_NONE;
  s->ops.destroy = csv_destroy; /* before the read: a failed read still frees t */
  PetscCall(ms_dataset_read_csv(PETSC_COMM_SELF, path, &ro, &t->ds));
  s->n_total   = t->ds->n_global;
  s->n_columns = t->ds->n_features;
  PetscCall(PetscMalloc1(s->n_columns, &s->columns));
  for (int64_t j = 0; j < s->n_columns; j++) PetscCall(PetscStrallocpy(t->ds->feature_names[j], &s->columns[j]));
  if (t->ds->ids) {
    s->has_ids = PETSC_TRUE;
    PetscCall(PetscStrallocpy(t->ds->id_name ? t->ds->id_name : "id", &s->id_name));
  }
  s->ops.read_rows = csv_read_rows;
  s->ops.describe  = csv_describe;
  PetscFunctionReturn(0);
}
