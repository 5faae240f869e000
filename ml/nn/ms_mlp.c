/* ms_mlp.c - multilayer perceptrons on BLAS, trained by Adam (ms_nn.h: the method and why
 * it follows scikit-learn step for step). */
#include "ms_nn.h"
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <string.h>

#define MLP_FORWARD_CHUNK 1024 /* rows per forward pass in prediction */

void ms_mlp_params_default(ms_mlp_params *p)
{
  memset(p, 0, sizeof *p);
  p->alpha = 1e-4;
  p->learning_rate = 1e-3;
  p->beta1 = 0.9;
  p->beta2 = 0.999;
  p->epsilon = 1e-8;
  p->tol = 1e-4;
  p->validation_fraction = 0.1;
  p->batch_size = 0;
  p->max_iter = 200;
  p->n_iter_no_change = 10;
  p->shuffle = PETSC_TRUE;
  p->early_stopping = PETSC_FALSE;
}

PetscErrorCode ms_mlp_net_create(int64_t L, const int64_t *units, ms_mlp_output out, ms_rng *rng, ms_mlp_net *net)
{
  PetscFunctionBeginUser;
  memset(net, 0, sizeof *net);
  net->n_layers = L;
  net->out = out;
  PetscCall(PetscMalloc1(L + 1, &net->units));
  PetscCall(PetscArraycpy(net->units, units, L + 1));
  PetscCall(PetscCalloc2(L, &net->W, L, &net->b));
  for (int64_t l = 0; l < L; l++) {
    const int64_t fi = units[l], fo = units[l + 1];
    const double  s = sqrt(6.0 / (double)(fi + fo));
    PetscCall(PetscCalloc1(fi * fo, &net->W[l]));
    PetscCall(PetscCalloc1(fo, &net->b[l]));
    if (!rng) continue;
    /* scikit-learn draws the whole W_l, then b_l, from U(-s, s). */
    for (int64_t i = 0; i < fi * fo; i++) net->W[l][i] = s * (2.0 * ms_rng_uniform(rng) - 1.0);
    for (int64_t i = 0; i < fo; i++) net->b[l][i] = s * (2.0 * ms_rng_uniform(rng) - 1.0);
  }
  PetscFunctionReturn(0);
}

void ms_mlp_net_free(ms_mlp_net *net)
{
  for (int64_t l = 0; net->W && l < net->n_layers; l++) {
    PetscFree(net->W[l]);
    PetscFree(net->b[l]);
  }
  PetscFree2(net->W, net->b);
  PetscFree(net->units);
  memset(net, 0, sizeof *net);
}

int64_t ms_mlp_net_size(const ms_mlp_net *net)
{
  int64_t s = 0;
  for (int64_t l = 0; l < net->n_layers; l++) s += net->units[l] * net->units[l + 1] + net->units[l + 1];
  return s;
}

void ms_mlp_net_pack(const ms_mlp_net *net, double *flat)
{
  for (int64_t l = 0; l < net->n_layers; l++) {
    const int64_t nw = net->units[l] * net->units[l + 1], nb = net->units[l + 1];
    memcpy(flat, net->W[l], sizeof(double) * (size_t)nw);
    memcpy(flat + nw, net->b[l], sizeof(double) * (size_t)nb);
    flat += nw + nb;
  }
}

void ms_mlp_net_unpack(ms_mlp_net *net, const double *flat)
{
  for (int64_t l = 0; l < net->n_layers; l++) {
    const int64_t nw = net->units[l] * net->units[l + 1], nb = net->units[l + 1];
    memcpy(net->W[l], flat, sizeof(double) * (size_t)nw);
    memcpy(net->b[l], flat + nw, sizeof(double) * (size_t)nb);
    flat += nw + nb;
  }
}

/* Output activation on rows of z (m x k), in place. */
static void mlp_output(ms_mlp_output out, int64_t m, int64_t k, double *z)
{
  if (out == MS_MLP_OUT_LOGISTIC)
    for (int64_t i = 0; i < m * k; i++) z[i] = 1.0 / (1.0 + exp(-z[i]));
  else if (out == MS_MLP_OUT_SOFTMAX)
    for (int64_t i = 0; i < m; i++) {
      double *r = z + i * k, mx = r[0], s = 0.0;
      for (int64_t c = 1; c < k; c++) mx = PetscMax(mx, r[c]);
      for (int64_t c = 0; c < k; c++) s += (r[c] = exp(r[c] - mx));
      for (int64_t c = 0; c < k; c++) r[c] /= s;
    }
}

