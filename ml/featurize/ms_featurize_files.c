/* ms_featurize_files.c - what the featurize commands share: the list of inputs, catching a
 * failed input for -on_error skip|nan, and turning rows computed on rank (i mod P) into a
 * row-sharded dataset in input order, written atomically with units and provenance.
 */
#include "ms_error.h"
#include "ms_featurize.h"
#include "ms_h5.h"
#include "ms_log.h"
#include <math.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>


PetscErrorCode ms_featurize_choice(MPI_Comm comm, const char *option, const char *value, const char *const *names, int n, int *index)
{
  char allowed[256] = "";
  PetscFunctionBegin;
  for (int i = 0; i < n; i++) {
    if (!strcmp(value, names[i])) {
      *index = i;
      PetscFunctionReturn(0);
    }
    PetscCall(PetscStrlcat(allowed, i ? ", " : "", sizeof allowed));
    PetscCall(PetscStrlcat(allowed, names[i], sizeof allowed));
  }
  SETERRQ(comm, MS_ERR_USER, "%s: unknown value '%s' (allowed: %s)", option, value, allowed);
}

typedef struct {
  char  *msg;
  size_t len;
  int    have;
} catch_ctx;

static PetscErrorCode catch_handler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n, PetscErrorType p, const char *mess, void *ctx)
{
  catch_ctx *c = (catch_ctx *)ctx;
  (void)comm; (void)line; (void)fun; (void)file;
  if (p == PETSC_ERROR_INITIAL && !c->have) {
    const char *text = mess;
    if (!text || !text[0]) PetscErrorMessage(n, &text, NULL);
    snprintf(c->msg, c->len, "%s", text ? text : "unknown error");
    c->have = 1;
  }
  return n;
}

