/* ms_membrane.c - parameters, rasterisation and generation of Voronoi membranes (method in
 * ms_membrane.h; the tessellation itself is in ms_membrane_voronoi.c).
 *
 * Options (prefix optional; defaults in brackets):
 *   -n_points N [100]            Voronoi seeds
 *   -stretch ex,ey,ez [1,1,1]    compression factors in (0,1]; smaller = more elongated cells
 *   -radius R [3.4]              stanchion radius in voxels
 *   -seed S [1]                  random stream key of the structure
 *   -size n | nx,ny,nz [200]     box in voxels
 *   -spheres K [0]               node spheres on K Voronoi vertices
 *   -sphere_fraction F [0]       ... or on this fraction of the vertices (when -spheres is 0)
 *   -sphere_log_mean M [ln 4]    mean of ln(sphere radius / voxel)
 *   -sphere_log_sd S [0.25]      standard deviation of ln(sphere radius / voxel)
 *   -smooth_sigma s [0]          Gaussian smoothing (voxels) and re-threshold at 0.5
 *   -shift sx,sy,sz [0,0,0]      periodic translation in voxels
 *   -voxel_size h [0.15]         micrometres per voxel (metadata)
 */
#include "ms_membrane.h"
#include "ms_image.h"
#include "ms_rng.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Smoothing filters are truncated here (SciPy's default), so the halo is 4 sigma. */
#define MS_MEMBRANE_TRUNCATE 4.0

ms_membrane_params ms_membrane_params_default(void)
{
  ms_membrane_params p;
  memset(&p, 0, sizeof p);
  p.nx = p.ny = p.nz = 200;
  p.n_points         = 100;
  p.stretch[0] = p.stretch[1] = p.stretch[2] = 1.0;
  p.radius           = 3.4;
  p.seed             = 1;
  p.sphere_log_mean  = log(4.0);
  p.sphere_log_sd    = 0.25;
  p.voxel_size       = 0.15;
  return p;
}

