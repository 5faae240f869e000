/* sisso_space.c - the SISSO feature space: stored rungs (built in candidate blocks over the
 * ranks, de-duplicated in index order), the enumeration of the streamed last rung, and the
 * formula strings of a candidate.
 *
 * Enumeration of rung k from the stored features [0, S) whose rung k-1 block is [L, S):
 *   t <  NU = nun (S-L):  unary op un[t / (S-L)] of feature L + t % (S-L)
 *   t >= NU:              pair q = (t-NU) / nbin, slot s = (t-NU) % nbin; pairs (i, j) with
 *                         L <= j < S, 0 <= i < j in order of j then i; slot s is bin[s], and a
 *                         negative entry is b/a (division is not symmetric).
 * Every candidate has at least one operand of rung k-1, so none repeats a lower rung, and
 * a decode is O(1), so any rank can start anywhere in the order.
 */
#include "sisso_impl.h"
#include "ms_log.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t rung_count(const ms_sisso_space *sp, int64_t L, int64_t S)
{
  return (int64_t)sp->nun * (S - L) + (S * (S - 1) / 2 - L * (L - 1) / 2) * sp->nbin;
}

static void rung_decode(const ms_sisso_space *sp, int64_t L, int64_t S, int64_t t, ms_sisso_recipe *r)
{
  const int64_t NU = (int64_t)sp->nun * (S - L);
  if (t < NU) {
    r->op = sp->un[t / (S - L)];
    r->a  = L + t % (S - L);
    r->b  = -1;
  } else {
    const int64_t q = (t - NU) / sp->nbin, s = (t - NU) % sp->nbin, Q = q + L * (L - 1) / 2;
    int64_t       j = (int64_t)((1.0L + sqrtl(1.0L + 8.0L * (long double)Q)) / 2.0L), i;
    while (j * (j - 1) / 2 > Q) j--;
    while ((j + 1) * j / 2 <= Q) j++;
    i = Q - j * (j - 1) / 2;
    if (sp->bin[s] < 0) { r->op = -sp->bin[s]; r->a = j; r->b = i; }
    else { r->op = sp->bin[s]; r->a = i; r->b = j; }
  }
}

int64_t ms_sisso_space_pool(const ms_sisso_space *sp)
{
  return sp->S + (sp->R >= 1 ? rung_count(sp, sp->seg[sp->R - 1], sp->seg[sp->R]) : 0);
}

void ms_sisso_space_decode(const ms_sisso_space *sp, int64_t t, ms_sisso_recipe *r)
{
  if (t < sp->S) { r->op = -1; r->a = t; r->b = -1; }
  else rung_decode(sp, sp->seg[sp->R - 1], sp->seg[sp->R], t - sp->S, r);
}

static PetscBool space_eval_unit(const ms_sisso_space *sp, const ms_sisso_recipe *r, double *out, int32_t *cplx, ms_sisso_unit *u)
{
  const PetscBool bin = r->op >= MS_SOP_FIRST_BINARY;
  if (r->op < 0) {
    PetscArraycpy(out, sp->V + r->a * sp->n, sp->n);
    *cplx = sp->cplx[r->a];
    if (u) *u = sp->unit[r->a];
    return PETSC_TRUE;
  }
  {
    ms_sisso_unit tmp;
    if (!ms_sisso_unit_apply(r->op, &sp->unit[r->a], bin ? &sp->unit[r->b] : NULL, u ? u : &tmp)) return PETSC_FALSE;
  }
  *cplx = 1 + sp->cplx[r->a] + (bin ? sp->cplx[r->b] : 0);
  return ms_sisso_apply(r->op, sp->n, sp->V + r->a * sp->n, bin ? sp->V + r->b * sp->n : NULL, out);
}

PetscBool ms_sisso_space_eval(const ms_sisso_space *sp, const ms_sisso_recipe *r, double *out, int32_t *cplx)
{
  return space_eval_unit(sp, r, out, cplx, NULL);
}

