/* ms_dataset_h5.c - collective HDF5 persistence of ms_dataset (layout in ms_dataset.h).
 * ids are fixed-length strings: parallel HDF5 cannot write variable-length data collectively. */
#include "ms_dataset.h"
#include "ms_h5.h"
#include <string.h>

static PetscErrorCode split_rows(MPI_Comm comm, int64_t n, int64_t *start, int64_t *count)
{
  PetscMPIInt rank, size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  *start = (n / size) * rank + PetscMin(rank, n % size);
  *count = n / size + (rank < n % size ? 1 : 0);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_ids(ms_dataset ds, hid_t g)
{
  PetscFunctionBegin;
  long long mx = 1, gmx;
  for (int64_t i = 0; i < ds->n_local; i++) mx = PetscMax(mx, (long long)strlen(ds->ids[i]));
  PetscCallMPI(MPI_Allreduce(&mx, &gmx, 1, MPI_LONG_LONG, MPI_MAX, ds->comm));
  char *buf;
  PetscCall(PetscCalloc1((size_t)gmx * (size_t)ds->n_local + 1, &buf));
  for (int64_t i = 0; i < ds->n_local; i++) memcpy(buf + i * gmx, ds->ids[i], strlen(ds->ids[i]));
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, (size_t)gmx);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  hsize_t dims = (hsize_t)ds->n_global, start = (hsize_t)ds->row_start, count = (hsize_t)ds->n_local;
  hid_t   fs = H5Screate_simple(1, &dims, NULL), ms = H5Screate_simple(1, &count, NULL);
  hid_t   d  = H5Dcreate2(g, "ids", t, fs, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create dataset 'ids'");
  ms_h5_select_block(fs, ms, 1, &start, &count);
  hid_t x = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE);
  herr_t rc = H5Dwrite(d, t, ms, fs, x, buf);
  PetscCall(ms_h5_attr_set_string(d, "name", ds->id_name));
  H5Pclose(x); H5Dclose(d); H5Sclose(ms); H5Sclose(fs); H5Tclose(t);
  PetscCall(PetscFree(buf));
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write dataset 'ids'");
  PetscFunctionReturn(0);
}

