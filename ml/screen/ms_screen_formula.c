/* ms_screen_formula.c - candidate source: a list of chemical formulas featurized on the fly.
 *
 * The features are the composition featurizer's (ml/featurize/ms_featurize.h), computed per
 * chunk, so a screen of 10^8 formulas never holds more than a chunk of feature rows; the model
 * must have been trained on the same preset (`matscreen featurize composition -preset P`). A
 * formula that cannot be featurized is an error naming it and why: a screen must not rank a
 * candidate on NaN features.
 *
 * Input: a text file with one formula per line ('#' comments and empty lines skipped; a
 * first line "formula" is taken as a header). The file is memory-mapped; the byte offset of
 * every 1024th formula is indexed once at creation (8 bytes per 1024 formulas, so 10^8
 * formulas cost 780 KB), and read_rows seeks to the nearest indexed line and walks forward.
 * The formula itself is the candidate id.
 */
#include "ms_screen.h"
#include "ms_featurize.h"
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define STRIDE 1024

typedef struct {
  char                      path[PETSC_MAX_PATH_LEN];
  const char               *data;
  size_t                    len;
  int64_t                  *offset;   /* byte offset of formula k * STRIDE */
  ms_composition_featurizer feat;
  char                    **batch;    /* formula strings of the current chunk */
  int64_t                   batch_cap;
  int                      *status;   /* featurizer status per row of the chunk */
  int64_t                   status_cap;
} formula_src;

static int is_data_line(const char *p, const char *e)
{
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
  return p < e && *p != '#';
}

static const char *next_line(const char *p, const char *end)
{
  const char *nl = memchr(p, '\n', (size_t)(end - p));
  return nl ? nl + 1 : end;
}

static PetscErrorCode formula_read_rows(ms_screen_source s, int64_t start, int64_t n, double *X, char *ids)
{
  formula_src *c   = (formula_src *)s->data;
  const char  *end = c->data + c->len, *p = c->data + c->offset[start / STRIDE];
  int64_t      k   = (start / STRIDE) * STRIDE;

  PetscFunctionBegin;
  if (c->batch_cap < n) {
    PetscCall(PetscFree(c->batch));
    PetscCall(PetscCalloc1(n, &c->batch));
    c->batch_cap = n;
  }
  for (int64_t i = 0; p < end && i < n;) {
    const char *e = next_line(p, end), *t = e;
    while (t > p && (t[-1] == '\n' || t[-1] == '\r' || t[-1] == ' ' || t[-1] == '\t')) t--;
    if (is_data_line(p, e)) {
      if (k >= start) {
        size_t l = (size_t)(t - p);
        PetscCall(PetscFree(c->batch[i]));
        PetscCall(PetscMalloc1(l + 1, &c->batch[i]));
        memcpy(c->batch[i], p, l);
        c->batch[i][l] = 0;
        if (ids) {
          memset(ids + i * MS_SCREEN_ID_LEN, 0, MS_SCREEN_ID_LEN);
          memcpy(ids + i * MS_SCREEN_ID_LEN, p, PetscMin(l, (size_t)MS_SCREEN_ID_LEN - 1));
        }
        i++;
      }
      k++;
    }
    p = e;
  }
  /* n formulas -> n x n_columns feature rows (OpenMP); a failed row is an error naming the
     formula (the featurizer's message points at the bad character). */
  if (c->status_cap < n) {
    PetscCall(PetscFree(c->status));
    PetscCall(PetscMalloc1(n, &c->status));
    c->status_cap = n;
  }
  PetscCall(ms_composition_featurizer_apply(c->feat, n, (const char *const *)c->batch, X, c->status));
  for (int64_t i = 0; i < n; i++)
    if (c->status[i]) {
      char msg[512];
      (void)ms_composition_featurizer_row(c->feat, c->batch[i], X + i * s->n_columns, msg, sizeof msg);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: candidate %lld, formula '%s': %s", c->path, (long long)(start + i), c->batch[i], msg);
    }
  PetscFunctionReturn(0);
}

static PetscErrorCode formula_describe(ms_screen_source s, char *buf, size_t len)
{
  formula_src *c = (formula_src *)s->data;
  struct stat  st;
  PetscFunctionBegin;
  if (stat(c->path, &st)) st.st_size = st.st_mtime = 0;
  PetscCall(PetscSNPrintf(buf, len, "formulas %s size %lld mtime %lld", c->path, (long long)st.st_size, (long long)st.st_mtime));
  PetscFunctionReturn(0);
}

static PetscErrorCode formula_destroy(ms_screen_source s)
{
  formula_src *c = (formula_src *)s->data;
  PetscFunctionBegin;
  for (int64_t i = 0; i < c->batch_cap; i++) PetscCall(PetscFree(c->batch[i]));
  PetscCall(PetscFree(c->batch));
  PetscCall(PetscFree(c->offset));
  PetscCall(PetscFree(c->status));
  if (c->data) munmap((void *)c->data, c->len);
  if (c->feat) PetscCall(ms_composition_featurizer_destroy(&c->feat));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_source_create_formulas(const char *path, const char *preset, const char *elements_dir, ms_screen_source *out)
{
  ms_screen_source s;
  formula_src     *c;
  struct stat      st;
  int              fd;
  int64_t          n = 0, cap = 64;
  const char      *p, *end;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  PetscCall(PetscNew(&c));
  s->data        = c;
  s->ops.destroy = formula_destroy;
  PetscCall(PetscStrncpy(c->path, path, sizeof c->path));
  fd = open(path, O_RDONLY);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open formula list %s", path);
  PetscCheck(!fstat(fd, &st) && st.st_size > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty formula list", path);
  c->len  = (size_t)st.st_size;
  c->data = mmap(NULL, c->len, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  PetscCheck(c->data != MAP_FAILED, PETSC_COMM_SELF, MS_ERR_FILE, "cannot map %s", path);
  PetscCall(PetscMalloc1(cap, &c->offset));
  p   = c->data;
  end = c->data + c->len;
  if (!strncmp(p, "formula", 7) && (p[7] == '\n' || p[7] == '\r')) p = next_line(p, end); /* header */
  for (; p < end; p = next_line(p, end)) {
    if (!is_data_line(p, next_line(p, end))) continue;
    if (n % STRIDE == 0) {
      if (n / STRIDE >= cap) {
        int64_t *no;
        PetscCall(PetscMalloc1(2 * cap, &no));
        PetscCall(PetscArraycpy(no, c->offset, cap));
        PetscCall(PetscFree(c->offset));
        c->offset = no;
        cap *= 2;
      }
      c->offset[n / STRIDE] = p - c->data;
    }
    n++;
  }
  PetscCheck(n > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: no formulas (one per line expected)", path);
  PetscCall(ms_composition_featurizer_create(preset, elements_dir, MS_MISSING_ERROR, &c->feat));
  {
    int                nc;
    const char *const *names, *const *units;
    PetscCall(ms_composition_featurizer_columns(c->feat, &nc, &names, &units));
    s->n_columns = nc;
    PetscCall(PetscMalloc1(nc, &s->columns));
    for (int j = 0; j < nc; j++) PetscCall(PetscStrallocpy(names[j], &s->columns[j]));
  }
  s->n_total       = n;
  s->has_ids       = PETSC_TRUE;
  PetscCall(PetscStrallocpy("formula", &s->id_name));
  s->ops.read_rows = formula_read_rows;
  s->ops.describe  = formula_describe;
  *out             = s;
  PetscFunctionReturn(0);
}
