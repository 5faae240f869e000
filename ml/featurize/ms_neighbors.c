/* ms_neighbors.c - periodic neighbour lists by a cell list.
 *
 * Every site is paired with every periodic image of every site within the cutoff. The image
 * points needed are exactly those whose fractional coordinate along lattice direction k lies
 * in [-cutoff/w_k, 1 + cutoff/w_k], where w_k = V / |a_l x a_m| is the perpendicular width of
 * the cell across direction k: a skewed cell needs more images along its thin directions.
 * Those points are binned into cubic Cartesian bins of side >= cutoff, and each home site
 * looks at its own and the 26 adjacent bins: O(N) work for a fixed density.
 */
#include "ms_featurize.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int64_t j;
  int     img[3];
  double  d;
} pair_t;

static int cmp_pair(const void *a, const void *b)
{
  const pair_t *x = a, *y = b;
  if (x->d != y->d) return x->d < y->d ? -1 : 1;
  if (x->j != y->j) return x->j < y->j ? -1 : 1;
  for (int k = 0; k < 3; k++)
    if (x->img[k] != y->img[k]) return x->img[k] < y->img[k] ? -1 : 1;
  return 0;
}

static void cross(const double *u, const double *v, double *w)
{
  w[0] = u[1] * v[2] - u[2] * v[1];
  w[1] = u[2] * v[0] - u[0] * v[2];
  w[2] = u[0] * v[1] - u[1] * v[0];
}