/* Forward pass of m rows: A[0] holds the inputs; A[l+1] = act(A[l] W_l + b_l). */
static void mlp_forward_rows(const ms_mlp_net *net, int64_t m, double **A)
{
  for (int64_t l = 0; l < net->n_layers; l++) {
    const int64_t fi = net->units[l], fo = net->units[l + 1];
    double       *z = A[l + 1];
    for (int64_t i = 0; i < m; i++) memcpy(z + i * fo, net->b[l], sizeof(double) * (size_t)fo);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)fo, (int)fi, 1.0, A[l], (int)fi, net->W[l], (int)fo, 1.0, z, (int)fo);
    if (l + 1 < net->n_layers)
      for (int64_t i = 0; i < m * fo; i++) z[i] = z[i] > 0.0 ? z[i] : 0.0;
    else mlp_output(net->out, m, fo, z);
  }
}

PetscErrorCode ms_mlp_forward(const ms_mlp_net *net, int64_t n, const double *X, double *out)
{
  const int64_t L = net->n_layers, chunk = PetscMin(n, MLP_FORWARD_CHUNK);
  double      **A;

  PetscFunctionBeginUser;
  if (!n) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(L + 1, &A));
  for (int64_t l = 1; l < L; l++) PetscCall(PetscMalloc1(chunk * net->units[l], &A[l]));
  for (int64_t i0 = 0; i0 < n; i0 += chunk) {
    const int64_t m = PetscMin(chunk, n - i0);
    A[0] = (double *)X + i0 * net->units[0];
    A[L] = out + i0 * net->units[L];
    mlp_forward_rows(net, m, A);
  }
  for (int64_t l = 1; l < L; l++) PetscCall(PetscFree(A[l]));
  PetscCall(PetscFree(A));
  PetscFunctionReturn(0);
}

/* Loss of a batch (without the penalty): scikit-learn's squared_error / log_loss /
   binary_log_loss. */
static double mlp_loss(ms_mlp_output out, int64_t m, int64_t k, const double *P, const double *Y)
{
  const double eps = DBL_EPSILON;
  double       s = 0.0;

  if (out == MS_MLP_OUT_IDENTITY) {
    for (int64_t i = 0; i < m * k; i++) s += (Y[i] - P[i]) * (Y[i] - P[i]);
    return s / (double)(m * k) / 2.0;
  }
  for (int64_t i = 0; i < m * k; i++) {
    const double p = PetscMin(PetscMax(P[i], eps), 1.0 - eps);
    if (Y[i] != 0.0) s -= Y[i] * log(p);
    if (out == MS_MLP_OUT_LOGISTIC && Y[i] != 1.0) s -= (1.0 - Y[i]) * log(1.0 - p);
  }
  return s / (double)m;
}

typedef struct {
  double **A, **D, **gW, **gb;
  double  *mom, *vel, *Yb;
  int64_t  t;
} mlp_work;

/* One Adam step on a batch of m rows (rows idx[0..m) of X, Y). Returns the batch loss. */
static double mlp_batch(ms_mlp_net *net, const ms_mlp_params *p, mlp_work *w, int64_t m, const int64_t *idx, const double *X,
                        const double *Y)
{
  const int64_t L = net->n_layers, d = net->units[0], k = net->units[L];
  double        loss, pen = 0.0, lr;
  int64_t       off = 0;

  for (int64_t i = 0; i < m; i++) {
    memcpy(w->A[0] + i * d, X + idx[i] * d, sizeof(double) * (size_t)d);
    memcpy(w->Yb + i * k, Y + idx[i] * k, sizeof(double) * (size_t)k);
  }
  mlp_forward_rows(net, m, w->A);
  loss = mlp_loss(net->out, m, k, w->A[L], w->Yb);
  for (int64_t l = 0; l < L; l++) pen += cblas_ddot((int)(net->units[l] * net->units[l + 1]), net->W[l], 1, net->W[l], 1);
  loss += 0.5 * p->alpha * pen / (double)m;
  /* Backpropagation: delta_L = output - target for every output/loss pair used here. */
  for (int64_t i = 0; i < m * k; i++) w->D[L - 1][i] = w->A[L][i] - w->Yb[i];
  for (int64_t l = L - 1; l >= 0; l--) {
    const int64_t fi = net->units[l], fo = net->units[l + 1];
    memcpy(w->gW[l], net->W[l], sizeof(double) * (size_t)(fi * fo));
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)fi, (int)fo, (int)m, 1.0 / (double)m, w->A[l], (int)fi, w->D[l], (int)fo,
                p->alpha / (double)m, w->gW[l], (int)fo);
    for (int64_t c = 0; c < fo; c++) w->gb[l][c] = 0.0;
    for (int64_t i = 0; i < m; i++)
      for (int64_t c = 0; c < fo; c++) w->gb[l][c] += w->D[l][i * fo + c];
    for (int64_t c = 0; c < fo; c++) w->gb[l][c] /= (double)m;
    if (l > 0) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)m, (int)fi, (int)fo, 1.0, w->D[l], (int)fo, net->W[l], (int)fo, 0.0, w->D[l - 1], (int)fi);
      for (int64_t i = 0; i < m * fi; i++)
        if (!(w->A[l][i] > 0.0)) w->D[l - 1][i] = 0.0;
    }
  }
  /* Adam (scikit-learn's AdamOptimizer). */
  w->t++;
  lr = p->learning_rate * sqrt(1.0 - pow(p->beta2, (double)w->t)) / (1.0 - pow(p->beta1, (double)w->t));
  for (int64_t l = 0; l < L; l++) {
    const int64_t nw = net->units[l] * net->units[l + 1], nb = net->units[l + 1];
    double       *prm[2] = {net->W[l], net->b[l]}, *g[2] = {w->gW[l], w->gb[l]};
    const int64_t cnt[2] = {nw, nb};
    for (int s = 0; s < 2; s++) {
      for (int64_t i = 0; i < cnt[s]; i++) {
        double *mo = w->mom + off + i, *ve = w->vel + off + i;
        *mo = p->beta1 * *mo + (1.0 - p->beta1) * g[s][i];
        *ve = p->beta2 * *ve + (1.0 - p->beta2) * g[s][i] * g[s][i];
        prm[s][i] += -lr * *mo / (sqrt(*ve) + p->epsilon);
      }
      off += cnt[s];
    }
  }
  return loss;
}

