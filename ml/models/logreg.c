/* logreg.c - multinomial (softmax) logistic regression, the model "logreg".
 *
 * Matches scikit-learn 1.2's LogisticRegression(multi_class="multinomial").
 *
 * Options (read by setfromoptions; defaults as in scikit-learn):
 *   -logreg_penalty none|l1|l2|elasticnet   penalty r(W) (default l2)
 *   -logreg_C <1>                            inverse regularisation strength, > 0
 *   -logreg_l1_ratio <0.5>                   elastic-net mixing rho in [0, 1]
 *   -logreg_class_weight none|balanced       balanced: s_i = n / (n_classes * n_{y_i})
 *   -logreg_fit_intercept <true>             unpenalised intercept per class
 *   -logreg_tol <1e-4>                       stop when ||grad f||_2 <= tol (f below)
 *   -logreg_max_it <100>                     optimiser iterations
 *
 * Objective (scikit-learn's, intercepts b unpenalised):
 *   min_{W,b}  C sum_i s_i logloss_i(W x_i + b) + r(W)
 *   r = 0 (none), ||W||_1 (l1), 0.5 ||W||_F^2 (l2), rho ||W||_1 + 0.5 (1 - rho) ||W||_F^2.
 * The optimiser minimises f = objective / (C n), as scikit-learn's lbfgs does, so -logreg_tol
 * is on the same gradient scale as scikit-learn's tol (which tests the largest entry, we test
 * the 2-norm; neither bounds the distance to the optimum on ill-conditioned data: lower the
 * tolerance, benchmarks/RESULTS.md shows what each reaches).
 *
 * Binary problems: scikit-learn fits a symmetric 2-class softmax, whose optimum (reached from
 * zero) has w_0 = -w_1, b_0 = -b_1, and reports coef_ = w_1 (one row) with
 * P(y=1) = softmax(-z, z)_1 = sigmoid(2 z), z = w_1 x + b_1. We fit exactly that restricted
 * model: one row w, logits (-z, z), penalty counted for both rows (2 r(w)). For K >= 3 the
 * softmax is invariant to adding one vector to every row; scikit-learn's lbfgs stays in the
 * zero-sum subspace (every gradient sums to zero over classes), so we centre the intercepts
 * (and W when the penalty is none) over the classes after the solve.
 *
 * Optimiser: PETSc TAO bounded quasi-Newton (TAOBQNLS) with the analytic gradient. Why: the
 * objective is smooth and convex with few unknowns (K x d), so a limited-memory quasi-Newton
 * method is the standard choice (scikit-learn uses L-BFGS-B); l1 and elastic net need bound
 * constraints, because they are made smooth by the split W = A - B, A, B >= 0, r = rho sum(A + B)
 * + ..., and BQNLS handles bounds with an active set that yields exact zeros in W; TAO is part
 * of PETSc, our framework already (nlopt's LBFGS would do the same job). Rows are
 * sharded over the dataset's communicator: loss and gradient are local sums (BLAS dgemm)
 * added in a fixed block order (ms_rowblocks), so every rank - on 1, 2 or P ranks - sees the same
 * bits and runs the same TAO iterations on a sequential vector; rank 0's solution is broadcast
 * at the end as a guard against MPI rounding differences between ranks.
 *
 * Adding a sibling model: copy the shape of this file (context struct, setfromoptions, fit,
 * predict*, importances, save/load, view, destroy, create) and add one registry line.
 */
#include "logreg.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_rowblocks.h"
#include <cblas.h>
#include <math.h>
#include <string.h>

typedef enum { LR_PEN_NONE, LR_PEN_L1, LR_PEN_L2, LR_PEN_ENET } lr_penalty;
static const char *const lr_penalty_names[] = {"none", "l1", "l2", "elasticnet"};
static const char *const lr_class_weight_names[] = {"none", "balanced"};

typedef struct {
  /* options */
  lr_penalty penalty;
  double     C, l1_ratio, tol;
  PetscBool  balanced, fit_intercept;
  PetscInt   max_it;
  /* fitted: R = n_classes (or 1 for binary) rows of d coefficients */
  int64_t    R, d;
  double    *coef, *intercept;
  PetscInt   n_iter;
  double     grad_norm;
  TaoConvergedReason reason;
} lr_ctx;

/* One optimisation problem: the training rows in rank-independent blocks (ms_rowblocks)
 * and everything the objective needs. */