PetscErrorCode ms_neighbors_build(const ms_crystal c, double cutoff, ms_neighbors *nb)
{
  int64_t n = c->n, np = 0, cap;
  double *pts = NULL;
  int64_t *src = NULL;
  int     *img = NULL;
  PetscFunctionBegin;
  memset(nb, 0, sizeof *nb);
  PetscCheck(cutoff > 0 && isfinite(cutoff), PETSC_COMM_SELF, MS_ERR_USER, "neighbour cutoff must be positive, got %g", cutoff);
  nb->n_sites = n;

  /* 1. The image points (source site, image offset, Cartesian position). */
  int lo[3] = {0, 0, 0}, hi[3] = {0, 0, 0};
  double pad[3] = {0, 0, 0};
  if (c->periodic) {
    double V = ms_crystal_volume(c);
    for (int k = 0; k < 3; k++) {
      double w[3];
      cross(c->lattice[(k + 1) % 3], c->lattice[(k + 2) % 3], w);
      pad[k] = cutoff / (V / sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]));
      lo[k]  = -(int)ceil(pad[k]);
      hi[k]  = (int)ceil(pad[k]);
    }
  }
  cap = n * (int64_t)(hi[0] - lo[0] + 1) * (hi[1] - lo[1] + 1) * (hi[2] - lo[2] + 1);
  PetscCheck(cap < ((int64_t)1 << 31), PETSC_COMM_SELF, MS_ERR_USER, "neighbour cutoff %g A needs %lld periodic images of %s: too many (use a smaller cutoff)", cutoff,
             (long long)cap, c->id ? c->id : "the structure");
  PetscCall(PetscMalloc3(3 * cap, &pts, cap, &src, 3 * cap, &img));
  for (int t0 = lo[0]; t0 <= hi[0]; t0++)
    for (int t1 = lo[1]; t1 <= hi[1]; t1++)
      for (int t2 = lo[2]; t2 <= hi[2]; t2++)
        for (int64_t a = 0; a < n; a++) {
          const int t[3] = {t0, t1, t2};
          double    f[3] = {0, 0, 0};
          int       keep = 1;
          if (c->periodic)
            for (int k = 0; k < 3; k++) {
              f[k] = c->frac[3 * a + k] + t[k];
              keep = keep && f[k] >= -pad[k] && f[k] <= 1 + pad[k];
            }
          if (!keep) continue;
          for (int k = 0; k < 3; k++) {
            pts[3 * np + k] = c->periodic ? f[0] * c->lattice[0][k] + f[1] * c->lattice[1][k] + f[2] * c->lattice[2][k] : c->cart[3 * a + k];
            img[3 * np + k] = t[k];
          }
          src[np++] = a;
        }

  /* 2. Bin them: side >= cutoff, grown when the bounding box would need too many bins. */
  double bmin[3], bmax[3], side = cutoff;
  for (int k = 0; k < 3; k++) bmin[k] = bmax[k] = pts[k];
  for (int64_t p = 0; p < np; p++)
    for (int k = 0; k < 3; k++) {
      bmin[k] = PetscMin(bmin[k], pts[3 * p + k]);
      bmax[k] = PetscMax(bmax[k], pts[3 * p + k]);
    }
  int64_t nbin[3], total;
  for (;;) {
    total = 1;
    for (int k = 0; k < 3; k++) {
      nbin[k] = (int64_t)floor((bmax[k] - bmin[k]) / side) + 1;
      total *= nbin[k];
    }
    if (total <= 8 * np + 64) break;
    side *= 1.5;
  }
  int64_t *head, *next;
  PetscCall(PetscMalloc2(total, &head, np, &next));
  for (int64_t b = 0; b < total; b++) head[b] = -1;
  int64_t *bin_of;
  PetscCall(PetscMalloc1(3 * np, &bin_of));
  for (int64_t p = 0; p < np; p++) {
    int64_t b[3];
    for (int k = 0; k < 3; k++) b[k] = PetscMin(nbin[k] - 1, (int64_t)floor((pts[3 * p + k] - bmin[k]) / side));
    for (int k = 0; k < 3; k++) bin_of[3 * p + k] = b[k];
    int64_t id = (b[2] * nbin[1] + b[1]) * nbin[0] + b[0];
    next[p]  = head[id];
    head[id] = p;
  }

  /* 3. Pairs of every home site (image 0,0,0 of site i). */
  pair_t *pr = NULL;
  int64_t npr = 0, cpr = 0;
  PetscCall(PetscMalloc1(n + 1, &nb->start));
  int64_t *home;
  PetscCall(PetscMalloc1(n, &home));
  for (int64_t p = 0; p < np; p++)
    if (!img[3 * p] && !img[3 * p + 1] && !img[3 * p + 2]) home[src[p]] = p;
  const double c2 = cutoff * cutoff;
  for (int64_t i = 0; i < n; i++) {
    int64_t p = home[i], first = npr;
    nb->start[i] = npr;
    for (int64_t z = bin_of[3 * p + 2] - 1; z <= bin_of[3 * p + 2] + 1; z++)
      for (int64_t y = bin_of[3 * p + 1] - 1; y <= bin_of[3 * p + 1] + 1; y++)
        for (int64_t x = bin_of[3 * p] - 1; x <= bin_of[3 * p] + 1; x++) {
          if (x < 0 || y < 0 || z < 0 || x >= nbin[0] || y >= nbin[1] || z >= nbin[2]) continue;
          for (int64_t q = head[(z * nbin[1] + y) * nbin[0] + x]; q >= 0; q = next[q]) {
            if (q == p) continue;
            double d2 = 0;
            for (int k = 0; k < 3; k++) d2 += (pts[3 * q + k] - pts[3 * p + k]) * (pts[3 * q + k] - pts[3 * p + k]);
            if (d2 > c2) continue;
            if (npr == cpr) {
              cpr = cpr ? 2 * cpr : 1024;
              PetscCall(PetscRealloc(sizeof(pair_t) * (size_t)cpr, &pr));
            }
            pr[npr++] = (pair_t){src[q], {img[3 * q], img[3 * q + 1], img[3 * q + 2]}, sqrt(d2)};
          }
        }
    qsort(pr + first, (size_t)(npr - first), sizeof(pair_t), cmp_pair);
  }
  nb->start[n] = npr;
  nb->n_pairs  = npr;
  PetscCall(PetscMalloc3(npr + 1, &nb->j, 3 * npr + 1, &nb->image, npr + 1, &nb->d));
  for (int64_t k = 0; k < npr; k++) {
    nb->j[k] = pr[k].j;
    nb->d[k] = pr[k].d;
    for (int m = 0; m < 3; m++) nb->image[3 * k + m] = pr[k].img[m];
  }
  PetscCall(PetscFree(pr));
  PetscCall(PetscFree(home));
  PetscCall(PetscFree(bin_of));
  PetscCall(PetscFree2(head, next));
  PetscCall(PetscFree3(pts, src, img));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_neighbors_free(ms_neighbors *nb)
{
  PetscFunctionBegin;
  PetscCall(PetscFree(nb->start));
  PetscCall(PetscFree3(nb->j, nb->image, nb->d));
  memset(nb, 0, sizeof *nb);
  PetscFunctionReturn(0);
}
