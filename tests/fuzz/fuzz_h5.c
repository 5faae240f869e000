/* fuzz_h5.c - the HDF5 readers (tables and volumes) on arbitrary HDF5 structures.
 *
 * Structure-aware: the input is a little program that builds an HDF5 file in memory
 * (core driver) with the HDF5 library - datasets of any name our readers look for, any
 * type class, rank 0..5, empty and huge extents (2^62, chunked, never written), string
 * attributes of every padding and length (fixed, variable, arrays, null dataspace),
 * groups, soft links (dangling or cyclic). The readers then run on that file: the
 * table reader (ms_dataset_read_h5 on "/", "/labels", "/g"; ms_dataset_load with -target,
 * -ignore and -features on the same bytes written to a file) and the volume reader
 * (ms_volume_read_h5 / ms_volume_load).
 *
 * Why not raw bytes: a mutated HDF5 image mostly exercises libhdf5's own parser (HDF5
 * 1.10.8 has known crashes on corrupt files that we cannot fix here, and the first would
 * stop the campaign); our readers' bugs are in what they assume about a well-formed file
 * (rank, type, sizes, attribute strings), which this encoding reaches directly.
 *
 * Encoding: up to 24 operations, each one opcode byte and its operands; bytes past the
 * end read as 0. See the op_* functions.
 */
#include "ms_fuzz.h"
#include "ms_dataset.h"
#include "ms_volume.h"
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const uint8_t *p;
  size_t         n;
} rd;

static unsigned take(rd *r, unsigned mod)
{
  if (!r->n) return 0;
  unsigned v = *r->p++;
  r->n--;
  return mod ? v % mod : v;
}

static const char *const obj_names[] = {"features", "target", "labels", "ids", "volume", "x1", "x2", "tau",
                                        "/labels/x1", "/labels/tau", "/labels/done", "/g/features", "/g/target", "coef", "/g/ids", "y"};
static const char *const attr_names[] = {"column_names", "name", "class_names", "voxel_size", "source", "seed", "column_names", "name"};
static const char *const group_names[] = {"/labels", "/g", "/g/h", "/structures"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Extents: small ones, zero, and one far beyond any memory (never allocated by HDF5:
   chunked storage with nothing written reads as fill values). */
static const hsize_t dim_table[] = {0, 1, 2, 3, 5, 16, 1, (hsize_t)1 << 62};

static hid_t make_type(rd *r, int *is_vlen)
{
  *is_vlen = 0;
  switch (take(r, 12)) {
  case 0: return H5Tcopy(H5T_NATIVE_DOUBLE);
  case 1: return H5Tcopy(H5T_NATIVE_FLOAT);
  case 2: return H5Tcopy(H5T_NATIVE_INT64);
  case 3: return H5Tcopy(H5T_NATIVE_INT32);
  case 4: return H5Tcopy(H5T_NATIVE_UINT8);
  case 5: return H5Tcopy(H5T_NATIVE_INT8);
  case 6: return H5Tcopy(H5T_NATIVE_UINT64);
  case 7: return H5Tcopy(H5T_NATIVE_UINT16);
  case 8: {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 1 + take(r, 9));
    H5Tset_strpad(t, (H5T_str_t)take(r, 3)); /* NULLTERM, NULLPAD, SPACEPAD */
    return t;
  }
  case 9: {
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    *is_vlen = 1;
    return t;
  }
  case 10: {
    hid_t t = H5Tcreate(H5T_COMPOUND, 16);
    H5Tinsert(t, "a", 0, H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "b", 8, H5T_NATIVE_INT64);
    return t;
  }
  default: return H5Tcreate(H5T_OPAQUE, 1 + take(r, 4));
  }
}

/* Fill a buffer for n elements of type t from the input (cyclically); variable-length
   strings point into a static pool of NUL-terminated pieces of the input. */
static void *make_data(rd *r, hid_t t, int is_vlen, hsize_t n, const uint8_t *all, size_t all_n)
{
  static char pool[512];
  size_t      esz = is_vlen ? sizeof(char *) : H5Tget_size(t);
  uint8_t    *buf = (uint8_t *)calloc(n * esz + 1, 1);
  if (is_vlen) {
    char **s = (char **)buf;
    size_t len = take(r, 12), off = 0;
    for (size_t i = 0; i < len && i + 1 < sizeof pool; i++) pool[i] = all_n ? (char)all[(r->n + i) % all_n] : 'a';
    pool[len] = 0;
    for (hsize_t i = 0; i < n; i++) s[i] = pool + (off++ % (len + 1));
  } else
    for (size_t i = 0; i < n * esz; i++) buf[i] = all_n ? all[(r->n * 7 + i) % all_n] : 0;
  return buf;
}

/* Link creation that makes the parent groups of a path ("/labels/x1" -> "/labels"). */
static hid_t make_lcpl(void)
{
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  return lcpl;
}

static void op_dataset(hid_t f, rd *r, const uint8_t *all, size_t all_n)
{
  const char *name = obj_names[take(r, N(obj_names))];
  int         vl, rank = (int)take(r, 6);
  hid_t       t = make_type(r, &vl);
  hsize_t     dims[5], maxd[5], chunk[5], n = 1;
  int         huge = 0;
  for (int i = 0; i < rank; i++) {
    dims[i] = dim_table[take(r, N(dim_table))];
    maxd[i] = H5S_UNLIMITED;
    chunk[i] = dims[i] && dims[i] < 4 ? dims[i] : 4;
    if (dims[i] > 4096) huge = 1;
    else n *= dims[i];
  }
  hid_t s    = rank ? H5Screate_simple(rank, dims, huge ? maxd : NULL) : H5Screate(H5S_SCALAR);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (huge) H5Pset_chunk(dcpl, rank, chunk);
  hid_t lcpl = make_lcpl();
  hid_t d    = H5Dcreate2(f, name, t, s, lcpl, dcpl, H5P_DEFAULT);
  if (d >= 0 && !huge && n && n <= 4096) {
    void *buf = make_data(r, t, vl, n, all, all_n);
    H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    free(buf);
  }
  if (d >= 0) H5Dclose(d);
  H5Pclose(lcpl);
  H5Pclose(dcpl);
  H5Sclose(s);
  H5Tclose(t);
}

