/* cmd_generate.c - `matscreen generate`: digital membranes (solvers/ms_membrane.h).
 *
 * One structure: the volume is distributed over all ranks in z-slabs and written to
 * -output as /volume. A batch (-batch N with parameter ranges, or -params table.csv with one
 * row per structure): structure i is generated on rank i mod P alone and written to
 * /structures/NNNNNN of one collectively created file, its parameters to /parameters/<name>.
 */
#include "ms_commands.h"
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_image.h"
#include "ms_log.h"
#include "ms_membrane.h"
#include "ms_options.h"
#include "ms_rng.h"
#include <string.h>

const char ms_cmd_generate_help[] =
  "Generate porous membranes: stanchions of radius -radius on the edges of a periodic Voronoi\n"
  "tessellation of -n_points seeds, stretched by -stretch ex,ey,ez (spec 1.11).\n"
  "  matscreen generate -size 200 -n_points 170 -radius 3.4 -seed 7 -output m.h5\n"
  "  mpirun -n 4 matscreen generate -batch 100 -n_points_range 40,170 -stretch_axis random\n"
  "         -stretch_range 0.5,1 -seed 1 -output set.h5\n"
  "  matscreen generate -params table.csv -output set.h5   (columns named like the options)\n"
  "In a batch -seed is the user seed: structure i uses ms_membrane_structure_seed(seed, i).\n";

typedef enum { AXIS_RANDOM, AXIS_X, AXIS_Y, AXIS_Z, AXIS_NONE, AXIS_PAIR } stretch_axis;
static const char *const axis_names[] = {"random", "x", "y", "z", "none", "pair"};

/* Parameter columns of a batch, in /parameters and in -params tables. */
enum { P_N_POINTS, P_RADIUS, P_STRETCH_X, P_STRETCH_Y, P_STRETCH_Z, P_SEED, P_SPHERES, P_SPHERE_FRACTION, P_SPHERE_LOG_MEAN,
       P_SPHERE_LOG_SD, P_SMOOTH_SIGMA, P_NCOL };
static const char *const col_names[P_NCOL] = {"n_points",  "radius",          "stretch_x",       "stretch_y",     "stretch_z",   "seed",
                                              "spheres",   "sphere_fraction", "sphere_log_mean", "sphere_log_sd", "smooth_sigma"};

static void params_to_row(const ms_membrane_params *p, double *row)
{
  row[P_N_POINTS] = (double)p->n_points; row[P_RADIUS] = p->radius;
  for (int i = 0; i < 3; i++) row[P_STRETCH_X + i] = p->stretch[i];
  row[P_SEED] = (double)p->seed; row[P_SPHERES] = (double)p->sphere_count; row[P_SPHERE_FRACTION] = p->sphere_fraction;
  row[P_SPHERE_LOG_MEAN] = p->sphere_log_mean; row[P_SPHERE_LOG_SD] = p->sphere_log_sd; row[P_SMOOTH_SIGMA] = p->smooth_sigma;
}

static void row_to_params(const double *row, ms_membrane_params *p)
{
  p->n_points = (PetscInt)row[P_N_POINTS]; p->radius = row[P_RADIUS];
  for (int i = 0; i < 3; i++) p->stretch[i] = row[P_STRETCH_X + i];
  p->seed = (uint64_t)row[P_SEED]; p->sphere_count = (PetscInt)row[P_SPHERES]; p->sphere_fraction = row[P_SPHERE_FRACTION];
  p->sphere_log_mean = row[P_SPHERE_LOG_MEAN]; p->sphere_log_sd = row[P_SPHERE_LOG_SD]; p->smooth_sigma = row[P_SMOOTH_SIGMA];
}

typedef struct {
  PetscInt     batch, resize;
  char         params[PETSC_MAX_PATH_LEN], output[PETSC_MAX_PATH_LEN];
  PetscBool    has_params, has_npr, has_rr, has_sr;
  PetscInt     npr[2];
  PetscReal    rr[2], sr[2];
  stretch_axis axis;
} gen_opts;

