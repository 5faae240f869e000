/* ms_voronoi.c - solid-angle weighted Voronoi coordination numbers (pymatgen's VoronoiNN,
 * weight = 'solid_angle', the "effective" CN matminer reports).
 *
 * For site i, qhull ("v Qbb Qz") computes the Delaunay triangulation of the site and its
 * periodic neighbours within a radius R; the Voronoi vertices of the site are the
 * circumcentres of the Delaunay cells that contain it (qh_setvoronoi_all; cospherical
 * points are merged into one cell, so cubic structures give one vertex, not several) and
 * the face shared with neighbour k holds the vertices of the cells containing both. The
 * cell is exact when it is bounded and R >= 2 max|v| (a point p can cut the cell only if it
 * is closer to some vertex v than the site is, i.e. |p| < 2|v|); otherwise R grows by 1.5.
 * The solid angle of a face is summed over a fan of triangles (Van Oosterom-Strackee).
 */
#include "ms_featurize.h"
#include <libqhull_r/qhull_ra.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int    k;     /* neighbour point index */
  double v[3];  /* a vertex of the face */
} face_vertex;

static int cmp_fv(const void *a, const void *b)
{
  const face_vertex *x = a, *y = b;
  return (x->k > y->k) - (x->k < y->k);
}

/* Solid angle subtended at the origin by the triangle (a, b, c). */
static double tri_solid_angle(const double *a, const double *b, const double *c)
{
  double bc[3] = {b[1] * c[2] - b[2] * c[1], b[2] * c[0] - b[0] * c[2], b[0] * c[1] - b[1] * c[0]};
  double num = fabs(a[0] * bc[0] + a[1] * bc[1] + a[2] * bc[2]);
  double la = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]), lb = sqrt(b[0] * b[0] + b[1] * b[1] + b[2] * b[2]),
         lc = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
  double ab = a[0] * b[0] + a[1] * b[1] + a[2] * b[2], ac = a[0] * c[0] + a[1] * c[1] + a[2] * c[2], bcd = b[0] * c[0] + b[1] * c[1] + b[2] * c[2];
  double den = la * lb * lc + ab * lc + ac * lb + bcd * la;
  return 2.0 * atan2(num, den);
}

typedef struct {
  double ang;
  double v[3];
} ang_vertex;
static int cmp_ang(const void *a, const void *b)
{
  const ang_vertex *x = a, *y = b;
  return (x->ang > y->ang) - (x->ang < y->ang);
}

/* Solid angle of the planar convex face with vertices v (unordered, duplicates allowed),
   normal direction nrm (towards the neighbour). */
static double face_solid_angle(face_vertex *fv, int n, const double *nrm)
{
  ang_vertex av[256];
  double     cen[3] = {0, 0, 0}, u[3], w[3], ln;
  int        m = 0;
  if (n < 3 || n > 256) return 0;
  for (int i = 0; i < n; i++) {
    int dup = 0;
    for (int q = 0; q < m && !dup; q++) {
      double d2 = 0;
      for (int k = 0; k < 3; k++) d2 += (fv[i].v[k] - av[q].v[k]) * (fv[i].v[k] - av[q].v[k]);
      dup = d2 < 1e-16;
    }
    if (!dup) memcpy(av[m++].v, fv[i].v, sizeof(double) * 3);
  }
  if (m < 3) return 0;
  for (int i = 0; i < m; i++)
    for (int k = 0; k < 3; k++) cen[k] += av[i].v[k] / m;
  /* In-plane basis (u, w) perpendicular to the face normal. */
  ln = sqrt(nrm[0] * nrm[0] + nrm[1] * nrm[1] + nrm[2] * nrm[2]);
  double e[3] = {nrm[0] / ln, nrm[1] / ln, nrm[2] / ln}, t[3] = {1, 0, 0};
  if (fabs(e[0]) > 0.9) t[0] = 0, t[1] = 1;
  u[0] = e[1] * t[2] - e[2] * t[1];
  u[1] = e[2] * t[0] - e[0] * t[2];
  u[2] = e[0] * t[1] - e[1] * t[0];
  ln = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  for (int k = 0; k < 3; k++) u[k] /= ln;
  w[0] = e[1] * u[2] - e[2] * u[1];
  w[1] = e[2] * u[0] - e[0] * u[2];
  w[2] = e[0] * u[1] - e[1] * u[0];
  for (int i = 0; i < m; i++) {
    double d[3] = {av[i].v[0] - cen[0], av[i].v[1] - cen[1], av[i].v[2] - cen[2]};
    av[i].ang = atan2(d[0] * w[0] + d[1] * w[1] + d[2] * w[2], d[0] * u[0] + d[1] * u[1] + d[2] * u[2]);
  }
  qsort(av, (size_t)m, sizeof av[0], cmp_ang);
  double omega = 0;
  for (int i = 0; i < m; i++) omega += tri_solid_angle(cen, av[i].v, av[(i + 1) % m].v);
  return omega;
}

/* One site: *ok = 0 when the radius was too small (unbounded or uncertified cell). Called from
   OpenMP threads, so no PETSc calls: returns qhull's exit code (0 = fine), -1 when out of memory. */
