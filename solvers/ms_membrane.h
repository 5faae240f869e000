/* ms_membrane.h - digital porous membranes: stanchions on the edges of a periodic,
 * stretched Voronoi tessellation (spec §1.11, after the PACE3D generator of the seeds).
 *
 * Method (the seeds leave the details to us; this is our definition):
 *  1. Seeds. n_points seeds uniform in the box [0,nx) x [0,ny) x [0,nz) (voxel units, voxel i
 *     has its centre at i + 0.5), drawn from ms_rng(seed, 0) in the order x, y, z per point.
 *     One stream per structure: a batch derives seed = ms_membrane_structure_seed(user seed, i).
 *  2. Stretch. The tessellation is computed in a compressed space x'_i = e_i * x_i with
 *     e_i = stretch[i] in (0, 1]. Cells that are isotropic there are elongated by 1/e_i along
 *     axis i in the real box (smaller e = stronger stretch, e = 1 = none).
 *  3. Periodicity. The seeds are replicated in the 27 periodic images of the (compressed) box
 *     (125 images for fewer than 24 seeds, whose cells can be larger than a box) and the
 *     Voronoi diagram is computed with qhull ("qhull v Qbb": Delaunay triangulation, Voronoi
 *     vertices = circumcentres of the Delaunay cells). A finite Voronoi edge joins the centres
 *     of two adjacent Delaunay cells; each periodic class of edges is kept once: the image whose
 *     midpoint lies in the primary box. Edges are mapped back to real space (x = x'/e).
 *  4. Stanchions. Every edge becomes a capsule of radius `radius` voxels (a cylinder with
 *     hemispherical caps, so joints are closed): a voxel is solid (1) when the distance from its
 *     centre to the edge segment is <= radius, with periodic wrap in x, y and z.
 *  5. Optional node spheres: `sphere_count` Voronoi vertices (or the fraction
 *     `sphere_fraction` of them), chosen from ms_rng(seed, 1), get a solid ball of radius
 *     exp(sphere_log_mean + sphere_log_sd * N(0,1)) voxels (log-normal), also periodic.
 *  6. Optional smoothing: the 0/1 field is Gaussian filtered with sigma = smooth_sigma voxels
 *     (periodic, truncated at 4 sigma, ms_image.h) and re-thresholded at 0.5.
 *  7. Optional shift: the whole structure is translated by shift[] whole voxels (periodic).
 *     Generating with a shift equals rolling the unshifted volume: the periodicity test.
 *
 * Parallelism: every rank computes the (cheap) tessellation itself and rasterises only the
 * z-planes of its own slab (plus the halo a smoothing step needs), so the volume is
 * bit-identical for any number of ranks and needs no communication. Inside a rank the planes
 * are rasterised with OpenMP.
 */
#ifndef MS_MEMBRANE_H
#define MS_MEMBRANE_H

#include "ms_core.h"
#include "ms_volume.h"

typedef struct {
  int64_t  nx, ny, nz;        /* box in voxels */
  PetscInt n_points;          /* Voronoi seeds */
  double   stretch[3];        /* e_x, e_y, e_z in (0, 1]; 1 = no stretch */
  double   radius;            /* stanchion radius, voxels */
  uint64_t seed;              /* stream key of this structure */
  PetscInt sphere_count;      /* node spheres: absolute count (>= 0) ...            */
  double   sphere_fraction;   /* ... or, when sphere_count == 0, this fraction of nodes */
  double   sphere_log_mean;   /* ln(radius/voxel) mean of the log-normal sphere radii */
  double   sphere_log_sd;     /* ln(radius/voxel) standard deviation                   */
  double   smooth_sigma;      /* Gaussian smoothing sigma in voxels; 0 = none */
  PetscInt shift[3];          /* periodic translation in whole voxels */
  double   voxel_size;        /* micrometres per voxel, recorded as metadata (0 = unknown) */
} ms_membrane_params;

/* The tessellation in real voxel coordinates (edges unwrapped: an endpoint may lie outside
 * the box; rasterisation wraps). Owned by the caller; free with ms_membrane_graph_destroy. */
typedef struct {
  int64_t n_edges;
  double *edges;      /* n_edges x 6: x0 y0 z0 x1 y1 z1 */
  int64_t n_nodes;
  double *nodes;      /* n_nodes x 3: Voronoi vertices in the primary box */
} ms_membrane_graph;

/* Defaults: 200^3 voxels, 100 points, no stretch, radius 3.4, seed 1, no spheres
 * (sphere log-mean ln 4, log-sd 0.25 if enabled), no smoothing, no shift, voxel 0.15 um. */
ms_membrane_params ms_membrane_params_default(void);

/* Read options (with `prefix`, may be NULL) into *p, starting from its current values:
 * -n_points, -stretch ex,ey,ez, -radius, -seed, -size n | nx,ny,nz, -spheres COUNT,
 * -sphere_fraction F, -sphere_log_mean, -sphere_log_sd, -smooth_sigma, -shift sx,sy,sz,
 * -voxel_size. Collective on comm (one PetscOptionsBegin block, so -help lists them). */
PetscErrorCode ms_membrane_params_from_options(MPI_Comm comm, const char *prefix, ms_membrane_params *p);

/* MS_ERR_USER naming the parameter when a value is out of range. Not collective. */
PetscErrorCode ms_membrane_params_check(MPI_Comm comm, const ms_membrane_params *p);

/* Per-structure seed of a batch: a function of (user seed, structure index) only. */
uint64_t ms_membrane_structure_seed(uint64_t user_seed, int64_t index);

/* Compute the periodic tessellation (steps 1-3). Not collective (rank-local, deterministic). */
PetscErrorCode ms_membrane_tessellate(const ms_membrane_params *p, ms_membrane_graph *g);
PetscErrorCode ms_membrane_graph_destroy(ms_membrane_graph *g);

/* Generate the structure as a z-slab distributed volume on comm (solid = 1 on the stanchions,
 * pore = 0), with every parameter recorded in v's metadata. Collective only through
 * ms_volume_create; creates *v (destroy with ms_volume_destroy). */
PetscErrorCode ms_membrane_generate(MPI_Comm comm, const ms_membrane_params *p, ms_volume *v);

/* Rasterise planes [z_begin, z_begin + nzb) (global z, wrapped periodically, may start below 0)
 * of the structure described by p into buf (nzb * ny * nx uint8). Rank-local; used by
 * ms_membrane_generate and by callers that want a window of a structure. */
PetscErrorCode ms_membrane_rasterize(const ms_membrane_params *p, const ms_membrane_graph *g, int64_t z_begin,
                                     int64_t nzb, uint8_t *buf);

#endif
