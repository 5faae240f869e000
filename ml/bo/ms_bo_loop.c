/* ms_bo_loop.c - closed-loop Bayesian optimisation of an objective callback (a simulation,
 * a generator + encoder, a function): random initial design, then fit -> suggest a batch ->
 * evaluate -> repeat. The callback is called on every rank of comm with the same point and
 * must return the same values there (it may itself be collective over comm). */
#include "ms_bo.h"
#include "ms_rng.h"
#include <math.h>

PetscErrorCode ms_bo_run(MPI_Comm comm, ms_bo_space s, const ms_bo_opts *o, ms_bo_objective *f, int64_t n_init, int64_t n_total,
                         double *trace_x, double *trace_y)
{
  int64_t    d = s->d, K = f->n_obj, done = 0;
  ms_rng     rng;
  ms_bo_opts oo = *o;

  PetscFunctionBeginUser;
  PetscCheck(n_init >= 1 && n_total >= n_init, comm, MS_ERR_USER, "ms_bo_run: need 1 <= n_init <= n_total, got %lld, %lld", (long long)n_init,
             (long long)n_total);
  PetscCheck(K == 1 || K == 2, comm, MS_ERR_USER, "ms_bo_run: the objective must have 1 or 2 values");
  ms_rng_init(&rng, o->seed, 0);
  for (; done < n_init; done++) {
    double *x = trace_x + done * d;
    if (ms_bo_space_is_finite(s)) {
      int64_t N;
      PetscCall(ms_bo_space_size(s, &N));
      ms_bo_space_decode(s, (int64_t)ms_rng_below(&rng, (uint64_t)N), x);
    } else {
      double u[64];
      for (int64_t k = 0; k < d; k++) u[k] = ms_rng_uniform(&rng);
      ms_bo_space_from_unit(s, u, x);
      ms_bo_space_snap(s, x);
    }
    PetscCall(f->eval(f->ctx, x, trace_y + done * K));
  }
  while (done < n_total) {
    ms_bo_data   data = {done, d, K, trace_x, trace_y, {NULL, NULL}};
    ms_bo_model  m;
    ms_bo_result r;
    oo.iter  = o->iter + done - n_init;
    oo.batch = PetscMin(o->batch, n_total - done);
    oo.seed  = o->seed + (uint64_t)done; /* new restart and start streams per iteration */
    PetscCall(ms_bo_model_fit(comm, s, &data, &oo, &m));
    PetscCall(ms_bo_suggest(m, 0, NULL, &r));
    for (int64_t b = 0; b < r.q; b++, done++) {
      PetscCall(PetscArraycpy(trace_x + done * d, r.X + b * d, d));
      PetscCall(f->eval(f->ctx, trace_x + done * d, trace_y + done * K));
    }
    PetscCall(ms_bo_result_free(&r));
    PetscCall(ms_bo_model_destroy(&m));
  }
  PetscFunctionReturn(0);
}

typedef struct {
  int64_t n, d;
  int     n_obj;
  double *X, *Y;
} ms_bo_table;

static PetscErrorCode table_eval(void *ctx, const double *x, double *y)
{
  ms_bo_table *t = (ms_bo_table *)ctx;

  PetscFunctionBeginUser;
  for (int64_t i = 0; i < t->n; i++) {
    PetscBool eq = PETSC_TRUE;
    for (int64_t k = 0; k < t->d && eq; k++) {
      double a = x[k], b = t->X[i * t->d + k];
      eq = fabs(a - b) <= 1e-9 * PetscMax(1.0, PetscMax(fabs(a), fabs(b))) ? PETSC_TRUE : PETSC_FALSE;
    }
    if (eq) {
      for (int k = 0; k < t->n_obj; k++) y[k] = t->Y[i * t->n_obj + k];
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "objective table: the point (%g%s) was not measured", x[0], t->d > 1 ? ", ..." : "");
}

PetscErrorCode ms_bo_objective_table_create(int64_t n, int64_t d, int n_obj, const double *X, const double *Y, ms_bo_objective *f)
{
  ms_bo_table *t;

  PetscFunctionBeginUser;
  PetscCall(PetscNew(&t));
  t->n     = n;
  t->d     = d;
  t->n_obj = n_obj;
  PetscCall(PetscMalloc2(n * d, &t->X, n * n_obj, &t->Y));
  PetscCall(PetscArraycpy(t->X, X, n * d));
  PetscCall(PetscArraycpy(t->Y, Y, n * n_obj));
  f->n_obj = n_obj;
  f->eval  = table_eval;
  f->ctx   = t;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_bo_objective_table_destroy(ms_bo_objective *f)
{
  ms_bo_table *t = (ms_bo_table *)f->ctx;

  PetscFunctionBeginUser;
  if (t) PetscCall(PetscFree2(t->X, t->Y));
  PetscCall(PetscFree(t));
  f->ctx  = NULL;
  f->eval = NULL;
  PetscFunctionReturn(0);
}
