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
  "usage: matscreen pca -input IN -output OUT.h5 [-target COL | -label COL] [-id COL] [-ignore a,b] [-nan_policy error|omit|keep]\n"
  "                     [-pca_n_components 0] [-pca_standardize] [-pca_scalapack_min_d 500] [-pca_grid auto] [-pca_scalapack_nb 64]\n"
  "       matscreen pca -apply FITTED.h5 -input NEW -output SCORES.h5 [-label COL] [-id COL]\n"
  "  Mean-centred PCA of the feature columns (a -target column is left out), as scikit-learn's\n"
  "  PCA(svd_solver='full'). OUT.h5 holds group /pca: components (k x d, attribute column_names),\n"
  "  explained_variance, explained_variance_ratio, singular_values, mean, noise_variance, and the\n"
  "  scores of every input row (n x k, in input order); with -pca_standardize the columns are\n"
  "  scaled to unit variance first and the scaler is saved in /pca/scaler. Group /scores holds the\n"
  "  scores as a table (features PC1..PCk) with the -id sample ids and -label classes beside them\n"
  "  (pandas/h5py, or `file.h5:/scores` as input to other commands). -apply loads the fitted /pca\n"
  "  of FITTED.h5 and writes the scores of the rows of NEW (its columns picked by name) to /scores\n"
  "  and a copy of the fitted /pca, as scikit-learn's PCA.transform (after StandardScaler).\n";

/* -apply: scores of new rows with a saved PCA; the new table's columns are picked by the
 * fitted feature names, so extra or reordered columns do not matter and a missing one is an
 * error naming it. */
static PetscErrorCode ms_pca_apply(MPI_Comm comm, const char *fitted, const char *in, const char *out, const char *label, const char *id,
                                   ms_nan_policy nan_policy)
{
  ms_h5_file  f;
  hid_t       g;
  ms_pca      p;
  ms_dataset  ds, sc;
  const char **feat;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(comm, fitted, &f));
  g = H5Gopen2(f->fid, "/pca", H5P_DEFAULT);
  MS_H5CHK(g, comm, "pca -apply: %s has no group /pca (write one with `matscreen pca -output`)", fitted);
  PetscCall(ms_pca_load(g, &p));
  H5Gclose(g);
  PetscCall(ms_h5_close(&f));
  PetscCheck(p->feature_names, comm, MS_ERR_USER, "pca -apply: /pca of %s has no column_names: refit it with this version", fitted);
  PetscCall(PetscMalloc1(p->d + 1, &feat));
  for (int64_t j = 0; j < p->d; j++) feat[j] = p->feature_names[j];
  feat[p->d] = NULL;
  ms_csv_read_opts o = {label, label ? MS_TASK_CLASSIFICATION : MS_TASK_AUTO, id, NULL, nan_policy, feat, PETSC_FALSE};
  PetscCall(ms_dataset_load(comm, in, &o, &ds));
  PetscCall(PetscFree(feat));
  PetscCall(ms_dataset_check_finite_features(ds, in));
  PetscCall(ms_pca_scores(p, ds, &sc));
  PetscCall(ms_h5_create(comm, out, &f));
  PetscCall(ms_h5_add_input(f, fitted));
  PetscCall(ms_h5_add_input(f, in));
  PetscCall(ms_h5_group_ensure(f->fid, "/pca", &g));
  PetscCall(ms_pca_save(p, g));
  H5Gclose(g);
  PetscCall(ms_dataset_write_h5(sc, f->fid, "/scores"));
  PetscCall(ms_h5_commit(&f));
  PetscCall(ms_log(comm, "pca: scored %lld rows of %s with the PCA of %s (%lld components, scaler %s); wrote %s:/scores\n",
                   (long long)ds->n_global, in, fitted, (long long)p->k, p->scaler ? ms_scaler_type(p->scaler) : "none", out));
  PetscCall(ms_dataset_destroy(&sc));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(ms_pca_destroy(&p));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_cmd_pca(MPI_Comm comm)
{
  char      in[PETSC_MAX_PATH_LEN] = "", out[PETSC_MAX_PATH_LEN] = "", target[256] = "", id[256] = "", label[256] = "";
  char      apply[PETSC_MAX_PATH_LEN] = "";
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
  PetscCall(PetscOptionsString("-label", "column of class labels, left out of the features and stored beside the scores", NULL, label, label,
                               sizeof label, NULL));
  PetscCall(PetscOptionsString("-apply", "HDF5 file of a fitted PCA (/pca): score the -input rows with it instead of fitting", NULL, apply,
                               apply, sizeof apply, NULL));
  PetscCall(PetscOptionsStringArray("-ignore", "comma-separated columns to drop", NULL, ignore, &n_ignore, &set));
  if (!set) n_ignore = 0;
  PetscCall(PetscOptionsEnum("-nan_policy", "empty/NaN/Inf values: fail, drop the row, or keep", NULL, ms_nan_policy_names, nan_policy,
                             &nan_policy, NULL));
  PetscOptionsEnd();
  PetscCall(ms_pca_create(&p));
  if (!apply[0]) PetscCall(ms_pca_set_from_options(comm, p));
  PetscCall(ms_options_help_requested(&help));
  if (help) {
    PetscCall(ms_pca_destroy(&p));
    PetscFunctionReturn(0);
  }
  PetscCall(ms_options_check_unused(comm, NULL));
  PetscCheck(in[0], comm, MS_ERR_USER, "missing required option -input (the table to analyse)");
  PetscCheck(out[0], comm, MS_ERR_USER, "missing required option -output (the HDF5 file for components and scores)");
  PetscCheck(!(target[0] && label[0]), comm, MS_ERR_USER, "give either -target or -label, not both");
  if (apply[0]) {
    PetscCall(ms_pca_destroy(&p));
    PetscCall(ms_pca_apply(comm, apply, in, out, label[0] ? label : NULL, id[0] ? id : NULL, (ms_nan_policy)nan_policy));
    for (PetscInt i = 0; i < n_ignore; i++) PetscCall(PetscFree(ignore[i]));
    PetscFunctionReturn(0);
  }

  const char *ig[65];
  for (PetscInt i = 0; i < n_ignore; i++) ig[i] = ignore[i];
  ig[n_ignore] = NULL;
  ms_csv_read_opts o = {label[0] ? label : (target[0] ? target : NULL), label[0] ? MS_TASK_CLASSIFICATION : MS_TASK_AUTO,
                        id[0] ? id : NULL, ig, (ms_nan_policy)nan_policy, NULL, PETSC_FALSE};
  ms_dataset       ds, sc;
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
  PetscCall(ms_pca_scores(p, ds, &sc));
  PetscCall(ms_dataset_write_h5(sc, f->fid, "/scores"));
  PetscCall(ms_dataset_destroy(&sc));
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