PetscErrorCode ms_featurize_try(PetscErrorCode (*f)(void *), void *ctx, PetscErrorCode *err, char *msg, size_t len)
{
  catch_ctx c = {msg, len, 0};
  PetscFunctionBegin;
  msg[0] = 0;
  PetscCall(PetscPushErrorHandler(catch_handler, &c));
  *err = f(ctx);
  PetscCall(PetscPopErrorHandler());
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_inputs(MPI_Comm comm, int n_in, char *const *in, const char *list, int *n, char ***files)
{
  char  **out = NULL;
  int     cnt = 0, cap = 0;
  char   *text = NULL;
  long    len = 0;
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int i = 0; i < n_in; i++) {
    if (cnt == cap) { cap = cap ? 2 * cap : 64; PetscCall(PetscRealloc(sizeof(char *) * (size_t)cap, &out)); }
    PetscCall(PetscStrallocpy(in[i], &out[cnt++]));
  }
  if (list && list[0]) {
    /* Rank 0 reads the list and broadcasts it: a million-line list is opened once. */
    int ok = 1;
    if (!rank) {
      FILE *fp = fopen(list, "rb");
      ok       = fp != NULL;
      if (fp) {
        fseek(fp, 0, SEEK_END);
        len = ftell(fp);
        fseek(fp, 0, SEEK_SET);
        PetscCall(PetscMalloc1(len + 1, &text));
        len = (long)fread(text, 1, (size_t)len, fp);
        fclose(fp);
      }
    }
    PetscCallMPI(MPI_Bcast(&ok, 1, MPI_INT, 0, comm));
    PetscCheck(ok, comm, MS_ERR_FILE, "-list: cannot open %s", list);
    PetscCallMPI(MPI_Bcast(&len, 1, MPI_LONG, 0, comm));
    if (rank) PetscCall(PetscMalloc1(len + 1, &text));
    PetscCallMPI(MPI_Bcast(text, (int)len, MPI_CHAR, 0, comm));
    text[len] = 0;
    char dir[PETSC_MAX_PATH_LEN];
    PetscCall(PetscStrncpy(dir, list, sizeof dir));
    char *d = dirname(dir);
    for (char *p = text, *e; p && *p; p = e ? e + 1 : NULL) {
      e = strchr(p, '\n');
      if (e) *e = 0;
      size_t k = strlen(p);
      while (k && (p[k - 1] == '\r' || p[k - 1] == ' ' || p[k - 1] == '\t')) p[--k] = 0;
      while (*p == ' ' || *p == '\t') p++;
      if (!*p || *p == '#') continue;
      if (cnt == cap) { cap = cap ? 2 * cap : 64; PetscCall(PetscRealloc(sizeof(char *) * (size_t)cap, &out)); }
      if (*p == '/' || !strcmp(d, ".")) PetscCall(PetscStrallocpy(p, &out[cnt++]));
      else {
        char full[2 * PETSC_MAX_PATH_LEN];
        snprintf(full, sizeof full, "%s/%s", d, p);
        PetscCall(PetscStrallocpy(full, &out[cnt++]));
      }
    }
    PetscCall(PetscFree(text));
  }
  PetscCheck(cnt > 0, comm, MS_ERR_USER, "no inputs: give -inputs a,b,... or -list FILE (one path per line)");
  *n     = cnt;
  *files = out;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_inputs_free(int n, char ***files)
{
  PetscFunctionBegin;
  for (int i = 0; i < n; i++) PetscCall(PetscFree((*files)[i]));
  PetscCall(PetscFree(*files));
  PetscFunctionReturn(0);
}

typedef struct {
  int64_t item, sub, idx;
} row_key;
static int cmp_key(const void *a, const void *b)
{
  const row_key *x = a, *y = b;
  if (x->item != y->item) return x->item < y->item ? -1 : 1;
  return (x->sub > y->sub) - (x->sub < y->sub);
}

PetscErrorCode ms_featurize_rows_to_dataset(MPI_Comm comm, int64_t n, const int64_t *item, const int64_t *sub, char *const *ids, const double *X, int64_t d,
                                            const char *const *names, ms_dataset *out)
{
  PetscMPIInt rank, size;
  long long   max_item = -1, gmax;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  for (int64_t r = 0; r < n; r++) max_item = PetscMax(max_item, (long long)item[r]);
  PetscCallMPI(MPI_Allreduce(&max_item, &gmax, 1, MPI_LONG_LONG, MPI_MAX, comm));
  /* Rows per input (each input is on one rank), then the global row of every local row. */
  int64_t  n_items = gmax + 1, *cnt, *off, n_global = 0;
  row_key   *key;
  PetscCall(PetscCalloc2(n_items + 1, &cnt, n_items + 1, &off));
  PetscCall(PetscMalloc1(n + 1, &key));
  for (int64_t r = 0; r < n; r++) {
    cnt[item[r]]++;
    key[r] = (row_key){item[r], sub[r], r};
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)n_items, MPI_INT64_T, MPI_SUM, comm));
  for (int64_t i = 0; i < n_items; i++) {
    off[i] = n_global;
    n_global += cnt[i];
  }
  qsort(key, (size_t)n, sizeof *key, cmp_key);
  /* PETSc's split: the first n_global % P ranks own one more row. */
  const int64_t base = n_global / size, extra = n_global % size;
