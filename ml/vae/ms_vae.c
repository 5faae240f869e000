/* ms_vae.c - the VAE network (ms_vae.h): layer stack on ms_dnn, loss, gradient, encode, decode.
 *
 * The encoder and decoder are one list of ms_dnn layers; layer l reads act[l - 1] (the input
 * for the first encoder layer, z for the first decoder layer) and writes act[l]. The buffers
 * hold `chunk` samples, so memory does not grow with the batch size: a rank feeds its part of
 * a mini-batch chunk by chunk and the layers add their weight gradients up.
 */
#include "ms_vae.h"
#include "ms_dnn.h"
#include <math.h>
#include <string.h>

struct ms_vae_s {
  ms_vae_arch   a;
  int64_t       chunk;
  int           n_enc, n_layers;          /* encoder layers are [0, n_enc) */
  ms_dnn_layer *L;
  int64_t      *w_off, *b_off, *n_out;    /* per layer: offsets into the flat vector, outputs per sample */
  int64_t       n_params, n_in;
  float        *params;
  float       **act, **dact;              /* per layer, chunk * n_out */
  float        *z, *dz;                   /* chunk * latent */
};

void ms_vae_arch_default(ms_vae_arch *a)
{
  memset(a, 0, sizeof *a);
  a->size   = 128;
  a->n_conv = 4;
  for (int i = 0; i < 4; i++) a->channels[i] = 16 << i;
  a->hidden = 2048;
  a->latent = 256;
}

