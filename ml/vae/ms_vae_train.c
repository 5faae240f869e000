/* ms_vae_train.c - data-parallel VAE training with Adam, per-epoch checkpoints and exact resume
 * (ms_vae.h describes the split, the streams and the reduction).
 */
#include "ms_vae_impl.h"
#include "ms_error.h"
#include "ms_h5.h"
#include "ms_log.h"
#include "ms_rng.h"
#include <math.h>
#include <string.h>

#define STREAM_SPLIT (1ULL << 62)
#define STREAM_EPOCH (1ULL << 61)
/* The gradient is summed in pieces of 2^22 floats (16 MB): one in-place Allreduce of the whole
 * vector (85 MB at 64^3) took 1.0-1.6 s on 2 ranks here against 0.44-0.75 s in pieces (Open MPI
 * 4.1, shared memory, loaded machine; benchmarks/RESULTS.md). Each element is still summed by
 * one deterministic Allreduce (on 2 ranks a + b either way), so resume stays bit for bit. */
#define REDUCE_PIECE ((int64_t)1 << 22)

void ms_vae_train_params_default(ms_vae_train_params *p)
{
  memset(p, 0, sizeof *p);
  p->lr     = 1e-5;
  p->beta1  = 0.9;
  p->beta2  = 0.999;
  p->eps    = 1e-8;
  p->batch  = 64;
  p->epochs = 1000;
  p->seed   = 0;
}

void ms_vae_history_free(ms_vae_history *h)
{
  PetscFree5(h->train_loss, h->val_loss, h->train_bce, h->train_kl, h->epoch_seconds);
  memset(h, 0, sizeof *h);
}

typedef ms_vae_adam adam_state;

/* PyTorch's Adam (torch.optim.Adam, no weight decay, 1.13's single-tensor path). */
void ms_vae_adam_step(const ms_vae_train_params *p, int64_t n, float *x, adam_state *s)
{
  const double bc1 = 1.0 - pow(p->beta1, (double)(s->t + 1)), bc2 = 1.0 - pow(p->beta2, (double)(s->t + 1));
  const float  b1 = (float)p->beta1, b2 = (float)p->beta2, step = (float)(p->lr / bc1), sbc2 = (float)sqrt(bc2), eps = (float)p->eps;
  s->t++;
  for (int64_t i = 0; i < n; i++) {
    const float g = s->g[i];
    s->m[i]       = b1 * s->m[i] + (1 - b1) * g;
    s->v[i]       = b2 * s->v[i] + (1 - b2) * g * g;
    x[i] -= step * s->m[i] / (sqrtf(s->v[i]) / sbc2 + eps);
  }
}

/* Noise of structure i in epoch e (ms_vae.h): independent of the rank count. */
static void draw_eps(uint64_t seed, int64_t e, int64_t i, int64_t L, float *eps)
{
  ms_rng r;
  ms_rng_init(&r, seed, ((uint64_t)(e + 1) << 32) + (uint64_t)i);
  for (int64_t j = 0; j < L; j++) eps[j] = (float)ms_rng_normal(&r);
}

typedef struct {
  ms_vae             v;
  const ms_vae_data *d;
  const ms_vae_train_params *p;
  float             *x, *eps; /* chunk buffers */
  int64_t            chunk, nv, L;
  ms_vae_balance     bal;       /* which rank computes which batch member (ms_vae_balance.c) */
  PetscLogEvent      ev_move;
} trainer;

/* Loss sums (BCE, KL) over the members of idx[0..n) (n <= batch) this rank computes in the
 * balanced plan, in chunks; with g, adds scale * gradient. Collective (moves voxels). */
static PetscErrorCode local_pass(trainer *T, int64_t e, int64_t n, const int64_t *idx, double scale, float *g, double sums[2])
{
  int64_t k = 0;

  PetscFunctionBegin;
  PetscCall(PetscLogEventBegin(T->ev_move, 0, 0, 0, 0));
  PetscCall(ms_vae_balance_step(&T->bal, T->d, n, idx));
  PetscCall(PetscLogEventEnd(T->ev_move, 0, 0, 0, 0));
  for (int64_t j = 0; j <= n; j++) {
    const uint8_t *src = j < n ? ms_vae_balance_voxels(&T->bal, T->d, j, idx) : NULL;
    if (src) {
      for (int64_t q = 0; q < T->nv; q++) T->x[k * T->nv + q] = src[q];
      draw_eps(T->p->seed, e, idx[j], T->L, T->eps + k * T->L);
      k++;
    }
    if (k == T->chunk || (j == n && k > 0)) {
      double bce, kl;
      PetscCall(ms_vae_loss_grad(T->v, k, T->x, T->eps, scale, g, &bce, &kl));
      sums[0] += bce;
      sums[1] += kl;
      k = 0;
    }
  }
  PetscFunctionReturn(0);
}

