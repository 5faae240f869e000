/* ms_membrane_batch.c - parameters of many structures: sampling from ranges (keyed by
 * (user seed, structure index), so any rank can sample any structure), the flat row form used
 * by /parameters columns and by -params CSV tables. See ms_membrane.h.
 */
#include "ms_dataset.h"
#include "ms_membrane.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>

const char *const ms_membrane_axis_names[] = {"fixed", "random", "x", "y", "z", "none", "pair"};
const char *const ms_membrane_param_names[MS_MEMBRANE_NCOLS] = {"n_points", "radius", "stretch_x", "stretch_y", "stretch_z", "seed",
                                                                 "spheres", "sphere_fraction", "sphere_log_mean", "sphere_log_sd",
                                                                 "smooth_sigma"};

ms_membrane_sampler ms_membrane_sampler_default(void)
{
  ms_membrane_sampler s;
  memset(&s, 0, sizeof s);
  s.axis       = MS_MEMBRANE_AXIS_FIXED;
  s.stretch[0] = 0.5;
  s.stretch[1] = 1.0;
  return s;
}

void ms_membrane_sample(const ms_membrane_sampler *s, const ms_membrane_params *base, uint64_t user_seed, int64_t index, ms_membrane_params *p)
{
  ms_rng r;
  *p = *base;
  /* Even streams; ms_membrane_structure_seed uses the odd ones. */
  ms_rng_init(&r, user_seed, 2 * (uint64_t)index);
  if (s->has_n_points) p->n_points = s->n_points[0] + (PetscInt)ms_rng_below(&r, (uint64_t)(s->n_points[1] - s->n_points[0] + 1));
  if (s->has_radius) p->radius = s->radius[0] + (s->radius[1] - s->radius[0]) * ms_rng_uniform(&r);
  ms_membrane_axis a = s->axis;
  if (a == MS_MEMBRANE_AXIS_RANDOM) a = (ms_membrane_axis)(MS_MEMBRANE_AXIS_X + ms_rng_below(&r, 4)); /* x, y, z, none alike */
  const double lo = s->stretch[0], hi = s->stretch[1];
  if (a == MS_MEMBRANE_AXIS_X || a == MS_MEMBRANE_AXIS_Y || a == MS_MEMBRANE_AXIS_Z) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
    p->stretch[a - MS_MEMBRANE_AXIS_X] = lo + (hi - lo) * ms_rng_uniform(&r);
  } else if (a == MS_MEMBRANE_AXIS_PAIR) { /* two distinct axes, each with its own factor */
    const int skip = (int)ms_rng_below(&r, 3);
    for (int k = 0; k < 3; k++) p->stretch[k] = k == skip ? 1.0 : lo + (hi - lo) * ms_rng_uniform(&r);
  } else if (a == MS_MEMBRANE_AXIS_NONE) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
  }
  p->seed = ms_membrane_structure_seed(user_seed, index);
}

void ms_membrane_params_to_row(const ms_membrane_params *p, double *row)
{
  row[0] = (double)p->n_points;
  row[1] = p->radius;
  for (int i = 0; i < 3; i++) row[2 + i] = p->stretch[i];
  row[5]  = (double)p->seed;
  row[6]  = (double)p->sphere_count;
  row[7]  = p->sphere_fraction;
  row[8]  = p->sphere_log_mean;
  row[9]  = p->sphere_log_sd;
  row[10] = p->smooth_sigma;
}

void ms_membrane_params_from_row(const double *row, ms_membrane_params *p)
{
  p->n_points = (PetscInt)row[0];
  p->radius   = row[1];
  for (int i = 0; i < 3; i++) p->stretch[i] = row[2 + i];
  p->seed            = (uint64_t)row[5];
  p->sphere_count    = (PetscInt)row[6];
  p->sphere_fraction = row[7];
  p->sphere_log_mean = row[8];
  p->sphere_log_sd   = row[9];
  p->smooth_sigma    = row[10];
}

PetscErrorCode ms_membrane_params_read_csv(MPI_Comm comm, const char *path, const ms_membrane_params *base, int64_t *n, double **rows)
{
  ms_dataset       ds, rep;
  ms_csv_read_opts ro = {0};
  double           def[MS_MEMBRANE_NCOLS];
  int64_t          map[MS_MEMBRANE_NCOLS];

  PetscFunctionBeginUser;
  memset(&ro, 0, sizeof ro);
  ro.task = MS_TASK_NONE;
  PetscCall(ms_dataset_read_csv(comm, path, &ro, &ds));
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(ms_dataset_destroy(&ds));
  for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) map[c] = ms_dataset_feature_index(rep, ms_membrane_param_names[c]);
  for (int64_t j = 0; j < rep->n_features; j++) {
    PetscBool known = PETSC_FALSE;
    for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) known = known || map[c] == j;
    if (!known) {
      char col[256];
      PetscCall(PetscStrncpy(col, rep->feature_names[j], sizeof col));
      PetscCall(ms_dataset_destroy(&rep));
      SETERRQ(comm, MS_ERR_USER,
              "parameter table '%s': unknown column '%s' (expected columns among n_points, radius, stretch_x, stretch_y, stretch_z, seed, spheres, "
              "sphere_fraction, sphere_log_mean, sphere_log_sd, smooth_sigma)",
              path, col);
    }
  }
  ms_membrane_params_to_row(base, def);
  *n = rep->n_global;
  PetscCall(PetscMalloc1(*n * MS_MEMBRANE_NCOLS + 1, rows));
  for (int64_t i = 0; i < *n; i++)
    for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) (*rows)[i * MS_MEMBRANE_NCOLS + c] = map[c] >= 0 ? rep->X[i * rep->n_features + map[c]] : def[c];
  PetscCall(ms_dataset_destroy(&rep));
  for (int64_t i = 0; i < *n; i++) {
    ms_membrane_params p = *base;
    /* Counts and the seed become integers: check the range before converting (a value such
       as 1e86 made the conversion undefined; found by tests/fuzz/fuzz_csv). */
    static const int    int_col[] = {0, 5, 6};
    static const double int_max[] = {PETSC_MAX_INT, 18446744073709549568.0 /* < 2^64 */, PETSC_MAX_INT};
    for (int k = 0; k < 3; k++) {
      double x = (*rows)[i * MS_MEMBRANE_NCOLS + int_col[k]];
      if (!(x >= 0 && x <= int_max[k] && x == floor(x))) {
        PetscCall(PetscFree(*rows));
        SETERRQ(comm, MS_ERR_USER, "parameter table '%s': data row %" PRId64 ": %s = %g is not a whole number in [0, %.0f]", path, i + 1,
                ms_membrane_param_names[int_col[k]], x, int_max[k]);
      }
    }
    ms_membrane_params_from_row(*rows + i * MS_MEMBRANE_NCOLS, &p);
    /* Quiet inner check, so the one message names the row. */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscErrorCode ierr = ms_membrane_params_check(PETSC_COMM_SELF, &p);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      char *why = NULL;
      PetscErrorMessage(ierr, NULL, &why);
      PetscCall(PetscFree(*rows));
      SETERRQ(comm, MS_ERR_USER, "parameter table '%s': data row %" PRId64 ": %s", path, i + 1, why ? why : "invalid parameters");
    }
  }
  PetscFunctionReturn(0);
}
