/* ms_membrane_sample.h - the batch parameter-range options, read once for every command that
 * samples structures (`generate -batch`, `label`), so the same -seed, base parameters and
 * ranges give the same structure i everywhere (tests/cli/label.sh checks it). The sampler
 * itself (ms_membrane_sampler, ms_membrane_sample: structure i from stream (seed, 2i)) is in
 * ms_membrane.h.
 *
 * Options (no prefix):
 *   -n_points_range lo,hi     n_points uniform in [lo, hi] (integers, 2 <= lo <= hi)
 *   -radius_range lo,hi       radius uniform in [lo, hi] voxels (0 < lo <= hi)
 *   -stretch_axis fixed|random|x|y|z|none|pair   (default fixed: keep -stretch)
 *   -stretch_range lo,hi      stretch factor uniform in [lo, hi] (0 < lo <= hi <= 1; default 0.5,1)
 */
#ifndef MS_MEMBRANE_SAMPLE_H
#define MS_MEMBRANE_SAMPLE_H

#include "ms_membrane.h"

/* Read the four options into *s (starting from its values; one PetscOptionsBegin block, so
 * -help lists them). *any = PETSC_TRUE when at least one was given. Errors (MS_ERR_USER) name
 * the option and the expected form. Collective on comm. */
PetscErrorCode ms_membrane_sampler_from_options(MPI_Comm comm, ms_membrane_sampler *s, PetscBool *any);

/* One line describing the sampler exactly (%.17g), for campaign definitions. Not collective. */
PetscErrorCode ms_membrane_sampler_describe(const ms_membrane_sampler *s, char *buf, size_t len);

#endif
