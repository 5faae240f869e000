/* svm.c - support vector machines on libsvm, the model "svm": C-SVC for classes (one-vs-one,
 * Platt-scaled probabilities) and epsilon-SVR for regression, linear or RBF kernel.
 * Matches scikit-learn's SVC / SVR, which wrap the same libsvm solver.
 *
 * Options (defaults as in scikit-learn, except -svm_probability):
 *   -svm_kernel rbf|linear       K(x, z) = exp(-gamma |x - z|^2), or x.z
 *   -svm_C <1>                   penalty on the slack (> 0)
 *   -svm_gamma <scale>           scale = 1 / (d var(X)) over all training entries, auto = 1/d,
 *                                or a number > 0 (RBF only)
 *   -svm_epsilon <0.1>           width of the insensitive tube (SVR, >= 0)
 *   -svm_tol <1e-3>              libsvm's stopping tolerance on the KKT violation (> 0)
 *   -svm_probability <true>      fit Platt's sigmoid per class pair (internal 5-fold CV, seeded
 *                                by -seed) so predict_proba exists; scikit-learn's default is
 *                                false, but the seed's classifier tables report probabilities
 *   -svm_cache_mb <200>          kernel cache (MB)
 *   -svm_shrinking <true>        libsvm's shrinking heuristic
 *   -svm_linear_dense <true>     linear kernel: predict and decision values from one dense
 *                                weight vector per decision function (BLAS), not libsvm's
 *                                svm_predict over every support vector (same values to rounding)
 *
 * Conventions. Classes enter libsvm as their indices into the sorted class names. libsvm
 * orders classes by first appearance; ms_svm_decision_function() reorders the pairwise
 * decision values into scikit-learn's order (pairs (i, j), i < j, in sorted class order,
 * positive for class i; one value for two classes, positive for class 1, as scikit-learn's
 * decision_function). predict uses libsvm's one-vs-one vote, as scikit-learn's predict does
 * (not the argmax of the probabilities, which can differ).
 *
 * Parallelism. libsvm's SMO is serial and O(n^2) in the kernel: the training rows are
 * gathered, rank 0 of the communicator trains, and the support vectors, coefficients and
 * Platt parameters are broadcast in the same flat layout the model file uses, so every rank
 * rebuilds the identical model. Cross-validation folds and grids are where the ranks work
 * in parallel (one fold per rank). Prediction runs over each rank's rows with OpenMP (libsvm)
 * or BLAS (linear kernel: dense weight vectors, see svm_linear_weights).
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_model.h"
#include "ms_h5.h"
#include "ms_svm.h"
#include <cblas.h>
#include <libsvm/svm.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { SVM_RBF = 0, SVM_LINEAR } svm_kernel_kind;
static const char *const svm_kernel_names[] = {"rbf", "linear", "svm_kernel", "SVM_", NULL};

/* The fitted model in flat arrays (the file layout and the broadcast buffer). */
typedef struct {
  int     K;          /* libsvm nr_class (2 for regression) */
  int     l;          /* support vectors */
  double *SV;         /* l x d */
  double *coef;       /* (K-1) x l */
  double *rho;        /* K(K-1)/2 */
  double *probA, *probB; /* K(K-1)/2 each, or NULL */
  int    *label;      /* K (classification) */
  int    *nSV;        /* K (classification) */
} svm_flat;

typedef struct {
  svm_kernel_kind   kernel;
  double            C, gamma, epsilon, tol, cache_mb;
  char              gamma_opt[32];
  PetscBool         probability, shrinking, linear_dense;
  int64_t           d;
  svm_flat          f;
  struct svm_model *model;   /* rebuilt from f */
  struct svm_node  *nodes;   /* storage of model->SV */
  double           *W;       /* linear kernel: one dense weight vector per libsvm decision
                                function (K(K-1)/2 x d, libsvm's pair order), or NULL */
} svm_ctx;

static void svm_quiet(const char *s) { (void)s; }
static PetscErrorCode svm_predict_proba_op(ms_model m, ms_dataset X, double *P);

static PetscErrorCode svm_flat_free(svm_flat *f)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(f->SV));
  PetscCall(PetscFree(f->coef));
  PetscCall(PetscFree(f->rho));
  PetscCall(PetscFree(f->probA));
  PetscCall(PetscFree(f->probB));
  PetscCall(PetscFree(f->label));
  PetscCall(PetscFree(f->nSV));
  PetscCall(PetscMemzero(f, sizeof *f));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_model_free(svm_ctx *c)
{
  PetscFunctionBeginUser;
  if (c->model) {
    free(c->model->SV);
    free(c->model->sv_coef);
    free(c->model);
    c->model = NULL;
  }
  PetscCall(PetscFree(c->nodes));
  PetscCall(PetscFree(c->W));
  PetscFunctionReturn(0);
}

