/* ms_membrane_sample.c - batch parameter-range options (ms_membrane_sample.h). */
#include "ms_membrane_sample.h"

PetscErrorCode ms_membrane_sampler_from_options(MPI_Comm comm, ms_membrane_sampler *s, PetscBool *any)
{
  PetscInt  axis = (PetscInt)s->axis, n_npr = 2, n_rr = 2, n_sr = 2;
  PetscReal rr[2] = {s->radius[0], s->radius[1]}, sr[2] = {s->stretch[0], s->stretch[1]};
  PetscBool has_axis, has_sr;

  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "Batch parameter ranges (structure i drawn from stream (-seed, 2i))", "ms_membrane_sample");
  PetscCall(PetscOptionsIntArray("-n_points_range", "batch: n_points uniform in lo,hi (integers)", "ms_membrane_sample", s->n_points, &n_npr, &s->has_n_points));
  PetscCall(PetscOptionsRealArray("-radius_range", "batch: radius uniform in lo,hi (voxels)", "ms_membrane_sample", rr, &n_rr, &s->has_radius));
  PetscCall(PetscOptionsEList("-stretch_axis", "batch: fixed = use -stretch; x|y|z = that axis; none; random = x, y, z or none alike; pair = two axes",
                              "ms_membrane_sample", ms_membrane_axis_names, 7, ms_membrane_axis_names[axis], &axis, &has_axis));
  PetscCall(PetscOptionsRealArray("-stretch_range", "batch: stretch factor uniform in lo,hi", "ms_membrane_sample", sr, &n_sr, &has_sr));
  PetscOptionsEnd();
  /* Array lengths are known only after PetscOptionsEnd. */
  if (s->has_n_points && (n_npr != 2 || s->n_points[0] < 2 || s->n_points[1] < s->n_points[0]))
    SETERRQ(comm, MS_ERR_USER, "-n_points_range lo,hi: expected 2 <= lo <= hi");
  if (s->has_radius && (n_rr != 2 || !(rr[0] > 0) || rr[1] < rr[0])) SETERRQ(comm, MS_ERR_USER, "-radius_range lo,hi: expected 0 < lo <= hi");
  if (has_sr && (n_sr != 2 || !(sr[0] > 0) || sr[1] < sr[0] || sr[1] > 1)) SETERRQ(comm, MS_ERR_USER, "-stretch_range lo,hi: expected 0 < lo <= hi <= 1");
  s->radius[0]  = rr[0];
  s->radius[1]  = rr[1];
  s->stretch[0] = sr[0];
  s->stretch[1] = sr[1];
  s->axis       = (ms_membrane_axis)axis;
  *any          = (PetscBool)(s->has_n_points || s->has_radius || has_sr || has_axis);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_sampler_describe(const ms_membrane_sampler *s, char *buf, size_t len)
{
  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(buf, len, "n_points_range=%s%d,%d radius_range=%s%.17g,%.17g stretch_axis=%s stretch_range=%.17g,%.17g",
                          s->has_n_points ? "" : "off:", (int)s->n_points[0], (int)s->n_points[1], s->has_radius ? "" : "off:", s->radius[0],
                          s->radius[1], ms_membrane_axis_names[s->axis], s->stretch[0], s->stretch[1]));
  PetscFunctionReturn(0);
}
