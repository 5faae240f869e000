/* ms_membrane_sample.h - parameters of structure i of a batch or campaign, sampled from ranges.
 *
 * `matscreen generate -batch` and `matscreen label` read the same options through
 * ms_membrane_ranges_from_options() and call ms_membrane_sample(), so the same -seed, base
 * parameters and ranges give the same structure i in both (tests/cli/label.sh checks it).
 *
 * Structure i draws its parameters from the stream ms_rng(user seed, 2 i) in this order:
 * n_points (if -n_points_range), radius (if -radius_range), the stretched axis (if
 * -stretch_axis random: x, y, z or none, equally likely), then the stretch factor(s) uniform
 * in -stretch_range (default 0.5,1). Its structure seed is ms_membrane_structure_seed(user
 * seed, i). Every other parameter (size, spheres, smoothing, ...) comes from the base.
 *
 * Options (prefix-free):
 *   -n_points_range lo,hi     n_points uniform in [lo, hi] (integers, 2 <= lo <= hi)
 *   -radius_range lo,hi       radius uniform in [lo, hi) voxels (0 < lo <= hi)
 *   -stretch_axis random|x|y|z|none|pair   stretched axis (pair: two distinct axes)
 *   -stretch_range lo,hi      stretch factor uniform in [lo, hi) (0 < lo <= hi <= 1; default 0.5,1)
 * Without a range the base value is kept; -stretch_axis defaults to random.
 */
#ifndef MS_MEMBRANE_SAMPLE_H
#define MS_MEMBRANE_SAMPLE_H

#include "ms_membrane.h"

typedef enum {
  MS_STRETCH_RANDOM, MS_STRETCH_X, MS_STRETCH_Y, MS_STRETCH_Z, MS_STRETCH_NONE, MS_STRETCH_PAIR
} ms_membrane_stretch_axis;

extern const char *const ms_membrane_stretch_axis_names[]; /* "random", "x", "y", "z", "none", "pair" */

typedef struct {
  PetscBool                has_n_points, has_radius, has_stretch, has_axis; /* which options were given */
  PetscInt                 n_points[2];
  double                   radius[2];
  double                   stretch[2]; /* default 0.5, 1 */
  ms_membrane_stretch_axis axis;       /* default MS_STRETCH_RANDOM */
} ms_membrane_ranges;

/* Defaults as above, no range given. Not collective. */
ms_membrane_ranges ms_membrane_ranges_default(void);

/* Read the four options into *r (one PetscOptionsBegin block, so -help lists them); errors
 * (MS_ERR_USER) name the option and the expected form. Collective on comm. */
PetscErrorCode ms_membrane_ranges_from_options(MPI_Comm comm, ms_membrane_ranges *r);

/* PETSC_TRUE when any of the four options was given. */
PetscBool ms_membrane_ranges_any(const ms_membrane_ranges *r);

/* Parameters of structure `index`: base values, overridden by the samples, and the structure
 * seed derived from user_seed. Deterministic; not collective. */
void ms_membrane_sample(const ms_membrane_ranges *r, const ms_membrane_params *base, uint64_t user_seed, int64_t index,
                        ms_membrane_params *p);

/* One line describing the ranges exactly (%.17g), for campaign definitions. */
PetscErrorCode ms_membrane_ranges_describe(const ms_membrane_ranges *r, char *buf, size_t len);

#endif
