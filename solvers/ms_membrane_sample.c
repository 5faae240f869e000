/* ms_membrane_sample.c - structure i of a batch from parameter ranges (ms_membrane_sample.h). */
#include "ms_membrane_sample.h"
#include "ms_rng.h"

const char *const ms_membrane_stretch_axis_names[] = {"random", "x", "y", "z", "none", "pair"};

ms_membrane_ranges ms_membrane_ranges_default(void)
{
  ms_membrane_ranges r;
  PetscMemzero(&r, sizeof r);
  r.stretch[0] = 0.5;
  r.stretch[1] = 1.0;
  r.axis       = MS_STRETCH_RANDOM;
  return r;
}

PetscBool ms_membrane_ranges_any(const ms_membrane_ranges *r)
{
  return (PetscBool)(r->has_n_points || r->has_radius || r->has_stretch || r->has_axis);
}

PetscErrorCode ms_membrane_ranges_from_options(MPI_Comm comm, ms_membrane_ranges *r)
{
  PetscInt  two, axis = (PetscInt)r->axis;
  PetscReal rr[2] = {r->radius[0], r->radius[1]}, sr[2] = {r->stretch[0], r->stretch[1]};

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Parameter ranges of a batch (structure i sampled from stream (seed, 2i))", "ms_membrane_sample");
  two = 2;
  PetscCall(PetscOptionsIntArray("-n_points_range", "batch: n_points uniform in lo,hi (integers)", "ms_membrane_sample", r->n_points, &two, &r->has_n_points));
  if (r->has_n_points && (two != 2 || r->n_points[0] < 2 || r->n_points[1] < r->n_points[0]))
    SETERRQ(comm, MS_ERR_USER, "-n_points_range lo,hi: expected 2 <= lo <= hi");
  two = 2;
  PetscCall(PetscOptionsRealArray("-radius_range", "batch: radius uniform in lo,hi (voxels)", "ms_membrane_sample", rr, &two, &r->has_radius));
  if (r->has_radius && (two != 2 || !(rr[0] > 0) || rr[1] < rr[0])) SETERRQ(comm, MS_ERR_USER, "-radius_range lo,hi: expected 0 < lo <= hi");
  PetscCall(PetscOptionsEList("-stretch_axis", "batch: stretched axis (random = x, y, z or none equally; pair = two axes)", "ms_membrane_sample",
                              ms_membrane_stretch_axis_names, 6, ms_membrane_stretch_axis_names[axis], &axis, &r->has_axis));
  two = 2;
  PetscCall(PetscOptionsRealArray("-stretch_range", "batch: stretch factor uniform in lo,hi (default 0.5,1)", "ms_membrane_sample", sr, &two, &r->has_stretch));
  if (r->has_stretch && (two != 2 || !(sr[0] > 0) || sr[1] < sr[0] || sr[1] > 1))
    SETERRQ(comm, MS_ERR_USER, "-stretch_range lo,hi: expected 0 < lo <= hi <= 1");
  PetscOptionsEnd();
  r->axis = (ms_membrane_stretch_axis)axis;
  for (int k = 0; k < 2; k++) {
    r->radius[k]  = rr[k];
    r->stretch[k] = sr[k];
  }
  PetscFunctionReturn(0);
}

void ms_membrane_sample(const ms_membrane_ranges *r, const ms_membrane_params *base, uint64_t user_seed, int64_t index,
                        ms_membrane_params *p)
{
  ms_rng rng;
  *p = *base;
  ms_rng_init(&rng, user_seed, 2 * (uint64_t)index);
  if (r->has_n_points) p->n_points = r->n_points[0] + (PetscInt)ms_rng_below(&rng, (uint64_t)(r->n_points[1] - r->n_points[0] + 1));
  if (r->has_radius) p->radius = r->radius[0] + (r->radius[1] - r->radius[0]) * ms_rng_uniform(&rng);
  ms_membrane_stretch_axis a = r->axis;
  if (a == MS_STRETCH_RANDOM) a = (ms_membrane_stretch_axis)(MS_STRETCH_X + ms_rng_below(&rng, 4)); /* x, y, z or none */
  const double lo = r->stretch[0], hi = r->stretch[1];
  if (a == MS_STRETCH_X || a == MS_STRETCH_Y || a == MS_STRETCH_Z) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
    p->stretch[a - MS_STRETCH_X] = lo + (hi - lo) * ms_rng_uniform(&rng);
  } else if (a == MS_STRETCH_PAIR) { /* two distinct axes, each with its own factor */
    const int skip = (int)ms_rng_below(&rng, 3);
    for (int k = 0; k < 3; k++) p->stretch[k] = k == skip ? 1.0 : lo + (hi - lo) * ms_rng_uniform(&rng);
  } else if (a == MS_STRETCH_NONE) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
  }
  p->seed = ms_membrane_structure_seed(user_seed, index);
}

PetscErrorCode ms_membrane_ranges_describe(const ms_membrane_ranges *r, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "n_points_range=%s%d,%d radius_range=%s%.17g,%.17g stretch_axis=%s stretch_range=%.17g,%.17g",
                          r->has_n_points ? "" : "off:", (int)r->n_points[0], (int)r->n_points[1], r->has_radius ? "" : "off:",
                          r->radius[0], r->radius[1], ms_membrane_stretch_axis_names[r->axis], r->stretch[0], r->stretch[1]));
  PetscFunctionReturn(0);
}
