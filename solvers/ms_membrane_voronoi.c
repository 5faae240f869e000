/* ms_membrane_voronoi.c - the periodic, stretched Voronoi tessellation of a membrane
 * (steps 1-3 of ms_membrane.h) computed with qhull's reentrant C API.
 *
 * qhull computes the Delaunay triangulation of the replicated seeds ("v Qbb"); the Voronoi
 * vertices are the circumcentres of the lower Delaunay facets (qh_setvoronoi_all) and two
 * adjacent lower facets share a finite Voronoi edge. Everything here is rank-local and
 * deterministic: qhull is run without random perturbation, and the edge and node lists are
 * sorted so their order does not depend on qhull's internal facet order.
 */
#include "ms_membrane.h"
#include "ms_rng.h"
#include <libqhull_r/qhull_ra.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_edge(const void *a, const void *b)
{
  const double *x = a, *y = b;
  for (int i = 0; i < 6; i++) {
    if (x[i] < y[i]) return -1;
    if (x[i] > y[i]) return 1;
  }
  return 0;
}

static int cmp_node(const void *a, const void *b)
{
  const double *x = a, *y = b;
  for (int i = 0; i < 3; i++) {
    if (x[i] < y[i]) return -1;
    if (x[i] > y[i]) return 1;
  }
  return 0;
}

uint64_t ms_membrane_structure_seed(uint64_t user_seed, int64_t index)
{
  ms_rng r;
  /* Odd streams: even streams are left to the callers' parameter samplers. */
  ms_rng_init(&r, user_seed, 2 * (uint64_t)index + 1);
  /* 53 bits: exact in the double-valued /parameters/seed column and in CSV tables. */
  return ms_rng_u64(&r) >> 11;
}

static int in_box(const double *x, const double *L)
{
  for (int i = 0; i < 3; i++)
    if (!(x[i] >= 0.0 && x[i] < L[i])) return 0;
  return 1;
}

/* The Delaunay cell of a lower facet is correct for the full periodic point set when its
   circumsphere lies inside the padded region that was given to qhull: any missing point
   lies outside that region, so it cannot be inside the sphere. */
static int sphere_inside(qhT *qh, facetT *f, const double *L, const double *margin)
{
  const double *c = f->center;
  vertexT      *v = SETfirstt_(f->vertices, vertexT);
  double        r2 = 0;
  (void)qh;
  for (int i = 0; i < 3; i++) r2 += (v->point[i] - c[i]) * (v->point[i] - c[i]);
  const double r = sqrt(r2);
  for (int i = 0; i < 3; i++)
    if (c[i] - r < -margin[i] || c[i] + r > L[i] + margin[i]) return 0;
  return 1;
}

/* One qhull run on the image points within `margin` of the compressed box (or all images of
   `layer` layers when check = 0). Fills g; *valid = 0 when a kept edge or node could be
   wrong (then g is left empty). */
