/* kan_symbolic.c - symbolic snapping of KAN edges and the network's formula (ms_kan.h).
 *
 * Each edge is fitted by c f(a x + b) + d like pykan's fit_params: x is first mapped to
 * u in [-1, 1] over the edge's input range, so one (a, b) grid suits every range; the grid
 * search maximises R^2 = corr(f(a u + b), y)^2 (c and d drop out of the correlation) and zooms
 * in around the best point; c, d then come from linear least squares (LAPACKE_dgels) and
 * (a, b) are mapped back to x. Complexity (pykan's idea): a function emulates a simpler one
 * in a limit (cos(a u + pi/2) -> x^2 as a -> 0, tanh(a u + b) -> exp as b -> -inf), so among
 * fits within tol of the best R^2 the least complex wins. */
#include "ms_kan.h"
#include "ms_report.h"
#include <lapacke.h>
#include <math.h>

typedef struct {
  const char *name;
  int         complexity;
  const char *fmt; /* how the function prints around its argument (%s) */
} symfn;

/* Complexity tiers: each function is more complex than those it can emulate in a limit of
 * (a, b): x (abs, exp, sin, ... near-linear), x^2 (x^3 with b >> a, sin near a maximum). */
static const symfn lib[] = {
  {"0", 0, "0"},         {"x", 1, "%s"},           {"x^2", 2, "(%s)^2"},   {"x^3", 3, "(%s)^3"},        {"x^4", 4, "(%s)^4"},
  {"1/x", 3, "1/(%s)"},  {"1/x^2", 4, "1/(%s)^2"}, {"sqrt", 3, "sqrt(%s)"}, {"exp", 4, "exp(%s)"},       {"log", 4, "log(%s)"},
  {"sin", 4, "sin(%s)"}, {"tanh", 5, "tanh(%s)"},  {"abs", 5, "abs(%s)"},   {"gaussian", 5, "exp(-(%s)^2)"}, {"arctan", 5, "arctan(%s)"},
};
#define NLIB ((int)(sizeof lib / sizeof lib[0]))

int         ms_kan_symbolic_count(void) { return NLIB; }
const char *ms_kan_symbolic_name(int f) { return f == MS_KAN_SPLINE ? "spline" : lib[f].name; }

double ms_kan_symbolic_eval(int f, double u)
{
  switch (f) {
  case 0: return 0.0;
  case 1: return u;
  case 2: return u * u;
  case 3: return u * u * u;
  case 4: return u * u * u * u;
  case 5: return 1.0 / u;
  case 6: return 1.0 / (u * u);
  case 7: return sqrt(u);
  case 8: return exp(u);
  case 9: return log(u);
  case 10: return sin(u);
  case 11: return tanh(u);
  case 12: return fabs(u);
  case 13: return exp(-u * u);
  default: return atan(u);
  }
}

double ms_kan_symbolic_deriv(int f, double u)
{
  switch (f) {
  case 0: return 0.0;
  case 1: return 1.0;
  case 2: return 2.0 * u;
  case 3: return 3.0 * u * u;
  case 4: return 4.0 * u * u * u;
  case 5: return -1.0 / (u * u);
  case 6: return -2.0 / (u * u * u);
  case 7: return 0.5 / sqrt(u);
  case 8: return exp(u);
  case 9: return 1.0 / u;
  case 10: return cos(u);
  case 11: return 1.0 - tanh(u) * tanh(u);
  case 12: return u > 0 ? 1.0 : u < 0 ? -1.0 : 0.0;
  case 13: return -2.0 * u * exp(-u * u);
  default: return 1.0 / (1.0 + u * u);
  }
}

PetscErrorCode ms_kan_symbolic_parse(MPI_Comm comm, const char *list, unsigned *mask)
{
  char  *s, *tok, *save = NULL;
  size_t len;

  PetscFunctionBegin;
  *mask = 0;
  if (!strcmp(list, "auto")) {
    *mask = (1u << NLIB) - 1u;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscStrallocpy(list, &s));
  for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    int f = -1;
    for (int q = 0; q < NLIB; q++)
      if (!strcmp(tok, lib[q].name)) f = q;
    if (f < 0) {
      char known[512] = "", bad[64];
      PetscCall(PetscStrncpy(bad, tok, sizeof bad));
      for (int q = 0; q < NLIB; q++) {
        PetscCall(PetscStrlen(known, &len));
        PetscCall(PetscSNPrintf(known + len, sizeof known - len, "%s%s", q ? ", " : "", lib[q].name));
      }
      PetscCall(PetscFree(s));
      SETERRQ(comm, MS_ERR_USER, "-kan_snap: unknown function '%s'; give 'auto' or a comma-separated list of: %s", bad, known);
    }
    *mask |= 1u << f;
  }
  PetscCall(PetscFree(s));
  PetscCheck(*mask, comm, MS_ERR_USER, "-kan_snap: empty function list '%s'", list);
  PetscFunctionReturn(0);
}

