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
 *  3. Periodicity. The seeds are replicated in their periodic images around the (compressed)
 *     box and the Voronoi diagram is computed with qhull ("qhull v Qbb": Delaunay
 *     triangulation, Voronoi vertices = circumcentres of the Delaunay cells). A finite Voronoi
 *     edge joins the centres of two adjacent Delaunay cells; each periodic class of edges is
 *     kept once: the image whose midpoint lies in the primary box. Edges are mapped back to
 *     real space (x = x'/e). Only images within 3 mean cell lengths of the box are given to
 *     qhull; the result is accepted when the circumsphere of every Delaunay cell used lies
 *     inside that padded region (then no left-out image can violate it), otherwise the
 *     diagram is recomputed from all 27 images (125 below 24 seeds). Below ~5 seeds the
 *     images of one seed are cospherical and Voronoi vertices of degree > 4 appear.
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

/* Batches. A sampler draws the parameters of structure `index` from ranges with stream
 * ms_rng(user_seed, 2 * index) and sets its seed to ms_membrane_structure_seed(user_seed, index),
 * so any rank can produce any structure's parameters. Parameters without a range keep the
 * values of `base`. Stretch: FIXED keeps base->stretch; X/Y/Z stretch that axis by a factor
 * uniform in stretch[0..1] (others 1); NONE = isotropic; RANDOM picks x, y, z or none with
 * equal probability; PAIR stretches two distinct random axes, each with its own factor. */
typedef enum { MS_MEMBRANE_AXIS_FIXED, MS_MEMBRANE_AXIS_RANDOM, MS_MEMBRANE_AXIS_X, MS_MEMBRANE_AXIS_Y, MS_MEMBRANE_AXIS_Z,
               MS_MEMBRANE_AXIS_NONE, MS_MEMBRANE_AXIS_PAIR } ms_membrane_axis;
extern const char *const ms_membrane_axis_names[]; /* "fixed","random","x","y","z","none","pair" */
typedef struct {
  PetscBool        has_n_points, has_radius;
  PetscInt         n_points[2];   /* uniform integers in [lo, hi] */
  double           radius[2];     /* uniform in [lo, hi] */
  ms_membrane_axis axis;
  double           stretch[2];    /* factor range, default 0.5, 1 */
} ms_membrane_sampler;
ms_membrane_sampler ms_membrane_sampler_default(void); /* no ranges, FIXED stretch */
void ms_membrane_sample(const ms_membrane_sampler *s, const ms_membrane_params *base, uint64_t user_seed, int64_t index,
                        ms_membrane_params *p);

/* Flat rows of the per-structure parameters, in the order of ms_membrane_param_names (the
 * /parameters column names of a batch file and the column names of a parameter table). */
#define MS_MEMBRANE_NCOLS 11
extern const char *const ms_membrane_param_names[MS_MEMBRANE_NCOLS];
void ms_membrane_params_to_row(const ms_membrane_params *p, double *row);
void ms_membrane_params_from_row(const double *row, ms_membrane_params *p); /* size etc. untouched */
/* Collective: read a CSV table (one structure per row, columns named as above, any subset;
 * absent columns take base's values) and validate every row. Every rank gets all rows:
 * *rows is n x MS_MEMBRANE_NCOLS (caller PetscFree's). */
PetscErrorCode ms_membrane_params_read_csv(MPI_Comm comm, const char *path, const ms_membrane_params *base, int64_t *n, double **rows);

/* A batch file (collective on comm, one HDF5 file written with MPI-IO):
 *   /structures/NNNNNN  uint8 (nz, ny, nx), the per-structure parameters as attributes
 *   /parameters/<name>  float64 (n) for every ms_membrane_param_names column, porosity
 *                       (pore fraction, NaN until done), done (int64 0/1); attributes nx, ny,
 *                       nz, generated_nx.., voxel_size
 * Structures are generated in rounds of P (the k-th pending one of a round on rank k, on
 * PETSC_COMM_SELF), optionally resized to resize^3 (ms_image_resize, binary). A new file is
 * written as path.partial and renamed when the run ends. After every round the ranks agree
 * on SIGTERM/SIGINT (ms_signal_agree): a signalled run stops after the round and still
 * leaves a consistent file whose done column says what is missing; resume = PETSC_TRUE then
 * opens that file in place, checks that its parameter columns equal `rows` bit for bit and
 * generates only the missing structures. *n_done = structures done in the file. */
typedef struct {
  int64_t     resize; /* 0 = keep the generated size */
  PetscBool   resume;
  const char *input;  /* file recorded in the provenance (a parameter table), or NULL */
} ms_membrane_batch_opts;
PetscErrorCode ms_membrane_batch_write(MPI_Comm comm, const char *path, const ms_membrane_params *base, int64_t n, const double *rows,
                                       const ms_membrane_batch_opts *o, int64_t *n_done);

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