typedef struct {
  MPI_Comm     comm;
  int64_t      n_global, d, K, R, L;  /* L = 1 + R*d + R numbers per block partial */
  ms_rowblocks rb;
  double      *s;                     /* class weights, rb.block per block */
  double       C, rho, l2w;           /* r = rho ||W||_1 + 0.5 l2w ||W||^2 */
  double       pen_mult;              /* 2 for the binary restricted model, else 1 */
  PetscBool    split, fit_intercept;
  double      *W, *Z, *part, *red;    /* R*d; n_blocks*block*R; n_blocks*L; L */
  double      *gb_unused;             /* R: intercept gradient when intercepts are not fitted */
} lr_problem;

static double lr_softplus(double t) { return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)); }
static double lr_sigmoid(double t) { return t >= 0 ? 1.0 / (1.0 + exp(-t)) : exp(t) / (1.0 + exp(t)); }

static void lr_penalty_weights(lr_penalty p, double l1_ratio, double *rho, double *l2w)
{
  *rho = p == LR_PEN_L1 ? 1.0 : p == LR_PEN_ENET ? l1_ratio : 0.0;
  *l2w = p == LR_PEN_L2 ? 1.0 : p == LR_PEN_ENET ? 1.0 - l1_ratio : 0.0;
}

/* Logits Z = X W^T + b for n local rows (row-major n x R). */
static void lr_logits(int64_t n, int64_t d, int64_t R, const double *X, const double *W, const double *b, double *Z)
{
  if (n == 0) return;
  if (d > 0 && R == 1) /* binary: gemv is much faster than a one-column gemm in OpenBLAS */
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)n, (blasint)d, 1.0, X, (blasint)d, W, 1, 0.0, Z, 1);
  else if (d > 0) cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)n, (blasint)R, (blasint)d, 1.0, X,
                              (blasint)d, W, (blasint)d, 0.0, Z, (blasint)R);
  else memset(Z, 0, sizeof(double) * (size_t)(n * R));
  for (int64_t i = 0; i < n; i++)
    for (int64_t k = 0; k < R; k++) Z[i * R + k] += b ? b[k] : 0.0;
}

/* Replace logits by s_i * dloss_i/dz and return sum_i s_i loss_i, summed in row order. */
static double lr_loss_residual(int64_t n, int64_t R, const int64_t *y, const double *s, double *Z)
{
  double loss = 0.0;
  for (int64_t i = 0; i < n; i++) {
    double *z = Z + i * R;
    if (R == 1) { /* logits (-z, z): P(1) = sigmoid(2z) */
      double t = 2.0 * z[0], sign = y[i] == 1 ? -1.0 : 1.0;
      loss += s[i] * lr_softplus(sign * t);
      z[0] = s[i] * 2.0 * (lr_sigmoid(t) - (double)(y[i] == 1));
    } else {
      double m = z[0], sum = 0.0;
      for (int64_t k = 1; k < R; k++) m = z[k] > m ? z[k] : m;
      for (int64_t k = 0; k < R; k++) sum += exp(z[k] - m);
      loss += s[i] * (m + log(sum) - z[y[i]]);
      for (int64_t k = 0; k < R; k++) z[k] = s[i] * (exp(z[k] - m) / sum - (double)(k == y[i]));
    }
  }
  return loss;
}

/* The smooth part of f, (C sum s_i loss_i + pen_mult 0.5 l2w ||W||^2) / (C n), and its gradient
 * with respect to W (gW, R*d) and b (gb, R); the caller adds the l1 term (on A + B in the split
 * form, so that f and its gradient agree while both halves are positive). Block partials, then a
 * fixed-order sum. Collective. */
