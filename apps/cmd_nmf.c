/* cmd_nmf.c - `matscreen nmf`: non-negative matrix factorisation of a table (ml/ms_nmf.h). */
#include "ms_cmd_table.h"
#include "ms_commands.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_nmf.h"
#include "ms_options.h"
#include <time.h>

/* CPU seconds of this process (the machine is shared: wall times of a fit inflate with the
   load, CPU seconds much less). */
static double ms_nmf_cpu_seconds(void)
{
  struct timespec t;
  return clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t) ? 0.0 : (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

const char ms_cmd_nmf_help[] =
  "usage: matscreen nmf -data D -output OUT.h5 [-nmf_n_components 2] [-nmf_solver hals|mu] [-nmf_max_iter 200]\n"
  "                     [-nmf_tol 1e-4] [-nmf_seed 0] [-id COL] [-target COL] [-ignore a,b]\n"
  "  Factorises the non-negative feature columns X (n x d) as W H, W (n x k) and H (k x d) >= 0,\n"
  "  minimising ||X - W H||_F (scikit-learn's NMF, init='random'). OUT.h5 holds group /nmf:\n"
  "  components (H, k x d, attribute column_names), weights (W, n x k, in input order) and the\n"
  "  attributes reconstruction_err, n_iter, solver. Rows are sharded over the ranks; the result\n"
  "  is the same on any number of ranks.\n";

PetscErrorCode ms_cmd_nmf(MPI_Comm comm)
{
  ms_cmd_table t = {0};
  char         out[PETSC_MAX_PATH_LEN] = "";
  PetscBool    help;
  ms_nmf       f;
  ms_dataset   ds;
  ms_h5_file   h;
  hid_t        g, dset;
  double       t0, t_fit, c_fit;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen nmf options", NULL);
  PetscCall(ms_cmd_table_options(PetscOptionsObject, &t, "column to leave out of the factorised features (e.g. a class label)"));
  PetscCall(PetscOptionsString("-output", "output HDF5 file (group /nmf)", NULL, out, out, sizeof out, NULL));
  PetscOptionsEnd();
  PetscCall(ms_nmf_create(&f));
  PetscCall(ms_nmf_set_from_options(comm, f));
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_nmf_destroy(&f));
    PetscCall(ms_cmd_table_free(&t));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (the HDF5 file for the factors)");
  PetscCall(ms_cmd_table_load(comm, &t, PETSC_FALSE, &ds));
  t0 = MPI_Wtime();
  c_fit = ms_nmf_cpu_seconds();
  PetscCall(ms_nmf_fit(f, ds));
  c_fit = ms_nmf_cpu_seconds() - c_fit;
  t_fit = MPI_Wtime() - t0;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &t_fit, 1, MPI_DOUBLE, MPI_MAX, comm)); /* the slowest rank's fit */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &c_fit, 1, MPI_DOUBLE, MPI_SUM, comm)); /* CPU seconds, all ranks */

  PetscCall(ms_h5_create(comm, out, &h));
  PetscCall(ms_h5_add_input(h, t.data));
  PetscCall(ms_h5_group_ensure(h->fid, "/nmf", &g));
  PetscCall(ms_nmf_save(f, g));
  dset = H5Dopen2(g, "components", H5P_DEFAULT);
  MS_H5CHK(dset, comm, "nmf: cannot reopen /nmf/components in %s", out);
  PetscCall(ms_h5_attr_set_strings(dset, "column_names", (int)ds->n_features, ds->feature_names));
  H5Dclose(dset);
  PetscCall(ms_h5_write_rows_double(g, "weights", f->n, f->w_row_start, f->w_rows, f->k, f->W));
  H5Gclose(g);
  PetscCall(ms_h5_commit(&h));
  PetscCall(ms_log(comm, "nmf: %s: %lld rows x %lld features -> %lld components (%s, %lld iterations) in %.4g s; CPU %.4g s; ||X - WH||_F = %.6g (%.4g of the start)\n"
                         "nmf: wrote %s\n",
                   t.data, (long long)ds->n_global, (long long)ds->n_features, (long long)f->k, ms_nmf_solver_names[f->solver],
                   (long long)f->n_iter, t_fit, c_fit, f->reconstruction_err, f->initial_err > 0 ? f->reconstruction_err / f->initial_err : 0.0, out));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_nmf_destroy(&f));
  PetscCall(ms_cmd_table_free(&t));
  PetscFunctionReturn(0);
}