static PetscErrorCode read_ids(ms_dataset ds, hid_t g)
{
  PetscFunctionBegin;
  hid_t d = H5Dopen2(g, "ids", H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot open dataset 'ids'");
  hid_t ft = H5Dget_type(d);
  PetscCheck(H5Tget_class(ft) == H5T_STRING && !H5Tis_variable_str(ft), PETSC_COMM_SELF, MS_ERR_READ,
             "dataset 'ids' must hold fixed-length strings");
  size_t L = H5Tget_size(ft);
  char  *buf;
  PetscCall(PetscCalloc1(L * (size_t)ds->n_local + 1, &buf));
  hid_t   fs = H5Dget_space(d);
  hsize_t start = (hsize_t)ds->row_start, count = (hsize_t)ds->n_local;
  hid_t   ms = H5Screate_simple(1, &count, NULL);
  ms_h5_select_block(fs, ms, 1, &start, &count);
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, L);
  H5Tset_strpad(mt, H5T_STR_NULLPAD); /* NULLTERM would reserve the last byte for a NUL */
  herr_t rc = H5Dread(d, mt, ms, fs, H5P_DEFAULT, buf);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read dataset 'ids'");
  PetscCall(PetscCalloc1(ds->n_local + 1, &ds->ids));
  for (int64_t i = 0; i < ds->n_local; i++) {
    PetscCall(PetscCalloc1(L + 1, &ds->ids[i]));
    memcpy(ds->ids[i], buf + i * L, L);
  }
  PetscBool has;
  PetscCall(ms_h5_attr_exists(d, "name", &has));
  if (has) PetscCall(ms_h5_attr_get_string(d, "name", &ds->id_name));
  else PetscCall(PetscStrallocpy("id", &ds->id_name));
  H5Tclose(mt); H5Sclose(ms); H5Sclose(fs); H5Tclose(ft); H5Dclose(d);
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_write_h5(ms_dataset ds, hid_t loc, const char *group)
{
  hid_t g, d;
  PetscFunctionBegin;
  PetscCall(ms_h5_group_ensure(loc, group, &g));
  PetscCall(ms_h5_write_rows_double(g, "features", ds->n_global, ds->row_start, ds->n_local, ds->n_features, ds->X));
  d = H5Dopen2(g, "features", H5P_DEFAULT);
  PetscCall(ms_h5_attr_set_strings(d, "column_names", (int)ds->n_features, ds->feature_names));
  H5Dclose(d);
  if (ds->y) {
    PetscCall(ms_h5_write_rows_double(g, "target", ds->n_global, ds->row_start, ds->n_local, 0, ds->y));
    d = H5Dopen2(g, "target", H5P_DEFAULT);
    PetscCall(ms_h5_attr_set_string(d, "name", ds->target_name));
    H5Dclose(d);
  }
  if (ds->labels) {
    PetscCall(ms_h5_write_rows_int(g, "labels", ds->n_global, ds->row_start, ds->n_local, ds->labels));
    d = H5Dopen2(g, "labels", H5P_DEFAULT);
    PetscCall(ms_h5_attr_set_string(d, "name", ds->target_name));
    PetscCall(ms_h5_attr_set_strings(d, "class_names", (int)ds->n_classes, ds->class_names));
    H5Dclose(d);
  }
  if (ds->ids) PetscCall(write_ids(ds, g));
  H5Gclose(g);
  PetscFunctionReturn(0);
}

static herr_t member_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  (void)g; (void)info;
  char  *buf = (char *)ctx;
  size_t l = strlen(buf), cap = 1024;
  if (l + strlen(name) + 16 >= cap) {
    if (!strstr(buf, ", ...")) strcat(buf, ", ...");
    return 0;
  }
  H5O_info_t oi;
  int        grp = H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) >= 0 && oi.type == H5O_TYPE_GROUP;
  snprintf(buf + l, cap - l, "%s%s%s", buf[0] ? ", " : "", name, grp ? "/" : "");
  return 0;
}

/* "the file holds: a, b/, c" for the group that would contain `path` (groups end in '/'). */
PetscErrorCode ms_dataset_h5_members(hid_t loc, const char *path, char *out, size_t len)
{
  char parent[256], members[1024] = "";
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(parent, path, sizeof parent));
  char *slash = strrchr(parent, '/');
  if (!strcmp(path, ".")) { /* loc itself */ }
  else if (!slash || slash == parent) PetscCall(PetscStrncpy(parent, "/", sizeof parent));
  else *slash = 0;
  PetscBool has = PETSC_TRUE;
  if (strcmp(parent, "/") && strcmp(parent, ".")) PetscCall(ms_h5_link_exists(loc, parent, &has));
  if (!has) PetscCall(PetscStrncpy(parent, "/", sizeof parent));
  H5Literate_by_name(loc, parent, H5_INDEX_NAME, H5_ITER_INC, NULL, member_cb, members, H5P_DEFAULT);
  snprintf(out, len, "%s '%s' holds: %s", strcmp(parent, ".") ? "group" : "this group", strcmp(parent, ".") ? parent : path,
           members[0] ? members : "nothing");
  PetscFunctionReturn(0);
}

/* Names of the numeric 1-D datasets of one common length in a group (sorted by name). */
typedef struct { int n, cap; char **names; int64_t len; PetscBool mixed; } col_scan;

static herr_t scan_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  (void)info;
  col_scan *c = (col_scan *)ctx;
  H5O_info_t oi;
  if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return 0;
  hid_t d = H5Dopen2(g, name, H5P_DEFAULT), t = H5Dget_type(d), sp = H5Dget_space(d);
  H5T_class_t cl = H5Tget_class(t);
  int         rk = H5Sget_simple_extent_ndims(sp);
  hsize_t     dim = 0;
  if (rk == 1) H5Sget_simple_extent_dims(sp, &dim, NULL);
  H5Sclose(sp); H5Tclose(t); H5Dclose(d);
  if (rk != 1 || (cl != H5T_INTEGER && cl != H5T_FLOAT)) return 0;
  if (c->n && (int64_t)dim != c->len) c->mixed = PETSC_TRUE;
  c->len = (int64_t)dim;
  if (c->n == c->cap) {
    c->cap   = c->cap ? 2 * c->cap : 16;
    c->names = (char **)realloc(c->names, sizeof(char *) * (size_t)c->cap);
  }
  c->names[c->n++] = strdup(name);
  return 0;
}

