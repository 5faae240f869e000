/* ms_bo_io.c - the space and data files of `matscreen bo` (formats: ms_bo.h). Both files are
 * small (a few hundred rows), so every rank reads and parses the whole file: a malformed
 * file then fails identically on every rank and all ranks leave together. */
#include "ms_bo.h"
#include "ms_csv.h"
#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct {
  char         *text;
  size_t        len;
  ms_csv_reader rd;
  ms_csv_record rec;
} ms_bo_csv;

static PetscErrorCode csv_open(MPI_Comm comm, const char *path, const char *what, ms_bo_csv *c, PetscBool *have)
{
  FILE *f;
  long  sz;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(c, sizeof *c));
  f = fopen(path, "rb");
  PetscCheck(f, comm, MS_ERR_FILE, "cannot open the %s file '%s': %s", what, path, strerror(errno));
  fseek(f, 0, SEEK_END);
  sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  PetscCall(PetscMalloc1((size_t)sz + 1, &c->text));
  c->len = fread(c->text, 1, (size_t)sz, f);
  fclose(f);
  c->text[c->len] = 0;
  PetscCheck(strlen(c->text) == c->len, comm, MS_ERR_READ, "%s file '%s' contains a NUL byte: not a CSV text file", what, path);
  c->rd.path = path;
  c->rd.p    = c->text;
  c->rd.end  = c->text + c->len;
  c->rd.line = 1;
  PetscCall(ms_csv_next(&c->rd, &c->rec, have));
  PetscCheck(*have, comm, MS_ERR_READ, "%s file '%s' is empty (a header row is required)", what, path);
  PetscFunctionReturn(0);
}

static PetscErrorCode csv_close(ms_bo_csv *c)
{
  PetscFunctionBeginUser;
  ms_csv_record_free(&c->rec);
  PetscCall(PetscFree(c->text));
  PetscFunctionReturn(0);
}

static int header_col(const ms_csv_record *h, const char *name)
{
  for (int j = 0; j < h->n; j++)
    if (!strcmp(h->field[j], name)) return j;
  return -1;
}

/* whitespace-separated numbers of a field; *n in/out (capacity / count) */
static PetscErrorCode parse_list(MPI_Comm comm, const char *path, int64_t line, int col, const char *s, int64_t cap, double *v, int64_t *n)
{
  char   *copy, *save = NULL;
  int64_t k = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscStrallocpy(s, &copy));
  for (char *tok = strtok_r(copy, " \t;", &save); tok; tok = strtok_r(NULL, " \t;", &save)) {
    PetscBool finite;
    double    x;
    if (!ms_csv_parse_double(tok, &x, &finite) || !finite) {
      char bad[64];
      PetscCall(PetscStrncpy(bad, tok, sizeof bad));
      PetscCall(PetscFree(copy));
      SETERRQ(comm, MS_ERR_READ, "%s:%lld: column %d: '%s' is not a finite number (values are numbers separated by spaces)", path,
              (long long)line, col + 1, bad);
    }
    if (k == cap) {
      PetscCall(PetscFree(copy));
      SETERRQ(comm, MS_ERR_READ, "%s:%lld: column %d: more than %lld values", path, (long long)line, col + 1, (long long)cap);
    }
    v[k++] = x;
  }
  PetscCall(PetscFree(copy));
  *n = k;
  PetscFunctionReturn(0);
}

#define MS_BO_MAX_DIMS   64
#define MS_BO_MAX_LEVELS 100000

