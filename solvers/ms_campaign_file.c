/* ms_campaign_file.c - the campaign table on disk: /labels/<column>, one 1-D dataset per column
 * (layout and crash-safety argument in ms_campaign.h). */
#include "ms_campaign_impl.h"
#include "ms_options.h"
#include <stddef.h>

typedef enum { COL_I64, COL_U64, COL_F64, COL_I8 } col_type;

typedef struct {
  col_type    type;
  size_t      offset; /* in ms_campaign_row */
  PetscBool   result; /* written when the row is solved (else at creation) */
  const char *units;       /* "1" = dimensionless */
  const char *description;
} col_desc;

#define ROW_OFF(m) offsetof(ms_campaign_row, m)

const char *const ms_campaign_column_names[MS_CAMPAIGN_NCOLS] = {
  "index", "seed", "n_points", "radius", "stretch_x", "stretch_y", "stretch_z", "nx", "ny", "nz", "porosity",
  "percolating_porosity_x", "percolating_porosity_y", "percolating_porosity_z", "tau_x", "tau_y", "tau_z",
  "iterations_x", "iterations_y", "iterations_z", "seconds", "done"};

const char *const ms_campaign_feature_columns[MS_CAMPAIGN_NFEATURES] = {"n_points", "radius", "stretch_x", "stretch_y", "stretch_z"};
const char *const ms_campaign_target_columns[MS_CAMPAIGN_NTARGETS]   = {
  "porosity", "percolating_porosity_x", "percolating_porosity_y", "percolating_porosity_z", "tau_x", "tau_y", "tau_z"};

static const col_desc cols[MS_CAMPAIGN_NCOLS] = {
  {COL_I64, ROW_OFF(index), PETSC_FALSE, "1", "row number"},
  {COL_U64, ROW_OFF(seed), PETSC_FALSE, "1", "structure seed (ms_membrane_structure_seed(user_seed, index))"},
  {COL_I64, ROW_OFF(n_points), PETSC_FALSE, "1", "Voronoi seeds"},
  {COL_F64, ROW_OFF(radius), PETSC_FALSE, "voxel", "stanchion radius"},
  {COL_F64, ROW_OFF(stretch[0]), PETSC_FALSE, "1", "stretch factor in (0,1]"},
  {COL_F64, ROW_OFF(stretch[1]), PETSC_FALSE, "1", "stretch factor in (0,1]"},
  {COL_F64, ROW_OFF(stretch[2]), PETSC_FALSE, "1", "stretch factor in (0,1]"},
  {COL_I64, ROW_OFF(nx), PETSC_FALSE, "voxel", "volume size along x"},
  {COL_I64, ROW_OFF(ny), PETSC_FALSE, "voxel", "volume size along y"},
  {COL_I64, ROW_OFF(nz), PETSC_FALSE, "voxel", "volume size along z"},
  {COL_F64, ROW_OFF(porosity), PETSC_TRUE, "1", "conducting (pore) voxel fraction"},
  {COL_F64, ROW_OFF(percolating_porosity[0]), PETSC_TRUE, "1", "fraction of voxels in clusters touching both x faces"},
  {COL_F64, ROW_OFF(percolating_porosity[1]), PETSC_TRUE, "1", "fraction of voxels in clusters touching both y faces"},
  {COL_F64, ROW_OFF(percolating_porosity[2]), PETSC_TRUE, "1", "fraction of voxels in clusters touching both z faces"},
  {COL_F64, ROW_OFF(tau[0]), PETSC_TRUE, "1", "tortuosity factor along x, inf = not percolating"},
  {COL_F64, ROW_OFF(tau[1]), PETSC_TRUE, "1", "tortuosity factor along y, inf = not percolating"},
  {COL_F64, ROW_OFF(tau[2]), PETSC_TRUE, "1", "tortuosity factor along z, inf = not percolating"},
  {COL_I64, ROW_OFF(iterations[0]), PETSC_TRUE, "1", "CG iterations (0 = no solve)"},
  {COL_I64, ROW_OFF(iterations[1]), PETSC_TRUE, "1", "CG iterations (0 = no solve)"},
  {COL_I64, ROW_OFF(iterations[2]), PETSC_TRUE, "1", "CG iterations (0 = no solve)"},
  {COL_F64, ROW_OFF(seconds), PETSC_TRUE, "s", "wall seconds: generation + three solves"},
  {COL_I8, ROW_OFF(done), PETSC_FALSE, "1", "1 = results on disk, 0 = to do"},
};

