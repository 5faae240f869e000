/* ms_bo_model.c - the BO surrogate: options, target transform, unit scaling, GP fit (through
 * ml/ms_gpr.h), latent predictions, acquisition values, fantasies and the LOO check.
 *
 * Options (defaults) read by ms_bo_opts_set_from_options:
 *   -acquisition <ucb>        ucb | ei | pi | ehvi (two targets) | random (benchmark only)
 *   -kappa <2.576>            UCB weight;  -kappa_decay <1>: kappa_i = kappa * decay^iteration
 *   -xi <0>                   EI / PI margin (target units after the transform)
 *   -minimize <false>         minimise the target (UCB becomes LCB); -minimize2 for target 2
 *   -target_transform <none>  none | log10 (and -target2_transform)
 *   -batch <1>  -batch_mode <kb>  kb (Kriging believer) | cl (constant liar, -liar min|mean|max)
 *   -allow_measured <false>   finite spaces: measured points may be suggested again
 *   -iteration <0>            BO iteration (for -kappa_decay)
 *   -seed <1>                 GP restarts and multi-start points
 *   -ref_point a,b            EHVI reference point (default: worst observed - 10 % of the range)
 *   -bo_kernel <matern52>     any kernel of ml/ms_kernel.h (isotropic by default: ARD length scales
 *                            run to their bounds on a couple of dozen points)
 *   -bo_restarts <5> -bo_bounds <1e-5,1e5> -bo_noise <0.01> -bo_optimize <true>
 *   -bo_starts <20> -bo_max_evals <300>  multi-start BOBYQA for real dimensions
 *   -bo_chunk <4096>          candidates scored per chunk
 *   -bo_scalapack_min_n <2000> GP rows from which, on >1 rank, factorizations and std solves
 *                            are spread over all ranks (ScaLAPACK); chunks are then collective
 */
#include "ms_bo.h"
#include "ms_log.h"
#include <math.h>
#include <string.h>

const char *const ms_bo_batch_names[] = {"kb", "cl", "ms_bo_batch_type", "MS_BO_BATCH_", NULL};
const char *const ms_bo_liar_names[]  = {"min", "mean", "max", "ms_bo_liar", "MS_BO_LIAR_", NULL};
static const char *const transform_names[] = {"none", "log10", "transform", "", NULL};

void ms_bo_opts_default(ms_bo_opts *o)
{
  PetscMemzero(o, sizeof *o);
  o->acq.type        = MS_BO_UCB;
  o->acq.kappa       = 2.576;
  o->acq.kappa_decay = 1.0;
  o->batch           = 1;
  o->seed            = 1;
  o->restarts        = 5;
  o->bounds[0]       = 1e-5;
  o->bounds[1]       = 1e5;
  o->noise0          = 1e-2;
  o->optimize        = PETSC_TRUE;
  o->n_starts        = 20;
  o->max_evals       = 300;
  o->chunk           = 4096;
  o->scalapack_min_n = MS_GPR_SCALAPACK_MIN_N_DEFAULT;
  PetscStrncpy(o->kernel, "matern52", sizeof o->kernel);
}

