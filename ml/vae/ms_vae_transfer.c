/* ms_vae_transfer.c - transfer learning with a trained VAE encoder against the same network
 * from scratch, repeated over seeds and spread over ranks (ms_vae_transfer.h).
 */
#include "ms_vae_transfer.h"
#include "ms_vae_impl.h"
#include "ms_dnn.h"
#include "ms_error.h"
#include "ms_log.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>

#define STREAM_REPEAT (1ULL << 60)

const char *const ms_vae_transfer_strategy_names[2] = {"transfer_learning", "from_scratch"};

void ms_vae_transfer_params_default(ms_vae_transfer_params *p)
{
  memset(p, 0, sizeof *p);
  p->hidden  = 64;
  p->epochs  = 100;
  p->batch   = 64;
  p->lr      = 1e-5;
  p->beta1   = 0.9;
  p->beta2   = 0.999;
  p->eps     = 1e-8;
  p->l2      = 1e-5;
  p->repeats = 20;
  p->n_train = 250;
}

/* ---- head ------------------------------------------------------------------------------- */

struct ms_vae_head_s {
  ms_dnn_layer L[3];
  int64_t      off_w[3], off_b[3], n_w[3], n_params, chunk, hidden;
  float       *a[3], *da[3]; /* per layer, chunk * n_out */
};

PetscErrorCode ms_vae_head_create(int64_t n_in, int64_t hidden, int64_t chunk, ms_vae_head *hp)
{
  ms_vae_head h;
  PetscFunctionBegin;
  if (hidden < 1 || chunk < 1 || n_in < 1)
    SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "transfer head: %lld inputs, %lld hidden units and chunk %lld must be >= 1", (long long)n_in, (long long)hidden,
            (long long)chunk);
  PetscCall(PetscCalloc1(1, &h));
  h->chunk  = chunk;
  h->hidden = hidden;
  PetscCall(ms_dnn_dense_create(n_in, hidden, MS_DNN_ACT_RELU, &h->L[0]));
  PetscCall(ms_dnn_dense_create(hidden, hidden, MS_DNN_ACT_RELU, &h->L[1]));
  PetscCall(ms_dnn_dense_create(hidden, 1, MS_DNN_ACT_NONE, &h->L[2]));
  for (int l = 0; l < 3; l++) {
    int64_t nb, no;
    ms_dnn_layer_sizes(h->L[l], NULL, &no, &h->n_w[l], &nb);
    h->off_w[l] = h->n_params;
    h->off_b[l] = h->n_params + h->n_w[l];
    h->n_params += h->n_w[l] + nb;
    PetscCall(PetscMalloc2(chunk * no, &h->a[l], chunk * no, &h->da[l]));
  }
  *hp = h;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_head_destroy(ms_vae_head *hp)
{
  ms_vae_head h = *hp;
  PetscFunctionBegin;
  if (!h) PetscFunctionReturn(0);
  for (int l = 0; l < 3; l++) {
    PetscCall(ms_dnn_layer_destroy(&h->L[l]));
    PetscCall(PetscFree2(h->a[l], h->da[l]));
  }
  PetscCall(PetscFree(h));
  *hp = NULL;
  PetscFunctionReturn(0);
}

int64_t ms_vae_head_n_params(ms_vae_head h) { return h->n_params; }

void ms_vae_head_init(ms_vae_head h, uint64_t seed, float *params)
{
  for (int l = 0; l < 3; l++) ms_dnn_layer_init(h->L[l], seed, (uint64_t)l, params + h->off_w[l], params + h->off_b[l]);
}

PetscErrorCode ms_vae_head_sse_grad(ms_vae_head h, const float *P, int64_t n, const float *f, const double *y, double offset, double scale, float *g,
                                    float *df, double *pred, double *sse)
{
  PetscFunctionBegin;
  if (n < 1 || n > h->chunk) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "transfer head: %lld rows per call (chunk %lld)", (long long)n, (long long)h->chunk);
  for (int l = 0; l < 3; l++) PetscCall(ms_dnn_layer_forward(h->L[l], n, l ? h->a[l - 1] : f, P + h->off_w[l], P + h->off_b[l], h->a[l]));
  *sse = 0;
  for (int64_t i = 0; i < n; i++) {
    const double o = (double)h->a[2][i] + offset, r = o - y[i];
    *sse += r * r;
    if (pred) pred[i] = o;
    h->da[2][i] = (float)(2.0 * scale * r);
  }
  if (!g) PetscFunctionReturn(0);
  for (int l = 2; l >= 0; l--)
    PetscCall(ms_dnn_layer_backward(h->L[l], n, l ? h->a[l - 1] : f, h->a[l], h->da[l], P + h->off_w[l], l ? h->da[l - 1] : df, g + h->off_w[l],
                                    g + h->off_b[l]));
  PetscFunctionReturn(0);
}

