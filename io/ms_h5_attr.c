/* ms_h5_attr.c - attributes (strings as variable-length UTF-8, as h5py writes them), groups. */
#include "ms_h5.h"
#include <string.h>

static hid_t vlen_string_type(void)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, H5T_VARIABLE);
  H5Tset_cset(t, H5T_CSET_UTF8);
  return t;
}

/* Replace an existing attribute so that re-running a writer (rw files) never fails. */
static hid_t attr_recreate(hid_t obj, const char *name, hid_t type, hid_t space)
{
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  return H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
}

PetscErrorCode ms_h5_attr_set_string(hid_t obj, const char *name, const char *value)
{
  PetscFunctionBegin;
  hid_t t = vlen_string_type(), s = H5Screate(H5S_SCALAR);
  hid_t a = attr_recreate(obj, name, t, s);
  herr_t rc = a >= 0 ? H5Awrite(a, t, &value) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write attribute '%s'", name);
  PetscFunctionReturn(0);
}

static PetscErrorCode attr_set_native(hid_t obj, const char *name, hid_t type, const void *v)
{
  PetscFunctionBegin;
  hid_t  s  = H5Screate(H5S_SCALAR);
  hid_t  a  = attr_recreate(obj, name, type, s);
  herr_t rc = a >= 0 ? H5Awrite(a, type, v) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write attribute '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_attr_set_double(hid_t obj, const char *name, double value)
{
  return attr_set_native(obj, name, H5T_NATIVE_DOUBLE, &value);
}

PetscErrorCode ms_h5_attr_set_int(hid_t obj, const char *name, int64_t value)
{
  return attr_set_native(obj, name, H5T_NATIVE_INT64, &value);
}

PetscErrorCode ms_h5_attr_set_strings(hid_t obj, const char *name, int n, char *const *values)
{
  PetscFunctionBegin;
  hsize_t dims = (hsize_t)n;
  hid_t   t = vlen_string_type(), s = n > 0 ? H5Screate_simple(1, &dims, NULL) : H5Screate(H5S_NULL);
  hid_t   a  = attr_recreate(obj, name, t, s);
  herr_t  rc = a >= 0 ? (n > 0 ? H5Awrite(a, t, values) : 0) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  H5Tclose(t);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write attribute '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_attr_exists(hid_t obj, const char *name, PetscBool *exists)
{
  PetscFunctionBegin;
  *exists = H5Aexists(obj, name) > 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode attr_open(hid_t obj, const char *name, hid_t *a)
{
  PetscFunctionBegin;
  PetscCheck(H5Aexists(obj, name) > 0, PETSC_COMM_SELF, MS_ERR_READ, "missing attribute '%s'", name);
  *a = H5Aopen(obj, name, H5P_DEFAULT);
  PetscCheck(*a >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot open attribute '%s'", name);
  PetscFunctionReturn(0);
}

/* Reads fixed- or variable-length string attributes into n malloc'd strings. */
static PetscErrorCode attr_read_strings(hid_t a, const char *name, int *n, char ***out)
{
  PetscFunctionBegin;
  hid_t   ft = H5Aget_type(a), sp = H5Aget_space(a);
  hssize_t np = H5Sget_select_npoints(sp);
  PetscCheck(H5Tget_class(ft) == H5T_STRING, PETSC_COMM_SELF, MS_ERR_READ, "attribute '%s' is not a string", name);
  if (H5Sget_simple_extent_type(sp) == H5S_NULL) np = 0;
  *n = (int)np;
  PetscCall(PetscCalloc1(np + 1, out));
  if (np > 0) {
    if (H5Tis_variable_str(ft) > 0) {
      hid_t  mt = vlen_string_type();
      char **buf;
      PetscCall(PetscMalloc1(np, &buf));
      PetscCheck(H5Aread(a, mt, buf) >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read attribute '%s'", name);
      for (hssize_t i = 0; i < np; i++) PetscCall(PetscStrallocpy(buf[i] ? buf[i] : "", &(*out)[i]));
      H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
      PetscCall(PetscFree(buf));
      H5Tclose(mt);
    } else {
      /* Fixed length: read the bytes as stored (a copy of the file type, so HDF5 converts
         nothing: converting NULLPAD "x1" of size 2 to a NULLTERM type of size 2 would drop
         the '1' for the terminator), then cut by the stored padding convention. */
      size_t     sz  = H5Tget_size(ft);
      H5T_str_t  pad = H5Tget_strpad(ft);
      char      *buf;
      PetscCall(PetscCalloc1(sz * (size_t)np + 1, &buf));
      hid_t mt = H5Tcopy(ft);
      PetscCheck(H5Aread(a, mt, buf) >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read attribute '%s'", name);
      for (hssize_t i = 0; i < np; i++) {
        const char *s   = buf + (size_t)i * sz;
        size_t      len = strnlen(s, sz); /* NULLTERM and NULLPAD: up to the first NUL */
        if (pad == H5T_STR_SPACEPAD)
          while (len > 0 && s[len - 1] == ' ') len--;
        PetscCall(PetscCalloc1(len + 1, &(*out)[i]));
        memcpy((*out)[i], s, len);
      }
      H5Tclose(mt);
      PetscCall(PetscFree(buf));
    }
  }
  H5Sclose(sp);
  H5Tclose(ft);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_attr_get_strings(hid_t obj, const char *name, int *n, char ***values)
{
  hid_t a = -1;
  PetscFunctionBegin;
  PetscCall(attr_open(obj, name, &a));
  PetscCall(attr_read_strings(a, name, n, values));
  H5Aclose(a);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_attr_get_string(hid_t obj, const char *name, char **value)
{
  int    n;
  char **v;
  PetscFunctionBegin;
  PetscCall(ms_h5_attr_get_strings(obj, name, &n, &v));
  PetscCheck(n == 1, PETSC_COMM_SELF, MS_ERR_READ, "attribute '%s' holds %d strings, expected one", name, n);
  *value = v[0];
  PetscCall(PetscFree(v));
  PetscFunctionReturn(0);
}

void ms_strings_free(int n, char ***values)
{
  if (!*values) return;
  for (int i = 0; i < n; i++) PetscFree((*values)[i]);
  PetscFree(*values);
}

static PetscErrorCode attr_get_native(hid_t obj, const char *name, hid_t type, void *v)
{
  hid_t a = -1;
  PetscFunctionBegin;
  PetscCall(attr_open(obj, name, &a));
  /* H5Aread writes every element: an array attribute would overrun the one number at v
     (found by tests/fuzz/fuzz_h5: a 1-D 'voxel_size' overwrote the volume's other fields). */
  hid_t    sp = H5Aget_space(a);
  hssize_t np = H5Sget_simple_extent_type(sp) == H5S_NULL ? 0 : H5Sget_simple_extent_npoints(sp);
  H5Sclose(sp);
  if (np != 1) {
    H5Aclose(a);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "attribute '%s' holds %lld values, expected one number", name, (long long)np);
  }
  herr_t rc = H5Aread(a, type, v);
  H5Aclose(a);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_READ, "cannot read attribute '%s' as a number", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_attr_get_double(hid_t obj, const char *name, double *value)
{
  return attr_get_native(obj, name, H5T_NATIVE_DOUBLE, value);
}

PetscErrorCode ms_h5_attr_get_int(hid_t obj, const char *name, int64_t *value)
{
  return attr_get_native(obj, name, H5T_NATIVE_INT64, value);
}

PetscErrorCode ms_h5_link_exists(hid_t loc, const char *path, PetscBool *exists)
{
  char buf[1024];
  PetscFunctionBegin;
  *exists = PETSC_TRUE;
  /* H5Lexists needs every intermediate link to exist: test each prefix in turn. */
  PetscCall(PetscStrncpy(buf, path, sizeof buf));
  size_t len = strlen(buf);
  for (size_t i = 1; i <= len && *exists; i++) {
    if (i < len && buf[i] != '/') continue;
    char c = buf[i];
    buf[i] = 0;
    if (strcmp(buf, "/")) *exists = H5Lexists(loc, buf, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
    buf[i] = c;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_group_ensure(hid_t loc, const char *path, hid_t *group)
{
  PetscFunctionBegin;
  if (!path || !path[0] || !strcmp(path, "/")) {
    *group = H5Gopen2(loc, "/", H5P_DEFAULT);
    PetscFunctionReturn(0);
  }
  hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(lcpl, 1);
  PetscBool exists;
  PetscCall(ms_h5_link_exists(loc, path, &exists));
  *group = exists ? H5Gopen2(loc, path, H5P_DEFAULT) : H5Gcreate2(loc, path, lcpl, H5P_DEFAULT, H5P_DEFAULT);
  H5Pclose(lcpl);
  PetscCheck(*group >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot create or open group '%s'", path);
  PetscFunctionReturn(0);
}
