/* ms_latent_io.c - descriptor rows, generator properties and tortuosities for `latent`
 * (ms_latent.h). */
#include "ms_latent.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include "ms_h5.h"
#include <ctype.h>
#include <math.h>
#include <string.h>

static PetscBool is_pc_name(const char *s)
{
  if (strncmp(s, "PC", 2) || !s[2]) return PETSC_FALSE;
  for (const char *c = s + 2; *c; c++)
    if (!isdigit((unsigned char)*c)) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* A bare n x d matrix (vae encode's /latent/mu), read in PETSc's row split. */
static PetscErrorCode load_matrix(MPI_Comm comm, hid_t fid, const char *spec, const char *name, ms_latent_rows *r)
{
  int     rk;
  int64_t dims[3];
  PetscFunctionBeginUser;
  PetscCall(ms_h5_dataset_shape(fid, name, &rk, dims));
  PetscCheck(rk == 2 && dims[0] > 0 && dims[1] > 0, comm, MS_ERR_USER, "%s: %s is not a 2-D matrix of rows x descriptors (rank %d)", spec, name, rk);
  PetscInt nl = PETSC_DECIDE, ng = (PetscInt)dims[0];
  PetscCall(PetscSplitOwnership(comm, &nl, &ng));
  r->n_global = dims[0];
  r->n_local  = nl;
  r->d        = dims[1];
  PetscCallMPI(MPI_Exscan(&r->n_local, &r->row_start, 1, MPI_INT64_T, MPI_SUM, comm));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) r->row_start = 0;
  PetscCall(PetscMalloc1(r->n_local * r->d + 1, &r->X));
  PetscCall(ms_h5_read_rows_double(fid, name, r->row_start, r->n_local, r->d, r->X));
  PetscCall(PetscMalloc1(r->d, &r->names));
  for (int64_t j = 0; j < r->d; j++) {
    char b[32];
    snprintf(b, sizeof b, "z%lld", (long long)j + 1);
    PetscCall(PetscStrallocpy(b, &r->names[j]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode load_table(MPI_Comm comm, const char *spec, ms_latent_rows *r)
{
  ms_table_columns cols;
  ms_dataset       ds;
  ms_csv_read_opts o;
  const char     **pcs;
  int              n_pc = 0;
  PetscFunctionBeginUser;
  PetscCall(ms_dataset_columns(comm, spec, &cols));
  PetscCall(PetscCalloc1(cols.n + 1, &pcs));
  for (int j = 0; j < cols.n; j++)
    if (is_pc_name(cols.names[j])) pcs[n_pc++] = cols.names[j];
  PetscCall(PetscMemzero(&o, sizeof o));
  o.features = n_pc ? pcs : NULL;
  char path[PETSC_MAX_PATH_LEN], group[PETSC_MAX_PATH_LEN];
  PetscBool is_h5;
  PetscCall(ms_dataset_split_spec(spec, path, sizeof path, group, sizeof group, &is_h5));
  for (int j = 0; j < cols.n && !is_h5; j++) /* a CSV names its id column; HDF5 tables carry theirs */
    if (!strcmp(cols.names[j], "id") || !strcmp(cols.names[j], "structure") || !strcmp(cols.names[j], "sample")) o.id_column = cols.names[j];
  PetscErrorCode ierr = ms_dataset_load(comm, spec, &o, &ds);
  PetscCall(PetscFree(pcs));
  PetscCall(ms_table_columns_free(&cols));
  PetscCall(ierr);
  PetscCheck(ds->n_global > 0 && ds->n_features > 0, comm, MS_ERR_USER, "%s: the table has no rows or no descriptor columns", spec);
  PetscCall(ms_dataset_check_finite_features(ds, spec));
  r->n_global  = ds->n_global;
  r->n_local   = ds->n_local;
  r->row_start = ds->row_start;
  r->d         = ds->n_features;
  r->X         = ds->X;
  r->ids       = ds->ids;
  r->names     = ds->feature_names;
  ds->X = NULL, ds->ids = NULL, ds->feature_names = NULL;
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_rows_load(MPI_Comm comm, const char *spec, const char *what, ms_latent_rows *r)
{
  char       path[PETSC_MAX_PATH_LEN], group[PETSC_MAX_PATH_LEN];
  PetscBool  is_h5, ex;
  ms_h5_file f;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  PetscCall(ms_dataset_split_spec(spec, path, sizeof path, group, sizeof group, &is_h5));
  if (!is_h5) {
    PetscCall(load_table(comm, spec, r));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscBool whole = (PetscBool)!strcmp(group, "/");
  if (whole) {
    PetscCall(ms_h5_link_exists(f->fid, "/latent/mu", &ex));
    if (ex) PetscCall(PetscStrncpy(group, "/latent/mu", sizeof group));
    else {
      PetscCall(ms_h5_link_exists(f->fid, "/describe/summary", &ex));
      if (!ex) {
        PetscCall(ms_h5_close(&f));
        SETERRQ(comm, MS_ERR_USER, "%s %s: neither /latent/mu (`vae encode`) nor /describe/summary (`describe -fit_pca`) in the file; name one as %s:/path",
                what, spec, path);
      }
      PetscCall(PetscStrncpy(group, "/describe/summary", sizeof group));
    }
  }
  PetscCall(ms_h5_link_exists(f->fid, group, &ex));
  if (!ex) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_USER, "%s %s: no %s in %s", what, spec, group, path);
  }
  hid_t     obj   = H5Oopen(f->fid, group, H5P_DEFAULT);
  PetscBool is_ds = (PetscBool)(obj >= 0 && H5Iget_type(obj) == H5I_DATASET);
  if (obj >= 0) H5Oclose(obj);
  PetscErrorCode ierr = 0;
  if (is_ds) ierr = load_matrix(comm, f->fid, spec, group, r);
  PetscCall(ms_h5_close(&f));
  PetscCall(ierr);
  if (!is_ds) {
    char s[2 * PETSC_MAX_PATH_LEN + 2];
    snprintf(s, sizeof s, "%s:%s", path, group);
    PetscCall(load_table(comm, s, r));
  }
  for (int64_t i = 0; i < r->n_local * r->d; i++)
    PetscCheck(isfinite(r->X[i]), PETSC_COMM_SELF, MS_ERR_USER, "%s %s: descriptor row %lld column %lld is %g", what, spec,
               (long long)(r->row_start + i / r->d), (long long)(i % r->d) + 1, r->X[i]);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_rows_replicate(MPI_Comm comm, ms_latent_rows *r)
{
  PetscMPIInt size, rank;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (size == 1) PetscFunctionReturn(0);
  int *cnt, *dsp, mine = (int)(r->n_local * r->d);
  double *X;
  PetscCall(PetscMalloc2(size, &cnt, size, &dsp));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, comm));
  dsp[0] = 0;
  for (int p = 1; p < size; p++) dsp[p] = dsp[p - 1] + cnt[p - 1];
  PetscCall(PetscMalloc1(r->n_global * r->d + 1, &X));
  PetscCallMPI(MPI_Allgatherv(r->X, mine, MPI_DOUBLE, X, cnt, dsp, MPI_DOUBLE, comm));
  if (r->ids) { /* ids: gather the lengths, then the characters */
    char **ids;
    int    len = 0, tot = 0;
    for (int64_t i = 0; i < r->n_local; i++) len += (int)strlen(r->ids[i]) + 1;
    PetscCallMPI(MPI_Allgather(&len, 1, MPI_INT, cnt, 1, MPI_INT, comm));
    for (int p = 0; p < size; p++) dsp[p] = tot, tot += cnt[p];
    char *mine_s, *all_s;
    PetscCall(PetscMalloc2(len + 1, &mine_s, tot + 1, &all_s));
    for (int64_t i = 0, o = 0; i < r->n_local; i++) {
      strcpy(mine_s + o, r->ids[i]);
      o += (int64_t)strlen(r->ids[i]) + 1;
    }
    PetscCallMPI(MPI_Allgatherv(mine_s, len, MPI_CHAR, all_s, cnt, dsp, MPI_CHAR, comm));
    PetscCall(PetscMalloc1(r->n_global + 1, &ids));
    for (int64_t i = 0, o = 0; i < r->n_global; i++) {
      PetscCall(PetscStrallocpy(all_s + o, &ids[i]));
      o += (int64_t)strlen(all_s + o) + 1;
    }
    for (int64_t i = 0; i < r->n_local; i++) PetscCall(PetscFree(r->ids[i]));
    PetscCall(PetscFree(r->ids));
    r->ids = ids;
    PetscCall(PetscFree2(mine_s, all_s));
  }
  PetscCall(PetscFree(r->X));
  r->X         = X;
  r->n_local   = r->n_global;
  r->row_start = 0;
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_rows_free(ms_latent_rows *r)
{
  PetscFunctionBeginUser;
  if (r->ids)
    for (int64_t i = 0; i < r->n_local; i++) PetscCall(PetscFree(r->ids[i]));
  PetscCall(PetscFree(r->ids));
  if (r->names)
    for (int64_t j = 0; j < r->d; j++) PetscCall(PetscFree(r->names[j]));
  PetscCall(PetscFree(r->names));
  PetscCall(PetscFree(r->X));
  PetscFunctionReturn(0);
}

/* Structure index of a describe id "...:/structures/000012" (-1 when it has none). */
static int64_t id_index(const char *id)
{
  const char *s = strrchr(id, '/');
  if (!s || !s[1]) return -1;
  char   *end;
  int64_t v = (int64_t)strtoll(s + 1, &end, 10);
  return *end || v < 0 ? -1 : v;
}

PetscErrorCode ms_latent_props_load(MPI_Comm comm, const char *batch, const ms_latent_rows *r, double **props)
{
  static const char *const col[5] = {"porosity", "stretch_x", "stretch_y", "stretch_z", "done"};
  ms_h5_file f;
  int        rk;
  int64_t    dims[3], n;
  double    *v[5];
  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, batch, &f));
  PetscBool ex;
  PetscCall(ms_h5_link_exists(f->fid, "/parameters/porosity", &ex));
  if (!ex) {
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_USER, "-structures %s: no /parameters/porosity (expected a `generate -batch` file)", batch);
  }
  PetscCall(ms_h5_dataset_shape(f->fid, "/parameters/porosity", &rk, dims));
  n = dims[0];
  for (int c = 0; c < 5; c++) {
    char name[64];
    snprintf(name, sizeof name, "/parameters/%s", col[c]);
    PetscCall(PetscMalloc1(n + 1, &v[c]));
    if (c < 4) PetscCall(ms_h5_read_rows_double(f->fid, name, 0, n, 0, v[c]));
    else {
      int64_t *dn;
      PetscCall(PetscMalloc1(n + 1, &dn));
      PetscCall(ms_h5_read_rows_int(f->fid, name, 0, n, dn));
      for (int64_t i = 0; i < n; i++) v[c][i] = (double)dn[i];
      PetscCall(PetscFree(dn));
    }
  }
  PetscCall(ms_h5_close(&f));
  PetscCheck(r->ids || r->n_global == n, comm, MS_ERR_USER,
             "-descriptors has %lld rows but -structures %s holds %lld structures: the descriptors must be of that batch, in order",
             (long long)r->n_global, batch, (long long)n);
  PetscCheck(!r->ids || r->n_global == n, comm, MS_ERR_USER,
             "-descriptors has %lld rows but -structures %s holds %lld structures: describe the whole batch (every structure once)",
             (long long)r->n_global, batch, (long long)n);
  int *seen;
  PetscCall(PetscCalloc1(n + 1, &seen));
  PetscCall(PetscMalloc1(r->n_local * MS_LATENT_NPROP + 1, props));
  int64_t bad = -1;
  for (int64_t i = 0; i < r->n_local; i++) {
    const int64_t s = r->ids ? id_index(r->ids[i]) : r->row_start + i;
    if (s < 0 || s >= n) {
      PetscCheck(PETSC_FALSE, PETSC_COMM_SELF, MS_ERR_USER, "-descriptors row %lld: id '%s' names no structure 0..%lld of -structures %s",
                 (long long)(r->row_start + i), r->ids ? r->ids[i] : "", (long long)n - 1, batch);
    }
    seen[s]++;
    if (v[4][s] != 1 && bad < 0) bad = s;
    double *p = *props + i * MS_LATENT_NPROP, e[3] = {v[1][s], v[2][s], v[3][s]};
    int     axis;
    p[MS_LATENT_POROSITY] = v[0][s];
    for (int a = 0; a < 3; a++) p[MS_LATENT_EX + a] = e[a];
    ms_latent_stretch(e, &axis, &p[MS_LATENT_INTENSITY]);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, seen, (int)n, MPI_INT, MPI_SUM, comm));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT64_T, MPI_MAX, comm));
  int64_t dup = -1;
  for (int64_t s = 0; s < n && dup < 0; s++)
    if (seen[s] != 1) dup = s;
  PetscCall(PetscFree(seen));
  for (int c = 0; c < 5; c++) PetscCall(PetscFree(v[c]));
  PetscCheck(dup < 0, comm, MS_ERR_USER, "-descriptors: structure %06lld of -structures %s appears %s (the ids do not match the batch)", (long long)dup,
             batch, "not exactly once");
  PetscCheck(bad < 0, comm, MS_ERR_USER, "-structures %s: structure %06lld is not done (finish the batch with `generate -resume`)", batch,
             (long long)bad);
  PetscFunctionReturn(0);
}

