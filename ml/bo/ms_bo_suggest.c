/* ms_bo_suggest.c - maximising the acquisition: exhaustive chunked scoring of finite spaces
 * over all ranks, multi-start NLopt BOBYQA for spaces with real dimensions, and batches of q
 * by Kriging believer or constant liar. Determinism rules: ms_bo.h. */
#include "ms_bo.h"
#include "ms_log.h"
#include "ms_rng.h"
#include <math.h>
#include <nlopt.h>

#define MS_BO_PROGRESS_MIN_N 1000000 /* candidates from which scoring shows progress */

/* a beats b: larger acquisition, ties (and NaN, which never wins) to the lower index */
static PetscBool beats(double a, int64_t ia, double b, int64_t ib)
{
  if (isnan(a)) return PETSC_FALSE;
  if (ib < 0 || isnan(b)) return PETSC_TRUE;
  return a > b || (a == b && ia < ib);
}

static PetscBool in_sorted(int64_t n, const int64_t *v, int64_t x)
{
  int64_t a = 0, b = n - 1;
  while (a <= b) {
    int64_t c = (a + b) / 2;
    if (v[c] == x) return PETSC_TRUE;
    if (v[c] < x) a = c + 1;
    else b = c - 1;
  }
  return PETSC_FALSE;
}