PetscErrorCode ms_bo_opts_set_from_options(MPI_Comm comm, ms_bo_opts *o)
{
  PetscEnum acq = (PetscEnum)o->acq.type, bt = (PetscEnum)o->batch_type, liar = (PetscEnum)o->liar;
  PetscInt  tr[2] = {o->log10[0] ? 1 : 0, o->log10[1] ? 1 : 0};
  PetscInt  batch = (PetscInt)o->batch, iter = (PetscInt)o->iter, nref = 2, nb = 2, kidx = 0, nk = 0;
  PetscInt  restarts = (PetscInt)o->restarts, starts = (PetscInt)o->n_starts, evals = (PetscInt)o->max_evals, chunk = (PetscInt)o->chunk;
  PetscInt  seed = (PetscInt)o->seed, smin = (PetscInt)o->scalapack_min_n;
  PetscBool set;

  PetscFunctionBeginUser;
  while (ms_kernel_types[nk]) nk++;
  for (PetscInt i = 0; i < nk; i++)
    if (!strcmp(o->kernel, ms_kernel_types[i])) kidx = i;
  PetscOptionsBegin(comm, NULL, "Bayesian optimisation (ml/bo)", NULL);
  PetscCall(PetscOptionsEnum("-acquisition", "Acquisition: ucb, ei, pi, ehvi (two targets), random", NULL, ms_bo_acq_names, acq, &acq, NULL));
  PetscCall(PetscOptionsReal("-kappa", "UCB exploration weight kappa", NULL, o->acq.kappa, &o->acq.kappa, NULL));
  PetscCall(PetscOptionsReal("-kappa_decay", "UCB schedule: kappa * kappa_decay^iteration", NULL, o->acq.kappa_decay, &o->acq.kappa_decay, NULL));
  PetscCall(PetscOptionsReal("-xi", "EI/PI margin xi (target units after the transform)", NULL, o->acq.xi, &o->acq.xi, NULL));
  PetscCall(PetscOptionsBool("-minimize", "Minimise the target (UCB becomes LCB)", NULL, o->minimize[0], &o->minimize[0], NULL));
  PetscCall(PetscOptionsBool("-minimize2", "Minimise the second target (EHVI)", NULL, o->minimize[1], &o->minimize[1], NULL));
  PetscCall(PetscOptionsEList("-target_transform", "Model g(target): none or log10", NULL, transform_names, 2, transform_names[tr[0]], &tr[0], NULL));
  PetscCall(PetscOptionsEList("-target2_transform", "Model g(target2): none or log10", NULL, transform_names, 2, transform_names[tr[1]], &tr[1], NULL));
  PetscCall(PetscOptionsInt("-batch", "Number of suggestions q per call", NULL, batch, &batch, NULL));
  PetscCall(PetscOptionsEnum("-batch_mode", "Batch: kb (Kriging believer) or cl (constant liar)", NULL, ms_bo_batch_names, bt, &bt, NULL));
  PetscCall(PetscOptionsEnum("-liar", "Constant liar value: min, mean or max of the observed target", NULL, ms_bo_liar_names, liar, &liar, NULL));
  PetscCall(PetscOptionsBool("-allow_measured", "Finite spaces: measured points may be suggested again", NULL, o->allow_measured, &o->allow_measured, NULL));
  PetscCall(PetscOptionsInt("-iteration", "BO iteration number (for -kappa_decay)", NULL, iter, &iter, NULL));
  PetscCall(PetscOptionsInt("-seed", "Seed of GP restarts, multi-start points and benchmark repeats", NULL, seed, &seed, NULL));
  PetscCall(PetscOptionsRealArray("-ref_point", "EHVI reference point a,b (target units; default worst observed - 10% of the range)", NULL, o->ref, &nref, &set));
  if (set) {
    PetscCheck(nref == 2, comm, MS_ERR_USER, "-ref_point needs two values a,b, got %d", (int)nref);
    o->ref_set = PETSC_TRUE;
  }
  PetscCall(PetscOptionsEList("-bo_kernel", "GP kernel (constant * correlation + white noise)", NULL, ms_kernel_types, nk, ms_kernel_types[kidx], &kidx, NULL));
  PetscCall(PetscOptionsInt("-bo_restarts", "Extra LML optimiser starts of the GP fit", NULL, restarts, &restarts, NULL));
  PetscCall(PetscOptionsRealArray("-bo_bounds", "lo,hi bounds of every GP hyperparameter", NULL, o->bounds, &nb, &set));
  if (set) PetscCheck(nb == 2 && o->bounds[0] > 0 && o->bounds[1] > o->bounds[0], comm, MS_ERR_USER, "-bo_bounds needs 0 < lo < hi");
  PetscCall(PetscOptionsReal("-bo_noise", "Initial white-noise level (standardised target units)", NULL, o->noise0, &o->noise0, NULL));
  PetscCall(PetscOptionsBool("-bo_optimize", "Fit the GP hyperparameters by maximising the LML", NULL, o->optimize, &o->optimize, NULL));
  PetscCall(PetscOptionsInt("-bo_starts", "Real dimensions: BOBYQA starts", NULL, starts, &starts, NULL));
  PetscCall(PetscOptionsInt("-bo_max_evals", "Real dimensions: acquisition evaluations per start", NULL, evals, &evals, NULL));
  PetscCall(PetscOptionsInt("-bo_chunk", "Candidates scored per chunk", NULL, chunk, &chunk, NULL));
  PetscCall(PetscOptionsInt("-bo_scalapack_min_n", "GP rows from which factorizations use ScaLAPACK over all ranks", NULL, smin, &smin, NULL));
  PetscOptionsEnd();
  PetscCheck(batch >= 1, comm, MS_ERR_USER, "-batch must be >= 1, got %d", (int)batch);
  PetscCheck(o->acq.kappa >= 0, comm, MS_ERR_USER, "-kappa must be >= 0, got %g", o->acq.kappa);
  PetscCheck(o->acq.kappa_decay > 0 && o->acq.kappa_decay <= 1, comm, MS_ERR_USER, "-kappa_decay must be in (0, 1], got %g", o->acq.kappa_decay);
  PetscCheck(restarts >= 0 && starts >= 1 && evals >= 10 && chunk >= 1 && iter >= 0, comm, MS_ERR_USER,
             "need -bo_restarts >= 0, -bo_starts >= 1, -bo_max_evals >= 10, -bo_chunk >= 1, -iteration >= 0");
  PetscCheck(o->noise0 > 0, comm, MS_ERR_USER, "-bo_noise must be > 0, got %g", o->noise0);
  o->acq.type   = (ms_bo_acq_type)acq;
  o->batch_type = (ms_bo_batch_type)bt;
  o->liar       = (ms_bo_liar)liar;
  o->log10[0]   = tr[0] ? PETSC_TRUE : PETSC_FALSE;
  o->log10[1]   = tr[1] ? PETSC_TRUE : PETSC_FALSE;
  o->batch      = batch;
  o->iter       = iter;
  o->seed       = (uint64_t)seed;
  o->restarts   = restarts;
  o->n_starts   = starts;
  o->max_evals  = evals;
  o->chunk      = chunk;
  o->scalapack_min_n = smin;
  PetscCall(PetscStrncpy(o->kernel, ms_kernel_types[kidx], sizeof o->kernel));
  PetscFunctionReturn(0);
}

