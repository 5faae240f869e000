/* cmd_pca.c - `matscreen pca`: principal components of a table (library: ml/ms_pca.h). */
#include "ms_commands.h"
#include "ms_dataset.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_options.h"
#include "ms_pca.h"
#include "ms_provenance.h"
#include <string.h>

const char ms_cmd_pca_help[] =
  "usage: matscreen pca -input IN -output OUT.h5 [-target COL] [-id COL] [-ignore a,b] [-nan_policy error|omit|keep]\n"
  "                     [-pca_n_components 0] [-pca_scalapack_min_d 500] [-pca_grid auto] [-pca_scalapack_nb 64]\n"
  "  Mean-centred PCA of the feature columns (a -target column is left out), as scikit-learn's\n"
  "  PCA(svd_solver='full'). OUT.h5 holds group /pca: components (k x d, attribute column_names),\n"
  "  explained_variance, explained_variance_ratio, singular_values, mean, noise_variance, and the\n"
  "  scores of every input row (n x k, in input order).\n";

PetscErrorCode ms_cmd_pca(MPI_Comm comm)
{
  char      in[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", target[256] = "", id[256] = "";
  char     *ignore[64];
  PetscInt  n_ignore = 64;
  PetscEnum nan_policy = (PetscEnum)MS_NAN_ERROR;
  PetscBool help, set;
  ms_pca    p;

  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "matscreen pca options", NULL);
  PetscCall(PetscOptionsString("-input", "input table (.csv or .h5)", NULL, in, in, sizeof in, NULL));
  PetscCall(PetscOptionsString("-output", "output HDF5 file", NULL, out, out, sizeof out, NULL));
  PetscCall(PetscOptionsString("-target", "column to leave out of the features", NULL, target, target, sizeof target, NULL));
  PetscCall(PetscOptionsString("-id", "column holding sample ids", NULL, id, id, sizeof id, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "comma-separated columns to drop", NULL, ignore, &n_ignore, &set));
  if (!set) n_ignore = 0;
  PetscCall(PetscOptionsEnum("-nan_policy", "empty/NaN/Inf values: fail, drop the row, or keep", NULL, ms_nan_policy_names, nan_policy,
                             &nan_policy, NULL));
  PetscOptionsEnd();
  PetscCall(ms_pca_create(&p));
  PetscCall(ms_pca_set_from_options(comm, p));
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_pca_destroy(&p));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(in[0], comm, MS_ERR_USER, "missing required option -input (the table to analyse)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (the HDF5 file for components and scores)");

  const char *ig[65];
  for (PetscInt i = 0; i < n_ignore; i++) ig[i] = ignore[i];
  ig[n_ignore] = NULL;
  ms_csv_read_opts o = {target[0] ? target : NULL, MS_TASK_AUTO, id[0] ? id : NULL, ig, (ms_nan_policy)nan_policy, NULL, PETSC_FALSE};
  ms_dataset       ds;
  PetscCall(ms_dataset_load(comm, in, &o, &ds));
  PetscCall(ms_dataset_check_finite(ds, in));
  PetscCall(ms_pca_fit_dataset(p, ds));

  double *scores;
  PetscCall(PetscMalloc1(ds->n_local * p->k + 1, &scores));
  PetscCall(ms_pca_transform(p, ds->n_local, ds->X, scores));
  ms_h5_file f;
  hid_t      g;
  PetscCall(ms_h5_create(comm, out, &f));
  PetscCall(ms_h5_add_input(f, in));
  PetscCall(ms_h5_group_ensure(f->fid, "/pca", &g));
  PetscCall(ms_pca_save(p, g));
  PetscCall(ms_h5_write_rows_double(g, "scores", ds->n_global, ds->row_start, ds->n_local, p->k, scores));
  {
    hid_t dset = H5Dopen2(g, "components", H5P_DEFAULT);
    MS_H5CHK(dset, comm, "pca: cannot reopen /pca/components in %s", out);
    PetscCall(ms_h5_attr_set_strings(dset, "column_names", (int)ds->n_features, ds->feature_names));
    H5Dclose(dset);
  }
  {
    /* PCA keeps the units of the input features (it does not scale them). */
    static const char *const units[][2] = {{"mean", "feature units"},      {"components", "1 (unit vectors)"},
                                           {"explained_variance", "feature units^2"}, {"explained_variance_ratio", "1"},
                                           {"singular_values", "feature units"}, {"scores", "feature units"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) PetscCall(ms_h5_set_units(g, units[i][0], units[i][1]));
    PetscCall(ms_h5_attr_set_string(g, "noise_variance_units", "feature units^2"));
    PetscCall(ms_h5_attr_set_string(g, "total_variance_units", "feature units^2"));
  }
  H5Gclose(g);
  PetscCall(ms_h5_commit(&f));

  PetscCall(ms_log(comm, "pca: %s: %lld rows x %lld features -> %lld components (%s); explained variance ratio:", in,
                   (long long)ds->n_global, (long long)ds->n_features, (long long)p->k, p->used_scalapack ? "ScaLAPACK pdsyevd" : "LAPACKE dsyevd"));
  for (int64_t c = 0; c < PetscMin(p->k, 5); c++) PetscCall(ms_log(comm, " %.4f", p->explained_variance_ratio[c]));
  PetscCall(ms_log(comm, "%s\npca: wrote %s\n", p->k > 5 ? " ..." : "", out));
  PetscCall(PetscFree(scores));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_pca_destroy(&p));
  for (PetscInt i = 0; i < n_ignore; i++) PetscCall(PetscFree(ignore[i]));
  PetscFunctionReturn(0);
}
