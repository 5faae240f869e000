/* ms_formula.c - chemical formula parser (grammar and the dot rule in ms_featurize.h).
 *
 * Recursive descent over the bytes of the formula. Element tokens are appended to one flat
 * list of (Z, amount); a closing bracket or a part's leading coefficient multiplies the
 * entries appended since its start, so nesting costs no per-level arrays and the parser
 * allocates nothing (it runs inside OpenMP loops over millions of formulas). Errors carry the
 * character column of the offending byte so the caller can print a caret under it.
 */
#include "ms_featurize.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 512
#define MAX_DEPTH  32

typedef struct {
  const char       *s, *p;
  ms_formula_error *err;
  int               n;
  int               z[MAX_TOKENS];
  double            a[MAX_TOKENS];
  int               charge;
} parser;

static int char_column(const char *s, const char *at)
{
  int col = 1;
  for (const char *q = s; q < at && *q; q++)
    if (((unsigned char)*q & 0xC0) != 0x80) col++; /* count UTF-8 lead bytes only */
  return col;
}

static int fail(parser *ps, const char *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(parser *ps, const char *at, const char *fmt, ...)
{
  va_list ap;
  if (ps->err) {
    ps->err->column = char_column(ps->s, at);
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
  }
  return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static const char *skip_spaces(const char *q)
{
  while (*q == ' ' || *q == '\t') q++;
  return q;
}

/* Length in bytes of a hydrate separator at q, or 0 ('.' is decided by the caller). */
static int separator_len(const char *q)
{
  const unsigned char *u = (const unsigned char *)q;
  if (*q == '*' || *q == '.') return 1;
  if (u[0] == 0xC2 && u[1] == 0xB7) return 2;                 /* U+00B7 middle dot */
  if (u[0] == 0xE2 && u[1] == 0x80 && u[2] == 0xA2) return 3; /* U+2022 bullet */
  if (u[0] == 0xE2 && u[1] == 0x8B && u[2] == 0x85) return 3; /* U+22C5 dot operator */
  return 0;
}

/* If a charge starts at q and runs to the end of the string, return 1. Forms: "3+", "+",
 * "2-", "+3", "^2-", "^{2-}", "(3+)". */
static int trailing_charge(const char *q)
{
  int brace = 0, paren = 0, signs = 0;
  if (*q == '^') { q++; if (*q == '{') { brace = 1; q++; } }
  else if (*q == '(') { paren = 1; q++; }
  while (is_digit(*q)) q++;
  while (*q == '+' || *q == '-') { q++; signs++; }
  if (!signs) return 0;
  while (is_digit(*q)) q++;
  if (brace && *q++ != '}') return 0;
  if (paren && *q++ != ')') return 0;
  return *skip_spaces(q) == 0;
}

/* The hydrate exception of the dot rule: at q (just after a '.') an integer then "H2O"
 * ending the part. */
static int dot_starts_hydrate(const char *q)
{
  if (!is_digit(*q)) return 0;
  while (is_digit(*q)) q++;
  if (strncmp(q, "H2O", 3)) return 0;
  q = skip_spaces(q + 3);
  return *q == 0 || separator_len(q) > 0;
}

/* Optional amount at ps->p. *have = 0 when there is none (or when the digits are a trailing
 * charge). after_token: an amount after an element or a group (the hydrate dot applies). */
static int parse_amount(parser *ps, int after_token, double *v, int *have)
{
  const char *q = ps->p, *start = ps->p;
  char        buf[64];
  *have = 0;
  if (!is_digit(*q) && !(*q == '.' && is_digit(q[1]))) return 0;
  if (after_token && trailing_charge(q)) return 0;
  while (is_digit(*q)) q++;
  if (*q == '.' && is_digit(q[1])) {
    int int_nonzero = 0;
    for (const char *r = start; r < q; r++) int_nonzero |= *r != '0';
    /* "SO4.5H2O" and "Li2O.5H2O" are hydrates; "Li0.5H2O" is a decimal */
    if (!(after_token && (q == start || int_nonzero) && dot_starts_hydrate(q + 1))) {
      q++;
      while (is_digit(*q)) q++;
    }
  }
  if (q == start) return 0; /* only a hydrate dot */
  if ((size_t)(q - start) >= sizeof buf) return fail(ps, start, "number too long");
  memcpy(buf, start, (size_t)(q - start));
  buf[q - start] = 0;
  *v = strtod(buf, NULL);
  if (*q == '/' && is_digit(q[1])) { /* a fraction: 1/2 */
    const char *d = q + 1;
    while (is_digit(*d)) d++;
    if ((size_t)(d - q - 1) >= sizeof buf) return fail(ps, q + 1, "number too long");
    memcpy(buf, q + 1, (size_t)(d - q - 1));
    buf[d - q - 1] = 0;
    double den = strtod(buf, NULL);
    if (den == 0) return fail(ps, q + 1, "division by zero in the amount");
    if (memchr(start, '.', (size_t)(q - start))) return fail(ps, start, "a fraction takes integers (write 1/2 or 0.5)");
    *v /= den;
    q = d;
  }
  ps->p   = q;
  *have   = 1;
  return 0;
}

static int closing_for(char open) { return open == '(' ? ')' : open == '[' ? ']' : '}'; }

/* A sequence of elements and groups, up to `close` (0 at top level: up to a separator, a
 * charge or the end). */
static int parse_seq(parser *ps, int depth, char close, const char *open_at)
{
  int tokens = 0;
  for (;;) {
    ps->p  = skip_spaces(ps->p);
    char c = *ps->p;
    if (c == 0 || (separator_len(ps->p) && !(c == '.' && is_digit(ps->p[1]) && !dot_starts_hydrate(ps->p + 1)))) {
      if (close) return fail(ps, open_at, "'%c' is never closed (expected '%c')", open_at[0], close);
      if (!tokens) return fail(ps, ps->p, c ? "empty part before the separator" : "empty formula");
      return 0;
    }
    if (c == close) {
      if (!tokens) return fail(ps, ps->p, "empty group '%c%c'", open_at[0], close);
      return 0;
    }
    if (c == ')' || c == ']' || c == '}') return fail(ps, ps->p, "unmatched '%c'", c);
    if (c == '(' && trailing_charge(ps->p) && !close) { ps->charge = 1; ps->p += strlen(ps->p); continue; }
    if (c == '(' || c == '[' || c == '{') {
      const char *at    = ps->p;
      int         first = ps->n;
      double      m;
      int         have;
      if (depth >= MAX_DEPTH) return fail(ps, at, "brackets nested deeper than %d", MAX_DEPTH);
      ps->p++;
      if (parse_seq(ps, depth + 1, (char)closing_for(c), at)) return 1;
      ps->p++; /* the closing bracket */
      if (parse_amount(ps, 1, &m, &have)) return 1;
      if (have)
        for (int k = first; k < ps->n; k++) ps->a[k] *= m;
      tokens++;
      continue;
    }
    if (is_upper(c)) {
      const char *at  = ps->p;
      size_t      len = is_lower(at[1]) ? 2 : 1;
      if (len == 2 && is_lower(at[2])) return fail(ps, at, "unknown element '%.3s' (symbols have one or two letters)", at);
      int z = ms_element_z(at, len);
      if (!z) return fail(ps, at, "unknown element '%.*s'", (int)len, at);
      double v = 1;
      int    have;
      ps->p += len;
      if (parse_amount(ps, 1, &v, &have)) return 1;
      if (ps->n >= MAX_TOKENS) return fail(ps, at, "more than %d element symbols", MAX_TOKENS);
      ps->z[ps->n]   = z;
      ps->a[ps->n++] = v;
      tokens++;
      continue;
    }
    if ((c == '+' || c == '-' || c == '^' || is_digit(c)) && trailing_charge(ps->p)) {
      if (close) return fail(ps, ps->p, "a charge inside brackets (charges go at the end)");
      ps->charge = 1;
      ps->p += strlen(ps->p);
      continue;
    }
    if (is_lower(c)) return fail(ps, ps->p, "'%c': element symbols start with a capital letter", c);
    if (is_digit(c) || c == '.') return fail(ps, ps->p, "a number must follow an element or a closing bracket");
    if (c == '+' || c == '-' || c == '^') return fail(ps, ps->p, "a charge must end the formula");
    if ((unsigned char)c >= 0x80) return fail(ps, ps->p, "unexpected non-ASCII character");
    return fail(ps, ps->p, "unexpected character '%c'", c);
  }
}

int ms_formula_parse(const char *s, ms_formula *f, ms_formula_error *err)
{
  parser ps;
  ps.s = ps.p = s ? s : "";
  ps.err      = err;
  ps.n        = 0;
  ps.charge   = 0;
  if (err) { err->column = 0; err->message[0] = 0; }
  for (;;) {
    int    first = ps.n, have;
    double coef;
    ps.p = skip_spaces(ps.p);
    if (parse_amount(&ps, 0, &coef, &have)) return 1;
    if (parse_seq(&ps, 0, 0, NULL)) return 1;
    if (have)
      for (int k = first; k < ps.n; k++) ps.a[k] *= coef;
    if (!*ps.p) break;
    ps.p += separator_len(ps.p); /* parse_seq stopped at a separator */
    if (!*skip_spaces(ps.p)) return fail(&ps, ps.p, "nothing after the separator");
  }
  /* Merge repeated elements in order of first appearance. */
  int pos[MS_N_ELEMENTS + 1];
  for (int z = 0; z <= MS_N_ELEMENTS; z++) pos[z] = -1;
  int    n   = 0;
  double tot = 0;
  for (int k = 0; k < ps.n; k++) {
    int z = ps.z[k];
    if (pos[z] < 0) { pos[z] = n; f->z[n] = z; f->amount[n++] = 0; }
    f->amount[pos[z]] += ps.a[k];
  }
  int m = 0;
  for (int i = 0; i < n; i++)
    if (f->amount[i] > 0) { f->z[m] = f->z[i]; f->amount[m] = f->amount[i]; tot += f->amount[m++]; }
  if (!m) return fail(&ps, s, "every amount is zero");
  for (int i = 0; i < m; i++) f->fraction[i] = f->amount[i] / tot;
  f->n      = m;
  f->total  = tot;
  f->charge = ps.charge;
  return 0;
}

void ms_formula_error_format(const char *s, const ms_formula_error *err, char *buf, size_t len)
{
  int col = err->column > 0 ? err->column : 1;
  int o   = snprintf(buf, len, "%s at column %d:\n    %s\n    %*s^", err->message, col, s ? s : "", col - 1, "");
  (void)o;
}