#define OWNER(g) ((g) < extra * (base + 1) ? (int)((g) / (base + 1)) : (int)(extra + ((g) - extra * (base + 1)) / (base ? base : 1)))
  /* Records: global row (int64), id length (int64), d doubles, id bytes. */
  int *scount, *sdisp, *rcount, *rdisp;
  PetscCall(PetscCalloc4(size, &scount, size + 1, &sdisp, size, &rcount, size + 1, &rdisp));
  int64_t *grow;
  PetscCall(PetscMalloc1(n + 1, &grow));
  for (int64_t r = 0, pos = 0; r < n; r++) {
    if (r && key[r].item != key[r - 1].item) pos = 0;
    grow[r] = off[key[r].item] + pos++;
    scount[OWNER(grow[r])] += (int)(16 + 8 * d + strlen(ids[key[r].idx]));
  }
  for (int p = 0; p < size; p++) sdisp[p + 1] = sdisp[p] + scount[p];
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (int p = 0; p < size; p++) rdisp[p + 1] = rdisp[p] + rcount[p];
  char *sbuf, *rbuf;
  PetscCall(PetscMalloc2(sdisp[size] + 1, &sbuf, rdisp[size] + 1, &rbuf));
  {
    int *fill;
    PetscCall(PetscCalloc1(size, &fill));
    for (int64_t r = 0; r < n; r++) {
      int         o = OWNER(grow[r]);
      char       *p = sbuf + sdisp[o] + fill[o];
      const char *s = ids[key[r].idx];
      int64_t     l = (int64_t)strlen(s);
      memcpy(p, &grow[r], 8);
      memcpy(p + 8, &l, 8);
      memcpy(p + 16, X + key[r].idx * d, (size_t)(8 * d));
      memcpy(p + 16 + 8 * d, s, (size_t)l);
      fill[o] += (int)(16 + 8 * d + l);
    }
    PetscCall(PetscFree(fill));
  }
  PetscCallMPI(MPI_Alltoallv(sbuf, scount, sdisp, MPI_CHAR, rbuf, rcount, rdisp, MPI_CHAR, comm));
  int64_t    mine = base + (rank < extra ? 1 : 0);
  ms_dataset ds;
  PetscCall(ms_dataset_create(comm, mine, d, &ds));
  PetscCall(ms_dataset_set_feature_names(ds, (char *const *)names));
  PetscCall(PetscCalloc1(mine + 1, &ds->ids));
  PetscCall(PetscStrallocpy("id", &ds->id_name));
  for (char *p = rbuf; p < rbuf + rdisp[size];) {
    int64_t g, l;
    memcpy(&g, p, 8);
    memcpy(&l, p + 8, 8);
    int64_t i = g - ds->row_start;
    PetscCheck(i >= 0 && i < mine, PETSC_COMM_SELF, PETSC_ERR_PLIB, "row %lld delivered to the wrong rank", (long long)g);
    memcpy(ds->X + i * d, p + 16, (size_t)(8 * d));
    PetscCall(PetscMalloc1(l + 1, &ds->ids[i]));
    memcpy(ds->ids[i], p + 16 + 8 * d, (size_t)l);
    ds->ids[i][l] = 0;
    p += 16 + 8 * d + l;
  }
#undef OWNER
  PetscCall(PetscFree2(sbuf, rbuf));
  PetscCall(PetscFree4(scount, sdisp, rcount, rdisp));
  PetscCall(PetscFree(grow));
  PetscCall(PetscFree(key));
  PetscCall(PetscFree2(cnt, off));
  *out = ds;
  PetscFunctionReturn(0);
}