static PetscErrorCode space_push(ms_sisso_space *sp, const ms_sisso_recipe *r, int32_t cplx, uint64_t h, const ms_sisso_unit *u, const double *v)
{
  PetscFunctionBegin;
  if (sp->S == sp->cap) {
    int64_t cap = PetscMax(64, 2 * sp->cap);
    PetscCall(PetscRealloc(sizeof(*sp->rec) * cap, &sp->rec));
    PetscCall(PetscRealloc(sizeof(*sp->cplx) * cap, &sp->cplx));
    PetscCall(PetscRealloc(sizeof(*sp->hash) * cap, &sp->hash));
    PetscCall(PetscRealloc(sizeof(*sp->unit) * cap, &sp->unit));
    PetscCall(PetscRealloc(sizeof(*sp->V) * cap * sp->n, &sp->V));
    sp->cap = cap;
  }
  sp->rec[sp->S]  = *r;
  sp->cplx[sp->S] = cplx;
  sp->hash[sp->S] = h;
  sp->unit[sp->S] = *u;
  PetscCall(PetscArraycpy(sp->V + sp->S * sp->n, v, sp->n));
  sp->S++;
  PetscFunctionReturn(0);
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

typedef struct { uint64_t h; int32_t cplx; int64_t t; } cand_key;
static int cmp_key(const void *a, const void *b)
{
  const cand_key *x = a, *y = b;
  if (x->h != y->h) return x->h < y->h ? -1 : 1;
  if (x->cplx != y->cplx) return x->cplx < y->cplx ? -1 : 1;
  return (x->t > y->t) - (x->t < y->t);
}

/* Rung k: each rank hashes its block; the hashes and complexities are gathered, the first
 * of each hash by (complexity, index) that is new to the stored space is kept, and every rank
 * recomputes the kept columns (cheap next to hashing them all, and no values travel). */
static PetscErrorCode space_add_rung(MPI_Comm comm, ms_sisso_space *sp, int k, int64_t max_stored, ms_sisso_result *res)
{
  const int64_t L = sp->seg[k - 1], S = sp->seg[k], N = rung_count(sp, L, S);
  PetscMPIInt   size, rank;
  int64_t       lo, hi, nkeep = 0, nstored = sp->S;
  uint64_t     *h, *hl, *old;
  int32_t      *c, *cl;
  PetscMPIInt  *cnt, *dsp;
  cand_key     *key;
  char         *keep;
  double       *v, *z, t0 = MPI_Wtime();

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* one 8-byte hash per candidate of a stored rung is gathered on every rank (MPI counts are int) */
  PetscCheck(N < INT32_MAX, comm, MS_ERR_USER, "sisso: rung %d would have %lld candidates to store as operands of the next rung (at most %d); "
             "use a lower -sisso_rung or fewer -sisso_ops", k, (long long)N, INT32_MAX - 1);
  PetscCall(PetscMalloc2(size, &cnt, size, &dsp));
  for (PetscMPIInt q = 0; q < size; q++) {
    dsp[q] = (PetscMPIInt)(N / size * q + PetscMin(q, N % size));
    cnt[q] = (PetscMPIInt)(N / size + (q < N % size));
  }
  lo = dsp[rank]; hi = lo + cnt[rank];
  PetscCall(PetscMalloc4(N, &h, N, &c, PetscMax(hi - lo, 1), &hl, PetscMax(hi - lo, 1), &cl));
  PetscCall(PetscMalloc2(sp->n, &v, sp->n, &z));
  for (int64_t t = lo; t < hi; t++) {
    ms_sisso_recipe r;
    int32_t         cx = 0;
    rung_decode(sp, L, S, t, &r);
    hl[t - lo] = space_eval_unit(sp, &r, v, &cx, NULL) ? ms_sisso_standardise(sp->n, v, z) : 0;
    cl[t - lo] = cx;
  }
  PetscCallMPI(MPI_Allgatherv(hl, cnt[rank], MPI_UINT64_T, h, cnt, dsp, MPI_UINT64_T, comm));
  PetscCallMPI(MPI_Allgatherv(cl, cnt[rank], MPI_INT32_T, c, cnt, dsp, MPI_INT32_T, comm));
  PetscCall(PetscMalloc3(N, &key, N, &keep, nstored, &old));
  PetscCall(PetscArraycpy(old, sp->hash, nstored));
  qsort(old, nstored, sizeof *old, cmp_u64);
  for (int64_t t = 0; t < N; t++) { key[t].h = h[t]; key[t].cplx = c[t]; key[t].t = t; keep[t] = 0; }
  qsort(key, N, sizeof *key, cmp_key);
  for (int64_t q = 0; q < N; q++)
    if (key[q].h && (q == 0 || key[q].h != key[q - 1].h) && !bsearch(&key[q].h, old, nstored, sizeof *old, cmp_u64)) keep[key[q].t] = 1;
  for (int64_t t = 0; t < N; t++) nkeep += keep[t];
  PetscCheck(sp->S + nkeep <= max_stored, comm, MS_ERR_USER,
             "sisso: rung %d keeps %lld features, more than -sisso_max_stored %lld allows to store; use a lower -sisso_rung, fewer -sisso_ops "
             "or raise -sisso_max_stored (memory %lld rows x 8 bytes per feature)", k, (long long)(sp->S + nkeep), (long long)max_stored, (long long)sp->n);
  for (int64_t t = 0; t < N; t++) {
    ms_sisso_recipe r;
    ms_sisso_unit   u;
    int32_t         cx;
    if (!keep[t]) continue;
    rung_decode(sp, L, S, t, &r);
    (void)space_eval_unit(sp, &r, v, &cx, &u);
    PetscCall(space_push(sp, &r, cx, h[t], &u, v));
  }
  sp->seg[k + 1]      = sp->S;
  res->n_candidates[k] = N;
  res->n_kept[k]       = nkeep;
  res->seconds[k]      = MPI_Wtime() - t0;
  PetscCall(ms_log(comm, "sisso: rung %d: %lld candidates, %lld kept (valid, new), %.4f s\n", k, (long long)N, (long long)nkeep, res->seconds[k]));
  PetscCall(PetscFree3(key, keep, old));
  PetscCall(PetscFree2(v, z));
  PetscCall(PetscFree4(h, c, hl, cl));
  PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_space_build(MPI_Comm comm, const ms_sisso_opts *o, int64_t n, int64_t p, const double *X, char *const *names,
                                    ms_sisso_space *sp, ms_sisso_result *res)
{
  ms_sisso_unit *u;
  double        *v, *z;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(sp, sizeof *sp));
  sp->n = n; sp->p = p; sp->R = o->rung; sp->names = names;
  for (int op = MS_SOP_SQ; op < MS_SOP_FIRST_BINARY; op++)
    if (o->ops & MS_SOP_BIT(op)) sp->un[sp->nun++] = op;
  for (int op = MS_SOP_FIRST_BINARY; op < MS_SOP_N; op++)
    if (o->ops & MS_SOP_BIT(op)) {
      sp->bin[sp->nbin++] = op;
      if (op == MS_SOP_DIV) sp->bin[sp->nbin++] = -MS_SOP_DIV;
    }
  PetscCall(PetscMalloc1(p, &u));
  PetscCall(ms_sisso_units_parse(comm, o->units, p, names, u));
  PetscCall(PetscMalloc2(n, &v, n, &z));
  /* rung 0: the primary features that are not constant and not duplicates */
  for (int64_t j = 0; j < p; j++) {
    ms_sisso_recipe r = {MS_SOP_PRIM, j, -1};
    uint64_t        hj;
    PetscBool       dup = PETSC_FALSE;
    for (int64_t i = 0; i < n; i++) v[i] = X[i * p + j];
    hj = ms_sisso_standardise(n, v, z);
    for (int64_t s = 0; s < sp->S; s++) dup = dup || sp->hash[s] == hj;
    if (!hj || dup) {
      PetscCall(ms_log(comm, "sisso: primary feature '%s' is %s and is not used\n", names[j], hj ? "a duplicate" : "constant"));
      continue;
    }
    PetscCall(space_push(sp, &r, 0, hj, &u[j], v));
  }
  PetscCheck(sp->S > 0, comm, MS_ERR_USER, "sisso: every primary feature is constant");
  sp->seg[1]          = sp->S;
  res->n_candidates[0] = p;
  res->n_kept[0]       = sp->S;
  for (int k = 1; k < sp->R; k++) PetscCall(space_add_rung(comm, sp, k, o->max_stored, res));
  if (sp->R >= 1) res->n_candidates[sp->R] = rung_count(sp, sp->seg[sp->R - 1], sp->seg[sp->R]);
  PetscCall(PetscFree2(v, z));
  PetscCall(PetscFree(u));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_space_free(ms_sisso_space *sp)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(sp->rec));
  PetscCall(PetscFree(sp->cplx));
  PetscCall(PetscFree(sp->hash));
  PetscCall(PetscFree(sp->unit));
  PetscCall(PetscFree(sp->V));
  PetscFunctionReturn(0);
}