/* Mean loss over a set (validation/test) with the noise of epoch e, balanced in pieces of a
 * batch (the planner's capacity). */
static PetscErrorCode eval_set(trainer *T, int64_t e, int64_t n, const int64_t *idx, double *mean)
{
  double s[2] = {0, 0}, t[2];
  PetscFunctionBegin;
  for (int64_t j0 = 0; j0 < n; j0 += T->bal.cap) PetscCall(local_pass(T, e, PetscMin(T->bal.cap, n - j0), idx + j0, 0, NULL, s));
  PetscCallMPI(MPI_Allreduce(s, t, 2, MPI_DOUBLE, MPI_SUM, T->d->comm));
  *mean = n ? (t[0] + t[1]) / (double)n : NAN;
  PetscFunctionReturn(0);
}

static PetscErrorCode history_alloc(int64_t epochs, ms_vae_history *h)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc5(epochs, &h->train_loss, epochs, &h->val_loss, epochs, &h->train_bce, epochs, &h->train_kl, epochs, &h->epoch_seconds));
  h->test_loss = NAN;
  PetscFunctionReturn(0);
}

/* ---- checkpoint ------------------------------------------------------------------------- */

static PetscErrorCode ckpt_write(MPI_Comm comm, const char *path, ms_vae v, const ms_vae_train_params *p, const adam_state *s, const ms_vae_history *h)
{
  ms_h5_file f;
  hid_t      g;
  int64_t    n = ms_vae_n_params(v), ne = h->epochs_done, nl;
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  nl = rank ? 0 : ne; /* rank 0 writes the (replicated) history */
  PetscCall(ms_h5_create(comm, path, &f));
  PetscCall(ms_h5_group_ensure(f->fid, "/vae", &g));
  PetscCall(ms_vae_save_h5(comm, v, g));
  H5Gclose(g);
  PetscCall(ms_vae_write_floats(comm, f->fid, "adam_m", n, s->m));
  PetscCall(ms_vae_write_floats(comm, f->fid, "adam_v", n, s->v));
  PetscCall(ms_h5_write_scalar_int(f->fid, "adam_step", s->t));
  PetscCall(ms_h5_write_scalar_int(f->fid, "epochs_done", ne));
  PetscCall(ms_h5_write_scalar_int(f->fid, "seed", (int64_t)p->seed));
  PetscCall(ms_h5_write_scalar_int(f->fid, "batch", p->batch));
  PetscCall(ms_h5_write_rows_double(f->fid, "train_loss", ne, 0, nl, 0, h->train_loss));
  PetscCall(ms_h5_write_rows_double(f->fid, "val_loss", ne, 0, nl, 0, h->val_loss));
  PetscCall(ms_h5_write_rows_double(f->fid, "train_bce", ne, 0, nl, 0, h->train_bce));
  PetscCall(ms_h5_write_rows_double(f->fid, "train_kl", ne, 0, nl, 0, h->train_kl));
  PetscCall(ms_h5_write_rows_double(f->fid, "epoch_seconds", ne, 0, nl, 0, h->epoch_seconds));
  PetscCall(ms_h5_commit(&f));
  PetscFunctionReturn(0);
}

