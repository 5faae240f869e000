/* ms_electronic_vasp.c - small parsers of VASP outputs (EIGENVAL, DOSCAR, LOCPOT/POSCAR,
 * OUTCAR) for the electronic featurizer.
 *
 * Plain C with a message buffer instead of PETSc's error stack: they run per row inside the
 * featurizer's OpenMP loop, where PETSc's error handling is not thread-safe. Every error names
 * path:line and what was expected there.
 */
#include "ms_featurize.h"
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *path;
  char       *buf, *p;
  int         line;
  char       *msg;
  size_t      msglen;
} txt;

static int bad(txt *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(txt *t, const char *fmt, ...)
{
  va_list ap;
  int     o = snprintf(t->msg, t->msglen, "%s:%d: ", t->path, t->line);
  va_start(ap, fmt);
  if (o >= 0 && (size_t)o < t->msglen) vsnprintf(t->msg + o, t->msglen - (size_t)o, fmt, ap);
  va_end(ap);
  return MS_FEAT_BAD_INPUT;
}

static int txt_open(txt *t, const char *path, char *msg, size_t msglen)
{
  FILE *fp = fopen(path, "rb");
  long  n;
  t->path = path; t->msg = msg; t->msglen = msglen; t->line = 0; t->buf = NULL;
  if (!fp) { snprintf(msg, msglen, "cannot open '%s': %s", path, strerror(errno)); return MS_FEAT_BAD_INPUT; }
  if (fseek(fp, 0, SEEK_END) || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET)) {
    fclose(fp);
    snprintf(msg, msglen, "cannot read '%s'", path);
    return MS_FEAT_BAD_INPUT;
  }
  t->buf = malloc((size_t)n + 1);
  if (!t->buf || fread(t->buf, 1, (size_t)n, fp) != (size_t)n) {
    fclose(fp);
    free(t->buf);
    t->buf = NULL;
    snprintf(msg, msglen, "cannot read '%s'", path);
    return MS_FEAT_BAD_INPUT;
  }
  fclose(fp);
  t->buf[n] = 0;
  t->p      = t->buf;
  return 0;
}

/* Next line (NUL-terminated in place, CR stripped), or NULL at the end. */
static char *txt_line(txt *t)
{
  if (!*t->p) return NULL;
  char *s = t->p, *e = strchr(s, '\n');
  if (e) { *e = 0; t->p = e + 1; }
  else t->p = s + strlen(s);
  size_t l = strlen(s);
  if (l && s[l - 1] == '\r') s[l - 1] = 0;
  t->line++;
  return s;
}

static char *txt_need(txt *t, const char *what)
{
  char *s = txt_line(t);
  if (!s) bad(t, "file ends early: expected %s", what);
  return s;
}

/* Numbers on a line (Fortran 'D' exponents accepted); -1 when a token is not a number. */
static int numbers(char *s, double *v, int max)
{
  int n = 0;
  for (char *c = s; *c; c++)
    if (*c == 'D' || *c == 'd') *c = 'E';
  for (;;) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return n;
    char  *end;
    double x = strtod(s, &end);
    if (end == s) return -1;
    if (n < max) v[n] = x;
    n++;
    s = end;
  }
}

void ms_bands_free(ms_bands *b)
{
  free(b->kfrac); free(b->weight); free(b->e); free(b->occ);
  memset(b, 0, sizeof *b);
}