static hid_t mem_type(col_type t)
{
  switch (t) {
  case COL_I64: return H5T_NATIVE_INT64;
  case COL_U64: return H5T_NATIVE_UINT64;
  case COL_I8: return H5T_NATIVE_INT8;
  default: return H5T_NATIVE_DOUBLE;
  }
}

static hid_t file_type(col_type t)
{
  switch (t) {
  case COL_I64: return H5T_STD_I64LE;
  case COL_U64: return H5T_STD_U64LE;
  case COL_I8: return H5T_STD_I8LE;
  default: return H5T_IEEE_F64LE;
  }
}

static size_t type_size(col_type t) { return t == COL_I8 ? 1 : 8; }

/* /labels/last_run: which run last wrote rows, as one fixed-length string in a contiguous
   dataset allocated at creation, so that recording it later is a raw-data write in place.
   Rewriting root attributes at the end of a run (as every other output does on commit)
   changed HDF5 metadata in an existing file, and a kill during that flush left it unopenable
   ("truncated file") with every row already on disk. */
#define LAST_RUN_BYTES 4096

static hid_t last_run_type(void)
{
  hid_t t = H5Tcopy(H5T_C_S1);
  H5Tset_size(t, LAST_RUN_BYTES);
  H5Tset_strpad(t, H5T_STR_NULLPAD);
  return t;
}