static PetscErrorCode tau_from_h5(MPI_Comm comm, const char *file, double tau[3], double *porosity)
{
  ms_h5_file f;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, file, &f));
  *porosity = NAN;
  for (int a = 0; a < 3; a++) {
    char      name[64];
    PetscBool ex;
    snprintf(name, sizeof name, "/tortuosity/%c/tau", "xyz"[a]);
    PetscCall(ms_h5_link_exists(f->fid, name, &ex));
    if (!ex) {
      PetscCall(ms_h5_close(&f));
      SETERRQ(comm, MS_ERR_USER, "-tau %s: no %s (run `matscreen tortuosity -axis all -output %s`)", file, name, file);
    }
    PetscCall(ms_h5_read_scalar_double(f->fid, name, &tau[a]));
    if (a == 0) PetscCall(ms_h5_read_scalar_double(f->fid, "/tortuosity/x/porosity", porosity));
  }
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_latent_tau_load(MPI_Comm comm, int n_files, char *const *files, const ms_latent_rows *nr, double *tau, double *porosity)
{
  PetscFunctionBeginUser;
  const int64_t n_new = nr->n_global;
  char          path[PETSC_MAX_PATH_LEN], group[PETSC_MAX_PATH_LEN];
  PetscBool     is_h5, ex = PETSC_FALSE;
  PetscCall(ms_dataset_split_spec(files[0], path, sizeof path, group, sizeof group, &is_h5));
  if (is_h5 && !strcmp(group, "/")) {
    ms_h5_file f;
    PetscCall(ms_h5_open_read(comm, path, &f));
    PetscCall(ms_h5_link_exists(f->fid, "/tortuosity", &ex));
    PetscCall(ms_h5_close(&f));
  }
  if (ex) { /* tortuosity outputs, one per new volume */
    PetscCheck(n_files == n_new, comm, MS_ERR_USER, "-tau: %d tortuosity file(s) for %lld new volume(s); give one per volume, in order", n_files,
               (long long)n_new);
    for (int64_t q = 0; q < n_new; q++) PetscCall(tau_from_h5(comm, files[q], tau + 3 * q, &porosity[q]));
    PetscFunctionReturn(0);
  }
  PetscCheck(n_files == 1, comm, MS_ERR_USER, "-tau: give one table (columns tau_x, tau_y, tau_z) or one `tortuosity` output per new volume");
  ms_table_columns cols;
  const char      *want[5] = {"tau_x", "tau_y", "tau_z", NULL, NULL};
  PetscCall(ms_dataset_columns(comm, files[0], &cols));
  for (int j = 0; j < cols.n; j++)
    if (!strcmp(cols.names[j], "porosity")) want[3] = "porosity";
  ms_csv_read_opts o;
  PetscCall(PetscMemzero(&o, sizeof o));
  o.features = want;
  for (int j = 0; j < cols.n; j++)
    if (!strcmp(cols.names[j], "id") || !strcmp(cols.names[j], "sample")) o.id_column = cols.names[j];
  ms_dataset ds, rep;
  PetscErrorCode ierr = ms_dataset_load(comm, files[0], &o, &ds);
  PetscCall(ms_table_columns_free(&cols));
  PetscCall(ierr);
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCheck(rep->n_global == n_new, comm, MS_ERR_USER, "-tau %s: %lld rows for %lld new volume(s) (-new)", files[0], (long long)rep->n_global,
             (long long)n_new);
  for (int64_t q = 0; q < n_new; q++) {
    if (rep->ids && nr->ids)
      PetscCheck(!strcmp(rep->ids[q], nr->ids[q]), comm, MS_ERR_USER, "-tau %s row %lld: id '%s' but new volume %lld is '%s' (same order expected)",
                 files[0], (long long)q + 1, rep->ids[q], (long long)q + 1, nr->ids[q]);
    for (int a = 0; a < 3; a++) tau[3 * q + a] = rep->X[q * rep->n_features + a];
    porosity[q] = want[3] ? rep->X[q * rep->n_features + 3] : NAN;
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}