int ms_bands_read_eigenval(const char *path, ms_bands *b, char *msg, size_t msglen)
{
  txt    t;
  char  *s;
  double v[8];
  int    n;
  memset(b, 0, sizeof *b);
  if (txt_open(&t, path, msg, msglen)) return MS_FEAT_BAD_INPUT;
  int rc = MS_FEAT_BAD_INPUT;
  if (!(s = txt_need(&t, "the header"))) goto done;
  if (numbers(s, v, 8) != 4 || v[3] < 1 || v[3] > 2) { bad(&t, "expected 4 integers (ions, ions, blocks, ISPIN = 1 or 2)"); goto done; }
  b->ispin = (int)v[3];
  for (int k = 0; k < 4; k++) if (!txt_need(&t, "the header")) goto done;
  if (!(s = txt_need(&t, "NELECT, NKPTS, NBANDS"))) goto done;
  if (numbers(s, v, 8) != 3 || v[1] < 1 || v[2] < 1 || v[1] != floor(v[1]) || v[2] != floor(v[2])) {
    bad(&t, "expected NELECT, NKPTS, NBANDS"); goto done;
  }
  b->nelect = v[0]; b->nk = (int)v[1]; b->nb = (int)v[2];
  size_t ne = (size_t)b->ispin * b->nk * b->nb;
  b->kfrac = malloc(sizeof(double) * 3 * b->nk);
  b->weight = malloc(sizeof(double) * b->nk);
  b->e = malloc(sizeof(double) * ne);
  b->occ = malloc(sizeof(double) * ne);
  if (!b->kfrac || !b->weight || !b->e || !b->occ) { bad(&t, "out of memory"); goto done; }
  int has_occ = -1;
  for (int k = 0; k < b->nk; k++) {
    do { if (!(s = txt_need(&t, "a k-point line (kx ky kz weight)"))) goto done; } while (!s[strspn(s, " \t")]);
    if (numbers(s, v, 8) != 4) { bad(&t, "expected a k-point line (kx ky kz weight) for k-point %d of %d", k + 1, b->nk); goto done; }
    for (int d = 0; d < 3; d++) b->kfrac[3 * k + d] = v[d];
    b->weight[k] = v[3];
    for (int j = 0; j < b->nb; j++) {
      if (!(s = txt_need(&t, "a band line"))) goto done;
      n = numbers(s, v, 8);
      int want_e = b->ispin == 1 ? 2 : 3, want_o = b->ispin == 1 ? 3 : 5;
      if (n != want_e && n != want_o) {
        bad(&t, "expected band %d of k-point %d: index, %s energy%s [and occupation%s] (%d or %d numbers)", j + 1, k + 1,
            b->ispin == 1 ? "an" : "up and down", b->ispin == 1 ? "" : "ies", b->ispin == 1 ? "" : "s", want_e, want_o);
        goto done;
      }
      if ((int)v[0] != j + 1) { bad(&t, "band index %g, expected %d", v[0], j + 1); goto done; }
      if (has_occ < 0) has_occ = n == want_o;
      else if (has_occ != (n == want_o)) { bad(&t, "occupations on some band lines only"); goto done; }
      for (int sp = 0; sp < b->ispin; sp++) {
        size_t i = ((size_t)sp * b->nk + k) * b->nb + j;
        b->e[i]   = v[1 + sp];
        b->occ[i] = has_occ ? v[1 + b->ispin + sp] : NAN;
        if (!isfinite(b->e[i])) { bad(&t, "non-finite energy"); goto done; }
      }
    }
  }
  if (!has_occ) { free(b->occ); b->occ = NULL; }
  rc = 0;
done:
  free(t.buf);
  if (rc) ms_bands_free(b);
  return rc;
}

int ms_vasp_read_lattice(const char *path, double A[9], char *msg, size_t msglen)
{
  txt    t;
  char  *s;
  double v[4], scale;
  int    rc = MS_FEAT_BAD_INPUT;
  if (txt_open(&t, path, msg, msglen)) return rc;
  if (!txt_need(&t, "the comment line") || !(s = txt_need(&t, "the scale factor"))) goto done;
  if (numbers(s, v, 4) != 1 || v[0] == 0) { bad(&t, "expected one non-zero scale factor"); goto done; }
  scale = v[0];
  for (int r = 0; r < 3; r++) {
    if (!(s = txt_need(&t, "a lattice vector"))) goto done;
    if (numbers(s, v, 4) != 3) { bad(&t, "expected lattice vector %d (3 numbers)", r + 1); goto done; }
    for (int c = 0; c < 3; c++) A[3 * r + c] = v[c];
  }
  double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) + A[2] * (A[3] * A[7] - A[4] * A[6]);
  if (det == 0) { bad(&t, "the lattice vectors are linearly dependent"); goto done; }
  if (scale < 0) scale = cbrt(-scale / fabs(det)); /* a negative scale is the cell volume */
  for (int k = 0; k < 9; k++) A[k] *= scale;
  rc = 0;
done:
  free(t.buf);
  return rc;
}

