/* ms_csv.c - CSV tokenizer; see ms_csv.h. */
#include "ms_csv.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A UTF-8 byte order mark (spreadsheets write one) is not part of the first column's name. It
   can only stand at the very start of the file, which is where line 1 begins. */
static const char *skip_bom(const char *p, const char *end, int64_t line)
{
  if (line == 1 && end - p >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) return p + 3;
  return p;
}

/* A line is skipped if blank or if its first non-blank character is '#'. */
static const char *skip_ignorable(const char *p, const char *end, int64_t *line)
{
  for (;;) {
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
    if (q < end && *q == '#') {
      while (q < end && *q != '\n') q++;
    }
    if (q < end && *q == '\n') {
      p = q + 1;
      (*line)++;
      continue;
    }
    if (q >= end) return end;
    return p;
  }
}

static PetscErrorCode push_char(ms_csv_record *rec, size_t *len, char c)
{
  PetscFunctionBegin;
  if (*len + 1 >= rec->buf_cap) {
    size_t nc = rec->buf_cap ? 2 * rec->buf_cap : 256;
    char  *nb = (char *)realloc(rec->buf, nc);
    PetscCheck(nb, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory reading CSV");
    rec->buf     = nb;
    rec->buf_cap = nc;
  }
  rec->buf[(*len)++] = c;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_csv_next(ms_csv_reader *r, ms_csv_record *rec, PetscBool *have)
{
  size_t len = 0;
  int    n   = 0;
  size_t offs[4096 / sizeof(size_t)];
  size_t *off = offs, off_cap = sizeof offs / sizeof offs[0];
  PetscFunctionBegin;
  r->p = skip_ignorable(skip_bom(r->p, r->end, r->line), r->end, &r->line);
  *have = r->p < r->end ? PETSC_TRUE : PETSC_FALSE;
  if (!*have) PetscFunctionReturn(0);
  rec->line = r->line;
  const char *p = r->p, *end = r->end;
  for (;;) { /* one field per iteration */
    if ((size_t)n == off_cap) {
      size_t *no = (size_t *)malloc(2 * off_cap * sizeof(size_t));
      PetscCheck(no, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory reading CSV");
      memcpy(no, off, off_cap * sizeof(size_t));
      if (off != offs) free(off);
      off = no;
      off_cap *= 2;
    }
    off[n++] = len;
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t')) q++;
    if (q < end && *q == '"') { /* quoted field: "" is a literal quote, newlines allowed */
      int64_t start_line = r->line;
      p = q + 1;
      for (;;) {
        PetscCheck(p < end, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: unterminated quoted field (column %d)", r->path,
                   (long long)start_line, n);
        if (*p == '"') {
          if (p + 1 < end && p[1] == '"') {
            PetscCall(push_char(rec, &len, '"'));
            p += 2;
            continue;
          }
          p++;
          break;
        }
        if (*p == '\n') r->line++;
        PetscCheck(*p, PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: column %d holds a NUL byte (binary data, or UTF-16 text?)", r->path,
                   (long long)r->line, n);
        PetscCall(push_char(rec, &len, *p++));
      }
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
      PetscCheck(p >= end || *p == ',' || *p == '\n', PETSC_COMM_SELF, MS_ERR_READ,
                 "%s:%lld: unexpected text after a closing quote in column %d", r->path, (long long)r->line, n);
    } else {
      /* Unquoted: copy up to the next comma or newline in one go. */
      const char *q = p;
      while (q < end && *q != ',' && *q != '\n') q++;
      size_t fl = (size_t)(q - p);
      /* A NUL would silently end the field early ("1\0garbage" read as 1). */
      PetscCheck(!memchr(p, 0, fl), PETSC_COMM_SELF, MS_ERR_READ, "%s:%lld: column %d holds a NUL byte (binary data, or UTF-16 text?)",
                 r->path, (long long)r->line, n);
      if (!rec->buf_cap) {
        PetscCall(push_char(rec, &len, 0));
        len--;
      }
      while (len + fl + 2 >= rec->buf_cap) {
        size_t nc = 2 * rec->buf_cap;
        char  *nb = (char *)realloc(rec->buf, nc);
        PetscCheck(nb, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory reading CSV");
        rec->buf     = nb;
        rec->buf_cap = nc;
      }
      memcpy(rec->buf + len, p, fl);
      len += fl;
      p = q;
      /* trim the unquoted field (and a CR of CRLF line ends) */
      while (len > off[n - 1] && (rec->buf[len - 1] == ' ' || rec->buf[len - 1] == '\t' || rec->buf[len - 1] == '\r')) len--;
      size_t s = off[n - 1], k = s;
      while (k < len && (rec->buf[k] == ' ' || rec->buf[k] == '\t')) k++;
      if (k > s) {
        memmove(rec->buf + s, rec->buf + k, len - k);
        len -= k - s;
      }
    }
    PetscCall(push_char(rec, &len, '\0'));
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == '\n') {
      p++;
      r->line++;
    }
    break;
  }
  r->p = p;
  if (n > rec->cap) {
    char **nf = (char **)realloc(rec->field, sizeof(char *) * (size_t)n);
    PetscCheck(nf, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory reading CSV");
    rec->field = nf;
    rec->cap   = n;
  }
  rec->n = n;
  for (int i = 0; i < n; i++) rec->field[i] = rec->buf + off[i];
  if (off != offs) free(off);
  PetscFunctionReturn(0);
}

void ms_csv_record_free(ms_csv_record *rec)
{
  free(rec->field);
  free(rec->buf);
  memset(rec, 0, sizeof *rec);
}

/* End of the record starting at p (just after its newline), tracking quotes and lines.
   Fast path: a line without any quote ends at its newline (memchr over both). */
static const char *record_end(const char *p, const char *end, int64_t *line)
{
  const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
  if (!nl) return end;
  if (!memchr(p, '"', (size_t)(nl - p))) {
    (*line)++;
    return nl + 1;
  }
  int quoted = 0;
  for (; p < end; p++) {
    if (*p == '"') quoted = !quoted; /* "" toggles twice: harmless */
    else if (*p == '\n') {
      (*line)++;
      if (!quoted) return p + 1;
    }
  }
  return end;
}

PetscErrorCode ms_csv_split(const char *path, const char *data, size_t len, int parts, size_t *header_end,
                            int64_t *n_records, size_t *starts, int64_t *lines)
{
  const char *end = data + len, *p;
  int64_t     line = 1, n = 0, cap = 1024; /* grows by doubling */
  size_t     *rs;
  int64_t    *rl;
  PetscFunctionBegin;
  p = skip_ignorable(skip_bom(data, end, line), end, &line);
  PetscCheck(p < end, PETSC_COMM_SELF, MS_ERR_READ, "%s: empty file (no header row)", path);
  p           = record_end(p, end, &line);
  *header_end = (size_t)(p - data);
  PetscCall(PetscMalloc2(cap, &rs, cap, &rl));
  for (;;) {
    p = skip_ignorable(p, end, &line);
    if (p >= end) break;
    if (n == cap) { /* grow */
      size_t  *nrs;
      int64_t *nrl;
      PetscCall(PetscMalloc2(2 * cap, &nrs, 2 * cap, &nrl));
      PetscCall(PetscArraycpy(nrs, rs, cap));
      PetscCall(PetscArraycpy(nrl, rl, cap));
      PetscCall(PetscFree2(rs, rl));
      rs = nrs;
      rl = nrl;
      cap *= 2;
    }
    rs[n] = (size_t)(p - data);
    rl[n] = line;
    n++;
    p = record_end(p, end, &line);
  }
  *n_records = n;
  for (int k = 0; k < parts; k++) {
    int64_t first = (n / parts) * k + PetscMin(k, n % parts); /* PETSc's split */
    starts[k] = first < n ? rs[first] : len;
    lines[k]  = first < n ? rl[first] : line;
  }
  starts[parts] = len;
  lines[parts]  = line;
  PetscCall(PetscFree2(rs, rl));
  PetscFunctionReturn(0);
}

/* Case-insensitive match of a whole word at s; returns its length or 0. */
static size_t word_at(const char *s, const char *w)
{
  size_t n = strlen(w);
  return strncasecmp(s, w, n) ? 0 : n;
}

/* Strict decimal syntax: [+-] digits [. digits] [(e|E) [+-] digits], at least one digit in the
   mantissa; or [+-] nan | inf | infinity (any case). strtod alone would also take hex floats
   (0x1p3), nan(chars) and locale forms that no table writer means as data. Returns the
   length of the number at s, 0 if none. */
static size_t decimal_length(const char *s)
{
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  size_t w;
  if ((w = word_at(p, "infinity")) || (w = word_at(p, "inf")) || (w = word_at(p, "nan"))) return (size_t)(p + w - s);
  int digits = 0;
  while (isdigit((unsigned char)*p)) p++, digits++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p)) p++, digits++;
  }
  if (!digits) return 0;
  if (*p == 'e' || *p == 'E') {
    const char *e = p + 1;
    if (*e == '+' || *e == '-') e++;
    if (!isdigit((unsigned char)*e)) return 0;
    while (isdigit((unsigned char)*e)) e++;
    p = e;
  }
  return (size_t)(p - s);
}

PetscBool ms_csv_parse_double(const char *s, double *v, PetscBool *finite)
{
  char *endp;
  while (*s == ' ' || *s == '\t') s++;
  if (!*s) {
    *v      = NAN;
    *finite = PETSC_FALSE;
    return PETSC_TRUE;
  }
  size_t len = decimal_length(s);
  if (!len) return PETSC_FALSE;
  const char *rest = s + len;
  while (*rest == ' ' || *rest == '\t') rest++;
  if (*rest) return PETSC_FALSE;
  *v = strtod(s, &endp); /* correctly rounded; the syntax is already checked */
  if (endp != s + len) return PETSC_FALSE;
  *finite = isfinite(*v) ? PETSC_TRUE : PETSC_FALSE;
  return PETSC_TRUE;
}

size_t ms_csv_format_field(const char *s, char *out)
{
  size_t n = strlen(s);
  int    need = n == 0 ? 0 : (s[0] == ' ' || s[0] == '#' || s[n - 1] == ' ' || strpbrk(s, ",\"\n\r") != NULL);
  if (!need) {
    if (out) memcpy(out, s, n);
    return n;
  }
  size_t k = 0;
  if (out) out[k] = '"';
  k++;
  for (const char *c = s; *c; c++) {
    if (*c == '"') {
      if (out) out[k] = '"';
      k++;
    }
    if (out) out[k] = *c;
    k++;
  }
  if (out) out[k] = '"';
  return k + 1;
}