static PetscBool model_distributed(ms_bo_model m)
{
  for (int k = 0; k < m->n_obj; k++)
    if (m->gp[k]->grid) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode ms_bo_argmax_finite(ms_bo_model m, int64_t n_ex, const int64_t *ex, int64_t *best_idx, double *best_acq)
{
  ms_bo_space s = m->space;
  PetscMPIInt rank, size;
  int64_t     N, d = s->d, chunk = m->opts.chunk, lo, hi, nchunks, nchunks_max;
  double     *U, *acq, x[64];
  double      mine_acq = NAN;
  int64_t     mine_idx = -1;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(ms_bo_space_size(s, &N));
  /* contiguous share of the candidate indices: the first N % P ranks take one more */
  lo      = rank * (N / size) + PetscMin(rank, N % size);
  hi      = lo + N / size + (rank < N % size ? 1 : 0);
  nchunks = (hi - lo + chunk - 1) / chunk;
  nchunks_max = nchunks;
  /* a distributed GP factor makes every prediction collective: all ranks take the same
     number of (possibly empty) chunks */
  if (model_distributed(m)) PetscCallMPI(MPI_Allreduce(&nchunks, &nchunks_max, 1, MPI_INT64_T, MPI_MAX, m->comm));
  PetscCall(PetscMalloc2(chunk * d, &U, chunk, &acq));
  /* large grids report progress (rank 0's share times P: no collective in the loop) */
  ms_progress prog;
  PetscBool   show = N >= MS_BO_PROGRESS_MIN_N ? PETSC_TRUE : PETSC_FALSE;
  if (show) PetscCall(ms_progress_begin(m->comm, "scoring candidates", N, &prog));
  for (int64_t c = 0; c < nchunks_max; c++) {
    if (show && !rank) PetscCall(ms_progress_update(&prog, PetscMin(N, (c + 1) * chunk * size)));
    int64_t c0 = lo + c * chunk, mc = c < nchunks ? PetscMin(chunk, hi - c0) : 0;
    for (int64_t q = 0; q < mc; q++) {
      ms_bo_space_decode(s, c0 + q, x);
      ms_bo_space_to_unit(s, x, U + q * d);
    }
    PetscCall(ms_bo_model_acq(m, mc, U, acq, NULL, NULL));
    for (int64_t q = 0; q < mc; q++) {
      if (n_ex && in_sorted(n_ex, ex, c0 + q)) continue;
      if (beats(acq[q], c0 + q, mine_acq, mine_idx)) {
        mine_acq = acq[q];
        mine_idx = c0 + q;
      }
    }
  }
  PetscCall(PetscFree2(U, acq));
  if (show) PetscCall(ms_progress_end(&prog));
  /* every rank's best, then the same rule over ranks: the winner does not depend on P */
  double  *all_a;
  int64_t *all_i;
  PetscCall(PetscMalloc2(size, &all_a, size, &all_i));
  PetscCallMPI(MPI_Allgather(&mine_acq, 1, MPI_DOUBLE, all_a, 1, MPI_DOUBLE, m->comm));
  PetscCallMPI(MPI_Allgather(&mine_idx, 1, MPI_INT64_T, all_i, 1, MPI_INT64_T, m->comm));
  *best_idx = -1;
  *best_acq = NAN;
  for (int r = 0; r < size; r++)
    if (all_i[r] >= 0 && beats(all_a[r], all_i[r], *best_acq, *best_idx)) {
      *best_acq = all_a[r];
      *best_idx = all_i[r];
    }
  PetscCall(PetscFree2(all_a, all_i));
  PetscFunctionReturn(0);
}

typedef struct {
  ms_bo_model    m;
  PetscErrorCode err;
} box_ctx;

static double box_objective(unsigned n, const double *u, double *grad, void *vctx)
{
  box_ctx *c = (box_ctx *)vctx;
  double   a = -INFINITY;
  (void)n;
  (void)grad; /* derivative-free */
  c->err = ms_bo_model_acq(c->m, 1, u, &a, NULL, NULL);
  return isnan(a) || c->err ? -1e300 : a;
}

#define MS_BO_START_SAMPLES 64

PetscErrorCode ms_bo_argmax_box(ms_bo_model m, uint64_t stream, double *x_best, double *best_acq)
{
  ms_bo_space s = m->space;
  int64_t     d = s->d, ns = m->opts.n_starts;
  PetscMPIInt rank, size;
  double     *res, *cand, *ca, u[64], x[64];

  PetscFunctionBeginUser;
  PetscCheck(!model_distributed(m), m->comm, MS_ERR_USER,
             "spaces with real dimensions need a GP below the ScaLAPACK threshold (%lld rows); use a finite space", (long long)m->n);
  PetscCheck(d <= 64, m->comm, MS_ERR_USER, "at most 64 dimensions");
  PetscCallMPI(MPI_Comm_rank(m->comm, &rank));
  PetscCallMPI(MPI_Comm_size(m->comm, &size));
  PetscCall(PetscCalloc1(ns * (d + 1), &res));
  PetscCall(PetscMalloc2(MS_BO_START_SAMPLES * d, &cand, MS_BO_START_SAMPLES, &ca));
  for (int64_t r = rank; r < ns; r += size) {
    ms_rng  rng;
    box_ctx ctx = {m, 0};
    double  f;
    /* start r: the best of a few uniform points, from its own stream */
    ms_rng_init(&rng, m->opts.seed, 0x5eed0000ULL + stream * 1000003ULL + (uint64_t)r);
    for (int64_t i = 0; i < MS_BO_START_SAMPLES * d; i++) cand[i] = ms_rng_uniform(&rng);
    PetscCall(ms_bo_model_acq(m, MS_BO_START_SAMPLES, cand, ca, NULL, NULL));
    int64_t bi = 0;
    for (int64_t i = 1; i < MS_BO_START_SAMPLES; i++)
      if (beats(ca[i], i, ca[bi], bi)) bi = i;
    PetscCall(PetscArraycpy(u, cand + bi * d, d));
    nlopt_opt opt = nlopt_create(d >= 2 ? NLOPT_LN_BOBYQA : NLOPT_LN_COBYLA, (unsigned)d);
    PetscCheck(opt, PETSC_COMM_SELF, PETSC_ERR_LIB, "nlopt_create failed");
    double lb[64], ub[64];
    for (int64_t k = 0; k < d; k++) {
      lb[k] = 0.0;
      ub[k] = 1.0;
    }
    nlopt_set_lower_bounds(opt, lb);
    nlopt_set_upper_bounds(opt, ub);
    nlopt_set_max_objective(opt, box_objective, &ctx);
    nlopt_set_maxeval(opt, (int)m->opts.max_evals);
    nlopt_set_xtol_rel(opt, 1e-7);
    nlopt_result rc = nlopt_optimize(opt, u, &f);
    nlopt_destroy(opt);
    PetscCall(ctx.err);
    (void)rc; /* any outcome leaves the best point seen in u (a failed run: the start) */
    ms_bo_space_from_unit(s, u, x);
    ms_bo_space_snap(s, x);
    ms_bo_space_to_unit(s, x, u);
    PetscCall(ms_bo_model_acq(m, 1, u, &f, NULL, NULL));
    res[r * (d + 1)] = f;
    PetscCall(PetscArraycpy(res + r * (d + 1) + 1, x, d));
  }
  PetscCall(PetscFree2(cand, ca));
  /* one rank wrote each start: the sum is a gather */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, res, (int)(ns * (d + 1)), MPI_DOUBLE, MPI_SUM, m->comm));
  int64_t best = -1;
  for (int64_t r = 0; r < ns; r++)
    if (beats(res[r * (d + 1)], r, best >= 0 ? res[best * (d + 1)] : NAN, best)) best = r;
  PetscCheck(best >= 0, m->comm, PETSC_ERR_NOT_CONVERGED, "every acquisition value was NaN");
  *best_acq = res[best * (d + 1)];
  PetscCall(PetscArraycpy(x_best, res + best * (d + 1) + 1, d));
  PetscCall(PetscFree(res));
  PetscFunctionReturn(0);
}

