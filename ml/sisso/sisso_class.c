/* sisso_class.c - SISSO for classification (Ouyang et al. 2018, sec. on classification):
 * a descriptor is good when the domains of the classes in its space overlap little. The
 * domain of a class is the convex hull of its training points (an interval for D = 1;
 * qhull's convex hull for D >= 2, as halfspaces n.x + o <= 0). The loss of a D-subset is
 * the number of training rows inside the domain of a class other than their own, plus, for
 * D = 1, the overlapping length of the class intervals as a fraction of the range (< 1, so it
 * only breaks ties). Screening scores each candidate by the same 1-D loss on the rows still
 * in an overlap region of the previous model (all rows at first). A class with fewer than
 * D + 1 points, or all on a hyperplane, has no D-dimensional hull and contains nothing. */
#include "sisso_impl.h"
#include <libqhull_r/qhull_ra.h>
#include <math.h>

/* Tolerance of the inside test, in standardised descriptor units. */
#define MS_SISSO_HULL_TOL 1e-10

PetscErrorCode ms_sisso_hulls_build(int D, int K, int64_t n, const double *const *cols, const int64_t *lab, FILE *errf, ms_sisso_hulls *h)
{
  double *pts;

  PetscFunctionBegin;
  h->D = D; h->K = K;
  PetscCall(PetscCalloc2(K, &h->nf, K, &h->f));
  PetscCall(PetscMalloc1(n * D, &pts));
  for (int c = 0; c < K; c++) {
    int64_t m = 0;
    for (int64_t i = 0; i < n; i++)
      if (lab[i] == c) {
        for (int d = 0; d < D; d++) pts[m * D + d] = cols[d][i];
        m++;
      }
    if (m < D + 1) continue;
    if (D == 1) {
      double lo = pts[0], hi = pts[0];
      for (int64_t i = 1; i < m; i++) { lo = PetscMin(lo, pts[i]); hi = PetscMax(hi, pts[i]); }
      if (!(hi > lo)) continue;
      h->nf[c] = 2;
      PetscCall(PetscMalloc1(4, &h->f[c]));
      h->f[c][0] = -1.0; h->f[c][1] = lo;  /* -x + lo <= 0 */
      h->f[c][2] = 1.0;  h->f[c][3] = -hi; /*  x - hi <= 0 */
    } else {
      qhT    qh_qh, *qh = &qh_qh;
      char   cmd[] = "qhull Qt";
      int    curlong, totlong, exitcode;
      facetT *facet;
      qh_zero(qh, errf);
      exitcode = qh_new_qhull(qh, D, (int)m, pts, False, cmd, NULL, errf);
      if (!exitcode) {
        int nf = 0, q = 0;
        FORALLfacets nf++;
        PetscCall(PetscMalloc1(nf * (D + 1), &h->f[c]));
        FORALLfacets {
          for (int d = 0; d < D; d++) h->f[c][q * (D + 1) + d] = facet->normal[d];
          h->f[c][q * (D + 1) + D] = facet->offset;
          q++;
        }
        h->nf[c] = nf;
      }
      qh_freeqhull(qh, !qh_ALL);
      qh_memfreeshort(qh, &curlong, &totlong);
    }
  }
  PetscCall(PetscFree(pts));
  PetscFunctionReturn(0);
}