/* libsvm nodes of one dense row: the non-zero entries (1-based index), then index -1. */
static struct svm_node *svm_row_nodes(const double *x, int64_t d, struct svm_node *out)
{
  for (int64_t j = 0; j < d; j++)
    if (x[j] != 0.0) *out++ = (struct svm_node){(int)(j + 1), x[j]};
  *out++ = (struct svm_node){-1, 0.0};
  return out;
}

static int svm_n_pairs(int K) { return K * (K - 1) / 2; }

static void svm_param(const svm_ctx *c, ms_task task, struct svm_parameter *p)
{
  memset(p, 0, sizeof *p);
  p->svm_type = task == MS_TASK_CLASSIFICATION ? C_SVC : EPSILON_SVR;
  p->kernel_type = c->kernel == SVM_RBF ? RBF : LINEAR;
  p->gamma = c->gamma;
  p->cache_size = c->cache_mb;
  p->eps = c->tol;
  p->C = c->C;
  p->p = c->epsilon;
  p->shrinking = c->shrinking ? 1 : 0;
  p->probability = (c->probability && task == MS_TASK_CLASSIFICATION) ? 1 : 0;
}

/* Linear kernel: libsvm's decision function of the class pair (a, b) is
   sum_i coef_i <x_i, x> - rho = <w, x> - rho with w = sum_i coef_i x_i over the support
   vectors of classes a and b (coefficient row b-1 for those of a, row a for those of b, as in
   svm_predict_values); for regression the one row of coefficients over all vectors. Collapsing
   each to w once makes a prediction K(K-1)/2 dense dot products instead of one sparse dot per
   support vector. */
static PetscErrorCode svm_linear_weights(ms_model m, svm_ctx *c)
{
  const svm_flat *f = &c->f;
  const int64_t   d = c->d;
  int            *start;

  PetscFunctionBeginUser;
  if (m->task != MS_TASK_CLASSIFICATION) {
    PetscCall(PetscCalloc1(d, &c->W));
    cblas_dgemv(CblasRowMajor, CblasTrans, f->l, (int)d, 1.0, f->SV, (int)d, f->coef, 1, 0.0, c->W, 1);
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1((int64_t)svm_n_pairs(f->K) * d, &c->W));
  PetscCall(PetscMalloc1(f->K, &start));
  start[0] = 0;
  for (int k = 1; k < f->K; k++) start[k] = start[k - 1] + f->nSV[k - 1];
  for (int a = 0, p = 0; a < f->K; a++)
    for (int b = a + 1; b < f->K; b++, p++) {
      double *w = c->W + (int64_t)p * d;
      if (f->nSV[a])
        cblas_dgemv(CblasRowMajor, CblasTrans, f->nSV[a], (int)d, 1.0, f->SV + (int64_t)start[a] * d, (int)d,
                    f->coef + (int64_t)(b - 1) * f->l + start[a], 1, 1.0, w, 1);
      if (f->nSV[b])
        cblas_dgemv(CblasRowMajor, CblasTrans, f->nSV[b], (int)d, 1.0, f->SV + (int64_t)start[b] * d, (int)d,
                    f->coef + (int64_t)a * f->l + start[b], 1, 1.0, w, 1);
    }
  PetscCall(PetscFree(start));
  PetscFunctionReturn(0);
}

/* Build c->model from c->f (after training, broadcast or load). */
static PetscErrorCode svm_model_build(ms_model m, svm_ctx *c)
{
  svm_flat         *f = &c->f;
  struct svm_model *sm;
  struct svm_node  *nd;

  PetscFunctionBeginUser;
  PetscCall(svm_model_free(c));
  sm = (struct svm_model *)calloc(1, sizeof *sm);
  if (!sm) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "svm: out of memory");
  svm_param(c, m->task, &sm->param);
  sm->param.probability = f->probA ? 1 : 0;
  sm->nr_class = f->K;
  sm->l = f->l;
  sm->SV = (struct svm_node **)malloc(sizeof(struct svm_node *) * (size_t)(f->l + 1));
  sm->sv_coef = (double **)malloc(sizeof(double *) * (size_t)f->K);
  c->model = sm;
  if (!sm->SV || !sm->sv_coef) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "svm: out of memory");
  PetscCall(PetscMalloc1((size_t)f->l * (size_t)(c->d + 1) + 1, &c->nodes));
  nd = c->nodes;
  for (int i = 0; i < f->l; i++) {
    sm->SV[i] = nd;
    nd = svm_row_nodes(f->SV + (int64_t)i * c->d, c->d, nd);
  }
  for (int k = 0; k < f->K - 1; k++) sm->sv_coef[k] = f->coef + (int64_t)k * f->l;
  sm->rho = f->rho;
  sm->probA = f->probA;
  sm->probB = f->probB;
  sm->label = f->label;
  sm->nSV = f->nSV;
  sm->free_sv = 0;
  /* Class probabilities exist only where Platt's sigmoids were fitted. */
  m->ops.predict_proba = f->probA ? svm_predict_proba_op : NULL;
  if (c->kernel == SVM_LINEAR && c->linear_dense) PetscCall(svm_linear_weights(m, c));
  PetscFunctionReturn(0);
}