static PetscErrorCode lr_eval(lr_problem *p, const double *W, const double *b, double *f, double *gW, double *gb)
{
  int64_t R = p->R, d = p->d, L = p->L;
  double *red = p->red, norm = 1.0 / (p->C * (double)p->n_global), pen = 0.0;

  PetscFunctionBeginUser;
  /* Blocks are independent and each is summed in row order, so OpenMP threads change
     nothing in the result (BLAS inside should be single-threaded: OPENBLAS_NUM_THREADS=1). */
  #pragma omp parallel for schedule(dynamic)
  for (int64_t j = 0; j < p->rb.n_blocks; j++) {
    int64_t       n = p->rb.n_rows[j];
    const double *X = p->rb.X[j];
    double       *pj = p->part + j * L, *Z = p->Z + j * p->rb.block * R;
    lr_logits(n, d, R, X, W, b, Z);
    pj[0] = lr_loss_residual(n, R, p->rb.labels[j], p->s + j * p->rb.block, Z);
    if (d > 0 && R == 1) cblas_dgemv(CblasRowMajor, CblasTrans, (blasint)n, (blasint)d, 1.0, X, (blasint)d, Z, 1, 0.0, pj + 1, 1);
    else if (d > 0)
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (blasint)R, (blasint)d, (blasint)n, 1.0, Z, (blasint)R, X,
                  (blasint)d, 0.0, pj + 1, (blasint)d);
    for (int64_t k = 0; k < R; k++) {
      double acc = 0.0;
      for (int64_t i = 0; i < n; i++) acc += Z[i * R + k];
      pj[1 + R * d + k] = acc;
    }
  }
  PetscCall(ms_rowblocks_sum(&p->rb, p->part, red));
  for (int64_t j = 0; j < R * d; j++) {
    pen += 0.5 * p->l2w * W[j] * W[j];
    gW[j] = norm * (p->C * red[1 + j] + p->pen_mult * p->l2w * W[j]);
  }
  for (int64_t k = 0; k < R; k++) gb[k] = p->fit_intercept ? norm * p->C * red[1 + R * d + k] : 0.0;
  *f = norm * (p->C * red[0] + p->pen_mult * pen);
  PetscFunctionReturn(0);
}

/* TAO callback. Variables: [A (R*d), B (R*d) when split, b (R) when fitting intercepts]. */
static PetscErrorCode lr_tao_fg(Tao tao, Vec x, PetscReal *f, Vec g, void *ctx)
{
  lr_problem *p = (lr_problem *)ctx;
  int64_t nw = p->R * p->d;
  const PetscScalar *xa;
  PetscScalar *ga;

  PetscFunctionBeginUser;
  (void)tao;
  PetscCall(VecGetArrayRead(x, &xa));
  PetscCall(VecGetArray(g, &ga));
  for (int64_t j = 0; j < nw; j++) p->W[j] = p->split ? xa[j] - xa[nw + j] : xa[j];
  const double *b = p->fit_intercept ? xa + (p->split ? 2 : 1) * nw : NULL;
  double *gb = p->fit_intercept ? ga + (p->split ? 2 : 1) * nw : p->gb_unused;
  double fv;
  PetscCall(lr_eval(p, p->W, b, &fv, ga, gb));
  if (p->split) { /* l1 term rho' sum(A + B): d/dA = gW + rho', d/dB = -gW + rho' */
    double l1 = p->pen_mult * p->rho / (p->C * (double)p->n_global);
    for (int64_t j = 0; j < nw; j++) {
      fv += l1 * (xa[j] + xa[nw + j]);
      ga[nw + j] = -ga[j] + l1;
      ga[j] += l1;
    }
  }
  *f = fv;
  PetscCall(VecRestoreArray(g, &ga));
  PetscCall(VecRestoreArrayRead(x, &xa));
  PetscFunctionReturn(0);
}

