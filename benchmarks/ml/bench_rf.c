/* bench_rf.c - time ms_forest fit and predict on the data of rf_data.py (one JSON line).
 *
 *   mpirun -n P bench_rf -data rf.h5 [-n_trees 200] [-splitter hist|exact] [-max_bins 255]
 *                        [-max_features sqrt] [-seed 0] [-oob]
 *
 * Every rank reads its contiguous block of the training rows (as a sharded dataset would
 * arrive) and the fit starts with the allgather the rf model does; predict runs on each
 * rank's block of the test rows. Accuracy (classification) or R^2 is reduced over ranks;
 * fit_cpu_s is the fit's CPU time summed over ranks (Open MPI's busy waits included). */
#include "ms_forest.h"
#include <hdf5.h>
#include <omp.h>
#include <time.h>

static PetscErrorCode read_block(hid_t f, const char *name, hid_t type, int64_t *n, int64_t *d, int64_t r0, int64_t r1, void *buf)
{
  hid_t   ds = H5Dopen2(f, name, H5P_DEFAULT), sp = H5Dget_space(ds);
  hsize_t dims[H5S_MAX_RANK] = {0, 1}; /* sized for any file: the rank is checked after */
  int     rank = H5Sget_simple_extent_dims(sp, dims, NULL);
  PetscFunctionBeginUser;
  PetscCheck(ds >= 0 && rank >= 1 && rank <= 2, PETSC_COMM_SELF, MS_ERR_READ, "bench_rf: cannot read dataset %s", name);
  if (rank == 1) dims[1] = 1;
  *n = (int64_t)dims[0];
  *d = (int64_t)dims[1];
  if (buf) {
    hsize_t start[2] = {(hsize_t)r0, 0}, count[2] = {(hsize_t)(r1 - r0), dims[1]};
    H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL);
    hid_t ms = H5Screate_simple(rank, count, NULL);
    PetscCheck(H5Dread(ds, type, ms, sp, H5P_DEFAULT, buf) >= 0, PETSC_COMM_SELF, MS_ERR_READ, "bench_rf: reading %s failed", name);
    H5Sclose(ms);
  }
  H5Sclose(sp);
  H5Dclose(ds);
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char             path[PETSC_MAX_PATH_LEN] = "", split[16] = "hist", mf[32] = "";
  PetscInt         n_trees = 200, max_bins = 255, seed = 0;
  PetscBool        oob = PETSC_FALSE;
  PetscMPIInt      rank, size;
  int64_t          n, d, nt, one;
  ms_forest_params p;
  ms_forest        f;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-data", path, sizeof(path), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-splitter", split, sizeof(split), NULL));
  PetscCall(PetscOptionsGetString(NULL, NULL, "-max_features", mf, sizeof(mf), NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-n_trees", &n_trees, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-max_bins", &max_bins, NULL));
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-seed", &seed, NULL));
  PetscCall(PetscOptionsGetBool(NULL, NULL, "-oob", &oob, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  hid_t      fid = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(fid >= 0, PETSC_COMM_SELF, MS_ERR_FILE, "bench_rf: cannot open -data %s", path);
  htri_t     cls = H5Lexists(fid, "labels_train", H5P_DEFAULT);
  PetscCall(read_block(fid, "X_train", H5T_NATIVE_DOUBLE, &n, &d, 0, 0, NULL));
  PetscCall(read_block(fid, "X_test", H5T_NATIVE_DOUBLE, &nt, &d, 0, 0, NULL));
  const int64_t r0 = n * rank / size, r1 = n * (rank + 1) / size, t0 = nt * rank / size, t1 = nt * (rank + 1) / size;
  double       *X, *y = NULL, *Xl, *yl = NULL, *Xt, *yt, *pred;
  int64_t      *lab = NULL, *labl = NULL;
  PetscCall(PetscMalloc6(n * d, &X, (r1 - r0) * d + 1, &Xl, n, &y, (r1 - r0) + 1, &yl, (t1 - t0) * d + 1, &Xt, (t1 - t0) + 1, &pred));
  PetscCall(PetscMalloc3(n, &lab, (r1 - r0) + 1, &labl, (t1 - t0) + 1, &yt));
  PetscCall(read_block(fid, "X_train", H5T_NATIVE_DOUBLE, &n, &d, r0, r1, Xl));
  PetscCall(read_block(fid, "X_test", H5T_NATIVE_DOUBLE, &nt, &d, t0, t1, Xt));
  if (cls > 0) {
    int64_t *lt;
    PetscCall(read_block(fid, "labels_train", H5T_NATIVE_INT64, &n, &one, r0, r1, labl));
    PetscCall(PetscMalloc1(t1 - t0 + 1, &lt));
    PetscCall(read_block(fid, "labels_test", H5T_NATIVE_INT64, &nt, &one, t0, t1, lt));
    for (int64_t i = 0; i < t1 - t0; i++) yt[i] = (double)lt[i];
    PetscCall(PetscFree(lt));
  } else {
    PetscCall(read_block(fid, "y_train", H5T_NATIVE_DOUBLE, &n, &one, r0, r1, yl));
    PetscCall(read_block(fid, "y_test", H5T_NATIVE_DOUBLE, &nt, &one, t0, t1, yt));
  }
  H5Fclose(fid);
  ms_forest_params_default(&p, cls > 0 ? PETSC_TRUE : PETSC_FALSE);
  p.n_trees       = n_trees;
  p.max_bins      = (int)max_bins;
  p.oob           = oob;
  p.tree.splitter = strcmp(split, "exact") ? MS_TREE_SPLIT_HIST : MS_TREE_SPLIT_EXACT;
  if (mf[0]) PetscCall(ms_tree_max_features_parse(mf, "-max_features", &p.max_features));

  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  struct timespec c0, c1; /* CPU seconds of the fit, summed over ranks: on a shared machine
                             they compare better than wall time */
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  double      tfit = MPI_Wtime();
  PetscMPIInt *cnt, *dsp;
  PetscCall(PetscMalloc2(size, &cnt, size, &dsp));
  for (int r = 0; r < size; r++) { dsp[r] = (PetscMPIInt)(n * r / size * d); cnt[r] = (PetscMPIInt)(n * (r + 1) / size * d) - dsp[r]; }
  PetscCallMPI(MPI_Allgatherv(Xl, cnt[rank], MPI_DOUBLE, X, cnt, dsp, MPI_DOUBLE, PETSC_COMM_WORLD));
  for (int r = 0; r < size; r++) { dsp[r] /= (PetscMPIInt)d; cnt[r] /= (PetscMPIInt)d; }
  if (cls > 0) PetscCallMPI(MPI_Allgatherv(labl, cnt[rank], MPI_INT64_T, lab, cnt, dsp, MPI_INT64_T, PETSC_COMM_WORLD));
  else PetscCallMPI(MPI_Allgatherv(yl, cnt[rank], MPI_DOUBLE, y, cnt, dsp, MPI_DOUBLE, PETSC_COMM_WORLD));
  PetscCall(ms_forest_fit(PETSC_COMM_WORLD, &p, (uint64_t)seed, n, d, X, cls > 0 ? NULL : y, cls > 0 ? lab : NULL, cls > 0 ? 2 : 0, &f));
  tfit = MPI_Wtime() - tfit;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  double cfit = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec), cfit_all;
  PetscCallMPI(MPI_Allreduce(&cfit, &cfit_all, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));

  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  double tpred = MPI_Wtime();
  PetscCall(ms_forest_predict(f, t1 - t0, Xt, pred));
  PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
  tpred = MPI_Wtime() - tpred;
  double s[3] = {0, 0, 0}, g[3]; /* hits | (sum y, sum y^2, sum res^2) */
  for (int64_t i = 0; i < t1 - t0; i++) {
    if (cls > 0) s[0] += pred[i] == yt[i];
    else { s[0] += yt[i]; s[1] += yt[i] * yt[i]; s[2] += (yt[i] - pred[i]) * (yt[i] - pred[i]); }
  }
  PetscCallMPI(MPI_Allreduce(s, g, 3, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD));
  const double score = cls > 0 ? g[0] / nt : 1.0 - g[2] / (g[1] - g[0] * g[0] / nt);
  int64_t nodes = 0;
  for (int64_t t = 0; t < f->n_trees; t++) nodes += f->trees[t].n_nodes;
  if (!rank)
    printf("{\"impl\": \"matscreen\", \"task\": \"%s\", \"ranks\": %d, \"threads\": %d, \"splitter\": \"%s\", \"n_train\": %" PRId64
           ", \"n_features\": %" PRId64 ", \"n_trees\": %" PRId64 ", \"fit_s\": %.3f, \"fit_cpu_s\": %.3f, \"predict_s\": %.3f, \"%s\": %.5f, \"mean_nodes\": %.0f%s%.5f}\n",
           cls > 0 ? "classification" : "regression", size, omp_get_max_threads(), split, n, d, (int64_t)n_trees, tfit, cfit_all, tpred,
           cls > 0 ? "accuracy" : "r2", score, (double)nodes / (double)f->n_trees, oob ? ", \"oob\": " : ", \"oob_none\": ",
           oob ? f->oob_score : 0.0);
  PetscCall(ms_forest_destroy(&f));
  PetscCall(PetscFree2(cnt, dsp));
  PetscCall(PetscFree6(X, Xl, y, yl, Xt, pred));
  PetscCall(PetscFree3(lab, labl, yt));
  PetscCall(PetscFinalize());
  return 0;
}