static void scan_free(col_scan *c)
{
  for (int j = 0; j < c->n; j++) free(c->names[j]);
  free(c->names);
}

/* A group of equal-length numeric 1-D datasets, one per column (the layout of campaign
   outputs such as /labels): every column becomes a feature, in name order. */
static PetscErrorCode read_columns(MPI_Comm comm, hid_t g, const char *gname, ms_dataset *out)
{
  col_scan c __attribute__((cleanup(scan_free))) = {0}; /* freed on every path, errors included */
  int64_t  start, count;
  PetscFunctionBegin;
  H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, NULL, scan_cb, &c);
  if (c.n == 0) {
    char list[1024];
    PetscCall(ms_dataset_h5_members(g, ".", list, sizeof list));
    SETERRQ(comm, MS_ERR_READ, "group '%s' holds neither a 'features' dataset nor numeric 1-D column datasets; %s", gname, list);
  }
  PetscCheck(!c.mixed, comm, MS_ERR_READ, "group '%s': the 1-D column datasets differ in length", gname);
  PetscCall(split_rows(comm, c.len, &start, &count));
  ms_dataset ds;
  PetscCall(ms_dataset_create(comm, count, c.n, &ds));
  *out = ds; /* from here on, the caller frees it on error */
  PetscCall(ms_dataset_set_feature_names(ds, c.names));
  double *col;
  PetscCall(PetscMalloc1(count + 1, &col));
  for (int j = 0; j < c.n; j++) {
    PetscErrorCode ierr = ms_h5_read_rows_double(g, c.names[j], start, count, 0, col);
    if (ierr) PetscCall(PetscFree(col));
    PetscCall(ierr);
    for (int64_t i = 0; i < count; i++) ds->X[i * c.n + j] = col[i];
  }
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_h5(MPI_Comm comm, hid_t loc, const char *group, ms_dataset *out);

/* A failed read frees the partly read dataset (LeakSanitizer, tests/fuzz/fuzz_h5). */
PetscErrorCode ms_dataset_read_h5(MPI_Comm comm, hid_t loc, const char *group, ms_dataset *out)
{
  *out                = NULL;
  PetscErrorCode ierr = read_h5(comm, loc, group, out);
  if (ierr) (void)ms_dataset_destroy(out);
  return ierr;
}

