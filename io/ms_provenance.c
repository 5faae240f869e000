/* ms_provenance.c - resolved options, input files and units of an output (ms_provenance.h). */
#include "ms_provenance.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_options.h"
#include <ctype.h>
#include <errno.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* PETSc offers the whole database only as one string, "-a 1 -b -c x ". Names are found in it
 * and each value is then asked for exactly (PetscOptionsFindPair marks an option used, so
 * values of options still unused come from PetscOptionsLeftGet instead: recording provenance
 * must not hide a misspelt option from ms_options_check_unused). */
PetscErrorCode ms_provenance_options(int *n, char ***names, char ***values)
{
  char    *all, *save = NULL;
  PetscInt nl;
  char   **lnames, **lvalues;
  size_t   cap = 1;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscOptionsGetAll(NULL, &all));
  for (const char *c = all; *c; c++) cap += *c == '-'; /* at most one option per '-' */
  PetscCall(PetscMalloc1(cap, names));
  PetscCall(PetscMalloc1(cap, values));
  PetscCall(PetscOptionsLeftGet(NULL, &nl, &lnames, &lvalues));
  for (char *tok = strtok_r(all, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
    const char *value = NULL;
    PetscBool   found = PETSC_FALSE, dup = PETSC_FALSE;
    if (tok[0] != '-' || !(isalpha((unsigned char)tok[1]) || tok[1] == '_')) continue; /* a value */
    for (PetscInt i = 0; i < nl && !found; i++) {
      const char *ln = lnames[i][0] == '-' ? lnames[i] + 1 : lnames[i];
      if (!strcmp(ln, tok + 1)) {
        found = PETSC_TRUE;
        value = lvalues[i];
      }
    }
    if (!found) PetscCall(PetscOptionsFindPair(NULL, NULL, tok, &value, &found));
    if (!found) continue; /* a value that looks like a name ("-inf") */
    for (int k = 0; k < *n; k++) dup = (PetscBool)(dup || !strcmp((*names)[k], tok));
    if (dup) continue;
    PetscCall(PetscStrallocpy(tok, &(*names)[*n]));
    PetscCall(PetscStrallocpy(value ? value : "", &(*values)[*n]));
    (*n)++;
  }
  PetscCall(PetscOptionsLeftRestore(NULL, &nl, &lnames, &lvalues));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* An input may name a group inside a file ("labels.h5:/labels"): stat the file. */
static int stat_input(const char *path, struct stat *st)
{
  char        file[PETSC_MAX_PATH_LEN];
  const char *colon = strrchr(path, ':');
  if (stat(path, st) == 0) return 1;
  if (!colon || (size_t)(colon - path) >= sizeof file) return 0;
  memcpy(file, path, (size_t)(colon - path));
  file[colon - path] = 0;
  return stat(file, st) == 0;
}

static void mtime_utc(const struct stat *st, char buf[32])
{
  struct tm tm;
  gmtime_r(&st->st_mtime, &tm);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static PetscErrorCode attr_set_int64s(hid_t obj, const char *name, int n, const int64_t *v)
{
  hsize_t dims = (hsize_t)n;
  PetscFunctionBegin;
  hid_t s = n > 0 ? H5Screate_simple(1, &dims, NULL) : H5Screate(H5S_NULL);
  if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
  hid_t  a  = H5Acreate2(obj, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
  herr_t rc = a >= 0 ? (n > 0 ? H5Awrite(a, H5T_NATIVE_INT64, v) : 0) : -1;
  if (a >= 0) H5Aclose(a);
  H5Sclose(s);
  PetscCheck(rc >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot write attribute '%s'", name);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_provenance_write_h5(hid_t obj, int n_inputs, char *const *inputs)
{
  int         n;
  char      **names, **values, **mt;
  int64_t    *sizes;
  const char *env = getenv("PETSC_OPTIONS");

  PetscFunctionBegin;
  PetscCall(ms_provenance_options(&n, &names, &values));
  PetscCall(ms_h5_attr_set_strings(obj, "option_names", n, names));
  PetscCall(ms_h5_attr_set_strings(obj, "option_values", n, values));
  ms_strings_free(n, &names);
  ms_strings_free(n, &values);
  PetscCall(ms_h5_attr_set_string(obj, "petsc_options_env", env ? env : ""));
  PetscCall(PetscMalloc1(n_inputs + 1, &sizes));
  PetscCall(PetscMalloc1(n_inputs + 1, &mt));
  for (int i = 0; i < n_inputs; i++) {
    struct stat st;
    char        buf[32] = "";
    int         ok = stat_input(inputs[i], &st);
    sizes[i]       = ok ? (int64_t)st.st_size : -1;
    if (ok) mtime_utc(&st, buf);
    PetscCall(PetscStrallocpy(buf, &mt[i]));
  }
  PetscCall(ms_h5_attr_set_strings(obj, "input_files", n_inputs, inputs));
  PetscCall(attr_set_int64s(obj, "input_sizes", n_inputs, sizes));
  PetscCall(ms_h5_attr_set_strings(obj, "input_mtimes_utc", n_inputs, mt));
  PetscCall(ms_h5_attr_set_string(obj, "units", "see the units attribute of each dataset (\"1\" = dimensionless)"));
  ms_strings_free(n_inputs, &mt);
  PetscCall(PetscFree(sizes));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_h5_set_units(hid_t loc, const char *name, const char *units)
{
  PetscFunctionBegin;
  hid_t d = H5Oopen(loc, name, H5P_DEFAULT);
  PetscCheck(d >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open '%s' to set its units", name);
  PetscErrorCode ierr = ms_h5_attr_set_string(d, "units", units);
  H5Oclose(d);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---- JSON sidecar of a CSV output ------------------------------------------------------ */

typedef struct { char *s; size_t len, cap; } jbuf;

static PetscErrorCode jb_put(jbuf *b, const char *s, size_t n)
{
  PetscFunctionBegin;
  if (b->len + n + 1 > b->cap) {
    size_t cap = PetscMax(2 * b->cap, b->len + n + 1024);
    char  *p   = (char *)realloc(b->s, cap);
    PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory writing provenance");
    b->s   = p;
    b->cap = cap;
  }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode jb_raw(jbuf *b, const char *s)
{
  return jb_put(b, s, strlen(s));
}

/* A JSON string literal (RFC 8259 escapes; other bytes, UTF-8 included, pass through). */
static PetscErrorCode jb_str(jbuf *b, const char *s)
{
  PetscFunctionBegin;
  PetscCall(jb_raw(b, "\""));
  for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
    char esc[8];
    if (*c == '"' || *c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)*c;
      PetscCall(jb_put(b, esc, 2));
    } else if (*c < 0x20) {
      snprintf(esc, sizeof esc, "\\u%04x", *c);
      PetscCall(jb_raw(b, esc));
    } else PetscCall(jb_put(b, (const char *)c, 1));
  }
  PetscCall(jb_raw(b, "\""));
  PetscFunctionReturn(0);
}

static PetscErrorCode sidecar_name(const char *path, const char *suffix, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "%s.meta.json%s", path, suffix));
  PetscFunctionReturn(0);
}

static PetscErrorCode sidecar_json(MPI_Comm comm, const char *path, int n_inputs, char *const *inputs, jbuf *b)
{
  char        now[32], num[64], *cmd;
  PetscMPIInt size;
  int         n;
  char      **names, **values;
  const char *env = getenv("PETSC_OPTIONS");

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  ms_utc_now(now);
  PetscCall(ms_options_command_line(&cmd));
  PetscCall(jb_raw(b, "{\n  \"file\": "));
  PetscCall(jb_str(b, path));
  PetscCall(jb_raw(b, ",\n  \"matscreen_version\": "));
  PetscCall(jb_str(b, ms_version()));
  PetscCall(jb_raw(b, ",\n  \"git_commit\": "));
  PetscCall(jb_str(b, ms_git_commit()));
  PetscCall(jb_raw(b, ",\n  \"command_line\": "));
  PetscCall(jb_str(b, cmd));
  PetscCall(PetscFree(cmd));
  snprintf(num, sizeof num, ",\n  \"n_ranks\": %d,\n  \"n_threads\": %d", (int)size, omp_get_max_threads());
  PetscCall(jb_raw(b, num));
  PetscCall(jb_raw(b, ",\n  \"written_utc\": "));
  PetscCall(jb_str(b, now));
  PetscCall(jb_raw(b, ",\n  \"petsc_options_env\": "));
  PetscCall(jb_str(b, env ? env : ""));
  PetscCall(jb_raw(b, ",\n  \"options\": {"));
  PetscCall(ms_provenance_options(&n, &names, &values));
  for (int i = 0; i < n; i++) {
    PetscCall(jb_raw(b, i ? ",\n    " : "\n    "));
    PetscCall(jb_str(b, names[i]));
    PetscCall(jb_raw(b, ": "));
    PetscCall(jb_str(b, values[i]));
  }
  ms_strings_free(n, &names);
  ms_strings_free(n, &values);
  PetscCall(jb_raw(b, "\n  },\n  \"inputs\": ["));
  for (int i = 0; i < n_inputs; i++) {
    struct stat st;
    char        mt[32] = "";
    int         ok = stat_input(inputs[i], &st);
    if (ok) mtime_utc(&st, mt);
    PetscCall(jb_raw(b, i ? ",\n    {\"path\": " : "\n    {\"path\": "));
    PetscCall(jb_str(b, inputs[i]));
    snprintf(num, sizeof num, ", \"bytes\": %lld, \"mtime_utc\": ", ok ? (long long)st.st_size : -1LL);
    PetscCall(jb_raw(b, num));
    PetscCall(jb_str(b, mt));
    PetscCall(jb_raw(b, "}"));
  }
  PetscCall(jb_raw(b, "\n  ]\n}\n"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_provenance_sidecar_begin(MPI_Comm comm, const char *path, int n_inputs, char *const *inputs)
{
  PetscMPIInt rank;
  int         err = 0;
  char        partial[PETSC_MAX_PATH_LEN + 32];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(sidecar_name(path, ".partial", partial, sizeof partial));
  if (!rank) {
    jbuf  b = {0};
    FILE *fp;
    PetscCall(sidecar_json(comm, path, n_inputs, inputs, &b));
    PetscCall(ms_output_register(partial));
    fp = fopen(partial, "w");
    if (!fp) err = errno;
    else {
      if (fwrite(b.s, 1, b.len, fp) != b.len) err = errno ? errno : EIO;
      if (fclose(fp) && !err) err = errno;
    }
    free(b.s);
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, MS_ERR_FILE, "cannot write the provenance sidecar '%s': %s", partial, strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_provenance_sidecar_commit(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;
  int         err = 0;
  char        partial[PETSC_MAX_PATH_LEN + 32], final[PETSC_MAX_PATH_LEN + 32];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(sidecar_name(path, ".partial", partial, sizeof partial));
  PetscCall(sidecar_name(path, "", final, sizeof final));
  if (!rank) {
    err = rename(partial, final) ? errno : 0;
    if (!err) PetscCall(ms_output_unregister(partial));
    /* Until the CSV itself is renamed, a failure must take the sidecar away too. */
    if (!err) PetscCall(ms_output_register(final));
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCheck(!err, comm, MS_ERR_FILE, "cannot rename '%s' to '%s': %s", partial, final, strerror(err));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_provenance_sidecar_done(MPI_Comm comm, const char *path)
{
  PetscMPIInt rank;
  char        final[PETSC_MAX_PATH_LEN + 32];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(sidecar_name(path, "", final, sizeof final));
  if (!rank) PetscCall(ms_output_unregister(final));
  PetscFunctionReturn(0);
}
