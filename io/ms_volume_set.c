/* ms_volume_set.c - resolve command-line volume entries (files, globs, batch groups) to a
 * list of single volumes (ms_volume_set.h). */
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_tiff.h"
#include "ms_volume_set.h"
#include <glob.h>
#include <string.h>
#include <strings.h>

static PetscBool has_suffix(const char *s, const char *suf)
{
  size_t l = strlen(s), m = strlen(suf);
  return (PetscBool)(l >= m && !strcasecmp(s + l - m, suf));
}

static PetscErrorCode add(ms_volume_set s, const char *file, const char *dataset, const int64_t shape[3])
{
  char name[PETSC_MAX_PATH_LEN + 300];
  PetscFunctionBegin;
  if (!(s->n & (s->n + 1))) { /* grow at 0, 1, 3, 7, ... entries */
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)(2 * s->n + 2), &s->names));
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)(2 * s->n + 2), &s->files));
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)(2 * s->n + 2), &s->datasets));
    PetscCall(PetscRealloc(sizeof(int64_t) * 3 * (size_t)(2 * s->n + 2), &s->shape));
  }
  for (int a = 0; a < 3; a++) s->shape[3 * s->n + a] = shape[a];
  if (dataset) PetscCall(PetscSNPrintf(name, sizeof name, "%s:%s", file, dataset));
  else PetscCall(PetscStrncpy(name, file, sizeof name));
  PetscCall(PetscStrallocpy(name, &s->names[s->n]));
  PetscCall(PetscStrallocpy(file, &s->files[s->n]));
  s->datasets[s->n] = NULL;
  if (dataset) PetscCall(PetscStrallocpy(dataset, &s->datasets[s->n]));
  s->n++;
  if (!s->n_files || strcmp(s->file_list[s->n_files - 1], file)) {
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)(s->n_files + 1), &s->file_list));
    PetscCall(PetscStrallocpy(file, &s->file_list[s->n_files++]));
  }
  PetscFunctionReturn(0);
}

/* A volume dataset: 3-D, uint8, no empty dimension; errors name the file and dataset. */
static PetscErrorCode check_volume(MPI_Comm comm, hid_t fid, const char *file, const char *path, int64_t shape[3])
{
  int     rk;
  int64_t dims[3];
  PetscFunctionBegin;
  PetscCall(ms_h5_dataset_shape(fid, path, &rk, dims));
  PetscCheck(rk == 3, comm, MS_ERR_READ, "'%s': dataset %s is %d-D: a volume must be 3-D (nz, ny, nx)", file, path, rk);
  PetscCheck(dims[0] > 0 && dims[1] > 0 && dims[2] > 0, comm, MS_ERR_READ, "'%s': volume %s is empty (shape %lld x %lld x %lld)", file, path,
             (long long)dims[0], (long long)dims[1], (long long)dims[2]);
  hid_t d = H5Dopen2(fid, path, H5P_DEFAULT);
  MS_H5CHK(d, comm, "'%s': cannot open dataset %s", file, path);
  hid_t  t   = H5Dget_type(d);
  int    ok  = H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == 1;
  size_t sz  = H5Tget_size(t);
  int    cls = (int)H5Tget_class(t);
  H5Tclose(t);
  H5Dclose(d);
  shape[0] = dims[2];
  shape[1] = dims[1];
  shape[2] = dims[0];
  PetscCheck(ok, comm, MS_ERR_READ, "'%s': volume %s holds %zu-byte %s values: expected uint8 voxels (0 = pore)", file, path, sz,
             cls == H5T_FLOAT ? "floating-point" : (cls == H5T_INTEGER ? "integer" : "non-numeric"));
  PetscFunctionReturn(0);
}

typedef struct {
  int    n;
  char **names;
} name_list;

static herr_t dataset_cb(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
  (void)info;
  name_list *l = (name_list *)ctx;
  H5O_info_t oi;
  if (H5Oget_info_by_name2(g, name, &oi, H5O_INFO_BASIC, H5P_DEFAULT) < 0 || oi.type != H5O_TYPE_DATASET) return 0;
  char **grown = realloc(l->names, sizeof(char *) * (size_t)(l->n + 1));
  if (!grown) return -1;
  l->names = grown;
  l->names[l->n++] = strdup(name);
  return 0;
}

/* Every dataset of group `grp` in name order; a `generate -batch` file's unfinished
 * structures (/parameters/done == 0) are skipped. */
static PetscErrorCode add_group(MPI_Comm comm, ms_volume_set s, hid_t fid, const char *file, const char *grp)
{
  name_list l = {0, NULL};
  PetscBool has_done = PETSC_FALSE;
  int64_t  *done = NULL, ndone = 0, skipped = 0;
  PetscFunctionBegin;
  MS_H5CHK(H5Literate_by_name(fid, grp, H5_INDEX_NAME, H5_ITER_INC, NULL, dataset_cb, &l, H5P_DEFAULT), comm,
           "'%s': cannot list the group %s", file, grp);
  if (!strcmp(grp, "/structures")) PetscCall(ms_h5_link_exists(fid, "/parameters/done", &has_done));
  if (has_done) {
    int rk;
    int64_t dims[3];
    PetscCall(ms_h5_dataset_shape(fid, "/parameters/done", &rk, dims));
    ndone = dims[0];
    PetscCall(PetscMalloc1(ndone + 1, &done));
    PetscCall(ms_h5_read_rows_int(fid, "/parameters/done", 0, ndone, done));
  }
  for (int i = 0; i < l.n; i++) {
    char  path[PETSC_MAX_PATH_LEN], *end;
    long long idx = strtoll(l.names[i], &end, 10);
    PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", strcmp(grp, "/") ? grp : "", l.names[i]));
    if (has_done && !*end && idx >= 0 && idx < ndone && !done[idx]) skipped++;
    else {
      int64_t shape[3];
      PetscCall(check_volume(comm, fid, file, path, shape));
      PetscCall(add(s, file, path, shape));
    }
    free(l.names[i]);
  }
  free(l.names);
  PetscCall(PetscFree(done));
  PetscCheck(l.n > skipped, comm, MS_ERR_READ, "'%s': group %s holds no %svolume dataset", file, grp, skipped ? "finished " : "");
  PetscFunctionReturn(0);
}

