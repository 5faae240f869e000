/* ms_options_reg.c - every option a command reads is checked and described in one place.
 *
 * ms_options.h routes PETSc's PetscOptionsInt/Real/Bool/Enum/EList/String/...Array macros
 * through the ms_options_* functions below. Each one
 *   1. records the option (name, type, default, choices or bounds, help text, group) in a
 *      registry, which `-help` prints and which unknown options are compared against;
 *   2. checks the value given on the command line, in -options_file or PETSC_OPTIONS before
 *      PETSc parses it, so a bad value is an MS_ERR_USER error naming the option, the value and
 *      what is allowed (PETSc's own messages name neither option nor bounds);
 *   3. calls PETSc's own implementation, so the option is marked used and read as before.
 *
 * The registry is process-global, like the pending-output list in ms_error.c: the macros that
 * feed it are called from every PetscOptionsBegin block and have no object to hang it on. It
 * is written in the same order on every rank; only rank 0 prints it.
 */
#include "ms_options.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *name, *type, *def, *choices, *help, *group;
} opt_entry;

static struct {
  opt_entry *e;
  int        n, cap;
  char      *group, *group_title; /* ms_options_group(): group for the rest of one block */
  char      *notes;               /* free text printed after the options */
  PetscBool  help;                /* -help was given (main takes it out of argv) */
} reg;

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

static const char *block_title(PetscOptionItems *po) { return po && po->title ? po->title : "Options"; }

static void full_name(PetscOptionItems *po, const char *opt, char *out, size_t len)
{
  const char *o = opt[0] == '-' ? opt + 1 : opt;
  snprintf(out, len, "-%s%s", po && po->prefix ? po->prefix : "", o);
}

static void record(PetscOptionItems *po, const char *opt, const char *type, const char *def, const char *choices, const char *help)
{
  char name[256];
  full_name(po, opt, name, sizeof name);
  for (int i = 0; i < reg.n; i++)
    if (!strcmp(reg.e[i].name, name)) return; /* the first reading describes it */
  if (reg.n == reg.cap) {
    int        cap = reg.cap ? 2 * reg.cap : 128;
    opt_entry *e   = (opt_entry *)realloc(reg.e, sizeof(opt_entry) * (size_t)cap);
    if (!e) return; /* description only: the option still works */
    reg.e   = e;
    reg.cap = cap;
  }
  const char *title = block_title(po);
  const char *group = reg.group && reg.group_title && !strcmp(reg.group_title, title) ? reg.group : title;
  opt_entry  *x     = &reg.e[reg.n++];
  x->name    = strdup(name);
  x->type    = dup_or_empty(type);
  x->def     = dup_or_empty(def);
  x->choices = dup_or_empty(choices);
  x->help    = dup_or_empty(help);
  x->group   = dup_or_empty(group);
}

PetscErrorCode ms_options_group(PetscOptionItems *po, const char *group)
{
  PetscFunctionBegin;
  free(reg.group);
  free(reg.group_title);
  reg.group       = strdup(group);
  reg.group_title = strdup(block_title(po));
  PetscFunctionReturn(0);
}

void ms_options_set_help(PetscBool help) { reg.help = help; }

