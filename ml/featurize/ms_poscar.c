/* ms_poscar.c - VASP POSCAR and XYZ readers for the structure featurizer.
 *
 * POSCAR: comment; scale (a negative value is the cell volume in Angstrom^3); three lattice
 * vectors; species symbols (VASP 5) or, for VASP 4, none (symbols from opts->species);
 * counts; optional "Selective dynamics" line (the T/F flags are read and ignored); Direct or
 * Cartesian (K) coordinates. XYZ: atom count; comment line (extended XYZ: Lattice="...",
 * nine numbers, makes the structure periodic); one "symbol x y z" line per atom (the first
 * four columns; further columns ignored).
 */
#include "ms_featurize.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *path;
  char       *buf;
  char      **line;
  int         n;
} text_lines;

static PetscErrorCode read_lines(const char *path, text_lines *t)
{
  FILE *fp = fopen(path, "rb");
  long  len;
  PetscFunctionBegin;
  memset(t, 0, sizeof *t);
  t->path = path;
  PetscCheck(fp, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open %s", path);
  fseek(fp, 0, SEEK_END);
  len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  PetscCall(PetscMalloc1(len + 2, &t->buf));
  size_t got = fread(t->buf, 1, (size_t)len, fp);
  fclose(fp);
  t->buf[got] = 0;
  int cap = 1;
  for (size_t i = 0; i < got; i++) cap += t->buf[i] == '\n';
  PetscCall(PetscMalloc1(cap + 1, &t->line));
  char *p = t->buf;
  while (*p) {
    char *e = strchr(p, '\n');
    t->line[t->n++] = p;
    if (!e) break;
    *e = 0;
    if (e > p && e[-1] == '\r') e[-1] = 0;
    p = e + 1;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode free_lines(text_lines *t)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(t->buf));
  PetscCall(PetscFree(t->line));
  PetscFunctionReturn(0);
}

/* Split a line (in place) into at most max whitespace-separated fields. */
static int fields(char *s, char **f, int max)
{
  int n = 0;
  while (*s && n < max) {
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) break;
    f[n++] = s;
    while (*s && !isspace((unsigned char)*s)) s++;
    if (*s) *s++ = 0;
  }
  return n;
}

static int parse_double(const char *s, double *v)
{
  char *end;
  *v = strtod(s, &end);
  return end != s && *end == 0 && isfinite(*v);
}