/* Class weights s_i (balanced: n / (K n_c); the integer counts are exact on any rank count). */
static PetscErrorCode lr_sample_weights(lr_problem *p, PetscBool balanced)
{
  int64_t *cnt, B = p->rb.block;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(p->rb.n_blocks * B + 1, &p->s));
  PetscCall(PetscCalloc1(p->K, &cnt));
  for (int64_t j = 0; j < p->rb.n_blocks; j++)
    for (int64_t i = 0; i < p->rb.n_rows[j]; i++) cnt[p->rb.labels[j][i]]++;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)p->K, MPI_INT64_T, MPI_SUM, p->rb.comm));
  for (int64_t j = 0; j < p->rb.n_blocks; j++)
    for (int64_t i = 0; i < p->rb.n_rows[j]; i++) {
      int64_t c = p->rb.labels[j][i];
      p->s[j * B + i] = balanced ? (double)p->n_global / ((double)p->K * (double)cnt[c]) : 1.0;
    }
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_problem_setup(ms_model m, lr_ctx *c, ms_dataset train, lr_problem *p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(p, sizeof(*p)));
  p->comm = train->comm;
  p->n_global = train->n_global;
  p->d = train->n_features;
  p->K = m->n_classes > 0 ? m->n_classes : train->n_classes;
  if (!train->labels && train->n_local > 0)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "logreg: the training data has no class labels (logistic regression is a classifier; give a class target)");
  if (p->K < 2) SETERRQ(p->comm, MS_ERR_USER, "logreg: the training data has %" PetscInt64_FMT " class; logistic regression needs at least 2 classes", (PetscInt64)p->K);
  if (p->n_global < 1) SETERRQ(p->comm, MS_ERR_USER, "logreg: the training data has no rows");
  for (int64_t i = 0; i < train->n_local; i++)
    if (train->labels[i] < 0 || train->labels[i] >= p->K)
      SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "logreg: label %" PetscInt64_FMT " of row %" PetscInt64_FMT " is outside 0..%" PetscInt64_FMT,
              (PetscInt64)train->labels[i], (PetscInt64)(train->row_start + i), (PetscInt64)(p->K - 1));
  p->R = p->K == 2 ? 1 : p->K;
  p->L = 1 + p->R * p->d + p->R;
  p->pen_mult = p->K == 2 ? 2.0 : 1.0;
  p->C = c->C;
  lr_penalty_weights(c->penalty, c->l1_ratio, &p->rho, &p->l2w);
  p->split = p->rho > 0.0 ? PETSC_TRUE : PETSC_FALSE;
  p->fit_intercept = c->fit_intercept;
  PetscCall(ms_rowblocks_create(train, p->L, &p->rb));
  PetscCall(lr_sample_weights(p, c->balanced));
  PetscCall(PetscMalloc5(p->R * p->d + 1, &p->W, p->rb.n_blocks * p->rb.block * p->R + 1, &p->Z,
                         p->rb.n_blocks * p->L + 1, &p->part, p->L, &p->red, p->R, &p->gb_unused));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_problem_destroy(lr_problem *p)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(p->s));
  PetscCall(PetscFree5(p->W, p->Z, p->part, p->red, p->gb_unused));
  PetscCall(ms_rowblocks_destroy(&p->rb));
  PetscFunctionReturn(0);
}