PetscErrorCode ms_options_help_requested(PetscBool *help)
{
  PetscBool petsc = PETSC_FALSE;
  PetscFunctionBegin;
  PetscCall(PetscOptionsHasHelp(NULL, &petsc));
  *help = reg.help || petsc ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_help_note(const char *fmt, ...)
{
  char    buf[4096];
  va_list ap;
  PetscFunctionBegin;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  size_t old = reg.notes ? strlen(reg.notes) : 0;
  char  *n   = (char *)realloc(reg.notes, old + strlen(buf) + 1);
  PetscCheck(n, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory");
  memcpy(n + old, buf, strlen(buf) + 1);
  reg.notes = n;
  PetscFunctionReturn(0);
}

/* Levenshtein distance (two rows), for "did you mean". */
static int edit_distance(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  int   *prev = (int *)malloc(sizeof(int) * (lb + 1)), *cur = (int *)malloc(sizeof(int) * (lb + 1)), d;
  if (!prev || !cur) { free(prev); free(cur); return INT_MAX; }
  for (size_t j = 0; j <= lb; j++) prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    cur[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int sub = prev[j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      cur[j]  = PetscMin(sub, PetscMin(prev[j] + 1, cur[j - 1] + 1));
    }
    int *t = prev; prev = cur; cur = t;
  }
  d = prev[lb];
  free(prev);
  free(cur);
  return d;
}

/* The closest of `cands` (n entries, or NULL-terminated when n < 0) if it is close enough to be
   a plausible typo: at most max(1, len/3) edits, and fewer than the word's length. */
static const char *nearest(const char *word, const char *const *cands, int n)
{
  const char *best = NULL;
  int         bd   = INT_MAX, len = (int)strlen(word), lim = PetscMin(PetscMax(1, len / 3), len - 1);
  for (int i = 0; n < 0 ? cands[i] != NULL : i < n; i++) {
    int d = edit_distance(word, cands[i]);
    if (d < bd) { bd = d; best = cands[i]; }
  }
  return bd <= lim ? best : NULL;
}

const char *ms_options_nearest(const char *name)
{
  const char *best = NULL;
  int         bd   = INT_MAX, lim = PetscMax(2, (int)strlen(name) / 3);
  for (int i = 0; i < reg.n; i++) {
    int d = edit_distance(name, reg.e[i].name);
    if (d < bd) { bd = d; best = reg.e[i].name; }
  }
  return bd <= lim ? best : NULL;
}

/* ---------------------------------------------------------------- value checks */

static PetscErrorCode raw_value(PetscOptionItems *po, const char *opt, const char **raw, PetscBool *given)
{
  PetscFunctionBegin;
  *raw = NULL;
  PetscCall(PetscOptionsFindPair(po->options, po->prefix, opt, raw, given));
  PetscFunctionReturn(0);
}

static PetscBool parse_int(const char *s, long long *v)
{
  char *end;
  if (!s || !*s) return PETSC_FALSE;
  errno = 0;
  *v    = strtoll(s, &end, 10);
  return (!*end && errno == 0 && *v >= PETSC_MIN_INT && *v <= PETSC_MAX_INT) ? PETSC_TRUE : PETSC_FALSE;
}

static PetscBool parse_real(const char *s, double *v)
{
  char *end;
  if (!s || !*s) return PETSC_FALSE;
  errno = 0;
  *v    = strtod(s, &end);
  return (!*end && errno != ERANGE && isfinite(*v)) ? PETSC_TRUE : PETSC_FALSE;
}

static void int_bounds(PetscInt lb, PetscInt ub, char *buf, size_t len)
{
  if (lb > PETSC_MIN_INT && ub < PETSC_MAX_INT) snprintf(buf, len, "an integer in [%d, %d]", (int)lb, (int)ub);
  else if (lb > PETSC_MIN_INT) snprintf(buf, len, "an integer >= %d", (int)lb);
  else if (ub < PETSC_MAX_INT) snprintf(buf, len, "an integer <= %d", (int)ub);
  else snprintf(buf, len, "an integer");
}

static void real_bounds(PetscReal lb, PetscReal ub, char *buf, size_t len)
{
  if (lb > PETSC_MIN_REAL && ub < PETSC_MAX_REAL) snprintf(buf, len, "a number in [%g, %g]", (double)lb, (double)ub);
  else if (lb > PETSC_MIN_REAL) snprintf(buf, len, "a number >= %g", (double)lb);
  else if (ub < PETSC_MAX_REAL) snprintf(buf, len, "a number <= %g", (double)ub);
  else snprintf(buf, len, "a finite number");
}

PetscErrorCode ms_options_int(PetscOptionItems *po, const char *opt, const char *text, const char *man, PetscInt cur, PetscInt *value,
                              PetscBool *set, PetscInt lb, PetscInt ub)
{
  const char *raw;
  PetscBool   given;
  char        name[256], bounds[96], def[32];
  long long   v;
  PetscFunctionBegin;
  full_name(po, opt, name, sizeof name);
  int_bounds(lb, ub, bounds, sizeof bounds);
  snprintf(def, sizeof def, "%d", (int)cur);
  record(po, opt, "int", def, lb > PETSC_MIN_INT || ub < PETSC_MAX_INT ? bounds : "", text);
  PetscCall(raw_value(po, opt, &raw, &given));
  if (given) {
    PetscCheck(raw && raw[0], po->comm, MS_ERR_USER, "option %s needs a value (%s)", name, bounds);
    PetscCheck(parse_int(raw, &v), po->comm, MS_ERR_USER, "option %s: '%s' is not an integer (expected %s)", name, raw, bounds);
    PetscCheck(v >= lb && v <= ub, po->comm, MS_ERR_USER, "option %s: %s is out of range (expected %s)", name, raw, bounds);
  }
  PetscCall(PetscOptionsInt_Private(po, opt, text, man, cur, value, set, lb, ub));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_real(PetscOptionItems *po, const char *opt, const char *text, const char *man, PetscReal cur, PetscReal *value,
                               PetscBool *set, PetscReal lb, PetscReal ub)
{
  const char *raw;
  PetscBool   given;
  char        name[256], bounds[96], def[32];
  double      v;
  PetscFunctionBegin;
  full_name(po, opt, name, sizeof name);
  real_bounds(lb, ub, bounds, sizeof bounds);
  snprintf(def, sizeof def, "%g", (double)cur);
  record(po, opt, "real", def, lb > PETSC_MIN_REAL || ub < PETSC_MAX_REAL ? bounds : "", text);
  PetscCall(raw_value(po, opt, &raw, &given));
  if (given) {
    PetscCheck(raw && raw[0], po->comm, MS_ERR_USER, "option %s needs a value (%s)", name, bounds);
    PetscCheck(parse_real(raw, &v), po->comm, MS_ERR_USER, "option %s: '%s' is not a finite number (expected %s)", name, raw, bounds);
    PetscCheck(v >= lb && v <= ub, po->comm, MS_ERR_USER, "option %s: %s is out of range (expected %s)", name, raw, bounds);
  }
  PetscCall(PetscOptionsReal_Private(po, opt, text, man, cur, value, set));
  PetscFunctionReturn(0);
}

static const char *const bool_words[] = {"true", "false", "yes", "no", "1", "0", "on", "off", NULL};

PetscErrorCode ms_options_bool(PetscOptionItems *po, const char *opt, const char *text, const char *man, PetscBool cur, PetscBool *value,
                               PetscBool *set)
{
  const char *raw;
  PetscBool   given, ok = PETSC_FALSE;
  char        name[256];
  PetscFunctionBegin;
  full_name(po, opt, name, sizeof name);
  record(po, opt, "bool", cur ? "true" : "false", "", text);
  PetscCall(raw_value(po, opt, &raw, &given));
  if (given && raw && raw[0]) {
    for (int i = 0; bool_words[i]; i++)
      if (!strcasecmp(raw, bool_words[i])) ok = PETSC_TRUE;
    PetscCheck(ok, po->comm, MS_ERR_USER, "option %s: '%s' is not a boolean (use true or false; yes/no, 1/0 and on/off also work)", name, raw);
  }
  PetscCall(PetscOptionsBool_Private(po, opt, text, man, cur, value, set));
  PetscFunctionReturn(0);
}

/* "a, b, c" from the first n entries of list. */
static void join(const char *const *list, int n, const char *sep, char *buf, size_t len)
{
  buf[0] = 0;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(buf);
    snprintf(buf + l, len - l, "%s%s", i ? sep : "", list[i]);
  }
}

static PetscErrorCode check_choice(PetscOptionItems *po, const char *opt, const char *const *list, int n)
{
  const char *raw;
  PetscBool   given;
  char        name[256], all[1024];
  PetscFunctionBegin;
  PetscCall(raw_value(po, opt, &raw, &given));
  if (!given) PetscFunctionReturn(0);
  full_name(po, opt, name, sizeof name);
  join(list, n, ", ", all, sizeof all);
  PetscCheck(raw && raw[0], po->comm, MS_ERR_USER, "option %s needs a value (choices: %s)", name, all);
  for (int i = 0; i < n; i++)
    if (!strcasecmp(raw, list[i])) PetscFunctionReturn(0);
  const char *near = nearest(raw, list, n);
  SETERRQ(po->comm, MS_ERR_USER, "option %s: unknown value '%s' (choices: %s)%s%s%s", name, raw, all, near ? "; did you mean '" : "",
          near ? near : "", near ? "'?" : "");
}

PetscErrorCode ms_options_enum(PetscOptionItems *po, const char *opt, const char *text, const char *man, const char *const *list,
                               PetscEnum cur, PetscEnum *value, PetscBool *set)
{
  int  n = 0;
  char all[1024];
  PetscFunctionBegin;
  while (list[n]) n++;
  n -= 2; /* PETSc enum lists end with the type name and the C prefix */
  join(list, n, "|", all, sizeof all);
  record(po, opt, "choice", (int)cur >= 0 && (int)cur < n ? list[cur] : "", all, text);
  PetscCall(check_choice(po, opt, list, n));
  PetscCall(PetscOptionsEnum_Private(po, opt, text, man, list, cur, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_elist(PetscOptionItems *po, const char *opt, const char *text, const char *man, const char *const *list,
                                PetscInt n, const char *cur, PetscInt *value, PetscBool *set)
{
  char all[1024];
  PetscFunctionBegin;
  join(list, (int)n, "|", all, sizeof all);
  record(po, opt, "choice", cur, all, text);
  PetscCall(check_choice(po, opt, list, (int)n));
  PetscCall(PetscOptionsEList_Private(po, opt, text, man, list, n, cur, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_string(PetscOptionItems *po, const char *opt, const char *text, const char *man, const char *cur, char *value,
                                 size_t len, PetscBool *set)
{
  PetscFunctionBegin;
  record(po, opt, "string", cur, "", text);
  PetscCall(PetscOptionsString_Private(po, opt, text, man, cur, value, len, set));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_string_array(PetscOptionItems *po, const char *opt, const char *text, const char *man, char *value[], PetscInt *n,
                                       PetscBool *set)
{
  PetscFunctionBegin;
  record(po, opt, "list", "", "comma-separated", text);
  PetscCall(PetscOptionsStringArray_Private(po, opt, text, man, value, n, set));
  PetscFunctionReturn(0);
}

/* Each comma-separated element must parse (ints also as PETSc's ranges a-b). */
static PetscErrorCode check_array(PetscOptionItems *po, const char *opt, PetscBool integers, PetscInt nmax)
{
  const char *raw;
  PetscBool   given;
  char        name[256], buf[1024];
  int         count = 0;
  PetscFunctionBegin;
  PetscCall(raw_value(po, opt, &raw, &given));
  if (!given) PetscFunctionReturn(0);
  full_name(po, opt, name, sizeof name);
  const char *what = integers ? "integers" : "finite numbers";
  PetscCheck(raw && raw[0], po->comm, MS_ERR_USER, "option %s needs a value (comma-separated %s)", name, what);
  PetscCheck(strlen(raw) < sizeof buf, po->comm, MS_ERR_USER, "option %s: value too long", name);
  strcpy(buf, raw);
  for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    long long a, b;
    double    r;
    PetscBool ok;
    char     *dash = integers ? strchr(tok + 1, '-') : NULL;
    if (integers && dash) {
      *dash = 0;
      ok    = parse_int(tok, &a) && parse_int(dash + 1, &b) && a < b;
      *dash = '-';
    } else ok = integers ? parse_int(tok, &a) : parse_real(tok, &r);
    PetscCheck(ok, po->comm, MS_ERR_USER, "option %s: '%s'%s%s%s is not %s (expected comma-separated %s)", name, tok,
               strcmp(tok, raw) ? " in '" : "", strcmp(tok, raw) ? raw : "", strcmp(tok, raw) ? "'" : "", integers ? "an integer" : "a finite number", what);
    count++;
  }
  PetscCheck(count <= nmax, po->comm, MS_ERR_USER, "option %s: %d values given, at most %d allowed", name, count, (int)nmax);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_int_array(PetscOptionItems *po, const char *opt, const char *text, const char *man, PetscInt value[], PetscInt *n,
                                    PetscBool *set)
{
  PetscFunctionBegin;
  record(po, opt, "int list", "", "comma-separated integers", text);
  PetscCall(check_array(po, opt, PETSC_TRUE, *n));
  PetscCall(PetscOptionsIntArray_Private(po, opt, text, man, value, n, set));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_options_real_array(PetscOptionItems *po, const char *opt, const char *text, const char *man, PetscReal value[], PetscInt *n,
                                     PetscBool *set)
{
  PetscFunctionBegin;
  record(po, opt, "real list", "", "comma-separated numbers", text);
  PetscCall(check_array(po, opt, PETSC_FALSE, *n));
  PetscCall(PetscOptionsRealArray_Private(po, opt, text, man, value, n, set));
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- -help */

PetscErrorCode ms_options_help_print(MPI_Comm comm, FILE *out)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank) PetscFunctionReturn(0);
  char *done = (char *)calloc((size_t)reg.n + 1, 1);
  PetscCheck(done, PETSC_COMM_SELF, PETSC_ERR_MEM, "out of memory");
  for (int i = 0; i < reg.n; i++) {
    if (done[i]) continue;
    fprintf(out, "\n%s:\n", reg.e[i].group);
    for (int k = i; k < reg.n; k++) {
      opt_entry *e = &reg.e[k];
      if (done[k] || strcmp(e->group, reg.e[i].group)) continue;
      done[k] = 1;
      char spec[1200];
      if (!strcmp(e->type, "choice")) snprintf(spec, sizeof spec, "%s <%s>", e->name, e->choices);
      else if (!strcmp(e->type, "bool")) snprintf(spec, sizeof spec, "%s [<bool>]", e->name);
      else snprintf(spec, sizeof spec, "%s <%s>", e->name, e->type);
      fprintf(out, "  %-28s %s", spec, e->help);
      if (e->choices[0] && strcmp(e->type, "choice")) fprintf(out, " [%s]", e->choices);
      if (e->def[0]) fprintf(out, " (default: %s)", e->def);
      fprintf(out, "\n");
    }
  }
  free(done);
  if (reg.notes) fprintf(out, "\n%s", reg.notes);
  fflush(out);
  PetscFunctionReturn(0);
}

void ms_options_registry_free(void)
{
  for (int i = 0; i < reg.n; i++) {
    opt_entry *e = &reg.e[i];
    free(e->name); free(e->type); free(e->def); free(e->choices); free(e->help); free(e->group);
  }
  free(reg.e);
  free(reg.group);
  free(reg.group_title);
  free(reg.notes);
  memset(&reg, 0, sizeof reg);
}
