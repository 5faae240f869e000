/* test_logreg_parity - logreg against scikit-learn 1.2 (references by logreg_reference.py).
 *
 * For every /cases/<case> of the reference file: fit logreg with the case's options on the
 * case's (standardised) data set, rows sharded over PETSC_COMM_WORLD, and compare
 * coefficients, intercepts and predict_proba with scikit-learn's within 1e-4. Then two cases
 * again through the generic model path (registry, -scaler standard on the raw features).
 * Usage: test_logreg_parity reference.h5
 */
#include "logreg.h"
#include "ms_h5.h"
#include "ms_test.h"

#define TOL 1e-4

static PetscErrorCode run_case(hid_t fid, const char *case_name, double worst[3])
{
  MPI_Comm   comm = PETSC_COMM_WORLD;
  char       path[256], *data, *penalty, *cw, buf[64];
  double     C, l1_ratio, *ref_coef, *ref_b, *ref_P, *P;
  int64_t    fi, R, dims[3];
  int        rank;
  hid_t      g;
  ms_dataset ds;
  struct ms_model_s model;
  ms_model   m = &model;
  const double *coef, *b;
  double     dc = 0, db = 0, dp = 0;

  PetscFunctionBeginUser;
  snprintf(path, sizeof path, "/cases/%s", case_name);
  g = H5Gopen2(fid, path, H5P_DEFAULT);
  PetscCheck(g >= 0, comm, PETSC_ERR_FILE_READ, "no group %s", path);
  PetscCall(ms_h5_attr_get_string(g, "data", &data));
  PetscCall(ms_h5_attr_get_string(g, "penalty", &penalty));
  PetscCall(ms_h5_attr_get_string(g, "class_weight", &cw));
  PetscCall(ms_h5_attr_get_double(g, "C", &C));
  PetscCall(ms_h5_attr_get_double(g, "l1_ratio", &l1_ratio));
  PetscCall(ms_h5_attr_get_int(g, "fit_intercept", &fi));
  snprintf(path, sizeof path, "/data/%s", data);
  PetscCall(ms_dataset_read_h5(comm, fid, path, &ds));

  PetscCall(PetscOptionsSetValue(NULL, "-logreg_penalty", penalty));
  snprintf(buf, sizeof buf, "%.17g", C);
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_C", buf));
  snprintf(buf, sizeof buf, "%.17g", l1_ratio);
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_l1_ratio", buf));
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_class_weight", cw));
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_fit_intercept", fi ? "true" : "false"));
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_tol", "1e-10"));
  PetscCall(PetscOptionsSetValue(NULL, "-logreg_max_it", "10000"));

  /* The model object by hand: only the fields logreg reads. */
  PetscCall(PetscMemzero(&model, sizeof model));
  m->comm = comm;
  m->n_features = ds->n_features;
  m->n_classes = ds->n_classes;
  m->task = MS_TASK_CLASSIFICATION;
  PetscCall(ms_model_create_logreg(m));
  PetscCall(m->ops.setfromoptions(m));
  PetscCall(m->ops.fit(m, ds));
  PetscCall(ms_logreg_get_coefficients(m, &R, &coef, &b));

  PetscCall(ms_h5_dataset_shape(g, "coef", &rank, dims));
  MS_CHECK(rank == 2 && dims[0] == R && dims[1] == ds->n_features);
  PetscCall(PetscMalloc3(R * ds->n_features, &ref_coef, R, &ref_b, ds->n_local * ds->n_classes + 1, &ref_P));
  PetscCall(PetscMalloc1(ds->n_local * ds->n_classes + 1, &P));
  PetscCall(ms_h5_read_rows_double(g, "coef", 0, R, ds->n_features, ref_coef));
  PetscCall(ms_h5_read_rows_double(g, "intercept", 0, R, 0, ref_b));
  PetscCall(ms_h5_read_rows_double(g, "proba", ds->row_start, ds->n_local, ds->n_classes, ref_P));
  PetscCall(m->ops.predict_proba(m, ds, P));
  for (int64_t j = 0; j < R * ds->n_features; j++) {
    MS_CHECK_CLOSE(coef[j], ref_coef[j], 0, TOL);
    dc = PetscMax(dc, fabs(coef[j] - ref_coef[j]));
  }
  for (int64_t k = 0; k < R; k++) {
    MS_CHECK_CLOSE(b[k], ref_b[k], 0, TOL);
    db = PetscMax(db, fabs(b[k] - ref_b[k]));
  }
  for (int64_t i = 0; i < ds->n_local * ds->n_classes; i++) {
    MS_CHECK_CLOSE(P[i], ref_P[i], 0, TOL);
    dp = PetscMax(dp, fabs(P[i] - ref_P[i]));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &dp, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCall(PetscPrintf(comm, "%-20s max |coef - sklearn| %.2e  |intercept - sklearn| %.2e  |proba - sklearn| %.2e\n",
                        case_name, dc, db, dp));
  worst[0] = PetscMax(worst[0], dc);
  worst[1] = PetscMax(worst[1], db);
  worst[2] = PetscMax(worst[2], dp);

  PetscCall(m->ops.destroy(m));
  PetscCall(PetscFree3(ref_coef, ref_b, ref_P));
  PetscCall(PetscFree(P));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(PetscFree(data));
  PetscCall(PetscFree(penalty));
  PetscCall(PetscFree(cw));
  H5Gclose(g);
  PetscFunctionReturn(0);
}

/* The whole model path: registry, options, -scaler standard fitted inside ms_model_fit on the
 * raw features, then the fit. StandardScaler's transform makes the case's data exactly. */
static PetscErrorCode run_wrapper_case(hid_t fid, const char *data, const char *case_name)
{
  MPI_Comm   comm = PETSC_COMM_WORLD;
  char       path[256];
  ms_dataset ds;
  ms_model   m;
  hid_t      g;
  int64_t    R, dims[3];
  int        rank;
  double    *ref_coef, *ref_b, *ref_P, *P, dp = 0, dc = 0;
  const double *coef, *b;

  PetscFunctionBeginUser;
  snprintf(path, sizeof path, "/data/%s_raw", data);
  PetscCall(ms_dataset_read_h5(comm, fid, path, &ds));
  PetscCall(PetscOptionsInsertString(NULL, "-scaler standard -logreg_penalty l2 -logreg_C 1 -logreg_l1_ratio 0.5 "
                                           "-logreg_class_weight none -logreg_fit_intercept true -logreg_tol 1e-10 -logreg_max_it 10000"));
  PetscCall(ms_model_create(comm, "logreg", &m));
  PetscCall(ms_model_set_from_options(m));
  PetscCall(ms_model_fit(m, ds));
  PetscCall(ms_logreg_get_coefficients(m, &R, &coef, &b));
  snprintf(path, sizeof path, "/cases/%s", case_name);
  g = H5Gopen2(fid, path, H5P_DEFAULT);
  PetscCheck(g >= 0, comm, PETSC_ERR_FILE_READ, "no group %s", path);
  PetscCall(ms_h5_dataset_shape(g, "coef", &rank, dims));
  MS_CHECK(rank == 2 && dims[0] == R && dims[1] == ds->n_features);
  PetscCall(PetscMalloc4(R * ds->n_features, &ref_coef, R, &ref_b, ds->n_local * ds->n_classes + 1, &ref_P,
                         ds->n_local * ds->n_classes + 1, &P));
  PetscCall(ms_h5_read_rows_double(g, "coef", 0, R, ds->n_features, ref_coef));
  PetscCall(ms_h5_read_rows_double(g, "intercept", 0, R, 0, ref_b));
  PetscCall(ms_h5_read_rows_double(g, "proba", ds->row_start, ds->n_local, ds->n_classes, ref_P));
  PetscCall(ms_model_predict_proba(m, ds, P));
  for (int64_t j = 0; j < R * ds->n_features; j++) {
    MS_CHECK_CLOSE(coef[j], ref_coef[j], 0, TOL);
    dc = PetscMax(dc, fabs(coef[j] - ref_coef[j]));
  }
  for (int64_t k = 0; k < R; k++) MS_CHECK_CLOSE(b[k], ref_b[k], 0, TOL);
  for (int64_t i = 0; i < ds->n_local * ds->n_classes; i++) {
    MS_CHECK_CLOSE(P[i], ref_P[i], 0, TOL);
    dp = PetscMax(dp, fabs(P[i] - ref_P[i]));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &dp, 1, MPI_DOUBLE, MPI_MAX, comm));
  PetscCall(PetscPrintf(comm, "%-20s through ms_model with -scaler standard on raw %s: max |coef - sklearn| %.2e  |proba - sklearn| %.2e\n",
                        case_name, data, dc, dp));
  H5Gclose(g);
  PetscCall(PetscFree4(ref_coef, ref_b, ref_P, P));
  PetscCall(ms_model_destroy(&m));
  PetscCall(ms_dataset_destroy(&ds));
  PetscCall(PetscOptionsClearValue(NULL, "-scaler"));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  ms_h5_file f;
  hid_t      cases;
  H5G_info_t info;
  double     worst[3] = {0, 0, 0};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCheck(argc > 1, PETSC_COMM_WORLD, PETSC_ERR_ARG_WRONG, "usage: test_logreg_parity reference.h5");
  PetscCall(ms_h5_open_read(PETSC_COMM_WORLD, argv[1], &f));
  cases = H5Gopen2(f->fid, "/cases", H5P_DEFAULT);
  PetscCheck(cases >= 0, PETSC_COMM_WORLD, PETSC_ERR_FILE_READ, "%s has no /cases", argv[1]);
  H5Gget_info(cases, &info);
  MS_CHECK(info.nlinks >= 20);
  for (hsize_t i = 0; i < info.nlinks; i++) {
    char name[128];
    H5Lget_name_by_idx(cases, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    PetscCall(run_case(f->fid, name, worst));
  }
  H5Gclose(cases);
  PetscCall(run_wrapper_case(f->fid, "bc", "bc_l2_C1"));
  PetscCall(run_wrapper_case(f->fid, "wine", "wine_l2_C1"));
  PetscCall(ms_h5_close(&f));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "worst over %d cases: coef %.2e intercept %.2e proba %.2e (tolerance %.0e)\n",
                        (int)info.nlinks, worst[0], worst[1], worst[2], TOL));
  MS_TEST_END("logreg_parity");
}