PetscErrorCode ms_vae_arch_check(MPI_Comm comm, const ms_vae_arch *a)
{
  PetscFunctionBegin;
  if (a->n_conv < 1 || a->n_conv > MS_VAE_MAX_CONV)
    SETERRQ(comm, MS_ERR_USER, "VAE: %lld convolution layers out of range (expected 1..%d)", (long long)a->n_conv, MS_VAE_MAX_CONV);
  if (a->size < 2 || a->size % (1LL << a->n_conv))
    SETERRQ(comm, MS_ERR_USER, "VAE: input size %lld is not a multiple of 2^%lld (each of the %lld convolutions halves the edge)", (long long)a->size,
            (long long)a->n_conv, (long long)a->n_conv);
  for (int i = 0; i < a->n_conv; i++)
    if (a->channels[i] < 1) SETERRQ(comm, MS_ERR_USER, "VAE: channel width %d is %lld (expected >= 1)", i + 1, (long long)a->channels[i]);
  if (a->hidden < 0 || a->latent < 1)
    SETERRQ(comm, MS_ERR_USER, "VAE: hidden units %lld (expected >= 0) or latent size %lld (expected >= 1) out of range", (long long)a->hidden,
            (long long)a->latent);
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_create(const ms_vae_arch *a, int64_t chunk, ms_vae *vp)
{
  ms_vae  v;
  int64_t e[3], n_flat, m, nl;
  int     l = 0;

  PetscFunctionBegin;
  PetscCall(ms_vae_arch_check(PETSC_COMM_SELF, a));
  if (chunk < 1) SETERRQ(PETSC_COMM_SELF, MS_ERR_USER, "VAE: chunk %lld must be >= 1", (long long)chunk);
  PetscCall(PetscCalloc1(1, &v));
  v->a     = *a;
  v->chunk = chunk;
  v->n_enc = (int)a->n_conv + (a->hidden > 0) + 1;
  nl       = v->n_enc + 1 + a->n_conv;
  v->n_layers = (int)nl;
  PetscCall(PetscCalloc6(nl, &v->L, nl, &v->w_off, nl, &v->b_off, nl, &v->n_out, nl, &v->act, nl, &v->dact));
  m = a->size >> a->n_conv;
  e[0] = e[1] = e[2] = a->size;
  for (int i = 0; i < a->n_conv; i++, l++) {
    PetscCall(ms_dnn_conv_create(MS_DNN_CONV3D, i ? a->channels[i - 1] : 1, a->channels[i], e, 4, 2, 1, MS_DNN_ACT_RELU, &v->L[l]));
    ms_dnn_layer_out_shape(v->L[l], e);
  }
  n_flat = a->channels[a->n_conv - 1] * m * m * m;
  if (a->hidden > 0) PetscCall(ms_dnn_dense_create(n_flat, a->hidden, MS_DNN_ACT_RELU, &v->L[l++]));
  PetscCall(ms_dnn_dense_create(a->hidden > 0 ? a->hidden : n_flat, 2 * a->latent, MS_DNN_ACT_NONE, &v->L[l++]));
  PetscCall(ms_dnn_dense_create(a->latent, n_flat, MS_DNN_ACT_RELU, &v->L[l++]));
  e[0] = e[1] = e[2] = m;
  for (int i = (int)a->n_conv - 1; i >= 0; i--, l++) {
    PetscCall(ms_dnn_conv_create(MS_DNN_DECONV3D, a->channels[i], i ? a->channels[i - 1] : 1, e, 4, 2, 1, i ? MS_DNN_ACT_RELU : MS_DNN_ACT_NONE,
                                 &v->L[l]));
    ms_dnn_layer_out_shape(v->L[l], e);
  }
  v->n_in = a->size * a->size * a->size;
  for (l = 0; l < v->n_layers; l++) {
    int64_t nw, nb;
    ms_dnn_layer_sizes(v->L[l], NULL, &v->n_out[l], &nw, &nb);
    v->w_off[l] = v->n_params;
    v->b_off[l] = v->n_params + nw;
    v->n_params += nw + nb;
    PetscCall(PetscMalloc2(chunk * v->n_out[l], &v->act[l], chunk * v->n_out[l], &v->dact[l]));
  }
  PetscCall(PetscCalloc1(v->n_params, &v->params));
  PetscCall(PetscMalloc2(chunk * a->latent, &v->z, chunk * a->latent, &v->dz));
  *vp = v;
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_destroy(ms_vae *vp)
{
  ms_vae v = *vp;
  PetscFunctionBegin;
  if (!v) PetscFunctionReturn(0);
  for (int l = 0; l < v->n_layers; l++) {
    PetscCall(ms_dnn_layer_destroy(&v->L[l]));
    PetscCall(PetscFree2(v->act[l], v->dact[l]));
  }
  PetscCall(PetscFree6(v->L, v->w_off, v->b_off, v->n_out, v->act, v->dact));
  PetscCall(PetscFree(v->params));
  PetscCall(PetscFree2(v->z, v->dz));
  PetscCall(PetscFree(v));
  *vp = NULL;
  PetscFunctionReturn(0);
}

const ms_vae_arch *ms_vae_get_arch(ms_vae v) { return &v->a; }
int64_t            ms_vae_n_params(ms_vae v) { return v->n_params; }
int64_t            ms_vae_chunk(ms_vae v) { return v->chunk; }
float             *ms_vae_params(ms_vae v) { return v->params; }

size_t ms_vae_memory(ms_vae v)
{
  size_t s = (size_t)v->n_params * 4 * sizeof(float); /* params, gradient, Adam m and v */
  for (int l = 0; l < v->n_layers; l++) s += 2 * (size_t)v->chunk * (size_t)v->n_out[l] * sizeof(float);
  return s + 2 * (size_t)v->chunk * (size_t)v->a.latent * sizeof(float);
}

void ms_vae_init_params(ms_vae v, uint64_t seed)
{
  for (int l = 0; l < v->n_layers; l++) ms_dnn_layer_init(v->L[l], seed, (uint64_t)l, v->params + v->w_off[l], v->params + v->b_off[l]);
}

double ms_vae_bce_logits(int64_t m, const float *x, const float *l, double scale, float *dl)
{
  double s = 0;
  for (int64_t i = 0; i < m; i++) {
    double li = l[i], sp = li > 0 ? li + log1p(exp(-li)) : log1p(exp(li));
    s += sp - x[i] * li;
    if (dl) dl[i] = (float)(scale * (1.0 / (1.0 + exp(-li)) - x[i]));
  }
  return s;
}

double ms_vae_kl(int64_t m, const float *mu, const float *lv)
{
  double s = 0;
  for (int64_t i = 0; i < m; i++) s += 1.0 + lv[i] - (double)mu[i] * mu[i] - exp((double)lv[i]);
  return -0.5 * s;
}

/* Layers [l0, l1) forward from x. */
static PetscErrorCode run_forward(ms_vae v, int l0, int l1, int64_t n, const float *x)
{
  PetscFunctionBegin;
  for (int l = l0; l < l1; l++) {
    const float *in = l == l0 ? x : v->act[l - 1];
    PetscCall(ms_dnn_layer_forward(v->L[l], n, in, v->params + v->w_off[l], v->params + v->b_off[l], v->act[l]));
  }
  PetscFunctionReturn(0);
}

/* Layers [l0, l1) backward from dact[l1 - 1]; dx receives the gradient of layer l0's input
 * (NULL: not needed). Weight gradients are added into g. */
static PetscErrorCode run_backward(ms_vae v, int l0, int l1, int64_t n, const float *x, float *dx, float *g)
{
  PetscFunctionBegin;
  for (int l = l1 - 1; l >= l0; l--) {
    const float *in = l == l0 ? x : v->act[l - 1];
    float       *di = l == l0 ? dx : v->dact[l - 1];
    PetscCall(ms_dnn_layer_backward(v->L[l], n, in, v->act[l], v->dact[l], v->params + v->w_off[l], di, g + v->w_off[l], g + v->b_off[l]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_loss_grad(ms_vae v, int64_t n, const float *x, const float *eps, double scale, float *g, double *bce, double *kl)
{
  const int64_t L = v->a.latent, ne = v->n_enc, nl = v->n_layers;
  float        *h, *dh, *logits;

  PetscFunctionBegin;
  if (n < 1 || n > v->chunk) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "VAE: %lld structures per call (chunk %lld)", (long long)n, (long long)v->chunk);
  PetscCall(run_forward(v, 0, (int)ne, n, x));
  h = v->act[ne - 1]; /* [n][2L]: mu | logvar */
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < L; j++) v->z[i * L + j] = h[i * 2 * L + j] + expf(0.5f * h[i * 2 * L + L + j]) * eps[i * L + j];
  PetscCall(run_forward(v, (int)ne, (int)nl, n, v->z));
  logits = v->act[nl - 1];
  *bce   = ms_vae_bce_logits(n * v->n_in, x, logits, scale, g ? v->dact[nl - 1] : NULL);
  *kl    = 0;
  for (int64_t i = 0; i < n; i++) *kl += ms_vae_kl(L, h + i * 2 * L, h + i * 2 * L + L);
  if (!g) PetscFunctionReturn(0);
  PetscCall(run_backward(v, (int)ne, (int)nl, n, v->z, v->dz, g));
  dh = v->dact[ne - 1];
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < L; j++) {
      const double mu = h[i * 2 * L + j], lv = h[i * 2 * L + L + j], e = eps[i * L + j], dz = v->dz[i * L + j];
      dh[i * 2 * L + j]     = (float)(dz + scale * mu);
      dh[i * 2 * L + L + j] = (float)(dz * 0.5 * exp(0.5 * lv) * e + scale * 0.5 * (exp(lv) - 1.0));
    }
  PetscCall(run_backward(v, 0, (int)ne, n, x, NULL, g));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_encode(ms_vae v, int64_t n, const float *x, float *mu, float *logvar)
{
  const int64_t L = v->a.latent;
  float        *h;
  PetscFunctionBegin;
  if (n < 1 || n > v->chunk) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "VAE: %lld structures per call (chunk %lld)", (long long)n, (long long)v->chunk);
  PetscCall(run_forward(v, 0, v->n_enc, n, x));
  h = v->act[v->n_enc - 1];
  for (int64_t i = 0; i < n; i++) {
    if (mu) memcpy(mu + i * L, h + i * 2 * L, (size_t)L * sizeof *mu);
    if (logvar) memcpy(logvar + i * L, h + i * 2 * L + L, (size_t)L * sizeof *logvar);
  }
  PetscFunctionReturn(0);
}

int64_t ms_vae_n_encoder_params(ms_vae v) { return v->w_off[v->n_enc]; }

PetscErrorCode ms_vae_encode_backward(ms_vae v, int64_t n, const float *x, const float *dmu, float *g)
{
  const int64_t L = v->a.latent;
  float        *dh = v->dact[v->n_enc - 1];
  PetscFunctionBegin;
  if (n < 1 || n > v->chunk) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "VAE: %lld structures per call (chunk %lld)", (long long)n, (long long)v->chunk);
  for (int64_t i = 0; i < n; i++) {
    memcpy(dh + i * 2 * L, dmu + i * L, (size_t)L * sizeof *dh);
    memset(dh + i * 2 * L + L, 0, (size_t)L * sizeof *dh); /* the log-variance is not used downstream */
  }
  PetscCall(run_backward(v, 0, v->n_enc, n, x, NULL, g));
  PetscFunctionReturn(0);
}

PetscErrorCode ms_vae_decode(ms_vae v, int64_t n, const float *z, float *p)
{
  const float *l;
  PetscFunctionBegin;
  if (n < 1 || n > v->chunk) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "VAE: %lld latent vectors per call (chunk %lld)", (long long)n, (long long)v->chunk);
  PetscCall(run_forward(v, v->n_enc, v->n_layers, n, z));
  l = v->act[v->n_layers - 1];
  for (int64_t i = 0; i < n * v->n_in; i++) p[i] = (float)(1.0 / (1.0 + exp(-(double)l[i])));
  PetscFunctionReturn(0);
}