static PetscErrorCode read_h5(MPI_Comm comm, hid_t loc, const char *group, ms_dataset *out)
{
  hid_t     g, d;
  int       rank, n;
  int64_t   dims[3], start, count;
  PetscBool has;
  char    **names;
  PetscFunctionBegin;
  const char *gname = group && group[0] ? group : "/";
  PetscCall(ms_h5_link_exists(loc, gname, &has));
  if (!has) {
    char list[1024];
    PetscCall(ms_dataset_h5_members(loc, gname, list, sizeof list));
    SETERRQ(comm, MS_ERR_READ, "no group or dataset '%s' in the HDF5 file; %s", gname, list);
  }
  g = H5Gopen2(loc, gname, H5P_DEFAULT);
  PetscCheck(g >= 0, comm, MS_ERR_READ, "'%s' is not a group", gname);
  PetscCall(ms_h5_link_exists(g, "features", &has));
  if (!has) {
    PetscCall(read_columns(comm, g, gname, out));
    H5Gclose(g);
    PetscFunctionReturn(0);
  }
  PetscCall(ms_h5_dataset_shape(g, "features", &rank, dims));
  PetscCheck(rank == 2, comm, MS_ERR_READ, "dataset '%s/features' must be 2-D (rows, columns), found %d-D", gname, rank);
  PetscCall(split_rows(comm, dims[0], &start, &count));
  ms_dataset ds;
  PetscCall(ms_dataset_create(comm, count, dims[1], &ds));
  *out = ds; /* from here on, ms_dataset_read_h5 frees it on error */
  PetscCall(ms_h5_read_rows_double(g, "features", start, count, dims[1], ds->X));
  d = H5Dopen2(g, "features", H5P_DEFAULT);
  PetscCall(ms_h5_attr_exists(d, "column_names", &has));
  if (has) {
    PetscCall(ms_h5_attr_get_strings(d, "column_names", &n, &names));
    PetscCheck(n == dims[1], comm, MS_ERR_READ, "features: %d column names for %lld columns", n, (long long)dims[1]);
    PetscCall(ms_dataset_set_feature_names(ds, names));
    ms_strings_free(n, &names);
  }
  H5Dclose(d);
  PetscCall(ms_h5_link_exists(g, "target", &has));
  if (has) {
    char *nm;
    d = H5Dopen2(g, "target", H5P_DEFAULT);
    PetscCall(ms_h5_attr_get_string(d, "name", &nm));
    H5Dclose(d);
    PetscCall(ms_dataset_set_target(ds, nm, NULL));
    PetscCall(PetscFree(nm));
    PetscCall(ms_h5_read_rows_double(g, "target", start, count, 0, ds->y));
  }
  PetscCall(ms_h5_link_exists(g, "labels", &has));
  if (has) {
    char *nm;
    d = H5Dopen2(g, "labels", H5P_DEFAULT);
    PetscCall(ms_h5_attr_get_string(d, "name", &nm));
    PetscCall(ms_h5_attr_get_strings(d, "class_names", &n, &names));
    H5Dclose(d);
    int64_t *lab;
    PetscCall(PetscMalloc1(count + 1, &lab));
    PetscCall(ms_h5_read_rows_int(g, "labels", start, count, lab));
    PetscCall(ms_dataset_set_labels(ds, nm, n, names, lab));
    PetscCall(PetscFree(lab));
    PetscCall(PetscFree(nm));
    ms_strings_free(n, &names);
  }
  PetscCall(ms_h5_link_exists(g, "ids", &has));
  if (has) PetscCall(read_ids(ds, g));
  H5Gclose(g);
  *out = ds;
  PetscFunctionReturn(0);
}

/* Drop feature column j (moving the data left). */
static PetscErrorCode drop_column(ms_dataset ds, int64_t j)
{
  PetscFunctionBegin;
  int64_t d = ds->n_features;
  for (int64_t i = 0; i < ds->n_local; i++)
    for (int64_t k = 0, o = 0; k < d; k++)
      if (k != j) ds->X[i * (d - 1) + o++] = ds->X[i * d + k];
  PetscCall(PetscFree(ds->feature_names[j]));
  for (int64_t k = j; k < d - 1; k++) ds->feature_names[k] = ds->feature_names[k + 1];
  ds->feature_names[d - 1] = NULL;
  ds->n_features--;
  PetscFunctionReturn(0);
}