/* Minimum-norm (sub)gradient of f at (W, b): the optimality measure for every penalty. */
static PetscErrorCode lr_grad_norm(lr_problem *p, const double *W, const double *b, double *f, double *gnorm)
{
  int64_t nw = p->R * p->d;
  double *gW, *gb, l1 = p->pen_mult * p->rho / (p->C * (double)p->n_global), acc = 0.0;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nw + 1, &gW, p->R, &gb));
  PetscCall(lr_eval(p, W, p->fit_intercept ? b : NULL, f, gW, gb));
  for (int64_t j = 0; j < nw; j++) {
    *f += l1 * fabs(W[j]);
    double g = W[j] > 0 ? gW[j] + l1 : W[j] < 0 ? gW[j] - l1 : PetscMax(fabs(gW[j]) - l1, 0.0);
    acc += g * g;
  }
  for (int64_t k = 0; k < p->R; k++) acc += gb[k] * gb[k];
  *gnorm = sqrt(acc);
  PetscCall(PetscFree2(gW, gb));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_fit(ms_model m, ms_dataset train)
{
  lr_ctx    *c = (lr_ctx *)m->data;
  lr_problem p;
  Tao        tao;
  Vec        x, lo = NULL, hi = NULL;
  int64_t    nw, nv;

  PetscFunctionBeginUser;
  PetscCall(lr_problem_setup(m, c, train, &p));
  nw = p.R * p.d;
  nv = (p.split ? 2 : 1) * nw + (p.fit_intercept ? p.R : 0);
  if (nv < 1) SETERRQ(p.comm, MS_ERR_USER, "logreg: nothing to fit (no features and -logreg_fit_intercept false)");
  PetscCheck(nv < PETSC_MAX_INT, p.comm, PETSC_ERR_SUP, "logreg: %" PetscInt64_FMT " coefficients exceed PetscInt", (PetscInt64)nv);

  /* Every rank optimises its own copy on identical reduced values. */
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, (PetscInt)nv, &x));
  PetscCall(VecSet(x, 0.0));
  PetscCall(TaoCreate(PETSC_COMM_SELF, &tao));
  PetscCall(TaoSetType(tao, TAOBQNLS));
  PetscCall(TaoSetSolution(tao, x));
  PetscCall(TaoSetObjectiveAndGradient(tao, NULL, lr_tao_fg, &p));
  if (p.split) {
    PetscScalar *a;
    PetscCall(VecDuplicate(x, &lo));
    PetscCall(VecDuplicate(x, &hi));
    PetscCall(VecSet(lo, PETSC_NINFINITY));
    PetscCall(VecSet(hi, PETSC_INFINITY));
    PetscCall(VecGetArray(lo, &a));
    for (int64_t j = 0; j < 2 * nw; j++) a[j] = 0.0;
    PetscCall(VecRestoreArray(lo, &a));
    PetscCall(TaoSetVariableBounds(tao, lo, hi));
  }
  PetscCall(TaoSetTolerances(tao, c->tol, 0.0, 0.0));
  PetscCall(TaoSetMaximumIterations(tao, c->max_it));
  PetscCall(TaoSetMaximumFunctionEvaluations(tao, 20 * c->max_it + 100));
  PetscCall(TaoSolve(tao));
  PetscCall(TaoGetIterationNumber(tao, &c->n_iter));
  PetscCall(TaoGetConvergedReason(tao, &c->reason));

  /* Every rank computed the same bits (ms_rowblocks_sum adds the same gathered partials in the
     same order); broadcasting rank 0's answer costs nothing and guards against any MPI or
     library difference between ranks ever making the models diverge. */
  {
    PetscScalar *xa;
    PetscCall(VecGetArray(x, &xa));
    PetscCallMPI(MPI_Bcast(xa, (int)nv, MPI_DOUBLE, 0, p.comm));
    PetscCall(PetscFree2(c->coef, c->intercept));
    c->R = p.R;
    c->d = p.d;
    PetscCall(PetscMalloc2(nw + 1, &c->coef, p.R, &c->intercept));
    for (int64_t j = 0; j < nw; j++) c->coef[j] = p.split ? xa[j] - xa[nw + j] : xa[j];
    for (int64_t k = 0; k < p.R; k++) c->intercept[k] = p.fit_intercept ? xa[(p.split ? 2 : 1) * nw + k] : 0.0;
    PetscCall(VecRestoreArray(x, &xa));
  }
  /* The softmax is shift invariant: report the zero-sum representative as scikit-learn does. */
  if (p.R > 1) {
    double mean = 0.0;
    for (int64_t k = 0; k < p.R; k++) mean += c->intercept[k] / (double)p.R;
    for (int64_t k = 0; k < p.R; k++) c->intercept[k] -= mean;
    if (c->penalty == LR_PEN_NONE)
      for (int64_t j = 0; j < p.d; j++) {
        mean = 0.0;
        for (int64_t k = 0; k < p.R; k++) mean += c->coef[k * p.d + j] / (double)p.R;
        for (int64_t k = 0; k < p.R; k++) c->coef[k * p.d + j] -= mean;
      }
  }
  {
    double f;
    PetscCall(lr_grad_norm(&p, c->coef, c->intercept, &f, &c->grad_norm));
  }
  /* Like scikit-learn's ConvergenceWarning: the fit is usable, the user decides. */
  if (c->reason <= 0 && c->grad_norm > c->tol) {
    if (c->reason == TAO_DIVERGED_LS_FAILURE)
      PetscCall(ms_warn(p.comm, "logreg: the line search stalled after %" PetscInt_FMT " iterations at gradient norm %g (round-off limit), above -logreg_tol %g\n",
                        c->n_iter, c->grad_norm, c->tol));
    else
      PetscCall(ms_warn(p.comm, "logreg: the optimiser stopped (%s) after %" PetscInt_FMT " iterations at gradient norm %g > -logreg_tol %g; raise -logreg_max_it or scale the features\n",
                        TaoConvergedReasons[c->reason], c->n_iter, c->grad_norm, c->tol));
  }
  PetscCall(VecDestroy(&lo));
  PetscCall(VecDestroy(&hi));
  PetscCall(VecDestroy(&x));
  PetscCall(TaoDestroy(&tao));
  PetscCall(lr_problem_destroy(&p));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_check_fitted(ms_model m, ms_dataset X)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  if (!c->coef) SETERRQ(X->comm, PETSC_ERR_ARG_WRONGSTATE, "logreg: the model is not fitted");
  if (X->n_features != c->d)
    SETERRQ(X->comm, MS_ERR_USER, "logreg: the data has %" PetscInt64_FMT " features, the model was fitted on %" PetscInt64_FMT,
            (PetscInt64)X->n_features, (PetscInt64)c->d);
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_predict_proba(ms_model m, ms_dataset X, double *P)
{
  lr_ctx *c = (lr_ctx *)m->data;
  int64_t n = X->n_local, R, K;
  double *Z;

  PetscFunctionBeginUser;
  PetscCall(lr_check_fitted(m, X));
  R = c->R;
  K = R == 1 ? 2 : R;
  PetscCall(PetscMalloc1(n * R + 1, &Z));
  lr_logits(n, c->d, R, X->X, c->coef, c->intercept, Z);
  #pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; i++) {
    const double *z = Z + i * R;
    double *pi = P + i * K;
    if (R == 1) {
      pi[1] = lr_sigmoid(2.0 * z[0]);
      pi[0] = lr_sigmoid(-2.0 * z[0]);
    } else {
      double mx = z[0], sum = 0.0;
      for (int64_t k = 1; k < R; k++) mx = z[k] > mx ? z[k] : mx;
      for (int64_t k = 0; k < R; k++) sum += (pi[k] = exp(z[k] - mx));
      for (int64_t k = 0; k < R; k++) pi[k] /= sum;
    }
  }
  PetscCall(PetscFree(Z));
  PetscFunctionReturn(0);
}