double ms_vae_head_l2(ms_vae_head h, const float *P, double l2, double scale, float *g)
{
  double s = 0;
  for (int l = 0; l < 3; l++)
    for (int64_t i = h->off_w[l]; i < h->off_w[l] + h->n_w[l]; i++) {
      s += (double)P[i] * P[i];
      if (g) g[i] += (float)(scale * 2.0 * l2 * P[i]);
    }
  return l2 * s;
}

/* ---- one strategy of one repeat ---------------------------------------------------------- */

typedef struct {
  const ms_vae_transfer_data   *d;
  const ms_vae_transfer_params *p;
  ms_vae                        enc;   /* scratch encoder (its own parameters) */
  ms_vae_head                   head;
  const float                  *feat;  /* n * latent: frozen mu of every structure */
  int64_t                       chunk, L, nv;
  float                        *x, *f, *df, *hp; /* chunk buffers; head parameters */
  double                       *y;
  ms_vae_adam                   ah, ae;
} runner;

/* Features of rows idx[0..k) into R->f: the frozen table, or the scratch encoder's mu. */
static PetscErrorCode features(runner *R, ms_vae_transfer_strategy s, int64_t k, const int64_t *idx)
{
  PetscFunctionBegin;
  for (int64_t j = 0; j < k; j++) R->y[j] = R->d->y[idx[j]];
  if (s == MS_VAE_TRANSFER) {
    for (int64_t j = 0; j < k; j++) memcpy(R->f + j * R->L, R->feat + idx[j] * R->L, (size_t)R->L * sizeof(float));
    PetscFunctionReturn(0);
  }
  for (int64_t j = 0; j < k; j++) {
    const uint8_t *src = R->d->vox + idx[j] * R->nv;
    for (int64_t q = 0; q < R->nv; q++) R->x[j * R->nv + q] = src[q];
  }
  PetscCall(ms_vae_encode(R->enc, k, R->x, R->f, NULL));
  PetscFunctionReturn(0);
}

/* Sum of squared errors over rows idx[0..n); with grad, adds scale * the gradients into
 * R->ah.g (head) and, for SCRATCH, R->ae.g (encoder). */
