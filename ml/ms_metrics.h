/* ms_metrics.h - evaluation metrics of regression and classification models.
 *
 * Every function takes the caller's local rows (true and predicted values of the rows this
 * rank owns) and reduces the sums with MPI_Allreduce over comm, so it is collective over
 * comm and every rank gets the same scores. Pass PETSC_COMM_SELF for rank-local data.
 *
 * Definitions follow the seeds (spec.md section 1.3) and scikit-learn 1.2:
 *   MSE = 1/N sum (y - yhat)^2, RMSE = sqrt(MSE), MAE = 1/N sum |y - yhat|,
 *   R^2 = 1 - sum (y - yhat)^2 / sum (y - mean y)^2 (constant y: 1 if perfect, else 0).
 *   Confusion matrix C[t * n_classes + p] = number of rows of true class t predicted as p.
 *   precision_c = TP/(TP+FP), recall_c = TP/(TP+FN), F1_c = 2PR/(P+R); 0 when undefined
 *   (scikit-learn's zero_division default, without the warning). Macro averages run over
 *   the classes present in y or yhat (scikit-learn's labels=None); weighted averages weight
 *   by the true class counts (support).
 *   log-loss = -1/N sum log p_(i, y_i), with probabilities clipped to [eps, 1-eps] (eps =
 *   DBL_EPSILON) and each row renormalised, as sklearn.metrics.log_loss.
 */
#ifndef MS_METRICS_H
#define MS_METRICS_H

#include "ms_core.h"

typedef struct {
  int64_t n;                    /* global number of rows */
  double  mse, rmse, mae, r2;
} ms_regression_scores;

typedef struct {
  int64_t  n, n_classes;
  int64_t *confusion;           /* n_classes x n_classes, row = true class */
  int64_t *support;             /* n_classes: true count per class */
  double  *precision, *recall, *f1;  /* n_classes each */
  double   accuracy;
  double   precision_macro, recall_macro, f1_macro;
  double   precision_weighted, recall_weighted, f1_weighted;
} ms_classification_scores;

PetscErrorCode ms_metrics_regression(MPI_Comm comm, int64_t n_local, const double *y, const double *yhat, ms_regression_scores *s);
/* C has n_classes^2 entries (output). Labels outside 0..n_classes-1 are an error. */
PetscErrorCode ms_metrics_confusion(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const int64_t *yhat, int64_t *C);
/* Fills s (allocates its arrays; free with ms_classification_scores_free). */
PetscErrorCode ms_metrics_classification(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const int64_t *yhat,
                                         ms_classification_scores *s);
PetscErrorCode ms_classification_scores_free(ms_classification_scores *s);
/* P is n_local x n_classes, row-major. */
PetscErrorCode ms_metrics_log_loss(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const double *P, double *loss);

#endif