static void op_attribute(hid_t f, rd *r, const uint8_t *all, size_t all_n)
{
  const char *on   = take(r, 4) ? obj_names[take(r, N(obj_names))] : "/";
  const char *name = attr_names[take(r, N(attr_names))];
  H5E_BEGIN_TRY
  {
    hid_t o = H5Oopen(f, on, H5P_DEFAULT);
    if (o >= 0) {
      int     vl;
      hid_t   t     = make_type(r, &vl);
      int     shape = (int)take(r, 4); /* scalar, 1-D, 2-D, null */
      hsize_t dims[2] = {take(r, 6), 1 + take(r, 3)}, n = shape == 0 ? 1 : shape == 1 ? dims[0] : dims[0] * dims[1];
      hid_t   s = shape == 0 ? H5Screate(H5S_SCALAR) : shape == 3 ? H5Screate(H5S_NULL) : H5Screate_simple(shape, dims, NULL);
      H5Adelete(o, name);
      hid_t a = H5Acreate2(o, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
      if (a >= 0 && shape != 3 && n) {
        void *buf = make_data(r, t, vl, n, all, all_n);
        H5Awrite(a, t, buf);
        free(buf);
      }
      if (a >= 0) H5Aclose(a);
      H5Sclose(s);
      H5Tclose(t);
      H5Oclose(o);
    }
  }
  H5E_END_TRY;
}

static void op_group(hid_t f, rd *r)
{
  hid_t lcpl = make_lcpl();
  hid_t g = H5Gcreate2(f, group_names[take(r, N(group_names))], lcpl, H5P_DEFAULT, H5P_DEFAULT);
  if (g >= 0) H5Gclose(g);
  H5Pclose(lcpl);
}

static void op_link(hid_t f, rd *r)
{
  const char *name   = obj_names[take(r, N(obj_names))];
  const char *target = take(r, 2) ? obj_names[take(r, N(obj_names))] : group_names[take(r, N(group_names))];
  hid_t       lcpl   = make_lcpl();
  if (take(r, 2)) H5Lcreate_soft(target, f, name, lcpl, H5P_DEFAULT);
  else H5Lcreate_hard(f, target, f, name, lcpl, H5P_DEFAULT);
  H5Pclose(lcpl);
}

static void read_tables(hid_t f)
{
  static const char *const groups[] = {"/", "/labels", "/g"};
  for (size_t i = 0; i < N(groups); i++) {
    ms_dataset ds = NULL;
    if (!ms_dataset_read_h5(PETSC_COMM_SELF, f, groups[i], &ds)) (void)ms_dataset_check_finite(ds, "fuzz");
    (void)ms_dataset_destroy(&ds);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* as the commands run: errors come back through PETSc */
  rd    r    = {data, size};
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_fapl_core(fapl, 1 << 16, 0); /* in memory, nothing on disk */
  /* Closing the file closes whatever a failed read left open in it, so the next input can
     create the file again. */
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  hid_t f = H5Fcreate("ms_fuzz_h5_image", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  if (f < 0) abort();
  H5E_BEGIN_TRY
  {
    for (int op = 0; op < 24 && r.n; op++) switch (take(&r, 4)) {
      case 0: op_dataset(f, &r, data, size); break;
      case 1: op_attribute(f, &r, data, size); break;
      case 2: op_group(f, &r); break;
      default: op_link(f, &r); break;
      }
  }
  H5E_END_TRY;
  H5Fflush(f, H5F_SCOPE_GLOBAL);

  read_tables(f);
  ms_volume v = NULL;
  (void)ms_volume_read_h5(PETSC_COMM_SELF, f, "volume", &v);
  (void)ms_volume_destroy(&v);

  /* With the top bit of the first byte (free: opcodes use the low bits), the same file
     through the path-based loaders: MPI-IO driver, -target/-ignore/-features applied. */
  if (size && (data[0] & 0x80)) {
    ssize_t len = H5Fget_file_image(f, NULL, 0);
    void   *img = len > 0 ? malloc((size_t)len) : NULL;
    if (img && H5Fget_file_image(f, img, (size_t)len) == len) {
      const char      *path = ms_fuzz_file(".h5", (const uint8_t *)img, (size_t)len);
      const char      *ignore[] = {"x2", NULL}, *features[] = {"x1", NULL};
      ms_csv_read_opts o = {0};
      ms_dataset       ds = NULL;
      char             spec[400];
      o.target   = "tau";
      o.ignore   = (data[0] & 0x40) ? ignore : NULL;
      o.features = (data[0] & 0x20) ? features : NULL;
      snprintf(spec, sizeof spec, "%s:%s", path, (data[0] & 0x10) ? "/labels" : "/");
      if (!ms_dataset_load(PETSC_COMM_SELF, spec, &o, &ds)) (void)ms_dataset_destroy(&ds);
      if (!ms_volume_load(PETSC_COMM_SELF, path, "volume", &v)) (void)ms_volume_destroy(&v);
    }
    free(img);
  }
  H5Fclose(f);
  return 0;
}