static PetscErrorCode pass(runner *R, ms_vae_transfer_strategy s, int64_t n, const int64_t *idx, double offset, double scale, PetscBool grad, double *sse)
{
  PetscFunctionBegin;
  *sse = 0;
  for (int64_t j0 = 0; j0 < n; j0 += R->chunk) {
    const int64_t k = PetscMin(R->chunk, n - j0);
    const PetscBool enc = grad && s == MS_VAE_SCRATCH;
    double          e;
    PetscCall(features(R, s, k, idx + j0));
    PetscCall(ms_vae_head_sse_grad(R->head, R->hp, k, R->f, R->y, offset, scale, grad ? R->ah.g : NULL, enc ? R->df : NULL, NULL, &e));
    if (enc) PetscCall(ms_vae_encode_backward(R->enc, k, R->x, R->df, R->ae.g));
    *sse += e;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode train_one(runner *R, ms_vae_transfer_strategy s, uint64_t s_head, uint64_t s_enc, uint64_t s_order, const int64_t *tr, int64_t ntr,
                                const int64_t *te, int64_t nte, double mse[2])
{
  const ms_vae_transfer_params *p = R->p;
  const int64_t nh = ms_vae_head_n_params(R->head), ne = ms_vae_n_encoder_params(R->enc);
  ms_vae_train_params ap;
  int64_t            *order;
  double              offset = 0, sse;

  PetscFunctionBegin;
  ms_vae_train_params_default(&ap);
  ap.lr = p->lr; ap.beta1 = p->beta1; ap.beta2 = p->beta2; ap.eps = p->eps;
  for (int64_t i = 0; i < ntr; i++) offset += R->d->y[tr[i]];
  offset /= (double)ntr;
  ms_vae_head_init(R->head, s_head, R->hp);
  memset(R->ah.m, 0, (size_t)nh * sizeof(float));
  memset(R->ah.v, 0, (size_t)nh * sizeof(float));
  R->ah.t = 0;
  if (s == MS_VAE_SCRATCH) {
    ms_vae_init_params(R->enc, s_enc);
    memset(R->ae.m, 0, (size_t)ne * sizeof(float));
    memset(R->ae.v, 0, (size_t)ne * sizeof(float));
    R->ae.t = 0;
  }
  PetscCall(PetscMalloc1(ntr, &order));
  for (int64_t e = 0; e < p->epochs; e++) {
    ms_rng r;
    memcpy(order, tr, (size_t)ntr * sizeof *order);
    ms_rng_init(&r, s_order, (uint64_t)e);
    ms_rng_shuffle(&r, ntr, order);
    for (int64_t b0 = 0; b0 < ntr; b0 += p->batch) {
      const int64_t nb = PetscMin(p->batch, ntr - b0);
      memset(R->ah.g, 0, (size_t)nh * sizeof(float));
      if (s == MS_VAE_SCRATCH) memset(R->ae.g, 0, (size_t)ne * sizeof(float));
      PetscCall(pass(R, s, nb, order + b0, offset, 1.0 / (double)nb, PETSC_TRUE, &sse));
      (void)ms_vae_head_l2(R->head, R->hp, p->l2, 1.0, R->ah.g);
      ms_vae_adam_step(&ap, nh, R->hp, &R->ah);
      if (s == MS_VAE_SCRATCH) ms_vae_adam_step(&ap, ne, ms_vae_params(R->enc), &R->ae);
    }
  }
  PetscCall(PetscFree(order));
  PetscCall(pass(R, s, ntr, tr, offset, 0, PETSC_FALSE, &sse));
  mse[0] = sse / (double)ntr;
  PetscCall(pass(R, s, nte, te, offset, 0, PETSC_FALSE, &sse));
  mse[1] = nte ? sse / (double)nte : NAN;
  PetscFunctionReturn(0);
}

/* ---- driver ------------------------------------------------------------------------------ */

void ms_vae_transfer_result_free(ms_vae_transfer_result *res)
{
  PetscFree(res->mse[0][0]);
  memset(res, 0, sizeof *res);
}

PetscErrorCode ms_vae_transfer_run(MPI_Comm comm, ms_vae vae, const ms_vae_transfer_data *d, const ms_vae_transfer_params *p, ms_vae_transfer_result *res)
{
  const ms_vae_arch *a = ms_vae_get_arch(vae);
  const int64_t      R = p->repeats, N = d->n, ntr = p->n_train, nte = d->n - p->n_train;
  PetscMPIInt        rank, size;
  runner             T;
  float             *feat;
  int64_t           *perm;
  double            *buf, t0 = MPI_Wtime();
  ms_progress        prog;

  PetscFunctionBegin;
  if (p->repeats < 1 || p->epochs < 1 || p->batch < 1 || p->hidden < 1 || !(p->lr > 0) || !(p->eps > 0) || !(p->l2 >= 0) || !(p->beta1 >= 0 && p->beta1 < 1) ||
      !(p->beta2 >= 0 && p->beta2 < 1))
    SETERRQ(comm, MS_ERR_USER, "vae transfer: repeats %lld, epochs %lld, batch %lld and hidden %lld must be >= 1, lr %g and eps %g > 0, l2 %g >= 0, betas %g, %g in [0, 1)",
            (long long)p->repeats, (long long)p->epochs, (long long)p->batch, (long long)p->hidden, p->lr, p->eps, p->l2, p->beta1, p->beta2);
  if (ntr < 1 || ntr >= N)
    SETERRQ(comm, MS_ERR_USER, "vae transfer: -n_train %lld must be in 1..%lld (the %lld labelled structures less at least one test structure)", (long long)ntr,
            (long long)(N - 1), (long long)N);
  if (d->size != a->size)
    SETERRQ(comm, MS_ERR_USER, "vae transfer: structures are %lld^3 but the VAE expects %lld^3", (long long)d->size, (long long)a->size);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  memset(res, 0, sizeof *res);
  res->repeats = R; res->n_train = ntr; res->n_test = nte;
  PetscCall(PetscCalloc1(4 * R, &buf));
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 2; k++) res->mse[s][k] = buf + (2 * s + k) * R;

  memset(&T, 0, sizeof T);
  T.d = d; T.p = p; T.L = a->latent; T.nv = a->size * a->size * a->size; T.chunk = ms_vae_chunk(vae);
  PetscCall(ms_vae_create(a, T.chunk, &T.enc));
  PetscCall(ms_vae_head_create(T.L, p->hidden, T.chunk, &T.head));
  {
    const int64_t nh = ms_vae_head_n_params(T.head), ne = ms_vae_n_encoder_params(T.enc);
    PetscCall(PetscMalloc5(T.chunk * T.nv, &T.x, T.chunk * T.L, &T.f, T.chunk * T.L, &T.df, nh, &T.hp, T.chunk, &T.y));
    PetscCall(PetscMalloc3(nh, &T.ah.m, nh, &T.ah.v, nh, &T.ah.g));
    PetscCall(PetscMalloc3(ne, &T.ae.m, ne, &T.ae.v, ne, &T.ae.g));
  }
  PetscCall(PetscMalloc2(N * T.L, &feat, N, &perm));
  /* The frozen encoder's mu of every structure, once (it never changes), with the trained
     parameters: the network `vae` is only read. Only ranks with a repeat need it. */
  if (rank < R) {
    for (int64_t i0 = 0; i0 < N; i0 += T.chunk) {
      const int64_t k = PetscMin(T.chunk, N - i0);
      for (int64_t q = 0; q < k * T.nv; q++) T.x[q] = d->vox[i0 * T.nv + q];
      PetscCall(ms_vae_encode(vae, k, T.x, feat + i0 * T.L, NULL));
    }
  }
  T.feat = feat;
  PetscCall(ms_progress_begin(comm, "transfer repeats", R, &prog));
  for (int64_t r0 = 0; r0 < R; r0 += size) {
    const int64_t r = r0 + rank;
    if (r < R) {
      ms_rng   g;
      uint64_t s_head, s_enc, s_order;
      ms_rng_init(&g, p->seed, STREAM_REPEAT + (uint64_t)r);
      s_head  = ms_rng_u64(&g);
      s_enc   = ms_rng_u64(&g);
      s_order = ms_rng_u64(&g);
      for (int64_t i = 0; i < N; i++) perm[i] = i;
      ms_rng_shuffle(&g, N, perm);
      for (int s = 0; s < 2; s++) {
        double mse[2] = {NAN, NAN};
        PetscCall(train_one(&T, (ms_vae_transfer_strategy)s, s_head, s_enc, s_order, perm, ntr, perm + ntr, nte, mse));
        res->mse[s][0][r] = mse[0];
        res->mse[s][1][r] = mse[1];
      }
    }
    PetscCall(ms_progress_update(&prog, PetscMin(R, r0 + size)));
  }
  PetscCall(ms_progress_end(&prog));
  /* Each entry was written by exactly one rank, the others hold 0: the sum is exact. */
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, buf, (int)(4 * R), MPI_DOUBLE, MPI_SUM, comm));
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 2; k++) {
      double m = 0, v = 0;
      for (int64_t r = 0; r < R; r++) m += res->mse[s][k][r];
      m /= (double)R;
      for (int64_t r = 0; r < R; r++) v += (res->mse[s][k][r] - m) * (res->mse[s][k][r] - m);
      res->mean[s][k] = m;
      res->std[s][k]  = sqrt(v / (double)R);
    }
  res->seconds = MPI_Wtime() - t0;
  PetscCall(PetscFree2(feat, perm));
  PetscCall(PetscFree3(T.ae.m, T.ae.v, T.ae.g));
  PetscCall(PetscFree3(T.ah.m, T.ah.v, T.ah.g));
  PetscCall(PetscFree5(T.x, T.f, T.df, T.hp, T.y));
  PetscCall(ms_vae_head_destroy(&T.head));
  PetscCall(ms_vae_destroy(&T.enc));
  PetscFunctionReturn(0);
}
