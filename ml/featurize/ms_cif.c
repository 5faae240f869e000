/* ms_cif.c - CIF 1.1 reader for the structure featurizer (first data block only).
 *
 * Tokens follow the CIF 1.1 syntax: '#' comments, quoted values ('...' or "...", closed by a
 * quote followed by white space), ';' text fields, loop_ blocks. What is used: the cell
 * (_cell_length_a/b/c, _cell_angle_alpha/beta/gamma, uncertainties "5.431(2)" read), the
 * symmetry operations (_symmetry_equivalent_pos_as_xyz or _space_group_symop_operation_xyz,
 * default: identity = P1) and the asymmetric unit (_atom_site_fract_x/y/z with
 * _atom_site_type_symbol, or the element prefix of _atom_site_label). Each operation is
 * applied to each asymmetric-unit site, wrapped to [0,1), and images closer than
 * cif_symprec (Angstrom, minimum image) to a site already generated are dropped.
 * Partial occupancy is rejected: the featurizers need one element per site.
 */
#include "ms_featurize.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *s;
  int   line;
  int   tag; /* an unquoted token starting with '_' */
} cif_tok;

typedef struct {
  const char *path;
  char       *buf;
  cif_tok    *t;
  int         n, cap;
  double     *ops, *pos; /* work arrays, freed by ms_crystal_read_cif on every path */
  int        *Zs;
} cif_file;

static PetscErrorCode push(cif_file *f, char *s, int line, int tag)
{
  PetscFunctionBegin;
  if (f->n == f->cap) {
    f->cap = f->cap ? 2 * f->cap : 256;
    PetscCall(PetscRealloc(sizeof(cif_tok) * (size_t)f->cap, &f->t));
  }
  f->t[f->n++] = (cif_tok){s, line, tag};
  PetscFunctionReturn(0);
}

