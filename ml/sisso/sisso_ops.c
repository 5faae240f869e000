/* sisso_ops.c - SISSO operators on columns, their unit rules, the duplicate hash, the
 * operator list option and the postfix programs that predict re-evaluates. */
#include "sisso_impl.h"
#include <ctype.h>
#include <math.h>
#include <string.h>

const char *const ms_sisso_op_names[] = {"sq", "cb", "inv", "sqrt", "cbrt", "exp", "nexp", "log", "abs",
                                         "add", "sub", "mul", "div", "absdiff", NULL};

const char *ms_sisso_op_token(int op) { return (op >= 1 && op < MS_SOP_N) ? ms_sisso_op_names[op - 1] : "?"; }

int ms_sisso_op_from_name(const char *s)
{
  for (int k = 0; ms_sisso_op_names[k]; k++)
    if (!strcmp(s, ms_sisso_op_names[k])) return k + 1;
  return -1;
}

PetscErrorCode ms_sisso_ops_parse(MPI_Comm comm, const char *list, unsigned *ops)
{
  char  buf[256], *tok, *save = NULL;
  char  allowed[200];

  PetscFunctionBegin;
  *ops = 0;
  PetscCall(ms_sisso_ops_string(MS_SISSO_OPS_ALL, allowed, sizeof allowed));
  PetscCheck(strlen(list) < sizeof buf, comm, MS_ERR_USER, "-sisso_ops: list too long");
  PetscCall(PetscStrncpy(buf, list, sizeof buf));
  for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    int op;
    if (!strcmp(tok, "all")) { *ops |= MS_SISSO_OPS_ALL; continue; }
    op = ms_sisso_op_from_name(tok);
    PetscCheck(op > 0, comm, MS_ERR_USER, "-sisso_ops: unknown operator '%s' (allowed: all,%s)", tok, allowed);
    *ops |= MS_SOP_BIT(op);
  }
  PetscCheck(*ops, comm, MS_ERR_USER, "-sisso_ops: empty operator list '%s' (allowed: all,%s)", list, allowed);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_ops_string(unsigned ops, char *buf, size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  for (int op = 1; op < MS_SOP_N; op++)
    if (ops & MS_SOP_BIT(op)) {
      if (buf[0]) PetscCall(PetscStrlcat(buf, ",", len));
      PetscCall(PetscStrlcat(buf, ms_sisso_op_token(op), len));
    }
  PetscFunctionReturn(0);
}

/* ---- units ---------------------------------------------------------------------------- */

static PetscBool unit_dimensionless(const ms_sisso_unit *u)
{
  for (int k = 0; k < MS_SISSO_NBASE; k++)
    if (u->e[k]) return PETSC_FALSE;
  return PETSC_TRUE;
}

static PetscBool unit_scale(const ms_sisso_unit *a, int num, int den, ms_sisso_unit *out)
{
  for (int k = 0; k < MS_SISSO_NBASE; k++) {
    int v = a->e[k] * num;
    if (v % den || abs(v / den) > 3000) return PETSC_FALSE; /* a power the exponent grid cannot hold */
    out->e[k] = (int16_t)(v / den);
  }
  return PETSC_TRUE;
}

