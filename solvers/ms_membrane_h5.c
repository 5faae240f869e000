/* ms_membrane_h5.c - a batch of membranes in one HDF5 file, generated over the ranks of a
 * communicator (structure i of a round on rank i mod P, alone), stoppable by SIGTERM/SIGINT
 * and resumable in place. Layout and contract in ms_membrane.h (ms_membrane_batch_write).
 */
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_image.h"
#include "ms_log.h"
#include "ms_membrane.h"
#include "ms_provenance.h"
#include <math.h>
#include <string.h>

/* Rank 0 rewrites a whole existing 1-D column (resume mode); collective open/close. */
static PetscErrorCode overwrite_column(MPI_Comm comm, hid_t pg, const char *path, const char *name, hid_t type, int64_t n, const void *data)
{
  PetscMPIInt rank;
  int         rk;
  int64_t     dims[3];
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_dataset_shape(pg, name, &rk, dims));
  if (rk != 1 || dims[0] != n) SETERRQ(comm, MS_ERR_READ, "'%s': /parameters/%s has the wrong shape for %" PRId64 " structures", path, name, n);
  hid_t ds = H5Dopen2(pg, name, H5P_DEFAULT);
  MS_H5CHK(ds, comm, "'%s': cannot open /parameters/%s", path, name);
  herr_t rc = rank ? 0 : H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  H5Dclose(ds);
  MS_H5CHK(rc, PETSC_COMM_SELF, "'%s': cannot write /parameters/%s", path, name);
  PetscFunctionReturn(0);
}

/* Resume: the file's parameter columns must be the ones asked for, bit for bit. */
static PetscErrorCode read_state(MPI_Comm comm, hid_t pg, const char *path, int64_t n, const double *rows, int64_t *done, double *por)
{
  int     rk;
  int64_t dims[3];
  double *col;
  PetscFunctionBeginUser;
  PetscCall(ms_h5_dataset_shape(pg, "done", &rk, dims));
  if (rk != 1 || dims[0] != n)
    SETERRQ(comm, MS_ERR_USER, "-resume '%s': the file holds %" PRId64 " structures, the options ask for %" PRId64, path, dims[0], n);
  PetscCall(PetscMalloc1(n, &col));
  for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) {
    PetscCall(ms_h5_read_rows_double(pg, ms_membrane_param_names[c], 0, n, 0, col));
    for (int64_t i = 0; i < n; i++)
      if (col[i] != rows[i * MS_MEMBRANE_NCOLS + c])
        SETERRQ(comm, MS_ERR_USER, "-resume '%s': structure %" PRId64 " has %s = %.17g in the file but %.17g from the options: not the same batch", path, i,
                ms_membrane_param_names[c], col[i], rows[i * MS_MEMBRANE_NCOLS + c]);
  }
  PetscCall(PetscFree(col));
  PetscCall(ms_h5_read_rows_int(pg, "done", 0, n, done));
  PetscCall(ms_h5_read_rows_double(pg, "porosity", 0, n, 0, por));
  PetscFunctionReturn(0);
}

/* Units of the parameter columns, in the order of ms_membrane_param_names. */
static const char *const param_units[MS_MEMBRANE_NCOLS] = {"1", "voxel", "1", "1", "1", "1", "1", "1", "ln(voxel)", "1", "voxel"};

/* The parameters of one structure as attributes of its dataset, typed as a single
 * `generate` volume stores them: counts and seeds int64, the rest double, units alongside. */
static PetscErrorCode ms_membrane_attrs_set(hid_t d, const double *row, double voxel_size)
{
  PetscFunctionBeginUser;
  for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) {
    const char *nm = ms_membrane_param_names[c];
    if (!strcmp(nm, "n_points") || !strcmp(nm, "seed") || !strcmp(nm, "spheres")) PetscCall(ms_h5_attr_set_int(d, nm, (int64_t)row[c]));
    else PetscCall(ms_h5_attr_set_double(d, nm, row[c]));
  }
  PetscCall(ms_h5_attr_set_string(d, "radius_units", "voxel"));
  PetscCall(ms_h5_attr_set_string(d, "smooth_sigma_units", "voxel"));
  PetscCall(ms_h5_attr_set_string(d, "sphere_log_mean_units", "ln(voxel)"));
  PetscCall(ms_h5_attr_set_string(d, "units", "1"));
  PetscCall(ms_h5_attr_set_double(d, "voxel_size", voxel_size));
  PetscCall(ms_h5_attr_set_string(d, "voxel_size_units", "um"));
  PetscFunctionReturn(0);
}

