/* test_ml_metrics.c - metrics on small vectors worked out by hand, with the rows sharded
 * over 1 or 2 ranks (the reductions must give the same numbers). */
#include "ms_metrics.h"
#include "ms_test.h"

int main(int argc, char **argv)
{
  PetscMPIInt rank, size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  {
    /* y = (1,2,3,4), yhat = (1,3,2,4): residuals (0,-1,1,0): MSE 1/2, MAE 1/2,
       sum (y - 2.5)^2 = 5, R^2 = 1 - 2/5 = 0.6. */
    const double y[] = {1, 2, 3, 4}, yh[] = {1, 3, 2, 4};
    const int    lo = rank * 4 / size, hi = (rank + 1) * 4 / size;
    ms_regression_scores s;
    PetscCall(ms_metrics_regression(PETSC_COMM_WORLD, hi - lo, y + lo, yh + lo, &s));
    MS_CHECK(s.n == 4);
    MS_CHECK_CLOSE(s.mse, 0.5, 1e-15, 0);
    MS_CHECK_CLOSE(s.rmse, sqrt(0.5), 1e-15, 0);
    MS_CHECK_CLOSE(s.mae, 0.5, 1e-15, 0);
    MS_CHECK_CLOSE(s.r2, 0.6, 1e-15, 0);
  }
  {
    /* 3 classes, 6 rows: true (0,0,1,1,2,2), pred (0,1,1,1,0,2).
       Confusion rows: [1 1 0; 0 2 0; 1 0 1]. Accuracy 4/6.
       precision: 1/2, 2/3, 1/1; recall: 1/2, 2/2, 1/2.
       F1: 1/2, 0.8, 2/3. Macro F1 = (0.5 + 0.8 + 2/3)/3; weighted = same (support 2 each).
       Log-loss with P(true) = (0.5,0.5,0.5,1,0.125,0.5) (rows sum to 1):
       -(ln .5 + ln .5 + ln .5 + ln 1 + ln .125 + ln .5)/6 = 7 ln 2 / 6 (the 1 is clipped to 1-eps). */
    const int64_t t[] = {0, 0, 1, 1, 2, 2}, p[] = {0, 1, 1, 1, 0, 2};
    const double  P[] = {0.5, 0.25, 0.25, 0.5, 0.25, 0.25, 0.25, 0.5, 0.25, 0, 1, 0, 0.5, 0.375, 0.125, 0.25, 0.25, 0.5};
    const int     lo = rank * 6 / size, hi = (rank + 1) * 6 / size;
    const int64_t Cexp[] = {1, 1, 0, 0, 2, 0, 1, 0, 1};
    ms_classification_scores s;
    double        loss;
    PetscCall(ms_metrics_classification(PETSC_COMM_WORLD, hi - lo, 3, t + lo, p + lo, &s));
    for (int k = 0; k < 9; k++) MS_CHECK(s.confusion[k] == Cexp[k]);
    MS_CHECK_CLOSE(s.accuracy, 4.0 / 6.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.precision[0], 0.5, 1e-15, 0);
    MS_CHECK_CLOSE(s.precision[1], 2.0 / 3.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.precision[2], 1.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.recall[1], 1.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.recall[2], 0.5, 1e-15, 0);
    MS_CHECK_CLOSE(s.f1[1], 0.8, 1e-15, 0);
    MS_CHECK_CLOSE(s.f1[2], 2.0 / 3.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.f1_macro, (0.5 + 0.8 + 2.0 / 3.0) / 3.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.f1_weighted, (0.5 + 0.8 + 2.0 / 3.0) / 3.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.precision_macro, (0.5 + 2.0 / 3.0 + 1.0) / 3.0, 1e-15, 0);
    MS_CHECK_CLOSE(s.recall_macro, (0.5 + 1.0 + 0.5) / 3.0, 1e-15, 0);
    PetscCall(ms_classification_scores_free(&s));
    PetscCall(ms_metrics_log_loss(PETSC_COMM_WORLD, hi - lo, 3, t + lo, P + 3 * lo, &loss));
    MS_CHECK_CLOSE(loss, 7.0 * log(2.0) / 6.0, 1e-14, 1e-15);
  }
  MS_TEST_END("ml_metrics");
}