/* Keep only the named feature columns, in the given order. */
static PetscErrorCode keep_features(ms_dataset d, const char *src, const char **names)
{
  int64_t k = 0, *col;
  double *X;
  PetscFunctionBegin;
  while (names[k]) k++;
  PetscCall(PetscMalloc1(k + 1, &col));
  for (int64_t j = 0; j < k; j++) {
    col[j] = ms_dataset_feature_index(d, names[j]);
    if (col[j] < 0) {
      PetscCall(PetscFree(col)); /* not leaked by the error */
      char avail[1024];
      ms_table_columns_join((int)d->n_features, d->feature_names, avail, sizeof avail);
      SETERRQ(d->comm, MS_ERR_USER, "%s: feature column '%s' (-features, or a feature of the model) not found; columns: %s%s%s", src, names[j], avail,
              d->target_name ? " and the target " : "", d->target_name ? d->target_name : "");
    }
  }
  PetscCall(PetscMalloc1(d->n_local * k + 1, &X));
  for (int64_t i = 0; i < d->n_local; i++)
    for (int64_t j = 0; j < k; j++) X[i * k + j] = d->X[i * d->n_features + col[j]];
  char **nm;
  PetscCall(PetscMalloc1(k + 1, &nm));
  for (int64_t j = 0; j < k; j++) nm[j] = d->feature_names[col[j]];
  char **old = d->feature_names;
  int64_t oldn = d->n_features;
  d->feature_names = NULL;
  d->n_features    = k;
  PetscCall(ms_dataset_set_feature_names(d, nm));
  for (int64_t j = 0; j < oldn; j++) PetscCall(PetscFree(old[j]));
  PetscCall(PetscFree(old));
  PetscCall(PetscFree(nm));
  PetscCall(PetscFree(d->X));
  d->X = X;
  PetscCall(PetscFree(col));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_load(MPI_Comm comm, const char *spec, const ms_csv_read_opts *opts, ms_dataset *ds)
{
  char          path[PETSC_MAX_PATH_LEN], group[256];
  PetscBool     is_h5;
  ms_nan_policy pol = opts ? opts->nan_policy : MS_NAN_ERROR;
  PetscFunctionBegin;
  PetscCall(ms_dataset_split_spec(spec, path, sizeof path, group, sizeof group, &is_h5));
  if (!is_h5) {
    ms_csv_read_opts o = {0};
    if (opts) o = *opts;
    /* The CSV reader fails on the first bad value naming file:line:column; for omit it keeps the
       values and the rows are dropped below, in one place for CSV and HDF5, with a count. */
    if (pol == MS_NAN_OMIT) o.nan_policy = MS_NAN_KEEP;
    PetscCall(ms_dataset_read_csv(comm, path, &o, ds));
    if (opts && opts->features) {
      PetscErrorCode ierr = keep_features(*ds, path, opts->features);
      if (ierr) PetscCall(ms_dataset_destroy(ds)); /* a missing -features column leaves nothing behind */
      PetscCall(ierr);
    }
    if (pol == MS_NAN_OMIT) PetscCall(ms_dataset_apply_nan_policy(*ds, spec, pol, !o.target_keep_nonfinite));
    PetscFunctionReturn(0);
  }
  ms_h5_file f;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscErrorCode ierr = ms_dataset_read_h5(comm, f->fid, group, ds);
  PetscCall(ms_h5_close(&f)); /* also after a failed read: no open file left behind */
  PetscCall(ierr);
  ms_dataset d = *ds;
  char avail[1024];
  ms_table_columns_join((int)d->n_features, d->feature_names, avail, sizeof avail);
  for (const char **ig = opts ? opts->ignore : NULL; ig && *ig; ig++) {
    int64_t j = ms_dataset_feature_index(d, *ig);
    PetscCheck(j >= 0, comm, MS_ERR_USER, "%s: column '%s' to ignore not found; columns: %s", spec, *ig, avail);
    PetscCall(drop_column(d, j));
  }
  if (opts && opts->target && !(d->target_name && !strcmp(d->target_name, opts->target))) {
    /* Promote a feature column to the (regression) target. */
    int64_t j = ms_dataset_feature_index(d, opts->target);
    PetscCheck(j >= 0, comm, MS_ERR_USER, "%s: target column '%s' not found; columns: %s%s%s", spec, opts->target, avail,
               d->target_name ? ", target " : "", d->target_name ? d->target_name : "");
    PetscCheck(opts->task != MS_TASK_CLASSIFICATION, comm, MS_ERR_USER,
               "%s: a numeric HDF5 column cannot be a classification target; store labels (CSV with class names) instead", path);
    double *y;
    PetscCall(PetscMalloc1(d->n_local + 1, &y));
    for (int64_t i = 0; i < d->n_local; i++) y[i] = d->X[i * d->n_features + j];
    PetscCall(PetscFree(d->labels));
    d->n_classes = 0;
    PetscCall(ms_dataset_set_target(d, opts->target, y));
    PetscCall(PetscFree(y));
    PetscCall(drop_column(d, j));
  }
  if (opts && opts->features) PetscCall(keep_features(d, spec, opts->features));
  PetscCall(ms_dataset_apply_nan_policy(d, spec, pol, opts ? !opts->target_keep_nonfinite : PETSC_TRUE));
  PetscFunctionReturn(0);
}
