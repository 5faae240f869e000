/* ms_gpr.c - GPR core: data, log marginal likelihood with analytic gradient, final
 * factorization and prediction, on a local (LAPACKE) or block-cyclic (ScaLAPACK) ms_dmat.
 * The optimiser and restarts are in ms_gpr_opt.c. */
#include "ms_gpr.h"
#include <math.h>

/* -log_view phases of one LML evaluation (and of ms_gpr_factor, which shares fill and
 * Cholesky). Flops are logged per rank (its share on a grid), so the MFlop/s column is the
 * rate of each phase; issue 14 point 3 tunes them against the machine's dgemm rate. */
static PetscLogEvent ms_gpr_ev_fill, ms_gpr_ev_potrf, ms_gpr_ev_solve, ms_gpr_ev_potri, ms_gpr_ev_trace;

static PetscErrorCode ms_gpr_log_register(void)
{
  PetscFunctionBeginUser;
  if (ms_gpr_ev_fill) PetscFunctionReturn(0);
  PetscCall(PetscLogEventRegister("MsGprFill", PETSC_OBJECT_CLASSID, &ms_gpr_ev_fill));
  PetscCall(PetscLogEventRegister("MsGprPotrf", PETSC_OBJECT_CLASSID, &ms_gpr_ev_potrf));
  PetscCall(PetscLogEventRegister("MsGprSolve", PETSC_OBJECT_CLASSID, &ms_gpr_ev_solve));
  PetscCall(PetscLogEventRegister("MsGprPotri", PETSC_OBJECT_CLASSID, &ms_gpr_ev_potri));
  PetscCall(PetscLogEventRegister("MsGprTrace", PETSC_OBJECT_CLASSID, &ms_gpr_ev_trace));
  PetscFunctionReturn(0);
}

/* This rank's share of a dense n x n operation of `whole` flops on the matrix's grid. */
static PetscLogDouble ms_gpr_share(const ms_dmat *A, double whole)
{
  return A->g ? whole / (double)(A->g->nprow * A->g->npcol) : whole;
}

PetscErrorCode ms_gpr_create(MPI_Comm comm, ms_kernel kernel, ms_gpr *out)
{
  ms_gpr gp;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&gp));
  gp->comm            = comm;
  gp->kernel          = kernel;
  gp->jitter          = 1e-10;
  gp->normalize_y     = PETSC_TRUE;
  gp->scalapack_min_n = MS_GPR_SCALAPACK_MIN_N_DEFAULT;
  gp->grid_shape      = MS_GRID_AUTO;
  gp->nb              = MS_SCALAPACK_NB_DEFAULT;
  gp->y_std           = 1.0;
  gp->best_restart    = -1;
  gp->max_it          = 1000;
  gp->gtol            = MS_GPR_GTOL_DEFAULT;
  gp->ftol            = MS_GPR_FTOL_DEFAULT;
  PetscCall(PetscStrncpy(gp->tao_type, TAOBLMVM, sizeof(gp->tao_type)));
  *out = gp;
  PetscFunctionReturn(0);
}