int ms_doscar_read(const char *path, int *n, double **e, double **dos, double *efermi, char *msg, size_t msglen)
{
  txt    t;
  char  *s;
  double v[8];
  int    rc = MS_FEAT_BAD_INPUT, nedos;
  *e = *dos = NULL;
  if (txt_open(&t, path, msg, msglen)) return rc;
  for (int k = 0; k < 5; k++) if (!txt_need(&t, "the header")) goto done;
  if (!(s = txt_need(&t, "EMAX EMIN NEDOS EFERMI"))) goto done;
  if (numbers(s, v, 8) < 4 || v[2] < 2 || v[2] != floor(v[2])) { bad(&t, "expected EMAX EMIN NEDOS EFERMI [weight], NEDOS >= 2"); goto done; }
  nedos   = (int)v[2];
  *efermi = v[3];
  *e = malloc(sizeof(double) * nedos);
  *dos = malloc(sizeof(double) * nedos);
  if (!*e || !*dos) { bad(&t, "out of memory"); goto done; }
  int cols = 0;
  for (int j = 0; j < nedos; j++) {
    if (!(s = txt_need(&t, "a DOS line"))) goto done;
    int m = numbers(s, v, 8);
    if (!cols) cols = m;
    if (m != cols || (m != 3 && m != 5)) { bad(&t, "expected E, DOS, integrated DOS (3 numbers, or 5 when spin-polarised) as on the first line"); goto done; }
    (*e)[j]   = v[0];
    (*dos)[j] = m == 3 ? v[1] : v[1] + v[2];
    if (j && !((*e)[j] > (*e)[j - 1])) { bad(&t, "energies must increase"); goto done; }
  }
  *n = nedos;
  rc = 0;
done:
  free(t.buf);
  if (rc) { free(*e); free(*dos); *e = *dos = NULL; }
  return rc;
}

int ms_locpot_planar_average(const char *path, int axis, int *n_planes, double **avg, char *msg, size_t msglen)
{
  txt    t;
  char  *s;
  double v[8];
  int    rc = MS_FEAT_BAD_INPUT, natoms = 0, m;
  *avg = NULL;
  if (txt_open(&t, path, msg, msglen)) return rc;
  for (int k = 0; k < 5; k++) if (!txt_need(&t, "the POSCAR header")) goto done;
  if (!(s = txt_need(&t, "species or counts"))) goto done;
  m = numbers(s, v, 8);
  if (m < 0) { /* VASP 5: species names, then counts */
    if (!(s = txt_need(&t, "the atom counts"))) goto done;
    m = numbers(s, v, 8);
  }
  if (m <= 0) { bad(&t, "expected the number of atoms per species"); goto done; }
  { /* re-count, more than 8 species */
    char *c = s;
    for (;;) {
      while (*c == ' ' || *c == '\t') c++;
      if (!*c) break;
      natoms += (int)strtol(c, &c, 10);
    }
  }
  if (!(s = txt_need(&t, "Direct/Cartesian"))) goto done;
  if (s[strspn(s, " ")] == 'S' || s[strspn(s, " ")] == 's')
    if (!(s = txt_need(&t, "Direct/Cartesian"))) goto done;
  for (int a = 0; a < natoms; a++) if (!txt_need(&t, "an atom position")) goto done;
  do { if (!(s = txt_need(&t, "the grid NGX NGY NGZ"))) goto done; } while (!s[strspn(s, " \t")]);
  if (numbers(s, v, 8) != 3 || v[0] < 1 || v[1] < 1 || v[2] < 1) { bad(&t, "expected the grid NGX NGY NGZ"); goto done; }
  int    ng[3] = {(int)v[0], (int)v[1], (int)v[2]};
  size_t total = (size_t)ng[0] * ng[1] * ng[2], got = 0;
  *n_planes = ng[axis];
  *avg = calloc((size_t)ng[axis], sizeof(double));
  if (!*avg) { bad(&t, "out of memory"); goto done; }
  while (got < total) {
    if (!(s = txt_need(&t, "more potential values"))) goto done;
    char *c = s;
    for (;;) {
      while (*c == ' ' || *c == '\t') c++;
      if (!*c || got == total) break;
      char  *end;
      double x = strtod(c, &end);
      if (end == c || !isfinite(x)) { bad(&t, "'%.20s' is not a finite number", c); goto done; }
      size_t ix = got % ng[0], iy = (got / ng[0]) % ng[1], iz = got / ((size_t)ng[0] * ng[1]); /* x fastest */
      size_t pl = axis == 0 ? ix : axis == 1 ? iy : iz;
      (*avg)[pl] += x;
      got++;
      c = end;
    }
  }
  for (int p = 0; p < ng[axis]; p++) (*avg)[p] /= (double)(total / ng[axis]);
  rc = 0;
done:
  free(t.buf);
  if (rc) { free(*avg); *avg = NULL; }
  return rc;
}

int ms_outcar_efermi(const char *path, double *efermi, char *msg, size_t msglen)
{
  txt   t;
  char *s;
  int   found = 0;
  if (txt_open(&t, path, msg, msglen)) return MS_FEAT_BAD_INPUT;
  while ((s = txt_line(&t))) {
    char *f = strstr(s, "E-fermi :");
    if (!f) continue;
    char  *end;
    double x = strtod(f + 9, &end);
    if (end == f + 9) { bad(&t, "no number after 'E-fermi :'"); free(t.buf); return MS_FEAT_BAD_INPUT; }
    *efermi = x;
    found   = 1;
  }
  free(t.buf);
  if (!found) { snprintf(msg, msglen, "%s: no 'E-fermi :' line", path); return MS_FEAT_BAD_INPUT; }
  return 0;
}