static int site_cn(const ms_crystal c, const ms_neighbors *nb, int64_t i, double R, double *cn, int *ok)
{
  int64_t np = 1 + nb->start[i + 1] - nb->start[i];
  double *pts;
  *ok = 0;
  if (np < 5) return 0;
  pts = (double *)malloc(sizeof(double) * 3 * (size_t)np);
  if (!pts) return -1;
  pts[0] = pts[1] = pts[2] = 0;
  for (int64_t q = nb->start[i], r = 1; q < nb->start[i + 1]; q++, r++) {
    const int64_t j = nb->j[q];
    const int    *t = nb->image + 3 * q;
    for (int k = 0; k < 3; k++)
      pts[3 * r + k] = c->cart[3 * j + k] + t[0] * c->lattice[0][k] + t[1] * c->lattice[1][k] + t[2] * c->lattice[2][k] - c->cart[3 * i + k];
  }
  qhT  qh_qh, *qh = &qh_qh;
  char cmd[] = "qhull v Qbb Qz";
  int  curlong, totlong;
  qh_zero(qh, stderr);
  int exitcode = qh_new_qhull(qh, 3, (int)np, pts, False, cmd, NULL, stderr);
  if (exitcode) {
    qh_freeqhull(qh, !qh_ALL);
    qh_memfreeshort(qh, &curlong, &totlong);
    free(pts);
    return exitcode;
  }
  qh_setvoronoi_all(qh);
  facetT      *facet;
  vertexT     *vertex, **vertexp;
  face_vertex *fv   = NULL;
  int          nfv  = 0, cap = 0, bounded = 1;
  double       vmax = 0;
  FORALLfacets {
    int has0 = 0;
    FOREACHvertex_(facet->vertices) if (qh_pointid(qh, vertex->point) == 0) has0 = 1;
    if (!has0) continue;
    if (facet->upperdelaunay) { bounded = 0; break; }
    const double *cc = facet->center;
    vmax = PetscMax(vmax, sqrt(cc[0] * cc[0] + cc[1] * cc[1] + cc[2] * cc[2]));
    FOREACHvertex_(facet->vertices) {
      int k = qh_pointid(qh, vertex->point);
      if (k <= 0 || k >= np) continue;
      if (nfv == cap) {
        cap = cap ? 2 * cap : 256;
        fv  = (face_vertex *)realloc(fv, sizeof(face_vertex) * (size_t)cap);
      }
      fv[nfv].k = k;
      memcpy(fv[nfv].v, cc, sizeof(double) * 3);
      nfv++;
    }
  }
  qh_freeqhull(qh, !qh_ALL);
  qh_memfreeshort(qh, &curlong, &totlong);
  if (bounded && 2 * vmax < R * (1 - 1e-9)) {
    qsort(fv, (size_t)nfv, sizeof *fv, cmp_fv);
    double sum = 0, mx = 0;
    for (int a = 0; a < nfv;) {
      int b = a;
      while (b < nfv && fv[b].k == fv[a].k) b++;
      double sa = face_solid_angle(fv + a, b - a, pts + 3 * fv[a].k);
      sum += sa;
      mx = PetscMax(mx, sa);
      a  = b;
    }
    *cn = mx > 0 ? sum / mx : 0;
    *ok = 1;
  }
  free(fv);
  free(pts);
  return 0;
}

PetscErrorCode ms_voronoi_cn(const ms_crystal c, double *cn)
{
  int64_t n = c->n;
  char   *done;
  PetscFunctionBegin;
  if (!c->periodic) {
    for (int64_t i = 0; i < n; i++) cn[i] = NAN; /* a molecule's surface cells are unbounded */
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1(n, &done));
  /* Start from twice the mean interatomic spacing (enough for most cells: a 2.5x start cost 2.5x
     the CPU on distorted rock salt) and grow until every cell is certified. */
  double  R = 2.0 * cbrt(ms_crystal_volume(c) / (double)n);
  int64_t left = n;
  for (int pass = 0; left > 0; pass++) {
    ms_neighbors nb;
    PetscCheck(pass < 12, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: Voronoi cells not certified up to a radius of %g A", c->id ? c->id : "structure", R);
    PetscCall(ms_neighbors_build(c, R, &nb));
    /* Sites are independent: OpenMP threads share them (qhull_r keeps its state in each qhT). */
    int     fail = 0;
    int64_t bad = -1;
#pragma omp parallel for schedule(dynamic, 1) reduction(max : fail)
    for (int64_t i = 0; i < n; i++) {
      if (done[i]) continue;
      int ok, e = site_cn(c, &nb, i, R, &cn[i], &ok);
      if (e) {
        fail = PetscMax(fail, e > 0 ? e : 1000);
#pragma omp critical
        bad = bad < 0 || i < bad ? i : bad;
      }
      done[i] = (char)ok;
    }
    PetscCall(ms_neighbors_free(&nb));
    if (fail) PetscCall(PetscFree(done));
    PetscCheck(!fail, PETSC_COMM_SELF, PETSC_ERR_LIB, "%s: qhull failed (%s) on the Voronoi cell of site %lld", c->id ? c->id : "structure",
               fail == 1000 ? "out of memory" : "see its message above", (long long)bad + 1);
    left = 0;
    for (int64_t i = 0; i < n; i++) left += !done[i];
    R *= 1.5;
  }
  PetscCall(PetscFree(done));
  PetscFunctionReturn(0);
}
