/* ms_micro_set.c - descriptors of a set of volumes, their tables and HDF5 arrays
 * (ms_micro.h). Each volume uses all ranks (one FFT over the communicator); a set is a loop
 * with progress. */
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_micro.h"
#include "ms_provenance.h"
#include <math.h>

static const char axis_name[3] = {'x', 'y', 'z'};

static PetscErrorCode alloc_result(ms_micro_set_result *r)
{
  const int64_t n = r->n, sz[3] = {r->nx, r->ny, r->nz};
  PetscFunctionBegin;
  PetscCall(PetscCalloc4(n, &r->voxel_size, n, &r->porosity, n, &r->surface, n, &r->faces));
  for (int a = 0; a < 3; a++) {
    r->n_axis[a] = sz[a] / 2 + 1;
    r->n_len[a]  = sz[a];
    PetscCall(PetscCalloc4(n, &r->chord_mean[a], n, &r->chord_std[a], n, &r->chord_count[a], n, &r->chord_cut[a]));
    PetscCall(PetscCalloc3(n, &r->chord_spanning[a], n * r->n_len[a], &r->chord_hist[a], n * r->n_axis[a], &r->s2_axis[a]));
  }
  r->n_radial = PetscMin(r->nx, PetscMin(r->ny, r->nz)) / 2 + 1;
  PetscCall(PetscCalloc2(n * r->n_radial, &r->s2_radial, r->n_radial, &r->shell_lags));
  PetscFunctionReturn(0);
}

/* Volume i on the group communicator sub; the group's rank 0 stores row i (the other ranks'
 * rows stay zero for the sum that gathers them). */
static PetscErrorCode describe_one(MPI_Comm sub, ms_volume_set set, int64_t i, ms_micro_boundary b, ms_micro_set_result *r)
{
  ms_volume       v;
  ms_micro_s2     s;
  ms_micro_chords c;
  double          phi, sv;
  int64_t         faces;
  PetscMPIInt     rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(sub, &rank));
  PetscCall(ms_volume_set_load(sub, set, i, &v));
  PetscCheck(v->nx == r->nx && v->ny == r->ny && v->nz == r->nz, sub, PETSC_ERR_PLIB, "volume '%s' changed shape since it was listed",
             set->names[i]);
  {
    /* A grey CT stack is a valid uint8 volume but not a phase map: say so rather than report
     * the fraction of black voxels as porosity. */
    uint8_t mx = 0;
    for (int64_t k = 0; k < v->nz_local * v->ny * v->nx; k++) mx = PetscMax(mx, v->data[k]);
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &mx, 1, MPI_UINT8_T, MPI_MAX, sub));
    if (mx > 1)
      PetscCall(ms_warn(sub, "describe: volume '%s' has voxel values up to %d (grey levels?): pore = 0, every other value is solid; segment CT "
                             "stacks first (matscreen segment)\n",
                        set->names[i], (int)mx));
  }
  PetscCall(ms_micro_s2_compute(v, b, &s));
  PetscCall(ms_micro_chords_compute(v, b, &c));
  PetscCall(ms_volume_fraction(v, 0, &phi));
  PetscCall(ms_micro_surface(v, b, &sv, &faces));
  if (!rank) {
    r->porosity[i]   = phi;
    r->surface[i]    = sv;
    r->faces[i]      = faces;
    r->voxel_size[i] = v->voxel_size;
    for (int a = 0; a < 3; a++) {
      r->chord_mean[a][i]     = c.mean[a];
      r->chord_std[a][i]      = c.std[a];
      r->chord_count[a][i]    = c.count[a];
      r->chord_cut[a][i]      = c.cut_chords[a];
      r->chord_spanning[a][i] = c.spanning_lines[a];
      for (int64_t l = 0; l < c.n_len[a]; l++) r->chord_hist[a][i * c.n_len[a] + l] = (double)c.hist[a][l];
      for (int64_t k = 0; k < s.n_axis[a]; k++) r->s2_axis[a][i * s.n_axis[a] + k] = s.axis[a][k];
    }
    for (int64_t k = 0; k < s.n_radial; k++) r->s2_radial[i * s.n_radial + k] = s.radial[k];
    if (i == 0)
      for (int64_t k = 0; k < s.n_radial; k++) r->shell_lags[k] = s.shell_lags[k];
    r->round_residual = PetscMax(r->round_residual, s.round_residual);
    r->fft_seconds += s.fft_seconds;
    r->setup_seconds += s.setup_seconds;
  }
  ms_micro_s2_free(&s);
  ms_micro_chords_free(&c);
  PetscCall(ms_volume_destroy(&v));
  PetscFunctionReturn(0);
}