static PetscErrorCode voronoi_pass(const ms_membrane_params *p, const double *seeds, const double *L, int layer, const double *margin,
                                   int check, ms_membrane_graph *g, int *valid)
{
  const int     side = 2 * layer + 1;
  const int64_t n = p->n_points, nimg = (int64_t)side * side * side;
  double       *pts;
  int64_t       m = 0;

  PetscFunctionBeginUser;
  *valid = 1;
  PetscCall(PetscMalloc1(3 * n * nimg, &pts));
  /* Primary image first, then the others in a fixed order. */
  for (int img = 0; img < nimg; img++) {
    int o[3] = {img % side, (img / side) % side, img / (side * side)};
    for (int i = 0; i < 3; i++) o[i] = (o[i] + layer) % side - layer; /* 0 first, then +1.., -1.. */
    for (int64_t k = 0; k < n; k++) {
      double x[3];
      int    keep = 1;
      for (int i = 0; i < 3; i++) {
        x[i] = seeds[3 * k + i] + o[i] * L[i];
        keep = keep && x[i] >= -margin[i] && x[i] < L[i] + margin[i];
      }
      if (!keep) continue;
      for (int i = 0; i < 3; i++) pts[3 * m + i] = x[i];
      m++;
    }
  }

  qhT  qh_qh, *qh = &qh_qh;
  char cmd[] = "qhull v Qbb";
  int  curlong, totlong;
  qh_zero(qh, stderr);
  int exitcode = qh_new_qhull(qh, 3, (int)m, pts, False, cmd, NULL, stderr);
  if (exitcode) {
    qh_freeqhull(qh, !qh_ALL);
    qh_memfreeshort(qh, &curlong, &totlong);
    PetscCall(PetscFree(pts));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "qhull failed (exit code %d) on the Voronoi diagram of %" PetscInt_FMT " seeds", exitcode, p->n_points);
  }
  qh_setvoronoi_all(qh);

  facetT *facet, *neighbor, **neighborp;
  int64_t cap_e = 0, cap_n = 0;
  FORALLfacets {
    if (facet->upperdelaunay) continue;
    cap_n++;
    FOREACHneighbor_(facet) cap_e++;
  }
  PetscCall(PetscMalloc1(6 * (cap_e / 2 + 1), &g->edges));
  PetscCall(PetscMalloc1(3 * (cap_n + 1), &g->nodes));
  FORALLfacets {
    if (facet->upperdelaunay || !*valid) continue;
    const double *c = facet->center;
    if (in_box(c, L)) {
      if (check && !sphere_inside(qh, facet, L, margin)) { *valid = 0; break; }
      for (int i = 0; i < 3; i++) g->nodes[3 * g->n_nodes + i] = c[i] / p->stretch[i];
      g->n_nodes++;
    }
    FOREACHneighbor_(facet) {
      if (neighbor->upperdelaunay || neighbor->id < facet->id) continue;
      const double *d = neighbor->center;
      double        mid[3];
      for (int i = 0; i < 3; i++) mid[i] = 0.5 * (c[i] + d[i]);
      if (!in_box(mid, L)) continue;
      if (check && (!sphere_inside(qh, facet, L, margin) || !sphere_inside(qh, neighbor, L, margin))) { *valid = 0; break; }
      double *e = g->edges + 6 * g->n_edges++;
      /* Orient every edge the same way (lexicographically smaller end first) so sorting
         makes the list canonical. */
      const double *a = c, *b = d;
      if (cmp_node(a, b) > 0) { a = d; b = c; }
      for (int i = 0; i < 3; i++) {
        e[i]     = a[i] / p->stretch[i];
        e[3 + i] = b[i] / p->stretch[i];
      }
    }
  }
  qh_freeqhull(qh, !qh_ALL);
  qh_memfreeshort(qh, &curlong, &totlong);
  PetscCall(PetscFree(pts));
  if (!*valid) PetscCall(ms_membrane_graph_destroy(g));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_tessellate(const ms_membrane_params *p, ms_membrane_graph *g)
{
  PetscFunctionBeginUser;
  PetscCall(ms_membrane_params_check(PETSC_COMM_SELF, p));
  memset(g, 0, sizeof *g);
  const double  L[3] = {p->stretch[0] * (double)p->nx, p->stretch[1] * (double)p->ny, p->stretch[2] * (double)p->nz};
  const int64_t N[3] = {p->nx, p->ny, p->nz};
  const int64_t n    = p->n_points;

  /* Seeds in real space (shifted by whole voxels, wrapped), then compressed. */
  double *seeds;
  PetscCall(PetscMalloc1(3 * n, &seeds));
  ms_rng r;
  ms_rng_init(&r, p->seed, 0);
  for (int64_t k = 0; k < n; k++)
    for (int i = 0; i < 3; i++) {
      double x = ms_rng_uniform(&r) * (double)N[i] + (double)p->shift[i];
      x        = fmod(x, (double)N[i]);
      if (x < 0) x += (double)N[i];
      seeds[3 * k + i] = p->stretch[i] * x;
    }
  /* Fast path: only images within 3 mean cell lengths of the box (about 4x fewer points than
     all 27 images at 170 seeds), accepted when every kept Delaunay sphere is inside the pad.
     Otherwise (rare: huge empty spheres, few seeds) all images, with two layers below 24 seeds. */
  const double cell = cbrt(L[0] * L[1] * L[2] / (double)n);
  const int    layer = n < 24 ? 2 : 1;
  double       pad[3], full[3];
  int          valid = 0;
  for (int i = 0; i < 3; i++) {
    full[i] = layer * L[i];
    pad[i]  = PetscMin(3.0 * cell, full[i]);
  }
  if (pad[0] < full[0] || pad[1] < full[1] || pad[2] < full[2]) PetscCall(voronoi_pass(p, seeds, L, 1, pad, 1, g, &valid));
  if (!valid) PetscCall(voronoi_pass(p, seeds, L, layer, full, 0, g, &valid));
  PetscCall(PetscFree(seeds));
  qsort(g->edges, (size_t)g->n_edges, 6 * sizeof(double), cmp_edge);
  qsort(g->nodes, (size_t)g->n_nodes, 3 * sizeof(double), cmp_node);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_graph_destroy(ms_membrane_graph *g)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(g->edges));
  PetscCall(PetscFree(g->nodes));
  g->n_edges = g->n_nodes = 0;
  PetscFunctionReturn(0);
}