PetscErrorCode ms_bo_space_read(MPI_Comm comm, const char *path, const char *stage, ms_bo_space *out)
{
  ms_bo_csv c;
  PetscBool have;
  int       cs, cd, cu, ct, cv;
  char     *names[MS_BO_MAX_DIMS], *units[MS_BO_MAX_DIMS], stages[512] = "";
  int64_t   kinds[MS_BO_MAX_DIMS], nv[MS_BO_MAX_DIMS], nd = 0, lines[MS_BO_MAX_DIMS];
  double   *vals[MS_BO_MAX_DIMS];
  ms_bo_space s;

  PetscFunctionBeginUser;
  PetscCall(csv_open(comm, path, "space", &c, &have));
  cs = header_col(&c.rec, "stage");
  cd = header_col(&c.rec, "dimension");
  cu = header_col(&c.rec, "unit");
  ct = header_col(&c.rec, "type");
  cv = header_col(&c.rec, "values");
  PetscCheck(cd >= 0 && cv >= 0, comm, MS_ERR_READ,
             "%s:%lld: the space file needs the columns 'dimension' and 'values' (optional: stage, unit, type)", path,
             (long long)c.rec.line);
  int ncol = c.rec.n;
  /* pass 1: the stages present, in order of appearance */
  ms_csv_reader save = c.rd;
  int           n_stages = 0;
  char          first_stage[256] = "";
  for (;;) {
    PetscCall(ms_csv_next(&c.rd, &c.rec, &have));
    if (!have) break;
    PetscCheck(c.rec.n == ncol, comm, MS_ERR_READ, "%s:%lld: %d fields, the header has %d", path, (long long)c.rec.line, c.rec.n, ncol);
    if (cs < 0) continue;
    const char *st = c.rec.field[cs];
    char        quoted[300];
    PetscCall(PetscSNPrintf(quoted, sizeof quoted, " '%s'", st));
    if (!strstr(stages, quoted)) {
      if (!n_stages) PetscCall(PetscStrncpy(first_stage, st, sizeof first_stage));
      n_stages++;
      if (strlen(stages) + strlen(quoted) + 1 < sizeof stages) PetscCall(PetscStrlcat(stages, quoted, sizeof stages));
    }
  }
  if (cs >= 0) {
    if (stage && stage[0]) {
      char quoted[300];
      PetscCall(PetscSNPrintf(quoted, sizeof quoted, " '%s'", stage));
      PetscCheck(strstr(stages, quoted), comm, MS_ERR_USER, "-stage %s: no such stage in %s; stages:%s", stage, path, stages);
    } else {
      PetscCheck(n_stages <= 1, comm, MS_ERR_USER, "%s holds %d stages; choose one with -stage (stages:%s)", path, n_stages, stages);
      stage = first_stage;
    }
  } else PetscCheck(!stage || !stage[0], comm, MS_ERR_USER, "-stage %s given but %s has no 'stage' column", stage, path);
  /* pass 2: the rows of the stage */
  c.rd = save;
  PetscCall(PetscMalloc1(MS_BO_MAX_LEVELS, &vals[0]));
  for (;;) {
    PetscCall(ms_csv_next(&c.rd, &c.rec, &have));
    if (!have) break;
    if (cs >= 0 && strcmp(c.rec.field[cs], stage)) continue;
    PetscCheck(nd < MS_BO_MAX_DIMS, comm, MS_ERR_READ, "%s:%lld: more than %d dimensions", path, (long long)c.rec.line, MS_BO_MAX_DIMS);
    const char *name = c.rec.field[cd];
    PetscCheck(name[0], comm, MS_ERR_READ, "%s:%lld: column %d ('dimension') is empty", path, (long long)c.rec.line, cd + 1);
    for (int64_t k = 0; k < nd; k++)
      PetscCheck(strcmp(names[k], name), comm, MS_ERR_READ, "%s:%lld: dimension '%s' appears twice (first on line %lld)", path,
                 (long long)c.rec.line, name, (long long)lines[k]);
    kinds[nd] = MS_BO_DIM_LEVELS;
    if (ct >= 0 && c.rec.field[ct][0]) {
      int found = -1;
      for (int k = 0; k < 3; k++)
        if (!strcmp(c.rec.field[ct], ms_bo_dim_kind_names[k])) found = k;
      PetscCheck(found >= 0, comm, MS_ERR_READ, "%s:%lld: column %d ('type') is '%s'; allowed: levels, int, real", path, (long long)c.rec.line,
                 ct + 1, c.rec.field[ct]);
      kinds[nd] = found;
    }
    if (nd) PetscCall(PetscMalloc1(MS_BO_MAX_LEVELS, &vals[nd]));
    PetscCall(parse_list(comm, path, c.rec.line, cv, c.rec.field[cv], MS_BO_MAX_LEVELS, vals[nd], &nv[nd]));
    PetscCheck(nv[nd] >= 1, comm, MS_ERR_READ, "%s:%lld: column %d ('values') is empty for dimension '%s'", path, (long long)c.rec.line,
               cv + 1, name);
    if (kinds[nd] != MS_BO_DIM_LEVELS)
      PetscCheck(nv[nd] == 2 && vals[nd][0] <= vals[nd][1], comm, MS_ERR_READ,
                 "%s:%lld: dimension '%s' of type %s needs 'lo hi' with lo <= hi in column %d", path, (long long)c.rec.line, name,
                 ms_bo_dim_kind_names[kinds[nd]], cv + 1);
    if (kinds[nd] == MS_BO_DIM_INT)
      PetscCheck(vals[nd][0] == floor(vals[nd][0]) && vals[nd][1] == floor(vals[nd][1]), comm, MS_ERR_READ,
                 "%s:%lld: integer dimension '%s': bounds %g %g are not integers", path, (long long)c.rec.line, name, vals[nd][0], vals[nd][1]);
    if (kinds[nd] == MS_BO_DIM_LEVELS) { /* sorted copy: duplicates are neighbours */
      double *srt;
      PetscCall(PetscMalloc1(nv[nd], &srt));
      PetscCall(PetscArraycpy(srt, vals[nd], nv[nd]));
      PetscCall(PetscSortReal((PetscInt)nv[nd], srt));
      for (int64_t i = 1; i < nv[nd]; i++)
        PetscCheck(srt[i] != srt[i - 1], comm, MS_ERR_READ, "%s:%lld: dimension '%s' lists the level %g twice", path, (long long)c.rec.line,
                   name, srt[i]);
      PetscCall(PetscFree(srt));
    }
    PetscCall(PetscStrallocpy(name, &names[nd]));
    PetscCall(PetscStrallocpy(cu >= 0 ? c.rec.field[cu] : "", &units[nd]));
    lines[nd] = c.rec.line;
    nd++;
  }
  PetscCheck(nd > 0, comm, MS_ERR_READ, "%s: no dimensions%s%s", path, cs >= 0 ? " for stage " : "", cs >= 0 ? stage : "");
  PetscCall(ms_bo_space_create(nd, &s));
  for (int64_t k = 0; k < nd; k++) {
    if (kinds[k] == MS_BO_DIM_LEVELS) PetscCall(ms_bo_space_set_levels(s, k, names[k], nv[k], vals[k]));
    else PetscCall(ms_bo_space_set_range(s, k, names[k], (ms_bo_dim_kind)kinds[k], vals[k][0], vals[k][1]));
    s->dim[k].unit = units[k];
    PetscCall(PetscFree(names[k]));
    PetscCall(PetscFree(vals[k]));
  }
  if (cs >= 0) PetscCall(PetscStrallocpy(stage, &s->stage));
  PetscCall(csv_close(&c));
  *out = s;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_data_read(MPI_Comm comm, const char *path, ms_bo_space s, int n_obj, const char *const *targets, ms_bo_data *data)
{
  ms_bo_csv c;
  PetscBool have;
  int64_t   d = s->d, ncols = d + n_obj, cap = 64, n = 0;
  int      *col;
  double   *buf;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(data, sizeof *data));
  PetscCall(csv_open(comm, path, "data", &c, &have));
  PetscCall(PetscMalloc1(ncols, &col));
  for (int64_t k = 0; k < ncols; k++) {
    const char *want = k < d ? s->dim[k].name : targets[k - d];
    col[k]           = header_col(&c.rec, want);
    PetscCheck(col[k] >= 0, comm, MS_ERR_READ, "%s:%lld: no column '%s' (%s) in the header", path, (long long)c.rec.line, want,
               k < d ? "a dimension of the search space" : "the target");
  }
  int ncol = c.rec.n;
  PetscCall(PetscMalloc1(cap * ncols, &buf));
  for (;;) {
    PetscCall(ms_csv_next(&c.rd, &c.rec, &have));
    if (!have) break;
    PetscCheck(c.rec.n == ncol, comm, MS_ERR_READ, "%s:%lld: %d fields, the header has %d", path, (long long)c.rec.line, c.rec.n, ncol);
    if (n == cap) {
      double *nb;
      PetscCall(PetscMalloc1(2 * cap * ncols, &nb));
      PetscCall(PetscArraycpy(nb, buf, cap * ncols));
      PetscCall(PetscFree(buf));
      buf = nb;
      cap *= 2;
    }
    for (int64_t k = 0; k < ncols; k++) {
      PetscBool finite;
      double    v;
      PetscBool ok = ms_csv_parse_double(c.rec.field[col[k]], &v, &finite);
      PetscCheck(ok && finite, comm, MS_ERR_READ, "%s:%lld: column %d ('%s') is '%s'; a finite number is required", path, (long long)c.rec.line,
                 col[k] + 1, k < d ? s->dim[k].name : targets[k - d], c.rec.field[col[k]]);
      buf[n * ncols + k] = v;
    }
    n++;
  }
  PetscCheck(n > 0, comm, MS_ERR_READ, "%s: no data rows after the header", path);
  data->n     = n;
  data->d     = d;
  data->n_obj = n_obj;
  PetscCall(PetscMalloc2(n * d, &data->X, n * n_obj, &data->Y));
  for (int64_t i = 0; i < n; i++) {
    for (int64_t k = 0; k < d; k++) data->X[i * d + k] = buf[i * ncols + k];
    for (int64_t k = 0; k < n_obj; k++) data->Y[i * n_obj + k] = buf[i * ncols + d + k];
  }
  for (int k = 0; k < n_obj; k++) PetscCall(PetscStrallocpy(targets[k], &data->target[k]));
  PetscCall(PetscFree(buf));
  PetscCall(PetscFree(col));
  PetscCall(csv_close(&c));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_data_free(ms_bo_data *data)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree2(data->X, data->Y));
  for (int k = 0; k < 2; k++) PetscCall(PetscFree(data->target[k]));
  PetscCall(PetscMemzero(data, sizeof *data));
  PetscFunctionReturn(0);
}
