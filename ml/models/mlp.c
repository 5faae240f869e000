/* mlp.c - multilayer perceptron ensembles, the model "mlp" (scikit-learn's MLPRegressor /
 * MLPClassifier with solver="adam"; the engine is ml/nn/ms_nn.h).
 *
 * Options (defaults: the seed's "library defaults", i.e. scikit-learn's):
 *   -mlp_hidden <100>                 hidden layer widths, comma separated ("64,32")
 *   -mlp_alpha <1e-4>                 L2 penalty (>= 0)
 *   -mlp_learning_rate <1e-3>         Adam step (> 0)
 *   -mlp_beta1 <0.9> -mlp_beta2 <0.999> -mlp_epsilon <1e-8>   Adam moments, in [0, 1); eps > 0
 *   -mlp_batch_size <0>               rows per mini-batch (0: min(200, rows))
 *   -mlp_max_iter <200>               epochs
 *   -mlp_tol <1e-4> -mlp_n_iter_no_change <10>   stop after that many epochs without progress
 *   -mlp_shuffle <true>               reshuffle the rows every epoch
 *   -mlp_early_stopping <false> -mlp_validation_fraction <0.1>   stop on a held-out score
 *   -mlp_n_members <1>                ensemble members (seeds (seed, member)); predictions are
 *                                     the members' mean, std their spread (regression, >= 2)
 *   -mlp_init <file.h5>               initial weights of member 0 (datasets coef_<l> of shape
 *                                     fan_in x fan_out and intercept_<l>, as scikit-learn's
 *                                     coefs_/intercepts_), to reproduce a run exactly
 *
 * Output: identity (regression), logistic with one unit (two classes), softmax (more).
 * Features should be scaled (-scaler standard or minmax), as for scikit-learn's MLP.
 *
 * Parallelism: the training rows are gathered (a network needs every row each epoch); member
 * j is trained on rank j mod P of the communicator, with BLAS threads inside, and broadcast
 * from there, so an ensemble of M members trains in about M/P of the time of one, and every
 * rank predicts its rows with all members. The result does not depend on P.
 *
 * Adding a sibling: see ml/models/README.md.
 */
#include "ms_h5.h"
#include "ms_model.h"
#include "ms_nn.h"
#include <math.h>
#include <string.h>

#define MLP_MAX_HIDDEN 16

typedef struct {
  ms_mlp_params p;
  int64_t       hidden[MLP_MAX_HIDDEN];
  int64_t       n_hidden;
  PetscInt      n_members;
  char          init_file[PETSC_MAX_PATH_LEN];
  ms_mlp_net   *nets;       /* n_members */
  double       *loss_curve; /* member 0's epoch losses (n_iter[0] of them) */
  int64_t      *n_iter;     /* per member */
} mlp_ctx;

static PetscErrorCode mlp_predict_std(ms_model m, ms_dataset X, double *std);

