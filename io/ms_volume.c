/* ms_volume.c - z-slab distributed uint8 volumes and their HDF5/raw persistence. */
#include "ms_volume.h"
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_error.h"
#include <unistd.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

PetscErrorCode ms_volume_create(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, ms_volume *v)
{
  PetscMPIInt rank, size;
  PetscFunctionBegin;
  PetscCheck(nx > 0 && ny > 0 && nz > 0, comm, MS_ERR_USER, "volume size %lld x %lld x %lld: every dimension must be positive",
             (long long)nx, (long long)ny, (long long)nz);
  /* A file can claim any extent (HDF5 dims up to 2^64): refuse what cannot be addressed
     before any size arithmetic overflows (found by tests/fuzz/fuzz_h5). */
  int64_t nxy, nvox;
  PetscCheck(!__builtin_mul_overflow(nx, ny, &nxy) && !__builtin_mul_overflow(nxy, nz, &nvox) && (uint64_t)nvox < SIZE_MAX / 2, comm,
             MS_ERR_USER, "volume size %lld x %lld x %lld: more voxels than this machine can address", (long long)nx, (long long)ny,
             (long long)nz);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscNew(v));
  (*v)->comm     = comm;
  (*v)->nx       = nx;
  (*v)->ny       = ny;
  (*v)->nz       = nz;
  (*v)->z_start  = (nz / size) * rank + PetscMin(rank, nz % size);
  (*v)->nz_local = nz / size + (rank < nz % size ? 1 : 0);
  /* Say how much was asked for, before asking: a volume that cannot fit is a user error (a
     smaller size or more ranks), not a crash. All ranks agree, so all leave together. */
  double bytes = (double)(*v)->nz_local * (double)ny * (double)nx, most, phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
  PetscCallMPI(MPI_Allreduce(&bytes, &most, 1, MPI_DOUBLE, MPI_MAX, comm));
  if (phys > 0 && most > phys) {
    PetscCall(PetscFree(*v));
    SETERRQ(comm, MS_ERR_USER, "volume %lld x %lld x %lld needs %.0f bytes (%.3g GB) of voxels on one rank, more than this node's memory (%.3g GB): "
            "use a smaller size or more ranks", (long long)nx, (long long)ny, (long long)nz, most, most / 1e9, phys / 1e9);
  }
  /* PETSc's allocator, quietly: a failure is reported below with the byte count. */
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  PetscErrorCode e = PetscCalloc1((size_t)bytes + 1, &(*v)->data);
  PetscCall(PetscPopErrorHandler());
  int ok = !e && (*v)->data, all;
  PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, comm));
  if (!all) {
    if (ok) PetscCall(PetscFree((*v)->data));
    PetscCall(PetscFree(*v));
    SETERRQ(comm, MS_ERR_USER, "volume %lld x %lld x %lld: cannot allocate %.0f bytes (%.3g GB) of voxels on one rank: use a smaller size or more ranks",
            (long long)nx, (long long)ny, (long long)nz, most, most / 1e9);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_destroy(ms_volume *v)
{
  PetscFunctionBegin;
  if (!*v) PetscFunctionReturn(0);
  for (int i = 0; i < (*v)->n_meta; i++) PetscCall(PetscFree((*v)->meta[i]));
  PetscCall(PetscFree((*v)->meta));
  PetscCall(PetscFree((*v)->data));
  PetscCall(PetscFree(*v));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_set_meta(ms_volume v, const char *key, const char *fmt, ...)
{
  char    val[512], *kv;
  va_list ap;
  PetscFunctionBegin;
  va_start(ap, fmt);
  vsnprintf(val, sizeof val, fmt, ap);
  va_end(ap);
  size_t n = strlen(key) + strlen(val) + 2;
  PetscCall(PetscMalloc1(n, &kv));
  snprintf(kv, n, "%s=%s", key, val);
  size_t kl = strlen(key);
  for (int i = 0; i < v->n_meta; i++)
    if (!strncmp(v->meta[i], key, kl) && v->meta[i][kl] == '=') {
      PetscCall(PetscFree(v->meta[i]));
      v->meta[i] = kv;
      PetscFunctionReturn(0);
    }
  char **nm;
  PetscCall(PetscMalloc1(v->n_meta + 1, &nm));
  for (int i = 0; i < v->n_meta; i++) nm[i] = v->meta[i];
  nm[v->n_meta] = kv;
  PetscCall(PetscFree(v->meta));
  v->meta = nm;
  v->n_meta++;
  PetscFunctionReturn(0);
}

const char *ms_volume_get_meta(ms_volume v, const char *key)
{
  size_t kl = strlen(key);
  for (int i = 0; i < v->n_meta; i++)
    if (!strncmp(v->meta[i], key, kl) && v->meta[i][kl] == '=') return v->meta[i] + kl + 1;
  return NULL;
}

PetscErrorCode ms_volume_fraction(ms_volume v, uint8_t phase, double *fraction)
{
  long long c = 0, g = 0;
  size_t    n = (size_t)(v->nz_local * v->ny * v->nx);
  PetscFunctionBegin;
  for (size_t i = 0; i < n; i++) c += v->data[i] == phase;
  PetscCallMPI(MPI_Allreduce(&c, &g, 1, MPI_LONG_LONG, MPI_SUM, v->comm));
  *fraction = (double)g / ((double)v->nx * (double)v->ny * (double)v->nz);
  PetscFunctionReturn(0);
}

static hid_t box_xfer(void)
{
  hid_t x = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(x, H5FD_MPIO_COLLECTIVE);
  return x;
}

/* A metadata value is stored as a number when it is one, so a single volume, a batch and a
 * campaign agree on types: a decimal integer literal ("20") as int64 (uint64 beyond
 * INT64_MAX), a literal with a point or exponent ("2.0", "1e-3", "inf") as double; writers
 * format real quantities with "%#.17g" so that 2.0 stays a double. Text, and every
 * "units"/"*_units" value, stays a string. */
static PetscErrorCode write_meta_attr(hid_t d, const char *key, const char *value)
{
  char        *end;
  const size_t kl = strlen(key);
  PetscFunctionBegin;
  if (!value[0] || strpbrk(value, "xXpP") || !strcmp(key, "units") || (kl > 6 && !strcmp(key + kl - 6, "_units"))) {
    PetscCall(ms_h5_attr_set_string(d, key, value));
    PetscFunctionReturn(0);
  }
  errno              = 0;
  long long ll       = strtoll(value, &end, 10);
  if (!*end && !errno) {
    PetscCall(ms_h5_attr_set_int(d, key, (int64_t)ll));
    PetscFunctionReturn(0);
  }
  errno                  = 0;
  unsigned long long ull = value[0] != '-' ? strtoull(value, &end, 10) : 0;
  if (value[0] != '-' && !*end && !errno) {
    uint64_t u = (uint64_t)ull;
    hid_t    s = H5Screate(H5S_SCALAR);
    if (H5Aexists(d, key) > 0) H5Adelete(d, key);
    hid_t  a  = H5Acreate2(d, key, H5T_STD_U64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    herr_t rc = a >= 0 ? H5Awrite(a, H5T_NATIVE_UINT64, &u) : -1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write attribute '%s'", key);
    PetscFunctionReturn(0);
  }
  double x = strtod(value, &end);
  if (!*end) PetscCall(ms_h5_attr_set_double(d, key, x));
  else PetscCall(ms_h5_attr_set_string(d, key, value));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_write_h5(ms_volume v, hid_t loc, const char *dataset)
{
  PetscFunctionBegin;
  hsize_t dims[3] = {(hsize_t)v->nz, (hsize_t)v->ny, (hsize_t)v->nx};
  hsize_t start[3] = {(hsize_t)v->z_start, 0, 0}, count[3] = {(hsize_t)v->nz_local, (hsize_t)v->ny, (hsize_t)v->nx};
  hid_t   fs   = H5Screate_simple(3, dims, NULL);
  hid_t   lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  hid_t d = H5Dcreate2(loc, dataset, H5T_NATIVE_UINT8, fs, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  PetscCheck(d >= 0, v->comm, MS_ERR_FILE, "cannot create volume dataset '%s' (exists already?)", dataset);
  hid_t ms = H5Screate_simple(3, count, NULL);
  ms_h5_select_block(fs, ms, 3, start, count);
  hid_t  x  = box_xfer();
  herr_t rc = H5Dwrite(d, H5T_NATIVE_UINT8, ms, fs, x, v->data);
  H5Pclose(x);
  H5Sclose(ms);
  H5Sclose(fs);
  PetscCheck(rc >= 0, v->comm, MS_ERR_FILE, "cannot write volume '%s' (disk full?)", dataset);
  PetscCall(ms_h5_attr_set_double(d, "voxel_size", v->voxel_size));
  PetscCall(ms_h5_attr_set_string(d, "voxel_size_units", "um"));
  PetscCall(ms_h5_attr_set_string(d, "units", "1"));
  PetscCall(ms_h5_attr_set_string(d, "values", "phase label per voxel: 0 = pore, 1 = solid"));
  for (int i = 0; i < v->n_meta; i++) {
    char *eq = strchr(v->meta[i], '=');
    *eq      = 0;
    PetscErrorCode ierr = write_meta_attr(d, v->meta[i], eq + 1);
    *eq = '=';
    PetscCall(ierr);
  }
  H5Dclose(d);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_shape_h5(hid_t loc, const char *dataset, int64_t *nx, int64_t *ny, int64_t *nz)
{
  int     rank;
  int64_t dims[3];
  PetscFunctionBegin;
  PetscCall(ms_h5_dataset_shape(loc, dataset, &rank, dims));
  PetscCheck(rank == 3, PETSC_COMM_SELF, MS_ERR_READ, "volume dataset '%s' must be 3-D (nz, ny, nx), found %d-D", dataset, rank);
  *nz = dims[0];
  *ny = dims[1];
  *nx = dims[2];
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_read_box(hid_t loc, const char *dataset, const int64_t start[3], const int64_t count[3], uint8_t *buf)
{
  PetscFunctionBegin;
  hid_t d = H5Dopen2(loc, dataset, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot open volume dataset '%s'", dataset);
  hid_t t = H5Dget_type(d);
  PetscCheck(H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) == 1, PETSC_COMM_SELF, MS_ERR_READ,
             "volume dataset '%s' must hold 8-bit integers (uint8)", dataset);
  H5Tclose(t);
  hid_t   fs = H5Dget_space(d);
  hsize_t st[3] = {(hsize_t)start[2], (hsize_t)start[1], (hsize_t)start[0]};
  hsize_t ct[3] = {(hsize_t)count[2], (hsize_t)count[1], (hsize_t)count[0]};
  hid_t   ms = H5Screate_simple(3, ct, NULL);
  ms_h5_select_block(fs, ms, 3, st, ct);
  hid_t  x  = box_xfer();
  herr_t rc = H5Dread(d, H5T_NATIVE_UINT8, ms, fs, x, buf);
  H5Pclose(x);
  H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(d);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read box of volume '%s'", dataset);
  PetscFunctionReturn(0);
}

/* Attribute iteration callback: copy scalar attributes (numbers as text) into meta,
 * voxel_size into the field; the attributes ms_volume_write_h5 adds itself are skipped. */
static herr_t meta_cb(hid_t obj, const char *name, const H5A_info_t *info, void *ctx)
{
  (void)info;
  ms_volume v = (ms_volume)ctx;
  if (!strcmp(name, "voxel_size")) {
    ms_h5_attr_get_double(obj, name, &v->voxel_size);
    return 0;
  }
  if (!strcmp(name, "voxel_size_units") || !strcmp(name, "units") || !strcmp(name, "values")) return 0;
  char       *s = NULL;
  hid_t       a = H5Aopen(obj, name, H5P_DEFAULT), t = H5Aget_type(a), sp = H5Aget_space(a);
  H5T_class_t cls    = H5Tget_class(t);
  int         is_str = cls == H5T_STRING, scalar = H5Sget_simple_extent_type(sp) == H5S_SCALAR;
  if (scalar && cls == H5T_INTEGER) {
    if (H5Tget_sign(t) == H5T_SGN_NONE) {
      unsigned long long u = 0;
      if (H5Aread(a, H5T_NATIVE_ULLONG, &u) >= 0) ms_volume_set_meta(v, name, "%llu", u);
    } else {
      long long x = 0;
      if (H5Aread(a, H5T_NATIVE_LLONG, &x) >= 0) ms_volume_set_meta(v, name, "%lld", x);
    }
  } else if (scalar && cls == H5T_FLOAT) {
    double x = 0;
    if (H5Aread(a, H5T_NATIVE_DOUBLE, &x) >= 0) ms_volume_set_meta(v, name, "%#.17g", x);
  }
  H5Sclose(sp);
  H5Tclose(t);
  H5Aclose(a);
  if (is_str && ms_h5_attr_get_string(obj, name, &s) == 0) {
    ms_volume_set_meta(v, name, "%s", s);
    PetscFree(s);
  }
  return 0;
}

static PetscErrorCode read_h5(MPI_Comm comm, hid_t loc, const char *dataset, ms_volume *v);

/* A failed read frees the partly read volume (LeakSanitizer, tests/fuzz/fuzz_h5). */
PetscErrorCode ms_volume_read_h5(MPI_Comm comm, hid_t loc, const char *dataset, ms_volume *v)
{
  *v                  = NULL;
  PetscErrorCode ierr = read_h5(comm, loc, dataset, v);
  if (ierr) (void)ms_volume_destroy(v);
  return ierr;
}

static PetscErrorCode read_h5(MPI_Comm comm, hid_t loc, const char *dataset, ms_volume *v)
{
  int64_t   nx, ny, nz;
  PetscBool has;
  PetscFunctionBegin;
  PetscCall(ms_h5_link_exists(loc, dataset, &has));
  if (!has) {
    char list[1024];
    PetscCall(ms_dataset_h5_members(loc, dataset, list, sizeof list));
    SETERRQ(comm, MS_ERR_READ, "no volume dataset '%s' in the file (choose one with -dataset); %s", dataset, list);
  }
  PetscCall(ms_volume_shape_h5(loc, dataset, &nx, &ny, &nz));
  PetscCall(ms_volume_create(comm, nx, ny, nz, v));
  int64_t start[3] = {0, 0, (*v)->z_start}, count[3] = {nx, ny, (*v)->nz_local};
  PetscCall(ms_volume_read_box(loc, dataset, start, count, (*v)->data));
  hid_t d = H5Dopen2(loc, dataset, H5P_DEFAULT);
  H5Aiterate2(d, H5_INDEX_NAME, H5_ITER_INC, NULL, meta_cb, *v);
  H5Dclose(d);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_load(MPI_Comm comm, const char *path, const char *dataset, ms_volume *v)
{
  ms_h5_file f;
  PetscFunctionBegin;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscErrorCode ierr = ms_volume_read_h5(comm, f->fid, dataset, v);
  PetscCall(ms_h5_close(&f)); /* also after a failed read: no open file left behind */
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_save(ms_volume v, const char *path, const char *dataset)
{
  ms_h5_file f;
  PetscFunctionBegin;
  PetscCall(ms_h5_create(v->comm, path, &f));
  PetscCall(ms_volume_write_h5(v, f->fid, dataset));
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_volume_read_raw(MPI_Comm comm, const char *path, int64_t nx, int64_t ny, int64_t nz, ms_volume *v)
{
  struct stat st;
  PetscFunctionBegin;
  PetscCheck(stat(path, &st) == 0, comm, MS_ERR_FILE, "cannot open '%s': %s", path, strerror(errno));
  PetscCheck((int64_t)st.st_size == nx * ny * nz, comm, MS_ERR_READ,
             "raw volume '%s' has %lld bytes, but -shape %lld,%lld,%lld needs %lld", path, (long long)st.st_size, (long long)nx,
             (long long)ny, (long long)nz, (long long)(nx * ny * nz));
  PetscCall(ms_volume_create(comm, nx, ny, nz, v));
  PetscCall(ms_input_register(path));
  MPI_File fh;
  PetscCheck(MPI_File_open(comm, path, MPI_MODE_RDONLY, MPI_INFO_NULL, &fh) == MPI_SUCCESS, comm, MS_ERR_FILE, "cannot open '%s'", path);
  MPI_Offset off = (MPI_Offset)((*v)->z_start * ny * nx);
  size_t     n   = (size_t)((*v)->nz_local * ny * nx);
  for (size_t done = 0; done < n || (n == 0 && done == 0);) { /* int counts: 1 GiB pieces */
    int chunk = (int)PetscMin(n - done, (size_t)1 << 30);
    PetscCallMPI(MPI_File_read_at(fh, off + (MPI_Offset)done, (*v)->data + done, chunk, MPI_BYTE, MPI_STATUS_IGNORE));
    done += (size_t)chunk;
    if (n == 0) break;
  }
  PetscCallMPI(MPI_File_close(&fh));
  PetscCall(ms_volume_set_meta(*v, "source", "%s", path));
  PetscFunctionReturn(0);
}
