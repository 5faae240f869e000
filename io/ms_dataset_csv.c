/* ms_dataset_csv.c - parallel CSV import/export of ms_dataset.
 *
 * Import: every rank memory-maps the file; rank 0 finds record boundaries (quote-aware) and
 * gives each rank a balanced range of whole records with its starting line number; each
 * rank parses its own records. Errors name file:line, column number and column name; a
 * failure on any rank is agreed collectively so all ranks leave together.
 * Export: each rank formats its rows; offsets by MPI_Exscan; MPI-IO writes NAME.partial,
 * which is renamed on success. The CSV is a plain table; provenance goes to the PATH.meta.json
 * sidecar (ms_provenance.h).
 */
#include "ms_csv.h"
#include "ms_dataset.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_options.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* A record whose buffers are freed when it goes out of scope, also when a PetscCall returns
   early with an error (the leak the fuzz replay found under LeakSanitizer). */
#define MS_CSV_RECORD_AUTO __attribute__((cleanup(ms_csv_record_free)))

typedef enum { ROLE_FEATURE, ROLE_TARGET, ROLE_ID, ROLE_IGNORE } col_role;

typedef struct {
  const char *path;
  int         ncols;
  char      **names;
  col_role   *role;
  int         target_col, id_col;
} csv_header;

static int in_list(const char *name, const char **list)
{
  for (; list && *list; list++)
    if (!strcmp(name, *list)) return 1;
  return 0;
}

