/* ms_image.h - 3-D image processing on z-slab distributed volumes: Gaussian filter,
 * porosity-matched threshold, crop and resize (spec §1.2, §2(b) CT processing).
 *
 * Data layout: C order [z][y][x]; a rank holds planes [z_start, z_start + nz_local) of a
 * global nx x ny x nz image, all of x and y (the ms_volume slab layout). Float images are
 * plain arrays in that layout (nz_local * ny * nx floats) owned by the caller; ms_volume
 * objects are created by the functions that say so and destroyed with ms_volume_destroy.
 * Any slab partition works (ranks may even own no plane): planes other ranks need are moved
 * with ms_image_fetch_planes (one MPI_Alltoallv), so results are identical on any number of
 * ranks.
 *
 * Gaussian filter: separable, weights w_k = exp(-k^2 / (2 sigma^2)) normalised to sum 1 for
 * |k| <= radius = (int)(truncate * sigma + 0.5) - the same kernel as SciPy's
 * scipy.ndimage.gaussian_filter(x, sigma, truncate=truncate), with mode "wrap" (periodic,
 * MS_IMAGE_WRAP) or "nearest" (clamp to the edge voxel, MS_IMAGE_NEAREST). The seeds specify
 * the CT filter by its variance (sigma^2 = 3 voxels^2), so pass sigma = sqrt(variance).
 * Sums are in double, stored as float. Passes run x, y, then z.
 *
 * Porosity-matched threshold: the grey level t at which the fraction of pore voxels equals a
 * target porosity - pore = value < t when pores are dark, value > t when bright. A global
 * 4096-bin histogram (MPI_Allreduce) brackets the quantile; bisection on the few values in
 * the bracket bin then finds t to float resolution. With ties (flat images) the porosity
 * reached is the closest one possible; it is returned.
 *
 * Resize: separable cubic convolution (Keys, a = -0.5, i.e. Catmull-Rom) with the voxel-centre
 * mapping s = (j + 0.5) * n_in / n_out - 0.5 and clamped edges; binary volumes are
 * re-binarised at 0.5 (the seeds' "spline interpolation" of 200^3 -> 128^3 leaves order and
 * threshold open; this is our documented choice, not SciPy's B-spline zoom).
 */
#ifndef MS_IMAGE_H
#define MS_IMAGE_H

#include "ms_core.h"
#include "ms_volume.h"

typedef enum { MS_IMAGE_WRAP = 0, MS_IMAGE_NEAREST = 1 } ms_image_boundary;
typedef enum { MS_IMAGE_PORE_DARK = 0, MS_IMAGE_PORE_BRIGHT = 1 } ms_image_pore;

/* Kernel radius (int)(truncate * sigma + 0.5), as SciPy. */
int ms_image_gaussian_radius(double sigma, double truncate);
/* The 2*radius+1 normalised weights (caller PetscFree's *w). Not collective. */
PetscErrorCode ms_image_gaussian_weights(double sigma, double truncate, int *radius, double **w);

/* Rank-local filter of a buffer of nzh planes whose first and last `halo` planes are halo
 * (already wrapped or clamped by the caller; halo >= radius): x and y are filtered on every
 * plane with boundary bc, z only on the interior planes [halo, nzh - halo). */
PetscErrorCode ms_image_gaussian_local(int64_t nx, int64_t ny, int64_t nzh, int halo, float *data, double sigma,
                                       double truncate, ms_image_boundary bc);

/* Collective: filter a z-slab float image in place (halo planes exchanged over comm). */
PetscErrorCode ms_image_gaussian_slab(MPI_Comm comm, int64_t nx, int64_t ny, int64_t nz, int64_t z_start,
                                      int64_t nz_local, float *data, double sigma, double truncate,
                                      ms_image_boundary bc);

/* Collective: every rank asks for n_req global planes req[] (any order, repeats allowed) of a
 * z-slab image and receives them, in that order, into dst (n_req * plane_bytes). src is this
 * rank's slab (nz_local planes starting at z_start). */
PetscErrorCode ms_image_fetch_planes(MPI_Comm comm, int64_t z_start, int64_t nz_local, size_t plane_bytes,
                                     const void *src, int64_t n_req, const int64_t *req, void *dst);

/* Volume <-> float: a float copy of v's slab (caller PetscFree's *f). */
PetscErrorCode ms_image_volume_to_float(ms_volume v, float **f);

/* Collective: threshold giving the target pore fraction (in [0,1]) over all ranks' values;
 * *achieved (may be NULL) is the pore fraction it gives. */
PetscErrorCode ms_image_porosity_threshold(MPI_Comm comm, int64_t n_local, const float *data, double porosity,
                                           ms_image_pore pore, double *threshold, double *achieved);
/* out[i] = 0 (pore) or 1 (solid) by the rule above. Not collective. */
void ms_image_binarize(int64_t n, const float *data, double threshold, ms_image_pore pore, uint8_t *out);

/* Collective CT segmentation: Gaussian filter with variance `variance` (voxels^2; 0 = none,
 * clamped boundary), porosity-matched threshold, binarise. Creates *seg on grey's comm with
 * grey's slab layout; records threshold/porosity/variance in its metadata. */
PetscErrorCode ms_image_segment(ms_volume grey, double variance, double porosity, ms_image_pore pore, ms_volume *seg,
                                double *threshold, double *achieved);

/* Collective: the box start[] (x,y,z) of size count[] of `in`, as a new volume on in's comm. */
PetscErrorCode ms_image_crop(ms_volume in, const int64_t start[3], const int64_t count[3], ms_volume *out);

/* Collective: resize to n[] = (nx, ny, nz) by separable cubic convolution; binary = PETSC_TRUE
 * re-binarises at 0.5, otherwise grey levels are rounded and clamped to 0..255. */
PetscErrorCode ms_image_resize(ms_volume in, const int64_t n[3], PetscBool binary, ms_volume *out);

#endif