PetscErrorCode ms_membrane_params_check(MPI_Comm comm, const ms_membrane_params *p)
{
  PetscFunctionBeginUser;
  if (p->nx < 1 || p->ny < 1 || p->nz < 1)
    SETERRQ(comm, MS_ERR_USER, "membrane size %" PRId64 "x%" PRId64 "x%" PRId64 " (-size): every extent must be >= 1", p->nx, p->ny, p->nz);
  if (p->n_points < 2) SETERRQ(comm, MS_ERR_USER, "-n_points %" PetscInt_FMT ": need at least 2 Voronoi seeds", p->n_points);
  for (int i = 0; i < 3; i++)
    if (!(p->stretch[i] > 0.0 && p->stretch[i] <= 1.0))
      SETERRQ(comm, MS_ERR_USER, "-stretch component %d is %g: expected a factor in (0, 1] (1 = no stretch)", i, p->stretch[i]);
  if (!(p->radius > 0.0 && isfinite(p->radius))) SETERRQ(comm, MS_ERR_USER, "-radius %g: expected a positive radius in voxels", p->radius);
  if (p->sphere_count < 0) SETERRQ(comm, MS_ERR_USER, "-spheres %" PetscInt_FMT ": expected a count >= 0", p->sphere_count);
  if (!(p->sphere_fraction >= 0.0 && p->sphere_fraction <= 1.0))
    SETERRQ(comm, MS_ERR_USER, "-sphere_fraction %g: expected a fraction in [0, 1]", p->sphere_fraction);
  if (!(p->sphere_log_sd >= 0.0) || !isfinite(p->sphere_log_mean))
    SETERRQ(comm, MS_ERR_USER, "-sphere_log_mean %g / -sphere_log_sd %g: expected a finite mean and sd >= 0", p->sphere_log_mean, p->sphere_log_sd);
  if (!(p->smooth_sigma >= 0.0 && isfinite(p->smooth_sigma))) SETERRQ(comm, MS_ERR_USER, "-smooth_sigma %g: expected sigma >= 0 voxels", p->smooth_sigma);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_params_from_options(MPI_Comm comm, const char *prefix, ms_membrane_params *p)
{
  PetscInt  size[3] = {(PetscInt)p->nx, (PetscInt)p->ny, (PetscInt)p->nz}, nsize = 3, nstretch = 3, nshift = 3;
  char      seed[32];
  PetscBool set_stretch, set_size, set_shift, seed_set;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, prefix, "Membrane generator (Voronoi stanchions)", "ms_membrane");
  PetscCall(PetscOptionsInt("-n_points", "number of Voronoi seed points", "ms_membrane", p->n_points, &p->n_points, NULL));
  PetscCall(PetscOptionsRealArray("-stretch", "stretch factors ex,ey,ez in (0,1]; smaller = stronger elongation", "ms_membrane", p->stretch, &nstretch, &set_stretch));
  PetscCall(PetscOptionsReal("-radius", "stanchion radius in voxels", "ms_membrane", p->radius, &p->radius, NULL));
  /* A string: structure seeds of a batch use 53 bits, more than a 32-bit PetscInt holds. */
  PetscCall(PetscSNPrintf(seed, sizeof seed, "%" PRIu64, p->seed));
  PetscCall(PetscOptionsString("-seed", "random seed of the structure (0 .. 2^64-1)", "ms_membrane", seed, seed, sizeof seed, &seed_set));
  PetscCall(PetscOptionsIntArray("-size", "box size in voxels: n or nx,ny,nz", "ms_membrane", size, &nsize, &set_size));
  PetscCall(PetscOptionsInt("-spheres", "number of node spheres (0 = use -sphere_fraction)", "ms_membrane", p->sphere_count, &p->sphere_count, NULL));
  PetscCall(PetscOptionsReal("-sphere_fraction", "fraction of Voronoi nodes that get a sphere", "ms_membrane", p->sphere_fraction, &p->sphere_fraction, NULL));
  PetscCall(PetscOptionsReal("-sphere_log_mean", "mean of ln(sphere radius in voxels)", "ms_membrane", p->sphere_log_mean, &p->sphere_log_mean, NULL));
  PetscCall(PetscOptionsReal("-sphere_log_sd", "standard deviation of ln(sphere radius)", "ms_membrane", p->sphere_log_sd, &p->sphere_log_sd, NULL));
  PetscCall(PetscOptionsReal("-smooth_sigma", "Gaussian smoothing sigma in voxels, then threshold 0.5 (0 = off)", "ms_membrane", p->smooth_sigma, &p->smooth_sigma, NULL));
  PetscCall(PetscOptionsIntArray("-shift", "periodic translation sx,sy,sz in voxels", "ms_membrane", p->shift, &nshift, &set_shift));
  PetscCall(PetscOptionsReal("-voxel_size", "voxel size in micrometres (metadata)", "ms_membrane", p->voxel_size, &p->voxel_size, NULL));
  PetscOptionsEnd();
  /* Checks after PetscOptionsEnd, so an error does not leave the options block open. */
  if (set_stretch && nstretch != 3) SETERRQ(comm, MS_ERR_USER, "-stretch needs three factors ex,ey,ez (got %" PetscInt_FMT ")", nstretch);
  if (set_shift && nshift != 3) SETERRQ(comm, MS_ERR_USER, "-shift needs three integers sx,sy,sz (got %" PetscInt_FMT ")", nshift);
  if (set_size) {
    if (nsize == 1) size[1] = size[2] = size[0];
    else if (nsize != 3) SETERRQ(comm, MS_ERR_USER, "-size takes n or nx,ny,nz (got %" PetscInt_FMT " values)", nsize);
  }
  if (seed_set) {
    char *end;
    errno = 0;
    unsigned long long s = strtoull(seed, &end, 10);
    if (errno || end == seed || *end || seed[0] == '-') SETERRQ(comm, MS_ERR_USER, "-seed '%s': expected a non-negative integer", seed);
    p->seed = (uint64_t)s;
  }
  p->nx = size[0]; p->ny = size[1]; p->nz = size[2];
  PetscCall(ms_membrane_params_check(comm, p));
  PetscFunctionReturn(0);
}

/* A capsule: segment a..a+d with radius rad; lo/hi = voxel index bounds (unwrapped). */
typedef struct {
  double  a[3], d[3], dd, r2;
  int64_t lo[3], hi[3];
} capsule;