PetscBool ms_sisso_unit_apply(int op, const ms_sisso_unit *a, const ms_sisso_unit *b, ms_sisso_unit *out)
{
  switch (op) {
  case MS_SOP_SQ: return unit_scale(a, 2, 1, out);
  case MS_SOP_CB: return unit_scale(a, 3, 1, out);
  case MS_SOP_INV: return unit_scale(a, -1, 1, out);
  case MS_SOP_SQRT: return unit_scale(a, 1, 2, out);
  case MS_SOP_CBRT: return unit_scale(a, 1, 3, out);
  case MS_SOP_EXP:
  case MS_SOP_NEXP:
  case MS_SOP_LOG: *out = *a; return unit_dimensionless(a);
  case MS_SOP_ABS: *out = *a; return PETSC_TRUE;
  case MS_SOP_ADD:
  case MS_SOP_SUB:
  case MS_SOP_ABSDIFF: *out = *a; return memcmp(a, b, sizeof *a) ? PETSC_FALSE : PETSC_TRUE;
  case MS_SOP_MUL:
  case MS_SOP_DIV:
    for (int k = 0; k < MS_SISSO_NBASE; k++) {
      int v = op == MS_SOP_MUL ? a->e[k] + b->e[k] : a->e[k] - b->e[k];
      if (abs(v) > 3000) return PETSC_FALSE;
      out->e[k] = (int16_t)v;
    }
    return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* spec "name=unit,name=unit": unit is sym[^int] factors joined by '*' or '/', or "1". */
PetscErrorCode ms_sisso_units_parse(MPI_Comm comm, const char *spec, int64_t p, char *const *names, ms_sisso_unit *u)
{
  char  base[MS_SISSO_NBASE][32];
  int   nbase = 0;
  char *buf, *item, *save = NULL;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(u, p));
  if (!spec || !spec[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrallocpy(spec, &buf));
  for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char   *eq = strchr(item, '='), *s;
    int64_t j = -1;
    int     sign = 1;
    PetscCheck(eq, comm, MS_ERR_USER, "-sisso_units: item '%s' is not name=unit", item);
    *eq = 0;
    for (int64_t c = 0; c < p; c++)
      if (!strcmp(names[c], item)) j = c;
    PetscCheck(j >= 0, comm, MS_ERR_USER, "-sisso_units: '%s' is not a feature of the training table", item);
    s = eq + 1;
    while (*s) {
      char sym[32];
      int  len = 0, pw = 1, b;
      while (*s && *s != '*' && *s != '/' && *s != '^' && len < 31) sym[len++] = *s++;
      sym[len] = 0;
      PetscCheck(len > 0 && len < 31, comm, MS_ERR_USER, "-sisso_units: bad unit for '%s' near '%s'", item, s);
      if (*s == '^') {
        char *end;
        long  v = strtol(s + 1, &end, 10);
        PetscCheck(end != s + 1 && labs(v) <= 12, comm, MS_ERR_USER, "-sisso_units: bad power after '%s^' for '%s' (an integer -12..12)", sym, item);
        pw = (int)v;
        s  = end;
      }
      if (strcmp(sym, "1")) {
        for (b = 0; b < nbase; b++)
          if (!strcmp(base[b], sym)) break;
        if (b == nbase) {
          PetscCheck(nbase < MS_SISSO_NBASE, comm, MS_ERR_USER, "-sisso_units: more than %d base units", MS_SISSO_NBASE);
          PetscCall(PetscStrncpy(base[nbase++], sym, 32));
        }
        u[j].e[b] = (int16_t)(u[j].e[b] + sign * pw * 6);
      }
      if (*s == '*') { sign = 1; s++; }
      else if (*s == '/') { sign = -1; s++; }
      else PetscCheck(!*s, comm, MS_ERR_USER, "-sisso_units: unexpected '%c' in the unit of '%s'", *s, item);
    }
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* ---- values ----------------------------------------------------------------------------- */

PetscBool ms_sisso_apply(int op, int64_t n, const double *a, const double *b, double *out)
{
  int64_t i;
  switch (op) {
  case MS_SOP_SQ: for (i = 0; i < n; i++) out[i] = a[i] * a[i]; break;
  case MS_SOP_CB: for (i = 0; i < n; i++) out[i] = a[i] * a[i] * a[i]; break;
  case MS_SOP_INV:
    for (i = 0; i < n; i++) { if (a[i] == 0.0) return PETSC_FALSE; out[i] = 1.0 / a[i]; }
    break;
  case MS_SOP_SQRT:
    for (i = 0; i < n; i++) { if (a[i] < 0.0) return PETSC_FALSE; out[i] = sqrt(a[i]); }
    break;
  case MS_SOP_CBRT: for (i = 0; i < n; i++) out[i] = cbrt(a[i]); break;
  case MS_SOP_EXP: for (i = 0; i < n; i++) out[i] = exp(a[i]); break;
  case MS_SOP_NEXP: for (i = 0; i < n; i++) out[i] = exp(-a[i]); break;
  case MS_SOP_LOG:
    for (i = 0; i < n; i++) { if (a[i] <= 0.0) return PETSC_FALSE; out[i] = log(a[i]); }
    break;
  case MS_SOP_ABS: for (i = 0; i < n; i++) out[i] = fabs(a[i]); break;
  case MS_SOP_ADD: for (i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
  case MS_SOP_SUB: for (i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
  case MS_SOP_MUL: for (i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
  case MS_SOP_DIV:
    for (i = 0; i < n; i++) { if (b[i] == 0.0) return PETSC_FALSE; out[i] = a[i] / b[i]; }
    break;
  case MS_SOP_ABSDIFF: for (i = 0; i < n; i++) out[i] = fabs(a[i] - b[i]); break;
  default: return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* Rounding step of the standardised values that go into the hash: far above the ~1e-13
 * differences between algebraically equal columns computed in different orders, far below
 * the differences between distinct descriptors on a few dozen rows. */
#define MS_SISSO_HASH_STEP 1e-6

PetscBool ms_sisso_zscore(int64_t n, const double *v, double *z)
{
  double mean = 0.0, ss = 0.0, sd;

  for (int64_t i = 0; i < n; i++) mean += v[i];
  mean /= (double)n;
  if (!isfinite(mean)) return PETSC_FALSE;
  for (int64_t i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
  sd = sqrt(ss / (double)n);
  if (!isfinite(sd) || !(sd > 1e-10 * fabs(mean)) || !(sd > 1e-300)) return PETSC_FALSE;
  for (int64_t i = 0; i < n; i++) z[i] = (v[i] - mean) / sd;
  return PETSC_TRUE;
}

uint64_t ms_sisso_hash(int64_t n, const double *z)
{
  double   sign = 1.0;
  uint64_t h    = 0x9e3779b97f4a7c15ull;

  for (int64_t i = 0; i < n; i++)
    if (fabs(z[i]) > 1e-3) { sign = z[i] > 0 ? 1.0 : -1.0; break; } /* x and -x are one descriptor */
  for (int64_t i = 0; i < n; i++) {
    uint64_t q = (uint64_t)(int64_t)llround(sign * z[i] / MS_SISSO_HASH_STEP);
    h = (h ^ q) * 0xff51afd7ed558ccdull; /* multiply-xorshift mixing of one word */
    h ^= h >> 29;
  }
  h ^= h >> 31; h *= 0x7fb5d329728ea185ull; h ^= h >> 27; h *= 0x81dadef4bc2dd44dull; h ^= h >> 33;
  return h ? h : 1;
}

uint64_t ms_sisso_standardise(int64_t n, const double *v, double *z)
{
  return ms_sisso_zscore(n, v, z) ? ms_sisso_hash(n, z) : 0;
}

/* ---- postfix programs -------------------------------------------------------------------- */

#define MS_SISSO_STACK 16

static int rpn_arity(int op) { return op >= MS_SOP_FIRST_BINARY ? 2 : 1; }

PetscErrorCode ms_sisso_rpn_check(MPI_Comm comm, const char *rpn, int64_t p)
{
  char *buf, *tok, *save = NULL;
  int   depth = 0, k = 0;

  PetscFunctionBegin;
  PetscCall(PetscStrallocpy(rpn, &buf));
  for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save), k++) {
    if (tok[0] == 'f' && isdigit((unsigned char)tok[1])) {
      char *end;
      long  j = strtol(tok + 1, &end, 10);
      PetscCheck(!*end && j >= 0 && j < p, comm, MS_ERR_READ, "sisso: descriptor '%s', token %d '%s' is not a feature column f0..f%lld", rpn, k + 1,
                 tok, (long long)p - 1);
      depth++;
      PetscCheck(depth <= MS_SISSO_STACK, comm, MS_ERR_READ, "sisso: descriptor '%s' is nested deeper than %d", rpn, MS_SISSO_STACK);
    } else {
      int op = ms_sisso_op_from_name(tok);
      PetscCheck(op > 0, comm, MS_ERR_READ, "sisso: descriptor '%s', token %d '%s' is not an operator", rpn, k + 1, tok);
      PetscCheck(depth >= rpn_arity(op), comm, MS_ERR_READ, "sisso: descriptor '%s', token %d '%s' lacks operands", rpn, k + 1, tok);
      depth -= rpn_arity(op) - 1;
    }
  }
  PetscCall(PetscFree(buf));
  PetscCheck(depth == 1, comm, MS_ERR_READ, "sisso: descriptor '%s' does not reduce to one value", rpn);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_rpn_eval(const char *rpn, int64_t n, int64_t p, const double *X, double *out)
{
  double *st[MS_SISSO_STACK];
  char   *buf, *tok, *save = NULL;
  int     depth = 0;

  PetscFunctionBegin;
  PetscCall(ms_sisso_rpn_check(PETSC_COMM_SELF, rpn, p));
  for (int k = 0; k < MS_SISSO_STACK; k++) PetscCall(PetscMalloc1(PetscMax(n, 1), &st[k]));
  PetscCall(PetscStrallocpy(rpn, &buf));
  for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    if (tok[0] == 'f') {
      long j = strtol(tok + 1, NULL, 10);
      for (int64_t i = 0; i < n; i++) st[depth][i] = X[i * p + j];
      depth++;
    } else {
      int     op = ms_sisso_op_from_name(tok), ar = rpn_arity(op);
      double *a = st[depth - ar], *b = ar == 2 ? st[depth - 1] : NULL;
      /* row by row, so that a row outside the operator's domain (log of a negative value
         ...) becomes NaN for the caller to report and the other rows keep their values */
      for (int64_t i = 0; i < n; i++)
        if (!ms_sisso_apply(op, 1, a + i, b ? b + i : NULL, a + i)) a[i] = NAN;
      depth -= ar - 1;
    }
  }
  PetscCall(PetscArraycpy(out, st[0], n));
  PetscCall(PetscFree(buf));
  for (int k = 0; k < MS_SISSO_STACK; k++) PetscCall(PetscFree(st[k]));
  PetscFunctionReturn(0);
}