static PetscErrorCode ckpt_read(MPI_Comm comm, const char *path, ms_vae v, const ms_vae_train_params *p, adam_state *s, ms_vae_history *h)
{
  hid_t      fid, g;
  int64_t    n = ms_vae_n_params(v), seed, batch, ne;
  ms_vae     w;

  PetscFunctionBegin;
  /* Opened directly, not through ms_h5_open_read: that registers the file as an input, and the
     next checkpoint overwrites it by design. */
  {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    fid = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
  }
  if (fid < 0) SETERRQ(PETSC_COMM_SELF, MS_ERR_FILE, "cannot open checkpoint '%s' (-resume needs the checkpoint of a stopped run)", path);
  g = H5Gopen2(fid, "/vae", H5P_DEFAULT);
  MS_H5CHK(g, comm, "checkpoint '%s' has no /vae group", path);
  PetscCall(ms_vae_load_h5(comm, g, path, 1, &w));
  H5Gclose(g);
  {
    const ms_vae_arch *a = ms_vae_get_arch(v), *b = ms_vae_get_arch(w);
    PetscBool          same = a->size == b->size && a->n_conv == b->n_conv && a->hidden == b->hidden && a->latent == b->latent;
    for (int i = 0; same && i < a->n_conv; i++) same = a->channels[i] == b->channels[i];
    if (!same) {
      PetscCall(ms_vae_destroy(&w));
      H5Fclose(fid);
      SETERRQ(comm, MS_ERR_USER, "checkpoint '%s' holds another architecture (size %lld, %lld convolutions, hidden %lld, latent %lld): give the same options as the first run",
              path, (long long)b->size, (long long)b->n_conv, (long long)b->hidden, (long long)b->latent);
    }
  }
  memcpy(ms_vae_params(v), ms_vae_params(w), (size_t)n * sizeof(float));
  PetscCall(ms_vae_destroy(&w));
  PetscCall(ms_h5_read_scalar_int(fid, "seed", &seed));
  PetscCall(ms_h5_read_scalar_int(fid, "batch", &batch));
  if ((uint64_t)seed != p->seed || batch != p->batch) {
    H5Fclose(fid);
    SETERRQ(comm, MS_ERR_USER, "checkpoint '%s' was made with -seed %lld -batch %lld, not %llu and %lld: give the same options as the first run", path, (long long)seed,
            (long long)batch, (unsigned long long)p->seed, (long long)p->batch);
  }
  PetscCall(ms_vae_read_floats(fid, "adam_m", path, n, s->m));
  PetscCall(ms_vae_read_floats(fid, "adam_v", path, n, s->v));
  PetscCall(ms_h5_read_scalar_int(fid, "adam_step", &s->t));
  PetscCall(ms_h5_read_scalar_int(fid, "epochs_done", &ne));
  if (ne < 0 || ne > p->epochs) {
    H5Fclose(fid);
    SETERRQ(comm, MS_ERR_USER, "checkpoint '%s' has %lld epochs done, beyond -epochs %lld", path, (long long)ne, (long long)p->epochs);
  }
  h->epochs_done = ne;
  PetscCall(ms_h5_read_rows_double(fid, "train_loss", 0, ne, 0, h->train_loss));
  PetscCall(ms_h5_read_rows_double(fid, "val_loss", 0, ne, 0, h->val_loss));
  PetscCall(ms_h5_read_rows_double(fid, "train_bce", 0, ne, 0, h->train_bce));
  PetscCall(ms_h5_read_rows_double(fid, "train_kl", 0, ne, 0, h->train_kl));
  PetscCall(ms_h5_read_rows_double(fid, "epoch_seconds", 0, ne, 0, h->epoch_seconds));
  H5Fclose(fid);
  PetscFunctionReturn(0);
}

/* ---- training ----------------------------------------------------------------------------- */

