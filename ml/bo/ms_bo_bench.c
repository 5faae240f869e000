/* ms_bo_bench.c - the "virtual experiment" of dissertation Section 4.1.2: on a finite pool of
 * measured points, how many extra picks does a strategy need to hit the pool optimum?
 *
 * Per (strategy, n_init, repeat): n_init random initial picks (with or without replacement),
 * then each step fits the GP on the (noisy) observations so far, picks the argmax of the
 * acquisition over the pool (ties: lowest pool index; without replacement picked points are
 * excluded) or a random point, observes it with noise, and stops on a goal point (success,
 * extra tries = steps taken) or when the budget of total evaluations is spent (failure).
 * Initial picks holding a goal point count as a success with 0 extra tries (the seed leaves
 * this open; spec.md 2(a)). The initial picks and the noise of a repeat depend only on
 * (seed, n_init, repeat), so every strategy starts from the same picks (common random numbers)
 * and the table is the same on any number of ranks: task t runs on rank t mod P, and each
 * result is written by one rank and summed. */
#include "ms_bo.h"
#include "ms_log.h"
#include "ms_rng.h"
#include <math.h>

PetscErrorCode ms_bo_pool_unique(int64_t n, int64_t d, const double *X, const double *y, int64_t *m, double **Xu, double **yu)
{
  int64_t *cnt;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n * d, Xu, n, yu));
  PetscCall(PetscCalloc1(n, &cnt));
  *m = 0;
  for (int64_t i = 0; i < n; i++) {
    int64_t j;
    for (j = 0; j < *m; j++) {
      PetscBool eq = PETSC_TRUE;
      for (int64_t k = 0; k < d && eq; k++) eq = (*Xu)[j * d + k] == X[i * d + k];
      if (eq) break;
    }
    if (j == *m) {
      PetscCall(PetscArraycpy(*Xu + j * d, X + i * d, d));
      (*yu)[j] = 0;
      (*m)++;
    }
    (*yu)[j] += y[i];
    cnt[j]++;
  }
  for (int64_t j = 0; j < *m; j++) (*yu)[j] /= (double)cnt[j];
  PetscCall(PetscFree(cnt));
  PetscFunctionReturn(0);
}

typedef struct {
  ms_bo_space       s;
  const double     *y;       /* pool targets (averaged), original units */
  const PetscBool  *goal;
  int64_t           m, d;
  const ms_bo_opts *o;
  const ms_bo_bench_opts *b;
} bench_ctx;

static double noisy(const bench_ctx *c, ms_rng *rng, double y)
{
  if (!(c->b->noise_std > 0)) return y;
  double e = c->b->noise_std * ms_rng_normal(rng);
  return c->b->noise_relative ? y * (1.0 + e) : y + e;
}