/* ---- formulas ----------------------------------------------------------------------------- */

typedef struct { char *s; size_t n, cap; } strbuf;

static PetscErrorCode sb_add(strbuf *b, const char *t)
{
  size_t l = strlen(t);
  PetscFunctionBegin;
  if (b->n + l + 1 > b->cap) {
    b->cap = PetscMax(2 * b->cap, b->n + l + 64);
    PetscCall(PetscRealloc(b->cap, &b->s));
  }
  memcpy(b->s + b->n, t, l + 1);
  b->n += l;
  PetscFunctionReturn(0);
}

/* ctx 0: stands alone; 1: operand of + - * / (binary nodes get parentheses); 2: base of a
 * power (binary nodes and powers get parentheses). */
static PetscErrorCode fmt_node(const ms_sisso_space *sp, const ms_sisso_recipe *r, PetscBool rpn, int ctx, strbuf *b)
{
  const int       op  = r->op;
  const PetscBool pw  = op == MS_SOP_SQ || op == MS_SOP_CB || op == MS_SOP_INV;
  const PetscBool ari = op == MS_SOP_ADD || op == MS_SOP_SUB || op == MS_SOP_MUL || op == MS_SOP_DIV;
  const PetscBool wrap = (ctx >= 1 && ari) || (ctx == 2 && pw);
  const ms_sisso_recipe *A, *B;
  char tok[32];

  PetscFunctionBegin;
  if (op < 0) { PetscCall(fmt_node(sp, &sp->rec[r->a], rpn, ctx, b)); PetscFunctionReturn(0); }
  if (op == MS_SOP_PRIM) {
    if (rpn) { PetscCall(PetscSNPrintf(tok, sizeof tok, "f%lld", (long long)r->a)); PetscCall(sb_add(b, tok)); }
    else PetscCall(sb_add(b, sp->names[r->a]));
    PetscFunctionReturn(0);
  }
  A = &sp->rec[r->a];
  B = op >= MS_SOP_FIRST_BINARY ? &sp->rec[r->b] : NULL;
  if (rpn) {
    PetscCall(fmt_node(sp, A, rpn, 0, b));
    if (B) { PetscCall(sb_add(b, " ")); PetscCall(fmt_node(sp, B, rpn, 0, b)); }
    PetscCall(sb_add(b, " "));
    PetscCall(sb_add(b, ms_sisso_op_token(op)));
    PetscFunctionReturn(0);
  }
  if (wrap) PetscCall(sb_add(b, "("));
  switch (op) {
  case MS_SOP_SQ: case MS_SOP_CB: case MS_SOP_INV:
    PetscCall(fmt_node(sp, A, rpn, 2, b));
    PetscCall(sb_add(b, op == MS_SOP_SQ ? "^2" : op == MS_SOP_CB ? "^3" : "^-1"));
    break;
  case MS_SOP_SQRT: case MS_SOP_CBRT: case MS_SOP_EXP: case MS_SOP_LOG:
    PetscCall(sb_add(b, op == MS_SOP_SQRT ? "sqrt(" : op == MS_SOP_CBRT ? "cbrt(" : op == MS_SOP_EXP ? "exp(" : "log("));
    PetscCall(fmt_node(sp, A, rpn, 0, b));
    PetscCall(sb_add(b, ")"));
    break;
  case MS_SOP_NEXP:
    PetscCall(sb_add(b, "exp(-"));
    PetscCall(fmt_node(sp, A, rpn, 1, b));
    PetscCall(sb_add(b, ")"));
    break;
  case MS_SOP_ABS:
    PetscCall(sb_add(b, "|"));
    PetscCall(fmt_node(sp, A, rpn, 0, b));
    PetscCall(sb_add(b, "|"));
    break;
  default: /* binary */
    if (op == MS_SOP_ABSDIFF) PetscCall(sb_add(b, "|"));
    PetscCall(fmt_node(sp, A, rpn, 1, b));
    PetscCall(sb_add(b, op == MS_SOP_ADD ? "+" : op == MS_SOP_MUL ? "*" : op == MS_SOP_DIV ? "/" : "-"));
    PetscCall(fmt_node(sp, B, rpn, 1, b));
    if (op == MS_SOP_ABSDIFF) PetscCall(sb_add(b, "|"));
  }
  if (wrap) PetscCall(sb_add(b, ")"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_space_format(const ms_sisso_space *sp, const ms_sisso_recipe *r, PetscBool rpn, char **s)
{
  strbuf b = {NULL, 0, 0};
  PetscFunctionBegin;
  PetscCall(sb_add(&b, ""));
  PetscCall(fmt_node(sp, r, rpn, 1, &b)); /* a binary descriptor in parentheses: it is a factor in the model */
  *s = b.s;
  PetscFunctionReturn(0);
}