/* R^2 of the best line through (z, y): corr(z, y)^2; -1 when z is not finite or constant. */
static double corr2(int n, const double *z, const double *y, double ym, double syy)
{
  double zm = 0.0, szz = 0.0, szy = 0.0;
  for (int r = 0; r < n; r++) {
    if (!isfinite(z[r])) return -1.0;
    zm += z[r];
  }
  zm /= n;
  for (int r = 0; r < n; r++) {
    szz += (z[r] - zm) * (z[r] - zm);
    szy += (z[r] - zm) * (y[r] - ym);
  }
  if (!(szz > 1e-24 * n * (1.0 + zm * zm))) return -1.0;
  return szy * szy / (szz * syy);
}

/* Best (a, b) for f on the standardised inputs u: a 41 x 41 grid over [-10, 10]^2, then three
 * zooms of the same grid around the best point. Returns its R^2 (-1: no finite fit). */
static double search_ab(int f, int n, const double *u, const double *y, double ym, double syy, double *z, double *a, double *b)
{
  const int ng = 41;
  double    ac = 0.0, bc = 0.0, half = 10.0, best = -1.0;

  if (f == 1) { /* x: the affine map is absorbed by c, d */
    *a = 1.0; *b = 0.0;
    return corr2(n, u, y, ym, syy);
  }
  for (int it = 0; it < 4; it++) {
    const double step = 2.0 * half / (ng - 1), a0 = ac, b0 = bc;
    for (int ia = 0; ia < ng; ia++)
      for (int ib = 0; ib < ng; ib++) {
        const double aa = a0 - half + ia * step, bb = b0 - half + ib * step;
        double       r2;
        if (aa == 0.0) continue;
        for (int r = 0; r < n; r++) z[r] = ms_kan_symbolic_eval(f, aa * u[r] + bb);
        r2 = corr2(n, z, y, ym, syy);
        if (r2 > best) { best = r2; ac = aa; bc = bb; }
      }
    if (best < 0) return -1.0;
    half = step;
  }
  *a = ac; *b = bc;
  return best;
}