/* one repeat of one strategy: extra tries to a goal point, or -1 */
static PetscErrorCode bench_task(const bench_ctx *c, ms_bo_acq_type strat, int64_t n_init, uint64_t stream, int64_t *extra_out)
{
  int64_t     B = c->b->budget > 0 ? c->b->budget : c->m, d = c->d, n = 0, *picks, *perm, nperm = 0, *ex, nex = 0;
  double     *X, *Y;
  ms_rng      rng, nrng;
  ms_bo_model model = NULL;
  ms_bo_opts  o = *c->o;

  PetscFunctionBeginUser;
  ms_rng_init(&rng, c->o->seed, 2 * stream);
  ms_rng_init(&nrng, c->o->seed, 2 * stream + 1);
  PetscCall(PetscMalloc5(B, &picks, c->m, &perm, B * d, &X, B, &Y, B + 1, &ex));
  for (int64_t i = 0; i < c->m; i++) perm[i] = i;
  if (!c->b->replacement) ms_rng_shuffle(&rng, c->m, perm);
  *extra_out = -1;
  o.acq.type       = strat;
  o.allow_measured = c->b->replacement;
  o.batch          = 1;
  for (int64_t step = 0; step < B; step++) {
    int64_t pick;
    if (step < n_init || strat == MS_BO_RANDOM) pick = c->b->replacement ? (int64_t)ms_rng_below(&rng, (uint64_t)c->m) : perm[nperm++];
    else {
      ms_bo_data data = {n, d, 1, X, Y, {NULL, NULL}};
      double     a;
      if (!model || (step - n_init) % c->b->refit_every == 0) {
        PetscCall(ms_bo_model_destroy(&model));
        o.iter = step - n_init;
        o.seed = c->o->seed + 1000003ULL * stream + (uint64_t)step;
        PetscCall(ms_bo_model_fit(PETSC_COMM_SELF, c->s, &data, &o, &model));
      } else {
        double u[64], t = c->o->minimize[0] ? -Y[n - 1] : Y[n - 1];
        if (o.log10[0]) t = (c->o->minimize[0] ? -1.0 : 1.0) * log10(Y[n - 1]);
        ms_bo_space_to_unit(c->s, X + (n - 1) * d, u);
        model->opts.iter = step - n_init;
        PetscCall(ms_bo_model_append(model, u, &t));
      }
      PetscCall(ms_bo_argmax_finite(model, nex, ex, &pick, &a));
      if (pick < 0) break; /* without replacement: pool exhausted */
    }
    if (!c->b->replacement) { /* keep the excluded list sorted */
      int64_t j = nex++;
      while (j > 0 && ex[j - 1] > pick) {
        ex[j] = ex[j - 1];
        j--;
      }
      ex[j] = pick;
    }
    picks[n] = pick;
    PetscCall(PetscArraycpy(X + n * d, c->s->list + pick * d, d));
    Y[n] = noisy(c, &nrng, c->y[pick]);
    PetscCheck(!o.log10[0] || Y[n] > 0, PETSC_COMM_SELF, MS_ERR_USER, "a noisy observation is <= 0 under -target_transform log10; use -noise_relative");
    n++;
    if (c->goal[pick] && step + 1 >= n_init) { /* the initial picks are all made first */
      *extra_out = PetscMax(step + 1 - n_init, 0);
      break;
    }
    if (step + 1 == n_init) { /* a goal among the initial picks: success with 0 extra tries */
      for (int64_t i = 0; i < n; i++)
        if (c->goal[picks[i]]) *extra_out = 0;
      if (*extra_out == 0) break;
    }
  }
  PetscCall(ms_bo_model_destroy(&model));
  PetscCall(PetscFree5(picks, perm, X, Y, ex));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_bench_run(MPI_Comm comm, int64_t n, int64_t d, const double *X, const double *y, char *const *names,
                               const ms_bo_opts *o, const ms_bo_bench_opts *b, ms_bo_bench_result *r)
{
  PetscMPIInt rank, size;
  int64_t     m, S = b->n_strategies, NI = b->n_n_init, R = b->repeats, T = S * NI * R, done = 0;
  double     *Xu, *yu;
  PetscBool  *goal;
  ms_bo_space s;
  ms_progress prog;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(S >= 1 && NI >= 1 && R >= 1, comm, MS_ERR_USER, "benchmark: need strategies, n_init values and repeats >= 1");
  PetscCheck(b->refit_every >= 1, comm, MS_ERR_USER, "-refit_every must be >= 1");
  PetscCheck(b->goal >= 0 && b->goal < 1, comm, MS_ERR_USER, "-goal must be in [0, 1): 0 = the pool optimum, 0.05 = the top 5 %%");
  PetscCall(ms_bo_pool_unique(n, d, X, y, &m, &Xu, &yu));
  int64_t B = b->budget > 0 ? b->budget : m;
  for (int64_t i = 0; i < NI; i++) {
    PetscCheck(b->n_init[i] >= 1 && b->n_init[i] < B, comm, MS_ERR_USER, "-init %lld: must be >= 1 and below the budget of %lld evaluations",
               (long long)b->n_init[i], (long long)B);
    PetscCheck(b->replacement || B <= m, comm, MS_ERR_USER, "without replacement the budget (%lld) cannot exceed the pool (%lld unique points)",
               (long long)B, (long long)m);
  }
  for (int64_t i = 0; i < S; i++) PetscCheck(b->strategies[i] != MS_BO_EHVI, comm, MS_ERR_USER, "the benchmark is single-objective: ehvi is not a strategy");
  /* goal: the pool optimum (all ties), or the top ceil(goal * m) points */
  PetscCall(PetscMalloc1(m, &goal));
  {
    double *t, thr;
    PetscCall(PetscMalloc1(m, &t));
    for (int64_t i = 0; i < m; i++) t[i] = o->minimize[0] ? -yu[i] : yu[i];
    double *srt;
    PetscCall(PetscMalloc1(m, &srt));
    PetscCall(PetscArraycpy(srt, t, m));
    PetscCall(PetscSortReal((PetscInt)m, srt));
    int64_t k = b->goal > 0 ? (int64_t)ceil(b->goal * (double)m) : 1;
    thr       = srt[m - PetscMax(PetscMin(k, m), 1)];
    for (int64_t i = 0; i < m; i++) goal[i] = t[i] >= thr ? PETSC_TRUE : PETSC_FALSE;
    PetscCall(PetscFree(srt));
    PetscCall(PetscFree(t));
  }
  PetscCall(ms_bo_space_create(d, &s));
  PetscCall(ms_bo_space_set_list(s, names, m, Xu));
  bench_ctx c = {s, yu, goal, m, d, o, b};

  r->n_rows = S * NI;
  PetscCall(PetscCalloc6(r->n_rows, &r->successes, r->n_rows, &r->mean_extra, r->n_rows, &r->std_extra, r->n_rows, &r->mean_total, r->n_rows,
                         &r->std_total, T, &r->extra));
  PetscCall(ms_progress_begin(comm, "virtual experiments", T, &prog));
  for (int64_t t = rank; t < T; t += size) {
    int64_t rep = t % R, ni = (t / R) % NI, st = t / (R * NI), e = -1;
    PetscCall(bench_task(&c, b->strategies[st], b->n_init[ni], (uint64_t)(ni * R + rep), &e));
    r->extra[t] = e + 2; /* one writer per entry: the reduction below is a gather */
    done++;
    if (!rank) PetscCall(ms_progress_update(&prog, PetscMin(done * size, T)));
  }
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, r->extra, (int)T, MPI_INT64_T, MPI_SUM, comm));
  PetscCall(ms_progress_end(&prog));
  for (int64_t row = 0; row < r->n_rows; row++) {
    int64_t ni = row % NI, k = 0;
    double  se = 0, se2 = 0;
    for (int64_t rep = 0; rep < R; rep++) {
      int64_t e = (r->extra[row * R + rep] -= 2);
      if (e < 0) continue;
      k++;
      se += (double)e;
      se2 += (double)e * (double)e;
    }
    r->successes[row]  = k;
    r->mean_extra[row] = k ? se / (double)k : NAN;
    r->std_extra[row]  = k > 1 ? sqrt(PetscMax(se2 - se * se / (double)k, 0.0) / (double)(k - 1)) : NAN;
    r->mean_total[row] = k ? r->mean_extra[row] + (double)b->n_init[ni] : NAN;
    r->std_total[row]  = r->std_extra[row]; /* total = n_init + extra: same spread */
  }
  PetscCall(ms_bo_space_destroy(&s));
  PetscCall(PetscFree(goal));
  PetscCall(PetscFree2(Xu, yu));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_bench_result_free(ms_bo_bench_result *r)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree6(r->successes, r->mean_extra, r->std_extra, r->mean_total, r->std_total, r->extra));
  PetscFunctionReturn(0);
}
