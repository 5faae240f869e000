/* cmd_generate.c - `matscreen generate`: digital membranes (solvers/ms_membrane.h).
 *
 * One structure: the volume is distributed over all ranks in z-slabs and written to
 * -output as /volume. A batch (-batch N with parameter ranges, or -params table.csv with one
 * row per structure): structure i is generated on rank i mod P alone and written to
 * /structures/NNNNNN of one collectively created file, its parameters to /parameters/<name>.
 */
#include "ms_commands.h"
#include "ms_image.h"
#include "ms_log.h"
#include "ms_membrane.h"
#include "ms_membrane_sample.h"
#include "ms_options.h"
#include <string.h>

const char ms_cmd_generate_help[] =
  "Generate porous membranes: stanchions of radius -radius on the edges of a periodic Voronoi\n"
  "tessellation of -n_points seeds, stretched by -stretch ex,ey,ez (factors below 1 elongate the cells).\n"
  "  matscreen generate -size 200 -n_points 170 -radius 3.4 -seed 7 -output m.h5\n"
  "  mpirun -n 4 matscreen generate -batch 100 -n_points_range 40,170 -stretch_axis random\n"
  "         -stretch_range 0.5,1 -seed 1 -output set.h5\n"
  "  matscreen generate -params table.csv -output set.h5   (columns named like the options)\n"
  "In a batch -seed is the user seed: structure i gets its own seed derived from (seed, i), the\n"
  "same on any number of ranks; the stretch stays -stretch unless -stretch_axis samples it.\n";

typedef struct {
  PetscInt  batch, resize;
  char      params[PETSC_MAX_PATH_LEN], output[PETSC_MAX_PATH_LEN];
  PetscBool has_params, resume;
} gen_opts;

PetscErrorCode ms_cmd_generate(MPI_Comm comm)
{
  gen_opts            o;
  ms_membrane_params  base = ms_membrane_params_default();
  ms_membrane_sampler smp  = ms_membrane_sampler_default();
  PetscBool           help, has_out, has_ranges;

  PetscFunctionBeginUser;
  memset(&o, 0, sizeof o);
  PetscOptionsBegin(comm, NULL, "matscreen generate", "generate");
  PetscCall(PetscOptionsString("-output", "output HDF5 file (/volume, or /structures and /parameters for a batch)", "generate", o.output, o.output, sizeof o.output, &has_out));
  PetscCall(PetscOptionsInt("-batch", "number of structures with parameters sampled from the ranges (0 = one structure)", "generate", o.batch, &o.batch, NULL));
  PetscCall(PetscOptionsString("-params", "CSV table, one structure per row, columns named like the options", "generate", o.params, o.params, sizeof o.params, &o.has_params));
  PetscCall(PetscOptionsInt("-resize", "resize every structure to n^3 (cubic, re-binarised at 0.5; 0 = off)", "generate", o.resize, &o.resize, NULL));
  PetscCall(PetscOptionsBool("-resume", "batch: finish a batch file that a signal stopped (same options as the first run)", "generate", o.resume, &o.resume, NULL));
  PetscOptionsEnd();
  PetscCall(ms_membrane_sampler_from_options(comm, &smp, &has_ranges));
  PetscCall(ms_membrane_params_from_options(comm, NULL, &base));
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  if (!has_out) SETERRQ(comm, MS_ERR_USER, "missing required option -output FILE.h5");
  if (o.batch < 0 || o.resize < 0) SETERRQ(comm, MS_ERR_USER, "-batch and -resize must be >= 0");
  if (o.batch > 0 && o.has_params) SETERRQ(comm, MS_ERR_USER, "-batch and -params are exclusive: give the structures either by ranges or by a table");
  if (o.resume && !o.batch && !o.has_params) SETERRQ(comm, MS_ERR_USER, "-resume continues a batch: give the same -batch/-params options as the stopped run");
  if (!o.batch && has_ranges)
    SETERRQ(comm, MS_ERR_USER, "-n_points_range/-radius_range/-stretch_axis/-stretch_range need -batch N");

  if (o.batch > 0 || o.has_params) {
    int64_t n    = 0;
    double *rows = NULL;
    if (o.has_params) PetscCall(ms_membrane_params_read_csv(comm, o.params, &base, &n, &rows));
    else {
      n = o.batch;
      PetscCall(PetscMalloc1(n * MS_MEMBRANE_NCOLS, &rows));
      for (int64_t i = 0; i < n; i++) {
        ms_membrane_params p;
        ms_membrane_sample(&smp, &base, base.seed, i, &p);
        ms_membrane_params_to_row(&p, rows + i * MS_MEMBRANE_NCOLS);
      }
    }
    ms_membrane_batch_opts bo = {o.resize, o.resume, o.has_params ? o.params : NULL};
    PetscMPIInt            size;
    int64_t                done;
    double                 t0 = MPI_Wtime();
    PetscCallMPI(MPI_Comm_size(comm, &size));
    PetscCall(ms_membrane_batch_write(comm, o.output, &base, n, rows, &bo, &done));
    PetscCall(PetscFree(rows));
    PetscCall(ms_log(comm, "generate: %" PRId64 " of %" PRId64 " structures done on %d rank(s) (%.3f s) -> %s\n", done, n, (int)size, MPI_Wtime() - t0,
                     o.output));
    PetscFunctionReturn(0);
  }

  ms_volume v;
  double    porosity, t0 = MPI_Wtime();
  PetscCall(ms_membrane_generate(comm, &base, &v));
  if (o.resize > 0) {
    ms_volume     w;
    const int64_t n3[3] = {o.resize, o.resize, o.resize};
    PetscCall(ms_image_resize(v, n3, PETSC_TRUE, &w));
    PetscCall(ms_volume_destroy(&v));
    v = w;
  }
  const double t1 = MPI_Wtime();
  PetscCall(ms_volume_fraction(v, 0, &porosity));
  PetscCall(ms_volume_set_meta(v, "porosity", "%#.17g", porosity));
  PetscCall(ms_volume_set_meta(v, "porosity_units", "1"));
  PetscCall(ms_volume_save(v, o.output, "volume"));
  PetscCall(ms_log(comm, "generate: %" PRId64 "x%" PRId64 "x%" PRId64 ", %" PetscInt_FMT " points, radius %g, stretch %g,%g,%g, seed %" PRIu64
                   ": porosity %.4f (%.3f s) -> %s\n", v->nx, v->ny, v->nz, base.n_points, base.radius, base.stretch[0], base.stretch[1],
                   base.stretch[2], base.seed, porosity, t1 - t0, o.output));
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}