/* Validation score: R^2 (identity output, averaged over outputs) or accuracy. */
static PetscErrorCode mlp_score(const ms_mlp_net *net, int64_t n, const double *X, const double *Y, double *score)
{
  const int64_t k = net->units[net->n_layers];
  double       *P;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(n * k + 1, &P));
  PetscCall(ms_mlp_forward(net, n, X, P));
  if (net->out == MS_MLP_OUT_IDENTITY) {
    double r2 = 0.0;
    for (int64_t c = 0; c < k; c++) {
      double mean = 0.0, ss = 0.0, sr = 0.0;
      for (int64_t i = 0; i < n; i++) mean += Y[i * k + c] / (double)n;
      for (int64_t i = 0; i < n; i++) {
        ss += (Y[i * k + c] - mean) * (Y[i * k + c] - mean);
        sr += (Y[i * k + c] - P[i * k + c]) * (Y[i * k + c] - P[i * k + c]);
      }
      r2 += (ss > 0.0 ? 1.0 - sr / ss : (sr > 0.0 ? 0.0 : 1.0)) / (double)k;
    }
    *score = r2;
  } else {
    int64_t hit = 0;
    for (int64_t i = 0; i < n; i++) {
      if (k == 1) hit += (P[i] > 0.5) == (Y[i] > 0.5);
      else {
        int64_t a = 0, b = 0;
        for (int64_t c = 1; c < k; c++) {
          if (P[i * k + c] > P[i * k + a]) a = c;
          if (Y[i * k + c] > Y[i * k + b]) b = c;
        }
        hit += a == b;
      }
    }
    *score = (double)hit / (double)n;
  }
  PetscCall(PetscFree(P));
  PetscFunctionReturn(0);
}

/* Rows held out for early stopping: a seeded shuffle, per class when the targets are classes
   (each class gives round(fraction * its rows), at least one row stays in training). */