PetscErrorCode ms_vae_train(ms_vae v, const ms_vae_data *d, const ms_vae_train_params *p, ms_vae_history *h)
{
  MPI_Comm      comm = d->comm;
  const int64_t N = d->n_global, np = ms_vae_n_params(v);
  int64_t      *perm, *tr, *va, *te, ntr, nva, nte, e0, run = 0;
  adam_state    s;
  trainer       T;
  ms_rng        r;
  PetscBool     stop = PETSC_FALSE;
  double        t0;
  static PetscLogEvent ev_sum, ev_adam, ev_move; /* -log_view: gradient Allreduce, Adam update, voxel exchange */

  PetscFunctionBegin;
  if (!ev_sum) {
    PetscCall(PetscLogEventRegister("MsVaeGradSum", PETSC_OBJECT_CLASSID, &ev_sum));
    PetscCall(PetscLogEventRegister("MsVaeAdam", PETSC_OBJECT_CLASSID, &ev_adam));
    PetscCall(PetscLogEventRegister("MsVaeBalance", PETSC_OBJECT_CLASSID, &ev_move));
  }
  if (p->batch < 1 || p->epochs < 1 || !(p->lr > 0) || !(p->beta1 >= 0 && p->beta1 < 1) || !(p->beta2 >= 0 && p->beta2 < 1) || !(p->eps > 0))
    SETERRQ(comm, MS_ERR_USER, "VAE training: batch %lld and epochs %lld must be >= 1, lr %g and eps %g > 0, betas %g, %g in [0, 1)", (long long)p->batch,
            (long long)p->epochs, p->lr, p->eps, p->beta1, p->beta2);
  if (d->size != ms_vae_get_arch(v)->size)
    SETERRQ(comm, MS_ERR_USER, "VAE training: structures are %lld^3 but the network expects %lld^3", (long long)d->size, (long long)ms_vae_get_arch(v)->size);
  memset(h, 0, sizeof *h);
  PetscCall(history_alloc(p->epochs, h));
  /* 80/10/10 split by the seed; the training part needs at least one structure. */
  PetscCall(PetscMalloc1(N, &perm));
  for (int64_t i = 0; i < N; i++) perm[i] = i;
  ms_rng_init(&r, p->seed, STREAM_SPLIT);
  ms_rng_shuffle(&r, N, perm);
  ntr = (int64_t)llround(0.8 * (double)N);
  nva = (int64_t)llround(0.1 * (double)N);
  if (ntr < 1) ntr = 1;
  if (ntr + nva > N) nva = N - ntr;
  nte = N - ntr - nva;
  tr  = perm;
  va  = perm + ntr;
  te  = perm + ntr + nva;
  h->n_train = ntr; h->n_val = nva; h->n_test = nte;

  PetscCall(PetscCalloc3(np, &s.m, np, &s.v, np, &s.g));
  s.t = 0;
  memset(&T, 0, sizeof T);
  T.v     = v;
  T.d     = d;
  T.p     = p;
  T.nv    = d->size * d->size * d->size;
  T.L     = ms_vae_get_arch(v)->latent;
  T.chunk = ms_vae_chunk(v);
  PetscCall(PetscMalloc2(T.chunk * T.nv, &T.x, T.chunk * T.L, &T.eps));
  PetscCall(ms_vae_balance_create(d, PetscMin(p->batch, N), &T.bal));
  T.ev_move = ev_move;
  if (p->resume) {
    if (!p->checkpoint[0]) SETERRQ(comm, MS_ERR_USER, "-resume needs -checkpoint PATH (the checkpoint of the stopped run)");
    PetscCall(ckpt_read(comm, p->checkpoint, v, p, &s, h));
    PetscCall(ms_log(comm, "resuming from '%s' after epoch %lld of %lld\n", p->checkpoint, (long long)h->epochs_done, (long long)p->epochs));
  }
  e0 = h->epochs_done;
  t0 = MPI_Wtime();
  for (int64_t e = e0; e < p->epochs && !stop; e++) {
    int64_t *order;
    double   sums[2] = {0, 0}, tot[2];
    double   te0 = MPI_Wtime();
    PetscCall(PetscMalloc1(ntr, &order));
    memcpy(order, tr, (size_t)ntr * sizeof *order);
    ms_rng_init(&r, p->seed, STREAM_EPOCH + (uint64_t)e);
    ms_rng_shuffle(&r, ntr, order);
    for (int64_t b0 = 0; b0 < ntr; b0 += p->batch) {
      const int64_t nb = PetscMin(p->batch, ntr - b0);
      memset(s.g, 0, (size_t)np * sizeof(float));
      PetscCall(local_pass(&T, e, nb, order + b0, 1.0 / (double)nb, s.g, sums));
      /* The one reduction per step: gradient sums (float, MPI's order). */
      PetscCall(PetscLogEventBegin(ev_sum, 0, 0, 0, 0));
      for (int64_t o = 0; o < np; o += REDUCE_PIECE) PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, s.g + o, (int)PetscMin(REDUCE_PIECE, np - o), MPI_FLOAT, MPI_SUM, comm));
      PetscCall(PetscLogEventEnd(ev_sum, 0, 0, 0, 0));
      PetscCall(PetscLogEventBegin(ev_adam, 0, 0, 0, 0));
      ms_vae_adam_step(p, np, ms_vae_params(v), &s);
      PetscCall(PetscLogEventEnd(ev_adam, 0, 0, 0, 0));
    }
    PetscCall(PetscFree(order));
    PetscCallMPI(MPI_Allreduce(sums, tot, 2, MPI_DOUBLE, MPI_SUM, comm));
    h->train_bce[e]  = tot[0] / (double)ntr;
    h->train_kl[e]   = tot[1] / (double)ntr;
    h->train_loss[e] = h->train_bce[e] + h->train_kl[e];
    PetscCall(eval_set(&T, e, nva, va, &h->val_loss[e]));
    h->epochs_done      = e + 1;
    h->epoch_seconds[e] = MPI_Wtime() - te0;
    if (p->checkpoint[0]) PetscCall(ckpt_write(comm, p->checkpoint, v, p, &s, h));
    PetscCall(ms_log(comm, "epoch %lld/%lld: train loss %.6g (BCE %.6g + KL %.6g), validation %.6g, %.3g structures/s\n", (long long)(e + 1), (long long)p->epochs,
                     h->train_loss[e], h->train_bce[e], h->train_kl[e], h->val_loss[e], (double)ntr / h->epoch_seconds[e]));
    run++;
    if (p->stop_after > 0 && run >= p->stop_after) break;
    PetscCall(ms_signal_agree(comm, &stop));
  }
  h->seconds = MPI_Wtime() - t0;
  if (h->epochs_done == p->epochs) PetscCall(eval_set(&T, p->epochs, nte, te, &h->test_loss));
  PetscCall(PetscFree2(T.x, T.eps));
  PetscCall(ms_vae_balance_destroy(&T.bal));
  PetscCall(PetscFree3(s.m, s.v, s.g));
  PetscCall(PetscFree(perm));
  PetscFunctionReturn(0);
}
