/* cmd_convert.c - `matscreen convert`: CSV <-> HDF5 tables, sharded over ranks. */
#include "ms_commands.h"
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_options.h"
#include <string.h>
#include <sys/stat.h>

const char ms_cmd_convert_help[] =
  "usage: matscreen convert -input IN -output OUT [-target COL] [-id COL] [-ignore a,b] [-nan_policy error|omit|keep]\n"
  "  The format of each file follows its extension: .h5/.hdf5 is an HDF5 dataset group\n"
  "  (features, target or labels, ids; see the README), anything else is CSV (header row,\n"
  "  '#' comments). Rows are split over the MPI ranks; output is written atomically.\n";

static int is_h5(const char *p)
{
  size_t l = strlen(p);
  return (l > 3 && !strcmp(p + l - 3, ".h5")) || (l > 5 && !strcmp(p + l - 5, ".hdf5"));
}

PetscErrorCode ms_cmd_convert(MPI_Comm comm)
{
  char          in[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", target[256] = "", id[256] = "", group[256] = "/";
  char         *ignore[64];
  PetscInt      n_ignore = 64;
  PetscEnum     nan_policy = (PetscEnum)MS_NAN_ERROR, task = (PetscEnum)MS_TASK_AUTO;
  PetscBool     help, set;
  PetscFunctionBegin;
  PetscOptionsBegin(comm, NULL, "matscreen convert options", NULL);
  PetscCall(PetscOptionsString("-input", "input table (.csv or .h5)", NULL, in, in, sizeof in, NULL));
  PetscCall(PetscOptionsString("-output", "output table (.csv or .h5)", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-target", "column holding the target (numbers: regression; text: class names)", NULL, target, target,
                               sizeof target, NULL));
  PetscCall(PetscOptionsEnum("-task", "how to read the target", NULL, ms_task_names, task, &task, NULL));
  PetscCall(PetscOptionsString("-id", "column holding sample ids (text kept as ids)", NULL, id, id, sizeof id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "comma-separated columns to drop", NULL, ignore, &n_ignore, &set));
  if (!set) n_ignore = 0;
  PetscCall(PetscOptionsEnum("-nan_policy", "empty/NaN/Inf values: fail, drop the row, or keep as NaN", NULL, ms_nan_policy_names,
                             nan_policy, &nan_policy, NULL));
  PetscCall(PetscOptionsString("-group", "HDF5 group holding the table", NULL, group, group, sizeof group, NULL));
  PetscOptionsEnd();
  PetscCall(ms_options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(in[0], comm, MS_ERR_USER, "missing required option -input (the table to convert)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (where to write the converted table)");
  PetscCheck(strcmp(in, out), comm, MS_ERR_USER, "-input and -output are the same file '%s'", in);

  const char *ig[65];
  for (PetscInt i = 0; i < n_ignore; i++) ig[i] = ignore[i];
  ig[n_ignore] = NULL;
  ms_csv_read_opts o = {target[0] ? target : NULL, (ms_task)task, id[0] ? id : NULL, ig, (ms_nan_policy)nan_policy, NULL, PETSC_FALSE};

  double     t0 = MPI_Wtime();
  ms_dataset ds;
  if (is_h5(in)) {
    ms_h5_file f;
    PetscCall(ms_h5_open_read(comm, in, &f));
    PetscCall(ms_dataset_read_h5(comm, f->fid, group, &ds));
    PetscCall(ms_h5_close(&f));
  } else PetscCall(ms_dataset_read_csv(comm, in, &o, &ds));
  double t1 = MPI_Wtime();
  if (is_h5(out)) {
    ms_h5_file f;
    PetscCall(ms_h5_create(comm, out, &f));
    PetscCall(ms_h5_add_input(f, in));
    PetscCall(ms_dataset_write_h5(ds, f->fid, group));
    PetscCall(ms_h5_commit(&f));
  } else {
    char *inputs[1] = {in};
    PetscCall(ms_dataset_write_csv_inputs(ds, out, 1, inputs));
  }
  double t2 = MPI_Wtime();

  struct stat si, so;
  double      mb_in = stat(in, &si) == 0 ? (double)si.st_size / 1e6 : 0, mb_out = stat(out, &so) == 0 ? (double)so.st_size / 1e6 : 0;
  PetscMPIInt size;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(ms_log(comm, "convert: %s -> %s: %lld rows x %lld features%s%s on %d ranks\n", in, out, (long long)ds->n_global,
                   (long long)ds->n_features, ds->labels ? ", class labels" : ds->y ? ", target" : "", ds->ids ? ", ids" : "", (int)size));
  PetscCall(ms_log(comm, "convert: read %.1f MB in %.3f s (%.1f MB/s), wrote %.1f MB in %.3f s (%.1f MB/s)\n", mb_in, t1 - t0,
                   mb_in / (t1 - t0), mb_out, t2 - t1, mb_out / (t2 - t1)));
  PetscCall(ms_dataset_destroy(&ds));
  for (PetscInt i = 0; i < n_ignore; i++) PetscCall(PetscFree(ignore[i]));
  PetscFunctionReturn(0);
}