/* Structure i of a -batch: parameters sampled from stream (user seed, 2i). */
static void sample(const gen_opts *o, const ms_membrane_params *base, int64_t i, ms_membrane_params *p)
{
  ms_rng r;
  *p = *base;
  ms_rng_init(&r, base->seed, 2 * (uint64_t)i);
  if (o->has_npr) p->n_points = o->npr[0] + (PetscInt)ms_rng_below(&r, (uint64_t)(o->npr[1] - o->npr[0] + 1));
  if (o->has_rr) p->radius = o->rr[0] + (o->rr[1] - o->rr[0]) * ms_rng_uniform(&r);
  stretch_axis a = o->axis;
  if (a == AXIS_RANDOM) a = (stretch_axis)(AXIS_X + ms_rng_below(&r, 4)); /* x, y, z or none, equally likely */
  const double lo = o->has_sr ? o->sr[0] : 0.5, hi = o->has_sr ? o->sr[1] : 1.0;
  if (a == AXIS_X || a == AXIS_Y || a == AXIS_Z) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
    p->stretch[a - AXIS_X] = lo + (hi - lo) * ms_rng_uniform(&r);
  } else if (a == AXIS_PAIR) { /* two distinct axes, each with its own factor */
    const int skip = (int)ms_rng_below(&r, 3);
    for (int k = 0; k < 3; k++) p->stretch[k] = k == skip ? 1.0 : lo + (hi - lo) * ms_rng_uniform(&r);
  } else if (a == AXIS_NONE) {
    p->stretch[0] = p->stretch[1] = p->stretch[2] = 1.0;
  }
  p->seed = ms_membrane_structure_seed(base->seed, i);
}