/* t = s * g(y) */
static PetscErrorCode to_t(MPI_Comm comm, const ms_bo_opts *o, int k, const char *name, double y, int64_t row, double *t)
{
  PetscFunctionBeginUser;
  if (o->log10[k]) {
    PetscCheck(y > 0, comm, MS_ERR_USER, "target '%s' row %lld is %g: -target_transform log10 needs values > 0", name ? name : "", (long long)row + 1, y);
    y = log10(y);
  }
  *t = o->minimize[k] ? -y : y;
  PetscFunctionReturn(0);
}

static PetscErrorCode fit_gp(ms_bo_model m, int k)
{
  ms_kernel K;
  double   *t;

  PetscFunctionBeginUser;
  PetscCall(ms_kernel_create(m->opts.kernel, m->d, &K));
  K->noise = m->opts.noise0;
  PetscCall(ms_gpr_create(m->comm, K, &m->gp[k]));
  m->gp[k]->scalapack_min_n = m->opts.scalapack_min_n;
  PetscCall(PetscMalloc1(m->n, &t));
  for (int64_t i = 0; i < m->n; i++) t[i] = m->T[i * m->n_obj + k];
  PetscCall(ms_gpr_set_data(m->gp[k], m->n, m->d, m->U, t));
  PetscCall(PetscFree(t));
  if (m->opts.optimize) PetscCall(ms_gpr_optimize(m->gp[k], m->opts.restarts, m->opts.seed + 7919 * (uint64_t)k, m->opts.bounds[0], m->opts.bounds[1]));
  else PetscCall(ms_gpr_factor(m->gp[k]));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_fit(MPI_Comm comm, ms_bo_space s, const ms_bo_data *data, const ms_bo_opts *o, ms_bo_model *out)
{
  ms_bo_model m;

  PetscFunctionBeginUser;
  PetscCheck(data->d == s->d, comm, MS_ERR_USER, "the data have %lld dimensions, the space %lld", (long long)data->d, (long long)s->d);
  PetscCheck(data->n >= 1, comm, MS_ERR_USER, "Bayesian optimisation needs at least one measured point");
  PetscCheck(o->acq.type != MS_BO_EHVI || data->n_obj == 2, comm, MS_ERR_USER, "-acquisition ehvi needs two targets (-target and -target2)");
  PetscCheck(o->acq.type == MS_BO_EHVI || data->n_obj == 1, comm, MS_ERR_USER, "two targets need -acquisition ehvi");
  PetscCall(PetscNew(&m));
  m->comm  = comm;
  m->space = s;
  m->n     = data->n;
  m->d     = data->d;
  m->n_obj = data->n_obj;
  m->opts  = *o;
  PetscCall(PetscMalloc2(m->n * m->d, &m->U, m->n * m->n_obj, &m->T));
  for (int64_t i = 0; i < m->n; i++) {
    ms_bo_space_to_unit(s, data->X + i * m->d, m->U + i * m->d);
    for (int k = 0; k < m->n_obj; k++) PetscCall(to_t(comm, o, k, data->target[k], data->Y[i * m->n_obj + k], i, &m->T[i * m->n_obj + k]));
  }
  for (int k = 0; k < m->n_obj; k++) {
    double lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < m->n; i++) {
      lo = PetscMin(lo, m->T[i * m->n_obj + k]);
      hi = PetscMax(hi, m->T[i * m->n_obj + k]);
    }
    m->best[k]  = hi;
    m->ref_t[k] = lo - 0.1 * (hi - lo > 0 ? hi - lo : 1.0);
    if (o->ref_set) PetscCall(to_t(comm, o, k, "ref_point", o->ref[k], 0, &m->ref_t[k]));
    PetscCall(fit_gp(m, k));
  }
  if (m->n_obj == 2) {
    PetscCall(PetscMalloc2(2 * m->n, &m->front, m->n, &m->front_idx));
    PetscCall(ms_bo_pareto_front(m->n, m->T, &m->nf, m->front_idx));
    for (int64_t i = 0; i < m->nf; i++)
      for (int k = 0; k < 2; k++) m->front[2 * i + k] = m->T[m->front_idx[i] * 2 + k];
  }
  *out = m;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_destroy(ms_bo_model *m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  for (int k = 0; k < 2; k++) PetscCall(ms_gpr_destroy(&(*m)->gp[k]));
  PetscCall(PetscFree2((*m)->U, (*m)->T));
  PetscCall(PetscFree2((*m)->front, (*m)->front_idx));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_predict(ms_bo_model m, int k, int64_t nq, const double *U, double *mu, double *sd)
{
  ms_gpr gp = m->gp[k];

  PetscFunctionBeginUser;
  PetscCall(ms_gpr_predict_mean_std(gp, nq, U, mu, sd));
  /* the latent f: remove the white noise sklearn's std includes (a new observation's noise
     is not something to explore) */
  double noise = gp->kernel->noise * gp->y_std * gp->y_std;
  for (int64_t q = 0; q < nq; q++) sd[q] = sqrt(PetscMax(sd[q] * sd[q] - noise, 0.0));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_acq(ms_bo_model m, int64_t nq, const double *U, double *acq, double *mu_out, double *sd_out)
{
  double *mu, *sd;
  int     K = (int)m->n_obj;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(nq * K + 1, &mu, nq * K + 1, &sd));
  for (int k = 0; k < K; k++) PetscCall(ms_bo_model_predict(m, k, nq, U, mu + k * nq, sd + k * nq));
  for (int64_t q = 0; q < nq; q++) {
    if (m->opts.acq.type == MS_BO_EHVI) {
      double mq[2] = {mu[q], mu[nq + q]}, sq[2] = {sd[q], sd[nq + q]};
      acq[q] = ms_bo_ehvi2(m->nf, m->front, m->ref_t, mq, sq);
    } else acq[q] = ms_bo_acq_value(&m->opts.acq, m->opts.iter, mu[q], sd[q], m->best[0]);
    for (int k = 0; k < K; k++) {
      if (mu_out) mu_out[q * K + k] = mu[k * nq + q];
      if (sd_out) sd_out[q * K + k] = sd[k * nq + q];
    }
  }
  PetscCall(PetscFree2(mu, sd));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_append(ms_bo_model m, const double *u, const double *t)
{
  double *U, *T;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2((m->n + 1) * m->d, &U, (m->n + 1) * m->n_obj, &T));
  PetscCall(PetscArraycpy(U, m->U, m->n * m->d));
  PetscCall(PetscArraycpy(T, m->T, m->n * m->n_obj));
  PetscCall(PetscArraycpy(U + m->n * m->d, u, m->d));
  PetscCall(PetscArraycpy(T + m->n * m->n_obj, t, m->n_obj));
  PetscCall(PetscFree2(m->U, m->T));
  m->U = U;
  m->T = T;
  m->n++;
  for (int k = 0; k < m->n_obj; k++) {
    ms_gpr  gp = m->gp[k];
    double *yn;
    /* keep the normalisation the hyperparameters were fitted with */
    PetscCall(PetscMalloc1(m->n, &yn));
    for (int64_t i = 0; i < m->n; i++) yn[i] = (T[i * m->n_obj + k] - gp->y_mean) / gp->y_std;
    PetscCall(ms_gpr_set_data_normalized(gp, m->n, m->d, U, yn, gp->y_mean, gp->y_std));
    PetscCall(PetscFree(yn));
    PetscCall(ms_gpr_factor(gp));
    m->best[k] = PetscMax(m->best[k], t[k]);
  }
  if (m->n_obj == 2) {
    PetscCall(PetscFree2(m->front, m->front_idx));
    PetscCall(PetscMalloc2(2 * m->n, &m->front, m->n, &m->front_idx));
    PetscCall(ms_bo_pareto_front(m->n, m->T, &m->nf, m->front_idx));
    for (int64_t i = 0; i < m->nf; i++)
      for (int k = 0; k < 2; k++) m->front[2 * i + k] = m->T[m->front_idx[i] * 2 + k];
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_model_view(ms_bo_model m, char *const *names)
{
  PetscFunctionBeginUser;
  for (int k = 0; k < m->n_obj; k++) {
    ms_gpr    gp = m->gp[k];
    ms_kernel K  = gp->kernel;
    PetscCall(ms_log(m->comm, "GP %d (%s%s%s): kernel %s, constant %.4g, noise %.4g (standardised units; y_mean %.4g, y_std %.4g), LML %.4f\n", k + 1,
                     m->opts.minimize[k] ? "minimised " : "", m->opts.log10[k] ? "log10 " : "", names ? names[m->d + k] : "target", K->ops.name,
                     K->constant, K->noise, gp->y_mean, gp->y_std, gp->lml));
    PetscCall(ms_log(m->comm, "  length scales (unit-scaled inputs):"));
    for (int64_t j = 0; j < K->n_ls; j++) PetscCall(ms_log(m->comm, " %s=%.4g", K->n_ls == m->d && names ? names[j] : "all", K->ls[j]));
    PetscCall(ms_log(m->comm, "\n"));
  }
  PetscFunctionReturn(0);
}