static PetscBool is_h5(const char *path)
{
  size_t n = strlen(path);
  return (n > 3 && !strcmp(path + n - 3, ".h5")) || (n > 5 && !strcmp(path + n - 5, ".hdf5")) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode ms_featurize_write_files(ms_dataset ds, const char *path, int n_inputs, char *const *inputs, const char *kind, char *const *units,
                                  const char *note)
{
  PetscFunctionBegin;
  if (!is_h5(path)) {
    PetscCall(ms_dataset_write_csv(ds, path));
    PetscFunctionReturn(0);
  }
  ms_h5_file f;
  hid_t      g, dset;
  PetscCall(ms_h5_create(ds->comm, path, &f));
  /* Provenance of a million inputs would not fit an attribute: the first 100 are named. */
  for (int i = 0; i < PetscMin(n_inputs, 100); i++) PetscCall(ms_h5_add_input(f, inputs[i]));
  PetscCall(ms_dataset_write_h5(ds, f->fid, "/features"));
  PetscCall(ms_h5_group_ensure(f->fid, "/features", &g));
  PetscCall(ms_h5_attr_set_string(g, "featurizer", kind));
  PetscCall(ms_h5_attr_set_int(g, "n_inputs", n_inputs));
  if (note) PetscCall(ms_h5_attr_set_string(g, "note", note));
  dset = H5Dopen2(g, "features", H5P_DEFAULT);
  MS_H5CHK(dset, ds->comm, "cannot reopen /features/features in %s", path);
  PetscCall(ms_h5_attr_set_strings(dset, "units", (int)ds->n_features, units));
  H5Dclose(dset);
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

/* ---- the sharded loop over input files ---- */

typedef struct {
  ms_featurize_file_fn fn;
  void                *ctx;
  const char          *path;
  int64_t              d, n;
  double              *rows;
  char               **ids;
} one_file;

static PetscErrorCode run_one(void *p)
{
  one_file *o = (one_file *)p;
  return o->fn(o->path, o->ctx, o->d, &o->n, &o->rows, &o->ids);
}

typedef struct {
  int64_t n, cap, d;
  int64_t *item, *sub;
  double  *X;
  char   **ids;
} row_buf;

static PetscErrorCode add_row(row_buf *b, int64_t item, int64_t sub, const char *id, const double *x)
{
  PetscFunctionBegin;
  if (b->n == b->cap) {
    b->cap = b->cap ? 2 * b->cap : 256;
    PetscCall(PetscRealloc(sizeof(int64_t) * (size_t)b->cap, &b->item));
    PetscCall(PetscRealloc(sizeof(int64_t) * (size_t)b->cap, &b->sub));
    PetscCall(PetscRealloc(sizeof(double) * (size_t)(b->cap * b->d), &b->X));
    PetscCall(PetscRealloc(sizeof(char *) * (size_t)b->cap, &b->ids));
  }
  b->item[b->n] = item;
  b->sub[b->n]  = sub;
  PetscCall(PetscStrallocpy(id, &b->ids[b->n]));
  for (int64_t k = 0; k < b->d; k++) b->X[b->n * b->d + k] = x ? x[k] : NAN;
  b->n++;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_files(MPI_Comm comm, int n_files, char *const *files, ms_featurize_file_fn fn, void *ctx, int64_t d,
                                  const char *const *names, ms_on_error policy, const char *label, ms_dataset *ds, int64_t *n_failed)
{
  PetscMPIInt    rank, size;
  row_buf        b = {.d = d};
  PetscErrorCode lerr = 0, gerr = 0;
  long long      failed = 0, gfailed = 0;
  ms_progress    prog;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(ms_progress_begin(comm, label, n_files, &prog));
  /* Rounds: in round k rank r takes input k*P + r (input i on rank i mod P). Every 32 rounds
     the ranks agree on failures (so -on_error fail stops everyone early) and on progress. */
  const int rounds = (n_files + size - 1) / size;
  for (int k = 0; k < rounds; k++) {
    const int i = k * size + rank;
    if (i < n_files && !lerr) {
      one_file       o = {fn, ctx, files[i], d, 0, NULL, NULL};
      PetscErrorCode e;
      char           msg[2048];
      PetscCall(ms_featurize_try(run_one, &o, &e, msg, sizeof msg));
      if (e && !strstr(msg, files[i])) { /* every message names its input */
        char tmp[2048];
        snprintf(tmp, sizeof tmp, "%s: %.1900s", files[i], msg);
        memcpy(msg, tmp, sizeof msg);
      }
      if (!e)
        for (int64_t r = 0; r < o.n; r++) PetscCall(add_row(&b, i, r, o.ids[r], o.rows + r * d));
      else {
        failed++;
        if (policy == MS_ON_ERROR_FAIL) {
          /* Raised again under matscreen's handler: held, then printed once by ms_error_agree. */
          lerr = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, e, PETSC_ERROR_INITIAL, "%s (-on_error fail; skip or nan go on)", msg);
        } else {
          fprintf(stderr, "matscreen: warning: %s %s: %s\n", policy == MS_ON_ERROR_SKIP ? "skipped" : "NaN row for", files[i], msg);
          if (policy == MS_ON_ERROR_NAN) PetscCall(add_row(&b, i, 0, files[i], NULL));
        }
      }
      for (int64_t r = 0; r < o.n; r++) PetscCall(PetscFree(o.ids[r]));
      PetscCall(PetscFree(o.ids));
      PetscCall(PetscFree(o.rows));
    }
    if (k % 32 == 31 || k == rounds - 1) {
      PetscCall(ms_error_agree(comm, lerr, &gerr));
      if (gerr) break;
      PetscCall(ms_progress_update(&prog, PetscMin((int64_t)(k + 1) * size, (int64_t)n_files)));
    }
  }
  if (rounds == 0) PetscCall(ms_error_agree(comm, lerr, &gerr));
  if (!gerr) PetscCall(ms_progress_end(&prog));
  if (!gerr) {
    PetscCallMPI(MPI_Allreduce(&failed, &gfailed, 1, MPI_LONG_LONG, MPI_SUM, comm));
    PetscCall(ms_featurize_rows_to_dataset(comm, b.n, b.item, b.sub, b.ids, b.X, d, names, ds));
    *n_failed = gfailed;
  }
  for (int64_t r = 0; r < b.n; r++) PetscCall(PetscFree(b.ids[r]));
  PetscCall(PetscFree(b.item));
  PetscCall(PetscFree(b.sub));
  PetscCall(PetscFree(b.X));
  PetscCall(PetscFree(b.ids));
  if (gerr) return gerr; /* already reported by the rank that failed */
  PetscFunctionReturn(0);
}

PetscErrorCode ms_featurize_run(MPI_Comm comm, int n_in, char *const *in, const char *list, const char *out, const ms_featurize_kind *k, void *ctx,
                                ms_on_error policy)
{
  int        n_files;
  char     **files, label[64];
  ms_dataset ds;
  int64_t    failed;
  PetscFunctionBegin;
  snprintf(label, sizeof label, "featurize %s", k->name);
  PetscCheck(n_in < MS_FEATURIZE_MAX_INPUTS, comm, MS_ERR_USER, "-inputs: %d or more files (the most it holds is %d): list them in a file and use -list",
             MS_FEATURIZE_MAX_INPUTS, MS_FEATURIZE_MAX_INPUTS - 1);
  PetscCall(ms_featurize_inputs(comm, n_in, in, list, &n_files, &files));
  PetscCall(ms_featurize_files(comm, n_files, files, k->fn, ctx, k->d, k->names, policy, label, &ds, &failed));
  if (!ds->n_global) {
    PetscCall(ms_dataset_destroy(&ds));
    PetscCall(ms_featurize_inputs_free(n_files, &files));
    SETERRQ(comm, MS_ERR_READ, "%s: all %d input(s) failed (-on_error %s, messages above): no table written", label, n_files, ms_on_error_names[policy]);
  }
  PetscCall(ms_featurize_write_files(ds, out, n_files, files, k->name, (char *const *)k->units, k->note));
  PetscCall(ms_log(comm, "%s: %d input(s), %lld row(s), %lld failed (-on_error %s); wrote %s\n", label, n_files, (long long)ds->n_global, (long long)failed,
                   ms_on_error_names[policy], out));
  {
    long long *bad;
    char       cols[1024] = "";
    PetscCall(PetscCalloc1(k->d, &bad));
    for (int64_t i = 0; i < ds->n_local; i++)
      for (int64_t j = 0; j < k->d; j++) bad[j] += !isfinite(ds->X[i * k->d + j]);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, bad, (int)k->d, MPI_LONG_LONG, MPI_SUM, comm));
    for (int64_t j = 0; j < k->d; j++)
      if (bad[j]) {
        char one[128];
        snprintf(one, sizeof one, "%s%s (%lld)", cols[0] ? ", " : "", k->names[j], bad[j]);
        PetscCall(PetscStrlcat(cols, one, sizeof cols));
      }
    if (cols[0]) PetscCall(ms_log(comm, "%s: non-finite values in %s%s%s\n", label, cols, k->note ? "; " : "", k->note ? k->note : ""));
    PetscCall(PetscFree(bad));
  }
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_featurize_inputs_free(n_files, &files));
  PetscFunctionReturn(0);
}