/* Copy a trained libsvm model into flat arrays (rank 0). */
static PetscErrorCode svm_flat_from_model(svm_ctx *c, const struct svm_model *sm)
{
  svm_flat *f = &c->f;
  const int np = svm_n_pairs(sm->nr_class);

  PetscFunctionBeginUser;
  f->K = sm->nr_class;
  f->l = sm->l;
  PetscCall(PetscCalloc1((int64_t)f->l * c->d + 1, &f->SV));
  PetscCall(PetscMalloc1((int64_t)(f->K - 1) * f->l + 1, &f->coef));
  PetscCall(PetscMalloc1(np, &f->rho));
  for (int i = 0; i < f->l; i++)
    for (const struct svm_node *p = sm->SV[i]; p->index != -1; p++) f->SV[(int64_t)i * c->d + p->index - 1] = p->value;
  for (int k = 0; k < f->K - 1; k++) PetscCall(PetscArraycpy(f->coef + (int64_t)k * f->l, sm->sv_coef[k], f->l));
  PetscCall(PetscArraycpy(f->rho, sm->rho, np));
  if (sm->probA && sm->probB && sm->label) {
    PetscCall(PetscMalloc1(np, &f->probA));
    PetscCall(PetscMalloc1(np, &f->probB));
    PetscCall(PetscArraycpy(f->probA, sm->probA, np));
    PetscCall(PetscArraycpy(f->probB, sm->probB, np));
  }
  if (sm->label) {
    PetscCall(PetscMalloc1(f->K, &f->label));
    PetscCall(PetscMalloc1(f->K, &f->nSV));
    PetscCall(PetscArraycpy(f->label, sm->label, f->K));
    PetscCall(PetscArraycpy(f->nSV, sm->nSV, f->K));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_flat_bcast(svm_flat *f, int64_t d, MPI_Comm comm)
{
  PetscMPIInt rank;
  int         head[4] = {f->K, f->l, f->probA != NULL, f->label != NULL};
  int         np;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Bcast(head, 4, MPI_INT, 0, comm));
  np = svm_n_pairs(head[0]);
  if (rank) {
    f->K = head[0];
    f->l = head[1];
    PetscCall(PetscMalloc1((int64_t)f->l * d + 1, &f->SV));
    PetscCall(PetscMalloc1((int64_t)(f->K - 1) * f->l + 1, &f->coef));
    PetscCall(PetscMalloc1(np, &f->rho));
    if (head[2]) {
      PetscCall(PetscMalloc1(np, &f->probA));
      PetscCall(PetscMalloc1(np, &f->probB));
    }
    if (head[3]) {
      PetscCall(PetscMalloc1(f->K, &f->label));
      PetscCall(PetscMalloc1(f->K, &f->nSV));
    }
  }
  PetscCallMPI(MPI_Bcast(f->SV, (int)((int64_t)f->l * d), MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(f->coef, (int)((int64_t)(f->K - 1) * f->l), MPI_DOUBLE, 0, comm));
  PetscCallMPI(MPI_Bcast(f->rho, np, MPI_DOUBLE, 0, comm));
  if (head[2]) {
    PetscCallMPI(MPI_Bcast(f->probA, np, MPI_DOUBLE, 0, comm));
    PetscCallMPI(MPI_Bcast(f->probB, np, MPI_DOUBLE, 0, comm));
  }
  if (head[3]) {
    PetscCallMPI(MPI_Bcast(f->label, f->K, MPI_INT, 0, comm));
    PetscCallMPI(MPI_Bcast(f->nSV, f->K, MPI_INT, 0, comm));
  }
  PetscFunctionReturn(0);
}

/* gamma from the option: "scale" needs the variance of every training entry. It is taken on
   the gathered (replicated) rows in a fixed order, so it has the same bits on any rank count. */
static void svm_resolve_gamma(svm_ctx *c, ms_dataset rep)
{
  const int64_t n = rep->n_global * rep->n_features;
  double        mean = 0.0, var = 0.0;

  if (!strcmp(c->gamma_opt, "auto")) c->gamma = 1.0 / (double)rep->n_features;
  if (strcmp(c->gamma_opt, "scale")) return; /* auto, or a number set in setfromoptions */
  for (int64_t i = 0; i < n; i++) mean += rep->X[i];
  mean /= (double)n;
  for (int64_t i = 0; i < n; i++) var += (rep->X[i] - mean) * (rep->X[i] - mean);
  var /= (double)n;
  c->gamma = var > 0.0 ? 1.0 / ((double)rep->n_features * var) : 1.0;
}

/* The order in which rows reach libsvm. libsvm numbers classes by first appearance and groups
   the rows of each class in that order; scikit-learn's copy of libsvm sorts the classes. A
   stable sort of the rows by class gives libsvm exactly the grouped problem scikit-learn
   solves, so the SMO takes the same steps (decision values then agree to rounding, not just
   to the solver tolerance). Regression keeps the row order. */
static PetscErrorCode svm_row_order(ms_model m, ms_dataset rep, int64_t **order)
{
  const int64_t n = rep->n_global;
  int64_t      *start, *o;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n + 1, order));
  o = *order;
  if (m->task != MS_TASK_CLASSIFICATION) {
    for (int64_t i = 0; i < n; i++) o[i] = i;
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc1(m->n_classes + 1, &start));
  for (int64_t i = 0; i < n; i++) start[rep->labels[i] + 1]++;
  for (int64_t k = 0; k < m->n_classes; k++) start[k + 1] += start[k];
  for (int64_t i = 0; i < n; i++) o[start[rep->labels[i]]++] = i;
  PetscCall(PetscFree(start));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_fit(ms_model m, ms_dataset train)
{
  svm_ctx             *c = (svm_ctx *)m->data;
  ms_dataset           rep;
  PetscMPIInt          rank;
  struct svm_parameter param;
  char                 err[256] = "";

  PetscFunctionBeginUser;
  PetscCall(svm_model_free(c));
  PetscCall(svm_flat_free(&c->f));
  c->d = train->n_features;
  PetscCall(ms_dataset_allgather(train, &rep));
  svm_resolve_gamma(c, rep);
  svm_param(c, m->task, &param);
  PetscCallMPI(MPI_Comm_rank(train->comm, &rank));
  if (!rank) {
    struct svm_problem prob;
    struct svm_node   *nodes, *nd;
    struct svm_model  *sm;
    const char        *msg;
    int64_t           *order;

    prob.l = (int)rep->n_global;
    PetscCall(PetscMalloc3(prob.l, &prob.y, prob.l, &prob.x, rep->n_global * (c->d + 1), &nodes));
    PetscCall(svm_row_order(m, rep, &order));
    nd = nodes;
    for (int i = 0; i < prob.l; i++) {
      const int64_t r = order[i];
      prob.y[i] = m->task == MS_TASK_CLASSIFICATION ? (double)rep->labels[r] : rep->y[r];
      prob.x[i] = nd;
      nd = svm_row_nodes(rep->X + r * c->d, c->d, nd);
    }
    PetscCall(PetscFree(order));
    msg = svm_check_parameter(&prob, &param);
    if (msg) PetscCall(PetscStrncpy(err, msg, sizeof err));
    else {
      svm_set_print_string_function(svm_quiet);
      /* libsvm's Platt cross-validation shuffles with rand(): seed it from the model seed so
         the same -seed gives the same probabilities on any rank count. */
      srand((unsigned)(m->seed * 2654435761u + 12345u));
      sm = svm_train(&prob, &param);
      PetscCall(svm_flat_from_model(c, sm));
      svm_free_and_destroy_model(&sm);
    }
    PetscCall(PetscFree3(prob.y, prob.x, nodes));
  }
  PetscCall(ms_dataset_destroy(&rep));
  PetscCallMPI(MPI_Bcast(err, sizeof err, MPI_CHAR, 0, train->comm));
  if (err[0]) SETERRQ(train->comm, MS_ERR_USER, "svm: libsvm rejects the parameters: %s", err);
  PetscCall(svm_flat_bcast(&c->f, c->d, train->comm));
  PetscCall(svm_model_build(m, c));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_check_fitted(ms_model m)
{
  PetscFunctionBeginUser;
  if (!((svm_ctx *)m->data)->model) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "svm: the model is not fitted");
  PetscFunctionReturn(0);
}

/* Apply fn to every local row, over OpenMP threads (libsvm's predict functions are reentrant). */
typedef enum { SVM_OUT_PREDICT, SVM_OUT_PROBA, SVM_OUT_DECISION } svm_out;

/* libsvm's pairwise decision values dec (pair (a, b) in its class order) as scikit-learn's
   (i < j in sorted class order, positive for class i; one value for two classes). */
static void svm_decision_sklearn(const svm_flat *f, const double *dec, double *out)
{
  const int K = f->K;
  int       p = 0;

  if (K == 2) {
    out[0] = f->label[0] < f->label[1] ? -dec[0] : dec[0];
    return;
  }
  for (int a = 0; a < K; a++)
    for (int b = a + 1; b < K; b++, p++) {
      const int ci = f->label[a], cj = f->label[b];
      const int lo = ci < cj ? ci : cj, hi = ci < cj ? cj : ci;
      const int q = lo * K - lo * (lo + 1) / 2 + (hi - lo - 1);
      out[q] = ci < cj ? dec[p] : -dec[p];
    }
}

/* libsvm's one-vs-one vote (svm_predict_values): dec > 0 votes for a, else for b; the first
   class with the most votes wins. */
static double svm_vote(const svm_flat *f, const double *dec, int *vote)
{
  int best = 0;

  for (int k = 0; k < f->K; k++) vote[k] = 0;
  for (int a = 0, p = 0; a < f->K; a++)
    for (int b = a + 1; b < f->K; b++, p++) ++vote[dec[p] > 0 ? a : b];
  for (int k = 1; k < f->K; k++)
    if (vote[k] > vote[best]) best = k;
  return (double)f->label[best];
}

/* Linear kernel, predict and decision values: D = X W^T - rho by BLAS over blocks of rows,
   then the same vote / reordering as the libsvm path. */
static PetscErrorCode svm_apply_linear(ms_model m, ms_dataset X, svm_out what, double *out)
{
  svm_ctx       *c = (svm_ctx *)m->data;
  const svm_flat *f = &c->f;
  const int      np = m->task == MS_TASK_CLASSIFICATION ? svm_n_pairs(f->K) : 1, B = 2048;
  const int64_t  n = X->n_local;
  double        *D;
  int           *vote;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((int64_t)B * np, &D, f->K, &vote));
  for (int64_t i0 = 0; i0 < n; i0 += B) {
    const int nb = (int)(n - i0 < B ? n - i0 : B);
    for (int i = 0; i < nb; i++) PetscCall(PetscArraycpy(D + (int64_t)i * np, f->rho, np));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, np, (int)c->d, 1.0, X->X + i0 * c->d, (int)c->d, c->W, (int)c->d, -1.0,
                D, np);
    for (int i = 0; i < nb; i++) {
      const double *dec = D + (int64_t)i * np;
      if (m->task != MS_TASK_CLASSIFICATION) out[i0 + i] = dec[0];
      else if (what == SVM_OUT_PREDICT) out[i0 + i] = svm_vote(f, dec, vote);
      else svm_decision_sklearn(f, dec, out + (i0 + i) * np);
    }
  }
  PetscCall(PetscFree2(D, vote));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_apply(ms_model m, ms_dataset X, svm_out what, double *out)
{
  svm_ctx  *c = (svm_ctx *)m->data;
  const int K = c->f.K, np = svm_n_pairs(K);
  PetscBool failed = PETSC_FALSE;

  PetscFunctionBeginUser;
  PetscCall(svm_check_fitted(m));
  if (c->W && what != SVM_OUT_PROBA) {
    PetscCall(svm_apply_linear(m, X, what, out));
    PetscFunctionReturn(0);
  }
  #pragma omp parallel
  {
    struct svm_node *nd = (struct svm_node *)malloc(sizeof(struct svm_node) * (size_t)(c->d + 1));
    double          *buf = (double *)malloc(sizeof(double) * (size_t)(np + K + 1));
    if (!nd || !buf) {
      #pragma omp atomic write
      failed = PETSC_TRUE;
    } else {
      #pragma omp for schedule(static)
      for (int64_t i = 0; i < X->n_local; i++) {
        svm_row_nodes(X->X + i * c->d, c->d, nd);
        if (what == SVM_OUT_PREDICT) out[i] = svm_predict(c->model, nd);
        else if (what == SVM_OUT_PROBA) {
          svm_predict_probability(c->model, nd, buf);
          for (int k = 0; k < K; k++) out[i * K + c->f.label[k]] = buf[k];
        } else {
          svm_predict_values(c->model, nd, buf);
          svm_decision_sklearn(&c->f, buf, out + i * (K == 2 ? 1 : np));
        }
      }
    }
    free(nd);
    free(buf);
  }
  if (failed) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "svm: out of memory");
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_predict_op(ms_model m, ms_dataset X, double *y)
{
  PetscFunctionBeginUser;
  PetscCall(svm_apply(m, X, SVM_OUT_PREDICT, y));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_predict_proba_op(ms_model m, ms_dataset X, double *P)
{
  svm_ctx *c = (svm_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(svm_check_fitted(m));
  if (!c->f.probA)
    SETERRQ(m->comm, MS_ERR_USER, "svm: this model was fitted with -svm_probability false and has no class probabilities");
  PetscCall(svm_apply(m, X, SVM_OUT_PROBA, P));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_decision_op(ms_model m, ms_dataset X, double *D)
{
  PetscFunctionBeginUser;
  PetscCall(svm_apply(m, X, SVM_OUT_DECISION, D));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_svm_decision_function(ms_model m, ms_dataset X, int64_t *n_values, double *D)
{
  svm_ctx *c = (svm_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCheck(!strcmp(m->type, "svm"), m->comm, PETSC_ERR_ARG_WRONG, "ms_svm_decision_function needs an svm model, not '%s'", m->type);
  PetscCall(svm_check_fitted(m));
  *n_values = m->task == MS_TASK_CLASSIFICATION && c->f.K > 2 ? svm_n_pairs(c->f.K) : 1;
  if (!D) PetscFunctionReturn(0);
  if (m->task == MS_TASK_CLASSIFICATION) PetscCall(ms_model_apply_custom(m, X, svm_decision_op, D));
  else PetscCall(ms_model_predict(m, X, D));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_setfromoptions(ms_model m)
{
  svm_ctx  *c = (svm_ctx *)m->data;
  PetscEnum k = (PetscEnum)c->kernel;
  PetscInt  cache = (PetscInt)c->cache_mb;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "Support vector machine on libsvm (-model svm)", "ms_model");
  PetscCall(PetscOptionsEnum("-svm_kernel", "Kernel", NULL, svm_kernel_names, k, &k, NULL));
  PetscCall(PetscOptionsReal("-svm_C", "Penalty on the slack variables (> 0)", NULL, c->C, &c->C, NULL));
  PetscCall(PetscOptionsString("-svm_gamma", "RBF width: scale (1/(d var X)), auto (1/d) or a number > 0", NULL, c->gamma_opt,
                               c->gamma_opt, sizeof c->gamma_opt, NULL));
  PetscCall(PetscOptionsReal("-svm_epsilon", "Width of the epsilon-insensitive tube (regression, >= 0)", NULL, c->epsilon, &c->epsilon, NULL));
  PetscCall(PetscOptionsReal("-svm_tol", "Stopping tolerance of the SMO solver (> 0)", NULL, c->tol, &c->tol, NULL));
  PetscCall(PetscOptionsBool("-svm_probability", "Fit Platt-scaled class probabilities (internal 5-fold CV)", NULL, c->probability,
                             &c->probability, NULL));
  PetscCall(PetscOptionsInt("-svm_cache_mb", "Kernel cache size in MB (>= 1)", NULL, cache, &cache, NULL));
  PetscCall(PetscOptionsBool("-svm_shrinking", "Use libsvm's shrinking heuristic", NULL, c->shrinking, &c->shrinking, NULL));
  PetscCall(PetscOptionsBool("-svm_linear_dense", "Linear kernel: predict with one dense weight vector per decision function (false: libsvm's svm_predict per support vector)",
                             NULL, c->linear_dense, &c->linear_dense, NULL));
  PetscOptionsEnd();
  c->kernel = (svm_kernel_kind)k;
  c->cache_mb = (double)cache;
  if (!(c->C > 0.0) || !isfinite(c->C)) SETERRQ(m->comm, MS_ERR_USER, "-svm_C must be a finite number > 0, got %g", c->C);
  if (!(c->epsilon >= 0.0) || !isfinite(c->epsilon)) SETERRQ(m->comm, MS_ERR_USER, "-svm_epsilon must be a finite number >= 0, got %g", c->epsilon);
  if (!(c->tol > 0.0)) SETERRQ(m->comm, MS_ERR_USER, "-svm_tol must be > 0, got %g", c->tol);
  if (cache < 1) SETERRQ(m->comm, MS_ERR_USER, "-svm_cache_mb must be >= 1, got %" PetscInt_FMT, cache);
  if (strcmp(c->gamma_opt, "scale") && strcmp(c->gamma_opt, "auto")) {
    char *end;
    c->gamma = strtod(c->gamma_opt, &end);
    if (end == c->gamma_opt || *end || !(c->gamma > 0.0) || !isfinite(c->gamma))
      SETERRQ(m->comm, MS_ERR_USER, "-svm_gamma must be scale, auto or a number > 0, got '%s'", c->gamma_opt);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_save(ms_model m, hid_t group)
{
  svm_ctx  *c = (svm_ctx *)m->data;
  svm_flat *f = &c->f;
  const int np = svm_n_pairs(f->K);

  PetscFunctionBeginUser;
  PetscCall(svm_check_fitted(m));
  PetscCall(ms_h5_attr_set_string(group, "kernel", svm_kernel_names[c->kernel]));
  PetscCall(ms_h5_attr_set_double(group, "C", c->C));
  PetscCall(ms_h5_attr_set_double(group, "gamma", c->gamma));
  PetscCall(ms_h5_attr_set_string(group, "gamma_option", c->gamma_opt));
  PetscCall(ms_h5_attr_set_double(group, "epsilon", c->epsilon));
  PetscCall(ms_h5_attr_set_double(group, "tol", c->tol));
  PetscCall(ms_h5_attr_set_int(group, "nr_class", f->K));
  PetscCall(ms_h5_write_rows_double(group, "support_vectors", f->l, 0, f->l, c->d, f->SV));
  PetscCall(ms_h5_write_rows_double(group, "dual_coef", f->K - 1, 0, f->K - 1, f->l, f->coef));
  PetscCall(ms_h5_write_rows_double(group, "rho", np, 0, np, 0, f->rho));
  if (f->probA) {
    PetscCall(ms_h5_write_rows_double(group, "prob_a", np, 0, np, 0, f->probA));
    PetscCall(ms_h5_write_rows_double(group, "prob_b", np, 0, np, 0, f->probB));
  }
  if (f->label) {
    int64_t v[2 * 64], *buf = v;
    if (f->K > 64) PetscCall(PetscMalloc1(2 * f->K, &buf));
    for (int k = 0; k < f->K; k++) {
      buf[k] = f->label[k];
      buf[f->K + k] = f->nSV[k];
    }
    PetscCall(ms_h5_write_rows_int(group, "libsvm_label", f->K, 0, f->K, buf));
    PetscCall(ms_h5_write_rows_int(group, "n_support", f->K, 0, f->K, buf + f->K));
    if (buf != v) PetscCall(PetscFree(buf));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_load(ms_model m, hid_t group)
{
  svm_ctx  *c = (svm_ctx *)m->data;
  svm_flat *f = &c->f;
  int64_t   v, dims[3];
  int       rank, np;
  char     *s;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(svm_model_free(c));
  PetscCall(svm_flat_free(f));
  c->d = m->n_features;
  PetscCall(ms_h5_attr_get_string(group, "kernel", &s));
  if (!strcmp(s, "rbf")) c->kernel = SVM_RBF;
  else if (!strcmp(s, "linear")) c->kernel = SVM_LINEAR;
  else SETERRQ(m->comm, MS_ERR_READ, "svm model: unknown kernel '%s'", s);
  PetscCall(PetscFree(s));
  PetscCall(ms_h5_attr_get_string(group, "gamma_option", &s));
  PetscCall(PetscStrncpy(c->gamma_opt, s, sizeof c->gamma_opt));
  PetscCall(PetscFree(s));
  PetscCall(ms_h5_attr_get_double(group, "C", &c->C));
  PetscCall(ms_h5_attr_get_double(group, "gamma", &c->gamma));
  PetscCall(ms_h5_attr_get_double(group, "epsilon", &c->epsilon));
  PetscCall(ms_h5_attr_get_double(group, "tol", &c->tol));
  PetscCall(ms_h5_attr_get_int(group, "nr_class", &v));
  if (v < 2 || v > 100000) SETERRQ(m->comm, MS_ERR_READ, "svm model: nr_class %lld is invalid", (long long)v);
  f->K = (int)v;
  np = svm_n_pairs(f->K);
  PetscCall(ms_h5_dataset_shape(group, "support_vectors", &rank, dims));
  if (rank != 2 || dims[1] != c->d) SETERRQ(m->comm, MS_ERR_READ, "svm model: support_vectors must have %lld columns", (long long)c->d);
  f->l = (int)dims[0];
  PetscCall(PetscMalloc1((int64_t)f->l * c->d + 1, &f->SV));
  PetscCall(PetscMalloc1((int64_t)(f->K - 1) * f->l + 1, &f->coef));
  PetscCall(PetscMalloc1(np, &f->rho));
  PetscCall(ms_h5_read_rows_double(group, "support_vectors", 0, f->l, c->d, f->SV));
  PetscCall(ms_h5_dataset_shape(group, "dual_coef", &rank, dims));
  if (dims[0] != f->K - 1 || (f->l > 0 && dims[1] != f->l)) SETERRQ(m->comm, MS_ERR_READ, "svm model: dual_coef has the wrong shape");
  PetscCall(ms_h5_read_rows_double(group, "dual_coef", 0, f->K - 1, f->l, f->coef));
  PetscCall(ms_h5_read_rows_double(group, "rho", 0, np, 0, f->rho));
  PetscCall(ms_h5_link_exists(group, "prob_a", &has));
  if (has) {
    PetscCall(PetscMalloc1(np, &f->probA));
    PetscCall(PetscMalloc1(np, &f->probB));
    PetscCall(ms_h5_read_rows_double(group, "prob_a", 0, np, 0, f->probA));
    PetscCall(ms_h5_read_rows_double(group, "prob_b", 0, np, 0, f->probB));
  }
  if (m->task == MS_TASK_CLASSIFICATION) {
    int64_t *buf;
    int      total = 0;
    PetscCall(PetscMalloc1(2 * f->K, &buf));
    PetscCall(PetscMalloc1(f->K, &f->label));
    PetscCall(PetscMalloc1(f->K, &f->nSV));
    PetscCall(ms_h5_read_rows_int(group, "libsvm_label", 0, f->K, buf));
    PetscCall(ms_h5_read_rows_int(group, "n_support", 0, f->K, buf + f->K));
    for (int k = 0; k < f->K; k++) {
      if (buf[k] < 0 || buf[k] >= m->n_classes || buf[f->K + k] < 0) SETERRQ(m->comm, MS_ERR_READ, "svm model: corrupt class table");
      f->label[k] = (int)buf[k];
      f->nSV[k] = (int)buf[f->K + k];
      total += f->nSV[k];
    }
    PetscCall(PetscFree(buf));
    if (total != f->l) SETERRQ(m->comm, MS_ERR_READ, "svm model: n_support does not add up to the support vectors");
  }
  PetscCall(svm_model_build(m, c));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_view(ms_model m, PetscViewer viewer)
{
  svm_ctx *c = (svm_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "support vector machine (libsvm %s): kernel %s, C %g", m->task == MS_TASK_CLASSIFICATION ? "C-SVC" : "epsilon-SVR",
                                   svm_kernel_names[c->kernel], c->C));
  if (c->kernel == SVM_RBF) PetscCall(PetscViewerASCIIPrintf(viewer, ", gamma %.6g (%s)", c->gamma, c->gamma_opt));
  if (m->task != MS_TASK_CLASSIFICATION) PetscCall(PetscViewerASCIIPrintf(viewer, ", epsilon %g", c->epsilon));
  PetscCall(PetscViewerASCIIPrintf(viewer, ", %d support vectors%s\n", c->f.l, c->f.probA ? ", Platt probabilities" : ""));
  PetscFunctionReturn(0);
}

static PetscErrorCode svm_destroy(ms_model m)
{
  svm_ctx *c = (svm_ctx *)m->data;

  PetscFunctionBeginUser;
  if (c) {
    PetscCall(svm_model_free(c));
    PetscCall(svm_flat_free(&c->f));
  }
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_svm(ms_model m)
{
  svm_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  c->kernel = SVM_RBF;
  c->C = 1.0;
  c->epsilon = 0.1;
  c->tol = 1e-3;
  c->cache_mb = 200.0;
  c->probability = PETSC_TRUE;
  c->shrinking = PETSC_TRUE;
  c->linear_dense = PETSC_TRUE;
  PetscCall(PetscStrncpy(c->gamma_opt, "scale", sizeof c->gamma_opt));
  m->data = c;
  m->supports = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = svm_setfromoptions;
  m->ops.fit = svm_fit;
  m->ops.predict = svm_predict_op;
  m->ops.predict_proba = svm_predict_proba_op;
  m->ops.save = svm_save;
  m->ops.load = svm_load;
  m->ops.view = svm_view;
  m->ops.destroy = svm_destroy;
  PetscFunctionReturn(0);
}