/* Not collective: "start_utc ... end_utc ... n_ranks ... command_line ..." into buf. */
static PetscErrorCode last_run_text(ms_h5_file f, int64_t rows_written, char buf[LAST_RUN_BYTES])
{
  char        end[32], *cmd;
  PetscMPIInt size;
  PetscFunctionBegin;
  ms_utc_now(end);
  PetscCallMPI(MPI_Comm_size(f->comm, &size));
  PetscCall(ms_options_command_line(&cmd));
  memset(buf, 0, LAST_RUN_BYTES);
  /* snprintf truncates a huge command line: the record is a fixed-size slot */
  snprintf(buf, LAST_RUN_BYTES, "matscreen %s (git %s); start_utc %s; end_utc %s; n_ranks %d; rows_written %lld; command_line %s",
           ms_version(), ms_git_commit(), f->start_utc, end, (int)size, (long long)rows_written, cmd);
  PetscCall(PetscFree(cmd));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_file_create(MPI_Comm comm, const char *path, const char *definition, const ms_campaign_def *def,
                                       const ms_campaign_row *rows, char *const *inputs, int n_inputs)
{
  ms_h5_file  f;
  hid_t       g;
  PetscMPIInt rank;
  const int64_t n = def->n_rows;
  char       *buf;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ms_h5_create(comm, path, &f));
  for (int i = 0; i < n_inputs; i++) PetscCall(ms_h5_add_input(f, inputs[i]));
  PetscCall(ms_h5_group_ensure(f->fid, "/labels", &g));
  PetscCall(ms_h5_attr_set_string(g, "campaign_definition", definition));
  PetscCall(ms_h5_attr_set_int(g, "n_rows", n));
  PetscCall(ms_h5_attr_set_int(g, "user_seed", (int64_t)def->user_seed)); /* a number, as `seed` of generate */
  PetscCall(ms_h5_attr_set_string(g, "columns", "one 1-D dataset per column, row i = structure i; done = 1 marks finished rows"));
  /* What a model may learn from (the generator's inputs) and what it may learn (measured
     results): `train -data labels.h5:/labels -target tau_x` uses feature_columns by default, so
     other results, iteration counts, timings, seeds and the done flag never leak into features. */
  PetscCall(ms_h5_attr_set_strings(g, "feature_columns", MS_CAMPAIGN_NFEATURES, (char **)ms_campaign_feature_columns));
  PetscCall(ms_h5_attr_set_strings(g, "target_columns", MS_CAMPAIGN_NTARGETS, (char **)ms_campaign_target_columns));
  PetscCall(PetscMalloc1(8 * (size_t)n + 8, &buf));
  hsize_t dims[1] = {(hsize_t)n}, count[1] = {(hsize_t)n}, start[1] = {0};
  hid_t   dcpl = H5Pcreate(H5P_DATASET_CREATE), xfer = H5Pcreate(H5P_DATASET_XFER);
  /* Contiguous and allocated now: later runs only overwrite raw bytes in place. */
  H5Pset_layout(dcpl, H5D_CONTIGUOUS);
  H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
  H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER); /* every element is written below */
  H5Pset_dxpl_mpio(xfer, H5FD_MPIO_COLLECTIVE);
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++) {
    const size_t sz = type_size(cols[c].type);
    for (int64_t i = 0; i < n; i++) memcpy(buf + sz * (size_t)i, (const char *)&rows[i] + cols[c].offset, sz);
    hid_t fs = H5Screate_simple(1, dims, NULL), ms = H5Screate_simple(1, count, NULL);
    hid_t ds = H5Dcreate2(g, ms_campaign_column_names[c], file_type(cols[c].type), fs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    MS_H5CHK(ds, comm, "cannot create dataset /labels/%s in '%s'", ms_campaign_column_names[c], path);
    /* rank 0 holds every row and writes the column; the others take part with nothing */
    if (rank == 0 && n > 0) H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    else {
      H5Sselect_none(fs);
      H5Sselect_none(ms);
    }
    herr_t rc = H5Dwrite(ds, mem_type(cols[c].type), ms, fs, xfer, buf);
    PetscCall(ms_h5_attr_set_string(ds, "units", cols[c].units));
    PetscCall(ms_h5_attr_set_string(ds, "description", cols[c].description));
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(ds);
    MS_H5CHK(rc, comm, "cannot write /labels/%s of '%s' (disk full?)", ms_campaign_column_names[c], path);
  }
  {
    hid_t  t = last_run_type(), fs = H5Screate(H5S_SCALAR);
    hid_t  ds = H5Dcreate2(g, "last_run", t, fs, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    char   text[LAST_RUN_BYTES];
    herr_t rc = -1;
    MS_H5CHK(ds, comm, "cannot create dataset /labels/last_run in '%s'", path);
    PetscCall(last_run_text(f, 0, text));
    if (rank) H5Sselect_none(fs); /* rank 0 writes, the others take part with nothing */
    rc = H5Dwrite(ds, t, fs, fs, xfer, text);
    PetscCall(ms_h5_attr_set_string(ds, "units", "text: the run that last wrote rows (root attributes: the run that created the file)"));
    H5Dclose(ds);
    H5Sclose(fs);
    H5Tclose(t);
    MS_H5CHK(rc, comm, "cannot write /labels/last_run of '%s'", path);
  }
  H5Pclose(dcpl);
  H5Pclose(xfer);
  PetscCall(PetscFree(buf));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_file_read(MPI_Comm comm, const char *path, char **definition, int64_t *n, ms_campaign_row **rows)
{
  ms_h5_file f;
  PetscBool  exists;
  char      *buf;
  int64_t    nr;

  PetscFunctionBegin;
  PetscCall(ms_h5_open_read(comm, path, &f));
  PetscCall(ms_h5_link_exists(f->fid, "/labels", &exists));
  PetscCheck(exists, comm, MS_ERR_READ, "'%s' is not a label campaign file (no /labels group)", path);
  hid_t g = H5Gopen2(f->fid, "/labels", H5P_DEFAULT);
  MS_H5CHK(g, comm, "cannot open /labels in '%s'", path);
  PetscCall(ms_h5_attr_exists(g, "campaign_definition", &exists));
  PetscCheck(exists, comm, MS_ERR_READ, "'%s': /labels has no campaign_definition attribute (not written by matscreen label)", path);
  PetscCall(ms_h5_attr_get_string(g, "campaign_definition", definition));
  PetscCall(ms_h5_attr_get_int(g, "n_rows", &nr));
  PetscCall(PetscCalloc1(nr + 1, rows));
  PetscCall(PetscMalloc1(8 * (size_t)nr + 8, &buf));
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++) {
    const char *name = ms_campaign_column_names[c];
    int         rank_;
    int64_t     dims[3];
    PetscCall(ms_h5_link_exists(g, name, &exists));
    PetscCheck(exists, comm, MS_ERR_READ, "'%s': missing dataset /labels/%s", path, name);
    PetscCall(ms_h5_dataset_shape(g, name, &rank_, dims));
    PetscCheck(rank_ == 1 && dims[0] == nr, comm, MS_ERR_READ, "'%s': /labels/%s has %d dimension(s) and %lld rows, expected 1-D with %lld",
               path, name, rank_, (long long)dims[0], (long long)nr);
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    MS_H5CHK(ds, comm, "cannot open /labels/%s in '%s'", name, path);
    herr_t rc = nr > 0 ? H5Dread(ds, mem_type(cols[c].type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) : 0;
    H5Dclose(ds);
    MS_H5CHK(rc, comm, "cannot read /labels/%s of '%s'", name, path);
    const size_t sz = type_size(cols[c].type);
    for (int64_t i = 0; i < nr; i++) memcpy((char *)&(*rows)[i] + cols[c].offset, buf + sz * (size_t)i, sz);
  }
  PetscCall(PetscFree(buf));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  *n = nr;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_file_open_rw(MPI_Comm comm, const char *path, ms_campaign_file *cf)
{
  PetscFunctionBegin;
  PetscCall(ms_h5_open_rw(comm, path, &cf->f));
  cf->group = H5Gopen2(cf->f->fid, "/labels", H5P_DEFAULT);
  MS_H5CHK(cf->group, comm, "cannot open /labels in '%s'", path);
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++) {
    cf->dset[c] = H5Dopen2(cf->group, ms_campaign_column_names[c], H5P_DEFAULT);
    MS_H5CHK(cf->dset[c], comm, "cannot open /labels/%s in '%s'", ms_campaign_column_names[c], path);
  }
  PetscBool has;
  PetscCall(ms_h5_link_exists(cf->group, "last_run", &has)); /* files from before it existed have none */
  cf->last_run     = has ? H5Dopen2(cf->group, "last_run", H5P_DEFAULT) : -1;
  cf->rows_written = 0;
  cf->xfer         = H5Pcreate(H5P_DATASET_XFER);
  H5Pset_dxpl_mpio(cf->xfer, H5FD_MPIO_INDEPENDENT);
  PetscFunctionReturn(0);
}

static PetscErrorCode write_element(ms_campaign_file *cf, int c, int64_t i, const void *value)
{
  hsize_t one[1] = {1}, start[1] = {(hsize_t)i};
  PetscFunctionBegin;
  hid_t fs = H5Dget_space(cf->dset[c]), ms = H5Screate_simple(1, one, NULL);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, one, NULL);
  herr_t rc = H5Dwrite(cf->dset[c], mem_type(cols[c].type), ms, fs, cf->xfer, value);
  H5Sclose(ms);
  H5Sclose(fs);
  MS_H5CHK(rc, PETSC_COMM_SELF, "cannot write row %lld of /labels/%s in '%s' (disk full?)", (long long)i, ms_campaign_column_names[c],
           cf->f->path);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_file_write_row(ms_campaign_file *cf, const ms_campaign_row *row)
{
  const int8_t one = 1;
  int          c_done = MS_CAMPAIGN_NCOLS - 1;
  PetscFunctionBegin;
  /* Results first, the done flag last: a kill in between leaves done = 0 and the row is redone. */
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++)
    if (cols[c].result) PetscCall(write_element(cf, c, row->index, (const char *)row + cols[c].offset));
  PetscCall(write_element(cf, c_done, row->index, &one));
  cf->rows_written++;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_campaign_file_close(ms_campaign_file *cf)
{
  herr_t  rc = 0;
  int64_t written;
  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&cf->rows_written, &written, 1, MPI_INT64_T, MPI_SUM, cf->f->comm));
  if (cf->last_run >= 0) {
    PetscMPIInt rank;
    PetscCallMPI(MPI_Comm_rank(cf->f->comm, &rank));
    /* Only a run that wrote rows records itself: one raw-data write in place, no metadata. */
    if (!rank && written > 0) {
      char  text[LAST_RUN_BYTES];
      hid_t t = last_run_type();
      PetscCall(last_run_text(cf->f, written, text));
      rc = H5Dwrite(cf->last_run, t, H5S_ALL, H5S_ALL, cf->xfer, text);
      H5Tclose(t);
    }
    H5Dclose(cf->last_run);
  }
  H5Pclose(cf->xfer);
  for (int c = 0; c < MS_CAMPAIGN_NCOLS; c++) H5Dclose(cf->dset[c]);
  H5Gclose(cf->group);
  char path[PETSC_MAX_PATH_LEN];
  PetscCall(PetscStrncpy(path, cf->f->path, sizeof path));
  PetscCall(ms_h5_close(&cf->f));
  MS_H5CHK(rc, PETSC_COMM_SELF, "cannot write /labels/last_run of '%s' (disk full?)", path);
  PetscFunctionReturn(0);
}
