/* probe_ml.c - prints what the ML core computes, for ml_parity.py to compare with
 * scikit-learn. Rows are sharded over the ranks it runs on; rank 0 prints.
 *   probe_ml scaler TYPE table.csv [new.csv]   the transformed table (or new rows, transformed
 *                                    with the scaler fitted on table.csv), one row per line
 *   probe_ml metrics vectors.txt     "name value" lines; file: "n K" then n lines
 *                                    "y yhat label pred p_0 .. p_K-1"
 *   probe_ml folds N K SEED REPEAT   the k-fold assignment of rows 0..N-1, one per line
 *   probe_ml holdout N FRAC SEED     1 for the rows `cv -test_fraction` holds out, else 0
 */
#include "ms_dataset.h"
#include "ms_metrics.h"
#include "ms_scaler.h"
#include "ms_validation.h"
#include <stdlib.h>
#include <string.h>

/* Fit on path; transform the rows of apply (new rows, e.g. outside the training range: where
   clipping and extrapolation show) or, without apply, the training rows themselves. */
static PetscErrorCode probe_scaler(const char *type, const char *path, const char *apply)
{
  ms_dataset       ds, rep, ap = NULL;
  ms_scaler        s;
  ms_csv_read_opts o = {0};
  PetscMPIInt      rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(ms_dataset_read_csv(PETSC_COMM_WORLD, path, &o, &ds));
  PetscCall(ms_scaler_create(type, &s));
  PetscCall(ms_scaler_fit(s, ds));
  if (apply) {
    PetscCall(ms_dataset_read_csv(PETSC_COMM_WORLD, apply, &o, &ap));
    PetscCall(ms_dataset_destroy(&ds));
    ds = ap;
  }
  PetscCall(ms_scaler_transform(s, ds->n_local, ds->n_features, ds->X));
  PetscCall(ms_dataset_allgather(ds, &rep));
  for (int64_t i = 0; !rank && i < rep->n_global; i++)
    for (int64_t j = 0; j < rep->n_features; j++) printf("%.17g%c", rep->X[i * rep->n_features + j], j + 1 < rep->n_features ? ' ' : '\n');
  PetscCall(ms_scaler_destroy(&s));
  PetscCall(ms_dataset_destroy(&rep));
  PetscCall(ms_dataset_destroy(&ds));
  PetscFunctionReturn(0);
}

static PetscErrorCode probe_metrics(const char *path)
{
  FILE                    *fp = fopen(path, "r");
  long                     n, K;
  double                  *y, *yh, *P, loss;
  int64_t                 *t, *p;
  PetscMPIInt              rank, size;
  ms_regression_scores     r;
  ms_classification_scores c;

  PetscFunctionBegin;
  PetscCheck(fp && fscanf(fp, "%ld %ld", &n, &K) == 2, PETSC_COMM_SELF, MS_ERR_FILE, "cannot read %s", path);
  PetscCall(PetscMalloc5(n, &y, n, &yh, n * K, &P, n, &t, n, &p));
  for (long i = 0; i < n; i++) {
    long a, b;
    PetscCheck(fscanf(fp, "%lf %lf %ld %ld", &y[i], &yh[i], &a, &b) == 4, PETSC_COMM_SELF, MS_ERR_READ, "%s: bad row %ld", path, i);
    t[i] = a; p[i] = b;
    for (long k = 0; k < K; k++) PetscCheck(fscanf(fp, "%lf", &P[i * K + k]) == 1, PETSC_COMM_SELF, MS_ERR_READ, "%s: bad row %ld", path, i);
  }
  fclose(fp);
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  const long lo = rank * n / size, m = (rank + 1) * n / size - lo;
  PetscCall(ms_metrics_regression(PETSC_COMM_WORLD, m, y + lo, yh + lo, &r));
  PetscCall(ms_metrics_classification(PETSC_COMM_WORLD, m, K, t + lo, p + lo, &c));
  PetscCall(ms_metrics_log_loss(PETSC_COMM_WORLD, m, K, t + lo, P + lo * K, &loss));
  if (!rank) {
    printf("mse %.17g\nrmse %.17g\nmae %.17g\nr2 %.17g\n", r.mse, r.rmse, r.mae, r.r2);
    printf("accuracy %.17g\nprecision_macro %.17g\nrecall_macro %.17g\nf1_macro %.17g\n", c.accuracy, c.precision_macro, c.recall_macro, c.f1_macro);
    printf("precision_weighted %.17g\nrecall_weighted %.17g\nf1_weighted %.17g\nlog_loss %.17g\n", c.precision_weighted, c.recall_weighted,
           c.f1_weighted, loss);
    for (long k = 0; k < K; k++) printf("precision_%ld %.17g\nrecall_%ld %.17g\nf1_%ld %.17g\n", k, c.precision[k], k, c.recall[k], k, c.f1[k]);
    for (long k = 0; k < K * K; k++) printf("confusion_%ld %lld\n", k, (long long)c.confusion[k]);
  }
  PetscCall(ms_classification_scores_free(&c));
  PetscCall(PetscFree5(y, yh, P, t, p));
  PetscFunctionReturn(0);
}

static PetscErrorCode probe_folds(int64_t n, int K, uint64_t seed, int repeat)
{
  int        *fold;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscMalloc1(n, &fold));
  PetscCall(ms_validation_kfold(n, K, seed, repeat, PETSC_FALSE, NULL, 0, fold));
  for (int64_t i = 0; !rank && i < n; i++) printf("%d\n", fold[i]);
  PetscCall(PetscFree(fold));
  PetscFunctionReturn(0);
}

static PetscErrorCode probe_holdout(int64_t n, double frac, uint64_t seed)
{
  PetscBool  *test;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscMalloc1(n, &test));
  PetscCall(ms_validation_split(n, frac, seed, MS_VALIDATION_HOLDOUT_STREAM, PETSC_FALSE, NULL, 0, test));
  for (int64_t i = 0; !rank && i < n; i++) printf("%d\n", test[i] ? 1 : 0);
  PetscCall(PetscFree(test));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  if ((argc == 4 || argc == 5) && !strcmp(argv[1], "scaler")) PetscCall(probe_scaler(argv[2], argv[3], argc == 5 ? argv[4] : NULL));
  else if (argc == 3 && !strcmp(argv[1], "metrics")) PetscCall(probe_metrics(argv[2]));
  else if (argc == 6 && !strcmp(argv[1], "folds")) PetscCall(probe_folds(atoll(argv[2]), atoi(argv[3]), strtoull(argv[4], NULL, 10), atoi(argv[5])));
  else if (argc == 5 && !strcmp(argv[1], "holdout")) PetscCall(probe_holdout(atoll(argv[2]), atof(argv[3]), strtoull(argv[4], NULL, 10)));
  else SETERRQ(PETSC_COMM_WORLD, MS_ERR_USER, "usage: probe_ml scaler TYPE table.csv | metrics vectors.txt | folds N K SEED REPEAT | holdout N FRAC SEED");
  PetscCall(PetscFinalize());
  return 0;
}