static void capsule_set(capsule *c, const double *a, const double *b, double rad)
{
  c->dd = 0;
  for (int i = 0; i < 3; i++) {
    c->a[i] = a[i];
    c->d[i] = b[i] - a[i];
    c->dd += c->d[i] * c->d[i];
    const double mn = fmin(a[i], b[i]) - rad, mx = fmax(a[i], b[i]) + rad;
    /* voxel i covers centre i + 0.5 */
    c->lo[i] = (int64_t)ceil(mn - 0.5);
    c->hi[i] = (int64_t)floor(mx - 0.5);
  }
  c->r2 = rad * rad;
}

static inline int64_t wrap(int64_t i, int64_t n) { i %= n; return i < 0 ? i + n : i; }

/* Edges plus the chosen node spheres (zero-length capsules). */
static PetscErrorCode build_capsules(const ms_membrane_params *p, const ms_membrane_graph *g, int64_t *nc, capsule **caps)
{
  int64_t ns = 0;
  PetscFunctionBeginUser;
  if (p->sphere_count > 0) ns = PetscMin((int64_t)p->sphere_count, g->n_nodes);
  else if (p->sphere_fraction > 0) ns = (int64_t)llround(p->sphere_fraction * (double)g->n_nodes);
  PetscCall(PetscMalloc1(g->n_edges + ns + 1, caps));
  for (int64_t e = 0; e < g->n_edges; e++) capsule_set(&(*caps)[e], g->edges + 6 * e, g->edges + 6 * e + 3, p->radius);
  if (ns > 0) {
    int64_t *idx;
    ms_rng   r;
    PetscCall(PetscMalloc1(g->n_nodes, &idx));
    for (int64_t i = 0; i < g->n_nodes; i++) idx[i] = i;
    ms_rng_init(&r, p->seed, 1);
    for (int64_t i = 0; i < ns; i++) { /* partial Fisher-Yates: the first ns are a uniform sample */
      int64_t j = i + (int64_t)ms_rng_below(&r, (uint64_t)(g->n_nodes - i)), t = idx[i];
      idx[i] = idx[j]; idx[j] = t;
    }
    for (int64_t i = 0; i < ns; i++) {
      const double *x   = g->nodes + 3 * idx[i];
      const double  rad = exp(p->sphere_log_mean + p->sphere_log_sd * ms_rng_normal(&r));
      capsule_set(&(*caps)[g->n_edges + i], x, x, rad);
    }
    PetscCall(PetscFree(idx));
  }
  *nc = g->n_edges + ns;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_rasterize(const ms_membrane_params *p, const ms_membrane_graph *g, int64_t z_begin, int64_t nzb, uint8_t *buf)
{
  int64_t  nc;
  capsule *caps;
  const int64_t nx = p->nx, ny = p->ny, nz = p->nz;

  PetscFunctionBeginUser;
  PetscCall(build_capsules(p, g, &nc, &caps));
  memset(buf, 0, (size_t)(nzb * nx * ny));
  /* Planes are independent: each thread owns whole planes, so no two threads write the
     same byte and the result does not depend on the thread count. */
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t j = 0; j < nzb; j++) {
    const int64_t zw    = wrap(z_begin + j, nz);
    uint8_t      *plane = buf + j * nx * ny;
    for (int64_t c = 0; c < nc; c++) {
      const capsule *cp = &caps[c];
      for (int64_t k = cp->lo[2] + wrap(zw - cp->lo[2], nz); k <= cp->hi[2]; k += nz) {
        const double pz = (double)k + 0.5 - cp->a[2];
        for (int64_t y = cp->lo[1]; y <= cp->hi[1]; y++) {
          const double py = (double)y + 0.5 - cp->a[1];
          uint8_t     *row = plane + wrap(y, ny) * nx;
          for (int64_t x = cp->lo[0]; x <= cp->hi[0]; x++) {
            const double px = (double)x + 0.5 - cp->a[0];
            double       t  = cp->dd > 0 ? (px * cp->d[0] + py * cp->d[1] + pz * cp->d[2]) / cp->dd : 0.0;
            t               = t < 0 ? 0 : (t > 1 ? 1 : t);
            const double qx = px - t * cp->d[0], qy = py - t * cp->d[1], qz = pz - t * cp->d[2];
            if (qx * qx + qy * qy + qz * qz <= cp->r2) row[wrap(x, nx)] = 1;
          }
        }
      }
    }
  }
  PetscCall(PetscFree(caps));
  PetscFunctionReturn(0);
}