/* argmax of the logits (first class on ties, like numpy's argmax in scikit-learn). */
static PetscErrorCode lr_predict(ms_model m, ms_dataset X, double *y)
{
  lr_ctx *c = (lr_ctx *)m->data;
  int64_t n = X->n_local, R;
  double *Z;

  PetscFunctionBeginUser;
  PetscCall(lr_check_fitted(m, X));
  R = c->R;
  PetscCall(PetscMalloc1(n * R + 1, &Z));
  lr_logits(n, c->d, R, X->X, c->coef, c->intercept, Z);
  for (int64_t i = 0; i < n; i++) {
    const double *z = Z + i * R;
    int64_t best = 0;
    if (R == 1) best = z[0] > 0.0;
    else
      for (int64_t k = 1; k < R; k++) best = z[k] > z[best] ? k : best;
    y[i] = (double)best;
  }
  PetscCall(PetscFree(Z));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_importances(ms_model m, int64_t *n_rows, double **imp)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  if (!c->coef) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "logreg: the model is not fitted");
  PetscCall(PetscMalloc1(c->R * c->d + 1, imp));
  PetscCall(PetscArraycpy(*imp, c->coef, c->R * c->d));
  *n_rows = c->R;
  PetscFunctionReturn(0);
}

/* Coefficients per class and feature, intercept per class. Binary (R = 1): one row, the logit
 * of the second class, as scikit-learn's coef_ (see coef_layout in save). */
