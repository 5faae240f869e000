/* test_membrane.c - the Voronoi membrane generator (solvers/ms_membrane.h).
 * Runs on any number of ranks; with 2 ranks it also compares the distributed volume to the
 * one generated on a single rank. Asserts:
 *  - determinism: same parameters -> same checksum (repeat, and 1 rank vs all ranks, also
 *    with spheres and smoothing); a different seed -> a different structure;
 *  - topology: in a periodic, generic 3-D Voronoi diagram every vertex has degree 4, so
 *    edges = 2 x vertices exactly (also for 5..74 seeds and strong stretch; with fewer seeds the images of one seed are cospherical); vertices per seed
 *    near the Poisson-Voronoi value 6.768;
 *  - physics: porosity strictly decreases with the radius and with n_points;
 *  - periodicity: generating with the structure shifted by (17, 5, 31) voxels equals the
 *    unshifted volume rolled by the same amount, voxel for voxel;
 *  - stretch: the mean |direction component| of the edges is largest along the stretched axis;
 *  - node spheres only add material; bad parameters are rejected.
 */
#include "ms_membrane.h"
#include "ms_test.h"

/* Global position-weighted checksum and solid count (collective). */
static PetscErrorCode checksum(ms_volume v, uint64_t *sum, int64_t *solid)
{
  uint64_t h = 0;
  int64_t  s = 0;
  PetscFunctionBeginUser;
  const int64_t n = v->nz_local * v->ny * v->nx, off = v->z_start * v->ny * v->nx;
  for (int64_t i = 0; i < n; i++)
    if (v->data[i]) {
      s++;
      h += ((uint64_t)(off + i) + 1) * 0x9E3779B97F4A7C15ULL;
    }
  PetscCallMPI(MPI_Allreduce(&h, sum, 1, MPI_UINT64_T, MPI_SUM, v->comm));
  PetscCallMPI(MPI_Allreduce(&s, solid, 1, MPI_INT64_T, MPI_SUM, v->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode porosity_of(const ms_membrane_params *p, double *por)
{
  ms_volume v;
  uint64_t  h;
  int64_t   s;
  PetscFunctionBeginUser;
  PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, p, &v));
  PetscCall(checksum(v, &h, &s));
  *por = 1.0 - (double)s / (double)(p->nx * p->ny * p->nz);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

/* Same structure on PETSC_COMM_WORLD and on PETSC_COMM_SELF (every rank). */
static PetscErrorCode check_ranks(const ms_membrane_params *p)
{
  ms_volume a, b;
  uint64_t  ha, hb;
  int64_t   sa, sb;
  PetscFunctionBeginUser;
  PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, p, &a));
  PetscCall(ms_membrane_generate(PETSC_COMM_SELF, p, &b));
  PetscCall(checksum(a, &ha, &sa));
  PetscCall(checksum(b, &hb, &sb));
  MS_CHECK(ha == hb);
  MS_CHECK(sa == sb);
  MS_CHECK(sa > 0);
  PetscCall(ms_volume_destroy(&a));
  PetscCall(ms_volume_destroy(&b));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_periodic(void)
{
  ms_membrane_params p = ms_membrane_params_default(), q;
  ms_volume          a, b;
  const int64_t      s[3] = {17, 5, 31};
  int64_t            bad = 0, gbad;
  PetscFunctionBeginUser;
  p.nx = 48; p.ny = 40; p.nz = 56; p.n_points = 30; p.radius = 2.5; p.seed = 11;
  p.stretch[1] = 0.7;
  q = p;
  for (int i = 0; i < 3; i++) q.shift[i] = (PetscInt)s[i];
  PetscCall(ms_membrane_generate(PETSC_COMM_SELF, &p, &a));
  PetscCall(ms_membrane_generate(PETSC_COMM_SELF, &q, &b));
  for (int64_t z = 0; z < p.nz; z++)
    for (int64_t y = 0; y < p.ny; y++)
      for (int64_t x = 0; x < p.nx; x++) {
        const int64_t xs = (x + s[0]) % p.nx, ys = (y + s[1]) % p.ny, zs = (z + s[2]) % p.nz;
        bad += a->data[(z * p.ny + y) * p.nx + x] != b->data[(zs * p.ny + ys) * p.nx + xs];
      }
  PetscCallMPI(MPI_Allreduce(&bad, &gbad, 1, MPI_INT64_T, MPI_SUM, PETSC_COMM_WORLD));
  MS_CHECK(gbad == 0);
  /* The structure really crosses the faces: solid on both x faces. */
  int64_t f0 = 0, f1 = 0;
  for (int64_t i = 0; i < p.ny * p.nz; i++) { f0 += a->data[i * p.nx]; f1 += a->data[i * p.nx + p.nx - 1]; }
  MS_CHECK(f0 > 0 && f1 > 0);
  PetscCall(ms_volume_destroy(&a));
  PetscCall(ms_volume_destroy(&b));
  PetscFunctionReturn(0);
}

/* Mean |unit direction component| of the edges along each axis. */
static PetscErrorCode orientation(const ms_membrane_params *p, double m[3])
{
  ms_membrane_graph g;
  PetscFunctionBeginUser;
  PetscCall(ms_membrane_tessellate(p, &g));
  m[0] = m[1] = m[2] = 0;
  for (int64_t e = 0; e < g.n_edges; e++) {
    const double *x = g.edges + 6 * e;
    double        d[3], l = 0;
    for (int i = 0; i < 3; i++) { d[i] = x[3 + i] - x[i]; l += d[i] * d[i]; }
    l = sqrt(l);
    if (l > 0)
      for (int i = 0; i < 3; i++) m[i] += fabs(d[i]) / l / (double)g.n_edges;
  }
  PetscCall(ms_membrane_graph_destroy(&g));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  ms_membrane_params p = ms_membrane_params_default();
  p.nx = 64; p.ny = 56; p.nz = 72; p.n_points = 60; p.radius = 2.6; p.seed = 5;

  /* Determinism and rank independence. */
  PetscCall(check_ranks(&p));
  {
    ms_membrane_params q = p;
    q.stretch[2] = 0.6; q.sphere_count = 20; q.smooth_sigma = 1.2;
    PetscCall(check_ranks(&q));
    q.sphere_count = 0; q.sphere_fraction = 0.3;
    PetscCall(check_ranks(&q));
  }
  {
    ms_volume a, b, c;
    uint64_t  ha, hb, hc;
    int64_t   sa, sb, sc;
    ms_membrane_params q = p;
    q.seed = 6;
    PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, &p, &a));
    PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, &p, &b));
    PetscCall(ms_membrane_generate(PETSC_COMM_WORLD, &q, &c));
    PetscCall(checksum(a, &ha, &sa));
    PetscCall(checksum(b, &hb, &sb));
    PetscCall(checksum(c, &hc, &sc));
    MS_CHECK(ha == hb && sa == sb);
    MS_CHECK(ha != hc);
    MS_CHECK(ms_volume_get_meta(a, "n_points") != NULL);
    MS_CHECK(ms_volume_get_meta(a, "seed") != NULL && !strcmp(ms_volume_get_meta(a, "seed"), "5"));
    PetscCall(ms_volume_destroy(&a));
    PetscCall(ms_volume_destroy(&b));
    PetscCall(ms_volume_destroy(&c));
  }

  /* Topology of the periodic tessellation. */
  {
    ms_membrane_params q = ms_membrane_params_default();
    q.n_points = 170;
    ms_membrane_graph g;
    PetscCall(ms_membrane_tessellate(&q, &g));
    MS_CHECK(g.n_edges == 2 * g.n_nodes);
    MS_CHECK_CLOSE((double)g.n_nodes / (double)q.n_points, 6.768, 0.08, 0);
    PetscCall(ms_membrane_graph_destroy(&g));
  }

  /* Few seeds (huge cells: the padded fast path falls back to all periodic images) and
     strong stretch: every vertex still has degree 4. */
  for (PetscInt k = 0; k < 24; k++) {
    ms_membrane_params q = ms_membrane_params_default();
    ms_membrane_graph  g;
    q.n_points   = 5 + 3 * k;
    q.seed       = 100 + (uint64_t)k;
    q.stretch[k % 3] = 0.5;
    PetscCall(ms_membrane_tessellate(&q, &g));
    if (!(g.n_nodes > 0 && g.n_edges == 2 * g.n_nodes)) printf("n_points %d: nodes %d edges %d\n", (int)q.n_points, (int)g.n_nodes, (int)g.n_edges);
    MS_CHECK(g.n_nodes > 0 && g.n_edges == 2 * g.n_nodes);
    PetscCall(ms_membrane_graph_destroy(&g));
  }

  /* Porosity falls with the radius and with the number of seeds. */
  {
    double prev = 1.0;
    for (int k = 0; k < 4; k++) {
      ms_membrane_params q = p;
      double             por;
      q.radius = 1.5 + 1.2 * k;
      PetscCall(porosity_of(&q, &por));
      MS_CHECK(por < prev);
      MS_CHECK(por > 0.0);
      prev = por;
    }
    prev = 1.0;
    const PetscInt np[4] = {15, 40, 100, 220};
    for (int k = 0; k < 4; k++) {
      ms_membrane_params q = p;
      double             por;
      q.n_points = np[k];
      PetscCall(porosity_of(&q, &por));
      MS_CHECK(por < prev);
      prev = por;
    }
  }

  /* Spheres only add material. */
  {
    ms_membrane_params q = p;
    double             p0, p1;
    PetscCall(porosity_of(&q, &p0));
    q.sphere_count = 40;
    PetscCall(porosity_of(&q, &p1));
    MS_CHECK(p1 < p0);
  }

  PetscCall(check_periodic());

  /* Stretch along one axis orients the ligaments along it. */
  for (int axis = 0; axis < 3; axis++) {
    ms_membrane_params q = ms_membrane_params_default();
    double             m[3];
    q.n_points      = 150;
    q.stretch[axis] = 0.5;
    PetscCall(orientation(&q, m));
    for (int i = 0; i < 3; i++)
      if (i != axis) MS_CHECK(m[axis] > m[i] + 0.05);
  }
  {
    ms_membrane_params q = ms_membrane_params_default();
    double             m[3];
    q.n_points = 150;
    PetscCall(orientation(&q, m));
    for (int i = 0; i < 3; i++) MS_CHECK_CLOSE(m[i], 0.5, 0.1, 0); /* isotropic: E|cos| = 1/2 */
  }

  /* Bad parameters are errors, not silent defaults. */
  {
    ms_membrane_params q = p;
    ms_volume          v = NULL;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    q.stretch[0] = 1.5;
    MS_CHECK(ms_membrane_generate(PETSC_COMM_WORLD, &q, &v) == MS_ERR_USER);
    q = p; q.radius = -1;
    MS_CHECK(ms_membrane_generate(PETSC_COMM_WORLD, &q, &v) == MS_ERR_USER);
    q = p; q.n_points = 1;
    MS_CHECK(ms_membrane_generate(PETSC_COMM_WORLD, &q, &v) == MS_ERR_USER);
    PetscCall(PetscPopErrorHandler());
  }
  MS_TEST_END("membrane");
}