PetscErrorCode ms_kan_symbolic_fit(int n, const double *x, const double *y, const ms_kan_snap_opts *o, int *fn, double *p)
{
  double *u, *z, *M, *rhs, ym = 0.0, syy = 0.0, xlo = PETSC_INFINITY, xhi = -PETSC_INFINITY, mid, hw, r2[32], ab[64];
  int     pick = -1;

  PetscFunctionBegin;
  for (int r = 0; r < n; r++) {
    ym += y[r];
    xlo = PetscMin(xlo, x[r]);
    xhi = PetscMax(xhi, x[r]);
  }
  ym /= n;
  for (int r = 0; r < n; r++) syy += (y[r] - ym) * (y[r] - ym);
  if (!(syy > 1e-24 * n * (1.0 + ym * ym)) || !(xhi > xlo)) { /* a constant edge */
    *fn = 0;
    p[0] = p[1] = p[2] = 0.0; p[3] = ym; p[4] = 1.0;
    PetscFunctionReturn(0);
  }
  mid = 0.5 * (xlo + xhi);
  hw  = 0.5 * (xhi - xlo);
  PetscCall(PetscMalloc4(n, &u, n, &z, 2 * n, &M, n, &rhs));
  for (int r = 0; r < n; r++) u[r] = (x[r] - mid) / hw;
  for (int f = 0; f < NLIB; f++) {
    r2[f] = -1.0;
    if (f > 0 && (o->lib >> f & 1u)) r2[f] = search_ab(f, n, u, y, ym, syy, z, &ab[2 * f], &ab[2 * f + 1]);
  }
  { /* the simplest function within tol of the best R^2; ties in complexity by R^2 */
    double best = -1.0;
    for (int f = 1; f < NLIB; f++) best = PetscMax(best, r2[f]);
    for (int f = 1; f < NLIB; f++)
      if (r2[f] >= 0 && r2[f] >= best - o->tol &&
          (pick < 0 || lib[f].complexity < lib[pick].complexity || (lib[f].complexity == lib[pick].complexity && r2[f] > r2[pick])))
        pick = f;
  }
  if (pick < 0) { /* nothing finite: keep the spline */
    *fn = MS_KAN_SPLINE;
    p[0] = p[1] = p[2] = p[3] = 0.0; p[4] = -1.0;
    PetscCall(PetscFree4(u, z, M, rhs));
    PetscFunctionReturn(0);
  }
  { /* c, d by least squares on [f(a u + b), 1] */
    const double a = ab[2 * pick], b = ab[2 * pick + 1];
    double       ss = 0.0;
    lapack_int   info;
    for (int r = 0; r < n; r++) {
      M[2 * r]     = ms_kan_symbolic_eval(pick, a * u[r] + b);
      M[2 * r + 1] = 1.0;
      rhs[r]       = y[r];
    }
    info = LAPACKE_dgels(LAPACK_ROW_MAJOR, 'N', n, 2, 1, M, 2, rhs, 1);
    PetscCheck(info == 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "kan snapping: LAPACKE_dgels failed (info %d)", (int)info);
    p[0] = a / hw; /* a u + b = (a / hw) x + (b - a mid / hw) */
    p[1] = b - a * mid / hw;
    p[2] = rhs[0];
    p[3] = rhs[1];
    for (int r = 0; r < n; r++) {
      const double e = p[2] * ms_kan_symbolic_eval(pick, p[0] * x[r] + p[1]) + p[3] - y[r];
      ss += e * e;
    }
    p[4] = 1.0 - ss / syy;
    *fn  = pick;

  }
  PetscCall(PetscFree4(u, z, M, rhs));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_snap(ms_kan *net, MPI_Comm comm, const ms_kan_snap_opts *o, int64_t *n_snapped)
{
  const int     ns = 101; /* samples per edge, uniform over the input node's training range */
  const int64_t E  = ms_kan_edge_offset(net, net->n_layers);
  PetscMPIInt   rank, size;
  double       *buf, x[101], y[101];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(PetscCalloc1(6 * E, &buf)); /* per edge: fn, a, b, c, d, R^2; rows of other ranks stay 0 */
  for (int l = 0; l < net->n_layers; l++) {
    const int ni = net->widths[l], no = net->widths[l + 1], go = ms_kan_node_offset(net, l);
    for (int i = 0; i < ni; i++)
      for (int j = 0; j < no; j++) {
        const int64_t e = ms_kan_edge_offset(net, l) + (int64_t)i * no + j;
        int           fn;
        if (e % size != rank) continue; /* edges on rank e mod P */
        if (net->edge_l1[e] == 0.0) {   /* pruned: phi = 0 exactly */
          buf[6 * e] = 0; buf[6 * e + 5] = 1.0;
          continue;
        }
        for (int r = 0; r < ns; r++) {
          x[r] = net->act_lo[go + i] + (net->act_hi[go + i] - net->act_lo[go + i]) * r / (ns - 1);
          y[r] = ms_kan_edge_eval(net, l, i, j, x[r], PETSC_FALSE);
        }
        PetscCall(ms_kan_symbolic_fit(ns, x, y, o, &fn, buf + 6 * e + 1));
        buf[6 * e] = fn;
      }
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf, (PetscMPIInt)(6 * E), MPI_DOUBLE, MPI_SUM, comm));
  *n_snapped = 0;
  for (int64_t e = 0; e < E; e++) {
    const int fn = (int)buf[6 * e];
    PetscCall(PetscArraycpy(net->sym + 5 * e, buf + 6 * e + 1, 5));
    net->sym_fn[e] = (fn != MS_KAN_SPLINE && buf[6 * e + 5] >= o->r2_min) ? fn : MS_KAN_SPLINE;
    if (net->sym_fn[e] != MS_KAN_SPLINE) (*n_snapped)++;
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

/* ---- the formula: each node an affine combination k + sum coef_t term_t of printed terms ---- */
typedef struct {
  double  k;
  int     n, cap;
  double *coef;
  char  **term;
} expr;

static PetscErrorCode expr_add(expr *E, double c, const char *term)
{
  PetscFunctionBegin;
  for (int t = 0; t < E->n; t++)
    if (!strcmp(E->term[t], term)) { /* the same term from two edges: one coefficient */
      E->coef[t] += c;
      PetscFunctionReturn(0);
    }
  if (E->n == E->cap) {
    double *coef;
    char  **tm;
    E->cap = PetscMax(8, 2 * E->cap);
    PetscCall(PetscMalloc2(E->cap, &coef, E->cap, &tm));
    if (E->n) {
      PetscCall(PetscArraycpy(coef, E->coef, E->n));
      PetscCall(PetscArraycpy(tm, E->term, E->n));
    }
    PetscCall(PetscFree2(E->coef, E->term));
    E->coef = coef;
    E->term = tm;
  }
  E->coef[E->n] = c;
  PetscCall(PetscStrallocpy(term, &E->term[E->n]));
  E->n++;
  PetscFunctionReturn(0);
}

static PetscErrorCode expr_free(expr *E)
{
  PetscFunctionBegin;
  for (int t = 0; t < E->n; t++) PetscCall(PetscFree(E->term[t]));
  PetscCall(PetscFree2(E->coef, E->term));
  PetscCall(PetscMemzero(E, sizeof *E));
  PetscFunctionReturn(0);
}

/* a E + b printed: "k + c1*t1 - c2*t2 ...", terms with coefficient 0 left out. */
static PetscErrorCode expr_print(const expr *E, double a, double b, ms_text *out)
{
  PetscBool first = PETSC_TRUE;

  PetscFunctionBegin;
  if (a * E->k + b != 0.0 || E->n == 0) {
    PetscCall(ms_text_printf(out, "%.12g", a * E->k + b));
    first = PETSC_FALSE;
  }
  for (int t = 0; t < E->n; t++) {
    const double c = a * E->coef[t];
    if (c == 0.0) continue;
    if (first) PetscCall(ms_text_printf(out, "%s%.12g*%s", c < 0 ? "-" : "", fabs(c), E->term[t]));
    else PetscCall(ms_text_printf(out, " %c %.12g*%s", c < 0 ? '-' : '+', fabs(c), E->term[t]));
    first = PETSC_FALSE;
  }
  if (first) PetscCall(ms_text_printf(out, "0"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_kan_formula(const ms_kan *net, char *const *features, const char *target, char **text)
{
  expr   *cur, *nxt;
  ms_text out = {0};

  PetscFunctionBegin;
  PetscCall(PetscCalloc2(MS_KAN_MAX_WIDTH, &cur, MS_KAN_MAX_WIDTH, &nxt));
  for (int i = 0; i < net->widths[0]; i++) PetscCall(expr_add(&cur[i], 1.0, features[i]));
  for (int l = 0; l < net->n_layers; l++) {
    const int ni = net->widths[l], no = net->widths[l + 1];
    for (int i = 0; i < ni; i++)
      for (int j = 0; j < no; j++) {
        const int64_t e  = ms_kan_edge_offset(net, l) + (int64_t)i * no + j;
        const int     fn = net->sym_fn[e];
        const double *q  = net->sym + 5 * e;
        ms_text       arg = {0}, term = {0};
        if (fn == 0) { nxt[j].k += q[3]; continue; }
        if (fn == 1) { /* c (a E + b) + d folds into the next node */
          nxt[j].k += q[2] * (q[0] * cur[i].k + q[1]) + q[3];
          for (int t = 0; t < cur[i].n; t++) PetscCall(expr_add(&nxt[j], q[2] * q[0] * cur[i].coef[t], cur[i].term[t]));
          continue;
        }
        if (fn == MS_KAN_SPLINE) { /* not snapped: the spline, named by its edge */
          PetscCall(expr_print(&cur[i], 1.0, 0.0, &arg));
          PetscCall(ms_text_printf(&term, "spline_%d_%d_%d(%s)", l + 1, i + 1, j + 1, arg.s));
          PetscCall(expr_add(&nxt[j], 1.0, term.s));
        } else if (!strcmp(lib[fn].name, "exp")) { /* c exp(K + rest) = (c e^K) exp(rest): one constant fewer */
          const double K = q[0] * cur[i].k + q[1];
          PetscCall(expr_print(&cur[i], q[0], -(q[0] * cur[i].k), &arg)); /* constant exactly 0 */
          PetscCall(ms_text_printf(&term, lib[fn].fmt, arg.s));
          PetscCall(expr_add(&nxt[j], q[2] * exp(K), term.s));
          nxt[j].k += q[3];
        } else {
          PetscCall(expr_print(&cur[i], q[0], q[1], &arg));
          PetscCall(ms_text_printf(&term, lib[fn].fmt, arg.s));
          PetscCall(expr_add(&nxt[j], q[2], term.s));
          nxt[j].k += q[3];
        }
        PetscCall(ms_text_free(&arg));
        PetscCall(ms_text_free(&term));
      }
    for (int i = 0; i < ni; i++) PetscCall(expr_free(&cur[i]));
    for (int j = 0; j < no; j++) { /* cur takes over nxt's arrays */
      cur[j] = nxt[j];
      PetscCall(PetscMemzero(&nxt[j], sizeof nxt[j]));
    }
  }
  /* the network predicts the standardised target: y = y_mean + y_std out */
  PetscCall(ms_text_printf(&out, "%s = ", target ? target : "y"));
  PetscCall(expr_print(&cur[0], net->y_std, net->y_mean, &out));
  PetscCall(expr_free(&cur[0]));
  PetscCall(PetscFree2(cur, nxt));
  *text = out.s;
  PetscFunctionReturn(0);
}
