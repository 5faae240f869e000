/* ms_bo_loo.c - leave-one-out check of a fitted BO surrogate: row i is left out, the GP is
 * refactored at the fitted hyperparameters (no refit: the check asks whether the model the
 * suggestions come from predicts each measured point from the others), and the held-out
 * observation is predicted with its full predictive std (noise included). Row i is task i
 * on rank i mod P; the per-row results are summed over ranks (one non-zero term each, so the
 * sum is exact and rank-count independent). */
#include "ms_bo.h"
#include <math.h>

/* n refactorizations of n - 1 rows cost n^4 / 3: beyond this the check is skipped (NaN) */
#define MS_BO_LOO_MAX_N 1000

PetscErrorCode ms_bo_model_loo(ms_bo_model m, ms_bo_loo *loo)
{
  PetscMPIInt rank, size;
  int64_t     n = m->n, d = m->d;
  double     *pred, *sdv, *U1, *y1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscMalloc4(n, &pred, n, &sdv, n * d + 1, &U1, n + 1, &y1));
  for (int k = 0; k < m->n_obj; k++) {
    ms_gpr gp = m->gp[k];
    double s  = m->opts.minimize[k] ? -1.0 : 1.0;
    PetscCall(PetscArrayzero(pred, n));
    PetscCall(PetscArrayzero(sdv, n));
    for (int64_t i = rank; i < n && n > 1 && n <= MS_BO_LOO_MAX_N; i += size) {
      ms_kernel K;
      ms_gpr    g;
      int64_t   r = 0;
      for (int64_t j = 0; j < n; j++) {
        if (j == i) continue;
        PetscCall(PetscArraycpy(U1 + r * d, m->U + j * d, d));
        y1[r++] = gp->y[j];
      }
      PetscCall(ms_kernel_duplicate(gp->kernel, &K));
      PetscCall(ms_gpr_create(PETSC_COMM_SELF, K, &g));
      g->jitter = gp->jitter;
      PetscCall(ms_gpr_set_data_normalized(g, n - 1, d, U1, y1, gp->y_mean, gp->y_std));
      PetscCall(ms_gpr_factor(g));
      PetscCall(ms_gpr_predict_mean(g, 1, m->U + i * d, &pred[i]));
      PetscCall(ms_gpr_predict_std(g, 1, m->U + i * d, &sdv[i]));
      PetscCall(ms_gpr_destroy(&g));
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, pred, (int)n, MPI_DOUBLE, MPI_SUM, m->comm));
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, sdv, (int)n, MPI_DOUBLE, MPI_SUM, m->comm));
    double se = 0, ae = 0, az = 0, cov = 0, mean = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) mean += s * m->T[i * m->n_obj + k] / (double)n;
    for (int64_t i = 0; i < n; i++) {
      double y = s * m->T[i * m->n_obj + k], e = y - s * pred[i], z = sdv[i] > 0 ? fabs(e) / sdv[i] : INFINITY;
      se += e * e;
      ae += fabs(e);
      az += z;
      cov += z <= 1.96 ? 1.0 : 0.0;
      ss += (y - mean) * (y - mean);
    }
    if (n < 2 || n > MS_BO_LOO_MAX_N) se = ae = az = cov = ss = NAN;
    loo[k].rmse       = n > 1 ? sqrt(se / (double)n) : NAN;
    loo[k].mae        = n > 1 ? ae / (double)n : NAN;
    loo[k].r2         = n > 1 && ss > 0 ? 1.0 - se / ss : NAN;
    loo[k].mean_abs_z = n > 1 ? az / (double)n : NAN;
    loo[k].coverage95 = n > 1 ? cov / (double)n : NAN;
  }
  PetscCall(PetscFree4(pred, sdv, U1, y1));
  PetscFunctionReturn(0);
}