static PetscErrorCode ms_gpr_clear_factor(ms_gpr gp)
{
  PetscFunctionBeginUser;
  PetscCall(ms_dmat_destroy(&gp->L));
  PetscCall(ms_blacs_destroy(&gp->grid));
  PetscCall(PetscFree(gp->alpha));
  gp->factored = PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_destroy(ms_gpr *gp)
{
  PetscFunctionBeginUser;
  if (!*gp) PetscFunctionReturn(0);
  PetscCall(ms_gpr_clear_factor(*gp));
  PetscCall(ms_kernel_destroy(&(*gp)->kernel));
  PetscCall(PetscFree((*gp)->X));
  PetscCall(PetscFree((*gp)->y));
  PetscCall(PetscFree(*gp));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_set_data_normalized(ms_gpr gp, int64_t n, int64_t d, const double *X, const double *y_norm,
                                          double y_mean, double y_std)
{
  PetscFunctionBeginUser;
  if (n < 1) SETERRQ(gp->comm, MS_ERR_USER, "GPR needs at least one training row, got %" PRId64, n);
  if (d != gp->kernel->d)
    SETERRQ(gp->comm, MS_ERR_USER, "GPR kernel built for %" PRId64 " features, data has %" PRId64, gp->kernel->d, d);
  if (n > INT32_MAX / 2) SETERRQ(gp->comm, MS_ERR_USER, "GPR with %" PRId64 " training rows is beyond 32-bit ScaLAPACK", n);
  PetscCall(ms_gpr_clear_factor(gp));
  PetscCall(PetscFree(gp->X));
  PetscCall(PetscFree(gp->y));
  PetscCall(PetscMalloc1(n * d, &gp->X));
  PetscCall(PetscMalloc1(n, &gp->y));
  PetscCall(PetscArraycpy(gp->X, X, n * d));
  PetscCall(PetscArraycpy(gp->y, y_norm, n));
  gp->n      = n;
  gp->d      = d;
  gp->y_mean = y_mean;
  gp->y_std  = y_std;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_set_data(ms_gpr gp, int64_t n, int64_t d, const double *X, const double *y)
{
  double  mean = 0.0, var = 0.0, sd = 1.0;
  double *yn;

  PetscFunctionBeginUser;
  if (gp->normalize_y && n > 0) {
    for (int64_t i = 0; i < n; i++) mean += y[i];
    mean /= (double)n;
    for (int64_t i = 0; i < n; i++) var += (y[i] - mean) * (y[i] - mean);
    sd = sqrt(var / (double)n);
    /* sklearn's _handle_zeros_in_scale: a constant target keeps scale 1 */
    if (sd < 10.0 * PETSC_MACHINE_EPSILON) sd = 1.0;
  } else mean = 0.0;
  PetscCall(PetscMalloc1(n, &yn));
  for (int64_t i = 0; i < n; i++) yn[i] = (y[i] - mean) / sd;
  PetscCall(ms_gpr_set_data_normalized(gp, n, d, X, yn, mean, sd));
  PetscCall(PetscFree(yn));
  PetscFunctionReturn(0);
}

typedef struct {
  ms_kernel     k;
  const double *X, *Z; /* rows of the two point sets */
  int64_t       d;
  double        diag_add; /* added when i == j (training covariance only) */
} ms_gpr_fill_ctx;

static double ms_gpr_entry(void *vctx, int64_t i, int64_t j)
{
  ms_gpr_fill_ctx *c = (ms_gpr_fill_ctx *)vctx;
  double           v = ms_kernel_eval(c->k, c->X + i * c->d, c->Z + j * c->d, NULL);
  return i == j ? v + c->diag_add : v;
}

/* The owned entries (i, j), i >= j, of an n x n matrix walk in runs of consecutive global
 * rows (one block of nb local rows each: a whole column when local), so the global row is
 * run start + offset, with no index arithmetic per entry. */
#define MS_GPR_FOR_LOWER_RUNS(A, lj, j, li0, i0, q0, len) \
  for (int li0 = 0; li0 < (A)->mloc; li0 += (A)->nb) \
    for (int i0 = ms_dmat_row((A), li0), len = PetscMin((A)->nb, (A)->mloc - li0), q0 = PetscMax(0, (j) - i0); \
         q0 < len; q0 = len)

/* K = k(X, X) + (noise + jitter) I in the lower triangle, on inputs scaled once (Xs). */
static void ms_gpr_fill_lower(ms_gpr gp, const double *Xs, ms_dmat *K)
{
  ms_kernel            k = gp->kernel;
  ms_kernel_corr_s2_fn f = k->ops.corr_s2;
  const int64_t        d = gp->d;
  const double         c = k->constant, diag_add = k->noise + gp->jitter;

#pragma omp parallel for schedule(dynamic, 16)
  for (int lj = 0; lj < K->nloc; lj++) {
    int           j  = ms_dmat_col(K, lj);
    const double *xj = Xs + (int64_t)j * d;
    double       *a  = K->a + (size_t)lj * K->lld;
    MS_GPR_FOR_LOWER_RUNS(K, lj, j, li0, i0, q0, len)
    for (int q = q0; q < len; q++) {
      const double *xi = Xs + (int64_t)(i0 + q) * d;
      double        s2 = 0.0, h;
      for (int64_t f2 = 0; f2 < d; f2++) s2 += (xi[f2] - xj[f2]) * (xi[f2] - xj[f2]);
      a[li0 + q] = c * f(s2, &h) + (i0 + q == j ? diag_add : 0.0);
    }
  }
}

/* K = k(X, X) + (noise + jitter) I in the lower triangle, then L. Xs: X scaled by
 * ms_kernel_scale (n x d). */
static PetscErrorCode ms_gpr_build_factor(ms_gpr gp, ms_blacs grid, const double *Xs, ms_dmat *K, PetscBool *ok)
{
  double n = (double)gp->n;

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_log_register());
  PetscCall(ms_dmat_create(grid, (int)gp->n, (int)gp->n, K));
  PetscCall(PetscLogEventBegin(ms_gpr_ev_fill, 0, 0, 0, 0));
  ms_gpr_fill_lower(gp, Xs, K);
  PetscCall(PetscLogEventEnd(ms_gpr_ev_fill, 0, 0, 0, 0));
  PetscCall(PetscLogEventBegin(ms_gpr_ev_potrf, 0, 0, 0, 0));
  PetscCall(ms_dmat_potrf(K, ok));
  PetscCall(PetscLogFlops(ms_gpr_share(K, n * n * n / 3.0)));
  PetscCall(PetscLogEventEnd(ms_gpr_ev_potrf, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* a = K^{-1} y (replicated) and the LML from a factored K. */
static PetscErrorCode ms_gpr_solve_lml(ms_gpr gp, const ms_dmat *L, double *alpha, double *lml)
{
  ms_dmat B;
  double  logdiag, ya = 0.0;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(ms_gpr_ev_solve, 0, 0, 0, 0));
  PetscCall(ms_dmat_create(L->g, (int)gp->n, 1, &B));
  PetscCall(ms_dmat_from_replicated(&B, gp->y));
  PetscCall(ms_dmat_potrs(L, &B));
  PetscCall(ms_dmat_to_replicated(&B, alpha));
  PetscCall(ms_dmat_destroy(&B));
  PetscCall(ms_dmat_logdiag_sum(L, &logdiag));
  for (int64_t i = 0; i < gp->n; i++) ya += gp->y[i] * alpha[i];
  *lml = -0.5 * ya - logdiag - 0.5 * (double)gp->n * log(2.0 * PETSC_PI);
  PetscCall(PetscLogFlops(ms_gpr_share(L, 2.0 * (double)gp->n * (double)gp->n)));
  PetscCall(PetscLogEventEnd(ms_gpr_ev_solve, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* LML and gradient at the kernel's current hyperparameters. */
static PetscErrorCode ms_gpr_lml_current(ms_gpr gp, ms_blacs grid, double *lml, double *grad)
{
  ms_dmat   K;
  PetscBool ok;
  double   *alpha;
  int64_t   nt = ms_kernel_n_theta(gp->kernel);

  double   *Xs;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(gp->n * gp->d, &Xs));
  ms_kernel_scale(gp->kernel, gp->n, gp->X, Xs);
  PetscCall(ms_gpr_build_factor(gp, grid, Xs, &K, &ok));
  if (!ok) {
    *lml = -INFINITY; /* a true infinity: PETSC_INFINITY is finite (PETSC_MAX_REAL / 4) */
    if (grad) PetscCall(PetscArrayzero(grad, nt));
    PetscCall(ms_dmat_destroy(&K));
    PetscCall(PetscFree(Xs));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscMalloc1(gp->n, &alpha));
  PetscCall(ms_gpr_solve_lml(gp, &K, alpha, lml));
  if (grad) {
    /* 1/2 tr((a a^T - K^{-1}) dK) over the lower triangle of K^{-1} (potri fills only that),
       off-diagonal terms counted twice; dK is evaluated entry by entry, never stored, from
       the scaled inputs: d k / d log c = c r, d k / d log l_k = c h q_k (ARD) or c h s^2,
       d k / d log noise = noise on the diagonal. */
    ms_kernel            k     = gp->kernel;
    ms_kernel_corr_s2_fn f     = k->ops.corr_s2;
    const double         noise = k->noise, c = k->constant;
    const int64_t        d = gp->d, nls = k->n_ls;
    const PetscBool      ard = k->ops.ard;
    double              *acc;
    double    n3    = (double)gp->n * (double)gp->n * (double)gp->n;
    PetscCall(PetscLogEventBegin(ms_gpr_ev_potri, 0, 0, 0, 0));
    PetscCall(ms_dmat_potri(&K));
    PetscCall(PetscLogFlops(ms_gpr_share(&K, 2.0 * n3 / 3.0)));
    PetscCall(PetscLogEventEnd(ms_gpr_ev_potri, 0, 0, 0, 0));
    PetscCall(PetscLogEventBegin(ms_gpr_ev_trace, 0, 0, 0, 0));
    PetscCall(PetscCalloc1(nt, &acc));
#pragma omp parallel for schedule(dynamic, 8) reduction(+ : acc[ : nt])
    for (int lj = 0; lj < K.nloc; lj++) {
      int           j  = ms_dmat_col(&K, lj);
      const double *xj = Xs + (int64_t)j * d, *kinv = K.a + (size_t)lj * K.lld;
      double        aj = alpha[j];
      /* per-column sums, added to acc once per column: acc[0] = sum s r, acc[1 + k] = sum s h q_k */
      double col[nt];
      for (int64_t t = 0; t < nt; t++) col[t] = 0.0;
      MS_GPR_FOR_LOWER_RUNS(&K, lj, j, li0, i0, q0, len)
      for (int q = q0; q < len; q++) {
        int           i  = i0 + q;
        const double *xi = Xs + (int64_t)i * d;
        double        w  = alpha[i] * aj - kinv[li0 + q], s2 = 0.0, h, r;
        if (i == j) {
          /* q = 0, so only the constant and the noise move the diagonal */
          col[0] += 0.5 * w;
          col[nt - 1] += 0.5 * w * noise;
          continue;
        }
        for (int64_t f2 = 0; f2 < d; f2++) s2 += (xi[f2] - xj[f2]) * (xi[f2] - xj[f2]);
        r = f(s2, &h);
        col[0] += w * r;
        if (ard)
          for (int64_t f2 = 0; f2 < d; f2++) col[1 + f2] += w * h * (xi[f2] - xj[f2]) * (xi[f2] - xj[f2]);
        else col[1] += w * h * s2;
      }
      acc[0] += c * col[0];
      for (int64_t t = 1; t <= nls; t++) acc[t] += c * col[t];
      acc[nt - 1] += col[nt - 1];
    }
    if (grid) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, acc, (int)nt, MPI_DOUBLE, MPI_SUM, grid->comm));
    PetscCall(PetscArraycpy(grad, acc, nt));
    PetscCall(PetscFree(acc));
    PetscCall(PetscLogEventEnd(ms_gpr_ev_trace, 0, 0, 0, 0));
  }
  PetscCall(PetscFree(alpha));
  PetscCall(PetscFree(Xs));
  PetscCall(ms_dmat_destroy(&K));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_lml(ms_gpr gp, ms_blacs grid, const double *theta, double *lml, double *grad)
{
  double *saved;

  PetscFunctionBeginUser;
  /* evaluate at theta without disturbing a fitted gp: its factor belongs to the kernel's theta */
  PetscCall(PetscMalloc1(ms_kernel_n_theta(gp->kernel), &saved));
  ms_kernel_get_theta(gp->kernel, saved);
  ms_kernel_set_theta(gp->kernel, theta);
  PetscErrorCode ierr = ms_gpr_lml_current(gp, grid, lml, grad);
  ms_kernel_set_theta(gp->kernel, saved);
  PetscCall(PetscFree(saved));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* The distributed path is used only with several ranks: on one rank LAPACKE is faster. */
PetscErrorCode ms_gpr_use_scalapack(ms_gpr gp, PetscBool *dist)
{
  PetscMPIInt size;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_size(gp->comm, &size));
  *dist = (size > 1 && gp->n >= gp->scalapack_min_n) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_factor(ms_gpr gp)
{
  PetscBool dist, ok;
  double   *Xs;

  PetscFunctionBeginUser;
  if (!gp->X) SETERRQ(gp->comm, PETSC_ERR_ORDER, "GPR: set the training data before factoring");
  PetscCall(ms_gpr_clear_factor(gp));
  PetscCall(ms_gpr_use_scalapack(gp, &dist));
  if (dist) PetscCall(ms_blacs_create(gp->comm, gp->grid_shape, gp->nb, &gp->grid));
  PetscCall(PetscMalloc1(gp->n * gp->d, &Xs));
  ms_kernel_scale(gp->kernel, gp->n, gp->X, Xs);
  PetscCall(ms_gpr_build_factor(gp, gp->grid, Xs, &gp->L, &ok));
  PetscCall(PetscFree(Xs));
  if (!ok)
    SETERRQ(gp->comm, MS_ERR_USER,
            "GPR: the training covariance is not positive definite at the chosen hyperparameters "
            "(duplicate rows with tiny noise?); raise -gpr_alpha or -gpr_noise");
  PetscCall(PetscMalloc1(gp->n, &gp->alpha));
  PetscCall(ms_gpr_solve_lml(gp, &gp->L, gp->alpha, &gp->lml));
  gp->factored = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_predict_mean(ms_gpr gp, int64_t m, const double *Xq, double *mean)
{
  PetscFunctionBeginUser;
  if (!gp->factored) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ORDER, "GPR: predict before fit");
#pragma omp parallel for schedule(static)
  for (int64_t q = 0; q < m; q++) {
    double s = 0.0;
    for (int64_t j = 0; j < gp->n; j++) s += ms_kernel_eval(gp->kernel, Xq + q * gp->d, gp->X + j * gp->d, NULL) * gp->alpha[j];
    mean[q] = gp->y_std * s + gp->y_mean;
  }
  PetscFunctionReturn(0);
}

/* Query columns handled per triangular solve: bounds the n x chunk right-hand side. */
#define MS_GPR_STD_CHUNK 1024

/* var_q = k(x,x) - |L^{-1} k*|^2 for the mc query points Z (replicated on the grid); with
   mean != NULL also the normalised mean k*^T a from the same k* (one kernel pass for both).
   work: a local n x (>= mc) block reused from chunk to chunk (every entry is refilled), or NULL
   (on a grid, whose descriptor depends on mc): a fresh zeroed 16 MB block per chunk cost page
   faults and a memset beside the solve. */
static PetscErrorCode ms_gpr_std_chunk(ms_gpr gp, int64_t mc, const double *Z, double *var, double *mean, const ms_dmat *work)
{
  ms_gpr_fill_ctx ctx = {gp->kernel, gp->X, Z, gp->d, 0.0};
  ms_dmat         B;

  PetscFunctionBeginUser;
  if (work) {
    B   = *work; /* a view of the first mc columns */
    B.n = B.nloc = (int)mc;
  } else PetscCall(ms_dmat_create(gp->grid, (int)gp->n, (int)mc, &B));
  /* diag_add = 0: query points are never training points, so k* has no white noise even
     where a query index equals a training index */
  PetscCall(ms_dmat_fill(&B, ms_gpr_entry, &ctx, PETSC_FALSE));
  if (mean) {
    PetscCall(PetscArrayzero(mean, mc));
    for (int lj = 0; lj < B.nloc; lj++) {
      double s = 0.0;
      for (int li = 0; li < B.mloc; li++) s += B.a[(size_t)lj * B.lld + li] * gp->alpha[ms_dmat_row(&B, li)];
      mean[ms_dmat_col(&B, lj)] = s;
    }
    if (gp->grid) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, mean, (int)mc, MPI_DOUBLE, MPI_SUM, gp->grid->comm));
  }
  PetscCall(ms_dmat_trsm_lower(&gp->L, &B));
  PetscCall(PetscArrayzero(var, mc));
  for (int lj = 0; lj < B.nloc; lj++) {
    double s = 0.0;
    for (int li = 0; li < B.mloc; li++) s += B.a[(size_t)lj * B.lld + li] * B.a[(size_t)lj * B.lld + li];
    var[ms_dmat_col(&B, lj)] = s;
  }
  if (gp->grid) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, var, (int)mc, MPI_DOUBLE, MPI_SUM, gp->grid->comm));
  for (int64_t q = 0; q < mc; q++) var[q] = ms_kernel_diag(gp->kernel) - var[q];
  if (!work) PetscCall(ms_dmat_destroy(&B));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_predict_std(ms_gpr gp, int64_t m, const double *Xq, double *std)
{
  PetscFunctionBeginUser;
  PetscCall(ms_gpr_predict_mean_std(gp, m, Xq, NULL, std));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_gpr_predict_mean_std(ms_gpr gp, int64_t m, const double *Xq, double *mean_out, double *std)
{
  double *Zall = NULL, *var, *mean = NULL;
  int64_t M = m, off = 0;
  ms_dmat work;

  PetscFunctionBeginUser;
  if (!gp->factored) SETERRQ(gp->comm, PETSC_ERR_ORDER, "GPR: predict before fit");
  if (gp->grid) {
    /* the distributed solve needs every rank's queries: gather them, solve together */
    PetscMPIInt size, rank, *cnt, *dsp;
    int64_t     mloc = m * gp->d;
    PetscCallMPI(MPI_Comm_size(gp->comm, &size));
    PetscCallMPI(MPI_Comm_rank(gp->comm, &rank));
    PetscCall(PetscMalloc2(size, &cnt, size, &dsp));
    PetscCallMPI(MPI_Allreduce(&m, &M, 1, MPI_INT64_T, MPI_SUM, gp->comm));
    PetscCallMPI(MPI_Exscan(&m, &off, 1, MPI_INT64_T, MPI_SUM, gp->comm));
    if (!rank) off = 0;
    if (M * gp->d > INT32_MAX) SETERRQ(gp->comm, MS_ERR_USER, "GPR std: too many query rows (%" PRId64 ") in one call", M);
    PetscMPIInt c = (PetscMPIInt)mloc;
    PetscCallMPI(MPI_Allgather(&c, 1, MPI_INT, cnt, 1, MPI_INT, gp->comm));
    dsp[0] = 0;
    for (int r = 1; r < size; r++) dsp[r] = dsp[r - 1] + cnt[r - 1];
    PetscCall(PetscMalloc1(M * gp->d + 1, &Zall));
    PetscCallMPI(MPI_Allgatherv(Xq, c, MPI_DOUBLE, Zall, cnt, dsp, MPI_DOUBLE, gp->comm));
    PetscCall(PetscFree2(cnt, dsp));
  }
  PetscCall(PetscMalloc1(MS_GPR_STD_CHUNK, &var));
  if (mean_out) PetscCall(PetscMalloc1(MS_GPR_STD_CHUNK, &mean));
  if (!gp->grid && M > 0) PetscCall(ms_dmat_create(NULL, (int)gp->n, (int)PetscMin(MS_GPR_STD_CHUNK, M), &work));
  for (int64_t c0 = 0; c0 < M; c0 += MS_GPR_STD_CHUNK) {
    int64_t mc = PetscMin(MS_GPR_STD_CHUNK, M - c0);
    PetscCall(ms_gpr_std_chunk(gp, mc, (Zall ? Zall : Xq) + c0 * gp->d, var, mean, !gp->grid ? &work : NULL));
    for (int64_t q = 0; q < mc; q++) {
      int64_t g = c0 + q; /* global query index; ours are [off, off + m) */
      if (g < off || g >= off + m) continue;
      std[g - off] = gp->y_std * sqrt(PetscMax(var[q], 0.0));
      if (mean_out) mean_out[g - off] = gp->y_std * mean[q] + gp->y_mean;
    }
  }
  if (!gp->grid && M > 0) PetscCall(ms_dmat_destroy(&work));
  PetscCall(PetscFree(var));
  PetscCall(PetscFree(mean));
  PetscCall(PetscFree(Zall));
  PetscFunctionReturn(0);
}