/* Splits the buffer in place (tokens are NUL-terminated inside it). */
static PetscErrorCode tokenize(cif_file *f)
{
  char *p = f->buf;
  int   line = 1;
  PetscFunctionBegin;
  while (*p) {
    int bol = (p == f->buf || p[-1] == '\n');
    if (*p == '\n') { line++; p++; continue; }
    if (isspace((unsigned char)*p)) { p++; continue; }
    if (*p == '#') { while (*p && *p != '\n') p++; continue; }
    if (bol && *p == ';') { /* text field up to a line starting with ';' */
      int   l0 = line;
      char *s  = ++p, *e;
      for (;;) {
        e = strchr(p, '\n');
        PetscCheck(e, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: text field opened with ';' is never closed", f->path, l0);
        line++;
        p = e + 1;
        if (*p == ';') break;
      }
      *e = 0; /* the field ends before the closing line */
      p++;
      PetscCall(push(f, s, l0, 0));
      continue;
    }
    if (*p == '\'' || *p == '"') {
      char  q = *p;
      char *s = ++p;
      while (*p && *p != '\n' && !(*p == q && (p[1] == 0 || isspace((unsigned char)p[1])))) p++;
      PetscCheck(*p == q, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: quoted value %c%.20s... is not closed on its line", f->path, line, q, s);
      *p++ = 0;
      PetscCall(push(f, s, line, 0));
      continue;
    }
    char *s = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    int nl = (*p == '\n');
    if (*p) *p++ = 0;
    PetscCall(push(f, s, line, s[0] == '_'));
    if (nl) line++;
  }
  PetscFunctionReturn(0);
}

static int is_kw(const cif_tok *t, const char *kw) { return !t->tag && !strncasecmp(t->s, kw, strlen(kw)); }

/* A loop (or a single item as a loop of one row) of the first data block. */
typedef struct {
  int  n_tags, n_rows;
  int  first_tag, first_value; /* token indices */
} cif_loop;

/* Find tag (any of the NULL-terminated names): its loop, column. Returns 0 when absent. */
static int find_tag(const cif_file *f, int begin, int end, const char *const *names, cif_loop *lp, int *col)
{
  for (int i = begin; i < end; i++) {
    if (!f->t[i].tag) continue;
    for (const char *const *nm = names; *nm; nm++) {
      if (strcasecmp(f->t[i].s, *nm)) continue;
      /* Walk back to the loop_ keyword, if any, through the tags before this one. */
      int k = i;
      while (k > begin && f->t[k - 1].tag) k--;
      if (k > begin && is_kw(&f->t[k - 1], "loop_")) {
        int nt = 0;
        while (k + nt < end && f->t[k + nt].tag) nt++;
        int nv = 0;
        while (k + nt + nv < end && !f->t[k + nt + nv].tag && !is_kw(&f->t[k + nt + nv], "loop_") && !is_kw(&f->t[k + nt + nv], "data_")) nv++;
        *lp  = (cif_loop){nt, nt ? nv / nt : 0, k, k + nt};
        *col = i - k;
        if (nt && nv % nt) return -(k + nt + nv); /* a short row: report where the loop ends */
      } else {
        *lp  = (cif_loop){1, (i + 1 < end && !f->t[i + 1].tag) ? 1 : 0, i, i + 1};
        *col = 0;
      }
      return 1;
    }
  }
  return 0;
}

static const cif_tok *cell(const cif_file *f, const cif_loop *lp, int row, int col) { return &f->t[lp->first_value + row * lp->n_tags + col]; }

/* "5.431(2)" -> 5.431. */
static PetscErrorCode number(const cif_file *f, const cif_tok *t, const char *what, double *v)
{
  char  tmp[64], *end;
  PetscFunctionBegin;
  PetscCheck(strcmp(t->s, "?") && strcmp(t->s, "."), PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %s is unknown ('%s')", f->path, t->line, what, t->s);
  PetscCall(PetscStrncpy(tmp, t->s, sizeof tmp));
  char *par = strchr(tmp, '(');
  if (par) {
    PetscCheck(strchr(par, ')') && strchr(par, ')')[1] == 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %s: bad uncertainty in '%s'", f->path, t->line, what, t->s);
    *par = 0;
  }
  *v = strtod(tmp, &end);
  PetscCheck(end != tmp && *end == 0 && isfinite(*v), PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %s: '%s' is not a number", f->path, t->line, what, t->s);
  PetscFunctionReturn(0);
}

/* One component of a symmetry operation, e.g. "-x+1/2", "x-y", "1/2+z", "+0.25-y". */
static PetscErrorCode parse_component(const cif_file *f, const cif_tok *t, const char *s, const char *e, double rot[3], double *tr)
{
  const char *p = s;
  PetscFunctionBegin;
  rot[0] = rot[1] = rot[2] = *tr = 0;
  PetscCheck(p < e, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: symmetry operation '%s': empty component", f->path, t->line, t->s);
  while (p < e) {
    double sign = 1;
    while (p < e && isspace((unsigned char)*p)) p++;
    if (p < e && (*p == '+' || *p == '-')) { sign = *p == '-' ? -1 : 1; p++; }
    while (p < e && isspace((unsigned char)*p)) p++;
    double coef = 1;
    int    have_num = 0;
    if (p < e && (isdigit((unsigned char)*p) || *p == '.')) {
      char *end;
      coef = strtod(p, &end);
      p    = end;
      if (p < e && *p == '/') {
        double den = strtod(p + 1, &end);
        PetscCheck(end != p + 1 && den != 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: symmetry operation '%s': bad fraction at column %d", f->path, t->line, t->s, (int)(p - t->s) + 1);
        coef /= den;
        p = end;
      }
      have_num = 1;
    }
    if (p < e && *p == '*') p++;
    char v = p < e ? (char)tolower((unsigned char)*p) : 0;
    if (v == 'x' || v == 'y' || v == 'z') {
      rot[v - 'x'] += sign * coef;
      p++;
    } else {
      PetscCheck(have_num, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: symmetry operation '%s': unexpected '%c' at column %d (expected x, y, z, a number or a fraction)",
                 f->path, t->line, t->s, p < e ? *p : ' ', (int)(p - t->s) + 1);
      *tr += sign * coef;
    }
    while (p < e && isspace((unsigned char)*p)) p++;
    PetscCheck(p == e || *p == '+' || *p == '-', PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: symmetry operation '%s': unexpected '%c' at column %d",
               f->path, t->line, t->s, *p, (int)(p - t->s) + 1);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode parse_op(const cif_file *f, const cif_tok *t, double op[12])
{
  const char *s = t->s, *c1 = strchr(s, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
  PetscFunctionBegin;
  PetscCheck(c1 && c2 && !strchr(c2 + 1, ','), PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: symmetry operation '%s' must have three comma-separated components", f->path,
             t->line, s);
  PetscCall(parse_component(f, t, s, c1, op + 0, op + 9));
  PetscCall(parse_component(f, t, c1 + 1, c2, op + 3, op + 10));
  PetscCall(parse_component(f, t, c2 + 1, s + strlen(s), op + 6, op + 11));
  PetscFunctionReturn(0);
}

static PetscErrorCode lattice_from_cell(const char *path, const double abc[3], const double ang[3], double L[3][3])
{
  const double d2r = M_PI / 180.0;
  double       ca = cos(ang[0] * d2r), cb = cos(ang[1] * d2r), cg = cos(ang[2] * d2r), sg = sin(ang[2] * d2r);
  PetscFunctionBegin;
  /* a along x, b in the xy plane (the usual convention; features are rotation invariant). */
  double cz = 1 - cb * cb - ((ca - cb * cg) / sg) * ((ca - cb * cg) / sg);
  PetscCheck(cz > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: cell angles %g, %g, %g do not form a cell", path, ang[0], ang[1], ang[2]);
  L[0][0] = abc[0]; L[0][1] = 0; L[0][2] = 0;
  L[1][0] = abc[1] * cg; L[1][1] = abc[1] * sg; L[1][2] = 0;
  L[2][0] = abc[2] * cb; L[2][1] = abc[2] * (ca - cb * cg) / sg; L[2][2] = abc[2] * sqrt(cz);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_cif(cif_file *f, const ms_crystal_read_opts *o, ms_crystal *out)
{
  static const char *const cell_tags[6][2] = {{"_cell_length_a", NULL}, {"_cell_length_b", NULL}, {"_cell_length_c", NULL},
                                              {"_cell_angle_alpha", NULL}, {"_cell_angle_beta", NULL}, {"_cell_angle_gamma", NULL}};
  static const char *const op_tags[] = {"_symmetry_equivalent_pos_as_xyz", "_space_group_symop_operation_xyz", "_space_group_symop.operation_xyz", NULL};
  static const char *const fx[] = {"_atom_site_fract_x", NULL}, *const fy[] = {"_atom_site_fract_y", NULL}, *const fz[] = {"_atom_site_fract_z", NULL};
  static const char *const sym_tags[] = {"_atom_site_type_symbol", NULL}, *const lab_tags[] = {"_atom_site_label", NULL};
  static const char *const occ_tags[] = {"_atom_site_occupancy", NULL};
  double   abc[6], *ops, *pos;
  int     *Zs, n_ops = 1, n_pos = 0;
  cif_loop lp, la;
  int      col, begin = 0, end = f->n, r;
  PetscFunctionBegin;
  for (int i = 0; i < f->n; i++)
    if (is_kw(&f->t[i], "data_")) { begin = i + 1; break; }
  for (int i = begin; i < f->n; i++)
    if (is_kw(&f->t[i], "data_")) { end = i; break; }
  PetscCheck(end > begin, PETSC_COMM_SELF, MS_ERR_READ, "%s: no data in the file (expected data_ and CIF items)", f->path);

  for (int k = 0; k < 6; k++) {
    r = find_tag(f, begin, end, cell_tags[k], &lp, &col);
    PetscCheck(r > 0 && lp.n_rows == 1, PETSC_COMM_SELF, MS_ERR_READ, "%s: %s is missing or has no value", f->path, cell_tags[k][0]);
    PetscCall(number(f, cell(f, &lp, 0, col), cell_tags[k][0], &abc[k]));
    PetscCheck(abc[k] > 0 && (k < 3 || abc[k] < 180), PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: %s = %g is out of range", f->path, cell(f, &lp, 0, col)->line,
               cell_tags[k][0], abc[k]);
  }

  r = find_tag(f, begin, end, op_tags, &lp, &col);
  PetscCheck(r >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: the symmetry-operation loop has a short last row", f->path, f->t[-r - 1].line);
  if (r > 0) {
    n_ops = lp.n_rows;
    PetscCheck(n_ops > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: the symmetry operations have no values", f->path, f->t[lp.first_tag].line);
    PetscCall(PetscMalloc1(12 * n_ops, &f->ops));
    ops = f->ops;
    for (int k = 0; k < n_ops; k++) PetscCall(parse_op(f, cell(f, &lp, k, col), ops + 12 * k));
  } else {
    PetscCall(PetscCalloc1(12, &f->ops));
    ops = f->ops;
    ops[0] = ops[4] = ops[8] = 1;
  }

  int cx, cy, cz, cs = -1, cocc = -1;
  r = find_tag(f, begin, end, fx, &la, &cx);
  PetscCheck(r != 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: no _atom_site_fract_x loop (Cartesian _atom_site_Cartn_* sites are not supported)", f->path);
  PetscCheck(r > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: the _atom_site loop has a short last row (values are not a multiple of %d columns)", f->path,
             f->t[-r - 1].line, la.n_tags);
  {
    cif_loop l2;
    int      c2;
    PetscCheck(find_tag(f, begin, end, fy, &l2, &cy) > 0 && l2.first_tag == la.first_tag, PETSC_COMM_SELF, MS_ERR_READ, "%s: _atom_site_fract_y missing from the site loop", f->path);
    PetscCheck(find_tag(f, begin, end, fz, &l2, &cz) > 0 && l2.first_tag == la.first_tag, PETSC_COMM_SELF, MS_ERR_READ, "%s: _atom_site_fract_z missing from the site loop", f->path);
    if (find_tag(f, begin, end, sym_tags, &l2, &c2) > 0 && l2.first_tag == la.first_tag) cs = c2;
    else if (find_tag(f, begin, end, lab_tags, &l2, &c2) > 0 && l2.first_tag == la.first_tag) cs = c2;
    PetscCheck(cs >= 0, PETSC_COMM_SELF, MS_ERR_READ, "%s: the site loop has neither _atom_site_type_symbol nor _atom_site_label", f->path);
    if (find_tag(f, begin, end, occ_tags, &l2, &c2) > 0 && l2.first_tag == la.first_tag) cocc = c2;
  }
  PetscCheck(la.n_rows > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: the _atom_site loop has no rows", f->path, f->t[la.first_tag].line);

  double L[3][3];
  PetscCall(lattice_from_cell(f->path, abc, abc + 3, L));
  PetscCall(PetscMalloc1(3 * (size_t)la.n_rows * n_ops, &f->pos));
  PetscCall(PetscMalloc1((size_t)la.n_rows * n_ops, &f->Zs));
  pos = f->pos;
  Zs  = f->Zs;
  for (int a = 0; a < la.n_rows; a++) {
    const cif_tok *ts = cell(f, &la, a, cs);
    int            Z  = ms_element_z_loose(ts->s);
    double         x[3], occ = 1;
    PetscCheck(Z > 0, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: unknown element '%s' in the site loop", f->path, ts->line, ts->s);
    PetscCall(number(f, cell(f, &la, a, cx), "_atom_site_fract_x", &x[0]));
    PetscCall(number(f, cell(f, &la, a, cy), "_atom_site_fract_y", &x[1]));
    PetscCall(number(f, cell(f, &la, a, cz), "_atom_site_fract_z", &x[2]));
    if (cocc >= 0 && strcmp(cell(f, &la, a, cocc)->s, "?") && strcmp(cell(f, &la, a, cocc)->s, ".")) {
      PetscCall(number(f, cell(f, &la, a, cocc), "_atom_site_occupancy", &occ));
      PetscCheck(fabs(occ - 1) <= 1e-3, PETSC_COMM_SELF, MS_ERR_READ,
                 "%s:%d: site '%s' has occupancy %g: partially occupied (disordered) sites are not supported (order the structure first)", f->path,
                 ts->line, ts->s, occ);
    }
    for (int k = 0; k < n_ops; k++) {
      const double *op = ops + 12 * k;
      double        y[3];
      for (int i = 0; i < 3; i++) {
        y[i] = op[3 * i] * x[0] + op[3 * i + 1] * x[1] + op[3 * i + 2] * x[2] + op[9 + i];
        y[i] -= floor(y[i]);
        if (y[i] >= 1.0) y[i] = 0.0;
      }
      int dup = 0;
      for (int q = 0; q < n_pos && !dup; q++) {
        double d[3], c[3] = {0, 0, 0};
        for (int i = 0; i < 3; i++) d[i] = y[i] - pos[3 * q + i] - nearbyint(y[i] - pos[3 * q + i]);
        for (int i = 0; i < 3; i++)
          for (int m = 0; m < 3; m++) c[m] += d[i] * L[i][m];
        if (sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) < o->cif_symprec) {
          PetscCheck(Zs[q] == Z, PETSC_COMM_SELF, MS_ERR_READ, "%s:%d: site '%s' (%s) falls on a site of %s: overlapping sites", f->path, ts->line, ts->s,
                     ms_element_symbol(Z), ms_element_symbol(Zs[q]));
          dup = 1;
        }
      }
      if (dup) continue;
      for (int i = 0; i < 3; i++) pos[3 * n_pos + i] = y[i];
      Zs[n_pos++] = Z;
    }
  }
  PetscCall(ms_crystal_create(n_pos, PETSC_TRUE, out));
  memcpy((*out)->lattice, L, sizeof L);
  memcpy((*out)->frac, pos, sizeof(double) * 3 * (size_t)n_pos);
  memcpy((*out)->Z, Zs, sizeof(int) * (size_t)n_pos);
  PetscCall(ms_crystal_frac_to_cart(*out));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_crystal_read_cif(const char *path, const ms_crystal_read_opts *o, ms_crystal *c)
{
  cif_file             f = {path, NULL, NULL, 0, 0, NULL, NULL, NULL};
  ms_crystal_read_opts def = {NULL, 1e-2};
  FILE                *fp;
  long                 len;
  PetscFunctionBegin;
  *c = NULL;
  if (!o) o = &def;
  fp = fopen(path, "rb");
  PetscCheck(fp, PETSC_COMM_SELF, MS_ERR_FILE, "cannot open CIF file %s", path);
  fseek(fp, 0, SEEK_END);
  len = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  PetscCall(PetscMalloc1(len + 2, &f.buf));
  size_t got = fread(f.buf, 1, (size_t)len, fp);
  fclose(fp);
  f.buf[got] = 0;
  for (size_t i = 0; i < got; i++)
    if (f.buf[i] == '\r') f.buf[i] = ' '; /* CRLF files */
  PetscErrorCode e = tokenize(&f);
  if (!e) e = read_cif(&f, o, c);
  PetscCall(PetscFree(f.buf));
  PetscCall(PetscFree(f.t));
  PetscCall(PetscFree(f.ops));
  PetscCall(PetscFree(f.pos));
  PetscCall(PetscFree(f.Zs));
  PetscCall(e);
  PetscCall(PetscStrallocpy(path, &(*c)->id));
  PetscFunctionReturn(0);
}
