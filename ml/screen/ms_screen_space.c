/* ms_screen_space.c - parameter spaces as candidate sources: parsing (space files and the
 * inline -space option) and lazy enumeration. Point i is a pure function of i (mixed-radix
 * digits for the full grid; ms_rng(seed, i) or the Halton sequence for samples), so any rank
 * generates any chunk and nothing is ever stored. */
#include "ms_screen.h"
#include "ms_csv.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

const char *const ms_screen_space_mode_names[] = {"grid", "uniform", "halton", "ms_screen_space_mode", "MS_SCREEN_SPACE_", NULL};
static const char *const kind_names[] = {"grid", "range", "int", "list"};

PetscErrorCode ms_screen_space_create(ms_screen_space *sp)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(sp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_space_destroy(ms_screen_space *sp)
{
  PetscFunctionBegin;
  if (!*sp) PetscFunctionReturn(0);
  for (int k = 0; k < (*sp)->n_dims; k++) PetscCall(PetscFree((*sp)->dims[k].values));
  PetscCall(PetscFree((*sp)->dims));
  PetscCall(PetscFree(*sp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_space_add(ms_screen_space sp, const char *name, ms_screen_dim_kind kind, double lo, double hi, int64_t n,
                                   const double *values)
{
  ms_screen_dim *d = NULL;

  PetscFunctionBegin;
  for (int k = 0; k < sp->n_dims; k++)
    if (!strcmp(sp->dims[k].name, name)) d = &sp->dims[k];
  if (!d) {
    ms_screen_dim *nd;
    PetscCall(PetscCalloc1(sp->n_dims + 1, &nd));
    if (sp->n_dims) PetscCall(PetscArraycpy(nd, sp->dims, sp->n_dims));
    PetscCall(PetscFree(sp->dims));
    sp->dims = nd;
    d        = &sp->dims[sp->n_dims++];
  }
  PetscCall(PetscFree(d->values));
  PetscCall(PetscStrncpy(d->name, name, sizeof d->name));
  d->kind = kind;
  d->lo   = lo;
  d->hi   = hi;
  d->n    = n;
  PetscCall(PetscMalloc1(n, &d->values));
  PetscCall(PetscArraycpy(d->values, values, n));
  PetscFunctionReturn(0);
}

/* "a:b:c" -> up to 3 numbers; *cnt = how many. */
static PetscBool parse_colon(const char *s, double v[3], int *cnt)
{
  char buf[256], *tok, *save;
  *cnt = 0;
  if (strlen(s) >= sizeof buf) return PETSC_FALSE;
  strcpy(buf, s);
  for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
    PetscBool fin;
    if (*cnt == 3 || !ms_csv_parse_double(tok, &v[*cnt], &fin) || !fin) return PETSC_FALSE;
    (*cnt)++;
  }
  return *cnt > 0 && s[strlen(s) - 1] != ':' && s[0] != ':';
}

/* One dimension from (name, kind, values text); `where` names the place for messages. */
static PetscErrorCode add_dim(ms_screen_space sp, const char *name, const char *kind, const char *text, const char *where)
{
  double  v[3], *vals = NULL;
  int     cnt;
  int64_t n = 0;
  int     k;

  PetscFunctionBegin;
  PetscCheck(name[0], PETSC_COMM_SELF, MS_ERR_READ, "%s: empty dimension name", where);
  for (k = 0; k < 4; k++)
    if (!strcmp(kind, kind_names[k])) break;
  PetscCheck(k < 4, PETSC_COMM_SELF, MS_ERR_READ, "%s: dimension '%s' has kind '%s'; expected grid, range, int or list", where, name, kind);
  if (k == MS_SCREEN_DIM_LIST) {
    char buf[4096], *tok, *save;
    PetscCheck(strlen(text) < sizeof buf, PETSC_COMM_SELF, MS_ERR_READ, "%s: list of '%s' too long", where, name);
    strcpy(buf, text);
    PetscCall(PetscMalloc1(strlen(text) / 2 + 2, &vals));
    for (tok = strtok_r(buf, ";, \t", &save); tok; tok = strtok_r(NULL, ";, \t", &save)) {
      PetscBool fin;
      if (!ms_csv_parse_double(tok, &vals[n], &fin) || !fin) {
        PetscCall(PetscFree(vals));
        SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: list value '%s' of dimension '%s' is not a finite number", where, tok, name);
      }
      n++;
    }
    PetscCheck(n > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: dimension '%s' lists no values", where, name);
    double lo = vals[0], hi = vals[0];
    for (int64_t i = 1; i < n; i++) { lo = PetscMin(lo, vals[i]); hi = PetscMax(hi, vals[i]); }
    PetscCall(ms_screen_space_add(sp, name, MS_SCREEN_DIM_LIST, lo, hi, n, vals));
    PetscCall(PetscFree(vals));
    PetscFunctionReturn(0);
  }
  const char *form = k == MS_SCREEN_DIM_GRID ? "lo:hi:n" : k == MS_SCREEN_DIM_RANGE ? "lo:hi:step" : "lo:hi[:step]";
  PetscCheck(parse_colon(text, v, &cnt) && (cnt == 3 || (k == MS_SCREEN_DIM_INT && cnt == 2)), PETSC_COMM_SELF, MS_ERR_READ,
             "%s: dimension '%s' (%s) has values '%s'; expected %s (finite numbers)", where, name, kind, text, form);
  if (k == MS_SCREEN_DIM_INT && cnt == 2) v[2] = 1;
  PetscCheck(v[0] <= v[1], PETSC_COMM_SELF, MS_ERR_READ, "%s: dimension '%s': lo %g > hi %g", where, name, v[0], v[1]);
  if (k == MS_SCREEN_DIM_GRID) {
    PetscCheck(v[2] >= 1 && v[2] == floor(v[2]) && v[2] <= 1e9, PETSC_COMM_SELF, MS_ERR_READ,
               "%s: dimension '%s' (grid): n = %g must be an integer in 1..1e9", where, name, v[2]);
    n = (int64_t)v[2];
    PetscCall(PetscMalloc1(n, &vals));
    for (int64_t i = 0; i < n; i++) vals[i] = n == 1 ? v[0] : v[0] + (v[1] - v[0]) * (double)i / (double)(n - 1);
  } else {
    if (k == MS_SCREEN_DIM_INT)
      PetscCheck(v[0] == floor(v[0]) && v[1] == floor(v[1]) && v[2] == floor(v[2]), PETSC_COMM_SELF, MS_ERR_READ,
                 "%s: dimension '%s' (int): '%s' must be integers", where, name, text);
    PetscCheck(v[2] > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: dimension '%s': step %g must be > 0", where, name, v[2]);
    double cntd = floor((v[1] - v[0]) / v[2] * (1 + 1e-9) + 1e-9) + 1;
    PetscCheck(cntd <= 1e9, PETSC_COMM_SELF, MS_ERR_READ, "%s: dimension '%s' has %g values (at most 1e9)", where, name, cntd);
    n = (int64_t)cntd;
    PetscCall(PetscMalloc1(n, &vals));
    /* lo + i * step, not repeated addition: no drift over many steps */
    for (int64_t i = 0; i < n; i++) vals[i] = v[0] + (double)i * v[2];
  }
  PetscCall(ms_screen_space_add(sp, name, (ms_screen_dim_kind)k, v[0], k == MS_SCREEN_DIM_GRID ? v[1] : vals[n - 1], n, vals));
  PetscCall(PetscFree(vals));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_space_read_file(ms_screen_space sp, const char *path)
{
  int           fd;
  struct stat   st;
  char         *data;
  ms_csv_reader r;
  ms_csv_record rec = {0};
  PetscBool     have, header = PETSC_TRUE;
  char          where[PETSC_MAX_PATH_LEN + 32];

  PetscFunctionBegin;
  fd = open(path, O_RDONLY);
  PetscCheck(fd >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open space file %s", path);
  if (fstat(fd, &st) || st.st_size == 0) {
    close(fd);
    SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: empty space file (expected a header name,kind,values and one row per dimension)", path);
  }
  data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  PetscCheck(data != MAP_FAILED, PETSC_COMM_SELF, MS_ERR_FILE, "cannot map space file %s", path);
  r.path = path;
  r.p    = data;
  r.end  = data + st.st_size;
  r.line = 1;
  PetscErrorCode ierr = 0;
  int            rows = 0;
  while (!ierr) {
    ierr = ms_csv_next(&r, &rec, &have);
    if (ierr || !have) break;
    PetscCall(PetscSNPrintf(where, sizeof where, "%s:%lld", path, (long long)rec.line));
    if (header) {
      header = PETSC_FALSE;
      if (rec.n != 3 || strcmp(rec.field[0], "name") || strcmp(rec.field[1], "kind") || strcmp(rec.field[2], "values")) {
        munmap(data, (size_t)st.st_size);
        ms_csv_record_free(&rec);
        SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: the header must be 'name,kind,values'", where);
      }
      continue;
    }
    if (rec.n != 3) {
      munmap(data, (size_t)st.st_size);
      int nf = rec.n;
      ms_csv_record_free(&rec);
      SETERRQ(PETSC_COMM_SELF, MS_ERR_READ, "%s: %d fields; expected 3 (name,kind,values)", where, nf);
    }
    ierr = add_dim(sp, rec.field[0], rec.field[1], rec.field[2], where);
    rows++;
  }
  munmap(data, (size_t)st.st_size);
  ms_csv_record_free(&rec);
  PetscCall(ierr);
  PetscCheck(rows > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: no dimensions (expected one row name,kind,values per dimension)", path);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_space_parse(ms_screen_space sp, const char *spec, const char *option)
{
  char  buf[4096], *tok, *save, where[300];
  PetscFunctionBegin;
  PetscCheck(strlen(spec) < sizeof buf, PETSC_COMM_SELF, MS_ERR_USER, "%s: value too long", option);
  strcpy(buf, spec);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char  *eq = strchr(tok, '=');
    double v[3];
    int    cnt;
    PetscCall(PetscSNPrintf(where, sizeof where, "option %s '%s'", option, tok));
    PetscCheck(eq && eq != tok && eq[1], PETSC_COMM_SELF, MS_ERR_USER, "%s: expected name=lo:hi:step, name=value or name=v1;v2;...", where);
    *eq = 0;
    if (strchr(eq + 1, ';')) PetscCall(add_dim(sp, tok, "list", eq + 1, where));
    else if (strchr(eq + 1, ':')) {
      PetscCheck(parse_colon(eq + 1, v, &cnt) && cnt == 3, PETSC_COMM_SELF, MS_ERR_USER, "%s: expected lo:hi:step (three numbers)", where);
      PetscCall(add_dim(sp, tok, "range", eq + 1, where));
    } else PetscCall(add_dim(sp, tok, "list", eq + 1, where));
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------ enumeration */
typedef struct {
  ms_screen_space      sp;
  ms_screen_space_mode mode;
  uint64_t             seed;
  int64_t             *radix;   /* grid: place value of each dimension */
} space_src;

static double radical_inverse(uint64_t i, unsigned base)
{
  double f = 1.0, r = 0.0;
  while (i) {
    f /= base;
    r += f * (double)(i % base);
    i /= base;
  }
  return r;
}

/* u in [0, 1) -> a value of dimension d (continuous in [lo, hi] for grid/range) */
static inline double dim_value(const ms_screen_dim *d, double u)
{
  switch (d->kind) {
  case MS_SCREEN_DIM_INT: {
    int64_t k = (int64_t)(u * (double)d->n);
    return d->values[PetscMin(k, d->n - 1)];
  }
  case MS_SCREEN_DIM_LIST: {
    int64_t k = (int64_t)(u * (double)d->n);
    return d->values[PetscMin(k, d->n - 1)];
  }
  default: return d->lo + u * (d->hi - d->lo);
  }
}

static const unsigned primes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101};

static PetscErrorCode space_read_rows(ms_screen_source s, int64_t start, int64_t n, double *X, char *ids)
{
  space_src *c  = (space_src *)s->data;
  const int  nd = c->sp->n_dims;
  (void)ids;
  PetscFunctionBegin;
  switch (c->mode) {
  case MS_SCREEN_SPACE_GRID:
    for (int64_t i = 0; i < n; i++) {
      int64_t rem = start + i;
      for (int k = 0; k < nd; k++) {
        int64_t digit = rem / c->radix[k];
        rem -= digit * c->radix[k];
        X[i * nd + k] = c->sp->dims[k].values[digit];
      }
    }
    break;
  case MS_SCREEN_SPACE_UNIFORM:
    for (int64_t i = 0; i < n; i++) {
      ms_rng r;
      ms_rng_init(&r, c->seed, (uint64_t)(start + i));
      for (int k = 0; k < nd; k++) X[i * nd + k] = dim_value(&c->sp->dims[k], ms_rng_uniform(&r));
    }
    break;
  case MS_SCREEN_SPACE_HALTON:
    for (int64_t i = 0; i < n; i++)
      for (int k = 0; k < nd; k++) X[i * nd + k] = dim_value(&c->sp->dims[k], radical_inverse((uint64_t)(start + i + 1), primes[k]));
    break;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode space_describe(ms_screen_source s, char *buf, size_t len)
{
  space_src *c = (space_src *)s->data;
  size_t     o = 0;
  PetscFunctionBegin;
  o += (size_t)snprintf(buf + o, len - o, "space %s n %lld seed %llu", ms_screen_space_mode_names[c->mode], (long long)s->n_total,
                        (unsigned long long)c->seed);
  for (int k = 0; k < c->sp->n_dims && o < len; k++) {
    const ms_screen_dim *d = &c->sp->dims[k];
    o += (size_t)snprintf(buf + o, len - o, "; %s %s %.17g %.17g %lld", d->name, kind_names[d->kind], d->lo, d->hi, (long long)d->n);
    for (int64_t i = 0; i < d->n && i < 64 && o < len; i++) o += (size_t)snprintf(buf + o, len - o, " %.17g", d->values[i]);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode space_destroy(ms_screen_source s)
{
  space_src *c = (space_src *)s->data;
  PetscFunctionBegin;
  PetscCall(ms_screen_space_destroy(&c->sp));
  PetscCall(PetscFree(c->radix));
  PetscCall(PetscFree(c));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_screen_source_create_space(ms_screen_space sp, ms_screen_space_mode mode, int64_t n_samples, uint64_t seed,
                                             ms_screen_source *out)
{
  ms_screen_source s;
  space_src       *c;

  PetscFunctionBegin;
  PetscCheck(sp->n_dims > 0, PETSC_COMM_SELF, MS_ERR_USER, "the parameter space has no dimensions (-space_file or -space)");
  PetscCheck(mode != MS_SCREEN_SPACE_HALTON || sp->n_dims <= (int)(sizeof primes / sizeof primes[0]), PETSC_COMM_SELF, MS_ERR_USER,
             "Halton sampling supports at most %d dimensions (the space has %d); use -space_sample uniform",
             (int)(sizeof primes / sizeof primes[0]), sp->n_dims);
  PetscCall(PetscNew(&s));
  PetscCall(PetscNew(&c));
  s->data = c;
  c->sp   = sp;
  c->mode = mode;
  c->seed = seed;
  PetscCall(PetscMalloc1(sp->n_dims, &c->radix));
  if (mode == MS_SCREEN_SPACE_GRID) {
    double total = 1;
    for (int k = sp->n_dims - 1; k >= 0; k--) {
      c->radix[k] = (int64_t)total;
      total *= (double)sp->dims[k].n;
      PetscCheck(total <= 4.6e18, PETSC_COMM_SELF, MS_ERR_USER, "the full grid of the space has more than 2^62 points; use -space_sample uniform|halton -n N");
    }
    s->n_total = (int64_t)total;
  } else {
    PetscCheck(n_samples > 0, PETSC_COMM_SELF, MS_ERR_USER, "-space_sample %s needs -n N (the number of candidates to draw)",
               ms_screen_space_mode_names[mode]);
    s->n_total = n_samples;
  }
  s->n_columns = sp->n_dims;
  PetscCall(PetscMalloc1(sp->n_dims, &s->columns));
  for (int k = 0; k < sp->n_dims; k++) PetscCall(PetscStrallocpy(sp->dims[k].name, &s->columns[k]));
  s->ops.read_rows = space_read_rows;
  s->ops.describe  = space_describe;
  s->ops.destroy   = space_destroy;
  *out             = s;
  PetscFunctionReturn(0);
}