/* bands.csv: header k,kx,ky,kz,weight,spin,band,energy[,occupation] (any column order), one
 * row per (k, spin, band), indices from 1; every combination must be present once. */
int ms_bands_read_table(const char *path, ms_bands *b, char *msg, size_t msglen)
{
  static const char *const want[] = {"k", "kx", "ky", "kz", "weight", "spin", "band", "energy", "occupation"};
  txt    t;
  char  *s;
  int    col[9], ncol = 0, rc = MS_FEAT_BAD_INPUT, cap = 0, n = 0;
  double *rowv = NULL;
  memset(b, 0, sizeof *b);
  if (txt_open(&t, path, msg, msglen)) return rc;
  if (!(s = txt_need(&t, "the header k,kx,ky,kz,weight,spin,band,energy[,occupation]"))) goto done;
  for (int j = 0; j < 9; j++) col[j] = -1;
  for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","), ncol++) {
    tok += strspn(tok, " ");
    for (int j = 0; j < 9; j++)
      if (!strncmp(tok, want[j], strlen(want[j])) && strlen(tok + strlen(want[j])) == strspn(tok + strlen(want[j]), " ")) col[j] = ncol;
  }
  for (int j = 0; j < 8; j++)
    if (col[j] < 0) { bad(&t, "header lacks column '%s' (k,kx,ky,kz,weight,spin,band,energy[,occupation])", want[j]); goto done; }
  while ((s = txt_line(&t))) {
    double v[32];
    if (!s[strspn(s, " \t")]) continue;
    for (char *c = s; *c; c++) if (*c == ',') *c = ' ';
    if (numbers(s, v, 32) != ncol) { bad(&t, "expected %d numbers as in the header", ncol); goto done; }
    if (n == cap) {
      cap = cap ? 2 * cap : 256;
      double *nr = realloc(rowv, sizeof(double) * 9 * cap);
      if (!nr) { bad(&t, "out of memory"); goto done; }
      rowv = nr;
    }
    for (int j = 0; j < 9; j++) rowv[9 * n + j] = col[j] >= 0 ? v[col[j]] : NAN;
    if (rowv[9 * n] < 1 || rowv[9 * n + 5] < 1 || rowv[9 * n + 5] > 2 || rowv[9 * n + 6] < 1) {
      bad(&t, "k, spin (1 or 2) and band are indices from 1");
      goto done;
    }
    if (rowv[9 * n] > b->nk) b->nk = (int)rowv[9 * n];
    if (rowv[9 * n + 5] > b->ispin) b->ispin = (int)rowv[9 * n + 5];
    if (rowv[9 * n + 6] > b->nb) b->nb = (int)rowv[9 * n + 6];
    n++;
  }
  if (!n) { bad(&t, "no rows"); goto done; }
  size_t ne = (size_t)b->ispin * b->nk * b->nb;
  if ((size_t)n != ne) {
    snprintf(msg, msglen, "%s: %d rows, expected k x spin x band = %d x %d x %d", path, n, b->nk, b->ispin, b->nb);
    goto done;
  }
  b->kfrac = malloc(sizeof(double) * 3 * b->nk); b->weight = malloc(sizeof(double) * b->nk);
  b->e = malloc(sizeof(double) * ne); b->occ = col[8] >= 0 ? malloc(sizeof(double) * ne) : NULL;
  if (!b->kfrac || !b->weight || !b->e || (col[8] >= 0 && !b->occ)) { bad(&t, "out of memory"); goto done; }
  for (size_t i = 0; i < ne; i++) b->e[i] = NAN;
  for (int r = 0; r < n; r++) {
    const double *v = rowv + 9 * r;
    int           k = (int)v[0] - 1, sp = (int)v[5] - 1, j = (int)v[6] - 1;
    size_t        i = ((size_t)sp * b->nk + k) * b->nb + j;
    b->kfrac[3 * k] = v[1]; b->kfrac[3 * k + 1] = v[2]; b->kfrac[3 * k + 2] = v[3]; b->weight[k] = v[4];
    b->e[i] = v[7];
    if (b->occ) b->occ[i] = v[8];
  }
  for (size_t i = 0; i < ne; i++)
    if (isnan(b->e[i])) { snprintf(msg, msglen, "%s: a (k, spin, band) row is missing or repeated", path); goto done; }
  b->nelect = NAN;
  rc = 0;
done:
  free(rowv);
  free(t.buf);
  if (rc) ms_bands_free(b);
  return rc;
}