static PetscErrorCode lr_terms(ms_model m, ms_model_terms t)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  for (int64_t k = 0; k < c->R; k++) {
    const char *cls = m->class_names[c->R == 1 ? 1 : k];
    for (int64_t j = 0; j < c->d; j++) PetscCall(ms_model_terms_add(t, "coef", cls, m->feature_names[j], c->coef[k * c->d + j]));
    PetscCall(ms_model_terms_add(t, "intercept", cls, NULL, c->intercept[k]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_setfromoptions(ms_model m)
{
  lr_ctx   *c = (lr_ctx *)m->data;
  PetscInt  pen = (PetscInt)c->penalty, cw = c->balanced ? 1 : 0;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "Logistic regression (model logreg)", "ms_model");
  PetscCall(PetscOptionsEList("-logreg_penalty", "Penalty on the coefficients", NULL, lr_penalty_names, 4,
                              lr_penalty_names[pen], &pen, NULL));
  PetscCall(PetscOptionsReal("-logreg_C", "Inverse regularisation strength (> 0)", NULL, c->C, &c->C, NULL));
  PetscCall(PetscOptionsReal("-logreg_l1_ratio", "Elastic-net mixing: l1 share of the penalty, in [0, 1]", NULL,
                             c->l1_ratio, &c->l1_ratio, NULL));
  PetscCall(PetscOptionsEList("-logreg_class_weight", "Per-class sample weights", NULL, lr_class_weight_names, 2,
                              lr_class_weight_names[cw], &cw, NULL));
  PetscCall(PetscOptionsBool("-logreg_fit_intercept", "Fit an unpenalised intercept per class", NULL,
                             c->fit_intercept, &c->fit_intercept, NULL));
  PetscCall(PetscOptionsReal("-logreg_tol", "Stop when the gradient 2-norm of objective/(C n) is below this", NULL,
                             c->tol, &c->tol, NULL));
  PetscCall(PetscOptionsInt("-logreg_max_it", "Maximum optimiser iterations", NULL, c->max_it, &c->max_it, NULL));
  PetscOptionsEnd();
  c->penalty = (lr_penalty)pen;
  c->balanced = cw == 1 ? PETSC_TRUE : PETSC_FALSE;
  if (!(c->C > 0.0) || !isfinite(c->C)) SETERRQ(m->comm, MS_ERR_USER, "-logreg_C %g: expected a finite value > 0", c->C);
  if (!(c->l1_ratio >= 0.0 && c->l1_ratio <= 1.0))
    SETERRQ(m->comm, MS_ERR_USER, "-logreg_l1_ratio %g: expected a value in [0, 1]", c->l1_ratio);
  if (!(c->tol > 0.0)) SETERRQ(m->comm, MS_ERR_USER, "-logreg_tol %g: expected a value > 0", c->tol);
  if (c->max_it < 1) SETERRQ(m->comm, MS_ERR_USER, "-logreg_max_it %" PetscInt_FMT ": expected >= 1", c->max_it);
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_save(ms_model m, hid_t group)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  if (!c->coef) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "logreg: cannot save a model that is not fitted");
  PetscCall(ms_h5_attr_set_string(group, "penalty", lr_penalty_names[c->penalty]));
  PetscCall(ms_h5_attr_set_double(group, "C", c->C));
  PetscCall(ms_h5_attr_set_double(group, "l1_ratio", c->l1_ratio));
  PetscCall(ms_h5_attr_set_string(group, "class_weight", lr_class_weight_names[c->balanced ? 1 : 0]));
  PetscCall(ms_h5_attr_set_int(group, "fit_intercept", c->fit_intercept ? 1 : 0));
  PetscCall(ms_h5_attr_set_double(group, "tol", c->tol));
  PetscCall(ms_h5_attr_set_int(group, "max_it", c->max_it));
  PetscCall(ms_h5_attr_set_int(group, "n_iter", c->n_iter));
  PetscCall(ms_h5_attr_set_double(group, "grad_norm", c->grad_norm));
  PetscCall(ms_h5_attr_set_string(group, "converged_reason", TaoConvergedReasons[c->reason]));
  PetscCall(ms_h5_attr_set_string(group, "coef_layout",
                                   c->R == 1 ? "coef: 1 x n_features, logit of the second class, P(class 1) = sigmoid(2 (coef x + intercept)) (scikit-learn's binary multinomial coef_)"
                                             : "coef: n_classes x n_features, P(class k) = softmax(coef x + intercept)_k"));
  /* Replicated state: every rank writes the same rows. */
  PetscCall(ms_h5_write_rows_double(group, "coef", c->R, 0, c->R, c->d, c->coef));
  PetscCall(ms_h5_write_rows_double(group, "intercept", c->R, 0, c->R, 0, c->intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_enum_from_name(MPI_Comm comm, const char *what, const char *value, const char *const *names,
                                        int n, int *idx)
{
  PetscFunctionBeginUser;
  for (*idx = 0; *idx < n; (*idx)++)
    if (!strcmp(value, names[*idx])) PetscFunctionReturn(0);
  SETERRQ(comm, MS_ERR_READ, "logreg model file: attribute %s = \"%s\" is not a known value", what, value);
}

static PetscErrorCode lr_load(ms_model m, hid_t group)
{
  lr_ctx *c = (lr_ctx *)m->data;
  char   *s;
  int     idx, rank;
  int64_t v, dims[3];

  PetscFunctionBeginUser;
  PetscCall(ms_h5_attr_get_string(group, "penalty", &s));
  PetscCall(lr_enum_from_name(m->comm, "penalty", s, lr_penalty_names, 4, &idx));
  PetscCall(PetscFree(s));
  c->penalty = (lr_penalty)idx;
  PetscCall(ms_h5_attr_get_string(group, "class_weight", &s));
  PetscCall(lr_enum_from_name(m->comm, "class_weight", s, lr_class_weight_names, 2, &idx));
  PetscCall(PetscFree(s));
  c->balanced = idx ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(ms_h5_attr_get_double(group, "C", &c->C));
  PetscCall(ms_h5_attr_get_double(group, "l1_ratio", &c->l1_ratio));
  PetscCall(ms_h5_attr_get_double(group, "tol", &c->tol));
  PetscCall(ms_h5_attr_get_double(group, "grad_norm", &c->grad_norm));
  PetscCall(ms_h5_attr_get_int(group, "fit_intercept", &v));
  c->fit_intercept = v ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(ms_h5_attr_get_int(group, "max_it", &v));
  c->max_it = (PetscInt)v;
  PetscCall(ms_h5_attr_get_int(group, "n_iter", &v));
  c->n_iter = (PetscInt)v;
  c->reason = TAO_CONVERGED_USER; /* the reason is kept in the file as text only */
  PetscCall(ms_h5_dataset_shape(group, "coef", &rank, dims));
  if (rank != 2 || dims[0] < 1 || dims[1] < 0)
    SETERRQ(m->comm, MS_ERR_READ, "logreg model file: dataset coef must be 2-D (n_rows x n_features)");
  PetscCall(PetscFree2(c->coef, c->intercept));
  c->R = dims[0];
  c->d = dims[1];
  PetscCall(PetscMalloc2(c->R * c->d + 1, &c->coef, c->R, &c->intercept));
  PetscCall(ms_h5_read_rows_double(group, "coef", 0, c->R, c->d, c->coef));
  PetscCall(ms_h5_dataset_shape(group, "intercept", &rank, dims));
  if (rank != 1 || dims[0] != c->R)
    SETERRQ(m->comm, MS_ERR_READ, "logreg model file: dataset intercept must have %" PetscInt64_FMT " entries", (PetscInt64)c->R);
  PetscCall(ms_h5_read_rows_double(group, "intercept", 0, c->R, 0, c->intercept));
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_view(ms_model m, PetscViewer viewer)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "logistic regression (multinomial): penalty %s, C %g", lr_penalty_names[c->penalty], c->C));
  if (c->penalty == LR_PEN_ENET) PetscCall(PetscViewerASCIIPrintf(viewer, ", l1_ratio %g", c->l1_ratio));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", class_weight %s, intercept %s\n", lr_class_weight_names[c->balanced ? 1 : 0],
                                   c->fit_intercept ? "yes" : "no"));
  if (c->coef) {
    int64_t nz = 0;
    for (int64_t j = 0; j < c->R * c->d; j++) nz += c->coef[j] != 0.0;
    PetscCall(PetscViewerASCIIPrintf(viewer, "  %" PetscInt64_FMT " x %" PetscInt64_FMT " coefficients (%" PetscInt64_FMT " non-zero), %" PetscInt_FMT
                                     " TAO BQNLS iterations, gradient norm %.3g\n",
                                     (PetscInt64)c->R, (PetscInt64)c->d, (PetscInt64)nz, c->n_iter, c->grad_norm));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode lr_destroy(ms_model m)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  if (c) PetscCall(PetscFree2(c->coef, c->intercept));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_logreg(ms_model m)
{
  lr_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  m->summary = "multinomial logistic regression, L2/L1/elastic-net penalty (classification)";
  c->penalty = LR_PEN_L2;
  c->C = 1.0;
  c->l1_ratio = 0.5;
  c->tol = 1e-4;
  c->max_it = 100;
  c->balanced = PETSC_FALSE;
  c->fit_intercept = PETSC_TRUE;
  c->reason = TAO_CONTINUE_ITERATING;
  m->data = c;
  m->supports = MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = lr_setfromoptions;
  m->ops.fit = lr_fit;
  m->ops.predict = lr_predict;
  m->ops.predict_proba = lr_predict_proba;
  m->ops.predict_std = NULL;
  m->ops.importances = lr_importances;
  m->ops.save = lr_save;
  m->ops.load = lr_load;
  m->ops.view = lr_view;
  m->ops.terms = lr_terms;
  m->ops.destroy = lr_destroy;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_logreg_get_coefficients(ms_model m, int64_t *n_rows, const double **coef, const double **intercept)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  if (!c || !c->coef) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "logreg: the model is not fitted");
  *n_rows = c->R;
  *coef = c->coef;
  *intercept = c->intercept;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_logreg_get_iterations(ms_model m, PetscInt *n_iter)
{
  lr_ctx *c = (lr_ctx *)m->data;

  PetscFunctionBeginUser;
  *n_iter = c->n_iter;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_logreg_objective(ms_model m, ms_dataset train, double *f, double *grad_norm)
{
  lr_ctx    *c = (lr_ctx *)m->data;
  lr_problem p;

  PetscFunctionBeginUser;
  PetscCall(lr_check_fitted(m, train));
  PetscCall(lr_problem_setup(m, c, train, &p));
  PetscCall(lr_grad_norm(&p, c->coef, c->intercept, f, grad_norm));
  PetscCall(lr_problem_destroy(&p));
  PetscFunctionReturn(0);
}