static PetscErrorCode mlp_clear(mlp_ctx *c)
{
  PetscFunctionBeginUser;
  for (PetscInt j = 0; c->nets && j < c->n_members; j++) ms_mlp_net_free(&c->nets[j]);
  PetscCall(PetscFree(c->nets));
  PetscCall(PetscFree(c->loss_curve));
  PetscCall(PetscFree(c->n_iter));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_units(ms_model m, mlp_ctx *c, int64_t *units, ms_mlp_output *out)
{
  const PetscBool cls = m->task == MS_TASK_CLASSIFICATION;

  PetscFunctionBeginUser;
  units[0] = m->n_features;
  for (int64_t l = 0; l < c->n_hidden; l++) units[l + 1] = c->hidden[l];
  units[c->n_hidden + 1] = cls ? (m->n_classes == 2 ? 1 : m->n_classes) : 1;
  *out = !cls ? MS_MLP_OUT_IDENTITY : m->n_classes == 2 ? MS_MLP_OUT_LOGISTIC : MS_MLP_OUT_SOFTMAX;
  PetscFunctionReturn(0);
}

/* Member 0's start from -mlp_init (checked against the layer sizes). */
static PetscErrorCode mlp_read_init(ms_model m, mlp_ctx *c, ms_mlp_net *net)
{
  ms_h5_file f;

  PetscFunctionBeginUser;
  PetscCall(ms_h5_open_read(PETSC_COMM_SELF, c->init_file, &f));
  for (int64_t l = 0; l < net->n_layers; l++) {
    char    name[32];
    int     rank;
    int64_t dims[3];
    PetscCall(PetscSNPrintf(name, sizeof name, "coef_%lld", (long long)l));
    PetscCall(ms_h5_dataset_shape(f->fid, name, &rank, dims));
    if (rank != 2 || dims[0] != net->units[l] || dims[1] != net->units[l + 1])
      SETERRQ(m->comm, MS_ERR_USER, "-mlp_init %s: %s must be %lld x %lld for these layers", c->init_file, name, (long long)net->units[l],
              (long long)net->units[l + 1]);
    PetscCall(ms_h5_read_rows_double(f->fid, name, 0, dims[0], dims[1], net->W[l]));
    PetscCall(PetscSNPrintf(name, sizeof name, "intercept_%lld", (long long)l));
    PetscCall(ms_h5_dataset_shape(f->fid, name, &rank, dims));
    if (rank != 1 || dims[0] != net->units[l + 1])
      SETERRQ(m->comm, MS_ERR_USER, "-mlp_init %s: %s must hold %lld values", c->init_file, name, (long long)net->units[l + 1]);
    PetscCall(ms_h5_read_rows_double(f->fid, name, 0, dims[0], 0, net->b[l]));
  }
  PetscCall(ms_h5_close(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_fit(ms_model m, ms_dataset train)
{
  mlp_ctx      *c = (mlp_ctx *)m->data;
  const int64_t L = c->n_hidden + 1;
  int64_t       units[MLP_MAX_HIDDEN + 2], n, k, psize;
  ms_mlp_output out;
  ms_dataset    rep;
  double       *Y, *flat;
  PetscMPIInt   rank, size;

  PetscFunctionBeginUser;
  PetscCall(mlp_clear(c));
  PetscCall(mlp_units(m, c, units, &out));
  PetscCall(ms_dataset_allgather(train, &rep));
  PetscCallMPI(MPI_Comm_rank(train->comm, &rank));
  PetscCallMPI(MPI_Comm_size(train->comm, &size));
  n = rep->n_global;
  k = units[L];
  PetscCall(PetscCalloc1(n * k, &Y));
  for (int64_t i = 0; i < n; i++) {
    if (out == MS_MLP_OUT_IDENTITY) Y[i] = rep->y[i];
    else if (out == MS_MLP_OUT_LOGISTIC) Y[i] = rep->labels[i] == 1 ? 1.0 : 0.0;
    else Y[i * k + rep->labels[i]] = 1.0;
  }
  PetscCall(PetscCalloc1(c->n_members, &c->nets));
  PetscCall(PetscCalloc1(c->n_members, &c->n_iter));
  PetscCall(PetscCalloc1(c->p.max_iter, &c->loss_curve));
  for (PetscInt j = 0; j < c->n_members; j++) {
    ms_rng    rng;
    PetscBool conv;
    ms_rng_init(&rng, m->seed, (uint64_t)j);
    PetscCall(ms_mlp_net_create(L, units, out, &rng, &c->nets[j]));
    if (j == 0 && c->init_file[0]) PetscCall(mlp_read_init(m, c, &c->nets[j]));
    if (j % size != rank) continue;
    PetscCall(ms_mlp_train(&c->nets[j], &c->p, n, rep->X, Y, &rng, j == 0 ? c->loss_curve : NULL, &c->n_iter[j], &conv));
  }
  /* Every member travels from the rank that trained it. */
  psize = ms_mlp_net_size(&c->nets[0]);
  PetscCall(PetscMalloc1(psize, &flat));
  for (PetscInt j = 0; j < c->n_members; j++) {
    const int owner = (int)(j % size);
    if (owner == rank) ms_mlp_net_pack(&c->nets[j], flat);
    PetscCallMPI(MPI_Bcast(flat, (int)psize, MPI_DOUBLE, owner, train->comm));
    ms_mlp_net_unpack(&c->nets[j], flat);
    PetscCallMPI(MPI_Bcast(&c->n_iter[j], 1, MPI_INT64_T, owner, train->comm));
  }
  PetscCallMPI(MPI_Bcast(c->loss_curve, (int)c->p.max_iter, MPI_DOUBLE, 0, train->comm));
  PetscCall(PetscFree(flat));
  PetscCall(PetscFree(Y));
  PetscCall(ms_dataset_destroy(&rep));
  /* A spread exists only across two or more regression members. */
  m->ops.predict_std = (out == MS_MLP_OUT_IDENTITY && c->n_members > 1) ? mlp_predict_std : NULL;
  PetscFunctionReturn(0);
}

/* Member outputs averaged (mean) and their spread (std, regression). */
static PetscErrorCode mlp_apply(ms_model m, ms_dataset X, double *mean, double *std)
{
  mlp_ctx      *c = (mlp_ctx *)m->data;
  const int64_t n = X->n_local, k = c->nets[0].units[c->nets[0].n_layers];
  double       *o, *s2 = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n * k + 1, &o));
  PetscCall(PetscArrayzero(mean, n * k));
  if (std) PetscCall(PetscCalloc1(n + 1, &s2));
  for (PetscInt j = 0; j < c->n_members; j++) {
    PetscCall(ms_mlp_forward(&c->nets[j], n, X->X, o));
    for (int64_t i = 0; i < n * k; i++) mean[i] += o[i] / (double)c->n_members;
    if (std)
      for (int64_t i = 0; i < n; i++) s2[i] += o[i] * o[i] / (double)c->n_members;
  }
  if (std)
    for (int64_t i = 0; i < n; i++) std[i] = sqrt(PetscMax(s2[i] - mean[i] * mean[i], 0.0));
  PetscCall(PetscFree(s2));
  PetscCall(PetscFree(o));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_check(ms_model m)
{
  PetscFunctionBeginUser;
  if (!((mlp_ctx *)m->data)->nets) SETERRQ(m->comm, PETSC_ERR_ARG_WRONGSTATE, "mlp: the model is not fitted");
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_predict_proba(ms_model m, ms_dataset X, double *P)
{
  const int64_t K = m->n_classes, n = X->n_local;

  PetscFunctionBeginUser;
  PetscCall(mlp_check(m));
  if (K == 2) {
    double *p1;
    PetscCall(PetscMalloc1(n + 1, &p1));
    PetscCall(mlp_apply(m, X, p1, NULL));
    for (int64_t i = 0; i < n; i++) {
      P[2 * i] = 1.0 - p1[i];
      P[2 * i + 1] = p1[i];
    }
    PetscCall(PetscFree(p1));
  } else PetscCall(mlp_apply(m, X, P, NULL));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_predict(ms_model m, ms_dataset X, double *y)
{
  const int64_t K = m->n_classes, n = X->n_local;

  PetscFunctionBeginUser;
  PetscCall(mlp_check(m));
  if (m->task != MS_TASK_CLASSIFICATION) {
    PetscCall(mlp_apply(m, X, y, NULL));
    PetscFunctionReturn(0);
  }
  double *P;
  PetscCall(PetscMalloc1(n * K + 1, &P));
  PetscCall(mlp_predict_proba(m, X, P));
  for (int64_t i = 0; i < n; i++) {
    int64_t best = 0;
    if (K == 2) best = P[2 * i + 1] > 0.5;
    else
      for (int64_t k = 1; k < K; k++)
        if (P[i * K + k] > P[i * K + best]) best = k;
    y[i] = (double)best;
  }
  PetscCall(PetscFree(P));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_predict_std(ms_model m, ms_dataset X, double *std)
{
  double *mean;

  PetscFunctionBeginUser;
  PetscCall(mlp_check(m));
  PetscCall(PetscMalloc1(X->n_local + 1, &mean));
  PetscCall(mlp_apply(m, X, mean, std));
  PetscCall(PetscFree(mean));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_setfromoptions(ms_model m)
{
  mlp_ctx      *c = (mlp_ctx *)m->data;
  ms_mlp_params *p = &c->p;
  PetscInt      hid[MLP_MAX_HIDDEN], nh = MLP_MAX_HIDDEN, bs = (PetscInt)p->batch_size, it = (PetscInt)p->max_iter, nic = (PetscInt)p->n_iter_no_change;
  PetscBool     set;

  PetscFunctionBeginUser;
  PetscOptionsBegin(m->comm, NULL, "Multilayer perceptron (-model mlp)", "ms_model");
  PetscCall(PetscOptionsIntArray("-mlp_hidden", "Hidden layer widths, comma separated (each >= 1)", NULL, hid, &nh, &set));
  PetscCall(PetscOptionsReal("-mlp_alpha", "L2 penalty (>= 0)", NULL, p->alpha, &p->alpha, NULL));
  PetscCall(PetscOptionsReal("-mlp_learning_rate", "Adam step size (> 0)", NULL, p->learning_rate, &p->learning_rate, NULL));
  PetscCall(PetscOptionsReal("-mlp_beta1", "Adam first-moment decay, in [0, 1)", NULL, p->beta1, &p->beta1, NULL));
  PetscCall(PetscOptionsReal("-mlp_beta2", "Adam second-moment decay, in [0, 1)", NULL, p->beta2, &p->beta2, NULL));
  PetscCall(PetscOptionsReal("-mlp_epsilon", "Adam denominator guard (> 0)", NULL, p->epsilon, &p->epsilon, NULL));
  PetscCall(PetscOptionsInt("-mlp_batch_size", "Rows per mini-batch (0: min(200, rows))", NULL, bs, &bs, NULL));
  PetscCall(PetscOptionsInt("-mlp_max_iter", "Epochs (>= 1)", NULL, it, &it, NULL));
  PetscCall(PetscOptionsReal("-mlp_tol", "Minimum improvement of the loss (or validation score) per epoch (>= 0)", NULL, p->tol, &p->tol, NULL));
  PetscCall(PetscOptionsInt("-mlp_n_iter_no_change", "Epochs without improvement before stopping (>= 1)", NULL, nic, &nic, NULL));
  PetscCall(PetscOptionsBool("-mlp_shuffle", "Reshuffle the rows every epoch", NULL, p->shuffle, &p->shuffle, NULL));
  PetscCall(PetscOptionsBool("-mlp_early_stopping", "Stop on the score of held-out rows", NULL, p->early_stopping, &p->early_stopping, NULL));
  PetscCall(PetscOptionsReal("-mlp_validation_fraction", "Rows held out for early stopping, in (0, 1)", NULL, p->validation_fraction,
                             &p->validation_fraction, NULL));
  PetscCall(PetscOptionsInt("-mlp_n_members", "Ensemble members, trained across ranks (>= 1)", NULL, c->n_members, &c->n_members, NULL));
  PetscCall(PetscOptionsString("-mlp_init", "HDF5 file with member 0's initial weights (coef_<l>, intercept_<l>)", NULL, c->init_file,
                               c->init_file, sizeof c->init_file, NULL));
  PetscOptionsEnd();
  if (set) {
    PetscCheck(nh >= 1, m->comm, MS_ERR_USER, "-mlp_hidden needs at least one width (at most %d)", MLP_MAX_HIDDEN);
    c->n_hidden = nh;
    for (PetscInt l = 0; l < nh; l++) {
      PetscCheck(hid[l] >= 1, m->comm, MS_ERR_USER, "-mlp_hidden: width %" PetscInt_FMT " of layer %" PetscInt_FMT " must be >= 1", hid[l], l + 1);
      c->hidden[l] = hid[l];
    }
  }
  PetscCheck(p->alpha >= 0.0 && isfinite(p->alpha), m->comm, MS_ERR_USER, "-mlp_alpha must be a finite number >= 0, got %g", p->alpha);
  PetscCheck(p->learning_rate > 0.0 && isfinite(p->learning_rate), m->comm, MS_ERR_USER, "-mlp_learning_rate must be > 0, got %g", p->learning_rate);
  PetscCheck(p->beta1 >= 0.0 && p->beta1 < 1.0 && p->beta2 >= 0.0 && p->beta2 < 1.0, m->comm, MS_ERR_USER,
             "-mlp_beta1 and -mlp_beta2 must be in [0, 1), got %g and %g", p->beta1, p->beta2);
  PetscCheck(p->epsilon > 0.0, m->comm, MS_ERR_USER, "-mlp_epsilon must be > 0, got %g", p->epsilon);
  PetscCheck(bs >= 0, m->comm, MS_ERR_USER, "-mlp_batch_size must be >= 0, got %" PetscInt_FMT, bs);
  PetscCheck(it >= 1, m->comm, MS_ERR_USER, "-mlp_max_iter must be >= 1, got %" PetscInt_FMT, it);
  PetscCheck(nic >= 1, m->comm, MS_ERR_USER, "-mlp_n_iter_no_change must be >= 1, got %" PetscInt_FMT, nic);
  PetscCheck(p->tol >= 0.0, m->comm, MS_ERR_USER, "-mlp_tol must be >= 0, got %g", p->tol);
  PetscCheck(p->validation_fraction > 0.0 && p->validation_fraction < 1.0, m->comm, MS_ERR_USER,
             "-mlp_validation_fraction must be in (0, 1), got %g", p->validation_fraction);
  PetscCheck(c->n_members >= 1, m->comm, MS_ERR_USER, "-mlp_n_members must be >= 1, got %" PetscInt_FMT, c->n_members);
  p->batch_size = bs;
  p->max_iter = it;
  p->n_iter_no_change = nic;
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_save(ms_model m, hid_t group)
{
  mlp_ctx      *c = (mlp_ctx *)m->data;
  const int64_t L = c->n_hidden + 1, psize = ms_mlp_net_size(&c->nets[0]);
  double       *flat;

  PetscFunctionBeginUser;
  PetscCall(mlp_check(m));
  PetscCall(ms_h5_write_rows_int(group, "units", L + 1, 0, L + 1, c->nets[0].units));
  PetscCall(ms_h5_write_rows_int(group, "n_iter", c->n_members, 0, c->n_members, c->n_iter));
  PetscCall(ms_h5_write_rows_double(group, "loss_curve", c->n_iter[0], 0, c->n_iter[0], 0, c->loss_curve));
  PetscCall(PetscMalloc1(c->n_members * psize, &flat));
  for (PetscInt j = 0; j < c->n_members; j++) ms_mlp_net_pack(&c->nets[j], flat + j * psize);
  PetscCall(ms_h5_write_rows_double(group, "weights", c->n_members, 0, c->n_members, psize, flat));
  PetscCall(PetscFree(flat));
  PetscCall(ms_h5_attr_set_string(group, "weights_layout", "per member: W_0 (fan_in x fan_out, row-major), b_0, W_1, b_1, ..."));
  PetscCall(ms_h5_attr_set_double(group, "alpha", c->p.alpha));
  PetscCall(ms_h5_attr_set_double(group, "learning_rate", c->p.learning_rate));
  PetscCall(ms_h5_attr_set_int(group, "batch_size", c->p.batch_size));
  PetscCall(ms_h5_attr_set_int(group, "max_iter", c->p.max_iter));
  PetscCall(ms_h5_attr_set_int(group, "early_stopping", c->p.early_stopping));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_load(ms_model m, hid_t group)
{
  mlp_ctx      *c = (mlp_ctx *)m->data;
  int64_t       dims[3], units[MLP_MAX_HIDDEN + 2], psize;
  int           rank;
  ms_mlp_output out;
  double       *flat;

  PetscFunctionBeginUser;
  PetscCall(mlp_clear(c));
  PetscCall(ms_h5_dataset_shape(group, "units", &rank, dims));
  if (rank != 1 || dims[0] < 2 || dims[0] > MLP_MAX_HIDDEN + 2) SETERRQ(m->comm, MS_ERR_READ, "mlp model: 'units' has a bad shape");
  PetscCall(ms_h5_read_rows_int(group, "units", 0, dims[0], units));
  c->n_hidden = dims[0] - 2;
  for (int64_t l = 0; l < c->n_hidden; l++) c->hidden[l] = units[l + 1];
  {
    int64_t want[MLP_MAX_HIDDEN + 2];
    PetscCall(mlp_units(m, c, want, &out));
    for (int64_t l = 0; l < dims[0]; l++)
      if (want[l] < 1 || want[l] != units[l]) SETERRQ(m->comm, MS_ERR_READ, "mlp model: layer sizes do not match the model's features or classes");
  }
  PetscCall(ms_h5_dataset_shape(group, "weights", &rank, dims));
  c->n_members = (PetscInt)dims[0];
  PetscCall(PetscCalloc1(c->n_members, &c->nets));
  for (PetscInt j = 0; j < c->n_members; j++) PetscCall(ms_mlp_net_create(c->n_hidden + 1, units, out, NULL, &c->nets[j]));
  psize = ms_mlp_net_size(&c->nets[0]);
  if (rank != 2 || dims[1] != psize || c->n_members < 1) SETERRQ(m->comm, MS_ERR_READ, "mlp model: 'weights' must be members x %lld", (long long)psize);
  PetscCall(PetscMalloc1(c->n_members * psize, &flat));
  PetscCall(ms_h5_read_rows_double(group, "weights", 0, c->n_members, psize, flat));
  for (PetscInt j = 0; j < c->n_members; j++) ms_mlp_net_unpack(&c->nets[j], flat + j * psize);
  PetscCall(PetscFree(flat));
  PetscCall(PetscCalloc1(c->n_members, &c->n_iter));
  PetscCall(ms_h5_read_rows_int(group, "n_iter", 0, c->n_members, c->n_iter));
  PetscCall(PetscCalloc1(PetscMax(c->n_iter[0], 1), &c->loss_curve));
  PetscCall(ms_h5_read_rows_double(group, "loss_curve", 0, c->n_iter[0], 0, c->loss_curve));
  m->ops.predict_std = (out == MS_MLP_OUT_IDENTITY && c->n_members > 1) ? mlp_predict_std : NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_view(ms_model m, PetscViewer viewer)
{
  mlp_ctx *c = (mlp_ctx *)m->data;

  PetscFunctionBeginUser;
  PetscCall(PetscViewerASCIIPrintf(viewer, "multilayer perceptron: hidden"));
  for (int64_t l = 0; l < c->n_hidden; l++) PetscCall(PetscViewerASCIIPrintf(viewer, "%s%lld", l ? "," : " ", (long long)c->hidden[l]));
  PetscCall(PetscViewerASCIIPrintf(viewer, " (ReLU), Adam lr %g, alpha %g, %" PetscInt_FMT " member(s)", c->p.learning_rate, c->p.alpha, c->n_members));
  if (c->n_iter && c->loss_curve && c->n_iter[0] > 0)
    PetscCall(PetscViewerASCIIPrintf(viewer, ", member 0: %lld epochs, final loss %.6g", (long long)c->n_iter[0], c->loss_curve[c->n_iter[0] - 1]));
  PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  PetscFunctionReturn(0);
}

static PetscErrorCode mlp_destroy(ms_model m)
{
  PetscFunctionBeginUser;
  if (m->data) PetscCall(mlp_clear((mlp_ctx *)m->data));
  PetscCall(PetscFree(m->data));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_model_create_mlp(ms_model m)
{
  mlp_ctx *c;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&c));
  ms_mlp_params_default(&c->p);
  c->hidden[0] = 100;
  c->n_hidden = 1;
  c->n_members = 1;
  m->data = c;
  m->supports = MS_MODEL_REGRESSION | MS_MODEL_CLASSIFICATION;
  m->ops.setfromoptions = mlp_setfromoptions;
  m->ops.fit = mlp_fit;
  m->ops.predict = mlp_predict;
  m->ops.predict_proba = mlp_predict_proba;
  m->ops.predict_std = mlp_predict_std;
  m->ops.save = mlp_save;
  m->ops.load = mlp_load;
  m->ops.view = mlp_view;
  m->ops.destroy = mlp_destroy;
  PetscFunctionReturn(0);
}