static PetscErrorCode record_meta(ms_volume v, const ms_membrane_params *p, const ms_membrane_graph *g)
{
  PetscFunctionBeginUser;
  PetscCall(ms_volume_set_meta(v, "generator", "voronoi_stanchions (periodic, qhull)"));
  PetscCall(ms_volume_set_meta(v, "n_points", "%" PetscInt_FMT, p->n_points));
  PetscCall(ms_volume_set_meta(v, "stretch_x", "%#.17g", p->stretch[0]));
  PetscCall(ms_volume_set_meta(v, "stretch_y", "%#.17g", p->stretch[1]));
  PetscCall(ms_volume_set_meta(v, "stretch_z", "%#.17g", p->stretch[2]));
  PetscCall(ms_volume_set_meta(v, "radius", "%#.17g", p->radius));
  PetscCall(ms_volume_set_meta(v, "seed", "%" PRIu64, p->seed));
  PetscCall(ms_volume_set_meta(v, "spheres", "%" PetscInt_FMT, p->sphere_count)); /* the option's and the batch column's name */
  PetscCall(ms_volume_set_meta(v, "sphere_fraction", "%#.17g", p->sphere_fraction));
  PetscCall(ms_volume_set_meta(v, "sphere_log_mean", "%#.17g", p->sphere_log_mean));
  PetscCall(ms_volume_set_meta(v, "sphere_log_sd", "%#.17g", p->sphere_log_sd));
  PetscCall(ms_volume_set_meta(v, "smooth_sigma", "%#.17g", p->smooth_sigma));
  PetscCall(ms_volume_set_meta(v, "shift", "%" PetscInt_FMT ",%" PetscInt_FMT ",%" PetscInt_FMT, p->shift[0], p->shift[1], p->shift[2]));
  PetscCall(ms_volume_set_meta(v, "n_edges", "%" PRId64, g->n_edges));
  PetscCall(ms_volume_set_meta(v, "n_nodes", "%" PRId64, g->n_nodes));
  /* Units of the parameters that have one (the others are counts or factors, "1"). */
  PetscCall(ms_volume_set_meta(v, "radius_units", "voxel"));
  PetscCall(ms_volume_set_meta(v, "smooth_sigma_units", "voxel"));
  PetscCall(ms_volume_set_meta(v, "sphere_log_mean_units", "ln(voxel)"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_generate(MPI_Comm comm, const ms_membrane_params *p, ms_volume *v)
{
  ms_membrane_graph g;

  PetscFunctionBeginUser;
  PetscCall(ms_membrane_params_check(comm, p));
  PetscCall(ms_volume_create(comm, p->nx, p->ny, p->nz, v));
  (*v)->voxel_size = p->voxel_size;
  PetscCall(ms_membrane_tessellate(p, &g));
  const int64_t plane = p->nx * p->ny, z0 = (*v)->z_start, nzl = (*v)->nz_local;
  if (p->smooth_sigma > 0) {
    const int     halo = ms_image_gaussian_radius(p->smooth_sigma, MS_MEMBRANE_TRUNCATE);
    const int64_t nzh  = nzl + 2 * halo;
    uint8_t      *raw;
    float        *f;
    PetscCall(PetscMalloc1(nzh * plane, &raw));
    PetscCall(PetscMalloc1(nzh * plane, &f));
    PetscCall(ms_membrane_rasterize(p, &g, z0 - halo, nzh, raw));
    for (int64_t i = 0; i < nzh * plane; i++) f[i] = (float)raw[i];
    PetscCall(ms_image_gaussian_local(p->nx, p->ny, nzh, halo, f, p->smooth_sigma, MS_MEMBRANE_TRUNCATE, MS_IMAGE_WRAP));
    const float *in = f + halo * plane;
    for (int64_t i = 0; i < nzl * plane; i++) (*v)->data[i] = in[i] >= 0.5f;
    PetscCall(PetscFree(raw));
    PetscCall(PetscFree(f));
  } else {
    PetscCall(ms_membrane_rasterize(p, &g, z0, nzl, (*v)->data));
  }
  PetscCall(record_meta(*v, p, &g));
  PetscCall(ms_membrane_graph_destroy(&g));
  PetscFunctionReturn(0);
}
