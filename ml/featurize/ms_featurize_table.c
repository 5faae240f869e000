/* ms_featurize_table.c - tables of featurizer inputs: sharded CSV reading, the row-failure
 * policy, and the output writers (see ms_featurize.h).
 *
 * A failed row is never dropped silently: every failure is listed on stderr by rank 0 with
 * file:line and id, in row order (messages are gathered), and -on_error decides whether the
 * run fails (with the first failure as its error), skips the rows or keeps them as NaN.
 */
#include "ms_featurize.h"
#include "ms_csv.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_report.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const ms_on_error_names[] = {"fail", "skip", "nan", "ms_on_error", "MS_ON_ERROR_", NULL};

static PetscErrorCode parse_target(const char *path, int64_t line, const char *s, PetscBool lg, double *v, int64_t *bounds)
{
  PetscBool fin;
  PetscFunctionBegin;
  if (!ms_csv_parse_double(s, v, &fin)) {
    const char *q = s;
    while (*q == ' ') q++;
    PetscCheck((*q == '<' || *q == '>') && ms_csv_parse_double(q + 1, v, &fin) && fin, PETSC_COMM_SELF, MS_ERR_READ,
               "%s:%lld: target value '%s' is not a number (nor a bound like '<1E-10')", path, (long long)line, s);
    (*bounds)++;
  }
  if (lg && !isnan(*v)) {
    PetscCheck(*v > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: target value '%s' is not positive: no log10", path, (long long)line, s);
    *v = log10(*v);
  }
  PetscFunctionReturn(0);
}

/* Rank-local part: header, then this rank's records. */
static PetscErrorCode parse_local(const char *path, const char *data, size_t header_end, const char *begin, const char *end,
                                  int64_t line, int64_t n, const char *input_col, const char *id_col, const char *target_col,
                                  PetscBool lg, ms_featurize_rows *rows)
{
  ms_csv_reader r   = {path, data, data + header_end, 1};
  ms_csv_record rec = {0};
  PetscBool     have;
  int           ci = -1, cid = -1, ct = -1, ncols;
  PetscFunctionBegin;
  PetscCall(ms_csv_next(&r, &rec, &have));
  PetscCheck(have, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty file (no header row)", path);
  ncols = rec.n;
  for (int j = 0; j < rec.n; j++) {
    if (!strcmp(rec.field[j], input_col)) ci = j;
    if (id_col && !strcmp(rec.field[j], id_col)) cid = j;
    if (target_col && !strcmp(rec.field[j], target_col)) ct = j;
  }
  PetscCheck(ci >= 0, PETSC_COMM_SELF, MS_ERR_USER, "%s: input column '%s' not found in the header", path, input_col);
  PetscCheck(!id_col || cid >= 0, PETSC_COMM_SELF, MS_ERR_USER, "%s: id column '%s' not found in the header", path, id_col);
  PetscCheck(!target_col || ct >= 0, PETSC_COMM_SELF, MS_ERR_USER, "%s: target column '%s' not found in the header", path,
             target_col);
  PetscCall(PetscStrallocpy(id_col ? id_col : "id", &rows->id_name));
  if (target_col) {
    char name[300];
    snprintf(name, sizeof name, lg ? "log10(%s)" : "%s", target_col);
    PetscCall(PetscStrallocpy(name, &rows->target_name));
    PetscCall(PetscMalloc1(n + 1, &rows->target));
  }
  PetscCall(PetscCalloc3(n + 1, &rows->input, n + 1, &rows->ids, n + 1, &rows->line));
  rows->n_local = n;
  r.p = begin;
  r.end = end;
  r.line = line;
  for (int64_t i = 0; i < n; i++) {
    char idbuf[32];
    PetscCall(ms_csv_next(&r, &rec, &have));
    PetscCheck(have, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: record count changed while reading", path);
    PetscCheck(rec.n == ncols, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: %d fields, expected %d (as in the header)", path,
               (long long)rec.line, rec.n, ncols);
    rows->line[i] = rec.line;
    PetscCall(PetscStrallocpy(rec.field[ci], &rows->input[i]));
    if (cid < 0) snprintf(idbuf, sizeof idbuf, "line %lld", (long long)rec.line);
    PetscCall(PetscStrallocpy(cid >= 0 ? rec.field[cid] : idbuf, &rows->ids[i]));
    if (ct >= 0) PetscCall(parse_target(path, rec.line, rec.field[ct], lg, &rows->target[i], &rows->n_bounds));
  }
  ms_csv_record_free(&rec);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_rows_read_csv(MPI_Comm comm, const char *path, const char *input_col, const char *id_col,
                                          const char *target_col, PetscBool target_log10, ms_featurize_rows *rows)
{
  PetscMPIInt    rank, size;
  PetscErrorCode lerr = 0, gerr;
  int            fd;
  struct stat    st;
  char          *data = MAP_FAILED;
  size_t        *starts, header_end = 0, len = 0;
  int64_t       *lines, n_records = 0;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(rows, sizeof *rows));
  rows->comm = comm;
  PetscCall(PetscStrallocpy(path, &rows->path));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc2(size + 1, &starts, size + 1, &lines));
  fd = open(path, O_RDONLY);
  if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
    PetscCall(PetscFree2(starts, lines));
    if (fd >= 0) close(fd);
    SETERRQ(comm, MS_ERR_FILE, "cannot open input table '%s': %s", path, fd < 0 ? strerror(errno) : "not a regular file");
  }
  len = (size_t)st.st_size;
  if (len) data = (char *)mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
  if (!len) lerr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL,
                              "%s: empty file (no header row)", path);
  else if (data == MAP_FAILED)
    lerr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_FILE, PETSC_ERROR_INITIAL,
                      "cannot map '%s': %s", path, strerror(errno));
  if (!lerr && !rank) lerr = ms_csv_split(path, data, len, size, &header_end, &n_records, starts, lines);
  PetscCall(ms_error_agree(comm, lerr, &gerr));
  if (!gerr) {
    PetscCallMPI(MPI_Bcast(&header_end, sizeof header_end, MPI_BYTE, 0, comm));
    PetscCallMPI(MPI_Bcast(&n_records, 1, MPI_INT64_T, 0, comm));
    PetscCallMPI(MPI_Bcast(starts, (int)(sizeof(size_t) * (size + 1)), MPI_BYTE, 0, comm));
    PetscCallMPI(MPI_Bcast(lines, size + 1, MPI_INT64_T, 0, comm));
    int64_t mine = n_records / size + (rank < n_records % size ? 1 : 0);
    lerr = parse_local(path, data, header_end, data + starts[rank], data + starts[rank + 1], lines[rank], mine, input_col, id_col,
                       target_col, target_log10, rows);
    PetscCall(ms_error_agree(comm, lerr, &gerr));
  }
  if (data != MAP_FAILED) munmap(data, len);
  close(fd);
  PetscCall(PetscFree2(starts, lines));
  if (gerr) return gerr; /* reported by the rank that failed */
  PetscCheck(n_records > 0, comm, MS_ERR_READ, "%s: no data rows after the header", path);
  rows->n_global = n_records;
  int64_t off = 0;
  PetscCallMPI(MPI_Exscan(&rows->n_local, &off, 1, MPI_INT64_T, MPI_SUM, comm));
  rows->row_start = rank ? off : 0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_rows_free(ms_featurize_rows *rows)
{
  PetscFunctionBegin;
  for (int64_t i = 0; i < rows->n_local; i++) {
    PetscCall(PetscFree(rows->input[i]));
    PetscCall(PetscFree(rows->ids[i]));
  }
  PetscCall(PetscFree3(rows->input, rows->ids, rows->line));
  PetscCall(PetscFree(rows->target));
  PetscCall(PetscFree(rows->target_name));
  PetscCall(PetscFree(rows->id_name));
  PetscCall(PetscFree(rows->path));
  PetscCall(PetscMemzero(rows, sizeof *rows));
  PetscFunctionReturn(0);
}

