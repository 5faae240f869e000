/* ms_metrics.c - metrics from local rows, reduced over a communicator (see ms_metrics.h). */
#include "ms_metrics.h"
#include <float.h>
#include <math.h>

PetscErrorCode ms_metrics_regression(MPI_Comm comm, int64_t n_local, const double *y, const double *yhat, ms_regression_scores *s)
{
  double a[3] = {0, 0, 0}, mean, n;

  PetscFunctionBegin;
  /* Pass 1: count and sum of y; pass 2: centred and residual sums (two passes keep R^2
     accurate when |mean y| >> its spread). */
  for (int64_t i = 0; i < n_local; i++) a[1] += y[i];
  a[0] = (double)n_local;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, a, 2, MPI_DOUBLE, MPI_SUM, comm));
  n = a[0];
  if (n < 1) SETERRQ(comm, MS_ERR_USER, "regression metrics of an empty set of rows");
  mean = a[1] / n;
  a[0] = a[1] = 0.0;
  for (int64_t i = 0; i < n_local; i++) {
    const double r = y[i] - yhat[i];
    a[0] += r * r;
    a[1] += fabs(r);
    a[2] += (y[i] - mean) * (y[i] - mean);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, a, 3, MPI_DOUBLE, MPI_SUM, comm));
  s->n    = (int64_t)n;
  s->mse  = a[0] / n;
  s->rmse = sqrt(s->mse);
  s->mae  = a[1] / n;
  if (a[2] > 0.0) s->r2 = 1.0 - a[0] / a[2];
  else s->r2 = a[0] == 0.0 ? 1.0 : 0.0;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_metrics_confusion(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const int64_t *yhat, int64_t *C)
{
  PetscFunctionBegin;
  for (int64_t k = 0; k < n_classes * n_classes; k++) C[k] = 0;
  for (int64_t i = 0; i < n_local; i++) {
    if (y[i] < 0 || y[i] >= n_classes || yhat[i] < 0 || yhat[i] >= n_classes)
      SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "confusion matrix: local row %" PRId64 " has class %" PRId64 " (true) / %" PRId64
              " (predicted), expected 0..%" PRId64, i, y[i], yhat[i], n_classes - 1);
    C[y[i] * n_classes + yhat[i]]++;
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, C, (int)(n_classes * n_classes), MPI_INT64_T, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_metrics_classification(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const int64_t *yhat,
                                         ms_classification_scores *s)
{
  const int64_t K = n_classes;
  int64_t       correct = 0, present = 0;

  PetscFunctionBegin;
  PetscCall(PetscMemzero(s, sizeof *s));
  s->n_classes = K;
  PetscCall(PetscCalloc5(K * K, &s->confusion, K, &s->support, K, &s->precision, K, &s->recall, K, &s->f1));
  PetscCall(ms_metrics_confusion(comm, n_local, K, y, yhat, s->confusion));
  for (int64_t t = 0; t < K; t++) {
    int64_t tp = s->confusion[t * K + t], pred = 0;
    for (int64_t p = 0; p < K; p++) {
      s->support[t] += s->confusion[t * K + p];
      pred += s->confusion[p * K + t];
    }
    s->n += s->support[t];
    correct += tp;
    s->precision[t] = pred ? (double)tp / (double)pred : 0.0;
    s->recall[t]    = s->support[t] ? (double)tp / (double)s->support[t] : 0.0;
    s->f1[t]        = s->precision[t] + s->recall[t] > 0.0 ? 2.0 * s->precision[t] * s->recall[t] / (s->precision[t] + s->recall[t]) : 0.0;
    if (s->support[t] + pred > 0) {
      present++;
      s->precision_macro += s->precision[t];
      s->recall_macro += s->recall[t];
      s->f1_macro += s->f1[t];
    }
    s->precision_weighted += (double)s->support[t] * s->precision[t];
    s->recall_weighted += (double)s->support[t] * s->recall[t];
    s->f1_weighted += (double)s->support[t] * s->f1[t];
  }
  if (s->n < 1) SETERRQ(comm, MS_ERR_USER, "classification metrics of an empty set of rows");
  s->accuracy = (double)correct / (double)s->n;
  s->precision_macro /= (double)present;
  s->recall_macro /= (double)present;
  s->f1_macro /= (double)present;
  s->precision_weighted /= (double)s->n;
  s->recall_weighted /= (double)s->n;
  s->f1_weighted /= (double)s->n;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_classification_scores_free(ms_classification_scores *s)
{
  PetscFunctionBegin;
  PetscCall(PetscFree5(s->confusion, s->support, s->precision, s->recall, s->f1));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_metrics_log_loss(MPI_Comm comm, int64_t n_local, int64_t n_classes, const int64_t *y, const double *P, double *loss)
{
  const double eps = DBL_EPSILON;
  double       a[2] = {0.0, (double)n_local};

  PetscFunctionBegin;
  for (int64_t i = 0; i < n_local; i++) {
    double sum = 0.0;
    if (y[i] < 0 || y[i] >= n_classes)
      SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "log-loss: local row %" PRId64 " has class %" PRId64 ", expected 0..%" PRId64, i, y[i], n_classes - 1);
    for (int64_t c = 0; c < n_classes; c++) sum += PetscMin(PetscMax(P[i * n_classes + c], eps), 1.0 - eps);
    a[0] -= log(PetscMin(PetscMax(P[i * n_classes + y[i]], eps), 1.0 - eps) / sum);
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, a, 2, MPI_DOUBLE, MPI_SUM, comm));
  if (a[1] < 1) SETERRQ(comm, MS_ERR_USER, "log-loss of an empty set of rows");
  *loss = a[0] / a[1];
  PetscFunctionReturn(0);
}