/* Rows of a -params table, columns named like the options; absent columns keep base values. */
static PetscErrorCode read_table(MPI_Comm comm, const char *path, const ms_membrane_params *base, int64_t *n, double **rows)
{
  ms_dataset       ds, rep;
  ms_csv_read_opts ro;
  double           def[P_NCOL];

  PetscFunctionBeginUser;
  memset(&ro, 0, sizeof ro);
  ro.task = MS_TASK_NONE;
  PetscCall(ms_dataset_read_csv(comm, path, &ro, &ds));
  PetscCall(ms_dataset_allgather(ds, &rep));
  PetscCall(ms_dataset_destroy(&ds));
  int64_t map[P_NCOL];
  for (int c = 0; c < P_NCOL; c++) map[c] = ms_dataset_feature_index(rep, col_names[c]);
  for (int64_t j = 0; j < rep->n_features; j++) {
    PetscBool known = PETSC_FALSE;
    for (int c = 0; c < P_NCOL; c++) known = known || map[c] == j;
    if (!known) SETERRQ(comm, MS_ERR_USER, "-params '%s': unknown column '%s' (expected columns among n_points, radius, stretch_x, stretch_y, stretch_z, seed, spheres, sphere_fraction, sphere_log_mean, sphere_log_sd, smooth_sigma)", path, rep->feature_names[j]);
  }
  params_to_row(base, def);
  *n = rep->n_global;
  PetscCall(PetscMalloc1(*n * P_NCOL + 1, rows));
  for (int64_t i = 0; i < *n; i++)
    for (int c = 0; c < P_NCOL; c++) (*rows)[i * P_NCOL + c] = map[c] >= 0 ? rep->X[i * rep->n_features + map[c]] : def[c];
  for (int64_t i = 0; i < *n; i++) {
    ms_membrane_params p = *base;
    row_to_params(*rows + i * P_NCOL, &p);
    /* Quiet inner check, so the one message names the row. */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscErrorCode ierr = ms_membrane_params_check(PETSC_COMM_SELF, &p);
    PetscCall(PetscPopErrorHandler());
    if (ierr) {
      const char *why = NULL;
      PetscErrorMessage(ierr, NULL, (char **)&why);
      SETERRQ(comm, MS_ERR_USER, "-params '%s': data row %" PRId64 ": %s", path, i + 1, why ? why : "invalid parameters");
    }
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscFunctionReturn(0);
}

static PetscErrorCode write_batch(MPI_Comm comm, const gen_opts *o, const ms_membrane_params *base, int64_t n, const double *rows)
{
  PetscMPIInt size, rank;
  ms_h5_file  f;
  hid_t       grp;
  double     *por, *gpor;
  ms_progress prog;
  const int64_t out[3] = {o->resize > 0 ? o->resize : base->nx, o->resize > 0 ? o->resize : base->ny, o->resize > 0 ? o->resize : base->nz};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscCalloc2(n, &por, n, &gpor));
  PetscCall(ms_h5_create(comm, o->output, &f));
  if (o->has_params) PetscCall(ms_h5_add_input(f, o->params));
  PetscCall(ms_h5_group_ensure(f->fid, "/structures", &grp));
  PetscCall(ms_progress_begin(comm, "generating", n, &prog));
  /* Rounds of P structures: dataset creation and closing are collective in parallel HDF5,
     the generation and the (independent) write of structure i happen on rank i mod P. */
  for (int64_t r0 = 0; r0 < n; r0 += size) {
    const int64_t cnt = PetscMin((int64_t)size, n - r0);
    hid_t         dset[cnt];
    hsize_t       dims[3] = {(hsize_t)out[2], (hsize_t)out[1], (hsize_t)out[0]};
    hid_t         space   = H5Screate_simple(3, dims, NULL);
    for (int64_t k = 0; k < cnt; k++) {
      char name[32];
      ms_membrane_params p = *base;
      row_to_params(rows + (r0 + k) * P_NCOL, &p);
      PetscCall(PetscSNPrintf(name, sizeof name, "%06" PRId64, r0 + k));
      dset[k] = H5Dcreate2(grp, name, H5T_NATIVE_UINT8, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
      MS_H5CHK(dset[k], comm, "cannot create dataset /structures/%s in '%s'", name, o->output);
      for (int c = 0; c < P_NCOL; c++) PetscCall(ms_h5_attr_set_double(dset[k], col_names[c], rows[(r0 + k) * P_NCOL + c]));
    }
    H5Sclose(space);
    const int64_t k = rank;
    if (k < cnt) {
      ms_membrane_params p = *base;
      ms_volume          v, w;
      row_to_params(rows + (r0 + k) * P_NCOL, &p);
      PetscCall(ms_membrane_generate(PETSC_COMM_SELF, &p, &v));
      if (o->resize > 0) {
        PetscCall(ms_image_resize(v, out, PETSC_TRUE, &w));
        PetscCall(ms_volume_destroy(&v));
        v = w;
      }
      PetscCall(ms_volume_fraction(v, 0, &por[r0 + k]));
      MS_H5CHK(H5Dwrite(dset[k], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data), PETSC_COMM_SELF,
               "writing /structures/%06" PRId64 " of '%s' failed", r0 + k, o->output);
      PetscCall(ms_volume_destroy(&v));
    }
    for (int64_t j = 0; j < cnt; j++) H5Dclose(dset[j]);
    PetscCall(ms_progress_update(&prog, r0 + cnt));
  }
  PetscCall(ms_progress_end(&prog));
  H5Gclose(grp);
  PetscCallMPI(MPI_Allreduce(por, gpor, (int)n, MPI_DOUBLE, MPI_SUM, comm));
  /* Parameter columns: every rank holds every row; rank 0 writes them. */
  hid_t pg;
  PetscCall(ms_h5_group_ensure(f->fid, "/parameters", &pg));
  double *col;
  PetscCall(PetscMalloc1(n, &col));
  for (int c = 0; c < P_NCOL; c++) {
    for (int64_t i = 0; i < n; i++) col[i] = rows[i * P_NCOL + c];
    PetscCall(ms_h5_write_rows_double(pg, col_names[c], n, 0, rank ? 0 : n, 0, col));
  }
  PetscCall(ms_h5_write_rows_double(pg, "porosity", n, 0, rank ? 0 : n, 0, gpor));
  PetscCall(PetscFree(col));
  PetscCall(ms_h5_attr_set_int(pg, "nx", out[0]));
  PetscCall(ms_h5_attr_set_int(pg, "ny", out[1]));
  PetscCall(ms_h5_attr_set_int(pg, "nz", out[2]));
  PetscCall(ms_h5_attr_set_int(pg, "generated_nx", base->nx));
  PetscCall(ms_h5_attr_set_int(pg, "generated_ny", base->ny));
  PetscCall(ms_h5_attr_set_int(pg, "generated_nz", base->nz));
  PetscCall(ms_h5_attr_set_double(pg, "voxel_size", base->voxel_size * (double)base->nx / (double)out[0]));
  H5Gclose(pg);
  PetscCall(ms_h5_commit(&f));
  double mean = 0;
  for (int64_t i = 0; i < n; i++) mean += gpor[i] / (double)n;
  PetscCall(ms_log(comm, "generate: %" PRId64 " structures of %" PRId64 "x%" PRId64 "x%" PRId64 " on %d rank(s), mean porosity %.4f -> %s\n", n, out[0],
                   out[1], out[2], (int)size, mean, o->output));
  PetscCall(PetscFree2(por, gpor));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_generate(MPI_Comm comm)
{
  gen_opts           o;
  ms_membrane_params base = ms_membrane_params_default();
  PetscBool          help, has_out, has_axis;
  PetscInt           axis = AXIS_RANDOM, two = 2;

  PetscFunctionBeginUser;
  memset(&o, 0, sizeof o);
  PetscOptionsBegin(comm, NULL, "matscreen generate", "generate");
  PetscCall(PetscOptionsString("-output", "output HDF5 file (/volume, or /structures and /parameters for a batch)", "generate", o.output, o.output, sizeof o.output, &has_out));
  PetscCall(PetscOptionsInt("-batch", "number of structures with parameters sampled from the ranges (0 = one structure)", "generate", o.batch, &o.batch, NULL));
  PetscCall(PetscOptionsString("-params", "CSV table, one structure per row, columns named like the options", "generate", o.params, o.params, sizeof o.params, &o.has_params));
  two = 2;
  PetscCall(PetscOptionsIntArray("-n_points_range", "batch: n_points uniform in lo,hi (integers)", "generate", o.npr, &two, &o.has_npr));
  if (o.has_npr && (two != 2 || o.npr[0] < 2 || o.npr[1] < o.npr[0])) SETERRQ(comm, MS_ERR_USER, "-n_points_range lo,hi: expected 2 <= lo <= hi");
  two = 2;
  PetscCall(PetscOptionsRealArray("-radius_range", "batch: radius uniform in lo,hi (voxels)", "generate", o.rr, &two, &o.has_rr));
  if (o.has_rr && (two != 2 || !(o.rr[0] > 0) || o.rr[1] < o.rr[0])) SETERRQ(comm, MS_ERR_USER, "-radius_range lo,hi: expected 0 < lo <= hi");
  PetscCall(PetscOptionsEList("-stretch_axis", "batch: stretched axis (random = x, y, z or none equally; pair = two axes)", "generate", axis_names, 6, axis_names[axis], &axis, &has_axis));
  o.axis = (stretch_axis)axis;
  two = 2;
  PetscCall(PetscOptionsRealArray("-stretch_range", "batch: stretch factor uniform in lo,hi (default 0.5,1)", "generate", o.sr, &two, &o.has_sr));
  if (o.has_sr && (two != 2 || !(o.sr[0] > 0) || o.sr[1] < o.sr[0] || o.sr[1] > 1)) SETERRQ(comm, MS_ERR_USER, "-stretch_range lo,hi: expected 0 < lo <= hi <= 1");
  PetscCall(PetscOptionsInt("-resize", "resize every structure to n^3 (cubic, re-binarised at 0.5; 0 = off)", "generate", o.resize, &o.resize, NULL));
  PetscOptionsEnd();
  PetscCall(ms_membrane_params_from_options(comm, NULL, &base));
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  if (!has_out) SETERRQ(comm, MS_ERR_USER, "missing required option -output FILE.h5");
  if (o.batch < 0 || o.resize < 0) SETERRQ(comm, MS_ERR_USER, "-batch and -resize must be >= 0");
  if (o.batch > 0 && o.has_params) SETERRQ(comm, MS_ERR_USER, "-batch and -params are exclusive: give the structures either by ranges or by a table");
  if (!o.batch && !o.has_params && (o.has_npr || o.has_rr || o.has_sr || has_axis))
    SETERRQ(comm, MS_ERR_USER, "-n_points_range/-radius_range/-stretch_axis/-stretch_range need -batch N");

  if (o.batch > 0 || o.has_params) {
    int64_t n    = 0;
    double *rows = NULL;
    if (o.has_params) PetscCall(read_table(comm, o.params, &base, &n, &rows));
    else {
      n = o.batch;
      PetscCall(PetscMalloc1(n * P_NCOL, &rows));
      for (int64_t i = 0; i < n; i++) {
        ms_membrane_params p;
        sample(&o, &base, i, &p);
        params_to_row(&p, rows + i * P_NCOL);
      }
    }
    PetscCall(write_batch(comm, &o, &base, n, rows));
    PetscCall(PetscFree(rows));
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
  PetscCall(ms_volume_set_meta(v, "porosity", "%.9g", porosity));
  PetscCall(ms_volume_save(v, o.output, "volume"));
  PetscCall(ms_log(comm, "generate: %" PRId64 "x%" PRId64 "x%" PRId64 ", %" PetscInt_FMT " points, radius %g, stretch %g,%g,%g, seed %" PRIu64
                   ": porosity %.4f (%.2f s) -> %s\n", v->nx, v->ny, v->nz, base.n_points, base.radius, base.stretch[0], base.stretch[1],
                   base.stretch[2], base.seed, porosity, t1 - t0, o.output));
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}