/* Every rank's text concatenated on rank 0 in rank order (NUL-terminated there). */
static PetscErrorCode gather_text(MPI_Comm comm, const char *s, size_t len, char **all)
{
  PetscMPIInt rank, size;
  int         mine = (int)len, *counts = NULL, *displs = NULL, tot = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  if (!rank) PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, comm));
  if (!rank)
    for (int r = 0; r < size; r++) { displs[r] = tot; tot += counts[r]; }
  *all = NULL;
  if (!rank) PetscCall(PetscMalloc1(tot + 1, all));
  PetscCallMPI(MPI_Gatherv(s, mine, MPI_CHAR, rank ? NULL : *all, counts, displs, MPI_CHAR, 0, comm));
  if (!rank) {
    (*all)[tot] = 0;
    PetscCall(PetscFree2(counts, displs));
  }
  PetscFunctionReturn(0);
}

int ms_composition_featurizer_row_fn(void *ctx, const char *formula, double *x, char *msg, size_t msglen)
{
  return ms_composition_featurizer_row((ms_composition_featurizer)ctx, formula, x, msg, msglen);
}

PetscErrorCode ms_featurize_table(const ms_featurize_rows *rows, int nc, const char *const *names, ms_featurize_row_fn fn, void *ctx,
                                  ms_on_error on_error, ms_dataset *out, int64_t *n_skipped)
{
  MPI_Comm comm = rows->comm;
  int64_t  n = rows->n_local, nfail = 0, gfail = 0, keep = 0;
  double  *X;
  int     *status;
  PetscFunctionBegin;
  PetscCall(PetscMalloc1(n * nc + 1, &X));
  PetscCall(PetscMalloc1(n + 1, &status));
  { /* in chunks, so a long run shows progress; every rank runs the same number of chunks */
    PetscMPIInt size;
    int64_t     chunk, nmax = 0, done = 0, gdone;
    ms_progress prog;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCallMPI(MPI_Allreduce(&n, &nmax, 1, MPI_INT64_T, MPI_MAX, comm));
    chunk = PetscMax(1, PetscMin(8192, rows->n_global / (50 * (int64_t)size)));
    PetscCall(ms_progress_begin(comm, "featurizing", rows->n_global, &prog));
    for (int64_t c0 = 0; c0 < nmax; c0 += chunk) {
      int64_t c1 = PetscMin(c0 + chunk, n);
#pragma omp parallel for schedule(dynamic, 16) reduction(+ : nfail)
      for (int64_t i = c0; i < c1; i++) {
        status[i] = fn(ctx, rows->input[i], X + i * nc, NULL, 0);
        nfail += status[i] != MS_FEAT_OK;
      }
      done += PetscMax(0, c1 - c0);
      PetscCallMPI(MPI_Allreduce(&done, &gdone, 1, MPI_INT64_T, MPI_SUM, comm));
      PetscCall(ms_progress_update(&prog, gdone));
    }
    PetscCall(ms_progress_end(&prog));
  }
  PetscCallMPI(MPI_Allreduce(&nfail, &gfail, 1, MPI_INT64_T, MPI_SUM, comm));
  if (gfail) { /* list every failure on rank 0, in row order */
    ms_text t = {0};
    char    msg[1024], *all;
    for (int64_t i = 0; i < n; i++) {
      if (status[i] == MS_FEAT_OK) continue;
      fn(ctx, rows->input[i], X + i * nc, msg, sizeof msg);
      PetscCall(ms_text_printf(&t, "%s:%lld: row '%s': %s\n\x1e", rows->path, (long long)rows->line[i], rows->ids[i], msg));
      if (on_error == MS_ON_ERROR_FAIL) break; /* the first one per rank is enough */
    }
    PetscCall(gather_text(comm, t.s ? t.s : "", t.len, &all));
    PetscCall(ms_text_free(&t));
    if (on_error == MS_ON_ERROR_FAIL) {
      int l = 0;
      if (all) { char *rs = strchr(all, '\x1e'); if (rs) rs[-1] = 0; l = (int)strlen(all); } /* the first row's message */
      PetscCallMPI(MPI_Bcast(&l, 1, MPI_INT, 0, comm));
      char *first;
      PetscCall(PetscMalloc1(l + 1, &first));
      if (all) PetscCall(PetscArraycpy(first, all, l + 1));
      PetscCallMPI(MPI_Bcast(first, l + 1, MPI_CHAR, 0, comm));
      PetscCall(PetscFree(all));
      PetscCall(PetscFree(X));
      PetscCall(PetscFree(status));
      SETERRQ(comm, MS_ERR_READ, "%s\n(%lld of %lld rows cannot be featurized; -on_error skip or nan lists them all and continues)",
              first, (long long)gfail, (long long)rows->n_global);
    }
    if (all) { /* drop the record separators (messages span lines), in one pass */
      char *w = all;
      for (const char *c = all; *c; c++)
        if (*c != '\x1e') *w++ = *c;
      *w = 0;
    }
    PetscCall(ms_warn(comm, "%lld of %lld rows cannot be featurized (%s):\n%s", (long long)gfail, (long long)rows->n_global,
                      on_error == MS_ON_ERROR_SKIP ? "skipped" : "kept with NaN features", all ? all : ""));
    PetscCall(PetscFree(all));
  }
  for (int64_t i = 0; i < n; i++) keep += on_error != MS_ON_ERROR_SKIP || status[i] == MS_FEAT_OK;
  ms_dataset ds;
  PetscCall(ms_dataset_create(comm, keep, nc, &ds));
  PetscCall(ms_dataset_set_feature_names(ds, (char *const *)names));
  if (rows->target) PetscCall(ms_dataset_set_target(ds, rows->target_name, NULL));
  PetscCall(PetscStrallocpy(rows->id_name, &ds->id_name));
  PetscCall(PetscCalloc1(keep + 1, &ds->ids));
  if (keep == n) { /* every row kept: hand the matrix over instead of copying it */
    PetscCall(PetscFree(ds->X));
    ds->X = X;
    X     = NULL;
  }
  for (int64_t i = 0, k = 0; i < n; i++) {
    if (on_error == MS_ON_ERROR_SKIP && status[i] != MS_FEAT_OK) continue;
    if (X) PetscCall(PetscArraycpy(ds->X + k * nc, X + i * nc, nc));
    PetscCall(PetscStrallocpy(rows->ids[i], &ds->ids[k]));
    if (rows->target) ds->y[k] = rows->target[i];
    k++;
  }
  PetscCall(PetscFree(X));
  PetscCall(PetscFree(status));
  PetscCheck(ds->n_global > 0, comm, MS_ERR_READ, "%s: no row could be featurized", rows->path);
  *out       = ds;
  *n_skipped = gfail;
  PetscFunctionReturn(0);
}

static PetscBool is_h5(const char *p)
{
  size_t l = strlen(p);
  return (l > 3 && !strcmp(p + l - 3, ".h5")) || (l > 5 && !strcmp(p + l - 5, ".hdf5")) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_featurize_write(ms_dataset ds, const char *const *units, const char *input_path, int64_t n_skipped, const char *path)
{
  PetscFunctionBegin;
  if (is_h5(path)) {
    ms_h5_file f;
    hid_t      d;
    PetscCall(ms_h5_create(ds->comm, path, &f));
    if (input_path) PetscCall(ms_h5_add_input(f, input_path));
    PetscCall(ms_dataset_write_h5(ds, f->fid, "/"));
    d = H5Dopen2(f->fid, "features", H5P_DEFAULT);
    MS_H5CHK(d, ds->comm, "%s: cannot open /features to add its units", path);
    if (units) PetscCall(ms_h5_attr_set_strings(d, "column_units", (int)ds->n_features, (char *const *)units));
    H5Dclose(d);
    PetscCall(ms_h5_attr_set_int(f->fid, "failed_rows", n_skipped));
    PetscCall(ms_h5_commit(&f));
  } else PetscCall(ms_dataset_write_csv(ds, path));
  PetscFunctionReturn(0);
}