static PetscErrorCode insert_sorted(int64_t *n, int64_t *v, int64_t x)
{
  PetscFunctionBeginUser;
  if (in_sorted(*n, v, x)) PetscFunctionReturn(0);
  int64_t j = *n;
  while (j > 0 && v[j - 1] > x) {
    v[j] = v[j - 1];
    j--;
  }
  v[j] = x;
  (*n)++;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_suggest(ms_bo_model m, int64_t n_ex, const int64_t *exclude, ms_bo_result *r)
{
  ms_bo_space s = m->space;
  int64_t     q = m->opts.batch, d = s->d, K = m->n_obj, nx = 0, *ex;
  PetscBool   finite = ms_bo_space_is_finite(s);
  double      liar[2], x[64], u[64];

  PetscFunctionBeginUser;
  PetscCheck(m->opts.acq.type != MS_BO_RANDOM, m->comm, MS_ERR_USER, "-acquisition random is for `bo benchmark` only");
  PetscCall(PetscMemzero(r, sizeof *r));
  r->q = q;
  r->d = d;
  r->n_obj = K;
  PetscCall(PetscMalloc5(q * d, &r->X, q, &r->index, q * K, &r->mean, q * K, &r->std, q, &r->acq));
  PetscCall(PetscMalloc1(n_ex + m->n + q + 1, &ex));
  for (int64_t i = 0; i < n_ex; i++) PetscCall(insert_sorted(&nx, ex, exclude[i]));
  if (finite && !m->opts.allow_measured)
    for (int64_t i = 0; i < m->n; i++) {
      int64_t id;
      ms_bo_space_from_unit(s, m->U + i * d, x);
      if (ms_bo_space_encode(s, x, &id)) PetscCall(insert_sorted(&nx, ex, id));
    }
  for (int k = 0; k < K; k++) { /* the constant lie, from the real observations only */
    double lo = INFINITY, hi = -INFINITY, mean = 0;
    for (int64_t i = 0; i < m->n; i++) {
      double t = m->T[i * K + k];
      lo = PetscMin(lo, t);
      hi = PetscMax(hi, t);
      mean += t / (double)m->n;
    }
    liar[k] = m->opts.liar == MS_BO_LIAR_MIN ? lo : m->opts.liar == MS_BO_LIAR_MAX ? hi : mean;
  }
  for (int64_t b = 0; b < q; b++) {
    double a, mu[2], sd[2];
    if (finite) {
      int64_t idx;
      PetscCall(ms_bo_argmax_finite(m, nx, ex, &idx, &a));
      PetscCheck(idx >= 0, m->comm, MS_ERR_USER, "no candidate left for suggestion %lld: every point of the space is measured or already suggested%s",
                 (long long)b + 1, m->opts.allow_measured ? "" : " (-allow_measured lets measured points be suggested again)");
      ms_bo_space_decode(s, idx, x);
      r->index[b] = idx;
      PetscCall(insert_sorted(&nx, ex, idx));
    } else {
      PetscCall(ms_bo_argmax_box(m, (uint64_t)b, x, &a));
      r->index[b] = -1;
    }
    ms_bo_space_to_unit(s, x, u);
    PetscCall(ms_bo_model_acq(m, 1, u, &a, mu, sd));
    PetscCall(PetscArraycpy(r->X + b * d, x, d));
    r->acq[b] = a;
    for (int k = 0; k < K; k++) {
      double sg = m->opts.minimize[k] ? -1.0 : 1.0;
      r->mean[b * K + k] = sg * mu[k];
      r->std[b * K + k]  = sd[k];
    }
    if (b + 1 < q) PetscCall(ms_bo_model_append(m, u, m->opts.batch_type == MS_BO_BATCH_KB ? mu : liar));
  }
  PetscCall(PetscFree(ex));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_result_free(ms_bo_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree5(r->X, r->index, r->mean, r->std, r->acq));
  PetscFunctionReturn(0);
}