static PetscErrorCode mlp_split(const ms_mlp_net *net, double frac, int64_t n, const double *Y, ms_rng *rng, int64_t *order, int64_t *n_val)
{
  const int64_t k = net->units[net->n_layers];
  int64_t       nv = 0, nt = 0, *tmp;

  PetscFunctionBeginUser;
  for (int64_t i = 0; i < n; i++) order[i] = i;
  ms_rng_shuffle(rng, n, order);
  PetscCall(PetscMalloc1(n, &tmp));
  if (net->out == MS_MLP_OUT_IDENTITY) {
    nv = (int64_t)ceil(frac * (double)n);
    nv = PetscMin(nv, n - 1);
    PetscCall(PetscArraycpy(tmp, order, n));
  } else {
    const int64_t K = k == 1 ? 2 : k;
    for (int64_t c = 0; c < K; c++) {
      int64_t cnt = 0, take, seen = 0;
      for (int64_t i = 0; i < n; i++) {
        const int64_t r = order[i];
        cnt += (k == 1 ? (int64_t)(Y[r] > 0.5) : (int64_t)(Y[r * k + c] > 0.5)) == (k == 1 ? c : 1);
      }
      take = PetscMin((int64_t)llround(frac * (double)cnt), cnt - 1);
      for (int64_t i = 0; i < n && seen < take; i++) {
        const int64_t r = order[i];
        if ((k == 1 ? (int64_t)(Y[r] > 0.5) : (int64_t)(Y[r * k + c] > 0.5)) == (k == 1 ? c : 1)) {
          tmp[nv++] = r;
          seen++;
          order[i] = -1;
        }
      }
    }
    nt = nv;
    for (int64_t i = 0; i < n; i++)
      if (order[i] >= 0) tmp[nt++] = order[i];
  }
  /* order: validation rows first, then training rows. */
  PetscCall(PetscArraycpy(order, tmp, n));
  PetscCall(PetscFree(tmp));
  *n_val = nv;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_mlp_train(ms_mlp_net *net, const ms_mlp_params *p, int64_t n, const double *X, const double *Y, ms_rng *rng,
                            double *loss_curve, int64_t *n_iter, PetscBool *converged)
{
  const int64_t L = net->n_layers, d = net->units[0], k = net->units[L], P = ms_mlp_net_size(net);
  mlp_work      w = {0};
  int64_t      *order, *idx, n_val = 0, n_tr, bs, maxu = 0, bad = 0, epoch;
  double        best = INFINITY, best_score = -INFINITY, *Xv = NULL, *Yv = NULL, *best_w = NULL;

  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(n, &order, n, &idx));
  if (p->early_stopping) {
    PetscCall(mlp_split(net, p->validation_fraction, n, Y, rng, order, &n_val));
    PetscCall(PetscMalloc3(n_val * d + 1, &Xv, n_val * k + 1, &Yv, P, &best_w));
    for (int64_t i = 0; i < n_val; i++) {
      memcpy(Xv + i * d, X + order[i] * d, sizeof(double) * (size_t)d);
      memcpy(Yv + i * k, Y + order[i] * k, sizeof(double) * (size_t)k);
    }
  } else
    for (int64_t i = 0; i < n; i++) order[i] = i;
  n_tr = n - n_val;
  for (int64_t i = 0; i < n_tr; i++) idx[i] = order[n_val + i];
  bs = p->batch_size > 0 ? PetscMin(p->batch_size, n_tr) : PetscMin(200, n_tr);
  for (int64_t l = 0; l <= L; l++) maxu = PetscMax(maxu, net->units[l]);
  PetscCall(PetscCalloc4(L + 1, &w.A, L, &w.D, L, &w.gW, L, &w.gb));
  for (int64_t l = 0; l <= L; l++) PetscCall(PetscMalloc1(bs * net->units[l], &w.A[l]));
  for (int64_t l = 0; l < L; l++) {
    PetscCall(PetscMalloc1(bs * net->units[l + 1], &w.D[l]));
    PetscCall(PetscMalloc1(net->units[l] * net->units[l + 1], &w.gW[l]));
    PetscCall(PetscMalloc1(net->units[l + 1], &w.gb[l]));
  }
  PetscCall(PetscCalloc3(P, &w.mom, P, &w.vel, bs * k, &w.Yb));
  *converged = PETSC_FALSE;
  for (epoch = 0; epoch < p->max_iter; epoch++) {
    double acc = 0.0, loss;
    if (p->shuffle) ms_rng_shuffle(rng, n_tr, idx);
    for (int64_t i0 = 0; i0 < n_tr; i0 += bs) {
      const int64_t m = PetscMin(bs, n_tr - i0);
      acc += mlp_batch(net, p, &w, m, idx + i0, X, Y) * (double)m;
    }
    loss = acc / (double)n_tr;
    if (!isfinite(loss)) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "mlp: the training loss became %g at epoch %lld; lower -mlp_learning_rate or scale the features",
                                 loss, (long long)(epoch + 1));
    if (loss_curve) loss_curve[epoch] = loss;
    if (p->early_stopping) {
      double score = -INFINITY;
      PetscCall(mlp_score(net, n_val, Xv, Yv, &score));
      bad = score < best_score + p->tol ? bad + 1 : 0;
      if (score > best_score) {
        best_score = score;
        ms_mlp_net_pack(net, best_w);
      }
    } else {
      bad = loss > best - p->tol ? bad + 1 : 0;
      if (loss < best) best = loss;
    }
    if (bad > p->n_iter_no_change) {
      *converged = PETSC_TRUE;
      epoch++;
      break;
    }
  }
  *n_iter = epoch;
  if (p->early_stopping) ms_mlp_net_unpack(net, best_w);
  for (int64_t l = 0; l <= L; l++) PetscCall(PetscFree(w.A[l]));
  for (int64_t l = 0; l < L; l++) {
    PetscCall(PetscFree(w.D[l]));
    PetscCall(PetscFree(w.gW[l]));
    PetscCall(PetscFree(w.gb[l]));
  }
  PetscCall(PetscFree4(w.A, w.D, w.gW, w.gb));
  PetscCall(PetscFree3(w.mom, w.vel, w.Yb));
  PetscCall(PetscFree3(Xv, Yv, best_w));
  PetscCall(PetscFree2(order, idx));
  PetscFunctionReturn(0);
}