static PetscErrorCode sum_d(MPI_Comm comm, double *x, int64_t n)
{
  PetscFunctionBegin;
  PetscCheck(n < INT_MAX, comm, MS_ERR_USER, "describe: %lld values exceed one MPI reduction", (long long)n);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode sum_i(MPI_Comm comm, int64_t *x, int64_t n)
{
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_INT64_T, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_describe_set(MPI_Comm comm, ms_volume_set set, ms_micro_boundary b, PetscInt ranks_per_volume, ms_micro_set_result *r)
{
  ms_progress prog;
  PetscMPIInt size, rank;
  MPI_Comm    sub;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(r, sizeof *r));
  r->n        = set->n;
  r->boundary = b;
  r->nx       = set->shape[0];
  r->ny       = set->shape[1];
  r->nz       = set->shape[2];
  for (int64_t i = 1; i < set->n; i++) {
    const int64_t *sh = set->shape + 3 * i;
    PetscCheck(sh[0] == r->nx && sh[1] == r->ny && sh[2] == r->nz, comm, MS_ERR_USER,
               "describe: volume '%s' is %lld x %lld x %lld but '%s' is %lld x %lld x %lld: the volumes of one set must share a shape", set->names[i],
               (long long)sh[0], (long long)sh[1], (long long)sh[2], set->names[0], (long long)r->nx, (long long)r->ny, (long long)r->nz);
  }
  PetscCall(alloc_result(r));
  /* Groups of g consecutive ranks; group j takes volumes j, j + G, ... in rounds. */
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  const int g = ranks_per_volume > 0 && ranks_per_volume < size ? (int)ranks_per_volume : size, G = (size + g - 1) / g, color = rank / g;
  PetscCallMPI(MPI_Comm_split(comm, color, rank, &sub));
  const double t0 = MPI_Wtime();
  PetscCall(ms_progress_begin(comm, "describe", set->n, &prog));
  for (int64_t round = 0; round * G < set->n; round++) {
    const int64_t i = round * G + color;
    if (i < set->n) PetscCall(describe_one(sub, set, i, b, r));
    PetscCallMPI(MPI_Barrier(comm)); /* the round is done everywhere: an exact progress count */
    PetscCall(ms_progress_update(&prog, PetscMin(set->n, (round + 1) * G)));
  }
  PetscCall(ms_progress_end(&prog));
  PetscCallMPI(MPI_Comm_free(&sub));
  const int64_t n = r->n;
  PetscCall(sum_d(comm, r->voxel_size, n));
  PetscCall(sum_d(comm, r->porosity, n));
  PetscCall(sum_d(comm, r->surface, n));
  PetscCall(sum_i(comm, r->faces, n));
  for (int a = 0; a < 3; a++) {
    PetscCall(sum_d(comm, r->chord_mean[a], n));
    PetscCall(sum_d(comm, r->chord_std[a], n));
    PetscCall(sum_i(comm, r->chord_count[a], n));
    PetscCall(sum_i(comm, r->chord_cut[a], n));
    PetscCall(sum_i(comm, r->chord_spanning[a], n));
    PetscCall(sum_d(comm, r->chord_hist[a], n * r->n_len[a]));
    PetscCall(sum_d(comm, r->s2_axis[a], n * r->n_axis[a]));
  }
  PetscCall(sum_d(comm, r->s2_radial, n * r->n_radial));
  PetscCall(sum_i(comm, r->shell_lags, r->n_radial));
  double tm[2] = {r->fft_seconds, r->setup_seconds};
  PetscCall(sum_d(comm, tm, 2));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &r->round_residual, 1, MPI_DOUBLE, MPI_MAX, comm));
  r->fft_seconds   = tm[0];
  r->setup_seconds = tm[1];
  r->seconds       = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &r->seconds, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscFunctionReturn(0);
}

void ms_micro_set_result_free(ms_micro_set_result *r)
{
  PetscFree4(r->voxel_size, r->porosity, r->surface, r->faces);
  for (int a = 0; a < 3; a++) {
    PetscFree4(r->chord_mean[a], r->chord_std[a], r->chord_count[a], r->chord_cut[a]);
    PetscFree3(r->chord_spanning[a], r->chord_hist[a], r->s2_axis[a]);
  }
  PetscFree2(r->s2_radial, r->shell_lags);
}