PetscBool ms_sisso_hulls_inside(const ms_sisso_hulls *h, int c, const double *x)
{
  const int D = h->D;
  if (!h->nf[c]) return PETSC_FALSE;
  for (int q = 0; q < h->nf[c]; q++) {
    const double *f = h->f[c] + q * (D + 1);
    double        s = f[D];
    for (int d = 0; d < D; d++) s += f[d] * x[d];
    if (s > MS_SISSO_HULL_TOL) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

PetscErrorCode ms_sisso_hulls_free(ms_sisso_hulls *h)
{
  PetscFunctionBegin;
  for (int c = 0; c < h->K && h->f; c++) PetscCall(PetscFree(h->f[c]));
  PetscCall(PetscFree2(h->nf, h->f));
  PetscFunctionReturn(0);
}

/* Rows (active ones, or all when active is NULL) inside the domain of another class; flags
 * them in in_overlap when given. */
static int64_t hull_overlap(const ms_sisso_hulls *h, int64_t n, const double *const *cols, const int64_t *lab, const char *active, char *in_overlap)
{
  int64_t cnt = 0;
  double  x[MS_SISSO_MAX_DIM];
  for (int64_t i = 0; i < n; i++) {
    PetscBool in = PETSC_FALSE;
    if (in_overlap) in_overlap[i] = 0;
    if (active && !active[i]) continue;
    for (int d = 0; d < h->D; d++) x[d] = cols[d][i];
    for (int c = 0; c < h->K && !in; c++) in = c != lab[i] && ms_sisso_hulls_inside(h, c, x);
    if (in) { cnt++; if (in_overlap) in_overlap[i] = 1; }
  }
  return cnt;
}

double ms_sisso_overlap_1d(const ms_sisso_cls *cls, int64_t n, const double *z)
{
  double  lo[64], hi[64], len = 0.0, zmin = PETSC_INFINITY, zmax = -PETSC_INFINITY;
  int64_t cnt = 0;
  const int K = cls->K;

  for (int c = 0; c < K; c++) { lo[c] = PETSC_INFINITY; hi[c] = -PETSC_INFINITY; }
  for (int64_t i = 0; i < n; i++) {
    const int64_t c = cls->lab[i];
    lo[c] = PetscMin(lo[c], z[i]); hi[c] = PetscMax(hi[c], z[i]);
    zmin = PetscMin(zmin, z[i]); zmax = PetscMax(zmax, z[i]);
  }
  for (int64_t i = 0; i < n; i++) {
    if (cls->active && !cls->active[i]) continue;
    for (int c = 0; c < K; c++)
      if (c != cls->lab[i] && hi[c] > lo[c] && z[i] >= lo[c] - MS_SISSO_HULL_TOL && z[i] <= hi[c] + MS_SISSO_HULL_TOL) { cnt++; break; }
  }
  for (int a = 0; a < K; a++)
    for (int b = a + 1; b < K; b++) len += PetscMax(0.0, PetscMin(hi[a], hi[b]) - PetscMax(lo[a], lo[b]));
  len /= (zmax - zmin) * (K * (K - 1) / 2) + 1e-300;
  return (double)cnt + round(PetscMin(len, 0.999999) * 1e12) * 1e-12;
}

/* l0 loss of a subset of the standardised columns Z: rows in another class's domain.
 * Two descriptors that are monotone functions of each other (x3/x1 and x1/x3) put every row
 * on a curve, and on a convex curve no point is inside the hull of others: the overlap count
 * would be 0 whatever the classes. Such subsets (|Spearman rank correlation| > 0.999, from
 * the ranks R of every column) are skipped. */
typedef struct { int64_t n; const double *Z; const double *R; const ms_sisso_cls *cls; FILE *errf; PetscErrorCode err; } l0_cls;

static PetscBool monotone_pair(const l0_cls *c, int64_t a, int64_t b)
{
  const double *ra = c->R + a * c->n, *rb = c->R + b * c->n, m = 0.5 * (double)(c->n - 1);
  double        sab = 0.0, saa = 0.0;
  for (int64_t i = 0; i < c->n; i++) { sab += (ra[i] - m) * (rb[i] - m); saa += (ra[i] - m) * (ra[i] - m); }
  return fabs(sab) > 0.999 * saa ? PETSC_TRUE : PETSC_FALSE; /* ranks are a permutation: the same variance */
}

typedef struct { double key; int64_t row; } rank_item;
static int cmp_rank(const void *x, const void *y)
{
  const rank_item *a = x, *b = y;
  if (a->key != b->key) return a->key < b->key ? -1 : 1;
  return (a->row > b->row) - (a->row < b->row);
}

static double l0_cls_loss(void *ctx, int D, const int64_t *s)
{
  l0_cls        *c = (l0_cls *)ctx;
  const double  *cols[MS_SISSO_MAX_DIM];
  ms_sisso_hulls h;
  double         loss;

  if (D == 1) {
    ms_sisso_cls all = *c->cls;
    all.active = NULL;
    return ms_sisso_overlap_1d(&all, c->n, c->Z + s[0] * c->n);
  }
  for (int a = 0; a < D; a++)
    for (int b = a + 1; b < D; b++)
      if (monotone_pair(c, s[a], s[b])) return PETSC_INFINITY;
  for (int d = 0; d < D; d++) cols[d] = c->Z + s[d] * c->n;
  if ((c->err = ms_sisso_hulls_build(D, c->cls->K, c->n, cols, c->cls->lab, c->errf, &h))) return PETSC_INFINITY;
  loss = (double)hull_overlap(&h, c->n, cols, c->cls->lab, NULL, NULL);
  c->err = ms_sisso_hulls_free(&h);
  return loss;
}

PetscErrorCode ms_sisso_l0_class(MPI_Comm comm, int64_t n, int64_t M, const double *Z, const ms_sisso_cls *cls, int D, int64_t *best, double *loss,
                                 int64_t *n_subsets)
{
  l0_cls   ctx = {n, Z, NULL, cls, NULL, 0};
  double    *R;
  rank_item *idx;

  PetscFunctionBegin;
  PetscCheck(cls->K <= 64, comm, MS_ERR_USER, "sisso classification: %d classes; at most 64", cls->K);
  PetscCall(PetscMalloc2(M * n, &R, n, &idx));
  for (int64_t a = 0; a < M; a++) { /* ordinal ranks, ties by row: the same on every rank */
    for (int64_t i = 0; i < n; i++) { idx[i].key = Z[a * n + i]; idx[i].row = i; }
    qsort(idx, n, sizeof *idx, cmp_rank);
    for (int64_t i = 0; i < n; i++) R[a * n + idx[i].row] = (double)i;
  }
  ctx.R = R;
  ctx.errf = fopen("/dev/null", "w"); /* qhull reports degenerate classes there; they simply have no hull */
  PetscCall(ms_sisso_l0_search(comm, M, D, l0_cls_loss, &ctx, best, loss, n_subsets));
  if (ctx.errf) fclose(ctx.errf);
  PetscCall(PetscFree2(R, idx));
  PetscCall(ctx.err);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_sisso_class_domains(int64_t n, int D, const double *const *cols, const ms_sisso_cls *cls, ms_sisso_hulls *h, char *in_overlap,
                                      int64_t *n_overlap)
{
  FILE *errf = fopen("/dev/null", "w");
  PetscFunctionBegin;
  PetscCall(ms_sisso_hulls_build(D, cls->K, n, cols, cls->lab, errf, h));
  if (errf) fclose(errf);
  *n_overlap = hull_overlap(h, n, cols, cls->lab, NULL, in_overlap);
  PetscFunctionReturn(0);
}