static PetscErrorCode need_line(const text_lines *t, int i, const char *what)
{
  PetscFunctionBegin;
  PetscCheck(i < t->n, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: file ends early: expected %s", t->path, i + 1, what);
  PetscFunctionReturn(0);
}

static PetscErrorCode numbers(const text_lines *t, int i, int k, const char *what, double *v)
{
  char *f[16];
  PetscFunctionBegin;
  PetscCall(need_line(t, i, what));
  int n = fields(t->line[i], f, 16);
  PetscCheck(n >= k, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: expected %s (%d numbers), found %d field(s)", t->path, i + 1, what, k, n);
  for (int j = 0; j < k; j++)
    PetscCheck(parse_double(f[j], &v[j]), PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %s: field %d '%s' is not a number", t->path, i + 1, what, j + 1, f[j]);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_poscar(text_lines *t, const ms_crystal_read_opts *o, ms_crystal *out)
{
  double L[3][3], scale = 0;
  char  *f[128];
  int    nsp, Zsp[128], count[128], ln = 1;
  PetscFunctionBegin;
  PetscCall(numbers(t, ln, 1, "the scale factor", &scale));
  PetscCheck(scale != 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: the scale factor is 0", t->path, ln + 1);
  ln++;
  for (int i = 0; i < 3; i++, ln++) PetscCall(numbers(t, ln, 3, "a lattice vector", L[i]));
  PetscCall(need_line(t, ln, "the species or counts line"));
  char *copy;
  PetscCall(PetscStrallocpy(t->line[ln], &copy));
  nsp = fields(copy, f, 128);
  double tmp;
  PetscBool vasp4 = nsp > 0 && parse_double(f[0], &tmp) ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(nsp > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: expected species symbols (VASP 5) or atom counts (VASP 4), found an empty line", t->path, ln + 1);
  if (!vasp4) {
    for (int s = 0; s < nsp; s++) {
      /* VASP 5.4 POTCAR-style names "Fe_pv" or "Ti/xyz": the symbol is what comes first. */
      Zsp[s] = ms_element_z_loose(f[s]);
      PetscCheck(Zsp[s] > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: unknown element '%s' in the species line", t->path, ln + 1, f[s]);
    }
    ln++;
  }
  PetscCall(PetscFree(copy));
  PetscCall(need_line(t, ln, "the atom counts"));
  int nc = fields(t->line[ln], f, 128);
  if (vasp4) {
    int ns = 0;
    PetscCheck(o && o->species, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: a VASP 4 POSCAR has no species line: give the element symbols in order with -species", t->path,
               ln + 1);
    while (o->species[ns]) ns++;
    PetscCheck(ns == nc, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %d atom counts but %d symbols in -species", t->path, ln + 1, nc, ns);
    for (int s = 0; s < ns; s++) {
      Zsp[s] = ms_element_z_loose(o->species[s]);
      PetscCheck(Zsp[s] > 0, PETSC_COMM_SELF, MS_ERR_USER, "-species: unknown element '%s'", o->species[s]);
    }
    nsp = ns;
  }
  PetscCheck(nc == nsp, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %d atom counts for %d species", t->path, ln + 1, nc, nsp);
  int64_t n = 0;
  for (int s = 0; s < nsp; s++) {
    char *end;
    long  v = strtol(f[s], &end, 10);
    PetscCheck(end != f[s] && *end == 0 && v >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: atom count '%s' is not a non-negative integer", t->path, ln + 1, f[s]);
    count[s] = (int)v;
    n += v;
  }
  PetscCheck(n > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: no atoms", t->path, ln + 1);
  ln++;
  PetscCall(need_line(t, ln, "Direct or Cartesian"));
  {
    const char *s = t->line[ln];
    while (isspace((unsigned char)*s)) s++;
    if (*s == 'S' || *s == 's') {
      ln++;
      PetscCall(need_line(t, ln, "Direct or Cartesian"));
    }
  }
  const char *mode = t->line[ln];
  while (isspace((unsigned char)*mode)) mode++;
  PetscBool cart = (*mode == 'C' || *mode == 'c' || *mode == 'K' || *mode == 'k') ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(cart || *mode == 'D' || *mode == 'd', PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: expected 'Direct' or 'Cartesian', found '%s'", t->path, ln + 1, mode);
  ln++;

  /* Scale: a negative factor is the wanted cell volume. */
  ms_crystal c;
  PetscCall(ms_crystal_create(n, PETSC_TRUE, &c));
  memcpy(c->lattice, L, sizeof L);
  double v0 = ms_crystal_volume(c);
  PetscCheck(v0 > 1e-8, PETSC_COMM_SELF, MS_ERR_READ, "%s:3-5: the lattice vectors are linearly dependent", t->path);
  double sfac = scale > 0 ? scale : cbrt(-scale / v0);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) c->lattice[i][k] *= sfac;
  int64_t a = 0;
  for (int s = 0; s < nsp; s++)
    for (int q = 0; q < count[s]; q++, a++, ln++) {
      PetscErrorCode e = numbers(t, ln, 3, "atom coordinates", cart ? &c->cart[3 * a] : &c->frac[3 * a]);
      if (e) {
        PetscCall(ms_crystal_destroy(&c));
        PetscCall(e);
      }
      c->Z[a] = Zsp[s];
    }
  if (cart) {
    for (int64_t i = 0; i < 3 * n; i++) c->cart[i] *= sfac;
    PetscCall(ms_crystal_cart_to_frac(c));
  } else {
    for (int64_t i = 0; i < 3 * n; i++) {
      c->frac[i] -= floor(c->frac[i]);
      if (c->frac[i] >= 1.0) c->frac[i] = 0.0;
    }
    PetscCall(ms_crystal_frac_to_cart(c));
  }
  *out = c;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_crystal_read_poscar(const char *path, const ms_crystal_read_opts *o, ms_crystal *c)
{
  text_lines t;
  PetscFunctionBegin;
  *c = NULL;
  PetscCall(read_lines(path, &t));
  PetscErrorCode e = read_poscar(&t, o, c);
  PetscCall(free_lines(&t));
  PetscCall(e);
  PetscCall(PetscStrallocpy(path, &(*c)->id));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_xyz(text_lines *t, ms_crystal *out)
{
  char *f[8], *end;
  PetscFunctionBegin;
  PetscCall(need_line(t, 0, "the number of atoms"));
  int  nf = fields(t->line[0], f, 8);
  long n  = nf >= 1 ? strtol(f[0], &end, 10) : -1;
  PetscCheck(nf >= 1 && *end == 0 && n > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:1: expected the number of atoms (a positive integer)", t->path);
  PetscCall(need_line(t, 1, "the comment line"));
  double    L[3][3];
  PetscBool periodic = PETSC_FALSE;
  const char *lat = strstr(t->line[1], "Lattice=\"");
  if (lat) {
    char buf[512], *q;
    PetscCall(PetscStrncpy(buf, lat + 9, sizeof buf));
    q = strchr(buf, '"');
    PetscCheck(q, PETSC_COMM_SELF, MS_ERR_READ, "%s:2: Lattice=\" is not closed", t->path);
    *q = 0;
    char *g[10];
    int   ng = fields(buf, g, 10);
    PetscCheck(ng == 9, PETSC_COMM_SELF, MS_ERR_READ, "%s:2: Lattice=\"...\" must hold 9 numbers (a, b, c vectors), found %d", t->path, ng);
    for (int i = 0; i < 9; i++) PetscCheck(parse_double(g[i], &L[i / 3][i % 3]), PETSC_COMM_SELF, MS_ERR_READ, "%s:2: Lattice value '%s' is not a number", t->path, g[i]);
    periodic = PETSC_TRUE;
  }
  ms_crystal c;
  PetscCall(ms_crystal_create(n, periodic, &c));
  if (periodic) memcpy(c->lattice, L, sizeof L);
  for (long a = 0; a < n; a++) {
    int ln = 2 + (int)a;
    PetscErrorCode e = 0;
    if (ln >= t->n) e = need_line(t, ln, "an atom line (symbol x y z)");
    int k = e ? 0 : fields(t->line[ln], f, 8);
    if (!e && k < 4) e = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL,
                                    "%s:%d: expected 'symbol x y z', found %d field(s)", t->path, ln + 1, k);
    if (!e) {
      c->Z[a] = ms_element_z_loose(f[0]);
      if (!c->Z[a]) e = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL, "%s:%d: unknown element '%s'", t->path,
                                   ln + 1, f[0]);
    }
    for (int i = 0; i < 3 && !e; i++)
      if (!parse_double(f[1 + i], &c->cart[3 * a + i]))
        e = PetscError(PETSC_COMM_SELF, __LINE__, PETSC_FUNCTION_NAME, __FILE__, MS_ERR_READ, PETSC_ERROR_INITIAL, "%s:%d: coordinate '%s' is not a number", t->path,
                       ln + 1, f[1 + i]);
    if (e) {
      PetscCall(ms_crystal_destroy(&c));
      PetscCall(e);
    }
  }
  if (periodic) PetscCall(ms_crystal_cart_to_frac(c));
  *out = c;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_crystal_read_xyz(const char *path, ms_crystal *c)
{
  text_lines t;
  PetscFunctionBegin;
  *c = NULL;
  PetscCall(read_lines(path, &t));
  PetscErrorCode e = read_xyz(&t, c);
  PetscCall(free_lines(&t));
  PetscCall(e);
  PetscCall(PetscStrallocpy(path, &(*c)->id));
  PetscFunctionReturn(0);
}