/* This rank's block of n rows (PETSc's split) as a dataset with ids; the caller fills X. */
static PetscErrorCode block_dataset(MPI_Comm comm, int64_t n, int64_t d, char *const *ids, ms_dataset *ds)
{
  PetscMPIInt rank, size;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  const int64_t nl = n / size + (rank < n % size), start = (n / size) * rank + PetscMin(rank, n % size);
  PetscCall(ms_dataset_create(comm, nl, d, ds));
  PetscCheck((*ds)->row_start == start, comm, PETSC_ERR_PLIB, "row split mismatch");
  PetscCall(PetscStrallocpy("volume", &(*ds)->id_name));
  PetscCall(PetscMalloc1(nl + 1, &(*ds)->ids));
  for (int64_t i = 0; i < nl; i++) PetscCall(PetscStrallocpy(ids[start + i], &(*ds)->ids[i]));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_summary_dataset(MPI_Comm comm, const ms_micro_set_result *r, char *const *names, ms_dataset *ds)
{
  char     *cols[16], buf[16][40];
  int       d = 0;
  PetscBool um = PETSC_TRUE;
  PetscFunctionBegin;
  for (int64_t i = 0; i < r->n; i++) um = (PetscBool)(um && r->voxel_size[i] > 0);
  PetscCall(PetscStrncpy(buf[d++], "porosity", 40));
  PetscCall(PetscStrncpy(buf[d++], "specific_surface_area", 40));
  if (um) PetscCall(PetscStrncpy(buf[d++], "specific_surface_area_per_um", 40));
  for (int a = 0; a < 3; a++) {
    PetscCall(PetscSNPrintf(buf[d++], 40, "chord_mean_%c", axis_name[a]));
    PetscCall(PetscSNPrintf(buf[d++], 40, "chord_std_%c", axis_name[a]));
    PetscCall(PetscSNPrintf(buf[d++], 40, "chord_count_%c", axis_name[a]));
  }
  for (int j = 0; j < d; j++) cols[j] = buf[j];
  PetscCall(block_dataset(comm, r->n, d, names, ds));
  PetscCall(ms_dataset_set_feature_names(*ds, cols));
  for (int64_t il = 0; il < (*ds)->n_local; il++) {
    const int64_t i = (*ds)->row_start + il;
    double       *x = (*ds)->X + il * d;
    int           j = 0;
    x[j++]          = r->porosity[i];
    x[j++]          = r->surface[i];
    if (um) x[j++] = r->surface[i] / r->voxel_size[i];
    for (int a = 0; a < 3; a++) {
      x[j++] = r->chord_mean[a][i];
      x[j++] = r->chord_std[a][i];
      x[j++] = (double)r->chord_count[a][i];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_s2_dataset(MPI_Comm comm, const ms_micro_set_result *r, char *const *names, ms_dataset *ds)
{
  ms_micro_s2 s;
  char      **cols;
  PetscFunctionBegin;
  PetscCall(PetscMemzero(&s, sizeof s));
  for (int a = 0; a < 3; a++) s.n_axis[a] = r->n_axis[a];
  const int64_t d = ms_micro_s2_n_features(&s);
  PetscCall(ms_micro_s2_features(&s, NULL, &cols));
  PetscCall(block_dataset(comm, r->n, d, names, ds));
  PetscCall(ms_dataset_set_feature_names(*ds, cols));
  ms_strings_free((int)d, &cols);
  for (int64_t il = 0; il < (*ds)->n_local; il++) {
    const int64_t i = (*ds)->row_start + il;
    for (int a = 0; a < 3; a++) s.axis[a] = r->s2_axis[a] + i * r->n_axis[a];
    PetscCall(ms_micro_s2_features(&s, (*ds)->X + il * d, NULL));
  }
  PetscFunctionReturn(0);
}

/* A replicated n x m matrix: rank 0 writes it (collective). */
static PetscErrorCode write_matrix(MPI_Comm comm, hid_t g, const char *name, int64_t n, int64_t m, const double *x, const char *units)
{
  PetscMPIInt rank;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_write_rows_double(g, name, n, 0, rank ? 0 : n, m, x));
  PetscCall(ms_h5_set_units(g, name, units));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_micro_set_write_h5(MPI_Comm comm, const ms_micro_set_result *r, hid_t g)
{
  char    name[32];
  double *rad;
  PetscFunctionBegin;
  for (int a = 0; a < 3; a++) {
    PetscCall(PetscSNPrintf(name, sizeof name, "s2_%c", axis_name[a]));
    PetscCall(write_matrix(comm, g, name, r->n, r->n_axis[a], r->s2_axis[a], "1 (probability; column r = lag of r voxels)"));
    PetscCall(PetscSNPrintf(name, sizeof name, "chord_hist_%c", axis_name[a]));
    PetscCall(write_matrix(comm, g, name, r->n, r->n_len[a], r->chord_hist[a], "count (column l - 1 = chords of l voxels)"));
  }
  PetscCall(write_matrix(comm, g, "s2_radial", r->n, r->n_radial, r->s2_radial, "1 (probability; column k = shell round(|r|) = k voxels)"));
  PetscCall(PetscMalloc1(r->n_radial, &rad));
  for (int64_t k = 0; k < r->n_radial; k++) rad[k] = (double)k;
  PetscCall(write_matrix(comm, g, "shell_radius", r->n_radial, 0, rad, "voxel"));
  for (int64_t k = 0; k < r->n_radial; k++) rad[k] = (double)r->shell_lags[k];
  PetscCall(write_matrix(comm, g, "shell_lags", r->n_radial, 0, rad, "count (lags in the shell)"));
  PetscCall(PetscFree(rad));
  PetscCall(write_matrix(comm, g, "voxel_size", r->n, 0, r->voxel_size, "um (0 = unknown)"));
  PetscCall(ms_h5_attr_set_string(g, "boundary", ms_micro_boundary_names[r->boundary]));
  PetscCall(ms_h5_attr_set_int(g, "nx", r->nx));
  PetscCall(ms_h5_attr_set_int(g, "ny", r->ny));
  PetscCall(ms_h5_attr_set_int(g, "nz", r->nz));
  PetscCall(ms_h5_attr_set_int(g, "n_volumes", r->n));
  PetscCall(ms_h5_attr_set_string(g, "pore_phase", "voxel value 0"));
  PetscCall(ms_h5_attr_set_double(g, "s2_round_residual", r->round_residual));
  /* Wall times summed over the set, max over ranks: the FFT kernel (forward, |F|^2, backward;
   * plans made before), its set-up (move to FFTW's slabs, fill and first touch of the buffer),
   * and everything per volume (read included). */
  PetscCall(ms_h5_attr_set_double(g, "fft_seconds", r->fft_seconds));
  PetscCall(ms_h5_attr_set_double(g, "setup_seconds", r->setup_seconds));
  PetscCall(ms_h5_attr_set_double(g, "seconds", r->seconds));
  PetscCall(ms_h5_attr_set_string(g, "fft_seconds_units", "s"));
  PetscCall(ms_h5_attr_set_string(g, "setup_seconds_units", "s"));
  PetscCall(ms_h5_attr_set_string(g, "seconds_units", "s"));
  PetscCall(ms_h5_attr_set_string(g, "s2_estimator",
                                  r->boundary == MS_MICRO_PERIODIC
                                    ? "periodic: S2(r) = pore pairs at lag r (wrapping) / N, FFTW MPI r2c/c2r, counts rounded to integers"
                                    : "padded: pore indicator zero-padded to 2n per axis; S2(r) = pore pairs at lag r / ((nx-|rx|)(ny-|ry|)(nz-|rz|)), "
                                      "FFTW MPI r2c/c2r, counts rounded to integers"));
  PetscCall(ms_h5_attr_set_string(g, "s2_radial_estimator", "shell k = round(|r|), lags with |r_a| <= n_a/2: sum of pair counts / sum of pairs"));
  PetscCall(ms_h5_attr_set_string(g, "surface_estimator",
                                  "pore-solid voxel faces / voxels (1/voxel); ~3/2 of the true area of a smooth isotropic interface"));
  PetscCall(ms_h5_attr_set_string(g, "chord_definition", r->boundary == MS_MICRO_PERIODIC
                                                           ? "maximal pore runs along each axis, wrapping; all-pore lines have no chord"
                                                           : "maximal pore runs along each axis; runs touching a face are left out"));
  PetscFunctionReturn(0);
}