/* Collective: create (or, resuming, open) the datasets of one round. */
static PetscErrorCode open_round(MPI_Comm comm, hid_t grp, const char *path, const int64_t out[3], const int64_t *idx, int64_t cnt,
                                 const double *rows, double voxel_size, hid_t *dset)
{
  hsize_t dims[3] = {(hsize_t)out[2], (hsize_t)out[1], (hsize_t)out[0]};
  PetscFunctionBeginUser;
  for (int64_t k = 0; k < cnt; k++) {
    char      name[32];
    PetscBool exists;
    PetscCall(PetscSNPrintf(name, sizeof name, "%06" PRId64, idx[k]));
    PetscCall(ms_h5_link_exists(grp, name, &exists));
    if (exists) { /* created by a run that stopped before writing it */
      dset[k] = H5Dopen2(grp, name, H5P_DEFAULT);
      MS_H5CHK(dset[k], comm, "cannot open dataset /structures/%s in '%s'", name, path);
      continue;
    }
    hid_t space = H5Screate_simple(3, dims, NULL);
    dset[k]     = H5Dcreate2(grp, name, H5T_NATIVE_UINT8, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Sclose(space);
    MS_H5CHK(dset[k], comm, "cannot create dataset /structures/%s in '%s'", name, path);
    PetscCall(ms_membrane_attrs_set(dset[k], rows + idx[k] * MS_MEMBRANE_NCOLS, voxel_size));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode write_columns(MPI_Comm comm, hid_t pg, const ms_membrane_params *base, const int64_t out[3], int64_t n, const double *rows,
                                    const double *por, const int64_t *done)
{
  PetscMPIInt rank;
  double     *col;
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc1(n, &col));
  /* Every rank holds every row; rank 0 writes them. */
  for (int c = 0; c < MS_MEMBRANE_NCOLS; c++) {
    for (int64_t i = 0; i < n; i++) col[i] = rows[i * MS_MEMBRANE_NCOLS + c];
    PetscCall(ms_h5_write_rows_double(pg, ms_membrane_param_names[c], n, 0, rank ? 0 : n, 0, col));
    PetscCall(ms_h5_set_units(pg, ms_membrane_param_names[c], param_units[c]));
  }
  PetscCall(PetscFree(col));
  PetscCall(ms_h5_write_rows_double(pg, "porosity", n, 0, rank ? 0 : n, 0, por));
  PetscCall(ms_h5_set_units(pg, "porosity", "1"));
  PetscCall(ms_h5_write_rows_int(pg, "done", n, 0, rank ? 0 : n, done));
  PetscCall(ms_h5_attr_set_int(pg, "nx", out[0]));
  PetscCall(ms_h5_attr_set_int(pg, "ny", out[1]));
  PetscCall(ms_h5_attr_set_int(pg, "nz", out[2]));
  PetscCall(ms_h5_attr_set_int(pg, "generated_nx", base->nx));
  PetscCall(ms_h5_attr_set_int(pg, "generated_ny", base->ny));
  PetscCall(ms_h5_attr_set_int(pg, "generated_nz", base->nz));
  PetscCall(ms_h5_attr_set_double(pg, "voxel_size", base->voxel_size * (double)base->nx / (double)out[0]));
  PetscCall(ms_h5_attr_set_string(pg, "voxel_size_units", "um"));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_membrane_batch_write(MPI_Comm comm, const char *path, const ms_membrane_params *base, int64_t n, const double *rows,
                                       const ms_membrane_batch_opts *o, int64_t *n_done)
{
  PetscMPIInt   size, rank;
  ms_h5_file    f;
  hid_t         grp, pg;
  double       *por, *pr, *gpr;
  int64_t      *done, *pend, npend = 0, ndone = 0;
  ms_progress   prog;
  PetscBool     stop = PETSC_FALSE;
  const int64_t rs = o->resize, out[3] = {rs > 0 ? rs : base->nx, rs > 0 ? rs : base->ny, rs > 0 ? rs : base->nz};

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(PetscMalloc3(n + 1, &por, n + 1, &done, n + 1, &pend));
  PetscCall(PetscMalloc2(size, &pr, size, &gpr));
  if (o->resume) {
    PetscCall(ms_h5_open_rw(comm, path, &f));
    PetscCall(ms_h5_group_ensure(f->fid, "/parameters", &pg));
    PetscCall(read_state(comm, pg, path, n, rows, done, por));
  } else {
    PetscCall(ms_h5_create(comm, path, &f));
    for (int64_t i = 0; i < n; i++) { done[i] = 0; por[i] = NAN; }
  }
  if (o->input) PetscCall(ms_h5_add_input(f, o->input));
  for (int64_t i = 0; i < n; i++) {
    if (done[i]) ndone++;
    else pend[npend++] = i;
  }
  PetscCall(ms_h5_group_ensure(f->fid, "/structures", &grp));
  PetscCall(ms_progress_begin(comm, "generating", n, &prog));
  PetscCall(ms_progress_update(&prog, ndone));
  /* Rounds of P pending structures: dataset creation and closing are collective in parallel
     HDF5; the generation and the (independent) write of the k-th happen on rank k. */
  for (int64_t r0 = 0; r0 < npend && !stop; r0 += size) {
    const int64_t cnt = PetscMin((int64_t)size, npend - r0);
    hid_t        *dset;
    PetscCall(PetscMalloc1(cnt, &dset));
    PetscCall(open_round(comm, grp, path, out, pend + r0, cnt, rows, base->voxel_size * (double)base->nx / (double)out[0], dset));
    for (int q = 0; q < size; q++) pr[q] = 0;
    if (rank < cnt) {
      const int64_t      i = pend[r0 + rank];
      ms_membrane_params p = *base;
      ms_volume          v, w;
      ms_membrane_params_from_row(rows + i * MS_MEMBRANE_NCOLS, &p);
      PetscCall(ms_membrane_generate(PETSC_COMM_SELF, &p, &v));
      if (rs > 0) {
        PetscCall(ms_image_resize(v, out, PETSC_TRUE, &w));
        PetscCall(ms_volume_destroy(&v));
        v = w;
      }
      PetscCall(ms_volume_fraction(v, 0, &pr[rank]));
      MS_H5CHK(H5Dwrite(dset[rank], H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, v->data), PETSC_COMM_SELF,
               "writing /structures/%06" PRId64 " of '%s' failed", i, path);
      PetscCall(ms_volume_destroy(&v));
    }
    for (int64_t k = 0; k < cnt; k++) H5Dclose(dset[k]);
    PetscCall(PetscFree(dset));
    PetscCallMPI(MPI_Allreduce(pr, gpr, size, MPI_DOUBLE, MPI_SUM, comm));
    for (int64_t k = 0; k < cnt; k++) {
      por[pend[r0 + k]]  = gpr[k];
      done[pend[r0 + k]] = 1;
    }
    ndone += cnt;
    PetscCall(ms_progress_update(&prog, ndone));
    PetscCall(ms_signal_agree(comm, &stop));
  }
  PetscCall(ms_progress_end(&prog));
  H5Gclose(grp);
  if (o->resume) {
    PetscCall(overwrite_column(comm, pg, path, "porosity", H5T_NATIVE_DOUBLE, n, por));
    PetscCall(overwrite_column(comm, pg, path, "done", H5T_NATIVE_INT64, n, done));
    H5Gclose(pg);
    PetscCall(ms_h5_write_provenance(f));
    PetscCall(ms_h5_close(&f));
  } else {
    PetscCall(ms_h5_group_ensure(f->fid, "/parameters", &pg));
    PetscCall(write_columns(comm, pg, base, out, n, rows, por, done));
    H5Gclose(pg);
    PetscCall(ms_h5_commit(&f));
  }
  if (stop)
    PetscCall(ms_warn(comm, "generate: stopped by a signal after %" PRId64 " of %" PRId64 " structures; '%s' is consistent (/parameters/done); "
                            "rerun the same command with -resume to finish\n", ndone, n, path));
  *n_done = ndone;
  PetscCall(PetscFree3(por, done, pend));
  PetscCall(PetscFree2(pr, gpr));
  PetscFunctionReturn(0);
}