static PetscErrorCode parse_header(const char *path, const char *data, size_t header_end, const ms_csv_read_opts *o, csv_header *h)
{
  ms_csv_reader r   = {path, data, data + header_end, 1};
  ms_csv_record rec MS_CSV_RECORD_AUTO = {0};
  PetscBool     have;
  PetscFunctionBegin;
  PetscCall(ms_csv_next(&r, &rec, &have));
  PetscCheck(have, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty file (no header row)", path);
  h->path       = path;
  h->ncols      = rec.n;
  h->target_col = h->id_col = -1;
  PetscCall(PetscCalloc2(rec.n + 1, &h->names, rec.n + 1, &h->role));
  for (int j = 0; j < rec.n; j++) {
    PetscCheck(rec.field[j][0], PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: header column %d has no name", path, (long long)rec.line, j + 1);
    for (int k = 0; k < j; k++)
      PetscCheck(strcmp(rec.field[j], h->names[k]), PETSC_COMM_SELF, MS_ERR_READ,
                 "%s:%lld: duplicate column name '%s' (columns %d and %d)", path, (long long)rec.line, rec.field[j], k + 1, j + 1);
    PetscCall(PetscStrallocpy(rec.field[j], &h->names[j]));
    h->role[j] = ROLE_FEATURE;
    if (o && o->target && !strcmp(o->target, rec.field[j])) { h->role[j] = ROLE_TARGET; h->target_col = j; }
    else if (o && o->id_column && !strcmp(o->id_column, rec.field[j])) { h->role[j] = ROLE_ID; h->id_col = j; }
    else if (o && in_list(rec.field[j], o->ignore)) h->role[j] = ROLE_IGNORE;
    /* Columns outside -features are not read at all: their missing values must not drop rows. */
    else if (o && o->features && !in_list(rec.field[j], o->features)) h->role[j] = ROLE_IGNORE;
  }
  ms_csv_record_free(&rec);
  char avail[1024];
  ms_table_columns_join(h->ncols, h->names, avail, sizeof avail);
  PetscCheck(!(o && o->target) || h->target_col >= 0, PETSC_COMM_SELF, MS_ERR_USER, "%s: target column '%s' not found in the header; columns: %s",
             path, o->target, avail);
  PetscCheck(!(o && o->id_column) || h->id_col >= 0, PETSC_COMM_SELF, MS_ERR_USER, "%s: id column '%s' not found in the header; columns: %s",
             path, o->id_column, avail);
  for (const char **ig = o ? o->ignore : NULL; ig && *ig; ig++) {
    int found = 0;
    for (int j = 0; j < h->ncols; j++) found |= !strcmp(*ig, h->names[j]);
    PetscCheck(found, PETSC_COMM_SELF, MS_ERR_USER, "%s: column '%s' to ignore not found in the header; columns: %s", path, *ig, avail);
  }
  for (const char **fe = o ? o->features : NULL; fe && *fe; fe++) {
    int found = 0;
    for (int j = 0; j < h->ncols; j++) found |= !strcmp(*fe, h->names[j]);
    PetscCheck(found, PETSC_COMM_SELF, MS_ERR_USER, "%s: feature column '%s' (-features, or a feature of the model) not found in the header; columns: %s", path,
               *fe, avail);
  }
  PetscFunctionReturn(0);
}

static void header_free(csv_header *h)
{
  for (int j = 0; h->names && j < h->ncols; j++) PetscFree(h->names[j]);
  PetscFree2(h->names, h->role);
}

/* Rows parsed by this rank before NaN filtering. */
typedef struct {
  int64_t n, d;
  double *X, *y;
  char  **tstr, **ids;  /* target strings (classification/auto), ids */
  PetscBool *drop;
  PetscBool  target_numeric;
} csv_rows;

static PetscErrorCode parse_rows(const csv_header *h, const char *begin, const char *end, int64_t line, int64_t n,
                                 const ms_csv_read_opts *o, csv_rows *rows)
{
  ms_csv_reader r   = {h->path, begin, end, line};
  ms_csv_record rec MS_CSV_RECORD_AUTO = {0};
  PetscBool     have;
  ms_nan_policy pol = o ? o->nan_policy : MS_NAN_ERROR;
  ms_task       task = o ? o->task : MS_TASK_AUTO;
  PetscFunctionBegin;
  rows->n = n;
  rows->d = 0;
  for (int j = 0; j < h->ncols; j++) rows->d += h->role[j] == ROLE_FEATURE;
  rows->target_numeric = PETSC_TRUE;
  PetscCall(PetscCalloc1(n * rows->d + 1, &rows->X));
  PetscCall(PetscCalloc1(n + 1, &rows->drop));
  if (h->target_col >= 0) {
    PetscCall(PetscCalloc1(n + 1, &rows->y));
    if (task != MS_TASK_REGRESSION) PetscCall(PetscCalloc1(n + 1, &rows->tstr));
  }
  if (h->id_col >= 0) PetscCall(PetscCalloc1(n + 1, &rows->ids));
  for (int64_t i = 0; i < n; i++) {
    PetscCall(ms_csv_next(&r, &rec, &have));
    PetscCheck(have, PETSC_COMM_SELF, PETSC_ERR_PLIB, "%s: record count changed while reading", h->path);
    PetscCheck(rec.n == h->ncols, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: %d fields, expected %d (as in the header)", h->path,
               (long long)rec.line, rec.n, h->ncols);
    int64_t f = 0;
    for (int j = 0; j < h->ncols; j++) {
      const char *s = rec.field[j];
      double      v;
      PetscBool   fin;
      switch (h->role[j]) {
      case ROLE_IGNORE: break;
      case ROLE_ID: PetscCall(PetscStrallocpy(s, &rows->ids[i])); break;
      case ROLE_TARGET:
        if (rows->tstr) PetscCall(PetscStrallocpy(s, &rows->tstr[i]));
        if (ms_csv_parse_double(s, &v, &fin)) {
          rows->y[i] = v;
          if (!fin && task != MS_TASK_CLASSIFICATION && !(o && o->target_keep_nonfinite)) {
            PetscCheck(pol != MS_NAN_ERROR, PETSC_COMM_SELF, MS_ERR_READ,
                       "%s:%lld: column %d ('%s'): missing or non-finite target value '%s' (drop such rows with -nan_policy omit)", h->path,
                       (long long)rec.line, j + 1, h->names[j], s);
            if (pol == MS_NAN_OMIT) rows->drop[i] = PETSC_TRUE;
          }
        } else {
          PetscCheck(task != MS_TASK_REGRESSION, PETSC_COMM_SELF, MS_ERR_READ,
                     "%s:%lld: column %d ('%s'): regression target is not a number: '%s'", h->path, (long long)rec.line, j + 1,
                     h->names[j], s);
          rows->target_numeric = PETSC_FALSE;
        }
        break;
      case ROLE_FEATURE:
        PetscCheck(ms_csv_parse_double(s, &v, &fin), PETSC_COMM_SELF, MS_ERR_READ,
                   "%s:%lld: column %d ('%s') is not numeric: '%s' (declare text columns with -id or -ignore)", h->path,
                   (long long)rec.line, j + 1, h->names[j], s);
        if (!fin) {
          PetscCheck(pol != MS_NAN_ERROR, PETSC_COMM_SELF, MS_ERR_READ,
                     "%s:%lld: column %d ('%s'): %s value '%s' (use -nan_policy omit or keep to accept it)", h->path,
                     (long long)rec.line, j + 1, h->names[j], s[0] ? "non-finite" : "missing", s);
          if (pol == MS_NAN_OMIT) rows->drop[i] = PETSC_TRUE;
        }
        rows->X[i * rows->d + f++] = v;
        break;
      }
    }
  }
  ms_csv_record_free(&rec);
  PetscFunctionReturn(0);
}

static void rows_free(csv_rows *rows)
{
  for (int64_t i = 0; i < rows->n; i++) {
    if (rows->tstr) PetscFree(rows->tstr[i]);
    if (rows->ids) PetscFree(rows->ids[i]);
  }
  PetscFree(rows->tstr);
  PetscFree(rows->ids);
  PetscFree(rows->X);
  PetscFree(rows->y);
  PetscFree(rows->drop);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted union of class names over comm, and each local row's class index. */
static PetscErrorCode build_classes(MPI_Comm comm, int64_t n, char **tstr, int64_t *nc, char ***names, int64_t *labels)
{
  PetscMPIInt size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  size_t tot = 0;
  for (int64_t i = 0; i < n; i++) tot += strlen(tstr[i]) + 1;
  char *buf;
  PetscCall(PetscMalloc1(tot + 1, &buf));
  for (int64_t i = 0, o = 0; i < n; i++) {
    size_t l = strlen(tstr[i]) + 1;
    memcpy(buf + o, tstr[i], l);
    o += (int64_t)l;
  }
  int mine = (int)tot, *counts, *displs, all = 0;
  PetscCall(PetscMalloc2(size, &counts, size, &displs));
  PetscCallMPI(MPI_Allgather(&mine, 1, MPI_INT, counts, 1, MPI_INT, comm));
  for (int r = 0; r < size; r++) { displs[r] = all; all += counts[r]; }
  char *abuf;
  PetscCall(PetscMalloc1(all + 1, &abuf));
  PetscCallMPI(MPI_Allgatherv(buf, mine, MPI_CHAR, abuf, counts, displs, MPI_CHAR, comm));
  int64_t m = 0;
  for (int k = 0; k < all; k++) m += abuf[k] == 0;
  char **list;
  PetscCall(PetscMalloc1(m + 1, &list));
  for (int64_t k = 0, o = 0; k < m; k++) { list[k] = abuf + o; o += (int64_t)strlen(abuf + o) + 1; }
  qsort(list, (size_t)m, sizeof(char *), cmp_str);
  int64_t u = 0;
  for (int64_t k = 0; k < m; k++) if (!u || strcmp(list[k], list[u - 1])) list[u++] = list[k];
  *nc = u;
  PetscCall(PetscCalloc1(u + 1, names));
  for (int64_t k = 0; k < u; k++) PetscCall(PetscStrallocpy(list[k], &(*names)[k]));
  for (int64_t i = 0; i < n; i++) {
    char **hit = (char **)bsearch(&tstr[i], *names, (size_t)u, sizeof(char *), cmp_str);
    labels[i]  = hit - *names;
  }
  PetscCall(PetscFree(list));
  PetscCall(PetscFree(abuf));
  PetscCall(PetscFree2(counts, displs));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* Rank-local part of the import: map, split (rank 0), header, rows. Errors are local. */
typedef struct {
  int         fd;
  char       *data;
  size_t      len;
  csv_header  h;
  csv_rows    rows;
} csv_job;

static PetscErrorCode map_file(const char *path, csv_job *job)
{
  struct stat st;
  PetscFunctionBegin;
  job->fd = open(path, O_RDONLY);
  PetscCheck(job->fd >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open '%s': %s", path, strerror(errno));
  PetscCheck(fstat(job->fd, &st) == 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot stat '%s': %s", path, strerror(errno));
  PetscCheck(S_ISREG(st.st_mode), PETSC_COMM_SELF, MS_ERR_FILE, "'%s' is not a regular file", path);
  job->len = (size_t)st.st_size;
  PetscCheck(job->len > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty file (no header row)", path);
  job->data = (char *)mmap(NULL, job->len, PROT_READ, MAP_PRIVATE, job->fd, 0);
  PetscCheck(job->data != MAP_FAILED, PETSC_COMM_SELF, MS_ERR_FILE, "cannot map '%s': %s", path, strerror(errno));
  madvise(job->data, job->len, MADV_SEQUENTIAL);
  PetscCall(ms_input_register(path));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_dataset_read_csv(MPI_Comm comm, const char *path, const ms_csv_read_opts *opts, ms_dataset *out)
{
  PetscMPIInt    rank, size;
  csv_job        job = {.fd = -1, .data = MAP_FAILED};
  PetscErrorCode lerr, gerr;
  size_t        *starts, header_end = 0;
  int64_t       *lines, n_records = 0;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscMalloc2(size + 1, &starts, size + 1, &lines));

  lerr = map_file(path, &job);
  if (!lerr && !rank) lerr = ms_csv_split(path, job.data, job.len, size, &header_end, &n_records, starts, lines);
  PetscCall(ms_error_agree(comm, lerr, &gerr));
  if (gerr) goto fail;
  PetscCallMPI(MPI_Bcast(&header_end, sizeof header_end, MPI_BYTE, 0, comm));
  PetscCallMPI(MPI_Bcast(&n_records, 1, MPI_INT64_T, 0, comm));
  PetscCallMPI(MPI_Bcast(starts, (int)(sizeof(size_t) * (size + 1)), MPI_BYTE, 0, comm));
  PetscCallMPI(MPI_Bcast(lines, size + 1, MPI_INT64_T, 0, comm));

  {
    int64_t mine = n_records / size + (rank < n_records % size ? 1 : 0);
    lerr = parse_header(path, job.data, header_end, opts, &job.h);
    if (!lerr) lerr = parse_rows(&job.h, job.data + starts[rank], job.data + starts[rank + 1], lines[rank], mine, opts, &job.rows);
  }
  PetscCall(ms_error_agree(comm, lerr, &gerr));
  if (gerr) goto fail;
  if (n_records <= 0) { /* collective: every rank knows n_records */
    gerr = PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL, "%s: no data rows after the header", path);
    goto fail;
  }

  {
    csv_rows *R = &job.rows;
    ms_task   task = opts ? opts->task : MS_TASK_AUTO;
    int       num  = R->target_numeric, all_num = 1;
    PetscCallMPI(MPI_Allreduce(&num, &all_num, 1, MPI_INT, MPI_LAND, comm));
    PetscBool classify = job.h.target_col >= 0 && (task == MS_TASK_CLASSIFICATION || (task == MS_TASK_AUTO && !all_num));
    int64_t   keep = 0;
    for (int64_t i = 0; i < R->n; i++) keep += !R->drop[i];
    ms_dataset ds;
    PetscCall(ms_dataset_create(comm, keep, R->d, &ds));
    char **fn;
    PetscCall(PetscMalloc1(R->d + 1, &fn));
    for (int j = 0, f = 0; j < job.h.ncols; j++) if (job.h.role[j] == ROLE_FEATURE) fn[f++] = job.h.names[j];
    PetscCall(ms_dataset_set_feature_names(ds, fn));
    PetscCall(PetscFree(fn));
    int64_t *lab = NULL;
    if (classify) {
      int64_t nc;
      char  **cn;
      PetscCall(PetscMalloc1(R->n + 1, &lab));
      PetscCall(build_classes(comm, R->n, R->tstr, &nc, &cn, lab));
      PetscCall(ms_dataset_set_labels(ds, job.h.names[job.h.target_col], nc, cn, NULL));
      for (int64_t c = 0; c < nc; c++) PetscFree(cn[c]);
      PetscCall(PetscFree(cn));
    } else if (job.h.target_col >= 0) PetscCall(ms_dataset_set_target(ds, job.h.names[job.h.target_col], NULL));
    if (job.h.id_col >= 0) {
      PetscCall(PetscStrallocpy(job.h.names[job.h.id_col], &ds->id_name));
      PetscCall(PetscCalloc1(keep + 1, &ds->ids));
    }
    for (int64_t i = 0, k = 0; i < R->n; i++) {
      if (R->drop[i]) continue;
      PetscCall(PetscArraycpy(ds->X + k * R->d, R->X + i * R->d, R->d));
      if (ds->labels) ds->labels[k] = lab[i];
      if (ds->y) ds->y[k] = R->y[i];
      if (ds->ids) PetscCall(PetscStrallocpy(R->ids[i], &ds->ids[k]));
      k++;
    }
    PetscCall(PetscFree(lab));
    if (ds->n_global == 0) {
      PetscCall(ms_dataset_destroy(&ds));
      gerr = PetscError(comm, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL,
                        "%s: no rows left after dropping rows with missing values", path);
      goto fail;
    }
    *out = ds;
  }
  header_free(&job.h);
  rows_free(&job.rows);
  munmap(job.data, job.len);
  close(job.fd);
  PetscCall(PetscFree2(starts, lines));
  PetscFunctionReturn(0);
fail: /* free what a failed parse left (found leaking by the fuzz replay under LeakSanitizer) */
  header_free(&job.h);
  rows_free(&job.rows);
  if (job.data != MAP_FAILED) munmap(job.data, job.len);
  if (job.fd >= 0) close(job.fd);
  PetscCall(PetscFree2(starts, lines));
  return gerr; /* already reported by the rank that failed */
}