static PetscErrorCode add_file(MPI_Comm comm, ms_volume_set s, const char *entry, const char *default_dataset)
{
  char       file[PETSC_MAX_PATH_LEN], obj[256];
  PetscBool  is_h5, has;
  ms_h5_file f;
  PetscFunctionBegin;
  if (has_suffix(entry, ".tif") || has_suffix(entry, ".tiff")) {
    int64_t shape[3];
    PetscCall(ms_tiff_info(comm, entry, &shape[0], &shape[1], &shape[2])); /* missing or malformed: fail now, before any work */
    PetscCall(add(s, entry, NULL, shape));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_dataset_split_spec(entry, file, sizeof file, obj, sizeof obj, &is_h5));
  PetscCheck(is_h5, comm, MS_ERR_USER, "-input '%s': expected an HDF5 volume file (.h5, .hdf5, optionally file.h5:/dataset) or a TIFF stack (.tif, .tiff)",
             entry);
  PetscCall(ms_h5_open_read(comm, file, &f));
  const PetscBool given = (PetscBool)(strchr(entry, ':') != NULL && strcmp(obj, "/"));
  const char     *path  = given ? obj : default_dataset;
  PetscCall(ms_h5_link_exists(f->fid, path, &has));
  if (!has && !given) {
    path = "/structures";
    PetscCall(ms_h5_link_exists(f->fid, path, &has));
  }
  if (!has) {
    char list[1024];
    PetscCall(ms_dataset_h5_members(f->fid, given ? obj : "/", list, sizeof list));
    PetscCall(ms_h5_close(&f));
    SETERRQ(comm, MS_ERR_READ, "-input '%s': no volume %s in '%s' (name one as file.h5:/dataset); %s", entry,
            given ? obj : "(neither the dataset /volume nor the group /structures)", file, list);
  }
  H5O_info_t oi;
  MS_H5CHK(H5Oget_info_by_name2(f->fid, path, &oi, H5O_INFO_BASIC, H5P_DEFAULT), comm, "'%s': cannot inspect %s", file, path);
  PetscErrorCode ierr = 0;
  if (oi.type == H5O_TYPE_GROUP) ierr = add_group(comm, s, f->fid, file, path);
  else {
    int64_t shape[3];
    ierr = check_volume(comm, f->fid, file, path, shape);
    if (!ierr) ierr = add(s, file, path, shape);
  }
  PetscCall(ms_h5_close(&f));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_set_resolve(MPI_Comm comm, int n_inputs, char *const *inputs, const char *default_dataset, ms_volume_set *set)
{
  ms_volume_set s;
  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  *set = s;
  for (int i = 0; i < n_inputs; i++) {
    const char *e = inputs[i];
    if (!strpbrk(e, "*?[")) {
      PetscCall(add_file(comm, s, e, default_dataset));
      continue;
    }
    glob_t g;
    int    rc = glob(e, 0, NULL, &g); /* sorted; the same on every rank of one file system */
    PetscCheck(rc == 0 || rc == GLOB_NOMATCH, comm, MS_ERR_FILE, "-input '%s': cannot expand the pattern", e);
    if (rc == GLOB_NOMATCH) {
      globfree(&g);
      SETERRQ(comm, MS_ERR_FILE, "-input '%s': no file matches the pattern", e);
    }
    for (size_t k = 0; k < g.gl_pathc; k++) {
      PetscErrorCode ierr = add_file(comm, s, g.gl_pathv[k], default_dataset);
      if (ierr) globfree(&g);
      PetscCall(ierr);
    }
    globfree(&g);
  }
  PetscCheck(s->n > 0, comm, MS_ERR_USER, "-input: no volume given");
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_set_load(MPI_Comm comm, ms_volume_set s, int64_t i, ms_volume *v)
{
  PetscFunctionBegin;
  PetscCheck(i >= 0 && i < s->n, comm, PETSC_ERR_ARG_OUTOFRANGE, "volume %lld of a set of %lld", (long long)i, (long long)s->n);
  if (!s->datasets[i]) PetscCall(ms_tiff_read(comm, s->files[i], v));
  else PetscCall(ms_volume_load(comm, s->files[i], s->datasets[i], v));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_set_destroy(ms_volume_set *set)
{
  ms_volume_set s = *set;
  PetscFunctionBegin;
  if (!s) PetscFunctionReturn(0);
  for (int64_t i = 0; i < s->n; i++) {
    PetscCall(PetscFree(s->names[i]));
    PetscCall(PetscFree(s->files[i]));
    PetscCall(PetscFree(s->datasets[i]));
  }
  for (int i = 0; i < s->n_files; i++) PetscCall(PetscFree(s->file_list[i]));
  PetscCall(PetscFree(s->names));
  PetscCall(PetscFree(s->files));
  PetscCall(PetscFree(s->datasets));
  PetscCall(PetscFree(s->shape));
  PetscCall(PetscFree(s->file_list));
  PetscCall(PetscFree(s));
  *set = NULL;
  PetscFunctionReturn(0);
}
